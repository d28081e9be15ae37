"""Notes out (hark.store.annotations.outbound): Readwise's CSV, and an
Obsidian folder that a second export updates in place, leaving what the
user wrote alone."""

from __future__ import annotations

import csv
import io
import os

import pytest
from ann_helpers import LINES, tr

from hark.store import annotations as A
from hark.store.annotations import outbound as O
from hark.store.model import Segment, Transcript

URL = "https://www.youtube.com/watch?v=abc123XYZ00"


def _diarized() -> Transcript:
    segs = [
        Segment(start=i * 4.0, end=i * 4.0 + 3.5, text=t, speaker="SPEAKER_00" if i % 2 == 0 else "SPEAKER_01")
        for i, t in enumerate(LINES)
    ]
    return Transcript(title="low-water-ep3", format="vtt", segments=segs, metadata={"url": URL}).finish()


@pytest.fixture
def talk(lib) -> int:
    tid, _ = lib.save(_diarized(), source="/t/low-water.vtt", sha256="s1")
    return tid


def _read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


# -- Readwise -------------------------------------------------------------------------


def test_readwise_csv_has_exactly_readwises_columns(lib, talk):
    a = A.create(lib, talk, 1, 1, note='Why "twice", a day?\nSecond line #tides', tags=["physics"])
    A.create(lib, talk, 6, 7, color="green")
    lib.rename(talk, "Low Water, episode 3")
    lib.name_speakers(talk, {"SPEAKER_01": "Ann Lee"})
    fields, rows = _read_csv(O.export_readwise(lib))
    assert fields == ["Highlight", "Title", "Author", "URL", "Note", "Location", "Date"]
    assert [list(r) for r in rows] == [fields, fields]
    first = rows[0]
    assert first["Highlight"] == LINES[1]
    assert first["Title"] == "Low Water, episode 3"  # the user's title
    assert first["Author"] == "Ann Lee"  # the named speaker; SPEAKER_00 is nobody's name
    assert first["URL"] == URL
    assert first["Note"] == 'Why "twice", a day?\nSecond line #tides\n\n#physics'
    assert first["Location"] == "4"  # the time, in whole seconds
    assert first["Date"] == a.created.replace("T", " ")[:19]
    assert rows[1]["Location"] == "24" and rows[1]["Note"] == ""


def test_readwise_author_falls_back_to_the_files_author_never_a_placeholder(lib):
    t = tr(LINES, title="Plain")
    t.metadata.update({"channel": "Harbour Radio"})
    tid, _ = lib.save(t, source="/t/plain.srt", sha256="p")
    A.create(lib, tid, 0, 0)
    assert _read_csv(O.export_readwise(lib))[1][0]["Author"] == "Harbour Radio"
    t2 = tr(LINES, title="Other")
    t2.metadata.update({"placeholders": {"channel": "Unknown"}})
    tid2, _ = lib.save(t2, source="/t/other.srt", sha256="q")
    A.create(lib, tid2, 0, 0)
    rows = _read_csv(O.export_readwise(lib, tid2))[1]
    assert rows[0]["Author"] == ""


def test_readwise_with_nothing_is_the_header_alone(lib):
    assert _read_csv(O.export_readwise(lib)) == (list(O.READWISE_COLUMNS), [])


# -- Obsidian -------------------------------------------------------------------------


def test_obsidian_note_per_transcript_with_block_ids(lib, talk, tmp_path):
    a = A.create(lib, talk, 1, 1, note="first thought #tides")
    b = A.create(lib, talk, 4, 5, color="pink")
    lib.name_speakers(talk, {"SPEAKER_01": "Ann Lee"})
    r = O.export_obsidian(lib, tmp_path / "vault")
    assert [p.name for p in r.created] == ["low-water-ep3.md"] and r.highlights == 2
    text = r.created[0].read_text()
    assert text.startswith('---\ntitle: "low-water-ep3"\nspeakers: ["SPEAKER_00", "Ann Lee"]\n')
    assert f'url: "{URL}"\nhark_transcript: "{talk}"\n---\n' in text
    assert f"> [!quote] [0:04]({URL}&t=4s) · Ann Lee\n> {LINES[1]}\n>\n> first thought #tides\n>\n" in text
    assert f"\n^hark-{a.id}\n" in text and f"\n^hark-{b.id}\n" in text
    assert "> pink · " in text and text.index(a.id) < text.index(b.id)
    assert oct(os.stat(r.created[0]).st_mode & 0o777) == "0o600"


def test_obsidian_twice_keeps_the_users_line_and_changes_nothing_else(lib, talk, tmp_path):
    A.create(lib, talk, 1, 1, note="first")
    A.create(lib, talk, 4, 4, note="second")
    A.create(lib, talk, 7, 7)
    vault = tmp_path / "vault"
    note = O.export_obsidian(lib, vault).created[0]
    first = note.read_text()
    # The user writes between two highlights, at the end, and in the front matter.
    blocks = first.split("\n\n> [!quote]")
    mine = blocks[0] + "\n\nMy own line, between the first two.\n\n> [!quote]" + "\n\n> [!quote]".join(blocks[1:])
    mine = mine.replace("---\n\n", "---\n\nWritten above everything.\n\n", 1)
    mine = mine.replace('hark_transcript: "', 'tags:\n  - listening\nhark_transcript: "', 1)
    mine += "\nThe last word is mine.\n"
    note.write_text(mine)
    stamp = note.stat().st_mtime_ns
    r = O.export_obsidian(lib, vault)
    assert r.unchanged == [note] and not r.updated and not r.created
    assert note.read_text() == mine and note.stat().st_mtime_ns == stamp  # not even rewritten


def test_obsidian_again_updates_blocks_in_place(lib, talk, tmp_path):
    a = A.create(lib, talk, 1, 1, note="first")
    gone = A.create(lib, talk, 4, 4, note="second")
    A.create(lib, talk, 7, 7)
    vault = tmp_path / "vault"
    note = O.export_obsidian(lib, vault).created[0]
    text = note.read_text()
    mine = text.replace(f"^hark-{a.id}\n", f"^hark-{a.id}\n\nMy line after the first.\n", 1)
    note.write_text(mine)
    # Meanwhile in hark: a note edited, one deleted, one added before all, the title and a speaker renamed.
    A.update(lib, a.id, note="first, edited")
    A.delete(lib, gone.id)
    early = A.create(lib, talk, 0, 0, note="earliest")
    lib.rename(talk, "Low Water 3")
    lib.name_speakers(talk, {"SPEAKER_00": "Ben Ito"})
    r = O.export_obsidian(lib, vault)
    assert r.updated == [note] and not r.created  # found by its front matter, whatever its name
    new = note.read_text()
    assert "My line after the first.\n" in new
    assert "first, edited" in new and "second" not in new and gone.id not in new
    assert new.index(early.id) < new.index(a.id) < new.index("My line after the first.")
    assert 'title: "Low Water 3"' in new and '"Ben Ito"' in new
    assert "· Ben Ito\n> " + LINES[0] in new
    assert "\n\n\n" not in new  # a deleted block takes its blank line with it
    # and again: nothing moves
    assert O.export_obsidian(lib, vault).unchanged == [note]


def test_obsidian_names_files_apart_and_keeps_removed_transcripts_notes(lib, tmp_path):
    one, _ = lib.save(tr(LINES, title="example"), source="/a/example.srt", sha256="x1")
    two, _ = lib.save(tr(LINES[:5], title="example"), source="/b/example.srt", sha256="x2")
    A.create(lib, one, 0, 0)
    A.create(lib, two, 1, 1)
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "mine.md").write_text("# my own note\n")
    r = O.export_obsidian(lib, vault)
    assert sorted(p.name for p in r.created) == ["example (2).md", "example.md"]
    lib.remove(two)
    r = O.export_obsidian(lib, vault)
    # the removed transcript's highlight goes to a note of its own; nothing is deleted
    assert [p.name for p in r.created] == ["example (removed-x2).md"]
    assert "orphaned" in r.created[0].read_text()
    assert (vault / "mine.md").read_text() == "# my own note\n"


def test_obsidian_only_one_transcript_and_a_file_in_the_way(lib, talk, tmp_path):
    other, _ = lib.save(tr(LINES, title="Other"), source="/t/o.srt", sha256="o")
    A.create(lib, talk, 0, 0)
    A.create(lib, other, 0, 0)
    r = O.export_obsidian(lib, tmp_path / "v", talk)
    assert [p.name for p in r.created] == ["low-water-ep3.md"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(A.AnnotationError, match="is not a folder"):
        O.export_obsidian(lib, tmp_path / "file")


def test_front_matter_merge_keeps_the_users_keys():
    old = ['title: "Old"', "tags:", "  - mine", "# a comment", 'url: "gone"', "aliases: [x]"]
    assert O._merge_front(old, {"title": "New", "hark_transcript": "3"}) == [
        'title: "New"',
        "tags:",
        "  - mine",
        "# a comment",
        "aliases: [x]",
        'hark_transcript: "3"',
    ]


def test_a_speaker_rename_shows_in_the_markdown_and_w3c_exports(lib, talk):
    A.create(lib, talk, 0, 0, note="first")
    before = A.export_markdown(lib)
    assert "Ann Lee" not in before
    lib.name_speakers(talk, {"SPEAKER_00": "Ann Lee"})
    md = A.export_markdown(lib)
    assert "· Ann Lee" in md
    assert md.replace(" · Ann Lee", "") == before.replace(" · SPEAKER_00", "")
    doc = A.w3c_annotations(lib)[0]
    assert doc["hark"]["speaker"] == "Ann Lee"
