"""Coverage-guided fuzzing of the import pipeline with atheris, for long
runs by hand (not collected by pytest):

    pip install atheris
    python tests/hardening/fuzz_atheris.py -max_total_time=600 [CORPUS_DIR ...]

Seeds: the package samples and, when present, ../shared/corpus. Any
exception other than ParseError (or a ParseError with a multi-line
message) is a crash: atheris stops and writes the input to crash-*.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import atheris  # noqa: E402

with atheris.instrument_imports():
    from hark.store.formats import ParseError, parse_bytes, registry
    from hark.store.text import clean, decode  # noqa: F401

    registry()  # import every family inside the instrumented block

EXTS = ["", ".srt", ".vtt", ".sbv", ".json", ".xml", ".md", ".txt", ".TextGrid", ".html", ".srv3"]


def one_input(data: bytes) -> None:
    if not data:
        return
    ext = EXTS[data[0] % len(EXTS)]
    try:
        parse_bytes(data[1:], name="fuzz", ext=ext)
    except ParseError as e:
        if "\n" in str(e):
            raise AssertionError(f"multi-line reason: {e!r}") from None


def main() -> None:
    argv = list(sys.argv)
    if not any(not a.startswith("-") for a in argv[1:]):
        seeds = Path(tempfile.mkdtemp(prefix="hark-atheris-"))
        files = [p for p in (ROOT / "store" / "samples").iterdir() if p.is_file()]
        corpus = ROOT.parent / "shared" / "corpus" / "formats"
        if corpus.is_dir():
            files += [p for p in corpus.rglob("*") if p.is_file()]
        for i, p in enumerate(files):
            tag = EXTS.index(p.suffix) if p.suffix in EXTS else 0
            (seeds / f"seed{i:03d}").write_bytes(bytes([tag]) + p.read_bytes()[:65536])
        argv.append(str(seeds))
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
