"""The caption families: whisper console output, SRT and WebVTT.

Every corpus file of these families goes through the real pipeline
(``store.formats.parse_file``: decode, clean, detect, parse, finish) with
precise expectations; the package's own samples likewise; small inline
files pin the rules the corpus does not reach.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from fmt_helpers import detected, source_text, texts, times
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hark.store.formats import Options, ParseError, detect, parse_bytes, parse_file, registry
from hark.store.model import NONSPEECH, SPEECH, Transcript
from hark.store.text import strip_tags, words

# --- helpers --------------------------------------------------------------------

F = "formats"


def _parse(data: str, ext: str, name: str = "t") -> Transcript:
    return parse_bytes(data.encode("utf-8"), name=name, ext=ext)


# Syntax, not words: format keywords, cue settings, coordinates.
_SYNTAX = {
    "WEBVTT",
    "NOTE",
    "STYLE",
    "REGION",
    "Kind",
    "Language",
    "X",
    "TIMESTAMP",
    "MAP",
    "LOCAL",
    "MPEGTS",
    "align",
    "start",
    "position",
    "line",
    "middle",
    "end",
    "X1",
    "X2",
    "Y1",
    "Y2",
    "SPEAKER_TURN",
}


def _lost_words(path: Path, t: Transcript, also: set[str] = frozenset(), once: bool = False) -> Counter:
    """Words of the source (markup, timestamps, numbers and syntax aside) that
    are in no segment, set-aside text, speaker name or metadata value. With
    `once`, a word only has to be there once (rolling captions repeat lines)."""
    src = strip_tags(source_text(path))
    have = " ".join(
        texts(t) + t.set_aside + [s.speaker or "" for s in t.segments] + [str(v) for v in t.metadata.values()]
    )
    want = Counter(w for w in words(src) if not w[0].isdigit() and w not in _SYNTAX | also)
    got = Counter(words(have))
    if once:
        want, got = Counter(set(want)), Counter(set(got))
    return want - got


def _check_finished(t: Transcript) -> None:
    last = 0.0
    for s in t.segments:
        assert s.start >= last and s.end is not None and s.end >= s.start
        assert s.text == " ".join(s.text.split()) and not re.search(r"<\s*/?\s*[A-Za-z0-9][^<>]*>", s.text)
        assert s.kind in (SPEECH, NONSPEECH)
        last = s.start


# --- whisper console: the seeds ----------------------------------------------------


def test_seed_000_whisper_console(corpus):
    p = next((corpus / "seeds").glob("000_*.txt"))
    assert detected(p) == "whisper"
    t = parse_file(p)
    assert t.format == "whisper" and t.timing == "exact" and t.title == p.stem
    assert len(t.segments) == 71
    assert times(t)[0] == (0.0, 5.28)
    assert times(t)[-1] == (338.72, 340.68)
    assert t.duration == 340.68
    assert t.segments[0].text == (
        "There's a future where like the distinction between small and large models like disappears to some degree."
    )
    # Cues end mid-sentence; each cue keeps its own text and time.
    assert t.segments[35].start == 179.88
    assert t.segments[35].text.endswith("because of reliability rather than long")
    assert t.segments[-1].text == "This is the nines of reliability."
    assert all(s.kind == SPEECH and s.speaker is None for s in t.segments)
    assert t.set_aside == [] and t.metadata.get("speakers") is None
    _check_finished(t)
    assert not _lost_words(p, t)


def test_seed_002_keeps_you_and_blank_audio(corpus):
    p = next((corpus / "seeds").glob("002_*.txt"))
    assert detected(p) == "whisper"
    t = parse_file(p)
    assert len(t.segments) == 60
    assert times(t)[0] == (0.0, 6.0)
    assert t.segments[0].text.startswith("in one or two years, we'll find")
    tail = [(s.start, s.end, s.text, s.kind) for s in t.segments[-3:]]
    assert tail == [
        (330.16, 330.66, "Thank you.", SPEECH),
        (330.66, 332.72, "you", SPEECH),
        (332.72, 342.72, "[BLANK_AUDIO]", NONSPEECH),
    ]
    assert [s.kind for s in t.segments].count(NONSPEECH) == 1
    _check_finished(t)
    assert not _lost_words(p, t)


# --- whisper console: whisper.cpp and whisper-jax ----------------------------------


def test_whisper_cpp_tinydiarize_speaker_turns(corpus):
    p = corpus / F / "whisper_cpp" / "console_tinydiarize_speaker_turn.txt"
    assert detected(p) == "whisper"
    t = parse_file(p)
    rows = [(s.start, s.end, s.speaker, s.text) for s in t.segments]
    assert rows == [
        (0.0, 3.8, "Speaker 1", "Okay Houston, we've had a problem here."),
        (3.8, 6.2, "Speaker 2", "This is Houston. Say again please."),
        (6.2, 8.26, "Speaker 1", "Uh Houston we've had a problem."),
        (8.26, 11.32, "Speaker 1", "We've had a main beam up on a volt."),
        (11.32, 13.82, "Speaker 2", "Roger main beam interval."),
        (13.82, 15.1, "Speaker 1", "Uh uh"),
        (15.1, 18.02, "Speaker 2", "So okay stand, by thirteen we're looking at it."),
        (18.02, 25.74, "Speaker 1", "Okay uh right now uh Houston the uh voltage is uh is looking good um."),
        # the gap 25.74 -> 27.62 stays a gap
        (27.62, 29.94, "Speaker 1", "And we had a a pretty large bank or so."),
    ]
    assert not any("SPEAKER_TURN" in s.text for s in t.segments)
    assert t.metadata["speakers"] == ["Speaker 1", "Speaker 2"]
    assert t.metadata["language"] == "en" and t.metadata["audio"] == "./samples/a13.wav"
    assert len(t.set_aside) == 2
    assert t.set_aside[0].startswith("main: processing './samples/a13.wav'") and t.set_aside[1] == "..."
    assert not _lost_words(p, t)


def test_whisper_cpp_word_level_regrouped(corpus):
    p = corpus / F / "whisper_cpp" / "console_word_level_ml1.txt"
    assert detected(p) == "whisper"
    t = parse_file(p)
    assert t.metadata["word_level"] is True
    # 22 one-word cues and two '  ,' cues; the empty first cue is dropped.
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (
            0.32,
            9.76,
            "And so my fellow Americans, ask not what your country can do for you, ask what you can do for",
        )
    ]
    assert [x.split(":")[0] for x in t.set_aside] == ["system_info", "main"]
    assert t.metadata["audio"] == "./samples/jfk.wav" and t.metadata["language"] == "en"
    assert not _lost_words(p, t)


def test_whisper_jax_console(corpus):
    p = corpus / F / "whisper_other" / "whisper_jax_console.txt"
    assert detected(p) == "whisper"
    t = parse_file(p)
    assert len(t.segments) == 14
    assert (t.segments[0].start, t.segments[0].end, t.segments[0].text) == (74.5, 75.5, "Okay.")
    # 01:21.500 -> 01:22.500 is a pause, not filled in
    assert times(t)[4:6] == [(80.5, 81.5), (82.5, 85.0)]
    assert t.segments[-1].text == "If you smoke weed and drive drive it's the DWI. They're both legal"
    assert times(t)[-1] == (104.0, 107.88)
    assert t.set_aside == []
    assert not _lost_words(p, t)


def test_sample_standup_whisper(samples):
    p = samples / "standup-whisper.txt"
    assert detected(p) == "whisper"
    t = parse_file(p)
    assert t.title == "standup-whisper" and t.format == "whisper"
    assert len(t.segments) == 26
    kinds = [(s.text, s.start, s.end) for s in t.segments if s.kind == NONSPEECH]
    assert kinds == [("[Music]", 0.0, 4.0), ("[BLANK_AUDIO]", 60.4, 66.0), ("[BLANK_AUDIO]", 106.8, 110.0)]
    assert (
        t.segments[1].text == "Okay, I think that's everyone. Let's keep it short today, we've got the demo at eleven."
    )
    assert t.segments[8].text == "Leo, you're next."
    assert t.duration == 110.0
    assert len(t.set_aside) == 3 and t.set_aside[0].startswith("whisper_init_from_file")
    assert t.metadata["model"] == "ggml-base.en.bin"
    assert t.metadata["audio"] == "standup-thursday.wav" and t.metadata["language"] == "en"
    _check_finished(t)
    assert not _lost_words(p, t)


# --- whisper console: rules --------------------------------------------------------


def test_whisper_punctuation_cue_glued_and_markers_kept():
    t = _parse(
        "\n[00:00:00.000 --> 00:00:02.000]   Hello there\n"
        "[00:00:02.000 --> 00:00:02.300]  .\n"
        "[00:00:02.300 --> 00:00:04.000]   (applause)\n"
        "[00:00:04.000 --> 00:00:05.000]   ♪\n"
        "[00:00:05.000 --> 00:00:07.000]   [Music]\n"
        "[00:00:07.000 --> 00:00:09.000]   Thanks for coming.",
        ".txt",
    )
    assert [(s.text, s.kind, s.start, s.end) for s in t.segments] == [
        ("Hello there.", SPEECH, 0.0, 2.3),
        ("(applause)", NONSPEECH, 2.3, 4.0),
        ("♪", NONSPEECH, 4.0, 5.0),
        ("[Music]", NONSPEECH, 5.0, 7.0),
        ("Thanks for coming.", SPEECH, 7.0, 9.0),
    ]
    assert "word_level" not in t.metadata


def test_whisper_turn_inside_a_cue_splits_it():
    t = _parse(
        "[00:00:00.000 --> 00:00:04.000]   Are you ready? [SPEAKER_TURN] Yes I am.\n"
        "[00:00:04.000 --> 00:00:06.000]   Then let's go.\n",
        ".txt",
    )
    assert [(s.speaker, s.text) for s in t.segments] == [
        ("Speaker 1", "Are you ready?"),
        ("Speaker 2", "Yes I am."),
        ("Speaker 2", "Then let's go."),
    ]
    assert t.segments[0].start == 0.0 and 0.0 < t.segments[1].start < 4.0


def test_whisper_no_turn_markers_no_speakers():
    t = _parse("[00:00.000 --> 00:02.000]  One.\n[00:02.000 --> 00:04.000]  Two.\n", ".txt")
    assert [s.speaker for s in t.segments] == [None, None]
    assert "speakers" not in t.metadata


def test_whisper_cjk_sentences_are_not_word_level():
    lines = [f"[00:00:{2 * i:02d}.000 --> 00:00:{2 * i + 2:02d}.000]  第{i}句话说完了" for i in range(8)]
    t = _parse("\n".join(lines), ".txt")
    assert len(t.segments) == 8 and "word_level" not in t.metadata


def test_whisper_word_level_keeps_nonspeech_and_every_word():
    cues = []
    t0 = 0.0
    for w in "So this is how it works . [BLANK_AUDIO] And then it stops , okay ?".split():
        cues.append(f"[00:00:{t0:06.3f} --> 00:00:{t0 + 0.4:06.3f}]   {w}")
        t0 += 0.4
    t = _parse("\n".join(cues), ".txt")
    assert t.metadata["word_level"] is True
    assert [(s.text, s.kind) for s in t.segments] == [
        ("So this is how it works.", SPEECH),
        ("[BLANK_AUDIO]", NONSPEECH),
        ("And then it stops, okay?", SPEECH),
    ]
    assert t.segments[0].start == 0.0 and t.segments[2].start == 3.2


def test_whisper_after_a_long_log_is_still_whisper():
    log = "".join(f"whisper_model_load: tensor {i:3d} = 'encoder.blocks.{i}.attn' loaded\n" for i in range(120))
    data = log + "\n[00:00:00.000 --> 00:00:03.000]   First.\n[00:00:03.000 --> 00:00:05.000]   Second.\n"
    assert len(log) > 6000
    t = _parse(data, ".txt")
    assert t.format == "whisper" and texts(t) == ["First.", "Second."] and len(t.set_aside) == 120


def test_whisper_without_cues_is_a_parse_error():
    with pytest.raises(ParseError):
        registry()["whisper"].parse("main: processing 'x.wav'\nsystem_info: n_threads = 4\n", Options())


# --- SRT: the nasty corpus ---------------------------------------------------------


def test_srt_invalid_dot_millis(corpus):
    p = corpus / F / "srt_nasty" / "invalid_dot_millis.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    assert texts(t) == [f"Caption text #{i}" for i in range(1, 6)]
    assert times(t) == [(0.5, 7.0), (7.0, 11.89), (11.89, 16.32), (16.32, 21.58), (21.58, 23.88)]
    assert not _lost_words(p, t)


def test_srt_missing_timing_line(corpus):
    p = corpus / F / "srt_nasty" / "missing_timing_line.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    assert texts(t) == [f"Caption text #{i}" for i in range(1, 6)]
    # cue 2 has no timing line: it fills the time between its neighbours
    assert times(t) == [(0.5, 7.0), (7.0, 11.89), (11.89, 16.32), (16.32, 21.58), (21.58, 23.88)]
    assert t.metadata["cues_without_timing"] == 1
    assert not _lost_words(p, t)


def test_srt_malformed_no_numbers_short_arrow(corpus):
    p = corpus / F / "srt_nasty" / "malformed_no_numbers_short_arrow.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (0.0, 60.0, "An example subtitle."),
        (60.0, 120.0, "Subtitle number two."),
    ]
    assert not _lost_words(p, t)


def test_srt_position_coords_and_font_tags(corpus):
    p = corpus / F / "srt_nasty" / "position_coords_and_font_tags.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (10.5, 13.0, "Elephant's Dream"),
        (15.0, 18.0, "At the left we can see..."),
    ]
    assert not _lost_words(p, t, also={"font", "color", "cyan", "i"})


def test_srt_bad_nested_tags(corpus):
    p = corpus / F / "srt_nasty" / "bad_nested_tags.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    assert [(s.start, s.end, s.text) for s in t.segments] == [(10.5, 13.0, "Elephant's Dream Is Long And Badly Nested")]


def test_srt_cp1250_czech(corpus):
    p = corpus / F / "srt_nasty" / "cp1250_czech.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    assert texts(t) == ["The quick brown fox jumps over the lazy dog", "Příliš žluťoučký kůň úpěl ďábelské ódy"]
    assert times(t) == [(0.0, 60.0), (60.0, 120.0)]
    assert "cp1250" in t.metadata["encoding"]
    assert not _lost_words(p, t)


def test_srt_gb2312(corpus):
    p = corpus / F / "srt_nasty" / "gb2312_encoding.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    # cue numbers 2, 4, 6: wrong numbering is fine
    assert texts(t) == ["宇宙守护神 保护我们远离邪恶", "他能徒手抓住子弹 拦住疾速的火车", "轻轻一跳就能飞跃高楼"]
    assert times(t) == [(27.0, 30.73), (31.5, 34.1), (34.1, 36.57)]
    assert not _lost_words(p, t)


def test_srt_mixed_encodings(corpus):
    p = corpus / F / "srt_nasty" / "mixed_encodings_in_one_file.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    assert len(t.segments) == 1 and times(t) == [(0.0, 60.0)]
    text = t.segments[0].text
    # ASCII, cp1250 Czech and UTF-8 German lines are each right. (The last two
    # lines, Shift-JIS and Big5, are too short for any detector to tell apart.)
    assert text.startswith(
        "The quick brown fox jumps over the lazy dog Příliš žluťoučký kůň úpěl ďábelské ódy "
        "Vamp quäkt: Grüß Felix bzw. Jody schön!"
    )
    assert t.segments[0].speaker is None  # 'Vamp quäkt:' is mid-cue, not a name


def test_srt_utf16le_bom_crlf(corpus):
    p = corpus / F / "srt_nasty" / "utf16le_bom_crlf.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    assert len(t.segments) == 12
    assert t.metadata["encoding"] == "utf-16-le"
    assert t.segments[0].text == "When you first get started in podcasting, it's"
    assert times(t)[0] == (0.179, 2.399) and times(t)[-1] == (34.201, 36.899)
    # the only 'Name:' is on the first cue: a labelled opening turn
    assert {s.speaker for s in t.segments} == {"Travis"}
    assert t.metadata["speakers"] == ["Travis"]
    assert not _lost_words(p, t)


def test_podcasting20_srt_speakers(corpus):
    p = corpus / F / "podcasting20" / "example.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    assert len(t.segments) == 222
    assert t.metadata["speakers"] == ["Travis", "Sarah", "Gilon"]
    turns = []
    for i, s in enumerate(t.segments):
        if not turns or turns[-1][1] != s.speaker:
            turns.append((i, s.speaker))
    assert turns == [
        (0, "Travis"),
        (17, "Sarah"),
        (30, "Travis"),
        (64, "Gilon"),
        (77, "Travis"),
        (93, "Gilon"),
        (111, "Travis"),
        (165, "Sarah"),
        (178, "Gilon"),
        (202, "Travis"),
    ]
    assert Counter(s.speaker for s in t.segments) == {"Travis": 141, "Gilon": 55, "Sarah": 26}
    s17 = t.segments[17]
    assert (s17.start, s17.end, s17.text) == (53.03, 57.77, "Creating good audio is really key to keeping your")
    last = t.segments[-1]
    assert (last.start, last.end, last.text) == (752.671, 754.769, "best thing to do is to batch your episodes.")
    assert not any(re.match(r"(Travis|Sarah|Gilon):", s.text) for s in t.segments)
    _check_finished(t)
    assert not _lost_words(p, t)


def test_sample_lecture_tides(samples):
    p = samples / "lecture-tides.srt"
    assert detected(p) == "srt"
    t = parse_file(p)
    assert t.title == "lecture-tides" and t.format == "srt"
    assert len(t.segments) == 32
    assert t.metadata["speakers"] == ["Dr. Amara Lewis"]
    assert {s.speaker for s in t.segments} == {"Dr. Amara Lewis"}
    assert t.segments[0].text == "Good morning, everyone. Today we're talking about tides."
    assert t.segments[6].text == "That difference in pull is what we call the tidal force."
    # 'Write that down:' is prose, not a speaker
    assert t.segments[13].text.startswith("Write that down: the lunar day")
    assert times(t)[0] == (0.0, 4.2) and times(t)[-1] == (143.5, 146.0)
    _check_finished(t)
    assert not _lost_words(p, t)


# --- SRT: rules ----------------------------------------------------------------------


def test_srt_blank_line_inside_cue_and_lone_trailing_number():
    t = _parse(
        "1\n00:00:01,000 --> 00:00:03,000\n{\\an8}First line\n\nstill the first cue\n\n"
        "2\n00:00:03,000 --> 00:00:05,000\n<b>Second</b> <u>cue</u>\n\n3\n",
        ".srt",
    )
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (1.0, 3.0, "First line still the first cue"),
        (3.0, 5.0, "Second cue"),
    ]


def test_srt_note_like_prefix_is_not_a_speaker():
    t = _parse(
        "1\n00:00:01,000 --> 00:00:03,000\nWe start at the harbour.\n\n"
        "2\n00:00:03,000 --> 00:00:05,000\nRemember: the tide turns at noon.\n\n"
        "3\n00:00:05,000 --> 00:00:07,000\nThen we sail.\n",
        ".srt",
    )
    assert [s.speaker for s in t.segments] == [None, None, None]
    assert t.segments[1].text == "Remember: the tide turns at noon."
    t = _parse(
        "1\n00:00:01,000 --> 00:00:03,000\nWe start at the harbour.\n\n"
        "2\n00:00:03,000 --> 00:00:05,000\nMarcus: the tide turns at noon.\n",
        ".srt",
    )
    assert [s.speaker for s in t.segments] == [None, None]  # one name, mid-file


def test_srt_name_prefixes_carry_forward():
    t = _parse(
        "1\n00:00:01,000 --> 00:00:03,000\nSo shall we begin?\n\n"
        "2\n00:00:03,000 --> 00:00:05,000\nAnna Berg: Yes. The first point\n\n"
        "3\n00:00:05,000 --> 00:00:07,000\nis the budget.\n\n"
        "4\n00:00:07,000 --> 00:00:09,000\n[Music]\n\n"
        "5\n00:00:09,000 --> 00:00:11,000\nSpeaker 2: Agreed. Note: it is late.\n",
        ".srt",
    )
    assert [(s.speaker, s.text) for s in t.segments] == [
        (None, "So shall we begin?"),
        ("Anna Berg", "Yes. The first point"),
        ("Anna Berg", "is the budget."),
        (None, "[Music]"),
        ("Speaker 2", "Agreed. Note: it is late."),
    ]
    assert t.segments[3].kind == NONSPEECH
    assert t.metadata["speakers"] == ["Anna Berg", "Speaker 2"]


def test_srt_without_timing_is_a_parse_error():
    with pytest.raises(ParseError):
        registry()["srt"].parse("1\nhello there\n", Options())


# --- VTT: the corpus ---------------------------------------------------------------


def test_vtt_youtube_rolling_autocaptions(corpus):
    p = corpus / F / "vtt" / "youtube_autocaption_rolling.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (286.07, 286.47, "yeah"),
        (286.47, 304.08, "what"),
        (304.08, 305.069, "this will happen is I'm telling"),
    ]
    assert t.metadata["language"] == "en" and t.metadata["kind"] == "captions"
    assert t.metadata["rolling_captions"] is True
    assert not _lost_words(p, t, also={"Style", "cue", "c", "colorCCCCCC", "color", "rgb", "colorE5E5E5"}, once=True)


def test_vtt_notes_and_header_text(corpus):
    for name in ("vtt/notes_and_header_text.vtt", "vtt_nasty/cp1252_crlf.vtt"):
        p = corpus / F / name
        assert detected(p) == "vtt"
        t = parse_file(p)
        # `- ` dialogue marks are speaker changes (store/formats/_turns.py):
        # each cue is cut at them, its time shared by characters.
        assert [(s.start, s.end, s.text, s.speaker) for s in t.segments] == [
            (135.0, 137.674, "Ta en kopp varmt te.", "Speaker 1"),
            (137.674, 140.0, "Det är inte varmt.", "Speaker 2"),
            (140.0, 142.368, "Har en kopp te.", "Speaker 1"),
            (142.368, 145.0, "Det smakar som te.", "Speaker 2"),
            (145.0, 150.0, "Ta en kopp", "Speaker 1"),
        ]
        assert t.metadata["turn_marks"] == 5
        assert t.metadata["header"] == "Translation of that film I like"
        assert t.set_aside == [
            "- Translation of that film I like",
            "This translation was done by Kyle so that some friends can watch it with their parents.",
            "This last line may not translate well.",
        ]
        assert not _lost_words(p, t)


def test_vtt_inline_timestamps_and_class_spans(corpus):
    p = corpus / F / "vtt" / "inline_timestamps_mm_ss.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (16.5, 18.5, "When the moon hits your eye"),
        (18.5, 20.5, "Like a big-a pizza pie"),
        (20.5, 21.5, "That's amore"),
    ]
    assert "rolling_captions" not in t.metadata


def test_vtt_style_blocks(corpus):
    p = corpus / F / "vtt" / "style_blocks.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    assert [(s.start, s.end, s.text) for s in t.segments] == [(0.0, 10.0, "- Hello world.")]
    assert t.set_aside == []


def test_vtt_bom_no_final_newline(corpus):
    p = corpus / F / "vtt" / "utf8_bom_no_final_newline.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    assert texts(t) == [f"Caption text #{i}" for i in range(1, 5)]
    assert times(t) == [(0.5, 7.0), (7.0, 11.89), (11.89, 16.32), (16.32, 21.58)]


def test_vtt_x_timestamp_map(corpus):
    p = corpus / F / "vtt" / "x_timestamp_map_hls_mm_ss.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (50.099, 53.299, "Cuidem do seu grupo. Cuidem de suas fileiras."),
        (114.255, 115.455, "Parem!"),
        (118.155, 119.555, "E, parem!"),
    ]
    assert t.metadata["x_timestamp_map"] == "LOCAL:00:00:00.000,MPEGTS:0"


def test_vtt_chapters_without_millis(corpus):
    p = corpus / F / "vtt_nasty" / "chapters_mmss_no_millis.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (1.0, 132.0, "How do we make people more aware of their personal data?"),
        (132.0, 215.0, "What are the disadvantages of managing your own data?"),
        (215.0, 351.0, "What kind of help is available for people to manage their own data?"),
    ]


def test_vtt_html_entities(corpus):
    p = corpus / F / "vtt_nasty" / "html_entities.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    # &nbsp;, &#32; and &#x20; are only a space: those cues are empty
    assert texts(t) == [
        "&",
        "&",
        "&",
        "&",
        "<",
        ">",
        "ab",
        "ab",
        '"',
        "©",
        "&&",
        "&1",
        "&1;",
        "&<",
        "&",  # '&<c': a tag left open at the end of the cue
        "&;",
        "∲",
        "⫅̸",
        "∉",
        "¬",
    ]
    assert t.segments[4].start == 4.0 and t.segments[-1].start == 22.0
    assert "rolling_captions" not in t.metadata  # '&' four times is not a rolling caption


def test_vtt_nul_bytes(corpus):
    p = corpus / F / "vtt_nasty" / "nul_bytes.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    assert len(t.segments) == 67
    assert texts(t)[:3] == ["text0", "text1", "\ufffdtext2"]
    assert texts(t)[3:] == ["invalid"] * 64
    assert all(s.start == 0.0 for s in t.segments)
    # every timing line parses once its NULs are gone; one lost a digit of its end
    assert [i for i, s in enumerate(t.segments) if s.end != 1.0] == [62]
    assert t.metadata["header"] == "(null in header)"
    assert t.set_aside == ["(null in header)", "(null in id)", "\ufffd (null in cue data)"]
    assert not _lost_words(p, t)


def test_vtt_timings_omitted_hours(corpus):
    p = corpus / F / "vtt_nasty" / "timings_omitted_hours.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (0.0, 1.0, "text0"),
        (0.0, 1.0, "text1"),
        (0.0, 1.0, "text2"),
    ]


def test_vtt_whitespace_in_timing_lines(corpus):
    p = corpus / F / "vtt_nasty" / "whitespace_in_timing_lines.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    assert [(s.start, s.end, s.text) for s in t.segments] == [(0.0, 1.0, f"text{i}") for i in range(4)]
    # the word-like cue ids are kept aside
    assert t.set_aside == ["spaces", "tabs", "form feed", "vertical tab"]
    assert not _lost_words(p, t)


def test_podcasting20_vtt_voices(corpus):
    p = corpus / F / "podcasting20" / "example.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    assert [(s.start, s.end, s.speaker) for s in t.segments] == [
        (0.0, 2.76, "Sarah"),
        (2.76, 6.09, "Sarah"),
        (6.09, 11.61, "Sarah"),
        (11.61, 15.75, "Sarah"),
        (15.75, 18.63, "Sarah"),
        (19.08, 21.45, "Gillian"),
        (21.45, 25.35, "Gillian"),
    ]
    assert t.segments[2].text == "include in one? Welcome to Podcasting Q&A, where you learn"
    assert t.segments[-1].text == "careers podcast. My question is, do we need a podcast trailer?"
    assert t.metadata["speakers"] == ["Sarah", "Gillian"]
    assert not _lost_words(p, t)


def test_sample_podcast_bread(samples):
    p = samples / "podcast-bread.vtt"
    assert detected(p) == "vtt"
    t = parse_file(p)
    # The header's text names the episode: a better title than the file's name.
    assert t.title == "Crumb and Crust, episode 12: Sourdough from scratch" and t.format == "vtt"
    assert len(t.segments) == 31
    assert t.metadata["speakers"] == ["Maya", "Tom"]
    assert t.metadata["language"] == "en"
    assert Counter(s.speaker for s in t.segments) == {"Maya": 16, "Tom": 15}
    first = t.segments[0]
    assert (first.start, first.end, first.speaker) == (1.5, 6.9, "Maya")
    assert first.text == "Welcome back to Crumb & Crust, the show about baking at home. I'm Maya."
    assert t.segments[-1].speaker == "Tom" and t.segments[-1].end == 167.4
    assert "Auto-generated captions, corrected by hand. Timings are approximate." in t.set_aside
    _check_finished(t)
    assert not _lost_words(p, t)


# --- VTT: rules ----------------------------------------------------------------------


def test_vtt_several_voices_open_tags_and_regions():
    t = _parse(
        "WEBVTT\n\nREGION\nid:fred\nwidth:40%\n\n"
        "00:01.000 --> 00:04.000 region:fred\n<v.loud Esme>It's a blue apple tree!</v>\n<v Mary>No way!\n\n"
        "NOTE a comment\nover two lines\n\n"
        "intro\n00:04.000 --> 00:06.000\n<v Esme>Hee!</v> <i>laughter</i>\n"
        "7\n00:06.000 --> 00:08.000\n<ruby>漢<rt>kan</rt></ruby> and <b>bold\n",
        ".vtt",
    )
    assert [(s.speaker, s.text, s.start) for s in t.segments] == [
        ("Esme", "It's a blue apple tree!", 1.0),
        ("Mary", "No way!", 1.0),
        ("Esme", "Hee! laughter", 4.0),
        (None, "漢kan and bold", 6.0),
    ]
    assert t.set_aside == ["a comment over two lines", "intro"]


def test_vtt_youtube_style_rolling_with_10ms_cues():
    t = _parse(
        "WEBVTT\nKind: captions\nLanguage: en\n\n"
        "00:00:00.000 --> 00:00:02.330 align:start position:0%\n \n"
        "so<00:00:00.400><c> here</c><00:00:00.800><c> we</c><00:00:01.200><c> go</c>\n\n"
        "00:00:02.330 --> 00:00:02.340 align:start position:0%\nso here we go\n \n\n"
        "00:00:02.340 --> 00:00:05.000 align:start position:0%\nso here we go\n"
        "again<00:00:02.900><c> and</c><00:00:03.500><c> again</c>\n\n"
        "00:00:05.000 --> 00:00:05.010 align:start position:0%\nagain and again\n \n\n"
        "00:00:05.010 --> 00:00:07.000 align:start position:0%\nagain and again\n"
        "so<00:00:05.400><c> here</c><00:00:05.800><c> we</c><00:00:06.200><c> go</c>\n",
        ".vtt",
    )
    # every spoken line once; the repeated phrase at 5.01 was really said again
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (0.0, 2.33, "so here we go"),
        (2.34, 5.0, "again and again"),
        (5.01, 7.0, "so here we go"),
    ]


def test_vtt_repeated_line_without_rolling_is_kept():
    t = _parse(
        "WEBVTT\n\n00:01.000 --> 00:02.000\nNo.\n\n00:02.000 --> 00:03.000\nNo.\nAbsolutely not.\n\n"
        "00:03.000 --> 00:04.000\nFine.\n",
        ".vtt",
    )
    assert texts(t) == ["No.", "No. Absolutely not.", "Fine."]


def test_vtt_cues_without_blank_lines_and_numeric_ids():
    t = _parse(
        "WEBVTT\n1\n00:00:01.000 --> 00:00:02.000\nOne\n2\n00:00:02.000 --> 00:00:03.000\nTwo\n\nand a half\n",
        ".vtt",
    )
    assert [(s.start, s.text) for s in t.segments] == [(1.0, "One"), (2.0, "Two and a half")]
    assert t.set_aside == []


def test_vtt_without_cues_is_a_parse_error():
    with pytest.raises(ParseError):
        registry()["vtt"].parse("WEBVTT\n\nNOTE nothing here\n", Options())


# --- detection -----------------------------------------------------------------------

_MINE = {
    "whisper": [
        "whisper_cpp/console_tinydiarize_speaker_turn.txt",
        "whisper_cpp/console_word_level_ml1.txt",
        "whisper_other/whisper_jax_console.txt",
    ],
    "srt": [
        f"srt_nasty/{n}"
        for n in (
            "bad_nested_tags.srt",
            "cp1250_czech.srt",
            "gb2312_encoding.srt",
            "invalid_dot_millis.srt",
            "malformed_no_numbers_short_arrow.srt",
            "missing_timing_line.srt",
            "mixed_encodings_in_one_file.srt",
            "position_coords_and_font_tags.srt",
            "utf16le_bom_crlf.srt",
        )
    ]
    + ["podcasting20/example.srt"],
    "vtt": [
        "vtt/inline_timestamps_mm_ss.vtt",
        "vtt/notes_and_header_text.vtt",
        "vtt/style_blocks.vtt",
        "vtt/utf8_bom_no_final_newline.vtt",
        "vtt/x_timestamp_map_hls_mm_ss.vtt",
        "vtt/youtube_autocaption_rolling.vtt",
        "vtt_nasty/chapters_mmss_no_millis.vtt",
        "vtt_nasty/cp1252_crlf.vtt",
        "vtt_nasty/html_entities.vtt",
        "vtt_nasty/nul_bytes.vtt",
        "vtt_nasty/timings_omitted_hours.vtt",
        "vtt_nasty/whitespace_in_timing_lines.vtt",
        "podcasting20/example.vtt",
    ],
}


@pytest.mark.parametrize("name,rel", [(n, r) for n, rels in _MINE.items() for r in rels])
def test_detect_corpus_files(corpus, name, rel):
    p = corpus / F / rel
    assert detected(p) == name
    t = parse_file(p)
    assert t.format == name and t.segments
    _check_finished(t)


def test_every_corpus_file_of_mine_is_listed(corpus):
    listed = {r for rels in _MINE.values() for r in rels}
    here = {
        f"{d}/{p.name}" for d in ("whisper_cpp", "srt_nasty", "vtt", "vtt_nasty") for p in (corpus / F / d).iterdir()
    }
    assert here <= listed


def test_my_detectors_stay_low_on_other_families(corpus, samples):
    others = [p for p in sorted((corpus / F).rglob("*")) if p.is_file() and p.name != "SOURCES.txt"]
    others = [p for p in others if f"{p.parent.name}/{p.name}" not in {r for v in _MINE.values() for r in v}]
    others += [p for p in (corpus / "seeds").iterdir() if not p.name.startswith(("000_", "002_"))]
    others += [p for p in samples.iterdir() if p.suffix not in (".py", ".srt", ".vtt") and "whisper" not in p.name]
    assert len(others) > 10
    reg = registry()
    for p in others:
        text = source_text(p)
        for name in ("whisper", "srt", "vtt"):
            assert reg[name].detect(text, p.suffix.lower()) <= 0.3, (name, p.name)


def test_detection_between_the_caption_families():
    srt = "1\n00:00:01,000 --> 00:00:02,000\nHello\n"
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n"
    whisper = "[00:00:01.000 --> 00:00:02.000]   Hello\n[00:00:02.000 --> 00:00:03.000]   there\n"
    assert detect(srt, ".srt")[0].name == "srt"
    assert detect(srt, ".txt")[0].name == "srt"
    assert detect(srt, "")[0].name == "srt"
    assert detect(vtt, ".srt")[0].name == "vtt"  # the header wins over the name
    assert detect(vtt, "")[0].name == "vtt"
    assert detect(vtt.replace("WEBVTT\n\n", ""), ".vtt")[0].name == "vtt"
    assert detect(whisper, ".txt")[0].name == "whisper"
    assert detect(whisper, ".srt")[0].name == "whisper"


# --- robustness ------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    list("0123456789:.,->[] \n\t<>/vcib&;#WEBVTTNOTE") + ["-->", "00:00:01.000", "\n\n", "<v A>", "[SPEAKER_TURN]"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_parsers_raise_only_parse_error(text):
    for name in ("whisper", "srt", "vtt"):
        f = registry()[name]
        assert 0.0 <= f.detect(text, ".srt") <= 1.0
        try:
            t = f.parse(text, Options(name="fuzz")).finish()
        except ParseError:
            continue
        for s in t.segments:
            assert s.start >= 0 and s.end >= s.start
