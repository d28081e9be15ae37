"""The library's list (Library.list): ListedTranscripts, the same fields as
each transcript's own TranscriptInfo, JSON decoded only when asked for."""

from __future__ import annotations

import dataclasses
import json

import pytest

from hark.store.library import Library, TranscriptInfo
from hark.store.library import rows as library_rows
from hark.store.model import Segment, Transcript


def _t(title: str, speakers: list[str], metadata: dict | None = None) -> Transcript:
    segs = [Segment(start=i * 2.0, end=i * 2.0 + 1.5, text=f"line {i}", speaker=speakers[i % 2]) for i in range(4)]
    return Transcript(title=title, format="srt", segments=segs, metadata=metadata or {}).finish()


@pytest.fixture
def lib(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        a, _ = lib.save(
            _t("Tides", ["Ann", "Ben"], {"date": "2024-05-01", "url": "https://x"}), source="/a", sha256="a"
        )
        b, _ = lib.save(_t("Bread", ["Cy", "Cy"]), source="/b", sha256="b", size=12, mtime=3.5)
        c, _ = lib.save(_t("Late", ["Dee", "Eve"]), source="/c", sha256="c")
        lib.name_speakers(a, {"Ann": "Ann Smith"})
        lib.set_reading(b, 2, 4.5)
        pairs = [(a, c, 0.9), (c, a, 0.9), (c, b, 0.8)]  # (as copy_rows keeps them, one way each here)
        lib.write(
            lambda db: db.executemany("INSERT INTO copies (transcript_id, other_id, share) VALUES (?, ?, ?)", pairs)
        )
        yield lib


FIELDS = [f.name for f in dataclasses.fields(TranscriptInfo)]


def test_listed_fields_are_each_transcripts_own(lib):
    listed = lib.list()
    assert [t.id for t in listed] == sorted(lib.ids())
    for t in listed:
        own = lib.info(t.id)
        assert own is not None
        assert {f: getattr(t, f) for f in FIELDS} == {f: getattr(own, f) for f in FIELDS}
        assert t.to_json() == own.to_json()
        assert isinstance(t, TranscriptInfo)
    by_id = {t.id: t for t in listed}
    tides, bread, late = (by_id[i] for i in sorted(by_id))
    assert tides.metadata["date"] == "2024-05-01" and tides.speakers == ["Ann", "Ben"]
    assert (bread.position, bread.playhead, bread.opened is not None) == (2, 4.5, True)
    assert (tides.position, tides.playhead, tides.opened) == (0, 0.0, None)
    assert (bread.size, bread.mtime) == (12, 3.5)
    assert late.same_talk == [tides.id, bread.id] and tides.same_talk == [late.id] and bread.same_talk == []


def test_listing_decodes_json_only_when_asked(lib, monkeypatch):
    decoded: list[str] = []
    loads = json.loads
    monkeypatch.setattr(library_rows.json, "loads", lambda s: decoded.append(s) or loads(s))
    listed = lib.list()
    assert [t.title for t in listed] == ["Tides", "Bread", "Late"] and decoded == []
    first = listed[0]
    assert first.speakers == ["Ann", "Ben"] and len(decoded) == 1
    assert first.speakers is first.speakers and len(decoded) == 1  # decoded once
    assert first.metadata["date"] == "2024-05-01" and len(decoded) == 2
    assert first.metadata is first.metadata and len(decoded) == 2


def test_listed_rows_are_read_only_and_compare_by_value(lib):
    first = lib.list()[0]
    with pytest.raises(AttributeError):
        first.title = "Other"  # type: ignore[misc]
    assert lib.list() == lib.list()
    assert lib.list()[0] != lib.list()[1]
    assert "title='Tides'" in repr(first)
