"""YouTube caption formats: sbv, youtube-srv1, youtube-srv3, youtube-json3."""

from __future__ import annotations

import html
import json
import re
import time
from collections import Counter

import pytest
from fmt_helpers import assert_detectors_in_range, detected, parse_or_none, texts, times, words_of
from hypothesis import given, settings
from hypothesis import strategies as st

from hark.store.formats import ParseError, detect, parse, parse_bytes, parse_file
from hark.store.model import NONSPEECH, SPEECH
from hark.store.text import clean, words

# --- sbv ------------------------------------------------------------------------


def test_corpus_sbv(corpus):
    path = corpus / "formats" / "sbv" / "youtube_sbv.sbv"
    assert detected(path) == "sbv"
    t = parse_file(path)
    assert t.format == "sbv"
    assert t.title == "youtube_sbv"
    assert t.timing == "exact"
    assert texts(t) == [
        "Caption text #1",
        "Caption text #2",
        "Caption text #3 (line 1) Caption text #3 (line 2)",
        "Caption text #4",
        "Caption text #5",
    ]
    # the last cue ends before it starts in the file: clamped to its start
    assert times(t) == [
        (0.378, 11.378),
        (11.378, 12.305),
        (13.489, 15.489),
        (15.489, 16.234),
        (17.484, 17.484),
    ]
    assert all(s.speaker is None and s.kind == SPEECH for s in t.segments)
    assert t.set_aside == []
    src = path.read_text()
    expected = Counter(
        w.lower() for ln in src.splitlines() if not re.match(r"\d+:\d\d:\d\d\.\d+,", ln) for w in words(ln)
    )
    assert words_of(t) == expected


def test_sample_interview_gardens(samples):
    path = samples / "interview-gardens.sbv"
    assert detected(path) == "sbv"
    t = parse_file(path)
    assert t.format == "sbv"
    assert t.title == "interview-gardens"
    assert len(t.segments) == 22
    assert t.segments[0].text == "[Music]" and t.segments[0].kind == NONSPEECH
    assert t.segments[-1].text == "[Music]" and t.segments[-1].kind == NONSPEECH
    assert (t.segments[-1].start, t.segments[-1].end) == (90.4, 93.0)
    assert t.segments[1].text == "Welcome back to Common Ground. Today I'm at the Alder Street community garden."
    assert (t.segments[1].start, t.segments[1].end) == (3.2, 7.45)
    s = t.segments[13]
    assert (s.start, s.end) == (55.75, 61.3)
    assert s.text == "Mostly food. Tomatoes, beans, squash, and a surprising amount of chilli peppers."
    assert sum(1 for s in t.segments if s.kind == SPEECH) == 20
    src = path.read_text()
    expected = Counter(
        w.lower() for ln in src.splitlines() if not re.match(r"\d+:\d\d:\d\d\.\d+,", ln) for w in words(ln)
    )
    assert words_of(t) == expected


def test_sbv_header_and_untimed_block():
    text = (
        "[INFORMATION]\n[TITLE]Harbour walk\n[AUTHOR]Jo\n[END INFORMATION]\n"
        "00:00:01.00,00:00:03.50\nFirst line[br]second line\n\n"
        "no timing here\n\n"
        "0:00:05.000,0:00:06.000\nLast.\n"
    )
    t = parse_bytes(text.encode(), name="walk", ext=".sub")
    assert t.format == "sbv"
    assert t.title == "Harbour walk"
    assert t.metadata["author"] == "Jo"
    assert t.set_aside == ["[INFORMATION]", "[TITLE]Harbour walk", "[AUTHOR]Jo", "[END INFORMATION]"]
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (1.0, 3.5, "First line second line"),
        (3.5, 5.0, "no timing here"),  # no time of its own: the gap its neighbours leave
        (5.0, 6.0, "Last."),
    ]


def test_sbv_without_timing_is_an_error():
    with pytest.raises(ParseError):
        parse("just some words\n", fmt="sbv")


# --- srv1 -----------------------------------------------------------------------


def _srv1_words(src: str) -> Counter:
    out: Counter = Counter()
    for m in re.finditer(r"<text[^>]*>(.*?)</text>", src, re.S):
        inner = html.unescape(html.unescape(m.group(1)))
        out.update(w.lower() for w in words(re.sub(r"</?[a-z]+>", " ", inner)))
    return out


def test_corpus_srv1(corpus):
    path = corpus / "formats" / "youtube" / "timedtext_srv1.xml"
    assert detected(path) == "youtube-srv1"
    t = parse_file(path)
    assert t.format == "youtube-srv1"
    assert t.title == "timedtext_srv1"
    assert texts(t) == [
        "Hey, this is just a test",
        "this is not the original transcript",  # '&lt;i>not&lt;/i>' unescaped and the tags removed
        "just something shorter, I made up for testing",
    ]
    # end = start + dur, overlaps kept; the empty <text> at 5s is skipped
    assert times(t) == [(0.0, 1.54), (1.54, 5.7), (5.7, 8.939)]
    assert words_of(t) == _srv1_words(path.read_text())


def test_sample_seminar_bees(samples):
    path = samples / "seminar-bees.xml"
    assert detected(path) == "youtube-srv1"
    t = parse_file(path)
    assert t.format == "youtube-srv1"
    assert len(t.segments) == 21
    assert t.segments[0].text == "[Music]" and t.segments[0].kind == NONSPEECH
    assert t.segments[-1].text == "(applause)" and t.segments[-1].kind == NONSPEECH
    assert t.segments[2].text == "Today we're looking at the western honeybee, Apis mellifera."
    # '&amp;#39;' is an apostrophe escaped twice
    assert t.segments[5].text == "The males, the drones, exist mainly to mate, and that's about it."
    assert (t.segments[5].start, t.segments[5].end) == (19.85, 24.25)
    # the empty cue at 37.6s is gone: the next one follows
    assert t.segments[8].start == 33.5 and t.segments[9].start == 38.0
    assert t.segments[9].text == "Foragers tell each other where the flowers are with the waggle dance."
    assert (t.segments[-2].start, t.segments[-2].end) == (82.9, 85.5)
    assert not any("&" in s.text or "<" in s.text for s in t.segments)
    assert words_of(t) == _srv1_words(path.read_text())


def test_srv1_doubly_escaped_tags_removed():
    xml = '<transcript><text start="1" dur="2">a &amp;lt;i&amp;gt;quiet&amp;lt;/i&amp;gt; x &lt; y</text></transcript>'
    t = parse(xml, fmt="youtube-srv1")
    assert [(s.start, s.end, s.text) for s in t.segments] == [(1.0, 3.0, "a quiet x < y")]


def test_xml_errors_carry_line_numbers():
    with pytest.raises(ParseError) as e:
        parse('<transcript>\n<text start="0" dur="1">a</text>\n<text start="1">b</transcript>', fmt="youtube-srv1")
    assert e.value.line == 3
    with pytest.raises(ParseError):
        parse("<timedtext><body><p t='0'>x</p></body></timedtext>", fmt="youtube-srv1")


def test_xml_refuses_entity_declarations():
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        + "".join(
            f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10)
        )
        + ']>\n<transcript><text start="0" dur="1">&lol9;</text></transcript>'
    )
    began = time.monotonic()
    with pytest.raises(ParseError) as e:
        parse(bomb, fmt="youtube-srv1")
    assert time.monotonic() - began < 1.0
    assert e.value.line == 2
    with pytest.raises(ParseError):
        parse('<!DOCTYPE timedtext SYSTEM "file:///etc/passwd"><timedtext/>', fmt="youtube-srv3")


# --- srv3 -----------------------------------------------------------------------

SRV3 = """<?xml version="1.0" encoding="utf-8" ?><timedtext format="3">
<head>
<pen id="1" fc="#E5E5E5"/>
<ws id="0"/>
<wp id="0"/>
</head>
<body>
<w t="0" id="1" wp="0" ws="0"/>
<p t="240" d="3120" w="1"><s ac="0">so</s><s t="360" ac="0"> the</s><s t="600" ac="0"> tide</s><s t="1080" ac="0"> tables</s></p>
<p t="2150" d="10" w="1" a="1">
</p>
<p t="2160" d="3600" w="1"><s ac="0">come</s><s t="320" ac="0"> out</s><s t="720" ac="0"> every</s><s t="1200" ac="0"> spring</s></p>
<p t="6000" d="2000">[Music]</p>
<p t="8000" d="2500">Ropes &amp;amp; knots,
and &lt;b&gt;buoys&lt;/b&gt;</p>
</body>
</timedtext>
"""


def test_srv3():
    fmt, score = detect(SRV3, ".srv3")
    assert fmt.name == "youtube-srv3" and score >= 0.9
    t = parse_bytes(SRV3.encode(), name="tides", ext=".srv3")
    assert t.format == "youtube-srv3"
    assert t.metadata["srv_format"] == "3"
    assert [(s.start, s.end, s.text, s.kind) for s in t.segments] == [
        (0.24, 3.36, "so the tide tables", SPEECH),
        (2.16, 5.76, "come out every spring", SPEECH),
        (6.0, 8.0, "[Music]", NONSPEECH),
        (8.0, 10.5, "Ropes & knots, and buoys", SPEECH),
    ]


def test_srv2():
    xml = '<?xml version="1.0" encoding="utf-8" ?><timedtext><text t="1200" d="1800">hello&amp;#39;s</text></timedtext>'
    fmt, _ = detect(xml, ".xml")
    assert fmt.name == "youtube-srv3"
    t = parse(xml)
    assert [(s.start, s.end, s.text) for s in t.segments] == [(1.2, 3.0, "hello's")]


# --- json3 ----------------------------------------------------------------------

JSON3 = {
    "wireMagic": "pb3",
    "pens": [{}],
    "wsWinStyles": [{}],
    "wpWinPositions": [{}],
    "events": [
        {"tStartMs": 0, "dDurationMs": 9000, "id": 1, "wpWinPosId": 1, "wsWinStyleId": 1},
        {
            "tStartMs": 160,
            "dDurationMs": 4480,
            "wWinId": 1,
            "segs": [
                {"utf8": "we're", "acAsrConf": 0},
                {"utf8": " going", "tOffsetMs": 240, "acAsrConf": 0},
                {"utf8": " to", "tOffsetMs": 480, "acAsrConf": 0},
            ],
        },
        {"tStartMs": 2190, "dDurationMs": 2450, "wWinId": 1, "aAppend": 1, "segs": [{"utf8": "\n"}]},
        {
            "tStartMs": 2200,
            "dDurationMs": 4000,
            "wWinId": 1,
            "segs": [{"utf8": "talk"}, {"utf8": " about", "tOffsetMs": 300}, {"utf8": " ferries", "tOffsetMs": 700}],
        },
        {"tStartMs": 7000, "dDurationMs": 1500, "segs": [{"utf8": "[Music]"}]},
    ],
}


def test_json3():
    text = json.dumps(JSON3, indent=1)
    fmt, score = detect(text, ".json3")
    assert fmt.name == "youtube-json3" and score >= 0.9
    t = parse_bytes(text.encode(), name="ferries", ext=".json3")
    assert t.format == "youtube-json3"
    assert [(s.start, s.end, s.text, s.kind) for s in t.segments] == [
        (0.16, 4.64, "we're going to", SPEECH),
        (2.2, 6.2, "talk about ferries", SPEECH),
        (7.0, 8.5, "[Music]", NONSPEECH),
    ]


def test_json3_errors():
    with pytest.raises(ParseError) as e:
        parse('{"events": [\n{"tStartMs": 1,,}]}', fmt="youtube-json3")
    assert e.value.line == 2
    with pytest.raises(ParseError):
        parse('{"wireMagic": "pb3"}', fmt="youtube-json3")


# --- robustness -----------------------------------------------------------------

NAMES = ["sbv", "youtube-srv1", "youtube-srv3", "youtube-json3"]
PREFIXES = [
    "",
    "0:00:00.500,0:00:07.000\n",
    '<transcript><text start="1" dur="2">',
    '<timedtext format="3"><body><p t="1" d="2">',
    '{"events": [{"tStartMs": 1, "segs": [',
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(NAMES), st.sampled_from(PREFIXES), st.text(max_size=200))
def test_parsers_raise_only_parse_error(name, prefix, body):
    t = parse_or_none(clean(prefix + body), name)
    assert t is None or all(s.text for s in t.segments)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_detectors_never_raise(text):
    assert_detectors_in_range(NAMES, text, ".xml")
