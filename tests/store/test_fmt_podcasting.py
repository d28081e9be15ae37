"""Podcasting 2.0 transcripts: podcast-json and podcast-html."""

from __future__ import annotations

import html
import json
import re

import pytest
from fmt_helpers import assert_detectors_in_range, counter, detected, parse_or_none, rows, texts, words_of
from hypothesis import given, settings
from hypothesis import strategies as st

from hark.store.formats import ParseError, detect, parse, parse_bytes, parse_file, registry
from hark.store.text import clean

# --- podcast-json ---------------------------------------------------------------


def test_corpus_podcast_json(corpus):
    path = corpus / "formats" / "podcasting20" / "example.json"
    assert detected(path) == "podcast-json"
    t = parse_file(path)
    assert t.format == "podcast-json"
    assert t.title == "example"
    assert t.timing == "exact"
    # one word a segment, re-flowed into a sentence and a speaker turn
    assert rows(t) == [
        (0.5, 2.5, "Darth Vader", "I am your father."),
        (2.75, 3.0, "Luke", "Nooooo"),
    ]
    assert t.metadata["version"] == "1.0.0"
    assert t.metadata["speakers"] == ["Darth Vader", "Luke"]
    assert words_of(t) == counter(s["body"] for s in json.loads(path.read_text())["segments"])


def test_sample_episode_maps(samples):
    path = samples / "episode-maps.podcast.json"
    assert detected(path) == "podcast-json"
    t = parse_file(path)
    assert t.format == "podcast-json"
    assert len(t.segments) == 16
    assert t.metadata["speakers"] == ["Nadia Okoye", "Tom Hale"]
    assert rows(t)[0] == (0.4, 5.02, "Nadia Okoye", "Welcome to Margins, the show about the edges of old documents.")
    assert rows(t)[3] == (
        13.27,
        20.38,
        "Tom Hale",
        "This is a survey of the harbour from 1787, drawn on linen, and it is wildly wrong in places.",
    )
    # a two-word turn stands alone: the speaker changes after it
    assert rows(t)[4] == (21.31, 22.07, "Nadia Okoye", "Wrong how?")
    assert rows(t)[-1] == (64.41, 67.84, "Nadia Okoye", "Thanks, Tom, and thanks for listening to Margins.")
    segs = json.loads(path.read_text())["segments"]
    assert 140 <= len(segs) <= 160
    # most words carry no speaker: it is carried forward from the turn's first word
    assert sum(1 for s in segs if "speaker" in s) == 9
    assert words_of(t) == counter(s["body"] for s in segs)


def test_podcast_json_phrases_kept_and_speaker_carried():
    doc = {
        "version": "1.0.0",
        "segments": [
            {"speaker": "Ana", "startTime": 0, "endTime": 2.5, "body": "Hello and welcome back."},
            {"startTime": 2.5, "endTime": 5, "body": "Today: tide pools."},
            {"speaker": "Ben", "startTime": "5.5", "endTime": "7", "body": "Glad to be here."},
            {"speaker": "", "startTime": 7.25, "endTime": 8, "body": "(laughs)"},
            {"startTime": 9, "endTime": 9.5, "body": "   "},
        ],
    }
    t = parse_bytes(json.dumps(doc).encode(), name="pools", ext=".json")
    assert t.format == "podcast-json"
    assert "word_level" not in t.metadata
    assert rows(t) == [
        (0.0, 2.5, "Ana", "Hello and welcome back."),
        (2.5, 5.0, "Ana", "Today: tide pools."),
        (5.5, 7.0, "Ben", "Glad to be here."),
        (7.25, 8.0, "Ben", "(laughs)"),
    ]
    assert t.segments[-1].kind == "nonspeech"


# --- podcast-html ---------------------------------------------------------------


def test_corpus_podcast_html(corpus):
    path = corpus / "formats" / "podcasting20" / "example.html"
    assert detected(path) == "podcast-html"
    t = parse_file(path)
    assert t.format == "podcast-html"
    assert t.title == "example"
    assert t.timing == "exact"
    assert len(t.segments) == 10
    assert [s.speaker for s in t.segments] == [
        "Travis",
        "Sarah",
        "Travis",
        "Gilon",
        "Travis",
        "Gilon",
        "Travis",
        "Sarah",
        "Gilon",
        "Travis",
    ]
    assert [s.start for s in t.segments] == [0.0, 53.0, 102.0, 219.0, 263.0, 322.0, 376.0, 562.0, 617.0, 691.0]
    assert [s.end for s in t.segments][:-1] == [53.0, 102.0, 219.0, 263.0, 322.0, 376.0, 562.0, 617.0, 691.0]
    # the last paragraph (228 words) lasts as long as its words take at 150 wpm
    assert t.segments[-1].end == 782.2
    assert t.segments[0].text.startswith(
        "When you first get started in podcasting, it's almost guaranteed that you're going to make"
    )
    assert t.segments[0].text.endswith("to help you reach your goals, that much faster")
    assert t.segments[-1].text.endswith("the next best thing to do is to batch your episodes.")
    assert t.metadata["speakers"] == ["Travis", "Sarah", "Gilon"]
    assert t.set_aside == []
    src = path.read_text()
    expected = counter(html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", src, re.S))
    # speaker names live in .speaker; every word of every <p> is in a segment
    assert words_of(t) == expected


HTML_PAGE = """<!doctype html>
<html><head><title>Episode 12: Night Markets</title>
<style>p { color: red }</style></head>
<body>
<nav>Home | Episodes | About</nav>
<cite>Lena:</cite><time>0:00</time>
<p>Welcome to <em>Night Markets</em> &mdash; episode twelve.</p>
<p>We start in Taipei.</p>
<cite>Omar:</cite><time datetime="PT1M5S">01:05</time>
<p>Thanks, Lena.<br>It&#39;s good to be here.</p>
<script>var x = "not words";</script>
<footer>Copyright 2024 Night Markets Radio</footer>
</body></html>
"""


def test_podcast_html_page_with_chrome():
    fmt, score = detect(HTML_PAGE, ".html")
    assert fmt.name == "podcast-html" and score >= 0.9
    t = parse_bytes(HTML_PAGE.encode(), name="ep12", ext=".html")
    assert t.title == "Episode 12: Night Markets"
    assert rows(t) == [
        (0.0, 65.0, "Lena", "Welcome to Night Markets — episode twelve."),
        (0.0, 65.0, "Lena", "We start in Taipei."),  # no time of its own: its turn's
        (65.0, 67.8, "Omar", "Thanks, Lena. It's good to be here."),
    ]
    assert t.set_aside == ["Home | Episodes | About", "Copyright 2024 Night Markets Radio"]
    assert not any("not words" in s.text for s in t.segments)


GENERIC_PAGE = """<html><head><title>Our bakery</title></head><body>
<h1>About us</h1><div class="menu"><a href="/">Home</a></div>
<p>We bake every morning.</p><p>Come early for croissants.</p>
</body></html>"""


def test_generic_html_detects_low_but_still_parses():
    assert registry()["podcast-html"].detect(GENERIC_PAGE, ".html") <= 0.1
    t = parse(GENERIC_PAGE, fmt="podcast-html", options=None)
    assert t.timing == "estimated"
    assert texts(t) == ["We bake every morning.", "Come early for croissants."]
    assert [s.speaker for s in t.segments] == [None, None]
    assert t.set_aside == ["About us", "Home"]
    assert t.title == "Our bakery"


def test_html_without_paragraphs_is_an_error():
    with pytest.raises(ParseError):
        parse("<html><body><div>nothing</div></body></html>", fmt="podcast-html")


# --- robustness -----------------------------------------------------------------

NAMES = ["podcast-json", "podcast-html"]
PREFIXES = ["", '{"version": "1.0.0", "segments": [', "<cite>A:</cite><time>0:00</time><p>", "<p>"]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(NAMES), st.sampled_from(PREFIXES), st.text(max_size=200))
def test_parsers_raise_only_parse_error(name, prefix, body):
    t = parse_or_none(clean(prefix + body), name)
    assert t is None or all(s.text for s in t.segments)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "speaker": st.none() | st.text(max_size=5) | st.integers(),
                "startTime": st.none() | st.floats() | st.text(max_size=5),
                "endTime": st.none() | st.floats() | st.integers(),
                "body": st.none() | st.text(max_size=10) | st.integers(),
            },
        ),
        max_size=20,
    )
)
def test_podcast_json_any_segments(segs):
    try:
        t = parse(json.dumps({"segments": segs}), fmt="podcast-json")
    except ParseError:
        return
    assert all(s.start is not None for s in t.segments)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_detectors_never_raise(text):
    assert_detectors_in_range(NAMES, text, ".html")
