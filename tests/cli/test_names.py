"""`hark rename` and `hark speakers`, and the names everywhere after: list,
show, search (`speaker:` by either name), the exports (Markdown, W3C
JSON, Readwise, Obsidian), and a re-import of the changed file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from hark.store import annotations as A
from hark.store.library import Library
from hark.store.paths import resolve
from hark.tui.cli import main

TALK = """WEBVTT

00:00.000 --> 00:04.000
<v SPEAKER_00>Welcome back to Low Water, the show about tides and harbours.

00:04.000 --> 00:08.000
<v SPEAKER_01>Thanks for having me, measuring tides is mostly waiting.

00:08.000 --> 00:12.000
<v SPEAKER_00>So what does a tide gauge actually measure?

00:12.000 --> 00:16.000
<v SPEAKER_01>The height of the water against a fixed mark, every six minutes.
"""

MORE = """
00:16.000 --> 00:20.000
<v SPEAKER_00>And that is all for this week, thank you.
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def talk(home, tmp_path, capsys) -> tuple[int, Path]:
    src = tmp_path / "files" / "low-water-ep3.vtt"
    src.parent.mkdir()
    src.write_text(TALK)
    code, _, err = run(capsys, "import", str(src))
    assert code == 0, err
    code, out, _ = run(capsys, "list", "--json")
    return json.loads(out)[0]["id"], src


def test_speakers_lists_how_much_each_says(talk, capsys):
    tid, _ = talk
    code, out, _ = run(capsys, "speakers", str(tid))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{tid}: low-water-ep3 · 2 speakers"
    assert lines[1] == "  SPEAKER_00  (no name)      2 segments       19 words      0:08   48%"
    assert lines[2] == "  SPEAKER_01  (no name)      2 segments       21 words      0:08   52%"
    assert lines[3] == f'name one: hark speakers {tid} SPEAKER_00="Their Name"'
    code, out, _ = run(capsys, "speakers", str(tid), "--json")
    assert json.loads(out) == [
        {"label": "SPEAKER_00", "name": None, "segments": 2, "words": 19, "seconds": 8.0},
        {"label": "SPEAKER_01", "name": None, "segments": 2, "words": 21, "seconds": 8.0},
    ]


def test_name_speakers_and_rename(talk, capsys):
    tid, _ = talk
    code, out, _ = run(capsys, "speakers", str(tid), "SPEAKER_00=Ann Lee", "speaker_01=Ben Ito")
    assert code == 0 and out == "SPEAKER_00 is now Ann Lee\nSPEAKER_01 is now Ben Ito\n"
    code, out, _ = run(capsys, "speakers", str(tid), "--json")
    assert [(r["label"], r["name"]) for r in json.loads(out)] == [("SPEAKER_00", "Ann Lee"), ("SPEAKER_01", "Ben Ito")]
    code, out, _ = run(capsys, "speakers", str(tid), "Ben Ito=")  # by its name now; empty takes it away
    assert code == 0 and out == "SPEAKER_01: no name now (shown as SPEAKER_01)\n"
    code, out, _ = run(capsys, "rename", str(tid), "Low Water, episode 3")
    assert code == 0 and out == f"renamed {tid}: Low Water, episode 3 (the file's own title: low-water-ep3)\n"
    code, out, _ = run(capsys, "rename", str(tid), "Low Water 3", "--json")
    assert json.loads(out) == {"id": tid, "title": "Low Water 3", "file_title": "low-water-ep3"}
    code, out, _ = run(capsys, "list", "--json")
    assert json.loads(out)[0]["title"] == "Low Water 3"
    code, out, _ = run(capsys, "show", str(tid))
    assert out.startswith("Low Water 3\nvtt · 0:16 · 4 segments · Ann Lee, SPEAKER_01\n")
    assert "[    0:00] Ann Lee: Welcome back" in out and "[    0:04] SPEAKER_01: Thanks" in out
    code, out, _ = run(capsys, "rename", str(tid), "--reset")
    assert code == 0 and out == f"{tid}: low-water-ep3 (the file's own title)\n"


def test_errors_are_one_line(talk, capsys):
    tid, _ = talk
    code, _, err = run(capsys, "speakers", str(tid), "Carol=Carol Danvers")
    assert code == 1 and err == "hark: no speaker 'Carol' here (its speakers: SPEAKER_00, SPEAKER_01)\n"
    code, _, err = run(capsys, "speakers", str(tid), "SPEAKER_00")
    assert code == 2 and "write LABEL=NAME" in err and err.count("\n") == 1
    code, _, err = run(capsys, "rename", str(tid))
    assert code == 2 and "give a TITLE, or --reset" in err
    code, _, err = run(capsys, "rename", str(tid), "   ")
    assert code == 2 and "cannot be empty" in err
    code, _, err = run(capsys, "rename", "99", "x")
    assert code == 1 and err == "hark: no transcript 99 (see `hark list`)\n"
    code, _, err = run(capsys, "speakers", "99")
    assert code == 1 and err == "hark: no transcript 99 (see `hark list`)\n"


def test_names_survive_reimport_and_show_in_search_and_exports(talk, capsys, tmp_path):
    tid, src = talk
    run(capsys, "speakers", str(tid), "SPEAKER_00=Ann Lee")
    run(capsys, "rename", str(tid), "Harbour gauges")
    with Library(resolve().library) as lib:
        ann = A.create(lib, tid, 2, 2, note="the gauge #tides")
    # the file changes and comes in again
    src.write_text(TALK + MORE)
    code, out, _ = run(capsys, "import", str(src))
    assert code == 0 and out.endswith("0 imported, 1 updated, 0 unchanged\n")
    code, out, _ = run(capsys, "list", "--json")
    assert json.loads(out)[0]["title"] == "Harbour gauges"
    code, out, _ = run(capsys, "show", str(tid), "--json")
    shown = json.loads(out)
    assert shown["metadata"]["speaker_names"] == {"SPEAKER_00": "Ann Lee"} and len(shown["segments"]) == 5
    assert shown["metadata"]["file_title"] == "low-water-ep3"
    # search: the user's names and the file's own both find it; hits carry the name
    for query in ("speaker:ann", "speaker:speaker_00", "title:harbour", 'title:"low water ep3"'):
        code, out, err = run(capsys, "search", query, "--json")
        assert code == 0 and json.loads(out)["hits"], (query, err)
    code, out, _ = run(capsys, "search", "speaker:ann gauge", "--json")
    hit = json.loads(out)["hits"][0]
    assert hit["title"] == "Harbour gauges" and hit["speaker"] == "Ann Lee" and hit["start"] == 8.0
    code, out, _ = run(capsys, "search", "speaker:ann gauge")
    assert f"{tid}  Harbour gauges" in out
    # exports
    code, md, _ = run(capsys, "annotations", "export")
    assert "## Harbour gauges\n" in md
    code, js, _ = run(capsys, "annotations", "export", "--format", "json")
    assert json.loads(js)[0]["hark"]["transcript_title"] == "Harbour gauges"
    code, rw, _ = run(capsys, "annotations", "export", "--format", "readwise")
    rows = list(csv.DictReader(io.StringIO(rw)))
    assert (rows[0]["Title"], rows[0]["Author"], rows[0]["Location"]) == ("Harbour gauges", "Ann Lee", "8")
    vault = tmp_path / "vault"
    code, out, _ = run(capsys, "annotations", "export", "--format", "obsidian", str(vault))
    assert code == 0 and out == f"wrote 1 highlight to {vault}: notes 1 created, 0 updated, 0 unchanged\n"
    note = (vault / "Harbour gauges.md").read_text()
    assert "· Ann Lee\n> So what does a tide gauge actually measure?" in note and f"^hark-{ann.id}" in note
    code, out, _ = run(capsys, "annotations", "export", "--format", "obsidian", str(vault))
    assert out.endswith("notes 0 created, 0 updated, 1 unchanged\n")
    out_file = tmp_path / "readwise.csv"
    code, out, _ = run(capsys, "annotations", "export", "--format", "readwise", "-o", str(out_file))
    assert code == 0 and list(csv.reader(io.StringIO(out_file.read_text())))[0] == [
        "Highlight",
        "Title",
        "Author",
        "URL",
        "Note",
        "Location",
        "Date",
    ]


def test_export_dir_goes_with_obsidian_only(talk, capsys, tmp_path):
    code, _, err = run(capsys, "annotations", "export", "--format", "obsidian")
    assert code == 2 and "--format obsidian writes a folder" in err
    code, _, err = run(capsys, "annotations", "export", "--format", "md", str(tmp_path / "x"))
    assert code == 2 and "DIR is for --format obsidian" in err
    code, out, _ = run(capsys, "annotations", "export", "--format", "obsidian", "-o", str(tmp_path / "v"))
    assert code == 0 and out.startswith("wrote 0 highlights to ")
