"""Fuzzing the importers: mutations of the real corpus files and the
package samples (byte flips, truncation, splicing, NULs, escape sequences,
huge numbers), per format family, through the whole pipeline
(`parse_bytes`) and through `import_paths` into a real library. Every
outcome is a Transcript or a ParseError with a one-line reason; the library
stays consistent. Seeds are fixed (derandomize); HARK_HARDENING_LONG=1 runs
many more examples."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hark.store.formats import ParseError, parse_bytes, registry
from hark.store.importer import import_paths
from hark.store.library import Library
from hark.store.model import Transcript

from .conftest import ROOT, sample_files, scale

CORPUS = ROOT.parent / "shared" / "corpus"
SEED_CAP = 48 * 1024  # mutate at most this much of a file: keeps runs fast

EXAMPLES = scale(200, 5000)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
STATS: collections.Counter[str] = collections.Counter()


def _seed_files() -> list[Path]:
    files = sample_files()
    if (CORPUS / "formats").is_dir():
        files += sorted(p for p in (CORPUS / "formats").rglob("*") if p.is_file() and p.name != "SOURCES.txt")
    if (CORPUS / "seeds").is_dir():
        files += sorted((CORPUS / "seeds").iterdir())[:5]
    return files


def _family_of(path: Path) -> str:
    try:
        t = parse_bytes(path.read_bytes()[:SEED_CAP], name=path.stem, ext=path.suffix)
    except ParseError:
        return "unparsed"
    return registry()[t.format].family if t.format in registry() else "unparsed"


SEEDS: dict[str, list[tuple[str, bytes]]] = collections.defaultdict(list)
for _p in _seed_files():
    SEEDS[_family_of(_p)].append((_p.suffix, _p.read_bytes()[:SEED_CAP]))
FAMILIES = sorted(SEEDS)

NASTY = [
    b"\x00",
    b"\x00" * 64,
    b"\x1b[2J\x1b[H",
    b"\x1b]52;c;SGVsbG8=\x07",
    b"\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    b"\x07",
    b"\xc2\x9b31m",  # C1 CSI in UTF-8
    b"\x9b",
    b"\xe2\x80\xae",  # RLO
    b"99999999999999999999999999999999",
    b"1e308",
    b"-1e309",
    b"NaN",
    b"Infinity",
    b"99:99:99,999 --> 00:00:00,000",
    b"-00:00:01.000 --> 00:00:02.000",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"[" * 200,
    b"{" * 200,
    b"<" * 50 + b"p>",
    b"&#x110000;&#0;&#xd800;",
    b"\r\r\n\r",
    b"\n\n\n",
]


@st.composite
def mutated(draw: st.DrawFn, family: str) -> tuple[str, bytes]:
    seeds = SEEDS[family]
    ext, data = draw(st.sampled_from(seeds))
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "truncate", "splice", "insert", "delete", "dup"]))
        n = len(buf)
        at = draw(st.integers(0, n)) if n else 0
        if op == "flip" and n:
            i = min(at, n - 1)
            buf[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del buf[at:]
        elif op == "splice":
            fam2 = draw(st.sampled_from(FAMILIES))
            _, other = draw(st.sampled_from(SEEDS[fam2]))
            j = draw(st.integers(0, len(other)))
            buf = buf[:at] + bytearray(other[j:])
        elif op == "insert":
            buf[at:at] = draw(st.sampled_from(NASTY + [draw(st.binary(max_size=16))]))
        elif op == "delete" and n:
            del buf[at : at + draw(st.integers(1, 64))]
        elif op == "dup" and n:
            buf[at:at] = buf[at : at + draw(st.integers(1, 256))]
    return ext, bytes(buf)


def check_outcome(data: bytes, ext: str, fmt: str | None = None) -> str:
    """Parse; a Transcript or a one-line ParseError, nothing else."""
    try:
        t = parse_bytes(data, name="fuzz", ext=ext, fmt=fmt)
    except ParseError as e:
        msg = str(e)
        assert msg and "\n" not in msg and len(msg) < 500, repr(msg)
        return "error"
    assert isinstance(t, Transcript)
    last = 0.0
    for s in t.segments:
        assert s.start == s.start and s.end == s.end, "NaN time"  # noqa: PLR0124
        assert s.start >= last - 1e-9 and s.end >= s.start
        last = s.start
        assert s.speaker is None or "\n" not in s.speaker
    return "ok"


@pytest.mark.parametrize("family", FAMILIES)
def test_mutated_files_parse_or_fail_in_one_line(family: str) -> None:
    forced = [f.name for f in registry().values() if f.family == family]

    @SETTINGS
    @given(mutated(family))
    def run(case: tuple[str, bytes]) -> None:
        ext, data = case
        STATS[check_outcome(data, ext)] += 1
        # and each of the family's parsers forced onto it (--format)
        for name in forced:
            STATS["forced-" + check_outcome(data, ext, name)] += 1

    run()
    print(f"fuzz {family}: {dict(STATS)}")


def test_mutated_files_through_import_paths(tmp_path: Path) -> None:
    """A folder of mutated files imported into a real library: the good ones
    go in, the rest fail or are skipped with one line; the library passes
    integrity_check and holds exactly what the report says."""
    folder = tmp_path / "in"
    folder.mkdir()
    made = 0

    @settings(SETTINGS, max_examples=scale(60, 1000))
    @given(st.sampled_from(FAMILIES).flatmap(mutated))
    def gen(case: tuple[str, bytes]) -> None:
        nonlocal made
        ext, data = case
        (folder / f"f{made:05d}{ext}").write_bytes(data)
        made += 1

    gen()
    with Library(tmp_path / "lib.sqlite3") as lib:
        report = import_paths(lib, [folder])
        assert lib.integrity_check() == "ok"
        for _, reason in report.failed + report.skipped:
            assert reason and "\n" not in reason
        assert len(report.imported) + len(report.unchanged) + len(report.failed) + len(report.skipped) >= made - 0
        assert lib.count() == len(set(report.imported))
        for tid in lib.ids():
            assert lib.get(tid) is not None
        # importing again changes nothing
        again = import_paths(lib, [folder])
        assert not again.imported and not again.updated
        assert lib.count() == len(set(report.imported))
    print(f"import fuzz: {made} files, {len(report.imported)} imported, {len(report.failed)} failed")


# -- regressions: crashes the fuzzer found (none so far beyond these shapes) ---


@pytest.mark.parametrize(
    "data,ext",
    [
        (b"\x00" * 1000, ".srt"),
        (b"WEBVTT\n\n99999999999999999999:00:00.000 --> 1e308\nx\n", ".vtt"),
        (b'{"segments": [{"start": 1e309, "end": NaN, "text": "a"}]}', ".json"),
        (b'{"segments": ' + b"[" * 5000 + b"]" * 5000 + b"}", ".json"),
        (b"<transcript>" + b"<text start='1e999' dur='-1'>a</text>" * 3 + b"</transcript>", ".xml"),
        (b'File type = "ooTextFile"\nObject class = "TextGrid"\nxmin = 0\nxmax = 1e400\n', ".TextGrid"),
    ],
)
def test_hostile_shapes(data: bytes, ext: str) -> None:
    check_outcome(data, ext)
