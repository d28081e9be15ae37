"""`hark annotations`: the --json shape, Markdown export with links to the
moment, W3C Web Annotation JSON export, import (twice changes nothing),
and export -> import elsewhere -> export giving the same annotations."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from hark.store import annotations as A
from hark.store.library import Library
from hark.store.paths import resolve
from hark.tui.cli import main

TALK = """---
title: Tides and the Moon
url: https://www.youtube.com/watch?v=abc123XYZ
---

- [00:04] Hello and welcome to Low Water.
- [00:09] Today we talk about tides and why they come twice a day.
- [00:15] The moon pulls the ocean toward it.
- [01:02:03] And that is the whole story, more or less.
"""

EPISODE = """---
title: Harbour Lights, episode 12
url: https://media.example.org/harbour/ep12.mp3
---

- [00:02] This is Harbour Lights.
- [00:06] Tonight, the lighthouse keepers of the north coast.
- [00:12.5] They kept a log of every ship that passed.
"""

SHORT = """---
title: Short
url: https://youtu.be/Zy9
---

- [00:01] A short one.
- [01:05] With a second line.
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    d = tmp_path / "files"
    d.mkdir()
    out = {}
    for name, text in (("talk.md", TALK), ("episode.md", EPISODE), ("short.md", SHORT)):
        (d / name).write_text(text)
        out[name] = d / name
    return out


def _ids(capsys, home: Path | None = None) -> dict[str, int]:
    args = ["--home", str(home)] if home else []
    code, out, _ = run(capsys, *args, "list", "--json")
    assert code == 0
    return {r["title"]: r["id"] for r in json.loads(out)}


@pytest.fixture
def annotated(home, files, capsys) -> dict[str, A.Annotation]:
    code, _, _ = run(capsys, "import", *(str(p) for p in files.values()))
    assert code == 0
    ids = _ids(capsys)
    with Library(resolve().library) as lib:
        talk, ep, short = ids["Tides and the Moon"], ids["Harbour Lights, episode 12"], ids["Short"]
        made = {
            "tides": A.create(lib, talk, 1, 1, note="Why twice? #tides", tags=["physics"]),
            "story": A.create(lib, talk, 3, 3, color="pink"),
            "log": A.create(lib, ep, 1, 2, note="Find the logbooks.\nAsk the museum.", color="blue"),
            "short": A.create(lib, short, 1, 1),
        }
    return made


def test_list_json_shape(annotated, capsys):
    code, out, _ = run(capsys, "annotations", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 4
    keys = {"id", "transcript_id", "start", "end", "quote", "note", "tags", "color", "author", "created"}
    keys |= {"updated", "status"}
    assert all(set(r) == keys for r in rows)
    t = annotated["tides"]
    row = next(r for r in rows if r["id"] == t.id)
    assert row == {
        "id": t.id,
        "transcript_id": t.transcript_id,
        "start": 9.0,
        "end": 15.0,
        "quote": "Today we talk about tides and why they come twice a day.",
        "note": "Why twice? #tides",
        "tags": ["physics", "tides"],
        "color": "yellow",
        "author": t.author,
        "created": t.created,
        "updated": t.created,
        "status": "anchored",
    }
    code, out, _ = run(capsys, "annotations", "--in", str(t.transcript_id), "--json")
    assert [r["id"] for r in json.loads(out)] == [t.id, annotated["story"].id]
    code, out, err = run(capsys, "annotations", "--in", "99")
    assert code == 1 and err == "hark: no transcript 99 (see `hark list`)\n"


def test_list_text(annotated, capsys):
    code, out, _ = run(capsys, "annotations")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 4
    t = annotated["tides"]
    assert lines[0].startswith(t.id[:8]) and "0:09" in lines[0] and "Why twice? #tides  #physics" in lines[0]
    assert "1:02:03" in lines[1]


def test_export_markdown_links_to_the_moment(annotated, capsys):
    code, md, _ = run(capsys, "annotations", "export")
    assert code == 0
    # grouped by transcript, by title (the same order from any library)
    assert md.startswith("# Annotations\n\n## Harbour Lights, episode 12\n\n")
    assert md.index("## Harbour Lights") < md.index("## Short") < md.index("## Tides and the Moon")
    assert "## Tides and the Moon\n\n<https://www.youtube.com/watch?v=abc123XYZ>\n" in md
    # YouTube with a query: &t=; youtu.be without one: ?t=; media URL: #t=start,end
    assert (
        "> Today we talk about tides and why they come twice a day.\n>\n"
        "> — [0:09](https://www.youtube.com/watch?v=abc123XYZ&t=9s)\n\nWhy twice? #tides\n\n#physics\n"
    ) in md
    assert "> — [1:02:03](https://www.youtube.com/watch?v=abc123XYZ&t=3723s)\n" in md
    assert "> — [1:05](https://youtu.be/Zy9?t=65s)\n" in md
    assert (
        "## Harbour Lights, episode 12\n\n<https://media.example.org/harbour/ep12.mp3>\n\n"
        "> Tonight, the lighthouse keepers of the north coast. They kept a log of every ship that passed.\n>\n"
        "> — [0:06](https://media.example.org/harbour/ep12.mp3#t=6,12.5)\n\nFind the logbooks.\nAsk the museum.\n"
    ) in md
    # only one transcript
    ep = annotated["log"].transcript_id
    code, md, _ = run(capsys, "annotations", "export", "--in", str(ep))
    assert "Harbour Lights" in md and "Tides" not in md


def test_deep_link_forms():
    assert A.deep_link("https://www.youtube.com/watch?v=x&t=5s", 62.9) == "https://www.youtube.com/watch?v=x&t=62s"
    assert A.deep_link("https://youtu.be/x", 3723) == "https://youtu.be/x?t=3723s"
    assert A.deep_link("https://m.youtube.com/watch?v=x#frag", 1) == "https://m.youtube.com/watch?v=x&t=1s#frag"
    assert A.deep_link("https://cdn.example.org/a.mp3#t=1", 4.25, 9) == "https://cdn.example.org/a.mp3#t=4.25,9"
    assert A.deep_link("https://cdn.example.org/a.mp3", 4, 4) == "https://cdn.example.org/a.mp3#t=4"
    assert A.deep_link("javascript:alert(1)", 4) is None
    assert A.deep_link(None, 4) is None


def test_export_json_is_w3c_web_annotation(annotated, capsys, tmp_path):
    out_file = tmp_path / "out" / "notes.json"
    out_file.parent.mkdir()
    code, out, _ = run(capsys, "annotations", "export", "--format", "json", "-o", str(out_file))
    assert code == 0 and out == f"wrote 4 annotations to {out_file}\n"
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    docs = json.loads(out_file.read_text())
    t = annotated["tides"]
    doc = next(d for d in docs if d["hark"]["id"] == t.id)
    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert (
        doc["type"] == "Annotation"
        and doc["id"] == f"urn:uuid:{t.id[:8]}-{t.id[8:12]}-{t.id[12:16]}-{t.id[16:20]}-{t.id[20:]}"
    )
    assert doc["motivation"] == "commenting"
    assert doc["body"] == [
        {"type": "TextualBody", "value": "Why twice? #tides", "format": "text/plain", "purpose": "commenting"},
        {"type": "TextualBody", "value": "physics", "purpose": "tagging"},
        {"type": "TextualBody", "value": "tides", "purpose": "tagging"},
    ]
    assert doc["target"] == {
        "source": "https://www.youtube.com/watch?v=abc123XYZ",
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": "Today we talk about tides and why they come twice a day.",
                "prefix": "Hello and welcome to Low Water. ",
                "suffix": " The moon pulls the ocean toward",
            },
            {"type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/", "value": "t=9,15"},
        ],
    }
    with Library(resolve().library) as lib:
        sha = lib.info(t.transcript_id).sha256
    assert doc["hark"] == {
        "id": t.id,
        "transcript_title": "Tides and the Moon",
        "source_sha256": sha,
        "segments": [1, 1],
        "status": "anchored",
        "color": "yellow",
        "author": t.author,
        "created": t.created,
        "updated": t.updated,
    }
    plain = next(d for d in docs if d["hark"]["id"] == annotated["story"].id)
    assert plain["motivation"] == "highlighting" and "body" not in plain and plain["hark"]["color"] == "pink"
    # stdout when no -o, the same text
    code, out, _ = run(capsys, "annotations", "export", "--format", "json")
    assert json.loads(out) == docs


def test_import_twice_changes_nothing(annotated, capsys, tmp_path):
    f = tmp_path / "notes.json"
    run(capsys, "annotations", "export", "--format", "json", "-o", str(f))
    _, before, _ = run(capsys, "annotations", "--json")
    code, out, _ = run(capsys, "annotations", "import", str(f))
    assert code == 0 and out == "0 imported, 0 updated, 4 unchanged\n"
    with Library(resolve().library) as lib:
        A.delete(lib, annotated["log"].id)
    code, out, _ = run(capsys, "annotations", "import", str(f))
    assert out == "1 imported, 0 updated, 3 unchanged (1 anchored, 0 moved, 0 orphaned)\n"
    code, out, _ = run(capsys, "annotations", "import", str(f))
    assert out == "0 imported, 0 updated, 4 unchanged\n"
    _, after, _ = run(capsys, "annotations", "--json")
    assert json.loads(after) == json.loads(before)


def test_import_takes_a_later_edit_of_the_same_annotation(annotated, capsys, tmp_path):
    f = tmp_path / "notes.json"
    run(capsys, "annotations", "export", "--format", "json", "-o", str(f))
    docs = json.loads(f.read_text())
    doc = next(d for d in docs if d["hark"]["id"] == annotated["story"].id)
    doc["hark"]["updated"] = "2999-01-01T00:00:00+00:00"
    doc["hark"]["color"] = "green"
    doc["body"] = [{"type": "TextualBody", "value": "edited elsewhere #later", "purpose": "commenting"}]
    f.write_text(json.dumps(docs))
    code, out, _ = run(capsys, "annotations", "import", str(f))
    assert out == "0 imported, 1 updated, 3 unchanged\n"
    with Library(resolve().library) as lib:
        got = A.get(lib, annotated["story"].id)
    assert (got.note, got.tags, got.color, got.quote) == ("edited elsewhere #later", ["later"], "green", got.quote)


def test_export_import_elsewhere_export_again_is_the_same(annotated, capsys, files, tmp_path):
    first_json = tmp_path / "a.json"
    run(capsys, "annotations", "export", "--format", "json", "-o", str(first_json))
    _, first_md, _ = run(capsys, "annotations", "export")
    _, first_list, _ = run(capsys, "annotations", "--json")
    # another home, the same files imported in another order (other ids)
    other = tmp_path / "other-home"
    code, _, _ = run(capsys, "--home", str(other), "import", *(str(p) for p in reversed(list(files.values()))))
    assert code == 0
    assert _ids(capsys, other) != _ids(capsys)
    code, out, _ = run(capsys, "--home", str(other), "annotations", "import", str(first_json))
    assert out == "4 imported, 0 updated, 0 unchanged (4 anchored, 0 moved, 0 orphaned)\n"
    _, again, _ = run(capsys, "--home", str(other), "annotations", "export", "--format", "json")
    assert json.loads(again) == json.loads(first_json.read_text())
    _, again_md, _ = run(capsys, "--home", str(other), "annotations", "export")
    assert again_md == first_md
    _, again_list, _ = run(capsys, "--home", str(other), "annotations", "--json")

    def key(rows):
        return sorted((r | {"transcript_id": None} for r in json.loads(rows)), key=lambda r: r["id"])

    assert key(again_list) == key(first_list)


def test_import_into_an_edited_copy_matches_by_title_and_keeps_the_lost(annotated, capsys, tmp_path):
    f = tmp_path / "a.json"
    run(capsys, "annotations", "export", "--format", "json", "-o", str(f))
    other = tmp_path / "other-home"
    edited = tmp_path / "edited" / "talk.md"
    edited.parent.mkdir()
    edited.write_text(
        TALK.replace("- [00:04] Hello and welcome to Low Water.\n", "- [00:02] Hi.\n- [00:04] Hello and welcome.\n")
        .replace("- [01:02:03] And that is the whole story, more or less.\n", "")
        .replace("The moon pulls", "The Moon pulls")
    )
    run(capsys, "--home", str(other), "import", str(edited))
    code, out, _ = run(capsys, "--home", str(other), "annotations", "import", str(f))
    # matched by title; the deleted line and the transcripts that are not there: orphaned, kept
    assert out == "4 imported, 0 updated, 0 unchanged (0 anchored, 1 moved, 3 orphaned)\n"
    _, rows, _ = run(capsys, "--home", str(other), "annotations", "--json")
    by_id = {r["id"]: r for r in json.loads(rows)}
    tides = by_id[annotated["tides"].id]
    assert (tides["status"], tides["start"], tides["transcript_id"]) == ("moved", 9.0, 1)
    assert by_id[annotated["story"].id]["status"] == "orphaned" and by_id[annotated["story"].id]["transcript_id"] == 1
    log = by_id[annotated["log"].id]
    assert (log["status"], log["transcript_id"], log["note"]) == (
        "orphaned",
        None,
        "Find the logbooks.\nAsk the museum.",
    )
    _, md, _ = run(capsys, "--home", str(other), "annotations", "export")
    assert "## Harbour Lights, episode 12 (removed from the library)" in md


def test_import_errors_are_one_line(home, capsys, tmp_path):
    code, _, err = run(capsys, "annotations", "import", str(tmp_path / "missing.json"))
    assert code == 1 and err.startswith("hark: no such file") and err.count("\n") == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = run(capsys, "annotations", "import", str(bad))
    assert code == 1 and err.startswith(f"hark: {bad} is not a JSON annotation export") and err.count("\n") == 1
    bad.write_text('"a string"')
    code, _, err = run(capsys, "annotations", "import", str(bad))
    assert code == 1 and "not an annotation export" in err
    bad.write_text('[{"type": "Annotation"}, 3]')
    code, out, _ = run(capsys, "annotations", "import", str(bad))
    assert code == 0 and out == "0 imported, 0 updated, 0 unchanged, 2 skipped (no quote)\n"


def test_empty_library(home, capsys):
    code, out, _ = run(capsys, "annotations")
    assert code == 0 and out.startswith("No annotations yet.")
    code, out, _ = run(capsys, "annotations", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "annotations", "export")
    assert out == "# Annotations\n\nNo annotations.\n"
