"""Property tests for every parser: arbitrary input gives a transcript or
the parser's own clear error, never another exception; times never run
backwards; no word of a well-formed file is lost."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hark.store.formats import ParseError, names, parse, parse_bytes
from hark.store.importer import import_paths
from hark.store.library import Library
from hark.store.text import clean, words

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks a little like transcripts, so parsers get past their
# first checks: timestamps, arrows, brackets, tags, JSON and XML shapes.
_PIECES = st.sampled_from(
    [
        "00:00:01.000 --> 00:00:02.000",
        "[00:00:01.000 --> 00:00:04.000]",
        "1",
        "\n",
        "\n\n",
        "WEBVTT",
        "<v Ann>",
        "</v>",
        "<i>",
        "NOTE",
        "- [01:02] ",
        "---\n",
        "title: x\n",
        '{"segments": [',
        '{"start": 1, "end": 0, "text": "a"}',
        "]}",
        "<transcript><text start='1' dur='2'>",
        "</text>",
        "&amp;",
        "0:00:01.500,0:00:02.000",
        "Speaker 1  0:03",
        "[BLANK_AUDIO]",
        "-->",
        ":",
        "99:99:99,999",
        "item [1]:",
        'xmin = 0\nxmax = 1\ntext = "a"',
    ]
)
_TEXTISH = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=30).map("".join)


def _check(t) -> None:
    last = 0.0
    for s in t.segments:
        assert s.start >= last - 1e-9, "times run backwards"
        assert s.end >= s.start
        assert s.kind in ("speech", "nonspeech")
        assert s.text == s.text.strip() and s.text
        last = s.start
    json.dumps(t.metadata)
    json.dumps(t.set_aside)


@pytest.mark.parametrize("fmt", names())
@SETTINGS
@given(text=_TEXTISH)
def test_every_parser_returns_or_raises_its_own_error(fmt, text):
    try:
        t = parse(clean(text), fmt)
    except ParseError:
        return
    _check(t)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_detected_parse_or_clear_error(data):
    try:
        t = parse_bytes(data, name="x", ext=".srt")
    except ParseError as e:
        assert str(e)
        return
    _check(t)


@SETTINGS
@given(data=st.binary(max_size=400), ext=st.sampled_from([".vtt", ".json", ".txt", ".md", ".xml", ".sbv", ""]))
def test_arbitrary_bytes_any_extension(data, ext):
    try:
        t = parse_bytes(data, name="x", ext=ext)
    except ParseError:
        return
    _check(t)


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü", min_size=1, max_size=9)
_LINES = st.lists(st.lists(_WORD, min_size=1, max_size=8).map(" ".join), min_size=1, max_size=12)


def _srt(lines: list[str]) -> str:
    return "\n".join(f"{i + 1}\n00:00:{i:02d},000 --> 00:00:{i:02d},900\n{line}\n" for i, line in enumerate(lines))


def _vtt(lines: list[str]) -> str:
    return "WEBVTT\n\n" + "\n".join(f"00:{i:02d}.000 --> 00:{i:02d}.900\n{line}\n" for i, line in enumerate(lines))


def _whisper(lines: list[str]) -> str:
    return "\n".join(f"[00:00:{i:02d}.000 --> 00:00:{i:02d}.900]   {line}" for i, line in enumerate(lines))


def _markdown(lines: list[str]) -> str:
    return "---\ntitle: t\n---\n\n" + "\n".join(f"- [00:{i:02d}] {line}" for i, line in enumerate(lines))


def _plain(lines: list[str]) -> str:
    return "\n".join(lines)


@pytest.mark.parametrize(
    "render,fmt",
    [(_srt, "srt"), (_vtt, "vtt"), (_whisper, "whisper"), (_markdown, "markdown"), (_plain, "text")],
)
@SETTINGS
@given(lines=_LINES)
def test_no_word_is_lost(render, fmt, lines):
    t = parse(render(lines), fmt)
    _check(t)
    got = [w for s in t.segments for w in words(s.text)] + [w for b in t.set_aside for w in words(b)]
    want = [w for line in lines for w in words(line)]
    # Every word survives, and the transcript's own words keep their order.
    assert sorted(got) == sorted(want)
    seg_words = [w for s in t.segments for w in words(s.text)]
    it = iter(want)
    assert all(any(w == x for x in it) for w in seg_words)


def test_whole_corpus_imports(corpus, tmp_path):
    files = sorted(p for p in (corpus / "formats").rglob("*") if p.is_file() and p.name != "SOURCES.txt")
    files += sorted((corpus / "seeds").iterdir())
    with Library(tmp_path / "lib.sqlite3") as lib:
        report = import_paths(lib, files)
        assert report.failed == []
        assert report.skipped == []
        assert len(report.imported) + len(report.unchanged) == len(files)
        for info in lib.list():
            assert info.segment_count > 0, info.source
