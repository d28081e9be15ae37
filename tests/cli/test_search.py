"""`hark search` and `hark reindex`: output shapes, highlighting only on a
terminal, notes and "did you mean" on stderr, --in, and an index that
repairs itself without a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hark.tui.cli import main
from hark.tui.cli import search as search_cli

ROOT = Path(__file__).resolve().parents[2]

TALK = """1
00:00:01,000 --> 00:00:04,000
Today we talk about scaling

2
00:00:04,000 --> 00:00:07,500
laws and why they hold.

3
00:00:07,500 --> 00:00:11,000
The crème brûlée was running late.
"""

ESSAY = """1
00:00:00,500 --> 00:00:03,000
Rivers wander, and scaling maps is hard.
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def lib2(home, tmp_path, capsys):
    """Two transcripts imported through the CLI (ids 1 and 2)."""
    (tmp_path / "talk.srt").write_text(TALK)
    (tmp_path / "essay.srt").write_text(ESSAY)
    code, out, err = run(capsys, "import", str(tmp_path / "talk.srt"), str(tmp_path / "essay.srt"))
    assert code == 0, err
    assert err == ""  # a new home: the index is created without a word
    return tmp_path


def test_json_shape(lib2, capsys):
    code, out, err = run(capsys, "search", '"scaling laws"', "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data == {
        "query": '"scaling laws"',
        "total": 1,
        "notes": [],  # read as typed
        "hits": [
            {
                "transcript_id": 1,
                "title": "talk",
                "segment": 0,
                "start": 1.0,
                "end": 4.0,
                "text": "Today we talk about scaling",
                "snippet": "Today we talk about **scaling laws** and why they hold. The crème brûlée was running late.",
                "score": data["hits"][0]["score"],
                "speaker": None,  # who says it (as the user named them), when the file marks speakers
            }
        ],
    }
    assert isinstance(data["hits"][0]["score"], float) and data["hits"][0]["score"] > 0


def test_json_hits_best_first(lib2, capsys):
    code, out, _ = run(capsys, "search", "scaling", "--json")
    hits = json.loads(out)["hits"]
    assert sorted((h["transcript_id"], h["segment"]) for h in hits) == [(1, 0), (2, 0)]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_terminal_output_grouped_and_plain_when_piped(lib2, capsys):
    code, out, err = run(capsys, "search", "scaling OR brulee")
    assert code == 0 and err == ""
    assert "\x1b" not in out
    lines = out.splitlines()
    assert lines[0] == "2 hits for scaling OR brulee"
    assert lines[1] == ""
    # One group per transcript: its id and title, then its hits by time.
    first = lines[2]
    assert first in ("1  talk", "2  essay")
    body = "\n".join(lines)
    assert "1  talk\n   [    0:01] Today we talk about scaling laws and why they hold." in body
    assert "2  essay\n   [    0:00] Rivers wander, and scaling maps is hard." in body


def test_highlight_on_a_terminal(lib2, capsys, monkeypatch):
    monkeypatch.setattr(search_cli, "_highlight_enabled", lambda: True)
    code, out, _ = run(capsys, "search", "brulee")
    assert code == 0
    assert "The crème \x1b[1;7mbrûlée\x1b[0m was running late." in out


def test_highlight_needs_a_tty(lib2, capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("TERM", "dumb")
    assert search_cli._highlight_enabled() is False
    monkeypatch.setenv("TERM", "xterm-256color")
    assert search_cli._highlight_enabled() is True


def test_in_and_limit(lib2, capsys):
    code, out, _ = run(capsys, "search", "scaling", "--in", "2", "--json")
    assert [(h["transcript_id"], h["segment"]) for h in json.loads(out)["hits"]] == [(2, 0)]
    code, out, _ = run(capsys, "search", "scaling", "--limit", "1", "--json")
    data = json.loads(out)
    assert data["total"] == 2 and len(data["hits"]) == 1
    code, out, err = run(capsys, "search", "scaling", "--limit", "1")
    assert out.splitlines()[0] == "2 hits for scaling (the best 1 shown)"


def test_bad_arguments(lib2, capsys):
    code, out, err = run(capsys, "search", "scaling", "--in", "9")
    assert code == 1 and err == "hark: no transcript 9 (see `hark list`)\n"
    code, out, err = run(capsys, "search", "scaling", "--in", "x")
    assert code == 1 and "is not a transcript id" in err
    code, out, err = run(capsys, "search", "scaling", "--limit", "0")
    assert code == 2 and err == "hark: --limit must be at least 1\n"


def test_no_hits_and_did_you_mean(lib2, capsys):
    code, out, err = run(capsys, "search", "scalling")
    assert code == 0
    assert out == "no hits for scalling\n"
    assert err == "hark: did you mean: scaling\n"
    code, out, err = run(capsys, "search", "scalling", "--json")
    assert json.loads(out) == {"query": "scalling", "total": 0, "notes": [], "hits": []}
    assert err == "hark: did you mean: scaling\n"


@pytest.mark.parametrize(
    "query, note",
    [
        ('"scaling laws', "unbalanced quote: searched as plain words"),
        ("(scaling", "unbalanced parenthesis: searched as plain words"),
        ("scaling OR", "a lone operator OR: searched as plain words"),
        ("title: scaling", "empty field 'title:': searched as plain words"),
    ],
)
def test_malformed_query_note_on_stderr(lib2, capsys, query, note):
    code, out, err = run(capsys, "search", query, "--json")
    assert code == 0
    assert err == f"hark: {note}\n"
    assert json.loads(out)["total"] >= 1
    assert json.loads(out)["notes"] == [note]


def test_every_cut_is_a_note_on_stderr_and_in_json(lib2, capsys):
    """A cut or rewrite of the query is said, one line each, on stderr and
    in the `notes` list of --json (issue 13, issue 12 case 6)."""
    code, out, err = run(capsys, "search", "scaling~3", "--json")
    assert code == 0
    note = "scaling~3: at most 2 edits: searched scaling~2"
    assert json.loads(out)["notes"] == [note] and err == f"hark: {note}\n"
    code, out, err = run(capsys, "search", "x" * 100_000, "--json")
    assert code == 0
    note = "a word of 100,000 characters: searched its first 64"
    assert json.loads(out)["notes"] == [note] and err == f"hark: {note}\n"
    code, out, err = run(capsys, "search", " ".join(f"w{i}" for i in range(1000)))
    assert code == 0 and out == f"no hits for {' '.join(f'w{i}' for i in range(1000))}\n"
    assert err == "hark: the query has 1,000 terms: searched the first 32\n"


def test_every_query_form_runs(lib2, capsys):
    for q in (
        "scaling laws",
        '"scaling laws"',
        "scaling OR rivers",
        "scaling NOT rivers",
        "scaling -rivers",
        "scal*",
        "scalin~",
        "scalnig~2",
        "title:essay",
        "format:srt scaling",
        "tag:none",
        "speaker:nobody",
        "note:nothing",
    ):
        code, out, err = run(capsys, "search", q, "--json")
        assert code == 0, (q, err)
        json.loads(out)
    _, out, _ = run(capsys, "search", "scaling -rivers", "--json")
    assert [h["transcript_id"] for h in json.loads(out)["hits"]] == [1]


def test_remove_and_reimport_update_hits(lib2, capsys):
    code, out, err = run(capsys, "remove", "2")
    assert code == 0 and err == ""
    _, out, _ = run(capsys, "search", "scaling", "--json")
    assert [h["transcript_id"] for h in json.loads(out)["hits"]] == [1]
    (lib2 / "talk.srt").write_text(TALK.replace("scaling", "growing"))
    code, out, err = run(capsys, "import", str(lib2 / "talk.srt"))
    assert code == 0 and "1 updated" in out
    _, out, _ = run(capsys, "search", "scaling", "--json")
    assert json.loads(out)["total"] == 0
    _, out, _ = run(capsys, "search", '"growing laws"', "--json")
    assert [(h["transcript_id"], h["segment"], h["start"]) for h in json.loads(out)["hits"]] == [(1, 0, 1.0)]


def test_reindex(lib2, capsys):
    code, out, err = run(capsys, "reindex")
    assert code == 0 and err == ""  # no progress bar when stderr is not a terminal
    assert out.startswith("indexed 2 transcripts (4 segments in 2 passages) in ")
    _, out, _ = run(capsys, "search", "brulee", "--json")
    assert json.loads(out)["hits"][0]["start"] == 7.5


def test_deleted_index_is_rebuilt_by_search(lib2, home, capsys):
    import shutil

    shutil.rmtree(home / "index")
    code, out, err = run(capsys, "search", "brulee", "--json")
    assert code == 0
    assert err.startswith("hark: the search index was missing: rebuilt from the library (2 transcripts, ")
    assert len(err.splitlines()) == 1
    assert json.loads(out)["hits"][0]["start"] == 7.5


def test_corrupt_index_is_rebuilt_by_search_without_a_trace(lib2, home, capsys):
    for toc in (home / "index").glob("*.toc"):
        toc.write_bytes(b"\x00garbage" * 10)
    code, out, err = run(capsys, "search", "brulee")
    assert code == 0
    assert err.startswith("hark: the search index was damaged: rebuilt from the library")
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert "[    0:07] The crème brûlée was running late." in out


def test_import_rebuilds_a_damaged_index_with_one_line(lib2, home, tmp_path, capsys):
    seg = max((home / "index").glob("*.seg"), key=lambda p: p.stat().st_size)
    seg.write_bytes(seg.read_bytes()[:100])
    (tmp_path / "more.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nA lighthouse keeper.\n")
    code, out, err = run(capsys, "import", str(tmp_path / "more.srt"))
    assert code == 0
    assert err.startswith("hark: the search index was damaged: rebuilt from the library (3 transcripts")
    _, out, _ = run(capsys, "search", "lighthouse", "--json")
    assert json.loads(out)["total"] == 1


def test_index_behind_the_library_is_caught_up_by_search(lib2, home, capsys):
    from hark.store.library import Library
    from hark.store.model import Segment, Transcript

    # Another tool wrote to the library without syncing the index.
    with Library(home / "library.sqlite3") as lib:
        t = Transcript(title="bees", format="srt", segments=[Segment(0.0, 1.0, "The waggle dance.")]).finish()
        lib.save(t, source="/elsewhere/bees.srt", sha256="b" * 64)
    code, out, err = run(capsys, "search", "waggle", "--json")
    assert err == "hark: the search index was behind the library: caught up (1 indexed, 0 removed)\n"
    assert json.loads(out)["total"] == 1


def test_search_on_an_empty_library(home, capsys):
    code, out, err = run(capsys, "search", "anything")
    assert code == 0 and out == "no hits for anything\n" and err == ""


def test_search_is_a_light_command(lib2, home):
    """`hark search` never imports Textual (it starts fast)."""
    code = (
        "import sys, runpy; sys.argv = ['hark', 'search', 'scaling', '--json']\n"
        "from hark.tui.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
        "assert 'asyncio' not in sys.modules, 'asyncio imported'\n"
        "sys.exit(rc)\n"
    )
    env = dict(os.environ, HARK_HOME=str(home))
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["total"] == 2


def _unwritable_index(monkeypatch) -> None:
    """The index's write lock cannot be created: what a read-only or full
    disk does to `sync` (the lock file is the first thing it writes)."""
    import errno

    from hark.store.search.lock import WriterLock

    def refused(self, timeout=None):
        raise OSError(errno.EROFS, "Read-only file system", str(self.path))

    monkeypatch.setattr(WriterLock, "acquire", refused)


def test_index_behind_on_a_disk_that_cannot_be_written_is_searched_as_it_is(lib2, home, capsys, monkeypatch):
    from hark.store.library import Library
    from hark.store.model import Segment, Transcript

    _, before, _ = run(capsys, "search", "scaling", "--json")
    with Library(home / "library.sqlite3") as lib:
        t = Transcript(title="bees", format="srt", segments=[Segment(0.0, 1.0, "The waggle dance.")]).finish()
        lib.save(t, source="/elsewhere/bees.srt", sha256="b" * 64)
    _unwritable_index(monkeypatch)
    behind = "hark: the search index cannot be brought up to date (read-only filesystem): searching it as it is\n"
    assert run(capsys, "search", "scaling", "--json") == (0, before, behind)
    # What the index does not have yet is not found; nothing else goes wrong.
    code, out, err = run(capsys, "search", "waggle")
    assert (code, out) == (0, "no hits for waggle\n") and err.startswith(behind)


def test_a_read_only_library_and_index(lib2, home, capsys, monkeypatch):
    import hark.store.library
    from hark.store.library import Library

    _, before, _ = run(capsys, "search", "scaling")
    with Library(home / "library.sqlite3") as lib:
        lib.remove(2)  # the index is behind: it still has transcript 2
    _unwritable_index(monkeypatch)
    monkeypatch.setattr(hark.store.library, "_fs_read_only", lambda folder: True)
    code, out, err = run(capsys, "search", "scaling")
    assert code == 0
    assert err.splitlines() == [
        f"hark: the library at {home / 'library.sqlite3'} is read-only (read-only filesystem): "
        "showing it as it is; changes are off",
        "hark: the search index cannot be brought up to date (read-only filesystem): searching it as it is",
    ]
    # The index still has transcript 2; its hit is dropped (not in the library).
    assert before.splitlines()[0] == "2 hits for scaling" and "2  essay" in before.splitlines()
    assert out.splitlines()[0] == "1 hit for scaling" and "2  essay" not in out.splitlines()
    assert out.splitlines()[2:] == [
        "1  talk",
        "   [    0:01] Today we talk about scaling laws and why they hold. The crème brûlée was running late.",
    ]


def test_missing_or_damaged_index_that_cannot_be_rebuilt_is_one_line(lib2, home, capsys, monkeypatch):
    import shutil

    from hark.store import search

    where = home / "index"
    with monkeypatch.context() as m:
        _unwritable_index(m)
        for toc in where.glob("*.toc"):
            toc.write_bytes(b"\x00garbage" * 10)
        code, out, err = run(capsys, "search", "scaling")
        assert (code, out) == (1, "")
        assert err == (
            f"hark: the search index at {where} is damaged and cannot be rebuilt (read-only filesystem); "
            "run `hark reindex` where the library can be written\n"
        )
        shutil.rmtree(where)
        code, out, err = run(capsys, "search", "scaling")
        assert (code, out) == (1, "") and "is missing and cannot be rebuilt (read-only filesystem)" in err
        assert err.count("\n") == 1
    assert run(capsys, "reindex")[0] == 0

    # Damage found while searching: the rebuild cannot be written either.
    def damaged(self, *a, **k):
        raise search.IndexUnavailable("the search index is corrupt (EOFError)", "corrupt")

    _unwritable_index(monkeypatch)
    monkeypatch.setattr(search.Index, "search", damaged)
    code, out, err = run(capsys, "search", "scaling")
    assert (code, out) == (1, "") and "is damaged and cannot be rebuilt (read-only filesystem)" in err
    assert err.count("\n") == 1
