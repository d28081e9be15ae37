"""Annotations: creating them from segments, finding them again after a
transcript is re-imported with edits (a corrected word, split and merged
cues, a shifted timeline, deleted text), never losing one (removing a
transcript, random edits, a process killed mid-save), and the exports."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hark.store import annotations as A
from hark.store.importer import import_paths
from hark.store.library import MIGRATIONS, SCHEMA_VERSION, Library
from hark.store.model import Segment, Transcript

ROOT = Path(__file__).resolve().parent.parent.parent

LINES = [
    "Welcome back to Low Water, the show about the edge of the sea.",
    "Today we talk about tides and why they come twice a day.",
    "The moon pulls the ocean toward it, and the earth is pulled too.",
    "So there is a bulge on the near side and one on the far side.",
    "Thank you.",
    "Now, the sun does the same thing, only more weakly.",
    "When sun and moon line up, we get the big spring tides.",
    "Thank you.",
    "That is all for this week.",
]


def _srt(lines: list[str], *, shift: float = 0.0, step: float = 4.0) -> str:
    def ts(x: float) -> str:
        ms = round(x * 1000)
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    out = []
    for i, text in enumerate(lines):
        start = shift + i * step
        out.append(f"{i + 1}\n{ts(start)} --> {ts(start + step - 0.5)}\n{text}\n")
    return "\n".join(out)


def _tr(lines: list[str], *, shift: float = 0.0, title: str = "Low Water", url: str | None = None) -> Transcript:
    segs = [Segment(start=shift + i * 4.0, end=shift + i * 4.0 + 3.5, text=t) for i, t in enumerate(lines)]
    meta = {"url": url} if url else {}
    return Transcript(title=title, format="srt", segments=segs, metadata=meta).finish()


@pytest.fixture
def lib(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        yield lib


def _import(lib: Library, path: Path, lines: list[str], **kw) -> int:
    path.write_text(_srt(lines, **kw))
    report = import_paths(lib, [path])
    assert not report.failed
    return report.changed[0] if report.changed else report.unchanged[0]


# -- creating, editing, deleting ----------------------------------------------------


def test_create_takes_quote_context_and_times_from_the_segments(lib):
    tid, _ = lib.save(_tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 1, 2, note="the heart of it #tides", tags=["physics", "#Tides"], color="green")
    assert len(a.id) == 32 and int(a.id, 16) >= 0
    assert (a.transcript_id, a.first, a.last, a.start, a.end) == (tid, 1, 2, 4.0, 11.5)
    assert a.quote == LINES[1] + " " + LINES[2]
    # ~32 characters either side, across segment boundaries
    assert a.prefix == (LINES[0] + " ")[-32:]
    assert a.suffix == (" " + LINES[3])[:32]
    assert a.tags == ["physics", "Tides"]  # the note's #tides is the same tag
    assert (a.color, a.status, a.source_sha256, a.transcript_title) == ("green", "anchored", "s1", "Low Water")
    assert a.author == (os.environ.get("USER") or A.current_author())
    assert a.created == a.updated and a.created.endswith("+00:00")
    assert A.get(lib, a.id) == a
    # at the edges the context is shorter
    b = A.create(lib, tid, 0, 0)
    assert b.prefix == "" and b.quote == LINES[0] and b.tags == [] and b.color == "yellow"
    c = A.create(lib, tid, 8, 8)
    assert c.suffix == "" and c.prefix == "he big spring tides. Thank you. "
    assert [x.id for x in A.list_annotations(lib)] == [b.id, a.id, c.id]


def test_create_refuses_bad_spans_and_colours(lib):
    tid, _ = lib.save(_tr(LINES), source="/a.srt", sha256="s1")
    with pytest.raises(A.AnnotationError, match="colour"):
        A.create(lib, tid, 0, 0, color="red")
    with pytest.raises(A.AnnotationError, match="0..8"):
        A.create(lib, tid, 5, 9)
    with pytest.raises(A.AnnotationError, match="no transcript"):
        A.create(lib, tid + 1, 0, 0)
    assert A.list_annotations(lib) == []


def test_hashtags():
    assert A.hashtags("see #tides and #Moon-phase, not C# or &#39; or x.org/#frag or #1") == ["tides", "Moon-phase"]
    assert A.hashtags("#a #A #b-") == ["a", "b"]
    assert A.normalize_tags(["#x", " two  words ", "X", ""]) == ["x", "two words"]


def test_update_note_tags_colour(lib):
    tid, _ = lib.save(_tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 3, 3, note="far side #bulge", tags=["moon"])
    assert a.tags == ["moon", "bulge"]
    b = A.update(lib, a.id, note="far side, see also #gravity")
    # explicit tags kept, the note's #tags follow the note
    assert b.tags == ["moon", "gravity"] and b.note == "far side, see also #gravity"
    c = A.update(lib, a.id, tags=["x"], color="pink")
    assert c.tags == ["x", "gravity"] and c.color == "pink"
    assert A.update(lib, a.id, color="pink").updated == c.updated  # no change, no new time
    with pytest.raises(A.AnnotationError):
        A.update(lib, a.id, color="mauve")
    assert A.update(lib, "0" * 32, note="x") is None
    got = A.get(lib, a.id)
    assert (got.note, got.tags, got.color, got.quote) == (c.note, c.tags, "pink", LINES[3])


def test_delete_and_undo(lib):
    tid, _ = lib.save(_tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 2, 3, note="keep me")
    gone = A.delete(lib, a.id)
    assert gone == a and A.get(lib, a.id) is None
    assert A.delete(lib, a.id) is None
    assert A.restore(lib, gone) == a
    assert A.get(lib, a.id) == a


def test_undo_after_the_transcript_changed_or_went(lib):
    tid, _ = lib.save(_tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 5, 5)
    gone = A.delete(lib, a.id)
    lib.save(_tr(["A new first line."] + LINES), source="/a.srt", sha256="s2")
    back = A.restore(lib, gone)
    assert (back.first, back.start, back.status, back.source_sha256) == (6, 24.0, "moved", "s2")
    gone = A.delete(lib, a.id)
    lib.remove(tid)
    back = A.restore(lib, gone)
    assert back.transcript_id is None and back.status == "orphaned" and back.quote == LINES[5]


def test_iter_for_index_and_counts(lib):
    tid, _ = lib.save(_tr(LINES), source="/a.srt", sha256="s1")
    other, _ = lib.save(_tr(LINES[:3], title="Other"), source="/b.srt", sha256="s2")
    a = A.create(lib, tid, 6, 6, note="spring tides #sun")
    b = A.create(lib, other, 1, 2)
    assert list(A.iter_for_index(lib)) == [
        (a.id, tid, 6, 24.0, "spring tides #sun", ["sun"]),
        (b.id, other, 1, 4.0, "", []),
    ]
    assert list(A.iter_for_index(lib, other)) == [(b.id, other, 1, 4.0, "", [])]
    assert A.count_by_transcript(lib) == {tid: 1, other: 1}


# -- re-anchoring --------------------------------------------------------------------


def test_corrected_word_is_found_fuzzily_and_moved(lib, tmp_path):
    f = tmp_path / "low-water.srt"
    tid = _import(lib, f, LINES)
    a = A.create(lib, tid, 2, 2, note="gravity")
    keep = A.create(lib, tid, 5, 5)
    edited = list(LINES)
    edited[2] = "The moon pulls the oceans toward it, and the Earth is pulled too."
    assert _import(lib, f, edited) == tid  # updated in place: the importer re-anchors
    got = A.get(lib, a.id)
    assert (got.status, got.first, got.last, got.start, got.end) == ("moved", 2, 2, 8.0, 11.5)
    assert got.quote == edited[2]  # the new wording
    assert got.note == "gravity" and got.id == a.id and got.created == a.created
    assert got.source_sha256 != a.source_sha256
    assert A.get(lib, keep.id).status == "anchored"


def test_split_and_merged_cues(lib, tmp_path):
    f = tmp_path / "low-water.srt"
    tid = _import(lib, f, LINES)
    one = A.create(lib, tid, 1, 1)  # will be split in two
    two = A.create(lib, tid, 3, 3)  # will be merged with the next
    span = A.create(lib, tid, 5, 6)
    edited = [
        LINES[0],
        "Today we talk about tides",
        "and why they come twice a day.",
        LINES[2],
        LINES[3] + " " + LINES[4],
        *LINES[5:],
    ]
    _import(lib, f, edited)
    got = A.get(lib, one.id)
    assert (got.status, got.first, got.last, got.start, got.end, got.quote) == ("moved", 1, 2, 4.0, 11.5, LINES[1])
    got = A.get(lib, two.id)
    # inside the merged cue: the quote stays the words that were annotated
    assert (got.status, got.first, got.last, got.start, got.quote) == ("moved", 4, 4, 16.0, LINES[3])
    got = A.get(lib, span.id)
    assert (got.status, got.first, got.last, got.start, got.end) == ("anchored", 5, 6, 20.0, 27.5)
    # merging back: the split one is whole again
    assert A.reanchor(lib, tid) == {"anchored": 3, "moved": 0, "orphaned": 0}
    _import(lib, f, LINES)
    got = A.get(lib, one.id)
    assert (got.first, got.last, got.quote, got.status) == (1, 1, LINES[1], "moved")


def test_shifted_timeline_stays_anchored_with_new_times(lib, tmp_path):
    f = tmp_path / "low-water.srt"
    tid = _import(lib, f, LINES)
    a = A.create(lib, tid, 4, 6)
    _import(lib, f, LINES, shift=12.25)
    got = A.get(lib, a.id)
    assert (got.status, got.first, got.last, got.start, got.end) == ("anchored", 4, 6, 28.25, 39.75)
    assert (got.quote, got.prefix, got.suffix) == (a.quote, a.prefix, a.suffix)


def test_deleted_text_is_orphaned_and_kept(lib, tmp_path):
    f = tmp_path / "low-water.srt"
    tid = _import(lib, f, LINES)
    doomed = A.create(lib, tid, 5, 5, note="the sun's part")
    after = A.create(lib, tid, 6, 6)
    edited = LINES[:5] + LINES[6:]
    _import(lib, f, edited)
    got = A.get(lib, doomed.id)
    assert got.status == "orphaned"
    # kept whole: quote, note, last known place
    assert (got.quote, got.note, got.first, got.start, got.transcript_id) == (LINES[5], "the sun's part", 5, 20.0, tid)
    got = A.get(lib, after.id)
    assert (got.status, got.first, got.start) == ("moved", 5, 20.0)
    assert A.list_annotations(lib, tid, include_orphaned=False) == [got]
    md = A.export_markdown(lib)
    assert "> " + LINES[5] in md and "orphaned: not found in the current transcript" in md
    # the text comes back: so does the annotation
    _import(lib, f, LINES)
    assert A.get(lib, doomed.id).status == "anchored"


def test_repeated_quote_is_told_apart_by_context_and_time(lib, tmp_path):
    f = tmp_path / "low-water.srt"
    tid = _import(lib, f, LINES)
    first = A.create(lib, tid, 4, 4)  # "Thank you." after the bulge
    second = A.create(lib, tid, 7, 7)  # "Thank you." after the spring tides
    assert first.quote == second.quote == "Thank you."
    edited = ["Thank you.", "A word from our sponsor."] + LINES
    _import(lib, f, edited)
    a, b = A.get(lib, first.id), A.get(lib, second.id)
    assert (a.status, a.first, b.status, b.first) == ("moved", 6, "moved", 9)
    assert a.prefix.endswith("one on the far side. ") and b.prefix.endswith("the big spring tides. ")


def test_reanchor_is_idempotent_and_counts(lib):
    tid, _ = lib.save(_tr(LINES), source="/a.srt", sha256="s1")
    for i in range(4):
        A.create(lib, tid, i, i + 1)
    assert A.reanchor(lib, tid) == {"anchored": 4, "moved": 0, "orphaned": 0}
    before = A.list_annotations(lib)
    assert A.reanchor(lib, tid) == {"anchored": 4, "moved": 0, "orphaned": 0}
    assert A.list_annotations(lib) == before
    assert A.reanchor(lib, tid + 5) == {"anchored": 0, "moved": 0, "orphaned": 0}


def test_long_transcript_fuzzy_match_is_quick(lib):
    import random
    import time

    rng = random.Random(7)
    common = "the a of and to in is that it we you they was for on".split()
    rare = [f"w{i}" for i in range(3000)]
    lines = [
        " ".join(rng.choice(common) if rng.random() < 0.45 else rng.choice(rare) for _ in range(rng.randint(6, 14)))
        for _ in range(3000)
    ]
    tid, _ = lib.save(_tr(lines), source="/long.srt", sha256="s1")
    anns = [A.create(lib, tid, i, i + 1) for i in (100, 1500, 2900)]
    edited = list(lines)
    for i in (100, 1500, 2900):  # a word corrected in each, and a line added before
        words = edited[i].split()
        words[len(words) // 2] = "corrected"
        edited[i] = " ".join(words)
    lib.save(_tr(["An intro."] + edited), source="/long.srt", sha256="s2")
    t0 = time.perf_counter()
    counts = A.reanchor(lib, tid)
    assert time.perf_counter() - t0 < 5  # ~0.1 s here
    assert counts == {"anchored": 0, "moved": 3, "orphaned": 0}
    assert [(A.get(lib, a.id).first, A.get(lib, a.id).last) for a in anns] == [(101, 102), (1501, 1502), (2901, 2902)]


def test_a_quote_is_not_found_inside_another_word(lib):
    tid, _ = lib.save(_tr(["Did you play the piano.", "No.", "Never."]), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 1, 1)
    lib.save(_tr(["Did you play the piano.", "Never."]), source="/a.srt", sha256="s2")
    assert A.reanchor(lib, tid) == {"anchored": 0, "moved": 0, "orphaned": 1}
    assert A.get(lib, a.id).quote == "No."


def test_import_a_foreign_web_annotation_by_url(lib, tmp_path):
    url = "https://media.example.org/low-water/ep12.mp3"
    tid, _ = lib.save(_tr(LINES, url=url), source="/a.srt", sha256="s1")
    doc = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "urn:uuid:0b9c7c36-4c50-4d6b-8c59-1f2a0f7d9a11",
        "type": "Annotation",
        "creator": {"type": "Person", "name": "Ada"},
        "bodyValue": "Spring tides! #sun",
        "target": {
            "source": url,
            "selector": {"type": "TextQuoteSelector", "exact": "we get the big  spring tides."},
        },
    }
    f = tmp_path / "foreign.json"
    f.write_text(json.dumps(doc))
    counts = A.import_file(lib, f)
    assert (counts["imported"], counts["moved"]) == (1, 1)
    a = A.get(lib, "0b9c7c364c504d6b8c591f2a0f7d9a11")
    assert (a.transcript_id, a.first, a.start, a.quote) == (tid, 6, 24.0, "we get the big spring tides.")
    assert (a.note, a.tags, a.author, a.color) == ("Spring tides! #sun", ["sun"], "Ada", "yellow")
    assert A.import_file(lib, f)["unchanged"] == 1
    # an AnnotationCollection of the same is read too
    f.write_text(json.dumps({"type": "AnnotationCollection", "first": {"type": "AnnotationPage", "items": [doc]}}))
    assert A.import_file(lib, f)["unchanged"] == 1


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["type", "target", "selector", "exact", "hark", "id", "body", "segments", "value", "items", "first"]
            )
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_json_values)
def test_import_of_any_json_gives_counts_or_a_clear_error(doc):
    with tempfile.TemporaryDirectory() as d, Library(Path(d) / "lib.sqlite3") as lib:
        lib.save(_tr(LINES), source="/a.srt", sha256="s1")
        f = Path(d) / "x.json"
        f.write_text(json.dumps(doc))
        try:
            counts = A.import_file(lib, f)
        except A.AnnotationError:
            return
        assert counts["imported"] == len(A.list_annotations(lib))


# -- never lost -----------------------------------------------------------------------


def test_removing_a_transcript_keeps_its_annotations_exportable(lib, tmp_path):
    url = "https://media.example.org/low-water/ep12.mp3"
    tid, _ = lib.save(_tr(LINES, url=url), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 1, 1, note="why twice #tides")
    assert lib.remove(tid)
    got = A.get(lib, a.id)
    assert got.transcript_id is None and got.status == "orphaned"
    assert (got.quote, got.note, got.source_sha256, got.transcript_title) == (LINES[1], a.note, "s1", "Low Water")
    md = A.export_markdown(lib)
    assert "## Low Water (removed from the library)" in md and "> " + LINES[1] in md
    (doc,) = json.loads(A.export_json(lib))
    assert doc["hark"]["source_sha256"] == "s1" and doc["target"]["source"] == "urn:sha256:s1"
    # the transcript comes back (same file): importing the export re-attaches
    out = tmp_path / "export.json"
    out.write_text(A.export_json(lib))
    tid2, _ = lib.save(_tr(LINES, url=url), source="/a.srt", sha256="s1")
    A.delete(lib, a.id)
    counts = A.import_file(lib, out)
    assert counts["imported"] == 1 and counts["anchored"] == 1
    got = A.get(lib, a.id)
    assert (got.transcript_id, got.status, got.first) == (tid2, "anchored", 1)


def test_migration_adds_annotations_to_an_old_library(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO transcripts (title, format, timing, source, sha256, imported, updated) "
        "VALUES ('Old', 'srt', 'exact', '/old.srt', 'x', 'now', 'now')"
    )
    db.commit()
    db.close()
    with Library(path) as lib:
        assert lib.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
        assert lib.info(1).title == "Old"
        assert A.list_annotations(lib) == []


def test_a_second_session_sees_a_new_annotation(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as one, Library(tmp_path / "lib.sqlite3") as two:
        tid, _ = one.save(_tr(LINES), source="/a.srt", sha256="s1")
        seen = two.data_version()
        a = A.create(one, tid, 0, 0, note="hello")
        assert two.data_version() != seen
        assert A.get(two, a.id) == a


# Random edits to a transcript never lose an annotation record.

_VOCAB = ["tide", "moon", "sea", "the", "and", "water", "salt", "wave", "night", "sand", "Thank", "you."]
_segments = st.lists(st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=8), min_size=1, max_size=14)
_edit = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 99), st.integers(0, 99), st.sampled_from(_VOCAB + ["new"])),
    st.tuples(st.just("delete"), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("replace"), st.integers(0, 99), st.integers(0, 99), st.sampled_from(_VOCAB + ["other"])),
    st.tuples(st.just("split"), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("merge"), st.integers(0, 99)),
    st.tuples(st.just("shift"), st.floats(-3, 30, allow_nan=False)),
    st.tuples(st.just("drop"), st.integers(0, 99)),
)


def _apply(segs: list[list[str]], shift: float, edit: tuple) -> tuple[list[list[str]], float]:
    segs = [list(s) for s in segs]
    op = edit[0]
    if op == "shift":
        return segs, max(0.0, shift + edit[1])
    if not segs:
        return segs, shift
    i = edit[1] % len(segs)
    if op == "insert":
        segs[i].insert(edit[2] % (len(segs[i]) + 1), edit[3])
    elif op == "delete":
        del segs[i][edit[2] % len(segs[i])]
    elif op == "replace":
        segs[i][edit[2] % len(segs[i])] = edit[3]
    elif op == "split" and len(segs[i]) > 1:
        at = 1 + edit[2] % (len(segs[i]) - 1)
        segs[i : i + 1] = [segs[i][:at], segs[i][at:]]
    elif op == "merge" and i + 1 < len(segs):
        segs[i : i + 2] = [segs[i] + segs[i + 1]]
    elif op == "drop":
        del segs[i]
    return [s for s in segs if s], shift


def _transcript(segs: list[list[str]], shift: float) -> Transcript:
    return Transcript(
        title="Random",
        format="srt",
        segments=[Segment(start=shift + 2 * i, end=shift + 2 * i + 1.5, text=" ".join(s)) for i, s in enumerate(segs)],
    ).finish()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=_segments,
    spans=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 3)), min_size=1, max_size=5),
    rounds=st.lists(st.lists(_edit, min_size=1, max_size=6), min_size=1, max_size=3),
)
def test_random_edits_never_lose_an_annotation(base, spans, rounds):
    with tempfile.TemporaryDirectory() as d, Library(Path(d) / "lib.sqlite3") as lib:
        segs, shift = base, 0.0
        tid, _ = lib.save(_transcript(segs, shift), source="/r.srt", sha256="v0")
        made = {}
        for first, extra in spans:
            first %= len(segs)
            last = min(len(segs) - 1, first + extra)
            a = A.create(lib, tid, first, last, note=f"note {first}", tags=[f"t{extra}"])
            made[a.id] = a
        for n, edits in enumerate(rounds, 1):
            for e in edits:
                segs, shift = _apply(segs, shift, e)
            if not segs:
                segs = [["silence"]]
            t = _transcript(segs, shift)
            assert lib.save(t, source="/r.srt", sha256=f"v{n}")[1] == "updated"
            counts = A.reanchor(lib, tid)
            assert sum(counts.values()) == len(made)
            got = {a.id: a for a in A.list_annotations(lib)}
            assert set(got) == set(made)
            stored = lib.segments(tid)
            for aid, a in got.items():
                old = made[aid]
                assert (a.note, a.tags, a.color, a.created, a.author) == (
                    old.note,
                    old.tags,
                    old.color,
                    old.created,
                    old.author,
                )
                assert a.status in A.STATUSES and a.quote
                if a.status != "orphaned":
                    assert 0 <= a.first <= a.last < len(stored)
                    span = " ".join(" ".join(s.text.split()) for s in stored[a.first : a.last + 1])
                    assert a.quote in span
                    assert a.start == stored[a.first].start
                    assert a.end == max(s.end for s in stored[a.first : a.last + 1])
        assert lib.integrity_check() == "ok"


# -- a process killed while saving ------------------------------------------------------

_CHILD = """
import sys
from hark.store import annotations as A
from hark.store.library import Library

lib = Library(sys.argv[1])
tid = int(sys.argv[2])
i = 0
while True:
    a = A.create(lib, tid, i % 9, i % 9, note=f"note {i} #n{i}")
    print(a.id, flush=True)
    i += 1
"""


def test_killed_mid_save_leaves_the_library_intact_with_every_committed_annotation(tmp_path):
    path = tmp_path / "lib.sqlite3"
    with Library(path) as lib:
        tid, _ = lib.save(_tr(LINES), source="/a.srt", sha256="s1")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), str(tid)], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    committed: list[str] = []
    try:
        while len(committed) < 300:
            line = child.stdout.readline()
            assert line, "the child stopped early"
            committed.append(line.strip())
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    # What it printed before it died (read through the same buffered pipe:
    # communicate() would skip what readline() already buffered).
    committed += child.stdout.read().split()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    with Library(path) as lib:
        assert lib.integrity_check() == "ok"
        have = {a.id: a for a in A.list_annotations(lib)}
        assert set(committed) <= set(have)
        # at most the one being written when killed is extra, and it is whole
        assert len(have) - len(committed) in (0, 1)
        for a in have.values():
            assert a.quote in LINES and a.note.startswith("note ") and len(a.tags) == 1
