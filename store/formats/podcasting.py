"""Podcasting 2.0 transcripts (the podcast namespace's <podcast:transcript>):

- ``podcast-json``: ``{"version", "segments": [{"speaker", "startTime",
  "endTime", "body"}]}``. Bodies are often single words: those files are
  re-flowed into sentences and speaker turns. A segment without a speaker
  keeps the one before it.
- ``podcast-html``: ``<cite>Speaker:</cite> <time>0:00</time> <p>text</p>``.
"""

from __future__ import annotations

import re
import statistics
from html.parser import HTMLParser
from typing import Any

from ..model import ESTIMATED, Segment, Transcript
from ..names import choose_title, title_in
from ..reflow import Word, estimate_times, kind_of, words_to_segments
from ..text import clean_line, parse_time, words
from . import Format, Options, ParseError
from . import guarded as _guarded
from . import safe_detect as _safe_detect
from ._common import is_scalar, load_json, sec

HEAD = 8192


def _sec(value: Any) -> float | None:
    """Seconds from a number or a time string ('1.5', '00:01:02.5')."""
    return sec(value, times=True)


def _fold(text: str) -> str:
    return " ".join(text.split())


def _segment(start: float | None, end: float | None, text: str, speaker: str | None) -> Segment:
    text = _fold(text)
    return Segment(start=start, end=end, text=text, speaker=speaker, kind=kind_of(text))  # type: ignore[arg-type]


def _speaker(value: str) -> str | None:
    s = clean_line(value).rstrip(":").strip()
    return s or None


# --- JSON -------------------------------------------------------------------------------


@_safe_detect
def detect_json(text: str, ext: str) -> float:
    head = text[:HEAD]
    if not head.lstrip().startswith("{"):
        return 0.0
    if '"segments"' in head and ('"startTime"' in head or '"body"' in head):
        return 0.95
    return 0.0


@_guarded
def parse_json(text: str, options: Options) -> Transcript:
    data = load_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise ParseError("not a Podcasting 2.0 JSON transcript: no 'segments' list")
    t = Transcript(title=options.name, format="podcast-json")
    items: list[Word] = []
    speaker: str | None = None
    for raw in data["segments"]:
        if not isinstance(raw, dict):
            continue
        if isinstance(raw.get("speaker"), str) and _speaker(raw["speaker"]):
            speaker = _speaker(raw["speaker"])  # carried forward until it changes
        body = raw.get("body")
        if not isinstance(body, str) or not body.strip():
            continue
        items.append(Word(body.strip(), _sec(raw.get("startTime")), _sec(raw.get("endTime")), speaker))
    counts = [len(words(w.text)) for w in items]
    if counts and statistics.median(counts) <= 1:
        # one word a segment: group into sentences and speaker turns
        t.segments = words_to_segments(items)
        for s in t.segments:
            s.kind = kind_of(s.text)
        t.metadata["word_level"] = True
    else:
        t.segments = [_segment(w.start, w.end, w.text, w.speaker) for w in items]
    for key, value in data.items():
        if key != "segments" and is_scalar(value):
            t.metadata[key] = value
    t.title = choose_title(title_in(data, data.get("metadata")), fallback=options.name)
    if t.speakers:
        t.metadata["speakers"] = t.speakers
    return t


# --- HTML -------------------------------------------------------------------------------


@_safe_detect
def detect_html(text: str, ext: str) -> float:
    head = text[:HEAD].lower()
    # Markup, not prose that mentions tags: closing tags must be there too.
    if "</p>" not in head and "</cite>" not in head and "</time>" not in head:
        return 0.05 if ext in (".html", ".htm") or "<html" in head else 0.0
    has_cite = "<cite" in head
    has_time = "<time" in head
    has_p = "<p" in head
    if has_cite and has_time and has_p:
        return 0.9
    if has_cite and has_p:
        return 0.6
    if has_time and has_p and re.search(r"<time[^>]*>\s*\d{1,2}:\d{2}", head):
        return 0.5
    # some other HTML page: ours only if nothing else wants it
    if ext in (".html", ".htm") or "<html" in head or "<p>" in head:
        return 0.05
    return 0.0


class _Reader(HTMLParser):
    """Collects (speaker, time, paragraph) triples, the page title, and every
    other piece of text (set aside)."""

    SKIP = {"script", "style", "template"}
    INNER = {"cite", "time", "title"}
    BREAKS = {"br", "li", "div", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str | None, float | None, str]] = []
        self.aside: list[str] = []
        self.title = ""
        self.heading = ""  # the first <h1> outside a paragraph: a title when <title> is missing
        self.in_heading = False
        self.speaker: str | None = None
        self.time: float | None = None  # from the last <time>, for the next <p>
        self.in_p = False
        self.p_buf: list[str] = []
        self.p_time: float | None = None  # a <time> inside the <p> itself
        self.inner: str | None = None
        self.inner_buf: list[str] = []
        self.inner_attr: str | None = None
        self.other: list[str] = []
        self.skip = 0

    def _outer(self) -> list[str]:
        return self.p_buf if self.in_p else self.other

    def _flush_other(self) -> None:
        s = _fold("".join(self.other))
        if s:
            self.aside.append(s)
        self.other.clear()

    def _end_p(self) -> None:
        text = _fold("".join(self.p_buf))
        start = self.p_time if self.p_time is not None else self.time
        if text:
            self.items.append((self.speaker, start, text))
            self.time = None  # a turn's time belongs to its first paragraph
        self.in_p, self.p_buf, self.p_time = False, [], None

    def _end_inner(self) -> None:
        tag, value = self.inner, _fold("".join(self.inner_buf))
        self.inner, self.inner_buf = None, []
        if tag == "cite":
            self.speaker = _speaker(value)
        elif tag == "title":
            self.title = clean_line(value)
        elif tag == "time":
            t = parse_time(value) if value else None
            if t is None and self.inner_attr:
                t = parse_time(self.inner_attr)
            if t is None:
                # not a time after all: its words stay where they were
                self._outer().append(f" {value} ")
            elif self.in_p:
                self.p_time = t if self.p_time is None else self.p_time
            else:
                self.time = t

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.INNER and self.inner is None:
            if not self.in_p:
                self._flush_other()
            self.inner, self.inner_buf = tag, []
            self.inner_attr = dict(attrs).get("datetime") if tag == "time" else None
        elif tag == "p":
            if self.inner:
                self._end_inner()
            if self.in_p:  # <p> implicitly closes an open <p>
                self._end_p()
            self._flush_other()
            self.in_p = True
        elif tag in self.BREAKS:
            self._break()
            self.in_heading = tag == "h1" and not self.in_p and not self.heading

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self._break()
        elif tag not in self.SKIP and tag not in self.INNER:
            self.handle_starttag(tag, attrs)

    def _break(self) -> None:
        if self.inner:
            self.inner_buf.append(" ")
        elif self.in_p:
            self.p_buf.append(" ")
        else:
            self._flush_other()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == self.inner:
            self._end_inner()
        elif tag == "p" and self.in_p:
            if self.inner:
                self._end_inner()
            self._end_p()
        elif tag in self.BREAKS and tag != "br":
            if tag == "h1" and self.in_heading:
                self.heading = clean_line(_fold("".join(self.other)))
                self.in_heading = False
            self._break()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.inner:
            self.inner_buf.append(data)
        else:
            self._outer().append(data)

    def finish(self) -> None:
        self.close()
        if self.inner:
            self._end_inner()
        if self.in_p:
            self._end_p()
        self._flush_other()


@_guarded
def parse_html(text: str, options: Options) -> Transcript:
    reader = _Reader()
    try:
        reader.feed(text)
        reader.finish()
    except AssertionError as e:  # html.parser's way of giving up on markup
        raise ParseError(f"unreadable HTML: {e}") from None
    if not reader.items:
        raise ParseError("no <p> paragraphs of transcript in this HTML")
    t = Transcript(title=choose_title(reader.title, reader.heading, fallback=options.name), format="podcast-html")
    if reader.title:
        t.metadata["title"] = reader.title
    t.set_aside = reader.aside
    if any(start is not None for _, start, _ in reader.items):
        t.segments = [_segment(start, None, body, sp) for sp, start, body in reader.items]
        # A paragraph without a <time> of its own shares its turn's; each ends
        # where the next later time begins. The last has no next time, so it
        # lasts as long as its words take at the speaking rate.
        prev: float | None = None
        for seg in t.segments:
            if seg.start is None:
                seg.start = prev  # type: ignore[assignment]
            prev = seg.start
        nxt: Segment | None = None
        for seg in reversed(t.segments):
            if seg.start is None:
                continue  # before the first time: finish() places it
            if nxt is None:
                seg.end = round(seg.start + len(seg.text.split()) * 60.0 / max(options.wpm, 1.0), 3)
            elif nxt.start > seg.start:
                seg.end = nxt.start
            elif nxt.start == seg.start:
                seg.end = nxt.end  # same turn: it ends where the turn does
            nxt = seg
    else:
        # paragraphs without any time: times from a speaking rate
        est = estimate_times([body for _, _, body in reader.items], wpm=options.wpm)
        for seg, (sp, _, _) in zip(est, reader.items, strict=True):
            seg.speaker = sp
        t.segments = est
        t.timing = ESTIMATED
    if t.speakers:
        t.metadata["speakers"] = t.speakers
    return t


FORMATS: list[Format] = [
    Format(
        name="podcast-json",
        family="podcasting",
        description="Podcasting 2.0 JSON transcript (segments of speaker, startTime, endTime, body)",
        extensions=(".json",),
        detect=detect_json,
        parse=parse_json,
    ),
    Format(
        name="podcast-html",
        family="podcasting",
        description="Podcasting 2.0 HTML transcript (<cite>Speaker:</cite> <time>0:00</time> <p>text</p>)",
        extensions=(".html", ".htm"),
        detect=detect_html,
        parse=parse_html,
    ),
]
