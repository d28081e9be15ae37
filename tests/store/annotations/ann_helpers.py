"""What the annotation tests share: a short transcript (as lines, as an
SRT file, as a Transcript) and importing it through the importer, which
re-anchors annotations when the text changes."""

from __future__ import annotations

from pathlib import Path

from hark.store.importer import import_paths
from hark.store.library import Library
from hark.store.model import Segment, Transcript

LINES = [
    "Welcome back to Low Water, the show about the edge of the sea.",
    "Today we talk about tides and why they come twice a day.",
    "The moon pulls the ocean toward it, and the earth is pulled too.",
    "So there is a bulge on the near side and one on the far side.",
    "Thank you.",
    "Now, the sun does the same thing, only more weakly.",
    "When sun and moon line up, we get the big spring tides.",
    "Thank you.",
    "That is all for this week.",
]


def srt(lines: list[str], *, shift: float = 0.0, step: float = 4.0) -> str:
    def ts(x: float) -> str:
        ms = round(x * 1000)
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    out = []
    for i, text in enumerate(lines):
        start = shift + i * step
        out.append(f"{i + 1}\n{ts(start)} --> {ts(start + step - 0.5)}\n{text}\n")
    return "\n".join(out)


def tr(lines: list[str], *, shift: float = 0.0, title: str = "Low Water", url: str | None = None) -> Transcript:
    segs = [Segment(start=shift + i * 4.0, end=shift + i * 4.0 + 3.5, text=t) for i, t in enumerate(lines)]
    meta = {"url": url} if url else {}
    return Transcript(title=title, format="srt", segments=segs, metadata=meta).finish()


def import_srt(lib: Library, path: Path, lines: list[str], **kw) -> int:
    path.write_text(srt(lines, **kw))
    report = import_paths(lib, [path])
    assert not report.failed
    return report.changed[0] if report.changed else report.unchanged[0]
