"""Helpers the search tests share: a small library with planted phrases,
and the brute-force expectations the corpus tests check against.

Plain functions, imported as ``from search_helpers import ...``:
tests/store/search has no __init__.py, so pytest's default (prepend)
import mode puts this folder on sys.path for the test modules in it.
"""

from __future__ import annotations

import os
from pathlib import Path

from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.store.search.analysis import fold, term, terms, units
from hark.store.search.documents import passages

ROOT = Path(__file__).resolve().parents[3]

FILLER = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


def save(lib: Library, title: str, fmt: str, segs: list[tuple], metadata: dict | None = None, source: str = "") -> int:
    t = Transcript(
        title=title,
        format=fmt,
        segments=[Segment(start=a, end=b, speaker=spk, text=text) for a, b, spk, text in segs],
        metadata=metadata or {},
    ).finish()
    tid, _ = lib.save(t, source=source or f"/fixtures/{title}", sha256=str(abs(hash((title, tuple(segs))))))
    return tid


def chunks() -> list[tuple]:
    """40 three-word captions without punctuation (seed 004's shape): 120
    words, so the passage is cut at 80 words, between captions 26 and 27."""
    words = [FILLER[i % len(FILLER)] for i in range(120)]
    planted = {
        5: "the main milestone",
        6: "i am looking",
        7: "for in agents",
        25: "we are going",
        26: "to get exceptionally",
        27: "good at coding",
        28: "and math too",
    }
    out = []
    for i in range(40):
        text = planted.get(i, " ".join(words[3 * i : 3 * i + 3]))
        out.append((i * 2.0, i * 2.0 + 2.0, None, text))
    return out


def build_fixture(lib: Library) -> dict[str, int]:
    ids = {}
    ids["talk"] = save(
        lib,
        "Scaling and agents",
        "srt",
        [
            (0.0, 4.0, "Alice", "Welcome back. Today we talk about scaling laws."),
            (4.0, 8.5, "Alice", "The model keeps running faster at the café."),
            (8.5, 12.0, "Bob", "I think the scaling"),
            (12.0, 15.0, "Bob", "laws are going to hold for agents."),
            (15.0, 20.0, "Bob", "Crème brûlée is my reward for long horizon work."),
            (20.0, 24.0, "Alice", "Reliability matters more than raw speed."),
        ],
        {"tags": ["AI", "Research"]},
    )
    ids["chunks"] = save(
        lib, "Short chunks", "markdown", chunks(), {"speakers": ["Jacob Efron"], "tags": ["AI Agent", "Startup"]}
    )
    ids["handbook"] = save(
        lib,
        "Agent handbook",
        "vtt",
        [
            (0.0, 3.0, None, "This handbook covers the basics of reliability."),
            (3.0, 6.0, None, "Read it slowly, one chapter a week."),
        ],
    )
    ids["keepers"] = save(lib, "Lighthouse keepers", "srt", [(0.0, 3.0, None, "A lighthouse stood on the rock.")])
    ids["rocks"] = save(lib, "Coastal rocks", "srt", [(0.0, 3.0, None, "A lighthouse stood on the rock.")])
    return ids


def where(result) -> list[tuple[int, int, float]]:
    return [(h.transcript_id, h.segment, h.start) for h in result.hits]


def corpus_dir() -> Path | None:
    env = os.environ.get("HARK_CORPUS")
    for c in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "corpus"]:
        if (c / "seeds").is_dir():
            return c
    return None


def expected_phrase_hits(lib: Library, tid: int, phrase: list[str]) -> set[int]:
    """Per passage, the first segment where the phrase starts (reading the
    transcript's words in order, across segment boundaries)."""
    segs = lib.segments(tid)
    toks: list[tuple[str, int]] = []
    for i, s in enumerate(segs):
        toks += [(t, i) for t in terms(s.text)]
    starts = [toks[k][1] for k in range(len(toks)) if [t for t, _ in toks[k : k + len(phrase)]] == phrase]
    cuts = passages([terms(s.text) for s in segs], [s.speaker for s in segs], [s.text for s in segs])
    out = set()
    for a, b in cuts:
        inside = [s for s in starts if a <= s <= b]
        if inside:
            out.add(inside[0])
    return out


class Reference:
    """A brute-force reading of a library: every transcript's words in
    order (as written and as terms), its passages, and what a query must
    find -- by scanning, never through the index."""

    def __init__(self, lib: Library) -> None:
        self.words: dict[int, list[tuple[str, str, int]]] = {}  # tid -> [(unit folded, term, segment)]
        self.cuts: dict[int, list[tuple[int, int]]] = {}
        for tid in lib.ids():
            segs = lib.segments(tid)
            self.words[tid] = [(fold(u), term(u), i) for i, s in enumerate(segs) for u in units(s.text)]
            self.cuts[tid] = passages([terms(s.text) for s in segs], [s.speaker for s in segs], [s.text for s in segs])

    def passage(self, tid: int, seg: int) -> int:
        """The first segment of the passage that holds a segment."""
        return next(a for a, b in self.cuts[tid] if a <= seg <= b)

    def phrase(self, phrase: list[str]) -> set[tuple[int, int]]:
        """(tid, segment) where a phrase of terms starts, once per passage
        (the first place in it), read across segments and passages."""
        out = set()
        k = len(phrase)
        for tid, ws in self.words.items():
            seen = set()
            for j in range(len(ws) - k + 1):
                if ws[j][1] == phrase[0] and [w[1] for w in ws[j : j + k]] == phrase:
                    first = self.passage(tid, ws[j][2])
                    if first not in seen:
                        seen.add(first)
                        out.add((tid, ws[j][2]))
        return out

    def having(self, wanted: set[str]) -> set[tuple[int, int]]:
        """(tid, passage) of the passages whose own words have a term of `wanted`."""
        return {(tid, self.passage(tid, seg)) for tid, ws in self.words.items() for _u, t, seg in ws if t in wanted}

    def all_passages(self) -> set[tuple[int, int]]:
        return {(tid, a) for tid, cuts in self.cuts.items() for a, _b in cuts}

    def surface(self) -> set[str]:
        """Every distinct word as written (folded)."""
        return {u for ws in self.words.values() for u, _t, _s in ws}

    def term_of(self) -> dict[str, str]:
        return {u: t for ws in self.words.values() for u, t, _s in ws}
