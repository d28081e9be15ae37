"""Names on things (hark.store.names, library/name_rows.py): placeholders
are not names, files get their best default title, and the user's title
and speaker names survive a re-import and reach the search index."""

from __future__ import annotations

import json

import pytest

from hark.store import names
from hark.store.formats import parse, parse_bytes, parse_file, title_from_name
from hark.store.importer import import_paths
from hark.store.library import Library, LibraryError
from hark.store.model import Segment, Transcript
from hark.store.search import Index

# -- placeholders and labels ---------------------------------------------------------


@pytest.mark.parametrize(
    "value", [None, "", "  ", "Unknown", "UNKNOWN", "unknown speaker", "N/A", "n/a", "none", "(unknown)", "[Unknown]",
              "Speaker", "Untitled", "null", "-", "?", "TBD", "“Unknown”"]
)  # fmt: skip
def test_placeholders_are_not_names(value):
    assert names.is_placeholder(value)
    assert names.a_name(value) is None


@pytest.mark.parametrize("value", ["Ann Lee", "Unknown Pleasures", "Nadia", "SPEAKER_00", "N/A Podcast", "None of it"])
def test_names_are_names(value):
    assert not names.is_placeholder(value)
    assert names.a_name(value) == value


@pytest.mark.parametrize(
    "label", ["SPEAKER_00", "Speaker A", "speaker 1", "spk_0", "S1", "Speaker_12", "ch_0", "Guest 2"]
)
def test_diarizer_labels_are_generic(label):
    assert names.is_generic_label(label)


@pytest.mark.parametrize("label", ["Ann Lee", "Travis", "Dr. Amara Lewis", "Sam", "Speakerson"])
def test_people_are_not_generic_labels(label):
    assert not names.is_generic_label(label)


def test_choose_title_skips_placeholders_and_cuts_long_titles():
    assert names.choose_title("Unknown", "", None, "Real One", fallback="stem") == "Real One"
    assert names.choose_title("N/A", fallback="stem") == "stem"
    assert names.choose_title("x" * 1000, fallback="stem") == "x" * names.MAX_TITLE


def test_scrub_keeps_placeholders_aside_never_as_names():
    meta = {"speakers": ["Unknown", "Ann"], "speaker": "N/A", "channel": "Unknown", "title": "none", "url": "u"}
    names.scrub_metadata(meta)
    assert meta["speakers"] == ["Ann"] and "speaker" not in meta and "channel" not in meta and "title" not in meta
    assert meta["placeholders"] == {"speakers": ["Unknown"], "speaker": "N/A", "channel": "Unknown", "title": "none"}
    assert meta["url"] == "u"


# -- default titles -------------------------------------------------------------------


def _md(front: str, body: str = "- [00:01] Hello there.\n- [00:05] And more.\n") -> str:
    return f"---\n{front}\n---\n\n{body}"


def test_front_matter_speaker_unknown_is_no_speaker_and_an_unknown_title_falls_through():
    t = parse(_md('title: "Unknown"\nspeaker: "Unknown"\nchannel: N/A', "# Tides at dawn\n\n" + "- [00:01] Hi.\n"))
    assert t.title == "Tides at dawn"  # the first heading, not the placeholder
    assert "speakers" not in t.metadata and "channel" not in t.metadata
    assert t.metadata["placeholders"] == {"speakers": ["Unknown"], "channel": "N/A", "title": "Unknown"}


@pytest.mark.parametrize(
    ("text", "name", "title"),
    [
        (_md("title: Low Water"), "stem", "Low Water"),
        (_md("author: x", "# The Top\n\n- [00:01] Hi.\n- [00:02] Ho.\n"), "stem", "The Top"),
        ("## Opening words\n\n- [00:01] Hi.\n- [00:02] Ho.\n", "stem", "Opening words"),  # the heading it opens with
        ("## Transcript\n\n- [00:01] Hi.\n- [00:02] Ho.\n", "stem", "stem"),  # a part's name, not a title
        (_md("title: Untitled"), "stem", "stem"),
        ("WEBVTT - Harbour Lights, episode 12\n\n00:00.000 --> 00:02.000\nHello.\n", "stem", "Harbour Lights, episode 12"),
        ("WEBVTT\nTitle: From the header\n\n00:00.000 --> 00:02.000\nHello.\n", "stem", "From the header"),
        ("WEBVTT (a remark)\n\n00:00.000 --> 00:02.000\nHello.\n", "stem", "stem"),
        ("WEBVTT Title: On the line\n\n00:00.000 --> 00:02.000\nHello.\n", "stem", "On the line"),
        ("WEBVTT\nKind: captions\n\n00:00.000 --> 00:02.000\nHello.\n", "stem", "stem"),
        ('{"version": "1.0.0", "title": "Margins 4", "segments": [{"startTime": 0, "endTime": 1, "body": "Hi there"}]}',
         "stem", "Margins 4"),
        ('{"version": "1.0.0", "title": "N/A", "segments": [{"startTime": 0, "endTime": 1, "body": "Hi there"}]}',
         "stem", "stem"),
        ("<html><body><h1>Episode 4: Bread</h1><cite>Ann:</cite><time>0:00</time><p>Hello there.</p></body></html>",
         "stem", "Episode 4: Bread"),
        ("<html><head><title>The Page</title></head><body><h1>Other</h1><cite>Ann:</cite><time>0:00</time>"
         "<p>Hello there.</p></body></html>", "stem", "The Page"),
        ('{"text": "Hi.", "segments": [{"start": 0, "end": 1, "text": "Hi."}], "metadata": {"title": "A talk"}}',
         "stem", "A talk"),
        ('{"text": "Hi.", "segments": [{"start": 0, "end": 1, "text": "Hi."}], "title": "Top title"}',
         "stem", "Top title"),
        ('{"title": "A video", "events": [{"tStartMs": 0, "dDurationMs": 1000, "segs": [{"utf8": "Hi"}]}]}',
         "stem", "A video"),
        ("[INFORMATION]\n[TITLE]Unknown\n0:00:00.000,0:00:02.000\nHello.\n", "stem", "stem"),
    ],
)  # fmt: skip
def test_default_titles(text, name, title):
    ext = ".vtt" if text.startswith("WEBVTT") else ".sbv" if text.startswith("[INFO") else ""
    t = parse_bytes(text.encode(), name=name, ext=ext)
    assert t.title == title


def test_a_yt_dlp_file_name_gives_the_video_title():
    assert title_from_name("Scaling Laws and You [dQw4w9WgXcQ].en") == "Scaling Laws and You"
    assert title_from_name("episode-maps.podcast") == "episode-maps"
    assert title_from_name("[dQw4w9WgXcQ]") == "[dQw4w9WgXcQ]"  # nothing but the id: kept


# The corpus files that carry a title of their own; every other one is named by its file.
CORPUS_TITLES = {
    "formats/vtt/notes_and_header_text.vtt": "Translation of that film I like",
    "formats/vtt_nasty/cp1252_crlf.vtt": "Translation of that film I like",
    "seeds/004_d11befda09f5404c.txt": "YouTube Video: AU9Fdgs0ZaI",
}


def test_default_titles_of_the_corpus(corpus):
    seen = set()
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.name in ("README.md", "SOURCES.txt"):
            continue
        rel = path.relative_to(corpus).as_posix()
        t = parse_file(path)
        assert not names.is_placeholder(t.title), rel
        assert t.title == CORPUS_TITLES.get(rel, title_from_name(path.stem)), rel
        seen.add(rel)
        for s in t.metadata.get("speakers", []):
            assert not names.is_placeholder(s), (rel, s)
    assert set(CORPUS_TITLES) <= seen


def test_sample_titles(samples):
    assert parse_file(samples / "podcast-bread.vtt").title == "Crumb and Crust, episode 12: Sourdough from scratch"
    assert parse_file(samples / "talk-lighthouses.md").title.startswith("Keepers of the Light")
    assert parse_file(samples / "lecture-tides.srt").title == "lecture-tides"


# -- the user's names in the library ---------------------------------------------------


def _talk(title: str = "file title", extra: int = 0) -> Transcript:
    lines = [
        ("SPEAKER_00", "Welcome back to Low Water, the show about tides."),
        ("SPEAKER_01", "Thanks for having me, it is mostly waiting."),
        ("SPEAKER_00", "So what does a tide gauge measure?"),
        ("SPEAKER_01", "The height of the water against a fixed mark."),
    ] + [("SPEAKER_00", f"One more line number {i}.") for i in range(extra)]
    segs = [Segment(start=i * 5.0, end=i * 5.0 + 4, text=t, speaker=s) for i, (s, t) in enumerate(lines)]
    return Transcript(title=title, format="vtt", segments=segs).finish()


def test_rename_and_reset(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        tid, _ = lib.save(_talk(), source="/t/a.vtt", sha256="a")
        assert lib.rename(tid, "  Low   Water ") == ("Low Water", "file title")
        info = lib.info(tid)
        assert info.title == "Low Water"
        assert info.metadata[names.USER_TITLE] == "Low Water" and info.metadata[names.FILE_TITLE] == "file title"
        assert lib.rename(tid, None) == ("file title", "file title")
        assert names.USER_TITLE not in lib.info(tid).metadata and names.FILE_TITLE not in lib.info(tid).metadata
        assert lib.rename(tid, "file title") == ("file title", "file title")  # the file's own: no user title
        assert names.USER_TITLE not in lib.info(tid).metadata
        with pytest.raises(LibraryError, match="at most 300"):
            lib.rename(tid, "x" * 301)
        with pytest.raises(LibraryError, match="no transcript 99"):
            lib.rename(99, "x")


def test_speaker_names_by_label_case_or_current_name(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        tid, _ = lib.save(_talk(), source="/t/a.vtt", sha256="a")
        assert lib.name_speakers(tid, {"speaker_00": "Ann Lee"}) == {"SPEAKER_00": "Ann Lee"}
        assert lib.name_speakers(tid, {"Ann Lee": "Ann B. Lee", "SPEAKER_01": "Ben Ito"}) == {
            "SPEAKER_00": "Ann B. Lee",
            "SPEAKER_01": "Ben Ito",
        }
        assert names.speaker_names(lib.info(tid).metadata) == {"SPEAKER_00": "Ann B. Lee", "SPEAKER_01": "Ben Ito"}
        assert lib.name_speakers(tid, {"SPEAKER_01": None}) == {"SPEAKER_01": None}
        assert names.speaker_names(lib.info(tid).metadata) == {"SPEAKER_00": "Ann B. Lee"}
        # the segments keep the file's labels
        assert {s.speaker for s in lib.segments(tid)} == {"SPEAKER_00", "SPEAKER_01"}
        with pytest.raises(LibraryError, match=r"no speaker 'Carol' here \(its speakers: SPEAKER_00, SPEAKER_01\)"):
            lib.name_speakers(tid, {"Carol": "x"})


def test_names_survive_a_reimport_and_a_file_cannot_set_them(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        tid, _ = lib.save(_talk(), source="/t/a.vtt", sha256="a")
        lib.rename(tid, "Low Water")
        lib.name_speakers(tid, {"SPEAKER_00": "Ann Lee"})
        t = _talk("the file's new title", extra=2)
        t.metadata.update({"user_title": "from the file", "speaker_names": {"SPEAKER_01": "Mallory"}})
        assert lib.save(t, source="/t/a.vtt", sha256="b") == (tid, "updated")
        info = lib.info(tid)
        assert info.title == "Low Water" and info.segment_count == 6
        assert info.metadata[names.FILE_TITLE] == "the file's new title"
        assert names.speaker_names(info.metadata) == {"SPEAKER_00": "Ann Lee"}
        assert lib.rename(tid, None)[0] == "the file's new title"
        # a new transcript's file cannot name itself through hark's keys
        other, _ = lib.save(t, source="/t/b.vtt", sha256="c")
        meta = lib.info(other).metadata
        assert lib.info(other).title == "the file's new title"
        assert names.USER_TITLE not in meta and names.SPEAKER_NAMES not in meta


def test_names_survive_hark_import_of_the_changed_file(tmp_path):
    src = tmp_path / "talk.vtt"
    body = (
        "WEBVTT\n\n00:00.000 --> 00:02.000\n<v SPEAKER_00>Hello there.\n\n00:02.000 --> 00:04.000\n<v SPEAKER_01>Hi.\n"
    )
    src.write_text(body)
    with Library(tmp_path / "lib.sqlite3") as lib:
        tid = import_paths(lib, [src]).imported[0]
        lib.rename(tid, "Hello, a talk")
        lib.name_speakers(tid, {"SPEAKER_00": "Ann Lee"})
        src.write_text(body + "\n00:04.000 --> 00:06.000\n<v SPEAKER_00>And goodbye.\n")
        report = import_paths(lib, [src])
        assert report.updated == [tid]
        info = lib.info(tid)
        assert info.title == "Hello, a talk" and info.metadata[names.FILE_TITLE] == "talk"
        assert names.speaker_name("SPEAKER_00", info.metadata) == "Ann Lee"


def test_speaker_shares():
    t = _talk()
    meta = {"speaker_names": {"SPEAKER_00": "Ann Lee"}, "speakers": ["SPEAKER_00", "Host Person"]}
    labels = names.file_speakers(t.speakers, meta)
    assert labels == ["SPEAKER_00", "SPEAKER_01", "Host Person"]
    shares = {s.label: s for s in names.speaker_shares(t.segments, labels, meta)}
    assert shares["SPEAKER_00"].name == "Ann Lee" and shares["SPEAKER_00"].segments == 2
    assert shares["SPEAKER_00"].words == 16 and shares["SPEAKER_00"].seconds == 8.0
    assert shares["Host Person"].segments == 0 and shares["Host Person"].name is None
    assert shares["SPEAKER_01"].to_json() == {
        "label": "SPEAKER_01",
        "name": None,
        "segments": 2,
        "words": 17,
        "seconds": 8.0,
    }


# -- names in the search index ---------------------------------------------------------


def test_a_rename_reindexes_and_either_name_finds_it(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        tid, _ = lib.save(_talk(), source="/t/a.vtt", sha256="a")
        other, _ = lib.save(_talk("another talk"), source="/t/b.vtt", sha256="b")
        with Index(tmp_path / "index", lib) as idx:
            idx.sync()
            assert idx.in_sync()
            lib.rename(tid, "Harbour gauges")
            assert not idx.in_sync()  # a rename changes the transcript's fingerprint
            lib.name_speakers(tid, {"SPEAKER_00": "Ann Lee"})
            report = idx.sync()
            assert report.added == 1 and idx.in_sync()
            # twice within one second: still seen (a hash of the names, not a time)
            lib.name_speakers(tid, {"SPEAKER_01": "Ben Ito"})
            assert not idx.in_sync()
            idx.sync()

            def tids(q: str) -> set[int]:
                return {h.transcript_id for h in idx.search(q).hits}

            assert tids("title:harbour") == {tid}
            assert tids('title:"file title"') == {tid}  # the file's own title still finds it
            assert tids("speaker:ann") == {tid}
            assert tids("speaker:ben") == {tid}
            assert tids("speaker:speaker_00") == {tid, other}  # and the label
            hit = idx.search("speaker:ann gauge").hits[0]
            assert hit.title == "Harbour gauges" and hit.speaker == "Ann Lee"
            assert hit.to_json()["speaker"] == "Ann Lee"
            assert idx.search("speaker:speaker_00 gauge", in_id=other).hits[0].speaker == "SPEAKER_00"
            # back to the file's own: found by it again, no longer by the old name
            lib.rename(tid, None)
            lib.name_speakers(tid, {"SPEAKER_00": None, "SPEAKER_01": None})
            idx.sync()
            assert tids("title:harbour") == set()
            assert tids("speaker:ann") == set()


def test_show_json_has_the_names_in_its_metadata(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        tid, _ = lib.save(_talk(), source="/t/a.vtt", sha256="a")
        lib.rename(tid, "Low Water")
        lib.name_speakers(tid, {"SPEAKER_00": "Ann Lee"})
        shown = json.loads(json.dumps(lib.get(tid).to_json()))
    assert shown["title"] == "Low Water"
    assert shown["metadata"]["user_title"] == "Low Water" and shown["metadata"]["file_title"] == "file title"
    assert shown["metadata"]["speaker_names"] == {"SPEAKER_00": "Ann Lee"}
    assert shown["segments"][0]["speaker"] == "SPEAKER_00"
