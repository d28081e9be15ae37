"""Markdown transcripts, usually with YAML front matter.

Note-taking tools and transcript scrapers write a front matter block (title,
speaker, URL, date, tags) and then the transcript as timestamped bullets:
``- [00:12] text``, ``**[1:02:03]** text``, ``(12:30) text``,
``[00:12–00:18] text``, ``[00:12](https://youtu.be/...&t=12) text`` or bare
``00:12 text``. Headings are chapter marks. Other body lines ("- URL: ...",
"- Retrieved at: ...") are set aside, and key: value ones also land in the
metadata. A markdown file with no timestamps is prose: it is reflowed with
estimated times, one section per heading.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

import yaml

from ..model import ESTIMATED, EXACT, Chapter, Segment, Transcript
from ..names import choose_title, is_placeholder, keep_placeholder
from ..reflow import kind_of
from ..text import clean_line, one_line, parse_time, tagless_line
from . import Format, Options, ParseError
from .plain import reflow_prose

_T = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
_DASH = r"\s*[-–—]\s*"
_EMPH = r"(?:\*\*|__|\*|_)?"
# One timed line. The time sits in brackets (optionally a link), in
# parentheses, or bare, optionally as a range, optionally in bold.
_TIMED = re.compile(
    rf"""^\s*(?:>\s*)?(?:[-*+]\s+|\d+[.)]\s+)?{_EMPH}
    (?:
        \[(?P<a>{_T})(?:{_DASH}(?P<ae>{_T}))?\](?:\([^()\s]*\))?
      | \((?P<b>{_T})(?:{_DASH}(?P<be>{_T}))?\)
      | (?P<c>{_T})(?:{_DASH}(?P<ce>{_T}))?(?=$|[\s:|–—*_-])
    ){_EMPH}
    \s*(?:[-–—:|]\s+|[-–—:|]$)?(?P<text>.*)$""",
    re.VERBOSE,
)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LEAD_TIME = re.compile(rf"^[\[(]?{_T}(?:{_DASH}{_T})?[\])]?\s*[-–—:|]?\s*")
_RULE = re.compile(r"^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|=+)\s*$")
_FENCE = re.compile(r"^\s{0,3}(?:```|~~~)")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_KEY_VALUE = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?(?P<key>[^\W\d_][\w .-]{0,30}?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s+(?P<value>\S.*)$"
)
_BOLD_SPEAKER = re.compile(r"^(?:\*\*|__)(?P<name>[^*_:\n]{1,40}?)(?::(?:\*\*|__)|(?:\*\*|__):)\s*(?P<rest>.*)$")
_PLAIN_SPEAKER = re.compile(r"^(?P<name>[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,2}|[Ss]peaker \d+):\s+(?P<rest>.*)$")

_URL_KEYS = ("url", "video_url", "link", "source_url")
_DATE_KEYS = ("date", "published", "recorded", "upload_date")
_SPEAKER_KEYS = ("speaker", "speakers", "host", "hosts", "guest", "guests")
_MAX_FRONT = 256 * 1024  # a front matter larger than this is not metadata


# --- front matter ------------------------------------------------------------


def _jsonable(value: Any, depth: int = 0) -> Any:
    """YAML values -> JSON-serialisable ones (dates as ISO strings)."""
    if depth > 20:
        return str(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _names(value: Any) -> list[str]:
    """A speaker field: "A", "A, B", "A & B", ["A", {"name": "B"}]."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if _empty(item):
            continue
        if isinstance(item, dict):
            item = item.get("name") or item.get("title") or ""
        if isinstance(item, str) and not isinstance(value, list):
            parts = re.split(r"\s*(?:;|,|&|\band\b)\s*", item)
        else:
            parts = [str(item)]
        out.extend(p for p in (clean_line(p) for p in parts) if p)
    return out


def split_front_matter(text: str) -> tuple[str | None, str, str]:
    """(raw front matter or None, delimiter "---" or "+++", body)."""
    for delim in ("---", "+++"):
        if text.startswith(delim + "\n") or text.rstrip("\n ") == delim:
            end = re.compile(rf"^(?:{re.escape(delim)}|\.\.\.)[ \t]*$", re.M)
            m = end.search(text, len(delim) + 1)
            if m:
                return text[len(delim) + 1 : m.start()], delim, text[m.end() :].lstrip("\n")
    return None, "", text


def _load_front(raw: str, delim: str) -> dict | None:
    """The front matter as a dict, or None when it does not parse."""
    if len(raw) > _MAX_FRONT:
        return None
    try:
        if delim == "+++":
            import tomllib

            data = tomllib.loads(raw)
        else:
            data = yaml.safe_load(raw)
    except Exception:  # malformed front matter is set aside, never fatal
        return None
    if data is None:
        return {}
    if not isinstance(data, dict) or _too_big(data):
        return None
    return data


def _too_big(data: Any, limit: int = 20_000) -> bool:
    """YAML aliases can make a few lines expand into millions of values
    ("billion laughs"); such a front matter is not metadata."""
    seen = 0
    stack = [data]
    while stack:
        v = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple, set)):
            stack.extend(v)
    return False


def front_metadata(data: dict) -> tuple[str | None, dict[str, Any]]:
    """(title, metadata) from parsed front matter."""
    data = {str(k): v for k, v in data.items()}
    meta: dict[str, Any] = {}
    title = data.pop("title", None)
    title = clean_line(str(title)) if not _empty(title) else None

    speakers: list[str] = []
    for key in _SPEAKER_KEYS:
        if key in data and not _empty(data[key]):
            for n in _names(data[key]):
                if n not in speakers:
                    speakers.append(n)
            # Roles are kept: who hosted and who was a guest.
            if key not in ("speaker", "speakers"):
                meta[key] = _jsonable(data[key])
        data.pop(key, None)
    if speakers:
        meta["speakers"] = speakers

    for group, target in ((_URL_KEYS, "url"), (_DATE_KEYS, "date")):
        chosen = None
        for key in group:
            v = data.get(key)
            if _empty(v):
                data.pop(key, None)
                continue
            v = _jsonable(v)
            if chosen is None:
                chosen = meta[target] = clean_line(str(v)) if isinstance(v, str) else v
                data.pop(key)
            elif v == chosen:
                data.pop(key)

    tags = data.pop("tags", None)
    if not _empty(tags):
        items = tags if isinstance(tags, list) else str(tags).split(",")
        meta["tags"] = [t for t in (clean_line(str(_jsonable(x))) for x in items) if t]
    for key in ("language", "lang"):
        v = data.pop(key, None)
        if not _empty(v) and "language" not in meta:
            meta["language"] = clean_line(str(v))

    for key, v in data.items():
        if not _empty(v) and key not in meta:
            meta[key] = _jsonable(v)
    return title, meta


# --- body ------------------------------------------------------------------


_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images keep their alt text
    (re.compile(r"\[([^\]]+)\]\([^)\s]*\)"), r"\1"),  # links keep their text
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"`+([^`]*)`+"), r"\1"),
)
_MARKUP = re.compile(r"[*_`\[<&]")


def inline(text: str) -> str:
    """Markdown inline markup -> plain text (links keep their text)."""
    if not _MARKUP.search(text):
        return one_line(text)  # most caption lines: nothing to strip
    s = text
    for rx, repl in _INLINE:
        s = rx.sub(repl, s)
    return tagless_line(s)


def _key(k: str) -> str:
    return re.sub(r"[\s.-]+", "_", k.strip().lower()).strip("_")


def _heading_title(raw: str) -> str:
    return inline(_LEAD_TIME.sub("", raw, count=1)) or inline(raw)


def _body_meta(meta: dict[str, Any], key: str, value: str) -> None:
    """A "- Key: value" line of the body, filed like front matter (never
    overriding it)."""
    k = _key(key)
    v = clean_line(inline(value))
    if not k or not v:
        return
    if k in _SPEAKER_KEYS:
        speakers = meta.setdefault("speakers", [])
        speakers.extend(n for n in _names(v) if n not in speakers)
    elif k in _URL_KEYS:
        meta.setdefault("url", v)
    elif k in _DATE_KEYS:
        meta.setdefault("date", v)
    elif k == "tags":
        meta.setdefault("tags", [t for t in (clean_line(x) for x in v.split(",")) if t])
    elif k in ("language", "lang"):
        meta.setdefault("language", v)
    else:
        meta.setdefault(k, v)


def _is_timed(line: str) -> re.Match | None:
    return _TIMED.match(line) if ":" in line else None


def _start_end(m: re.Match) -> tuple[float, float | None]:
    start = parse_time((m.group("a") or m.group("b") or m.group("c")).replace(",", "."))
    e = m.group("ae") or m.group("be") or m.group("ce")
    end = parse_time(e.replace(",", ".")) if e else None
    return start or 0.0, end


def _speaker_names(timed: list[re.Match | None]) -> set[str]:
    """Plain "Name: " labels count as turns only when they recur."""
    seen: dict[str, int] = {}
    for m in timed:
        if m:
            text = m.group("text")
            p = _PLAIN_SPEAKER.match(text) if ":" in text else None
            if p:
                seen[p.group("name")] = seen.get(p.group("name"), 0) + 1
    return {n for n, c in seen.items() if c >= 2}


def _parse_timed(
    lines: list[str], timed: list[re.Match | None], meta: dict[str, Any], aside: list[str]
) -> tuple[list[Segment], list[Chapter], str | None]:
    segs: list[Segment] = []
    chapters: list[Chapter] = []
    first_h1: str | None = None
    names = _speaker_names(timed)
    speaker: str | None = None
    prev_timed = False  # the previous line belongs to a segment
    in_fence = False
    for raw, m in zip(lines, timed, strict=True):
        line = raw.rstrip()
        # Each pattern below needs its mark in the line: looked for first,
        # as most lines are timed bullets of words.
        if ("`" in line or "~" in line) and _FENCE.match(line):
            in_fence = not in_fence
            prev_timed = False
            continue
        if not line.strip():
            prev_timed = False
            continue
        if in_fence:
            aside.append(line)
            continue
        h = _HEADING.match(line) if "#" in line else None
        if h:
            title = _heading_title(h.group(2))
            if title:
                chapters.append(Chapter(title, len(segs)))
                if first_h1 is None and len(h.group(1)) == 1:
                    first_h1 = title
            prev_timed = False
            continue
        if _RULE.match(line):
            continue
        if m:
            start, end = _start_end(m)
            body = m.group("text")
            b = _BOLD_SPEAKER.match(body) if body[:1] in ("*", "_") else None
            if b:
                speaker, body = clean_line(inline(b.group("name"))), b.group("rest")
            else:
                p = _PLAIN_SPEAKER.match(body) if ":" in body else None
                if p and p.group("name") in names:
                    speaker, body = p.group("name"), p.group("rest")
            text = inline(body)
            segs.append(Segment(start=start, end=end, text=text, speaker=speaker, kind=kind_of(text)))
            prev_timed = True
            continue
        stripped = line.strip()
        lazy = prev_timed and (raw[:1].isspace() or not _BULLET.match(line))
        if segs and lazy and not _KEY_VALUE.match(line):
            # A continuation of the bullet above (indented or lazy).
            s = segs[-1]
            s.text = one_line(f"{s.text} {inline(stripped)}")
            s.kind = kind_of(s.text)
            continue
        aside.append(stripped)
        kv = _KEY_VALUE.match(line)
        if kv:
            _body_meta(meta, kv.group("key"), kv.group("value"))
        prev_timed = False
    return segs, chapters, first_h1


def _parse_prose(
    lines: list[str], meta: dict[str, Any], aside: list[str], options: Options
) -> tuple[list[Segment], list[Chapter], str | None]:
    """No timestamps: reflow each section (between headings) as prose."""
    segs: list[Segment] = []
    chapters: list[Chapter] = []
    first_h1: str | None = None
    section: list[str] = []

    def flush() -> None:
        if section:
            start = segs[-1].end if segs else 0.0
            new, _ = reflow_prose("\n".join(section), options, chrome=False, start=start or 0.0)
            segs.extend(new)
            section.clear()

    for raw in lines:
        line = raw.rstrip()
        h = _HEADING.match(line)
        if h:
            flush()
            title = _heading_title(h.group(2))
            if title:
                chapters.append(Chapter(title, len(segs)))
                if first_h1 is None and len(h.group(1)) == 1:
                    first_h1 = title
            continue
        if _RULE.match(line) or _FENCE.match(line):
            section.append("")
            continue
        kv = _KEY_VALUE.match(line)
        if kv and _BULLET.match(line):
            aside.append(line.strip())
            _body_meta(meta, kv.group("key"), kv.group("value"))
            continue
        if _BULLET.match(line):
            # Each list item is its own paragraph.
            section.append("")
            line = _BULLET.sub("", line, count=1)
        line = re.sub(r"^\s*>\s?", "", line)
        section.append(inline(line) if line.strip() else "")
    flush()
    return segs, chapters, first_h1


# Headings that name a part of any document, not this one.
_SECTION_WORDS = frozenset(
    {"text", "transcript", "transcription", "notes", "summary", "contents", "intro", "introduction", "captions"}
)


def _lead_heading(lines: list[str]) -> str | None:
    """The heading the body opens with, at any level (unless it names only
    a part: "Transcript", "Notes")."""
    for line in lines:
        if line.strip():
            h = _HEADING.match(line)
            title = _heading_title(h.group(2)) if h else None
            return None if title is None or title.casefold().strip(" :") in _SECTION_WORDS else title
    return None


def parse(text: str, options: Options) -> Transcript:
    raw, delim, body = split_front_matter(text)
    title: str | None = None
    meta: dict[str, Any] = {}
    aside: list[str] = []
    if raw is not None:
        data = _load_front(raw, delim)
        if data is None:
            aside.append(raw.strip("\n"))
        else:
            title, meta = front_metadata(data)
    lines = body.split("\n")
    timed = [_is_timed(ln) for ln in lines]
    n_timed = sum(1 for m in timed if m)
    n_text = sum(1 for ln in lines if ln.strip() and not ("#" in ln and _HEADING.match(ln)) and not _RULE.match(ln))
    if n_timed and (n_timed >= 2 or n_text <= 3) and n_timed >= n_text * 0.25:
        segs, chapters, h1 = _parse_timed(lines, timed, meta, aside)
        timing = EXACT
    else:
        segs, chapters, h1 = _parse_prose(lines, meta, aside, options)
        timing = ESTIMATED
    if not segs:
        raise ParseError("no transcript text")
    # A heading after the last segment still marks the end of the text.
    chapters = [Chapter(c.title, min(c.segment, len(segs) - 1)) for c in chapters]
    if title and is_placeholder(title):
        keep_placeholder(meta, "title", title)
    t = Transcript(
        # The front matter's title, the first top heading, a "Title:" line,
        # a heading the text opens with; only then the file's name.
        title=choose_title(title, h1, meta.get("title"), _lead_heading(lines), fallback=options.name),
        format="markdown",
        segments=segs,
        metadata=meta,
        timing=timing,
        set_aside=aside,
        chapters=chapters,
    )
    extra = [s for s in t.speakers if s not in meta.get("speakers", [])]
    if extra:
        meta["speakers"] = list(meta.get("speakers", [])) + extra
    return t


# --- detection -------------------------------------------------------------


def detect(text: str, ext: str) -> float:
    sample = text[:8192]
    md_ext = ext in (".md", ".markdown", ".mdown", ".mkd")
    raw, _, body = split_front_matter(sample)
    front = raw is not None and bool(re.search(r"^[\w-]+\s*[:=]", raw, re.M))
    lines = body.split("\n")[:300]
    headings = sum(1 for ln in lines if "#" in ln and _HEADING.match(ln))
    timed = [ln for ln in lines if _is_timed(ln)]
    # Timestamps with markdown around them (bullets, bold, links).
    md_timed = sum(1 for ln in timed if re.match(r"^\s*(?:[-*+]\s|\d+[.)]\s|\*\*|__|>)", ln) or "](" in ln)
    if front and timed:
        return 0.92
    if front:
        return 0.75
    if timed and (headings or md_timed >= max(2, len(timed) // 2)):
        return 0.85 if headings else 0.75
    if headings and md_ext:
        return 0.6
    if headings:
        return 0.2 if any(ln.startswith("# ") for ln in lines[:20]) else 0.04
    return 0.3 if md_ext else 0.0


FORMATS: list[Format] = [
    Format(
        name="markdown",
        family="markdown",
        description="Markdown with YAML front matter; timestamped bullets or prose, headings as chapters",
        extensions=(".md", ".markdown"),
        detect=detect,
        parse=parse,
    )
]
