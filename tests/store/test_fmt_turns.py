"""Turn marks in captions become speaker changes (store/formats/_turns.py)."""

from __future__ import annotations

import json

from hark.store.formats import parse
from hark.store.passages import group

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
&gt;&gt; So where did it start?

00:00:04.000 --> 00:00:08.000
&gt;&gt; It started in Ohio. We were kids. &gt;&gt; Really?

00:00:08.000 --> 00:00:10.000
and then more
"""


def test_vtt_chevrons_are_speaker_changes_and_not_text():
    t = parse(VTT, "vtt")
    assert [(s.text, s.speaker) for s in t.segments] == [
        ("So where did it start?", "Speaker 1"),
        ("It started in Ohio. We were kids.", "Speaker 2"),
        ("Really?", "Speaker 1"),
        ("and then more", "Speaker 1"),
    ]
    # the cue cut at its mark shares its time, in order
    assert t.segments[1].start == 4.0 and 4.0 < t.segments[2].start < 8.0
    assert t.segments[1].end == t.segments[2].start
    assert t.metadata["speakers"] == ["Speaker 1", "Speaker 2"]
    # each turn starts a passage in the reader
    assert [(p.first, p.last) for p in group(t.segments)] == [(0, 0), (1, 1), (2, 3)]


def test_srt_dialogue_dashes_are_speaker_changes():
    srt = "1\n00:00:01,000 --> 00:00:03,000\n- Are you ready?\n- Yes.\n\n2\n00:00:03,000 --> 00:00:05,000\n- Then go.\n"
    t = parse(srt, "srt")
    assert [(s.text, s.speaker) for s in t.segments] == [
        ("Are you ready?", "Speaker 1"),
        ("Yes.", "Speaker 2"),
        ("Then go.", "Speaker 1"),
    ]


def test_youtube_json3_chevrons():
    events = [
        {"tStartMs": 0, "dDurationMs": 2000, "segs": [{"utf8": ">> hello there"}]},
        {"tStartMs": 2000, "dDurationMs": 2000, "segs": [{"utf8": ">> hi how are you"}]},
    ]
    t = parse(json.dumps({"events": events}), "youtube-json3")
    assert [(s.text, s.speaker) for s in t.segments] == [("hello there", "Speaker 1"), ("hi how are you", "Speaker 2")]


def test_a_single_dash_or_a_dash_inside_a_sentence_is_text():
    srt = "1\n00:00:01,000 --> 00:00:03,000\n- Only one here - really\n\n2\n00:00:03,000 --> 00:00:05,000\nwell - no\n"
    t = parse(srt, "srt")
    assert [s.text for s in t.segments] == ["- Only one here - really", "well - no"]
    assert all(s.speaker is None for s in t.segments)


def test_named_speakers_are_kept():
    srt = "1\n00:00:01,000 --> 00:00:03,000\nANNA: >> hello\n\n2\n00:00:03,000 --> 00:00:05,000\nBOB: >> hi\n"
    t = parse(srt, "srt")
    assert [s.speaker for s in t.segments] == ["ANNA", "BOB"]
    assert "turn_marks" not in t.metadata
