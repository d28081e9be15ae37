"""Text-shaped formats: markdown (front matter + timestamped bullets or
prose), timed-text (a copied transcript panel), meeting (speaker-turn
exports) and text (untimed prose, the fallback), through the real pipeline."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from fmt_helpers import detected, rows, source_text, texts
from hypothesis import given, settings
from hypothesis import strategies as st

from hark.store.formats import Options, ParseError, parse_bytes, parse_file
from hark.store.formats.plain import reflow_prose, split_chrome
from hark.store.model import ESTIMATED, EXACT, Chapter
from hark.store.reflow import LOOKAHEAD, MAX_WORDS, MIN_WORDS
from hark.store.text import words

DATA = Path(__file__).parent / "data" / "text"
TIME = re.compile(r"[\[(]?\b\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?(?:\s*[-–]\s*\d{1,2}(?::\d{2}){1,2})?[\])]?")


def _seg(t, i):
    s = t.segments[i]
    return (s.start, s.end, s.speaker, s.text)


def _pool(t) -> Counter:
    """Every word the transcript keeps: title, segments, speakers, chapters, set-aside, metadata."""
    out = Counter(words(t.title))
    for s in t.segments:
        out.update(words(s.text))
        if s.speaker:
            out.update(words(s.speaker))
    for c in t.chapters:
        out.update(words(c.title))
    for a in t.set_aside:
        out.update(words(a))
    out.update(words(json.dumps(t.metadata, ensure_ascii=False)))
    return out


def _assert_no_word_lost(source: str, t) -> None:
    """Every word of the source, timestamps apart, is kept somewhere."""
    src = Counter(words(TIME.sub(" ", source)))
    lost = src - _pool(t)
    assert not lost, f"words lost: {sorted(lost)[:20]}"


def _markdown_source(text: str) -> str:
    """A markdown file's words minus its syntax: front matter keys, link
    targets, HTML tags and entities."""
    if text.startswith("---\n"):
        end = text.index("\n---\n", 4)
        front = re.sub(r"^(\s*)[\w-]+:", r"\1", text[4:end], flags=re.M)
        text = front + text[end + 5 :]
    text = re.sub(r"\]\([^)]*\)", "] ", text)
    return re.sub(r"<[^<>]+>|&\w+;", " ", text)


def _segment_words(t) -> list[str]:
    return [w for s in t.segments for w in words(s.text)]


# --- corpus ------------------------------------------------------------------


def _seed(corpus: Path, prefix: str) -> Path:
    return next((corpus / "seeds").glob(f"{prefix}_*.txt"))


def test_seed_001_one_line_no_punctuation(corpus):
    path = _seed(corpus, "001")
    assert detected(path, min_score=0) == "text"
    t = parse_file(path)
    assert t.format == "text" and t.timing == ESTIMATED
    assert t.title == path.stem
    assert len(t.segments) == 48
    assert t.set_aside == []
    # every word, in order, nothing set aside
    assert _segment_words(t) == words(source_text(path))
    # bounded segments, cut before a filler or discourse word where possible
    assert max(len(s.text.split()) for s in t.segments) <= MAX_WORDS
    assert _seg(t, 0) == (
        0.0,
        7.6,
        None,
        "there's a future where like the distinction between small and uh large models like disappears to some degree um",
    )
    assert t.segments[1].text.startswith("and with long context")
    # estimated at 150 words a minute, back to back
    for a, b in zip(t.segments, t.segments[1:], strict=False):
        assert b.start == a.end
    n = len(words(source_text(path)))
    assert t.segments[-1].end == pytest.approx(len(source_text(path).split()) / 150 * 60, abs=0.01)
    assert n > 1000
    fast = parse_file(path, wpm=300)
    assert fast.segments[-1].end == pytest.approx(t.segments[-1].end / 2, abs=0.01)


HEAD_003 = (
    "By\nViewed\n53,478\n\nPlease choose the correct answer for each question below:\n\n"
    "Questions: 0/1000\n\nCorrect: 0\n\nTranslate:"
)


def test_seed_003_scraped_page_chrome_set_aside(corpus):
    path = _seed(corpus, "003")
    assert detected(path, min_score=0) == "text"
    t = parse_file(path)
    assert t.format == "text" and t.timing == ESTIMATED
    assert t.set_aside == [HEAD_003, "Related Songs"]
    assert len(t.segments) == 386
    assert t.segments[0].text == "Hey everyone. Um, I'm Jared Kaplan."
    assert t.segments[0].start == 0.0
    assert t.segments[-1].text == "Thank you so much. Thanks."
    # the short turns of the Q&A stay separate turns
    texts = [s.text for s in t.segments]
    assert "Okay. Thank you." in texts
    assert "All right. Let's give it a round of applause to Jared." in texts
    assert "We'll do one last question." in texts
    # hard-wrapped lines are joined: a sentence split over lines is one segment
    assert "I actually have only been working on AI for about six years." in texts
    # every word of the body in order; the chrome's words are set aside
    lines = source_text(path).split("\n")
    body = "\n".join(lines[11:-2])
    assert lines[11].startswith("Hey everyone.") and lines[-3] == "Thank you so much. Thanks."
    assert _segment_words(t) == words(body)
    assert words(" ".join(t.set_aside)) == words("\n".join(lines[:11] + lines[-2:]))
    assert max(len(s.text.split()) for s in t.segments) <= MAX_WORDS + LOOKAHEAD


def test_seed_003_body_alone_loses_nothing_to_chrome(corpus):
    lines = source_text(_seed(corpus, "003")).split("\n")[11:-2]
    head, body, tail = split_chrome(lines)
    assert head == [] and tail == [] and body == lines


def test_seed_004_markdown_front_matter_and_bullets(corpus):
    path = _seed(corpus, "004")
    assert detected(path, min_score=0) == "markdown"
    t = parse_file(path)
    assert t.format == "markdown" and t.timing == EXACT
    assert t.title == "YouTube Video: AU9Fdgs0ZaI"
    assert len(t.segments) == 1300
    assert _seg(t, 0) == (0.0, 1.0, None, "what's one thing you changed your mind")
    assert _seg(t, 1) == (1.0, 2.0, None, "on like in the AI world in the last year")
    assert _seg(t, -1) == (2638.0, 2638.0, None, "see you next episode")
    assert t.segments[-2].start == 2636.0 and t.segments[-2].end == 2638.0
    m = t.metadata
    assert m["url"] == "https://www.youtube.com/watch?v=AU9Fdgs0ZaI"
    assert "video_url" not in m  # it became url
    assert m["speakers"] == ["Jacob Efron"]
    assert all(s.speaker is None for s in t.segments)  # the file marks no turns
    assert m["tags"] == ["YouTube", "Transcript", "AI Agent", "Startup", "Business Strategy", "Tutorial"]
    assert m["key_points"] == ["動画トランスクリプトの内容を参照"]
    assert m["language"] == "en-ja-mixed"
    assert m["video_id"] == "AU9Fdgs0ZaI" and "channel" not in m  # "Unknown" names nobody,
    assert m["placeholders"] == {"channel": "Unknown"}  # and is kept where nothing takes it for a name
    assert m["topics"] == ["AI Agent", "Startup", "Business Strategy", "Tutorial"]
    assert m["summary"].startswith("what's one thing you changed your mind")
    assert m["retrieved_at"] == "2025-12-30T09:57:37+09:00"
    assert "date" not in m and "duration" not in m  # empty in the file
    json.dumps(m)
    assert t.chapters == [Chapter("Transcript: AU9Fdgs0ZaI", 0), Chapter("Text", 0)]
    assert t.set_aside == [
        "- URL: https://www.youtube.com/watch?v=AU9Fdgs0ZaI",
        "- Retrieved at: 2025-12-30T09:57:37+09:00",
    ]
    # every caption word, in order
    bullets = [ln for ln in source_text(path).split("\n") if re.match(r"- \[\d\d:\d\d\] ", ln)]
    assert len(bullets) == 1300
    assert _segment_words(t) == words(" ".join(ln[10:] for ln in bullets))
    _assert_no_word_lost(_markdown_source(source_text(path)), t)


@pytest.mark.parametrize("prefix", ["000", "002", "004"])
def test_chrome_never_eats_real_transcript_lines(corpus, prefix):
    """The cue texts of the other seeds, one a line, and the same hard-wrapped
    at 40 columns: the chrome detector takes nothing."""
    import textwrap

    t = parse_file(_seed(corpus, prefix))
    lines = texts(t)
    for variant in (lines, textwrap.wrap(" ".join(lines), 40)):
        head, body, tail = split_chrome(variant)
        assert head == [] and tail == [], (head, tail)


def test_chrome_never_eats_format_files_text(corpus):
    for path in sorted((corpus / "formats").rglob("*")):
        if not path.is_file() or path.name == "SOURCES.txt":
            continue
        try:
            t = parse_file(path)
        except ParseError:
            continue
        lines = texts(t)
        head, _, tail = split_chrome(lines)
        assert head == [] and tail == [], (path.name, head, tail)


# --- chrome heuristic ------------------------------------------------------------


@pytest.mark.parametrize(
    "lines",
    [
        ["Hello.", "It is good to be here today, thank you all for", "coming."],
        ["Okay", "so today we are talking about rivers and why", "they flood."],
        ["Thank you so much. Thanks."],
        ["Welcome", "to the show, everyone, I'm your host tonight.", "Thanks for listening"],
        ["By the way I think", "this is a great example of the thing."],
        ["[Music]", "Hello and welcome back to the channel.", "[Applause]"],
        ["Here is my question:", "", "What makes a river change its course?", "Subscribe to the channel"],
        ["so the last thing I want to say is thank you", "and goodbye"],
    ],
)
def test_chrome_keeps_short_real_first_and_last_lines(lines):
    head, body, tail = split_chrome(lines)
    assert (head, body, tail) == ([], lines, [])


@pytest.mark.parametrize(
    ("lines", "head", "tail"),
    [
        (["Share", "Views 1,204", "", "Rivers begin in fields."], ["Share", "Views 1,204"], []),
        (["Posted by Ana Reyes", "12.4K views", "Rivers begin in fields."], ["Posted by Ana Reyes", "12.4K views"], []),
        (["Subscribe", "Transcript:", "Rivers begin in fields."], ["Subscribe", "Transcript:"], []),
        (["Rivers begin in fields.", "", "Related talks"], [], ["Related talks"]),
        (
            ["Rivers begin in fields.", "Share this", "Read more", "© 2024 Example Media"],
            [],
            ["Share this", "Read more", "© 2024 Example Media"],
        ),
        (
            ["Home", "Transcripts", "Views: 310", "Rivers begin in fields.", "Tags: rivers, talks"],
            ["Home", "Transcripts", "Views: 310"],
            ["Tags: rivers, talks"],
        ),
    ],
)
def test_chrome_taken_from_head_and_tail(lines, head, tail):
    h, body, t = split_chrome(lines)
    assert (h, t) == (head, tail)
    assert h + body + t == lines


def test_all_chrome_means_no_chrome():
    lines = ["Share", "Views 12"]
    assert split_chrome(lines) == ([], lines, [])


# --- text: the fallback ------------------------------------------------------------


def test_text_detector_is_a_low_fallback():
    from hark.store.formats import registry

    d = registry()["text"].detect
    assert d("", ".txt") == 0.0
    assert d("   \n\t\n", ".txt") == 0.0
    assert d('{"segments": [{"text": "hello there"}]}', ".txt") == 0.0
    assert d('[{"start": 1, "text": "hello"}]', ".json") == 0.0
    assert d("<?xml version='1.0'?><transcript><text>hello</text></transcript>", ".xml") == 0.0
    assert d("<html><body><p>Hello there</p></body></html>", ".html") == 0.0
    assert 0.05 <= d("So this is a talk about rivers and why they flood.", ".txt") <= 0.1
    assert 0.0 < d("[Music] Hello and welcome.", "") <= 0.1
    assert 0.0 < d("これは川についての話です。", ".txt") <= 0.1


def test_empty_text_is_a_parse_error():
    with pytest.raises(ParseError):
        parse_bytes(b"  \n\n ", name="blank", ext=".txt")
    with pytest.raises(ParseError):
        parse_bytes(b"  \n\n ", name="blank", ext=".txt", fmt="text")


def test_sample_essay_rivers(samples):
    path = samples / "essay-rivers.txt"
    assert detected(path, min_score=0) == "text"
    t = parse_file(path)
    assert t.format == "text" and t.timing == ESTIMATED and t.title == "essay-rivers"
    assert t.set_aside == ["Share\nViews 1,204", "Related talks"]
    assert len(t.segments) == 22
    assert _seg(t, 0) == (0.0, 4.0, None, "Thank you. I want to start with a small confession.")
    assert _seg(t, 1) == (
        4.0,
        11.6,
        None,
        "I grew up a few hundred metres from a river, and I never once asked where it came from.",
    )
    assert _seg(t, -1) == (134.8, 136.4, None, "Thank you very much.")
    lines = source_text(path).split("\n")
    assert _segment_words(t) == words("\n".join(lines[2:-2]))
    _assert_no_word_lost(source_text(path), t)


def test_text_turn_labels_and_markers():
    src = (
        "Q: So where does a river actually start?\n"
        "A: Usually in a wet field. Nothing\n"
        "dramatic at all.\n"
        "[Laughter]\n"
        "Q: Really?\n"
        "A: Really. Go and look.\n"
    )
    t = parse_bytes(src.encode(), name="qa", ext=".txt")
    assert t.format == "text"
    got = [(s.speaker, s.kind, s.text) for s in t.segments]
    assert got == [
        ("Q", "speech", "So where does a river actually start?"),
        ("A", "speech", "Usually in a wet field."),
        ("A", "speech", "Nothing dramatic at all."),
        ("A", "nonspeech", "[Laughter]"),
        ("Q", "speech", "Really?"),
        ("A", "speech", "Really. Go and look."),
    ]
    assert t.metadata["speakers"] == ["Q", "A"]


def test_text_hyphen_split_across_wrap_is_one_word():
    src = "We talked about the long-\nterm plan and the well-known\nrisks of flooding in the valley.\n" * 3
    t = parse_bytes(src.encode(), name="w", ext=".txt", fmt="text")
    joined = " ".join(s.text for s in t.segments)
    assert "long-term plan" in joined and "well-known risks" in joined


def test_reflow_prose_is_reusable():
    segs, aside = reflow_prose("Share\nViews 9\n\nA first sentence here. And a second one here.", Options(wpm=120))
    assert aside == ["Share\nViews 9"]
    assert [(s.start, s.end, s.text) for s in segs] == [
        (0.0, 2.0, "A first sentence here."),
        (2.0, 4.5, "And a second one here."),
    ]
    segs, aside = reflow_prose("Share\nA first sentence here.", Options(), chrome=False, start=10.0)
    assert aside == [] and segs[0].text == "Share A first sentence here." and segs[0].start == 10.0


# --- markdown --------------------------------------------------------------------------


def test_sample_talk_lighthouses(samples):
    path = samples / "talk-lighthouses.md"
    assert detected(path, min_score=0) == "markdown"
    t = parse_file(path)
    assert t.format == "markdown" and t.timing == EXACT
    assert t.title == "Keepers of the Light: A Short History of Lighthouse Keepers"
    m = t.metadata
    assert m["url"] == "https://example.org/talks/lighthouses"
    assert m["date"] == "2023-05-18"  # a YAML date, as an ISO string
    assert m["tags"] == ["history", "maritime", "lighthouses"]
    assert m["language"] == "en"
    assert m["event"] == "Harbour Lecture Series"
    assert m["speakers"] == ["Maren Holt", "Audience member"]
    json.dumps(m)
    assert len(t.segments) == 27
    assert t.chapters == [
        Chapter("Keepers of the Light", 0),
        Chapter("Introduction", 0),
        Chapter("The first keepers", 4),
        Chapter("Life on the rock", 10),
        Chapter("The lamp goes automatic", 18),
        Chapter("Questions", 24),
    ]
    assert _seg(t, 0) == (0.0, 6.0, None, "Good evening, everyone, and thank you for coming out on such a windy night.")
    assert t.segments[7].text == (
        "Logbooks from that period are wonderfully blunt. One keeper wrote simply: "
        '"Wind north-east. Glass cleaned six times. Very tired."'
    )
    assert _seg(t, 24) == (
        192.0,
        197.0,
        "Audience member",
        "Were any of the towers ever staffed again after automation?",
    )
    assert _seg(t, 25)[:3] == (197.0, 205.0, "Maren Holt")
    assert _seg(t, 26) == (205.0, 205.0, "Maren Holt", "Thank you all very much.")
    assert t.set_aside == []
    _assert_no_word_lost(_markdown_source(source_text(path)), t)


def test_markdown_variants():
    path = DATA / "md-variants.md"
    assert detected(path, min_score=0) == "markdown"
    t = parse_file(path)
    assert t.title == "Pottery night: glazes"  # the H1, as there is no front matter
    got = [_seg(t, i) for i in range(len(t.segments))]
    assert got == [
        (0.0, 7.0, None, "Tonight we're mixing a simple celadon glaze."),  # **[00:00]**
        (7.0, 15.0, None, "You need three things: feldspar, silica and whiting."),  # (00:07)
        (15.0, 21.0, None, "Weigh everything dry, to a tenth of a gram."),  # en-dash range
        (21.0, 30.0, None, "Then add water slowly, stirring the whole time. It should look like single cream."),
        (30.0, 41.0, None, "Sieve it twice."),  # bare 00:30
        (41.0, 3723.0, None, "Dip the pot for three seconds, no longer."),  # [00:41](link)
        (3723.0, 3729.0, None, "The kiln goes to cone ten, which takes & about twelve hours."),
        (3729.0, 3732.0, "Ana", "Any questions so far?"),
        (3732.0, 3735.0, "Tom", "How thick should the coat be?"),
        (3735.0, 3739.0, "Ana", "About the thickness of a credit card."),
        (3739.0, 3739.0, "Ana", "Any thinner and it runs."),
    ]
    assert t.chapters == [Chapter("Pottery night: glazes", 0), Chapter("Mixing", 0), Chapter("Firing", 5)]
    assert t.set_aside == ["Recorded at the community studio.", "- Speaker: Ana Lucía Reyes", "- Recorded: 2024-02-10"]
    assert t.metadata["speakers"] == ["Ana Lucía Reyes", "Ana", "Tom"]
    assert t.metadata["date"] == "2024-02-10"
    _assert_no_word_lost(_markdown_source(source_text(path)), t)


def test_markdown_malformed_front_matter_is_not_fatal():
    path = DATA / "md-malformed-front.md"
    assert detected(path, min_score=0) == "markdown"
    t = parse_file(path)
    assert t.title == "Part one"  # the heading the text opens with, before the file's name
    assert t.set_aside == ['title: "Unclosed quote\nspeaker: [Someone']
    assert [_seg(t, i) for i in range(2)] == [
        (1.0, 5.0, None, "The front matter above is broken."),
        (5.0, 5.0, None, "The transcript below it still imports."),
    ]
    assert t.chapters == [Chapter("Part one", 0)]


def test_markdown_without_timestamps_is_reflowed_prose():
    path = DATA / "md-prose.md"
    assert detected(path, min_score=0) == "markdown"
    t = parse_file(path)
    assert t.timing == ESTIMATED and t.title == "Notes on Slow Bread"
    assert t.metadata["speakers"] == ["Ines Barros", "Karl Moen"]
    assert t.metadata["date"] == "2022-11-03T18:30:00"
    assert t.metadata["tags"] == ["baking", "bread"]
    assert texts(t) == [
        "Good bread mostly asks for time.",
        "The yeast does the work while you sleep, and the flavour comes from the waiting.",
        "A longer rise means a more open crumb.",
        "It also means less kneading.",
        "Mix the dough in the evening.",
        "Leave it covered in a cool room overnight, then shape it in the morning and bake it hot.",
    ]
    assert (t.segments[0].start, t.segments[-1].end) == (0.0, 23.2)
    assert t.chapters == [Chapter("Slow Bread", 0), Chapter("Why wait", 0), Chapter("The method", 4)]
    _assert_no_word_lost(_markdown_source(source_text(path)), t)


def test_markdown_time_line_then_text_and_hour_stamps():
    src = "---\ntitle: Small\nlink: https://example.org/v\nguests: [Ann, Bo]\n---\n\n## A\n\n[1:00:00]\nfirst words\n[1:00:05] more words\n"
    t = parse_bytes(src.encode(), name="s", ext=".md")
    assert t.format == "markdown"
    assert [_seg(t, i) for i in range(2)] == [
        (3600.0, 3605.0, None, "first words"),
        (3605.0, 3605.0, None, "more words"),
    ]
    assert t.metadata["url"] == "https://example.org/v"
    assert t.metadata["speakers"] == ["Ann", "Bo"] and t.metadata["guests"] == ["Ann", "Bo"]


# --- timed-text ---------------------------------------------------------------------------


def test_timed_text_panel_copy():
    path = DATA / "panel-own-line.txt"
    assert detected(path, min_score=0) == "timed-text"
    t = parse_file(path)
    assert t.format == "timed-text" and t.timing == EXACT and t.title == "panel-own-line"
    assert [(s.start, s.end, s.kind, s.text) for s in t.segments] == [
        (0.0, 4.0, "nonspeech", "[Music]"),
        (4.0, 9.0, "speech", "welcome back to the workshop today we're building a bird box out of a single plank"),
        (9.0, 15.0, "speech", "of untreated pine about fifteen centimetres wide"),
        (15.0, 58.0, "speech", "first mark the six pieces the front the back two sides the roof and the floor"),
        (58.0, 65.0, "speech", "drill the entrance hole about thirty-two millimetres for blue tits"),
        (65.0, 65.0, "speech", "and that's really all there is to it"),
    ]
    assert t.set_aside == ["Building a Bird Box from One Plank"]
    # "9 seconds" / "1 minute, 5 seconds" repeat the time: dropped like the stamps
    text = re.sub(r"^\d+ (minute|second).*$", "", source_text(path), flags=re.M)
    _assert_no_word_lost(text, t)


def test_timed_text_leading_stamps():
    path = DATA / "leading-mixed.txt"
    assert detected(path, min_score=0) == "timed-text"
    t = parse_file(path)
    assert [(s.start, s.end, s.text) for s in t.segments] == [
        (0.0, 4.0, "Good morning, this is the coastal report."),
        (4.0, 9.0, "High water today is just after noon."),
        (9.0, 15.0, "The moon is two days past full, so the range is larger than usual."),
        (15.0, 21.0, "Expect a low of zero point four metres."),
        (21.0, 3723.0, "Walkers on the causeway should cross before ten."),
        (3723.0, 3727.0, "That was a long pause."),
        (3727.0, 3731.0, "Back to the studio."),  # a range gives the end
    ]
    assert t.set_aside == ["Morning radio segment: tides and moon"]
    _assert_no_word_lost(source_text(path), t)


# --- meeting -------------------------------------------------------------------------------


def test_sample_notes_design_review(samples):
    path = samples / "notes-design-review.txt"
    assert detected(path, min_score=0) == "meeting"
    t = parse_file(path)
    assert t.format == "meeting" and t.timing == EXACT and t.title == "notes-design-review"
    assert len(t.segments) == 19
    assert t.metadata["speakers"] == ["Priya Raman", "Tom Becker", "Alicia Gomez"]
    assert _seg(t, 0) == (
        3.0,
        14.0,
        "Priya Raman",
        "Okay, I think everyone's here. Thanks for making time. The goal today is to walk "
        "through the new search screen and decide whether it's ready for the beta.",
    )
    assert _seg(t, 1) == (14.0, 17.0, "Tom Becker", "Sounds good. I can share my screen.")
    assert _seg(t, 4)[:3] == (38.0, 44.0, "Alicia Gomez")
    assert _seg(t, -1) == (144.0, 144.0, "Priya Raman", "Perfect. Thanks, both of you.")
    assert t.set_aside == ["Transcribed by https://otter.ai"]
    _assert_no_word_lost(source_text(path), t)


@pytest.mark.parametrize(
    ("name", "turns", "aside"),
    [
        (
            "zoom-inline.txt",
            [
                (2.0, "Dana Whitfield", "Morning, everyone. Quick one today."),
                (6.0, "Luis Ortega", "Morning."),
                (
                    8.0,
                    "Dana Whitfield",
                    "First item, the compost delivery is on Thursday, so please leave the side gate unlocked.",
                ),
                (17.0, "Keiko Sato", "I can be there from eight."),
                (21.0, "Luis Ortega", "I'll bring the wheelbarrows."),
                (25.0, "Dana Whitfield", "Perfect. Second item, the seed swap."),
                (31.0, "Keiko Sato", "Twelve people signed up so far."),
                (35.0, "Dana Whitfield", "Great. That's everything. Thanks, all."),
            ],
            ["Weekly sync — garden co-op"],
        ),
        (
            "teams-copied.txt",
            [
                (3.0, "Dana Whitfield", "Can everyone hear me? Good. Let's start with the budget."),
                (9.0, "Luis Ortega", "The tools line is over by about sixty."),
                (14.0, "Dana Whitfield", "That's the new hoses, I think."),
                (17.0, "Keiko Sato", "Yes, we replaced three of them after the frost."),
                (3725.0, "Luis Ortega", "Then we're fine for the year."),
            ],
            ["Dana Whitfield started transcription", "Dana Whitfield stopped transcription"],
        ),
        (
            "rev-style.txt",
            [
                (3.0, "Dana Whitfield", "Welcome to the co-op's first podcast episode."),
                (8.0, "Keiko Sato", "Thanks for having me. I've been growing beans here for nine years."),
                (15.0, "Dana Whitfield", "Nine years! What changed the most in that time?"),
                (19.0, "Keiko Sato", "Honestly, the weather. Spring arrives two weeks earlier now."),
            ],
            [
                "This transcript was generated by an automatic speech recognition service and may contain errors.",
            ],
        ),
    ],
)
def test_meeting_exports(name, turns, aside):
    path = DATA / name
    assert detected(path, min_score=0) == "meeting"
    t = parse_file(path)
    assert t.format == "meeting"
    assert [(s.start, s.speaker, s.text) for s in t.segments] == turns
    # ends are the next turn's start
    assert [s.end for s in t.segments] == [s[0] for s in turns[1:]] + [turns[-1][0]]
    assert t.set_aside == aside
    assert t.metadata["speakers"] == list(dict.fromkeys(s[1] for s in turns))
    _assert_no_word_lost(source_text(path), t)


def test_timed_formats_do_not_claim_other_timed_files(corpus):
    """Subtitles and whisper output have times at line starts too; they stay theirs."""
    for path in [_seed(corpus, "000"), _seed(corpus, "002"), *sorted((corpus / "formats").rglob("*.*"))]:
        if path.name == "SOURCES.txt":
            continue
        assert detected(path, min_score=0) not in {"timed-text", "meeting", "markdown", "text"}, path.name


def test_meeting_bare_zoom_lines_and_multi_paragraph_turns():
    src = (
        "00:00:03 Ruth Adeyemi: Shall we start?\n"
        "00:00:05 Sam Cole: Yes.\n"
        "00:01:10 Ruth Adeyemi: Good.\n"
        "\n"
        "Otter-like turns can run over several paragraphs,\n"
        "and they all belong to the same speaker.\n"
    )
    t = parse_bytes(src.encode(), name="z", ext=".txt")
    assert t.format == "meeting"
    assert rows(t) == [
        (3.0, 5.0, "Ruth Adeyemi", "Shall we start?"),
        (5.0, 70.0, "Sam Cole", "Yes."),
        (
            70.0,
            70.0,
            "Ruth Adeyemi",
            "Good. Otter-like turns can run over several paragraphs, and they all belong to the same speaker.",
        ),
    ]


def test_copied_panel_with_a_few_capitalised_lines_is_not_a_meeting():
    src = "0:00\nSo: here is the plan\n0:04\nwe start at the bridge\n0:09\nand walk upstream\n0:15\nuntil the weir\n"
    t = parse_bytes(src.encode(), name="p", ext=".txt")
    assert t.format == "timed-text"
    assert texts(t) == [
        "So: here is the plan",
        "we start at the bridge",
        "and walk upstream",
        "until the weir",
    ]


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDE,.?!'-", min_size=1, max_size=9)
_LINE = st.lists(_WORD, min_size=0, max_size=12).map(" ".join)
_HEAD = st.lists(
    st.sampled_from(["Share", "Views 1,204", "By", "53,478", "Translate:", "", "Questions: 0/10"]), max_size=5
)
_TAIL = st.lists(st.sampled_from(["Related talks", "Share this", "", "© 2024 Example Media", "Tags: a, b"]), max_size=3)


@settings(max_examples=200, deadline=None)
@given(_HEAD, st.lists(_LINE, max_size=40), _TAIL)
def test_text_keeps_every_word_in_order(head, body, tail):
    """Untimed text: chrome at the head and tail is set aside, and every word
    of the body is in a segment, in the file's order."""
    body = ["Hello there, this is where it starts.", *body, "Thanks."]
    src = "\n".join(head + body + tail)
    t = parse_bytes(src.encode(), name="p", ext=".txt", fmt="text")
    assert t.timing == ESTIMATED
    assert _segment_words(t) == words("\n".join(body))
    assert words(" ".join(t.set_aside)) == words("\n".join(head + tail))
    for a, b in zip(t.segments, t.segments[1:], strict=False):
        assert b.start == a.end
        assert len(b.text.split()) <= MAX_WORDS + LOOKAHEAD + MIN_WORDS - 1
