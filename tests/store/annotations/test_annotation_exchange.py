"""Annotations out and in: W3C JSON import (foreign annotations, any JSON
at all), and a removed transcript's annotations staying exportable and
re-attaching when imported again."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ann_helpers import LINES, tr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hark.store import annotations as A
from hark.store.library import Library


def test_import_a_foreign_web_annotation_by_url(lib, tmp_path):
    url = "https://media.example.org/low-water/ep12.mp3"
    tid, _ = lib.save(tr(LINES, url=url), source="/a.srt", sha256="s1")
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
        lib.save(tr(LINES), source="/a.srt", sha256="s1")
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
    tid, _ = lib.save(tr(LINES, url=url), source="/a.srt", sha256="s1")
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
    tid2, _ = lib.save(tr(LINES, url=url), source="/a.srt", sha256="s1")
    A.delete(lib, a.id)
    counts = A.import_file(lib, out)
    assert counts["imported"] == 1 and counts["anchored"] == 1
    got = A.get(lib, a.id)
    assert (got.transcript_id, got.status, got.first) == (tid2, "anchored", 1)
