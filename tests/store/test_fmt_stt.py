"""Speech-to-text JSON: whisper-json, whisper-cpp-json, deepgram, assemblyai,
aws-transcribe."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from fmt_helpers import assert_detectors_in_range, counter, detected, parse_or_none, rows, texts, words_of
from hypothesis import given, settings
from hypothesis import strategies as st

from hark.store.formats import ParseError, detect, parse, parse_bytes, parse_file
from hark.store.model import NONSPEECH, SPEECH

DATA = Path(__file__).parent / "data" / "stt"


def _load(path: Path):
    return json.loads(path.read_text())


# --- whisper-json ---------------------------------------------------------------


def test_corpus_openai_whisper(corpus):
    path = corpus / "formats" / "whisper_openai" / "result_segments_no_words.json"
    assert detected(path) == "whisper-json"
    t = parse_file(path)
    assert t.format == "whisper-json"
    assert t.title == "result_segments_no_words"
    assert t.timing == "exact"
    # 7.6000000000000005 rounded to the millisecond; leading spaces gone
    assert rows(t) == [
        (0.0, 7.6, None, "And so my fellow Americans ask not what your country can do for you,"),
        (7.6, 36.6, None, "ask what you can do for your country."),
    ]
    assert t.metadata["language"] == "en"
    assert words_of(t) == counter(s["text"] for s in _load(path)["segments"])


def test_corpus_whisper_timestamped(corpus):
    path = corpus / "formats" / "whisper_other" / "whisper_timestamped.json"
    assert detected(path) == "whisper-json"
    t = parse_file(path)
    assert t.format == "whisper-json"
    assert rows(t) == [
        (0.12, 7.62, None, "Yeah, as much as it's worth celebrating the first spacewalk with an all-female team,"),
        (8.54, 12.36, None, "I think many of us are looking forward to it just being normal."),
        (12.98, 19.0, None, "And I think if it signifies anything, it is to honor the women who came before us,"),
        (
            19.82,
            25.32,
            None,
            "who were skilled and qualified and didn't get the same opportunities that we have today.",
        ),
    ]
    assert t.metadata["language"] == "en"
    data = _load(path)
    assert words_of(t) == counter(w["text"] for s in data["segments"] for w in s["words"])


def test_whisperx_speakers_and_unaligned_words():
    path = DATA / "whisperx_library.json"
    assert detected(path) == "whisper-json"
    t = parse_file(path)
    assert rows(t) == [
        (0.52, 5.75, "SPEAKER_00", "So the library opened in 1962, and the building hasn't changed much since."),
        (6.86, 10.24, "SPEAKER_01", "Except the roof. We replaced the roof twice."),
        (11.35, 16.45, "SPEAKER_00", "Right, the roof. And the card catalogue went digital in the nineties."),
    ]
    assert t.metadata["speakers"] == ["SPEAKER_00", "SPEAKER_01"]
    assert t.metadata["language"] == "en"
    data = _load(path)
    assert words_of(t) == counter(w["word"] for w in data["word_segments"])


def test_whisperx_word_segments_only():
    data = _load(DATA / "whisperx_library.json")
    data["segments"] = []
    t = parse(json.dumps(data), fmt="whisper-json")
    # regrouped by sentence and speaker; '1962,' has no time and rides along
    assert rows(t) == [
        (0.52, 5.75, "SPEAKER_00", "So the library opened in 1962, and the building hasn't changed much since."),
        (6.86, 10.24, "SPEAKER_01", "Except the roof. We replaced the roof twice."),
        (11.35, 16.45, "SPEAKER_00", "Right, the roof. And the card catalogue went digital in the nineties."),
    ]


def test_faster_whisper_arrays():
    path = DATA / "faster_whisper_ferry.json"
    assert detected(path) == "whisper-json"
    t = parse_file(path)
    assert rows(t) == [
        (0.0, 3.38, None, "The ferry leaves every forty minutes until nine."),
        (4.09, 5.85, None, "After that, you're swimming."),
    ]
    assert t.metadata["language"] == "en"
    assert t.metadata["duration"] == 6.5
    words_in_file = [w[2] for s in _load(path)["segments"] for w in s[10]]
    assert words_of(t) == counter(words_in_file)


def test_faster_whisper_bare_list():
    path = DATA / "faster_whisper_list.json"
    assert detected(path) == "whisper-json"
    t = parse_file(path)
    assert rows(t) == [
        (0.0, 2.48, None, "Platform two for the coastal line."),
        (2.48, 5.1, None, "Mind the gap between the train and the platform."),
    ]


def test_whisper_text_only_is_estimated():
    t = parse('{"text": " One sentence here. And another one there.", "segments": [], "language": "de"}')
    assert t.format == "whisper-json"
    assert t.timing == "estimated"
    assert texts(t) == ["One sentence here. And another one there."]
    assert t.metadata["language"] == "de"


def test_whisper_long_leading_text_still_detected():
    # openai-whisper writes the whole transcript first: the telling keys come
    # long after the first few KB
    seg = {"id": 0, "seek": 0, "start": 0.0, "end": 2.0, "text": ' Word "quoted" here.', "tokens": [1]}
    doc = {"text": ' Word \\"quoted\\" here.' * 2000, "segments": [seg] * 3, "language": "en"}
    text = json.dumps(doc)
    assert text.index('"segments"') > 20_000
    fmt, score = detect(text, ".json")
    assert fmt.name == "whisper-json" and score >= 0.9


def test_whisper_nonspeech_kept():
    doc = {"segments": [{"start": 0, "end": 2, "text": " [Music]"}, {"start": 2, "end": 3.5, "text": " Hello."}]}
    t = parse(json.dumps(doc), fmt="whisper-json")
    assert [(s.text, s.kind) for s in t.segments] == [("[Music]", NONSPEECH), ("Hello.", SPEECH)]


# --- whisper-cpp-json -----------------------------------------------------------


def test_whisper_cpp_oj():
    path = DATA / "whisper_cpp_tides.json"
    assert detected(path) == "whisper-cpp-json"
    t = parse_file(path)
    assert t.format == "whisper-cpp-json"
    assert len(t.segments) == 6
    assert (t.segments[0].start, t.segments[0].end, t.segments[0].text) == (0.0, 3.2, "[BLANK_AUDIO]")
    assert t.segments[0].kind == NONSPEECH
    assert rows(t)[2] == (
        8.46,
        13.92,
        None,
        "The moon pulls on the near side of the ocean a little harder than on the far side,",
    )
    assert (t.segments[-1].start, t.segments[-1].end) == (24.1, 28.75)
    assert t.metadata["model"] == "base"
    assert t.metadata["model_file"] == "models/ggml-base.en.bin"
    assert t.metadata["language"] == "en"
    assert words_of(t) == counter(x["text"] for x in _load(path)["transcription"])


def test_whisper_cpp_ojf_tokens():
    path = DATA / "whisper_cpp_full_bakery.json"
    assert detected(path) == "whisper-cpp-json"
    t = parse_file(path)
    assert rows(t) == [
        (0.0, 4.2, None, "We start the ovens at four, before the street lights go off."),
        (4.2, 9.1, None, "Sourdough needs the longest, so it goes in first, then the rolls."),
    ]
    assert t.metadata["model"] == "small"
    # without the text field, the tokens (less [_BEG_], [_TT_..]) spell it
    data = _load(path)
    for item in data["transcription"]:
        del item["text"]
    t2 = parse(json.dumps(data), fmt="whisper-cpp-json")
    assert [s.text for s in t2.segments] == texts(t)


def test_whisper_cpp_word_level_regrouped():
    path = DATA / "whisper_cpp_ml1_kitchen.json"
    assert detected(path) == "whisper-cpp-json"
    t = parse_file(path)
    assert t.metadata["word_level"] is True
    assert rows(t) == [
        (0.0, 3.28, None, "Keep the lid on the pot, and the water boils sooner."),
        (3.58, 7.32, None, "It sounds obvious, but most of the heat escapes from the top."),
    ]
    assert words_of(t) == counter(x["text"] for x in _load(path)["transcription"])


def test_whisper_cpp_timestamps_only_and_speakers():
    doc = {
        "transcription": [
            {"timestamps": {"from": "00:00:01,500", "to": "00:00:03,000"}, "text": " Hi there.", "speaker": "0"},
            {"timestamps": {"from": "00:00:03,000", "to": "00:00:04,250"}, "text": " Hello.", "speaker": "1"},
            {"timestamps": {"from": "00:00:04,250", "to": "00:00:05,000"}, "text": " Hm.", "speaker": "?"},
        ]
    }
    t = parse(json.dumps(doc))
    assert t.format == "whisper-cpp-json"
    assert rows(t) == [
        (1.5, 3.0, "Speaker 0", "Hi there."),
        (3.0, 4.25, "Speaker 1", "Hello."),
        (4.25, 5.0, None, "Hm."),
    ]


# --- deepgram -------------------------------------------------------------------


def _dg_words(data: dict) -> Counter:
    alt = data["results"]["channels"][0]["alternatives"][0]
    return counter(w["punctuated_word"] for w in alt["words"])


def test_corpus_deepgram_utterances(corpus):
    path = corpus / "formats" / "deepgram" / "dg_nova2_utterances_paragraphs.json"
    assert detected(path) == "deepgram"
    t = parse_file(path)
    assert t.format == "deepgram"
    assert t.metadata["deepgram_source"] == "utterances"
    assert rows(t) == [
        (0.08, 3.22, None, "Yeah. As as much as, it's worth celebrating,"),
        (4.4, 5.78, None, "the first, spacewalk,"),
        (6.32, 7.86, None, "with an all female team,"),
        (8.475, 13.215, None, "I think many of us are looking forward to it just being normal and"),
        (
            13.835,
            21.68,
            None,
            "I think if it signifies anything, It is to honor the the women who came before us who, "
            "were skilled and qualified,",
        ),
        (22.3, 25.44, None, "and didn't get the same opportunities that we have today."),
    ]
    assert t.metadata["model"] == "nova-2"
    assert t.metadata["date"] == "2023-10-27T15:35:56.637Z"
    assert t.metadata["duration"] == 25.933313
    assert t.metadata["request_id"] == "686278aa-d315-4aeb-b2a9-713615544366"
    assert "speakers" not in t.metadata
    assert words_of(t) == _dg_words(_load(path))


def test_corpus_deepgram_diarized_paragraphs(corpus):
    path = corpus / "formats" / "deepgram" / "dg_diarized_no_utterances.json"
    assert detected(path) == "deepgram"
    t = parse_file(path)
    assert t.metadata["deepgram_source"] == "paragraphs"
    assert len(t.segments) == 28
    assert t.metadata["speakers"] == ["Speaker 0", "Speaker 1", "Speaker 2"]
    assert rows(t)[0] == (3.04, 7.585, "Speaker 0", "And, Jessica, Christina, we are so proud of you.")
    assert rows(t)[8] == (24.875, 27.055, "Speaker 0", "report it's opened and stowed.")
    assert rows(t)[13] == (64.3, 65.98, "Speaker 2", "Final steps before they begin the space walk.")
    assert rows(t)[-1] == (162.605, 163.105, "Speaker 1", "Copy.")
    assert [s.speaker for s in t.segments].count("Speaker 2") == 5
    assert words_of(t) == _dg_words(_load(path))


def test_corpus_deepgram_words_only(corpus):
    data = _load(corpus / "formats" / "deepgram" / "dg_diarized_no_utterances.json")
    del data["results"]["channels"][0]["alternatives"][0]["paragraphs"]
    t = parse_bytes(json.dumps(data).encode(), name="dg", ext=".json")
    assert t.format == "deepgram"
    assert t.metadata["deepgram_source"] == "words"
    assert len(t.segments) == 24
    assert rows(t)[9] == (28.955, 31.135, "Speaker 1", "Thank you, Drew. Thank you so much.")
    assert rows(t)[20] == (
        142.4,
        149.515,
        "Speaker 2",
        "38 AM CST. A little ahead of schedule, about 12 minutes, but, That gets us started on today's historic space walk.",
    )
    assert words_of(t) == _dg_words(data)


def test_sample_panel_transit(samples):
    path = samples / "panel-transit.json"
    assert path.stat().st_size < 60_000
    assert detected(path) == "deepgram"
    t = parse_file(path)
    assert t.format == "deepgram"
    assert t.title == "panel-transit"
    assert len(t.segments) == 38
    assert t.metadata["speakers"] == ["Speaker 0", "Speaker 1", "Speaker 2"]
    assert t.metadata["model"] == "nova-2"
    assert t.metadata["date"] == "2024-03-14T18:22:05.512Z"
    assert rows(t)[0] == (0.64, 4.635, "Speaker 0", "Good evening, and thanks for coming out in the rain.")
    assert rows(t)[5] == (27.725, 31.9, "Speaker 2", "And the windows fog up, so nobody can see their stop.")
    assert rows(t)[14] == (
        73.85,
        83.41,
        "Speaker 1",
        "Headway control helps. Instead of a timetable, we ask drivers to keep an even gap, and sometimes to hold at a stop.",
    )
    assert rows(t)[-1] == (
        191.06,
        197.69,
        "Speaker 0",
        "On that very practical note, thank you both, and thanks to all of you for listening.",
    )
    utts = _load(path)["results"]["utterances"]
    assert len(utts) == 25
    assert words_of(t) == counter(w["punctuated_word"] for u in utts for w in u["words"])


def test_deepgram_multichannel_words():
    def ch(words_):
        return {"alternatives": [{"transcript": "", "words": words_}]}

    doc = {
        "metadata": {"request_id": "r1", "channels": 2},
        "results": {
            "channels": [
                ch([{"word": "hello", "punctuated_word": "Hello.", "start": 0.5, "end": 0.9}]),
                ch([{"word": "hi", "punctuated_word": "Hi!", "start": 1.2, "end": 1.4}]),
            ]
        },
    }
    t = parse(json.dumps(doc))
    assert t.format == "deepgram"
    assert rows(t) == [(0.5, 0.9, "Channel 0", "Hello."), (1.2, 1.4, "Channel 1", "Hi!")]


# --- assemblyai -----------------------------------------------------------------


def test_corpus_assemblyai(corpus):
    path = corpus / "formats" / "assemblyai" / "assemblyai_utterances.json"
    assert detected(path) == "assemblyai"
    t = parse_file(path)
    assert t.format == "assemblyai"
    # one 25-second utterance, cut into sentences (a long one at a comma) at its own words' times
    assert rows(t) == [
        (
            0.17,
            12.666,
            "Speaker A",
            "Yeah. As much as it's worth celebrating the first spacewalk with an all female team, "
            "I think many of us are looking forward to it just being normal.",
        ),
        (
            12.778,
            19.31,
            "Speaker A",
            "And I think if it signifies anything, it is to honor the women who came before us,",
        ),
        (
            19.46,
            25.14,
            "Speaker A",
            "who were skilled and qualified and didn't get the same opportunities that we have today.",
        ),
    ]
    assert t.metadata["language"] == "en"
    assert t.metadata["duration"] == 25
    assert t.metadata["id"] == "6a9zvzyx8u-f8fd-4bf4-9614-9497d76c6891"
    assert t.metadata["url"].startswith("https://storage.googleapis.com/")
    assert t.metadata["speakers"] == ["Speaker A"]
    data = _load(path)
    assert words_of(t) == counter(w["text"] for w in data["words"])
    # the same file without utterances regroups the top-level words the same way
    del data["utterances"]
    t2 = parse(json.dumps(data))
    assert t2.format == "assemblyai"
    assert rows(t2) == rows(t)


def test_assemblyai_speakers_and_chapters():
    def w(text, start, end, sp):
        return {"text": text, "start": start, "end": end, "confidence": 0.9, "speaker": sp}

    words_ = [
        w("Welcome", 100, 400, "A"),
        w("to", 400, 500, "A"),
        w("the", 500, 600, "A"),
        w("show.", 600, 900, "A"),
        w("Thanks", 1500, 1800, "B"),
        w("for", 1800, 1900, "B"),
        w("having", 1900, 2100, "B"),
        w("me.", 2100, 2400, "B"),
        w("Let's", 9000, 9200, "A"),
        w("begin", 9200, 9500, "A"),
        w("with", 9500, 9600, "A"),
        w("maps.", 9600, 10000, "A"),
    ]
    doc = {
        "id": "x1",
        "status": "completed",
        "language_code": "en_us",
        "audio_duration": 11,
        "words": words_,
        "utterances": None,
        "chapters": [
            {"gist": "Hello", "headline": "Introductions", "start": 100, "end": 2400},
            {"gist": "Maps", "headline": "On maps", "start": 8800, "end": 10000},
        ],
    }
    t = parse(json.dumps(doc))
    assert t.format == "assemblyai"
    assert rows(t) == [
        (0.1, 0.9, "Speaker A", "Welcome to the show."),
        (1.5, 2.4, "Speaker B", "Thanks for having me."),
        (9.0, 10.0, "Speaker A", "Let's begin with maps."),
    ]
    assert [(c.title, c.segment) for c in t.chapters] == [("Introductions", 0), ("On maps", 2)]
    assert t.metadata["language"] == "en_us"


# --- aws-transcribe -------------------------------------------------------------


def test_aws_items_with_speaker_labels():
    path = DATA / "aws_transcribe_council.json"
    assert detected(path) == "aws-transcribe"
    t = parse_file(path)
    assert t.format == "aws-transcribe"
    # punctuation items have no times: glued to the word before
    assert rows(t) == [
        (0.31, 5.64, "Speaker 0", "Good morning. This is the council briefing for the week of June third."),
        (6.85, 12.61, "Speaker 1", "Thanks. First item, the library roof is finished, and it came in under budget."),
        (13.82, 16.39, "Speaker 0", "Great news. Next, the park survey?"),
        (17.6, 19.11, "Speaker 1", "Results in two weeks."),
    ]
    assert t.metadata["job_name"] == "council-briefing-0603"
    assert t.metadata["speakers"] == ["Speaker 0", "Speaker 1"]
    data = _load(path)
    assert words_of(t) == counter(i["alternatives"][0]["content"] for i in data["results"]["items"])
    assert words_of(t) == counter(x["transcript"] for x in data["results"]["transcripts"])


def test_aws_audio_segments():
    path = DATA / "aws_transcribe_observatory.json"
    assert detected(path) == "aws-transcribe"
    t = parse_file(path)
    assert rows(t) == [
        (1.2, 4.48, "Speaker 0", "Welcome to the night shift at the observatory."),
        (5.49, 7.35, "Speaker 1", "Clear skies tonight, finally."),
        (8.36, 11.16, "Speaker 0", "Let's start with Jupiter before it sets."),
    ]
    assert t.metadata["language"] == "en-US"
    # without audio_segments, the items (each with its speaker_label) give the same turns
    data = _load(path)
    del data["results"]["audio_segments"]
    t2 = parse(json.dumps(data))
    assert rows(t2) == rows(t)


def test_aws_transcript_only_is_estimated():
    doc = {"jobName": "j", "results": {"transcripts": [{"transcript": "Only text. Nothing else here at all."}]}}
    t = parse(json.dumps(doc))
    assert t.format == "aws-transcribe"
    assert t.timing == "estimated"
    assert texts(t) == ["Only text. Nothing else here at all."]


# --- errors and robustness ------------------------------------------------------

NAMES = ["whisper-json", "whisper-cpp-json", "deepgram", "assemblyai", "aws-transcribe"]


@pytest.mark.parametrize("name", NAMES)
def test_bad_json_is_a_parse_error_with_line(name):
    with pytest.raises(ParseError) as e:
        parse('{\n"segments": [\n{"start": 1,,}\n]}', fmt=name)
    assert e.value.line == 3


@pytest.mark.parametrize("name", NAMES)
def test_wrong_shape_is_a_parse_error(name):
    for text in ("[]", "3", '"x"', "{}", '{"results": []}', "[" * 100_000):
        with pytest.raises(ParseError):
            parse(text, fmt=name)


def _json_values():
    leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    return st.recursive(
        leaf,
        lambda kids: (
            st.lists(kids, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "segments",
                        "words",
                        "start",
                        "end",
                        "text",
                        "word",
                        "speaker",
                        "results",
                        "channels",
                        "alternatives",
                        "utterances",
                        "paragraphs",
                        "sentences",
                        "items",
                        "transcription",
                        "offsets",
                        "from",
                        "to",
                        "start_time",
                        "audio_segments",
                        "speaker_labels",
                        "transcript",
                        "punctuated_word",
                        "chapters",
                        "tokens",
                    ]
                ),
                kids,
                max_size=5,
            )
        ),
        max_leaves=30,
    )


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(NAMES), _json_values())
def test_parsers_raise_only_parse_error(name, value):
    try:
        text = json.dumps(value)
    except ValueError:
        return
    t = parse_or_none(text, name)
    assert t is None or all(isinstance(s.start, float) for s in t.segments)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_detectors_never_raise(text):
    assert_detectors_in_range(NAMES, text, ".json")
