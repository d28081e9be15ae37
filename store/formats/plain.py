"""Untimed text: the fallback format.

Two shapes come up in practice: one giant line with no punctuation (an
auto-caption dump) and text scraped from a web page, hard-wrapped at about 40
columns, with the page's chrome (bylines, view counters, share buttons,
"Related ..." links) around it. Hard-wrapped lines are joined back into
flowing paragraphs, the chrome at the head and tail is set aside (never
deleted), and the text is cut into sentence-sized segments whose times are
estimated from a speaking rate.

`reflow_prose` is the reusable part: the markdown and timed-text families
call it for prose that carries no timestamps.
"""

from __future__ import annotations

import re
from collections import Counter

from ..model import ESTIMATED, Segment, Transcript
from ..reflow import ends_sentence, estimate_times, is_nonspeech, split_untimed
from . import Format, Options, ParseError

# --- page chrome ------------------------------------------------------------

# First words of UI labels a scraped page puts around the text.
_UI_WORDS = {
    "share",
    "shares",
    "shared",
    "subscribe",
    "subscribed",
    "unsubscribe",
    "translate",
    "translation",
    "translations",
    "related",
    "views",
    "viewed",
    "comments",
    "comment",
    "download",
    "downloads",
    "print",
    "embed",
    "follow",
    "followers",
    "menu",
    "search",
    "login",
    "logout",
    "advertisement",
    "sponsored",
    "tags",
    "tagged",
    "categories",
    "category",
    "posted",
    "published",
    "updated",
    "by",
    "likes",
    "cookies",
    "privacy",
    "copyright",
    "loading",
    "credits",
    "transcript",
    "lyrics",
}
# Two-word labels whose first word alone is too common to count.
_UI_PHRASES = {
    "read more",
    "show more",
    "see more",
    "load more",
    "show less",
    "up next",
    "sign in",
    "sign up",
    "log in",
    "back to",
    "more from",
    "you may",
    "recommended for",
    "watch next",
    "next episode",
    "previous episode",
}
_SMALL = {"a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "at", "with", "from"}
_COUNT_WORDS = {
    "views",
    "view",
    "viewed",
    "plays",
    "played",
    "likes",
    "listens",
    "comments",
    "shares",
    "followers",
    "subscribers",
    "downloads",
    "reads",
}
# A counter: "53,478", "1.2K", "120000"; a short bare number ("2005") may be
# the last word of a hard-wrapped sentence, so it only counts as a fragment.
_NUMBER = re.compile(r"^[#№]?\d(?:[\d,.\s]*\d)?[kKmM+]?$")
_BIG_NUMBER = re.compile(r"^[#№]?(?:\d{1,3}(?:[,.\s]\d{3})+|\d+(?:[.,]\d+)?\s*[kKmM+]|\d{5,})$")
_LABEL_NUMBER = re.compile(r"^[^\W\d_][\w ]{0,30}:\s*\d[\d,./%\s]*$")
_COUNTER = re.compile(r"^(?:[^\W\d_]+\s+){0,2}\d[\d,.]*\s*[kKmM]?(?:\s+[^\W\d_]+){0,2}$")
_URL_LINE = re.compile(r"^(?:https?://|www\.)\S+$")
_SENTENCE_PUNCT = re.compile(r"[.!?…。！？](?:['\"”’)\]]*)(?:\s|$)")
_SCAN_LIMIT = 40  # chrome is a handful of lines, never a page of text

_STRONG, _WEAK, _COLON = "strong", "weak", "colon"


def _title_case(words: list[str]) -> bool:
    for i, w in enumerate(words):
        c = next((ch for ch in w if ch.isalpha()), None)
        if c is None or not c.islower():
            continue
        if i > 0 and w.lower() in _SMALL:
            continue
        return False
    return True


def _chrome_kind(line: str) -> str | None:
    """How much a line looks like page chrome: "strong" (a UI label, a
    counter), "colon" (a prompt ending in ':'), "weak" (a short fragment
    without sentence punctuation) or None (transcript text)."""
    s = line.strip()
    if not s or is_nonspeech(s):
        return None
    words = s.split()
    lower = [w.lower().strip(":;,.|·•›»-") for w in words]
    if _BIG_NUMBER.match(s) or _LABEL_NUMBER.match(s) or _URL_LINE.match(s):
        return _STRONG
    if _NUMBER.match(s):
        return _WEAK
    if "©" in s or "all rights reserved" in s.lower():
        return _STRONG
    if _COUNTER.match(s) and any(w in _COUNT_WORDS for w in lower):
        return _STRONG
    has_punct = bool(_SENTENCE_PUNCT.search(s))
    if words[0].endswith(":") and lower[0] in _UI_WORDS and len(words) <= 12 and not has_punct:
        return _STRONG  # "Tags: rivers, talks", "Share: Facebook Twitter"
    if not has_punct and len(words) <= 5 and len(s) <= 40 and not s[0].islower():
        first = lower[0]
        phrase = " ".join(lower[:2])
        if first == "by":
            # a byline: "By" alone or followed by a capitalised name
            if all(w[:1].isupper() for w in words[1:]):
                return _STRONG
        elif (first in _UI_WORDS or phrase in _UI_PHRASES) and (len(words) <= 2 or _title_case(words)):
            return _STRONG
    if s.endswith(":") and len(words) <= 12 and not has_punct:
        return _COLON
    if not has_punct and len(words) <= 4 and len(s) <= 32:
        return _WEAK
    return None


def _chrome_run(lines: list[str]) -> int:
    """How many of `lines` (scanned from the page edge inward) are chrome.

    The run may contain weak fragments, but it ends at its last strong line:
    a short real first line ("Okay", "Hello.") is never taken unless a UI
    label or a counter stands between it and the text."""
    last = -1
    seen_strong = False
    nonblank = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        nonblank += 1
        if nonblank > _SCAN_LIMIT:
            break
        kind = _chrome_kind(line)
        if kind is None:
            break
        # A prompt ending in ':' counts once the run is clearly chrome.
        if kind == _STRONG or (kind == _COLON and seen_strong):
            seen_strong = True
            last = i
    return last + 1


def split_chrome(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(head chrome, body, tail chrome) of a list of lines."""
    head = _chrome_run(lines)
    tail = _chrome_run(lines[::-1])
    body = lines[head : len(lines) - tail]
    if not any(ln.strip() for ln in body):
        # Everything looked like chrome: then none of it is.
        return [], lines, []
    return lines[:head], body, lines[len(lines) - tail :]


# --- paragraphs ---------------------------------------------------------------

_LABEL = re.compile(r"^(?P<name>[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}|[Ss]peaker \d+)\s*:(?:\s+(?P<rest>.*)|$)")


def _speaker_labels(lines: list[str]) -> set[str]:
    """Labels like "JOHN:" / "Q:" that mark turns, when the text really uses
    them (they recur), so a stray "Note: ..." is not taken for a speaker."""
    names = Counter()
    for ln in lines:
        m = _LABEL.match(ln.strip()) if ":" in ln else None  # a label ends in a colon
        if m:
            names[m.group("name")] += 1
    total = sum(names.values())
    if total < 2 or not names or names.most_common(1)[0][1] < 2:
        return set()
    if len(names) > max(2, total // 2):
        return set()
    return {n for n, c in names.items() if c >= 2 or len(names) <= 6}


def _wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped text was wrapped at, or None when lines are
    not hard-wrapped (one line per paragraph, or one giant line)."""
    lens = sorted(len(ln) for ln in lines if ln.strip())
    if len(lens) < 4:
        return None
    width = lens[int(0.9 * (len(lens) - 1))]
    if width > 120:
        return None
    near = sum(1 for n in lens if n >= width * 0.7)
    return width if near >= len(lens) * 0.5 else None


def paragraphs(lines: list[str]) -> list[tuple[str | None, str]]:
    """Join hard-wrapped lines into (speaker, paragraph) pairs. A paragraph
    ends at a blank line, a speaker label, a nonspeech marker line, or a
    sentence end on a line that stops short of the wrap width (a new turn)."""
    lines = [ln.strip() for ln in lines]
    width = _wrap_width(lines)
    labels = _speaker_labels(lines)
    out: list[tuple[str | None, str]] = []
    speaker: str | None = None
    cur: list[str] = []  # the lines of the paragraph being built

    def flush() -> None:
        text = " ".join(cur).strip()
        if text:
            out.append((speaker, text))
        cur.clear()

    for i, ln in enumerate(lines):
        if not ln:
            flush()
            continue
        if labels:
            m = _LABEL.match(ln)
            if m and m.group("name") in labels:
                flush()
                speaker = m.group("name")
                ln = (m.group("rest") or "").strip()
                if not ln:
                    continue
        if is_nonspeech(ln):
            flush()
            cur.append(ln)
            flush()
            continue
        prev = cur[-1] if cur else ""
        if prev.endswith("-") and prev[-2:-1].isalnum() and ln[:1].islower():
            cur[-1] = prev + ln  # a word hyphenated across the wrap
        else:
            cur.append(ln)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt and ends_sentence(ln.rsplit(None, 1)[-1]):
            if width is None or len(ln) + 1 + len(nxt.split(None, 1)[0]) <= width:
                flush()
    flush()
    return out


def reflow_prose(
    text: str, options: Options, *, chrome: bool = True, start: float = 0.0
) -> tuple[list[Segment], list[str]]:
    """Untimed prose -> (segments with estimated times, set-aside chrome).

    `chrome=False` keeps every line (for a section of a document whose edges
    are not a web page's); `start` offsets the estimated times."""
    lines = text.split("\n")
    aside: list[str] = []
    if chrome:
        head, lines, tail = split_chrome(lines)
        for block in (head, tail):
            joined = "\n".join(ln.rstrip() for ln in block).strip("\n")
            if joined.strip():
                aside.append(joined)
    segs: list[Segment] = []
    t = start
    for speaker, para in paragraphs(lines):
        new = estimate_times(split_untimed(para), wpm=options.wpm, start=t, speaker=speaker)
        if new:
            t = new[-1].end or new[-1].start
        segs.extend(new)
    return segs, aside


# --- the format -------------------------------------------------------------

_TAGS = re.compile(r"<[a-zA-Z/!?][^<>]{0,200}>")


def looks_like_data(sample: str) -> bool:
    """JSON, XML/HTML and other markup: text, but not prose."""
    s = sample.lstrip()
    if not s:
        return False
    if s[0] == "{":
        return True
    if s[0] == "[" and re.match(r"\[\s*(?:[\[{\"\]]|-?\d[\d.]*\s*[,\]])", s):
        return True
    if s[0] == "<" and re.match(r"<[?!a-zA-Z]", s):
        return True
    tags = _TAGS.findall(s)
    return len(tags) >= 4 and sum(map(len, tags)) > len(s) * 0.1


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NOT_LETTERS = bytes(b for b in range(256) if not chr(b).isalpha() or b > 0x7F)


def detect(text: str, ext: str) -> float:
    sample = text[:4096]
    if not sample.strip() or looks_like_data(sample):
        return 0.0
    nonspace = len("".join(sample.split()))  # split() drops what isspace() is
    # Counted at C speed: the ASCII letters are what isalpha() is among ASCII;
    # the other characters (few, in most texts) one by one.
    letters = len(sample.encode("ascii", "ignore").translate(None, _NOT_LETTERS))
    if not sample.isascii():
        letters += sum(1 for c in _NON_ASCII.findall(sample) if c.isalpha())
    ratio = letters / nonspace if nonspace else 0.0
    if ratio < 0.3:
        return 0.0
    if ratio < 0.5:
        return 0.02
    return 0.08 if ext in (".txt", ".text", "") else 0.05


def parse(text: str, options: Options) -> Transcript:
    if not text.strip():
        raise ParseError("the file is empty")
    segs, aside = reflow_prose(text, options)
    if not segs:
        raise ParseError("no text")
    t = Transcript(
        title=options.name,
        format="text",
        segments=segs,
        timing=ESTIMATED,
        set_aside=aside,
    )
    speakers = t.speakers
    if speakers:
        t.metadata["speakers"] = speakers
    return t


FORMATS: list[Format] = [
    Format(
        name="text",
        family="plain",
        description="untimed text (one long line, or prose hard-wrapped); times are estimated",
        extensions=(".txt", ".text", ""),
        detect=detect,
        parse=parse,
    )
]
