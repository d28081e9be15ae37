"""The library's annotation rows (hark.store.library.annotation_rows): each
change that needs several statements runs them in one transaction, a
callback that raises leaves nothing behind, and the compare-and-write of a
re-anchoring never overwrites what another session did meanwhile."""

from __future__ import annotations

from dataclasses import replace

import pytest
from ann_helpers import LINES, tr

from hark.store import annotations as A
from hark.store.library import Library
from hark.store.model import ORPHANED, Annotation


def _ann(tid: int | None, aid: str = "a" * 32, **kw) -> Annotation:
    base = Annotation(
        id=aid,
        transcript_id=tid,
        first=1,
        last=1,
        start=4.0,
        end=7.5,
        quote=LINES[1],
        created="2024-01-01T00:00:00+00:00",
        updated="2024-01-01T00:00:00+00:00",
        source_sha256="s1",
        transcript_title="Low Water",
    )
    return replace(base, **kw)


def test_rows_round_trip_and_a_removed_transcripts_are_orphaned(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = _ann(tid, tags=["tides", "two words"], note="n")
    lib.merge_annotations(lambda known, transcripts: ([], [a]))
    assert lib.annotation(a.id) == a and lib.annotations() == [a] and lib.annotation_counts() == {tid: 1}
    assert lib.annotations(tid + 1) == [] and lib.annotation("b" * 32) is None
    # unreadable tags read as none
    lib.write(lambda db: db.execute("UPDATE annotations SET tags = 'not json' WHERE id = ?", (a.id,)))
    assert lib.annotation(a.id).tags == []
    lib.remove(tid)
    got = lib.annotation(a.id)
    assert got.transcript_id is None and got.status == ORPHANED
    assert lib.annotation_counts() == {} and lib.annotations(include_orphaned=False) == []


def test_add_annotation_reads_and_inserts_in_one_transaction(lib, tmp_path):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    seen = {}

    def make(info, segments):
        seen["info"] = info
        seen["span"] = [s.text for s in segments(2, 4)]
        seen["in_transaction"] = lib.db.in_transaction
        # another session cannot write meanwhile: the write lock is held
        with Library(lib.path) as other:
            other.db.execute("PRAGMA busy_timeout = 0")
            with pytest.raises(Exception, match="locked"):
                other.db.execute("BEGIN IMMEDIATE")
        return _ann(info.id)

    got = lib.add_annotation(tid, make)
    assert (seen["info"].id, seen["info"].sha256, seen["info"].segment_count) == (tid, "s1", len(LINES))
    assert seen["span"] == LINES[2:5] and seen["in_transaction"]
    assert lib.annotation(got.id) == got and not lib.db.in_transaction

    # a make that raises inserts nothing; an unknown transcript gives None
    def refuse(info, segments):
        seen["unknown"] = info
        raise A.AnnotationError("no")

    with pytest.raises(A.AnnotationError):
        lib.add_annotation(tid + 1, refuse)
    assert seen["unknown"] is None and lib.annotations() == [got] and not lib.db.in_transaction


def test_edit_annotation_writes_only_a_change(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 1, 1, note="x")
    version = lib.db.total_changes
    assert lib.edit_annotation(a.id, lambda old: old) == a
    assert lib.db.total_changes == version  # nothing written
    new = lib.edit_annotation(a.id, lambda old: replace(old, note="y", tags=["t"], color="blue", updated="later"))
    assert (new.note, new.tags, new.color, new.updated) == ("y", ["t"], "blue", "later")
    assert lib.annotation(a.id) == new
    # only what a person edits is written, never the anchor
    lib.edit_annotation(a.id, lambda old: replace(old, quote="other", first=5, note="z"))
    got = lib.annotation(a.id)
    assert (got.quote, got.first, got.note) == (a.quote, a.first, "z")
    assert lib.edit_annotation("0" * 32, lambda old: pytest.fail("called")) is None


def test_delete_and_restore_annotation(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 1, 1)
    assert lib.delete_annotation(a.id) == a and lib.delete_annotation(a.id) is None
    # same text: put back as it was, without placing it again
    assert lib.restore_annotation(a, lambda *x: pytest.fail("placed")) == a
    assert lib.restore_annotation(replace(a, note="again"), lambda *x: pytest.fail("placed")).note == "again"
    assert lib.annotations() == [replace(a, note="again")]  # replaced, not added
    # changed text: placed in it (with the current row and segments)
    lib.save(tr(["New."] + LINES), source="/a.srt", sha256="s2")
    calls = []

    def place(ann, info, segments):
        calls.append((info.sha256, len(segments)))
        return replace(ann, first=2, last=2, source_sha256=info.sha256)

    back = lib.restore_annotation(a, place)
    assert calls == [("s2", len(LINES) + 1)] and (back.first, back.source_sha256) == (2, "s2")
    # gone: orphaned, transcript id cleared
    lib.remove(tid)
    back = lib.restore_annotation(a, lambda *x: pytest.fail("placed"))
    assert back.transcript_id is None and back.status == ORPHANED and lib.annotation(a.id) == back


def test_write_anchors_compares_before_writing(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 1, 1)
    b = A.create(lib, tid, 2, 2)
    moved_a = replace(a, first=3, last=3, status="moved")
    # the transcript changed since the placement: nothing written
    assert not lib.write_anchors(tid, "other", [(a, moved_a)])
    assert lib.annotation(a.id) == a
    assert not lib.write_anchors(tid + 1, "s1", [])
    # b was re-anchored by another session meanwhile: its new anchor stands
    theirs = replace(b, quote="Their quote.", first=4, last=4)
    lib.write_anchors(tid, "s1", [(b, theirs)])
    assert lib.write_anchors(tid, "s1", [(a, moved_a), (b, replace(b, first=6, last=6))])
    assert lib.annotation(a.id) == moved_a
    assert lib.annotation(b.id) == theirs


def test_merge_annotations_decides_inside_the_transaction(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 1, 1, note="old")
    fresh = _ann(tid, aid="b" * 32)

    def decide(known, transcripts):
        assert known == {a.id: a.updated} and transcripts == {tid}
        assert lib.db.in_transaction
        return [replace(a, note="newer", tags=["t"], color="pink", updated="z", quote="ignored")], [fresh]

    edits, new = lib.merge_annotations(decide)
    assert [e.id for e in edits] == [a.id] and new == [fresh]
    got = lib.annotation(a.id)
    assert (got.note, got.tags, got.color, got.updated, got.quote) == ("newer", ["t"], "pink", "z", a.quote)
    assert lib.annotation(fresh.id) == fresh

    # a decide that raises writes nothing, nor does a failing insert
    def boom(known, transcripts):
        raise A.AnnotationError("stop")

    with pytest.raises(A.AnnotationError):
        lib.merge_annotations(boom)
    before = lib.annotations()
    with pytest.raises(Exception, match="UNIQUE"):
        lib.merge_annotations(lambda k, t: ([replace(a, note="lost")], [_ann(tid, aid="c" * 32), fresh]))
    assert lib.annotations() == before and not lib.db.in_transaction


def test_annotation_snapshot(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 1, 1)
    info, segs, anns = lib.annotation_snapshot(tid)
    assert (info.id, info.sha256, [s.text for s in segs], anns) == (tid, "s1", LINES, [a])
    assert not lib.db.in_transaction
    assert lib.annotation_snapshot(tid + 1) == (None, [], [])
    # inside a transaction already: read in it, and leave it open
    lib.db.execute("BEGIN")
    try:
        assert lib.annotation_snapshot(tid)[2] == [a]
        assert lib.db.in_transaction
    finally:
        lib.db.execute("COMMIT")


def test_reanchor_starts_again_when_the_text_changes_under_it(lib, monkeypatch):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 5, 5)
    lib.save(tr(["One new line."] + LINES), source="/a.srt", sha256="s2")
    real = Library.annotation_snapshot
    snapshots = []

    def snapshot(self, t):
        got = real(self, t)
        snapshots.append(got[0].sha256)
        if len(snapshots) == 1:  # another session re-imports between snapshot and write
            with Library(lib.path) as other:
                other.save(tr(["Two", "new lines."] + LINES), source="/a.srt", sha256="s3")
        return got

    monkeypatch.setattr(Library, "annotation_snapshot", snapshot)
    assert A.reanchor(lib, tid) == {"anchored": 0, "moved": 1, "orphaned": 0}
    assert snapshots == ["s2", "s3"]
    got = lib.annotation(a.id)
    assert (got.first, got.source_sha256, got.status) == (7, "s3", "moved")


def test_commit_edit_decides_inside_the_transaction(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 1, 1, note="x")
    copy = _ann(tid, aid="c" * 32, note="theirs")
    seen = []

    def decide(stored):
        seen.append((stored, lib.db.in_transaction))
        return replace(stored, note="mine", updated="z", quote="ignored"), copy

    stored, got_copy, restored = lib.commit_edit(a.id, decide, lambda *x: pytest.fail("placed"))
    assert seen == [(a, True)] and got_copy == copy and not restored
    assert (lib.annotation(a.id).note, lib.annotation(a.id).quote) == ("mine", a.quote)  # never the anchor
    assert lib.annotation(copy.id) == copy
    # deleted meanwhile: what decide returns is put back, placed if the text changed
    lib.delete_annotation(a.id)
    lib.save(tr(["New."] + LINES), source="/a.srt", sha256="s2")
    stored, got_copy, restored = lib.commit_edit(
        a.id,
        lambda stored: (replace(a, note="back"), None),
        lambda ann, info, segments: replace(ann, first=2, last=2, source_sha256=info.sha256),
    )
    assert restored and got_copy is None and (stored.first, stored.note) == (2, "back")
    assert lib.annotation(a.id) == stored
    # a decide that raises writes nothing
    before = lib.annotations()

    def boom(stored):
        raise A.AnnotationError("stop")

    with pytest.raises(A.AnnotationError):
        lib.commit_edit(a.id, boom, lambda *x: pytest.fail("placed"))
    assert lib.annotations() == before and not lib.db.in_transaction


def test_homeless_and_salvage_on_a_healthy_library(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    kept = A.create(lib, tid, 2, 2)
    other, _ = lib.save(tr(LINES, title="Other"), source="/b.srt", sha256="s2")
    gone = A.create(lib, other, 1, 1)
    lib.remove(other)
    assert [a.id for a in lib.homeless_annotations()] == [gone.id]
    # nothing damaged: salvage reads what a listing reads, in the same order, none lost
    assert lib.salvage_annotations() == (lib.annotations(), 0)
    assert [a.id for a in lib.annotations()] == [kept.id, gone.id]
