"""Never lose a note (issue 12, case 2): orphans come home.

Annotations whose transcript was removed, or that were imported before
it, are placed in it when it arrives (`hark import`, or `hark annotations
import` when the transcript is already there), by the rules of a re-import;
the summary line says how many came back. `hark remove` says what happens
to the annotations; importing the same annotations file again does not call
orphans "unchanged"."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from hark.store import annotations as A
from hark.store.formats import parse_bytes
from hark.store.importer import import_paths
from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.store.paths import resolve
from hark.tui.cli import main

TALK = """---
title: Tides and the Moon
---

- [00:04] Hello and welcome to Low Water.
- [00:09] Today we talk about tides and why they come twice a day.
- [00:15] The moon pulls the ocean toward it.
- [00:21] Thank you.
- [01:02:03] And that is the whole story, more or less.
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def talk(tmp_path) -> Path:
    p = tmp_path / "files" / "talk.md"
    p.parent.mkdir()
    p.write_text(TALK)
    return p


@pytest.fixture
def notes(home, talk, capsys, tmp_path) -> Path:
    """ann.json: two annotations of the talk, exported from another home."""
    other = tmp_path / "elsewhere"
    assert run(capsys, "--home", str(other), "import", str(talk))[0] == 0
    with Library(resolve(other).library) as lib:
        A.create(lib, 1, 1, 1, note="why twice? #tides")
        A.create(lib, 1, 2, 2, note="the moon pulls", color="blue")
    f = tmp_path / "ann.json"
    assert run(capsys, "--home", str(other), "annotations", "export", "--format", "json", "-o", str(f))[0] == 0
    return f


def _listed(capsys) -> list[dict]:
    code, out, _ = run(capsys, "annotations", "--json")
    assert code == 0
    return json.loads(out)


def test_removed_then_imported_again_they_come_back(home, talk, notes, capsys):
    run(capsys, "import", str(talk))
    code, out, _ = run(capsys, "annotations", "import", str(notes))
    assert out == "2 imported, 0 updated, 0 unchanged (2 anchored, 0 moved, 0 orphaned)\n"
    code, out, _ = run(capsys, "remove", "1", "--yes")
    # says truthfully what happens (not just "kept")
    assert code == 0
    assert out == (
        "removed 1: Tides and the Moon; its 2 annotations are kept, orphaned: "
        "they come back if you import the transcript again\n"
    )
    assert {(a["transcript_id"], a["status"]) for a in _listed(capsys)} == {(None, "orphaned")}
    code, out, _ = run(capsys, "import", str(talk))  # a new id: 2
    assert code == 0 and out == "1 imported, 0 updated, 0 unchanged\n2 annotations came back to 'Tides and the Moon'\n"
    got = _listed(capsys)
    assert [(a["transcript_id"], a["status"], a["note"]) for a in got] == [
        (2, "anchored", "why twice? #tides"),
        (2, "anchored", "the moon pulls"),
    ]
    code, out, _ = run(capsys, "annotations", "import", str(notes))
    assert out == "0 imported, 0 updated, 2 unchanged\n"
    # and the search index has their notes again
    code, out, _ = run(capsys, "search", "--json", "why twice")
    assert code == 0 and any(h["transcript_id"] == 2 for h in json.loads(out)["hits"])


def test_annotations_imported_before_their_transcript(home, talk, notes, capsys):
    code, out, _ = run(capsys, "annotations", "import", str(notes))
    assert out == "2 imported, 0 updated, 0 unchanged (0 anchored, 0 moved, 2 orphaned)\n"
    # again: not "2 unchanged" while they are orphaned
    code, out, _ = run(capsys, "annotations", "import", str(notes))
    assert code == 0
    assert out == "0 imported, 0 updated, 0 unchanged, 2 still orphaned (their transcript is not in the library)\n"
    code, out, _ = run(capsys, "import", "--json", str(talk))
    assert json.loads(out)["came_back"] == [{"id": 1, "title": "Tides and the Moon", "annotations": 2}]
    assert {(a["transcript_id"], a["status"]) for a in _listed(capsys)} == {(1, "anchored")}


def test_an_annotations_import_brings_home_orphans_whose_transcript_is_already_back(home, talk, notes, capsys):
    """A library where the transcript came back before hark brought orphans
    home (an older hark): importing the annotations file places them."""
    run(capsys, "annotations", "import", str(notes))
    with Library(resolve().library) as lib:  # stored without the importer's homecoming
        t = parse_bytes(talk.read_bytes(), name="talk", ext=".md")
        lib.save(t, source=str(talk), sha256="not-the-export's")
    code, out, _ = run(capsys, "annotations", "import", str(notes))
    assert out == "0 imported, 0 updated, 0 unchanged\n2 annotations came back to 'Tides and the Moon'\n"
    assert {(a["transcript_id"], a["status"]) for a in _listed(capsys)} == {(1, "anchored")}


def _homeless(lib: Library, quote: str, prefix: str = "", suffix: str = "", note: str = "n") -> A.Annotation:
    a = A.Annotation(
        id=uuid.uuid4().hex,
        transcript_id=None,
        first=0,
        last=0,
        start=0.0,
        end=0.0,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        note=note,
        created="2024-01-01T00:00:00+00:00",
        updated="2024-01-01T00:00:00+00:00",
        status="orphaned",
        source_sha256="another",
        transcript_title="Another title",
    )
    lib.merge_annotations(lambda known, transcripts: ([], [a]))
    return a


def test_by_quote_alone_a_long_quote_comes_home_and_a_common_one_does_not(tmp_path):
    with Library(tmp_path / "l.sqlite3") as lib:
        long = _homeless(lib, "The moon pulls the ocean toward it.", note="long")
        short = _homeless(lib, "Thank you.", note="short")
        in_context = _homeless(lib, "Thank you.", prefix="he moon pulls the ocean toward it. ", note="in context")
        f = tmp_path / "talk.md"
        f.write_text(TALK)
        report = import_paths(lib, [f])
        assert report.came_back == [(1, "Tides and the Moon", 2)]
        got = {a.note: a for a in A.list_annotations(lib)}
        assert (got["long"].transcript_id, got["long"].first, got["long"].status) == (1, 2, "moved")
        assert (got["in context"].transcript_id, got["in context"].first) == (1, 3)
        assert (got["short"].transcript_id, got["short"].status) == (None, "orphaned")
        # what came home took the transcript's name and sha256
        assert got["long"].transcript_title == "Tides and the Moon" and got["long"].source_sha256 != "another"
        assert {a.id for a in A.list_annotations(lib, 1)} == {long.id, in_context.id}
        assert A.get(lib, short.id).transcript_id is None


def test_one_placed_by_another_session_meanwhile_is_left_to_it(tmp_path):
    path = tmp_path / "l.sqlite3"
    with Library(path) as lib, Library(path) as other:
        segs = [Segment(0.0, 3.0, "The moon pulls the ocean toward it, every day.")]
        t1, _ = lib.save(Transcript(title="One", format="srt", segments=segs).finish(), source="/1", sha256="s1")
        t2, _ = lib.save(Transcript(title="Two", format="srt", segments=segs).finish(), source="/2", sha256="s2")
        a = _homeless(lib, "The moon pulls the ocean toward it, every day.")
        info1, info2 = lib.info(t1), lib.info(t2)
        placed = replace(a, transcript_id=t1, status="anchored")
        assert other.rehome_annotations(t1, info1.sha256, [(a, placed)]) == [placed]
        # the second placement finds it placed: nothing written
        moved = replace(a, transcript_id=t2, status="anchored")
        assert lib.rehome_annotations(t2, info2.sha256, [(a, moved)]) == []
        assert lib.rehome_annotations(t2, "changed meanwhile", [(a, moved)]) is None
        assert A.get(lib, a.id).transcript_id == t1
