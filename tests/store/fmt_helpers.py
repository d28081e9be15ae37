"""Helpers the format-family tests (tests/store/test_fmt_*.py) share.

Plain functions, imported as ``from fmt_helpers import ...``: tests/store
has no __init__.py, so pytest's default (prepend) import mode puts this
folder on sys.path for the test modules in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from hark.store.formats import ParseError, detect, parse, registry
from hark.store.model import Transcript
from hark.store.text import clean, decode, words


def source_text(path: Path) -> str:
    """A file's text as a parser receives it: decoded and cleaned."""
    return clean(decode(path.read_bytes())[0])


def detected(path: Path, *, min_score: float = 0.5) -> str:
    """The name of the format detection picks for a file, asserting that it
    picks one with a positive score of at least `min_score`."""
    fmt, score = detect(source_text(path), path.suffix.lower())
    assert fmt is not None and score > 0 and score >= min_score
    return fmt.name


def words_of(t: Transcript) -> Counter:
    """Lower-cased words of the segments and the set-aside text."""
    out: Counter = Counter()
    for s in t.segments:
        out.update(w.lower() for w in words(s.text))
    for a in t.set_aside:
        out.update(w.lower() for w in words(a))
    return out


def counter(texts: Iterable[str]) -> Counter:
    """Lower-cased words of some texts (to compare with words_of)."""
    return Counter(w.lower() for x in texts for w in words(x))


def rows(t: Transcript) -> list[tuple]:
    return [(s.start, s.end, s.speaker, s.text) for s in t.segments]


def times(t: Transcript) -> list[tuple[float | None, float | None]]:
    return [(s.start, s.end) for s in t.segments]


def texts(t: Transcript) -> list[str]:
    return [s.text for s in t.segments]


def parse_or_none(text: str, fmt: str) -> Transcript | None:
    """parse() with `fmt`, None on ParseError: any other exception fails the
    test (robustness tests feed arbitrary text)."""
    try:
        return parse(text, fmt=fmt)
    except ParseError:
        return None


def assert_detectors_in_range(names: Iterable[str], text: str, ext: str) -> None:
    """Each named format's detector gives a score in 0..1 (and does not raise)."""
    for name in names:
        assert 0.0 <= registry()[name].detect(text, ext) <= 1.0, name
