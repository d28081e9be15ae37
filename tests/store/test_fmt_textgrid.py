"""Praat TextGrid, long and short text formats."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from fmt_helpers import assert_detectors_in_range, detected, parse_or_none, rows, words_of
from hypothesis import given, settings
from hypothesis import strategies as st

from hark.store.formats import Options, ParseError, detect, parse, parse_bytes, parse_file, registry
from hark.store.model import NONSPEECH, SPEECH
from hark.store.text import clean, words


def _label_words(src: str) -> Counter:
    """Words of every interval/point label (the quoted strings after the
    header, tier classes and names)."""
    out: Counter = Counter()
    for m in re.finditer(r'(?:text|mark) = "((?:[^"]|"")*)"', src):
        out.update(w.lower() for w in words(m.group(1).replace('""', '"')))
    return out


@pytest.mark.parametrize("name", ["long_format.TextGrid", "short_format.TextGrid"])
def test_corpus_textgrids(corpus, name):
    path = corpus / "formats" / "textgrid" / name
    assert detected(path) == "textgrid"
    t = parse_file(path)
    assert t.format == "textgrid"
    assert t.title == name.split(".")[0]
    assert t.timing == "exact"
    # 104 phones + 45 words + 3 error marks; the one 'mute' interval is empty
    assert len(t.segments) == 152
    assert [x["name"] for x in t.metadata["tiers"]] == ["phone", "word", "mute", "Errors"]
    assert [x["class"] for x in t.metadata["tiers"]] == ["IntervalTier"] * 4
    assert t.metadata["speakers"] == ["phone", "word", "Errors"]
    assert t.metadata["xmin"] == 1358.892 and t.metadata["xmax"] == 1422.553
    # tiers merged in time order; at equal times, in tier order
    assert rows(t)[:6] == [
        (1358.892, 1361.892, "phone", "sil"),
        (1358.892, 1361.892, "word", "sp"),
        (1358.892, 1362.162, "Errors", "."),
        (1361.892, 1362.013, "phone", "R"),
        (1361.892, 1362.162, "word", "RIGHT"),
        (1362.013, 1362.132, "phone", "AY1"),
    ]
    assert t.segments[0].kind == NONSPEECH and t.segments[1].kind == NONSPEECH
    assert t.segments[4].kind == SPEECH
    assert (1362.162, 1363.332, "Errors", "loud silence") in rows(t)
    assert rows(t)[-1] == (1422.233, 1422.553, "word", "sp")
    word_tier = [s.text for s in t.segments if s.speaker == "word" and s.kind == SPEECH]
    assert " ".join(word_tier[:8]) == "RIGHT THEN I'LL JUST PUT IT DOWN HERE"
    assert len([s for s in t.segments if s.speaker == "word"]) == 45
    # every label of every interval is somewhere
    long_src = (corpus / "formats" / "textgrid" / "long_format.TextGrid").read_text()
    assert words_of(t) == _label_words(long_src)


def test_long_and_short_agree(corpus):
    d = corpus / "formats" / "textgrid"
    long_t, short_t = parse_file(d / "long_format.TextGrid"), parse_file(d / "short_format.TextGrid")
    assert rows(long_t) == rows(short_t)
    assert [s.kind for s in long_t.segments] == [s.kind for s in short_t.segments]


def test_sample_phonetics_lab(samples):
    path = samples / "phonetics-lab.TextGrid"
    assert detected(path) == "textgrid"
    t = parse_file(path)
    assert t.format == "textgrid"
    assert t.title == "phonetics-lab"
    assert t.metadata["speakers"] == ["Instructor", "Student"]
    assert t.metadata["duration"] == 24.5
    assert [x["size"] for x in t.metadata["tiers"]] == [7, 7]
    assert rows(t) == [
        (0.8, 4.2, "Instructor", 'Okay, we\'re recording. Say "heed" three times, slowly.'),
        (4.6, 9.3, "Student", "Heed. Heed. Heed."),
        (9.6, 13.1, "Instructor", 'Good. Now "hid", and keep your jaw relaxed.'),
        (13.5, 17.8, "Student", "Hid. Hid. Hid. That one feels shorter."),
        (18.4, 22.9, "Instructor", "Lovely. Look at the second formant dropping there."),
        (22.95, 23.6, "Student", "(laughs)"),
        (23.6, 24.5, "Student", "Is that normal?"),
    ]
    assert [s.kind for s in t.segments].count(NONSPEECH) == 1
    assert words_of(t) == _label_words(path.read_text())


SHORT_POINTS = '''File type = "ooTextFile short"
"TextGrid"

0
3.5
<exists>
2
"IntervalTier"
"utterance"
0
3.5
2
0
2.25
"the quick
brown fox"
2.25
3.5
""
"TextTier"
"events"
0
3.5
2
1.0
"click"
2.75
"door ""slam"""
'''


def test_short_format_with_point_tier():
    fmt, score = detect(SHORT_POINTS, ".TextGrid")
    assert fmt.name == "textgrid" and score >= 0.9
    t = parse_bytes(SHORT_POINTS.encode("utf-16"), name="points", ext=".TextGrid")
    assert rows(t) == [
        (0.0, 2.25, "utterance", "the quick brown fox"),
        (1.0, 1.0, "events", "click"),
        (2.75, 2.75, "events", 'door "slam"'),
    ]
    assert [x["class"] for x in t.metadata["tiers"]] == ["IntervalTier", "TextTier"]


def test_single_tier_has_no_speaker():
    text = SHORT_POINTS.replace("<exists>\n2\n", "<exists>\n1\n").split('"TextTier"')[0]
    t = parse(text)
    assert rows(t) == [(0.0, 2.25, None, "the quick brown fox")]


def test_no_tiers():
    text = 'File type = "ooTextFile"\nObject class = "TextGrid"\n\nxmin = 0\nxmax = 1\ntiers? <absent>\n'
    fmt, _ = detect(text)
    assert fmt.name == "textgrid"
    # a valid TextGrid with nothing in it: the pipeline refuses an empty transcript
    assert registry()["textgrid"].parse(text, Options()).segments == []
    with pytest.raises(ParseError):
        parse(text)


def test_truncated_is_a_parse_error_with_line():
    text = SHORT_POINTS.split('"TextTier"')[0].replace("<exists>\n2\n", "<exists>\n1\n")
    cut = text[: text.index("2.25\n3.5")]
    with pytest.raises(ParseError) as e:
        parse(cut, fmt="textgrid")
    assert e.value.line == cut.count("\n") + 1
    with pytest.raises(ParseError) as e:
        parse(text.replace('"utterance"', "12"), fmt="textgrid")
    assert e.value.line == 9
    with pytest.raises(ParseError):
        parse('File type = "ooTextFile"\nObject class = "Pitch 1"\n', fmt="textgrid")
    with pytest.raises(ParseError):
        parse(text.replace("<exists>\n1\n", "<exists>\n99999999999\n"), fmt="textgrid")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["", SHORT_POINTS[:60], SHORT_POINTS[:120]]), st.text(max_size=200))
def test_parser_raises_only_parse_error(prefix, body):
    t = parse_or_none(clean(prefix + body), "textgrid")
    assert t is None or all(s.text for s in t.segments)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_detector_never_raises(text):
    assert_detectors_in_range(["textgrid"], text, ".textgrid")
