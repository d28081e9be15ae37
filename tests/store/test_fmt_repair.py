"""Import, the last mile (issue 18): broken timing lines, cues without one,
pauses kept when words are merged, and text files that are lists.

Small files written for these cases live in tests/store/data/repair; the
rest are inline.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from fmt_helpers import rows, source_text, texts, times

from hark.store import reflow
from hark.store.formats import NotATranscript, parse, parse_bytes, parse_file, repair_note
from hark.store.formats._cues import fill_gaps, loose_arrow_timing, loose_comma_timing, timeish
from hark.store.formats._lists import list_reason
from hark.store.importer import import_paths
from hark.store.library import Library
from hark.store.model import Segment

DATA = Path(__file__).parent / "data" / "repair"

# What a timing line (readable or not) looks like inside a segment's text.
_TIMING_TEXT = re.compile(r"\d+:\d+\S*\s*(?:-->|->|,)\s*\d*:?\d+:\S+")


def _no_timing_text(t) -> None:
    for s in t.segments:
        assert not _TIMING_TEXT.search(s.text), s.text


# --- a timing line that cannot be read is never speech ------------------------------


def test_sbv_unreadable_start_keeps_the_end_and_starts_at_the_previous_end():
    # The file: cue 3 reads '0:00:13.f89,0:00:15.489'.
    t = parse_file(DATA / "broken_timing.sbv")
    assert t.format == "sbv"
    assert rows(t) == [
        (0.378, 11.378, None, "Caption text #1"),
        (11.378, 12.305, None, "Caption text #2"),
        (12.305, 15.489, None, "Caption text #3 (line 1) Caption text #3 (line 2)"),
        (15.489, 16.234, None, "Caption text #4"),
        (17.484, 18.543, None, "Caption text #5"),
    ]
    _no_timing_text(t)
    assert t.metadata["timing_lines_repaired"] == 1
    assert "cues_without_timing" not in t.metadata
    assert repair_note(t) == "1 timing line repaired"


def test_sbv_missing_and_unreadable_timing_lines():
    t = parse_file(DATA / "untimed_and_unreadable.sbv")
    assert rows(t) == [
        (1.0, 3.5, None, "The tide was out when we arrived."),
        # no timing line: from where the previous cue ends to where the next starts
        (3.5, 6.0, None, "Nobody had told us about the mud."),
        (6.0, 8.0, None, "So we walked the long way round."),
        # '0:00:0x.000,0:00:1y.000': neither time reads, the cue takes the gap
        (8.0, 12.0, None, "The gulls followed us the whole way."),
        (12.0, 14.0, None, "By noon the water was back."),
        # '0:00:15.000,0:00:1?.000' ends the file: its start holds, its words give its length
        (15.0, 16.6, None, "And we went home."),
    ]
    _no_timing_text(t)
    assert t.metadata["timing_lines_repaired"] == 2
    assert t.metadata["cues_without_timing"] == 1
    assert repair_note(t) == "2 timing lines repaired, 1 missing timing line filled in"


def test_srt_broken_and_missing_timing_lines():
    t = parse_file(DATA / "broken_timing.srt")
    assert t.format == "srt"
    assert rows(t) == [
        (0.5, 7.0, None, "The ferry leaves at seven."),
        (7.0, 9.0, None, "It takes forty minutes to cross."),  # '00:00:07,x00 --> 00:00:09,000'
        (9.0, 13.0, None, "The café on board sells tea."),  # '00:00:1O,000 --> 00:00:l2,000'
        (13.0, 16.0, None, "Most people stay on deck."),  # '00:00:13,000 -->'
        (16.0, 18.0, None, "Unless it rains."),
        # two cues in a row without a timing line share the gap, by their words
        (18.0, 21.0, None, "Then they all come inside at once."),
        (21.0, 24.0, None, "and the café runs out of cups."),
        (24.0, 26.0, None, "Nobody minds much."),
        # the last cue has none: it starts where the previous ends and lasts as
        # long as its seven words take at 150 words a minute
        (26.0, 28.8, None, "Last one off turns out the lights."),
    ]
    _no_timing_text(t)
    assert t.metadata["timing_lines_repaired"] == 3
    assert t.metadata["cues_without_timing"] == 3


def test_srt_trailing_untimed_cue_follows_the_speaking_rate():
    src = (DATA / "broken_timing.srt").read_bytes()
    t = parse_bytes(src, name="ferry", ext=".srt", wpm=70)
    assert times(t)[-1] == (26.0, 32.0)  # seven words at 70 a minute


def test_vtt_broken_timing_lines_start_cues_and_keep_their_ids_out():
    t = parse_file(DATA / "broken_timing.vtt")
    assert t.format == "vtt"
    assert rows(t) == [
        (0.5, 3.0, "Ana", "Welcome to the workshop."),
        (3.0, 5.0, "Ana", "Bring your own chisel."),  # '00:03.x00 --> 00:05.000' after the id 'tools'
        (5.0, 9.0, "Ben", "And your own glue."),  # '00:0?.000 --> 00:0?.000'
        (9.0, 11.0, "Ana", "We start at nine."),
    ]
    _no_timing_text(t)
    # the ids before the cues are ids, set aside as words (not cue text), the
    # damaged one's as well
    assert t.set_aside == ["intro", "tools"]
    assert t.metadata["timing_lines_repaired"] == 2


def test_whisper_console_cue_with_unreadable_times_keeps_its_words():
    t = parse_file(DATA / "broken_timing_whisper.txt")
    assert t.format == "whisper"
    assert rows(t) == [
        (0.0, 2.0, None, "The boats come in at dawn."),
        # '[00:00:02.000 --> 00:00:0x.500]' then '[00:00:0?.000 --> 00:00:??.000]':
        # the first keeps its start, the two share the gap by their words
        (2.0, 4.692, None, "The nets are hauled up by hand."),
        (4.692, 7.0, None, "Then the fish go to market."),
        (7.0, 9.0, None, "By ten the quay is empty."),
    ]
    assert t.metadata["timing_lines_repaired"] == 2
    assert not any("00:00" in a for a in t.set_aside)


def test_word_level_whisper_with_a_broken_cue_is_still_regrouped():
    cues = [(0.0, 0.3, "We"), (0.3, 0.6, "left"), (0.6, 0.9, "at"), (0.9, 1.2, "dawn"), (1.2, 1.6, "and")]
    lines = [f"[00:00:{a:06.3f} --> 00:00:{b:06.3f}]  {w}" for a, b, w in cues]
    lines.append("[00:00:01.6x0 --> 00:00:02.000]  came")
    lines.append("[00:00:02.000 --> 00:00:02.400]  back.")
    t = parse("\n".join(lines) + "\n", "whisper")
    assert t.metadata["word_level"] is True and t.metadata["timing_lines_repaired"] == 1
    assert rows(t) == [(0.0, 2.4, None, "We left at dawn and came back.")]


@pytest.mark.parametrize(
    "fmt,src",
    [
        ("srt", "1\n00:00:01,000 --> 00:00:02,000\nOne.\n\n2\n00:00:0?,000 --> 00:00:0?,000\nTwo.\n\n3\n"
                "00:00:05,000 --> 00:00:06,000\nThree.\n"),
        ("vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nOne.\n\n00:0?.000 --> 00:0?.000\nTwo.\n\n"
                "00:05.000 --> 00:06.000\nThree.\n"),
        ("sbv", "0:00:01.000,0:00:02.000\nOne.\n\n0:00:0?.000,0:00:0?.000\nTwo.\n\n0:00:05.000,0:00:06.000\nThree.\n"),
        ("whisper", "[00:00:01.000 --> 00:00:02.000]  One.\n[00:00:0?.000 --> 00:00:0?.000]  Two.\n"
                    "[00:00:05.000 --> 00:00:06.000]  Three.\n"),
    ],
)  # fmt: skip
def test_every_cue_format_gives_an_unreadable_cue_its_neighbours_gap(fmt, src):
    t = parse(src, fmt)
    assert rows(t) == [(1.0, 2.0, None, "One."), (2.0, 5.0, None, "Two."), (5.0, 6.0, None, "Three.")]
    assert repair_note(t) == "1 timing line repaired"


def test_damaged_timing_lines_are_recognised_and_prose_is_not():
    assert loose_comma_timing("0:00:13.f89,0:00:15.489") == (None, 15.489)
    assert loose_comma_timing("0:00:13.489 , 0:00:1x.489") == (13.489, None)
    assert loose_arrow_timing("00:00:07,x00 --> 00:00:09,000") == (None, 9.0, "")
    assert loose_arrow_timing("00:07.x00 --> 00:09.000 align:start") == (None, 9.0, "align:start")
    assert loose_arrow_timing("00:00:13,000 -->") == (13.0, None, "")
    assert loose_arrow_timing("00:00:01,000 --> 00:00:02,000") is None  # readable: not a repair
    for prose in (
        "Meet at 12:30 -- 13:00 by the gate",
        "12:30 -- lunch",
        "see you at 5, 6 or 7",
        "Caption text #3 (line 1)",
        "-->",
        "the score went 3:1 --> nowhere",
    ):
        assert loose_arrow_timing(prose) is None, prose
        assert loose_comma_timing(prose) is None, prose
    assert timeish("0?.000:1") and timeish("00:00:l2,000") and not timeish("12:3x4y5z") and not timeish("1:2")


def test_fill_gaps_without_any_time_uses_the_speaking_rate():
    segs = [Segment(start=None, end=None, text="one two three four five")]  # type: ignore[arg-type]
    assert fill_gaps(segs, wpm=150) == 1
    assert (segs[0].start, segs[0].end) == (0.0, 2.0)


# --- pauses: merged words never cross one --------------------------------------------

# (word, start, end): pauses of 2.5 s and 1.6 s (kept) and of 1.0 s (crossed).
WORDS = [
    ("Yes,", 0.0, 0.3),
    ("president,", 0.4, 0.9),
    ("the", 3.4, 3.6),
    ("people", 3.6, 4.0),
    ("were", 5.6, 5.9),
    ("left", 5.9, 6.2),
    ("devastated", 7.2, 7.9),
    ("and", 8.0, 8.2),
    ("rebuilt.", 8.2, 8.8),
]
EXPECTED = [
    (0.0, 0.9, "Yes, president,"),
    (3.4, 4.0, "the people"),
    (5.6, 8.8, "were left devastated and rebuilt."),
]
_TRANSCRIPT = " ".join(w for w, _, _ in WORDS)


def _split_punct(word: str) -> tuple[str, str]:
    m = re.fullmatch(r"(.*?)([.,]?)", word)
    assert m
    return m.group(1), m.group(2)


def _aws() -> dict:
    items = []
    for w, a, b in WORDS:
        bare, punct = _split_punct(w)
        items.append(
            {"type": "pronunciation", "start_time": str(a), "end_time": str(b), "alternatives": [{"content": bare}]}
        )
        if punct:
            items.append({"type": "punctuation", "alternatives": [{"content": punct}]})
    return {"results": {"items": items}}


_RENDER = {
    "whisper": lambda: "\n".join(f"[00:00:{a:06.3f} --> 00:00:{b:06.3f}]  {w}" for w, a, b in WORDS),
    "whisper-cpp-json": lambda: json.dumps(
        {
            "transcription": [
                {"offsets": {"from": int(a * 1000), "to": int(b * 1000)}, "text": f" {w}"} for w, a, b in WORDS
            ]
        }
    ),
    "whisper-json": lambda: json.dumps({"word_segments": [{"word": w, "start": a, "end": b} for w, a, b in WORDS]}),
    "deepgram": lambda: json.dumps(
        {
            "results": {
                "channels": [
                    {
                        "alternatives": [
                            {"words": [{"word": w, "punctuated_word": w, "start": a, "end": b} for w, a, b in WORDS]}
                        ]
                    }
                ]
            }
        }
    ),
    "deepgram-utterance": lambda: json.dumps(
        {
            "results": {
                "utterances": [
                    {
                        "start": 0.0,
                        "end": 8.8,
                        "speaker": 0,
                        "transcript": _TRANSCRIPT,
                        "words": [{"word": w, "punctuated_word": w, "start": a, "end": b} for w, a, b in WORDS],
                    }
                ]
            }
        }
    ),
    "assemblyai": lambda: json.dumps(
        {"words": [{"text": w, "start": int(a * 1000), "end": int(b * 1000)} for w, a, b in WORDS]}
    ),
    "assemblyai-utterance": lambda: json.dumps(
        {
            "utterances": [
                {
                    "speaker": "A",
                    "start": 0,
                    "end": 8800,
                    "text": _TRANSCRIPT,
                    "words": [{"text": w, "start": int(a * 1000), "end": int(b * 1000)} for w, a, b in WORDS],
                }
            ]
        }
    ),
    "aws-transcribe": lambda: json.dumps(_aws()),
    "podcast-json": lambda: json.dumps({"segments": [{"startTime": a, "endTime": b, "body": w} for w, a, b in WORDS]}),
}


@pytest.mark.parametrize("shape", sorted(_RENDER))
def test_no_merge_crosses_a_pause(shape):
    t = parse(_RENDER[shape](), shape.removesuffix("-utterance"))
    assert [(s.start, s.end, s.text) for s in t.segments] == EXPECTED
    # Every gap inside a segment is shorter than the one shared constant.
    for s in t.segments:
        inside = [(a, b) for w, a, b in WORDS if s.start <= a and b <= s.end]
        assert all(nxt[0] - prev[1] < reflow.PAUSE for prev, nxt in zip(inside, inside[1:], strict=False))


def test_whisper_word_lines_keep_their_pauses():
    # The case: whisper-timestamped word lines across gaps of 2-3 s.
    t = parse_file(DATA / "word_lines_pauses.txt")
    assert t.metadata["word_level"] is True
    assert rows(t) == [
        (10.93, 11.37, None, "president,"),
        (13.5, 14.2, None, "the people"),
        (16.9, 18.0, None, "were left"),
        (20.5, 22.8, None, "devastated. And then they rebuilt."),
    ]


def test_the_pause_is_about_a_second_and_a_half():
    assert reflow.PAUSE == 1.5


# --- text files that are lists, not transcripts -----------------------------------------


@pytest.mark.parametrize(
    "name,what",
    [
        ("SOURCES.txt", "6 of 6 lines are tab-, comma- or bar-separated fields"),
        ("links.txt", "5 of 6 lines are links"),
        ("import.log", "5 of 5 lines are log lines"),
    ],
)
def test_a_list_is_not_a_transcript(name, what):
    with pytest.raises(NotATranscript) as e:
        parse_file(DATA / name)
    assert str(e.value) == f"not a transcript: {what} (a list, not speech)"


def test_format_text_imports_a_list_anyway():
    t = parse_file(DATA / "SOURCES.txt", fmt="text")
    assert t.format == "text" and "https://example.org/captions/ferry.srt" in " ".join(texts(t))


def test_a_folder_import_skips_lists_with_the_reason_and_takes_the_rest(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ("SOURCES.txt", "links.txt", "import.log", "broken_timing.sbv", "audacity_labels.txt"):
        shutil.copy(DATA / name, folder / name)
    (folder / "talk.txt").write_text(
        "so today i want to talk about harbours and how they grew up around the old fishing villages "
        "and what that means for the people who still live there\n"
        "https://example.org/talks/harbours\n"
        "https://example.org/talks/harbours/slides\n"
        "https://example.org/about\n"
    )
    with Library(tmp_path / "lib.sqlite3") as lib:
        report = import_paths(lib, [folder])
        skipped = {Path(p).name: why for p, why in report.skipped}
        assert set(skipped) == {"SOURCES.txt", "links.txt", "import.log"}
        assert skipped["SOURCES.txt"].startswith("not a transcript: 6 of 6 lines are tab-")
        assert "log lines" in skipped["import.log"] and "links" in skipped["links.txt"]
        assert report.failed == [] and len(report.imported) == 3
        assert report.repaired == [(str(folder / "broken_timing.sbv"), "1 timing line repaired")]
        assert report.to_json()["repaired"] == [
            {"path": str(folder / "broken_timing.sbv"), "note": "1 timing line repaired"}
        ]
        # asked for by name with a format, the list goes in
        forced = import_paths(lib, [folder / "SOURCES.txt"], fmt="text")
        assert len(forced.imported) == 1 and forced.skipped == []
        # nothing repaired, nothing said; an unchanged file is not reported again
        again = import_paths(lib, [folder])
        assert again.repaired == [] and "repaired" not in again.to_json()


@pytest.mark.parametrize(
    "text",
    [
        # an unpunctuated auto-caption dump on one line, with its links under it
        "so today we are going to look at the harbour " * 40 + "\nhttps://example.org/a\nhttps://example.org/b\n"
        "https://example.org/c\n",
        # hard-wrapped prose
        "The harbour was built in 1820, when the\nvillage still fished for herring. Most of\n"
        "the old walls are still there.\nhttps://example.org/harbour\n",
        # Audacity labels and whisper's .tsv: timed rows whose text is speech
        "0.000000\t3.200000\tWelcome back to the harbour walk\n3.200000\t7.450000\ttoday we start at the lighthouse\n"
        "7.450000\t11.000000\tand follow the sea wall\n",
        # speaker turns, a court-style transcript with aligned labels
        "THE COURT:  Please be seated.\nMR. HALE:  Thank you, Your Honour.\nTHE COURT:  Call your first witness.\n",
        # a lower-case chat with short turns
        "ana: are we still on for saturday\nben: yes\nana: great, bring the map\nben: will do\n",
        # timestamped links in Markdown
        "- [00:12](https://youtu.be/x?t=12) so we went down to the harbour\n"
        "- [00:18](https://youtu.be/x?t=18) and the boats were all in\n"
        "- [00:25](https://youtu.be/x?t=25) because of the storm warning\n",
    ],
)
def test_transcripts_are_not_lists(text):
    assert list_reason(text) is None
    assert parse(text).segments


def test_the_audacity_labels_file_is_still_text():
    t = parse_file(DATA / "audacity_labels.txt")
    assert t.format == "text"


def test_corpus_text_files_are_not_lists_but_the_provenance_list_is(corpus):
    files = [p for p in sorted(corpus.rglob("*")) if p.is_file() and p.name not in ("SOURCES.txt", "README.md")]
    assert files
    for p in files:
        assert list_reason(source_text(p)) is None, p.name
    with pytest.raises(NotATranscript, match="key: value fields and file paths"):
        parse_file(corpus / "formats" / "SOURCES.txt")
