"""YouTube caption files: SubViewer ``.sbv`` and the timedtext downloads
(srv1 XML, srv3 XML, json3).

In ``.sbv``, a timing line with a time that cannot be read
(``0:00:13.f89,0:00:15.489``) is still a timing line, never caption text:
the readable time is kept and the other comes from the neighbouring cues, as
for a cue with no timing line at all (metadata ``timing_lines_repaired``,
``cues_without_timing``).

The XML is parsed with the standard library's ElementTree. Expat expands
internal entities, so any DOCTYPE or ENTITY declaration is refused before
parsing (a "billion laughs" file would otherwise eat the machine); YouTube
never sends one.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from typing import Any

from ..model import Segment, Transcript
from ..names import choose_title, title_in
from ..reflow import kind_of
from ..text import clean_line, parse_time
from . import Format, Options, ParseError
from . import guarded as _guarded
from . import safe_detect as _safe_detect
from ._common import load_json, ms, num, sec
from ._cues import fill_gaps, loose_arrow_timing, loose_comma_timing

HEAD = 8192

# --- shared helpers -------------------------------------------------------------


# YouTube's own copies never caught OverflowError: an int too big for a float
# (json3 only: XML attributes are strings) stops the parse with ParseError,
# where the other families read it as "no number". Kept as it was.
def _num(value: Any) -> float | None:
    """A finite number from a JSON/XML value (numbers or numeric strings)."""
    return num(value, huge_int_raises=True)


def _ms(value: Any) -> float | None:
    return ms(value, huge_int_raises=True)


def _sec(value: Any) -> float | None:
    return sec(value, huge_int_raises=True)


def _fold(text: str) -> str:
    return " ".join(text.split())


# Tags as YouTube leaves them in caption text once unescaped: a tag name right
# after '<' (so 'x < y and z > w' is left alone).
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def caption_text(raw: str) -> str:
    """Caption text from timedtext: entities decoded (YouTube often escapes
    twice: '&amp;#39;', '&amp;lt;i&amp;gt;'), tags such as <i> removed,
    whitespace folded."""
    text = html.unescape(raw)
    text = _TAG.sub("", text)
    if _ENTITY.search(text):  # escaped three times: rare, but seen
        text = _TAG.sub("", html.unescape(text))
    return _fold(text.replace("\u00a0", " "))


def _segment(start: float | None, end: float | None, text: str, speaker: str | None = None) -> Segment:
    return Segment(start=start, end=end, text=text, speaker=speaker, kind=kind_of(text))  # type: ignore[arg-type]


# --- XML ------------------------------------------------------------------------

_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_DANGER = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def parse_xml(text: str) -> ET.Element:
    """ElementTree root of `text`, refusing DTDs; ParseError on bad XML."""
    m = _DANGER.search(text)
    if m:
        raise ParseError(f"XML {m.group(1).upper()} declarations are not accepted", line=_line_of(text, m.start()))
    # The text is already decoded: blank out the declaration (same length, so
    # line numbers hold) so a stale encoding= in it cannot matter.
    text = _DECL.sub(lambda m: " " * len(m.group(0)), text, count=1)
    try:
        return ET.fromstring(text)
    except ET.ParseError as e:
        line = e.position[0] if getattr(e, "position", None) else None
        raise ParseError(f"not well-formed XML: {e}", line=line) from None


def _local(tag: Any) -> str:
    """'{ns}p' -> 'p'; comments and processing instructions have no str tag."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


# --- SubViewer / YouTube .sbv -----------------------------------------------------

_SBV_TIME = r"\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d{1,3})?"
_SBV_TIMING = re.compile(rf"^\s*({_SBV_TIME})\s*,\s*({_SBV_TIME})\s*$")
_SBV_HEADER = re.compile(r"^\s*\[([A-Z][A-Z ]*)\](.*)$")


@_safe_detect
def detect_sbv(text: str, ext: str) -> float:
    head = text[:HEAD]
    lines = [ln for ln in head.split("\n") if ln.strip()]
    timings = sum(1 for ln in lines if _SBV_TIMING.match(ln))
    first = next((ln for ln in lines if not _SBV_HEADER.match(ln)), "")
    score = 0.0
    if _SBV_TIMING.match(first):
        score = 0.95
    elif timings >= 2:
        score = 0.8
    elif timings == 1:
        score = 0.5
    if ext == ".sbv":
        score = max(score, 0.25)
    return score


def _sbv_timing(line: str, block_start: bool) -> tuple[float | None, float | None] | None:
    """The times of an SBV timing line, None where a time cannot be read; None
    for a line that is not one. A damaged one ('0:00:13.f89,0:00:15.489') is
    only looked for where a cue begins, so cue text is never taken for it."""
    m = _SBV_TIMING.match(line)
    if m:
        return parse_time(m.group(1)), parse_time(m.group(2))
    if not block_start:
        return None
    arrow = loose_arrow_timing(line)
    return arrow[:2] if arrow else loose_comma_timing(line)


@_guarded
def parse_sbv(text: str, options: Options) -> Transcript:
    t = Transcript(title=options.name, format="sbv")
    segs: list[Segment] = []
    cur_lines: list[str] = []
    cur_time: tuple[float | None, float | None] | None = None
    seen_cue = False
    meta: dict[str, Any] = {}
    untimed = repaired = 0

    def flush() -> None:
        nonlocal cur_time, untimed, repaired
        if cur_time is not None or cur_lines:
            body = " ".join(cur_lines)
            # SubViewer 2 writes line breaks as [br]
            body = caption_text(body.replace("[br]", " ").replace("[BR]", " "))
            start, end = cur_time if cur_time is not None else (None, None)
            if body:
                segs.append(_segment(start, end, body))
                untimed += cur_time is None
                repaired += cur_time is not None and None in cur_time
        cur_lines.clear()
        cur_time = None

    for ln in text.split("\n"):
        timing = _sbv_timing(ln, cur_time is None and not cur_lines)
        if timing:
            flush()
            seen_cue = True
            cur_time = timing
            continue
        if not ln.strip():
            flush()
            continue
        if not seen_cue:
            # SubViewer 2 header ([INFORMATION], [TITLE]x, ...) or stray text
            # before the first cue: not transcript, kept aside.
            h = _SBV_HEADER.match(ln)
            if h and h.group(1) == "TITLE" and h.group(2).strip():
                meta["title"] = clean_line(h.group(2))
            elif h and h.group(1) == "AUTHOR" and h.group(2).strip():
                meta["author"] = clean_line(h.group(2))
            t.set_aside.append(ln.strip())
            continue
        cur_lines.append(ln.strip())
    flush()
    if not seen_cue:
        raise ParseError("no SBV timing line (H:MM:SS.mmm,H:MM:SS.mmm) found")
    # A cue with no timing line, or one that cannot be read, fills the gap
    # its neighbours leave.
    fill_gaps(segs, wpm=options.wpm)
    t.segments = segs
    if untimed:
        meta["cues_without_timing"] = untimed
    if repaired:
        meta["timing_lines_repaired"] = repaired
    t.metadata.update(meta)
    t.title = choose_title(meta.get("title"), fallback=options.name)
    return t


# --- srv1: <transcript><text start= dur=> ------------------------------------------


@_safe_detect
def detect_srv1(text: str, ext: str) -> float:
    head = text[:HEAD]
    if "<transcript" in head and re.search(r"<text\b[^>]*\bstart\s*=", head):
        return 0.95
    if "<transcript" in head and ext in (".xml", ".srv1"):
        return 0.5
    if ext == ".srv1":
        return 0.3
    return 0.0


@_guarded
def parse_srv1(text: str, options: Options) -> Transcript:
    root = parse_xml(text)
    if _local(root.tag) != "transcript":
        raise ParseError(f"expected a <transcript> root, found <{_local(root.tag)}>", line=1)
    t = Transcript(title=options.name, format="youtube-srv1")
    for el in root.iter():
        if _local(el.tag) != "text":
            continue
        body = caption_text("".join(el.itertext()))
        if not body:
            continue
        start = _sec(el.get("start"))
        dur = _num(el.get("dur"))
        end = round(start + dur, 3) if start is not None and dur is not None else None
        t.segments.append(_segment(start, end, body))
    return t


# --- srv3 (and srv2): <timedtext format="3"><body><p t= d=> ---------------------------


@_safe_detect
def detect_srv3(text: str, ext: str) -> float:
    head = text[:HEAD]
    if "<timedtext" not in head:
        return 0.3 if ext in (".srv3", ".srv2") else 0.0
    if re.search(r'format\s*=\s*"3"', head) or re.search(r"<p\b[^>]*\bt\s*=", head):
        return 0.95
    if re.search(r"<text\b[^>]*\bt\s*=", head):  # srv2
        return 0.9
    return 0.6


@_guarded
def parse_srv3(text: str, options: Options) -> Transcript:
    root = parse_xml(text)
    if _local(root.tag) != "timedtext":
        raise ParseError(f"expected a <timedtext> root, found <{_local(root.tag)}>", line=1)
    t = Transcript(title=options.name, format="youtube-srv3")
    fmt = root.get("format")
    if fmt:
        t.metadata["srv_format"] = fmt
    # srv3 cues are <p t= d=> with optional <s> word spans; srv2 has <text t= d=>.
    for el in root.iter():
        if _local(el.tag) not in ("p", "text"):
            continue
        body = caption_text("".join(el.itertext()))
        if not body:
            continue  # srv3 auto captions append empty '\n' paragraphs
        start = _ms(el.get("t"))
        dur = _num(el.get("d"))
        end = round(start + dur / 1000.0, 3) if start is not None and dur is not None else None
        t.segments.append(_segment(start, end, body))
    return t


# --- json3: {"events": [{"tStartMs", "dDurationMs", "segs": [{"utf8"}]}]} --------------


@_safe_detect
def detect_json3(text: str, ext: str) -> float:
    head = text[:HEAD].lstrip()
    if not head.startswith("{"):
        return 0.0
    if '"wireMagic"' in head or ('"events"' in head and '"tStartMs"' in head):
        return 0.95
    return 0.2 if ext == ".json3" else 0.0


@_guarded
def parse_json3(text: str, options: Options) -> Transcript:
    data = load_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise ParseError("not a YouTube json3 file: no 'events' list")
    t = Transcript(title=choose_title(title_in(data), fallback=options.name), format="youtube-json3")
    for ev in data["events"]:
        if not isinstance(ev, dict) or not isinstance(ev.get("segs"), list):
            continue  # window/style events carry no text
        parts = [s["utf8"] for s in ev["segs"] if isinstance(s, dict) and isinstance(s.get("utf8"), str)]
        body = caption_text("".join(parts))
        if not body:
            continue  # aAppend events that only add a line break
        start = _ms(ev.get("tStartMs"))
        dur = _num(ev.get("dDurationMs"))
        end = round(start + dur / 1000.0, 3) if start is not None and dur is not None else None
        t.segments.append(_segment(start, end, body))
    return t


FORMATS: list[Format] = [
    Format(
        name="sbv",
        family="youtube",
        description="SubViewer / YouTube .sbv captions (0:00:00.500,0:00:07.000 timing lines)",
        extensions=(".sbv", ".sub"),
        detect=detect_sbv,
        parse=parse_sbv,
    ),
    Format(
        name="youtube-srv1",
        family="youtube",
        description="YouTube timedtext XML, srv1 (<transcript><text start dur>)",
        extensions=(".xml", ".srv1"),
        detect=detect_srv1,
        parse=parse_srv1,
    ),
    Format(
        name="youtube-srv3",
        family="youtube",
        description="YouTube timedtext XML, srv3 (<timedtext format=3><p t d>) and srv2 (<text t d>)",
        extensions=(".xml", ".srv3", ".srv2"),
        detect=detect_srv3,
        parse=parse_srv3,
    ),
    Format(
        name="youtube-json3",
        family="youtube",
        description="YouTube timedtext json3 (events with tStartMs, dDurationMs, segs)",
        extensions=(".json3", ".json"),
        detect=detect_json3,
        parse=parse_json3,
    ),
]
