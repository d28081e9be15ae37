"""Praat TextGrid files, long ("ooTextFile" with ``key = value`` lines) and
short (positional values).

Both are read the way Praat reads them: as a stream of values (numbers,
quoted strings, ``<exists>``/``<absent>``), skipping the key names and
``[n]`` indexes of the long form, so one reader serves both.

Interval tiers give a segment per non-empty interval; point tiers give a
segment per point (start = end = its time). With several tiers, each
segment's speaker is its tier's name and all tiers merge in time order.
"""

from __future__ import annotations

import math
import re

from ..model import NONSPEECH, Segment, Transcript
from ..reflow import kind_of
from ..text import clean_line
from . import Format, Options, ParseError
from . import guarded as _guarded

HEAD = 4096

# Labels forced aligners (Montreal, Gentle, HTK, WebMAUS) put in silences.
_SILENCES = {"sil", "sp", "spn", "<sil>", "<sp>", "<p:>", "{sl}", "{ns}", "#", "<eps>", "silence", "pau", "h#"}

_TOKEN = re.compile(
    r"""
    "(?P<str>(?:[^"]|"")*)"                 # a string; "" is a quote inside
  | (?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![\w.])
  | (?P<flag><exists>|<absent>)
  | (?P<skip>\[[^\]\n]*\]|![^\n]*|[A-Za-z_][\w?]*|\S)   # keys, [n], comments, '=' ':'
    """,
    re.VERBOSE,
)


def detect(text: str, ext: str) -> float:
    try:
        head = text[:HEAD]
        if re.search(r'ooTextFile(?: short)?"', head) and '"TextGrid"' in head:
            return 0.98
        if '"TextGrid"' in head and ('"IntervalTier"' in head or '"TextTier"' in head):
            return 0.9
        return 0.3 if ext == ".textgrid" else 0.0
    except Exception:  # a detector never stops an import
        return 0.0


class _Stream:
    """The values of a TextGrid, with the line each came from."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def _next(self) -> tuple[str, str]:
        while True:
            m = _TOKEN.search(self.text, self.pos)
            if not m:
                raise ParseError("the TextGrid ends too early", line=self.text.count("\n") + 1)
            self.pos = m.end()
            if m.lastgroup != "skip":
                return m.lastgroup or "", m.group(m.lastgroup or 0)

    def line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def string(self) -> str:
        kind, value = self._next()
        if kind != "str":
            raise ParseError(f"expected a quoted string, found {value!r}", line=self.line())
        return value.replace('""', '"')

    def number(self) -> float:
        kind, value = self._next()
        if kind != "num":
            raise ParseError(f"expected a number, found {value!r}", line=self.line())
        f = float(value)
        if not math.isfinite(f):
            raise ParseError(f"not a usable time: {value}", line=self.line())
        return f

    def count(self) -> int:
        n = self.number()
        if n != int(n) or n < 0:
            raise ParseError(f"expected a count, found {n}", line=self.line())
        # no more items than characters left: a bad count must not spin
        if n > len(self.text):
            raise ParseError(f"count {int(n)} is larger than the file", line=self.line())
        return int(n)

    def flag(self) -> bool:
        kind, value = self._next()
        if kind != "flag":
            raise ParseError(f"expected <exists> or <absent>, found {value!r}", line=self.line())
        return value == "<exists>"


@_guarded
def parse(text: str, options: Options) -> Transcript:
    s = _Stream(text)
    file_type = s.string()
    if not file_type.startswith("ooTextFile"):
        raise ParseError(f"not a Praat text file (File type = {file_type!r})", line=s.line())
    if s.string() != "TextGrid":
        raise ParseError('not a TextGrid (Object class is not "TextGrid")', line=s.line())
    xmin, xmax = s.number(), s.number()
    t = Transcript(title=options.name, format="textgrid")
    tiers: list[dict] = []
    found: list[tuple[float, int, Segment]] = []
    if s.flag():
        for ti in range(s.count()):
            cls, name = s.string(), clean_line(s.string())
            s.number(), s.number()  # the tier's own xmin, xmax
            n = s.count()
            tiers.append({"name": name, "class": cls, "size": n})
            for _ in range(n):
                if cls == "IntervalTier":
                    a, b, label = s.number(), s.number(), s.string()
                elif cls == "TextTier":
                    a = s.number()
                    b, label = a, s.string()
                else:
                    raise ParseError(f"unknown tier class {cls!r}", line=s.line())
                body = " ".join(label.split())
                if not body:
                    continue  # an empty interval is the silence between labels
                kind = NONSPEECH if body.lower() in _SILENCES else kind_of(body)
                seg = Segment(start=round(a, 3), end=round(b, 3), text=body, kind=kind)
                found.append((a, ti, seg))
    # tier names are speakers only when they tell segments apart
    named = len([x for x in tiers if x["class"] == "IntervalTier"]) > 1 or len(tiers) > 1
    found.sort(key=lambda x: (x[0], x[1]))
    for _, ti, seg in found:
        if named and tiers[ti]["name"]:
            seg.speaker = tiers[ti]["name"]
        t.segments.append(seg)
    t.metadata["tiers"] = tiers
    t.metadata["xmin"] = round(xmin, 3)
    t.metadata["xmax"] = round(xmax, 3)
    t.metadata["duration"] = round(xmax - xmin, 3)
    if t.speakers:
        t.metadata["speakers"] = t.speakers
    return t


FORMATS: list[Format] = [
    Format(
        name="textgrid",
        family="textgrid",
        description="Praat TextGrid (long and short text formats): interval and point tiers",
        extensions=(".textgrid",),
        detect=detect,
        parse=parse,
    ),
]
