"""Passages: where the reader's paragraphs end (store/passages.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hark.store.formats import parse_file
from hark.store.model import NONSPEECH, Segment
from hark.store.passages import HARD_WORDS, group
from hark.store.reflow import ends_sentence

SEEDS = Path("/work/shared/corpus/seeds")


def _timed(texts: list[str], *, speakers: list[str | None] | None = None, step: float = 3.0) -> list[Segment]:
    out = []
    for i, t in enumerate(texts):
        sp = speakers[i] if speakers else None
        out.append(Segment(start=i * step, end=i * step + step, text=t, speaker=sp))
    return out


def _text(segs: list[Segment], p) -> str:
    return " ".join(segs[i].text for i in p.segments)


def test_a_long_passage_goes_back_to_its_last_sentence_end():
    # 15 ten-word segments, a sentence end every third: the cap (140) falls
    # inside a sentence, so the passage ends at the sentence end before it.
    texts = []
    for i in range(15):
        words = " ".join(f"w{i}x{j}" for j in range(9))
        texts.append(words + (" end." if i % 3 == 2 else " on"))
    segs = _timed(texts, step=4.0)
    ps = group(segs)
    assert len(ps) > 1
    for p in ps[:-1]:
        assert ends_sentence(segs[p.last].text), _text(segs, p)[-40:]


def test_segments_that_run_across_sentences_are_not_cut_mid_sentence():
    # Whisper-like segments whose sentence ends fall inside them: past the
    # cap the passage runs on to the next segment that ends a sentence.
    texts = ["Start here. " + " ".join(["word"] * 20) for _ in range(9)]
    texts.append("and it ends.")
    segs = _timed(texts)
    ps = group(segs)
    assert [(p.first, p.last) for p in ps] == [(0, 9)]


def test_a_sentence_longer_than_twice_the_cap_is_cut():
    segs = _timed([" ".join(["word"] * 20) + " more." if i == 0 else " ".join(["word"] * 20) for i in range(20)])
    ps = group(segs)
    assert len(ps) > 1
    assert all(sum(len(segs[i].text.split()) for i in p.segments) <= HARD_WORDS for p in ps[1:])


def test_speaker_turns_nonspeech_and_chapters_end_passages():
    segs = _timed(["Hello there.", "Hi.", "[Music]", "Next part.", "More."], speakers=["A", "B", "B", "B", "B"])
    segs[2].kind = NONSPEECH
    ps = group(segs, chapter_starts={4})
    assert [(p.first, p.last, p.speaker) for p in ps] == [
        (0, 0, "A"),
        (1, 1, "B"),
        (2, 2, "B"),
        (3, 3, "B"),
        (4, 4, "B"),
    ]
    assert ps[2].nonspeech


def test_unpunctuated_captions_end_at_the_longest_pause():
    # Eight-word caption lines two seconds apart, but one gap of five
    # seconds after line 9: the cap is reached at line 17, the cut is there.
    segs, t = [], 0.0
    for i in range(20):
        segs.append(Segment(start=t, end=None, text=" ".join(f"c{i}w{j}" for j in range(8))))
        t += 5.0 if i == 9 else 2.0
    ps = group(segs)
    assert ps[0].last == 9


def test_unpunctuated_captions_do_not_end_on_a_word_that_cannot_end_one():
    segs = []
    for i in range(20):
        text = " ".join(f"c{i}w{j}" for j in range(7)) + (" I'm" if i == 16 else " so")
        segs.append(Segment(start=i * 2.0, end=(i + 1) * 2.0, text=text))
    ps = group(segs)
    assert all(not segs[p.last].text.endswith("I'm") for p in ps)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared corpus is not here")
@pytest.mark.parametrize("seed", ["000", "004"])
def test_the_seeds_break_where_the_issue_saw_them_break_mid_sentence(seed):
    (path,) = SEEDS.glob(f"{seed}_*")
    t = parse_file(path)
    segs = t.segments
    ps = group(segs)
    ends = {(segs[p.last].text.split()[-1], segs[p.last + 1].text.split()[0]) for p in ps[:-1]}
    if seed == "000":
        # "agents who are / 4:44 like doing the designing"; "problem of / specialization"
        assert ("are", "like") not in ends
        assert ("of", "specialization") not in ends
        punctuated = sum(1 for p in ps[:-1] if ends_sentence(segs[p.last].text))
        assert punctuated == len(ps) - 1
    else:
        assert ("I'm", "Jacob") not in ends
