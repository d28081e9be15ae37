"""Finding copies of one talk: the fingerprint (hark.store.copies).

Copies are made up from the package samples (and the corpus seeds when
present) with copy_helpers.make_copy: no punctuation or case, fillers, 5%
of words replaced and 5% dropped, an intro the original lacks."""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from copy_helpers import OUTRO, TALKS, make_copy, original_words

from hark.store.align import shared_words
from hark.store.copies import (
    FILLERS,
    MIN_WORDS,
    SAME_TALK_SHARE,
    VERSION,
    CopyIndex,
    K,
    copies_among,
    fingerprint,
    fingerprint_text,
    fingerprint_texts,
    fingerprint_words,
    norm,
    normal_words,
    same_talk,
    similarity,
    speech,
)
from hark.store.formats import parse_file

ALL_SAMPLES = [*TALKS, "essay-rivers.txt", "phonetics-lab.TextGrid"]


def _load(samples: Path, name: str):
    return parse_file(samples / name)


def _seed(corpus: Path, prefix: str):
    return parse_file(next((corpus / "seeds").glob(f"{prefix}_*.txt")))


def _text(words: list[str]) -> str:
    return " ".join(words)


# --- normalising ------------------------------------------------------------


def test_words_are_compared_without_case_accents_punctuation_or_fillers():
    assert norm("There's") == "theres"
    assert norm("CAFÉ") == "cafe"
    assert norm("Um") is None and norm("uh") is None
    assert normal_words("Um, the CAFÉ—uh—it's Zürich; naïve? Er, yes.") == [
        "the",
        "cafe",
        "its",
        "zurich",
        "naive",
        "yes",
    ]


def test_only_true_fillers_are_dropped():
    assert {"um", "uh", "er", "ah", "erm", "hmm"} <= FILLERS
    # words that also carry meaning stay
    for word in ("like", "so", "well", "right", "you", "know", "okay", "yeah", "oh", "i", "mean", "a"):
        assert word not in FILLERS
        assert norm(word) == word


def test_fingerprint_ignores_case_punctuation_and_fillers():
    a = fingerprint_text("The tide, um, rises twice a day -- and falls twice; uh, roughly!")
    b = fingerprint_text("the tide rises twice a day and falls twice roughly")
    assert a == b
    assert fingerprint_words(a) == 10


def test_fingerprint_is_small(samples):
    for name in ALL_SAMPLES:
        fp = fingerprint(_load(samples, name).segments)
        assert isinstance(fp, bytes)
        assert len(fp) <= 7 + 6 * K <= 300


def test_fingerprint_is_the_same_in_every_process(samples):
    """Fingerprints are stored: they may not depend on Python's per-process
    string hashing."""
    path = samples / "lecture-tides.srt"
    here = fingerprint(parse_file(path).segments).hex()
    code = (
        "import sys; from pathlib import Path; from hark.store.formats import parse_file; "
        "from hark.store.copies import fingerprint; "
        "print(fingerprint(parse_file(Path(sys.argv[1])).segments).hex())"
    )
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == here


def test_fingerprint_does_not_depend_on_the_characters_remembered(samples, monkeypatch):
    """Non-ASCII characters are folded once and remembered in a table, by
    a hash; a fresh table, or one where every character falls in the same
    slot, gives the same fingerprint."""
    import numpy as np

    import hark.store.copies as copies

    text = "\n".join(s.text for s in _load(samples, "roundtable-long-night.vtt").segments)
    text = text.replace("a", "á").replace("the ", "thé ").replace("'", "’") + " Zürich — naïve… “quoted”"
    before = fingerprint_text(text)
    monkeypatch.setattr(copies, "_SLOT_CHAR", np.zeros(copies._SLOTS, dtype=np.uint32))
    monkeypatch.setattr(copies, "_SLOT_BYTE", np.zeros(copies._SLOTS, dtype=np.uint8))
    assert fingerprint_text(text) == before  # learnt afresh
    assert fingerprint_text(text) == before  # remembered
    monkeypatch.setattr(copies, "_SLOT_MUL", np.uint32(0))  # all in one slot
    assert fingerprint_text(text) == before
    assert fingerprint_text(text.replace("á", "a").replace("é", "e")) == fingerprint_text(
        text.replace("á", "A").replace("é", "E")
    )


def test_the_slow_way_gives_the_same_words():
    """A text with a letter that stays non-ASCII once folded ("ß", "ж") or
    one spelt with several ("ﬁ") is read another way: its other words are
    the same words as in any text."""
    base = "Café crème, it’s the “first”—and naïve—ﬁnal draft; OK"
    plain = "cafe creme its the first and naive final draft ok"
    assert normal_words(plain) == plain.split()
    for extra in ("", " straße", " жена", " ﬁ", " 😀"):
        a, b = fingerprint_text(base + extra), fingerprint_text(plain + extra)
        assert a == b, extra
        assert fingerprint_words(a) == 10 + bool(extra.strip() and extra != " 😀")


def test_latin1_text_is_read_as_any_other():
    """Text of characters below U+0100 is folded by one translation of its
    Latin-1 bytes: each such character gives the words that the UTF-8 way
    (taken by any text with a character beyond U+00FF, like "’") gives."""
    import hark.store.copies as copies

    for code in range(0x80, 0x100):
        c = chr(code)
        text = f"Caf{c} x{c}y {c} {c.upper()}Z it's A{c}{c}b"
        latin = bytes(copies._word_bytes(text))
        assert bytes(copies._word_bytes(text + "’")).rstrip(b"\0") == latin.rstrip(b"\0"), hex(code)
        assert fingerprint_text(text) == fingerprint_text(text + " ’"), hex(code)


def test_fingerprints_made_together_are_the_ones_made_alone(samples, corpus):
    """fingerprint_texts (what an import and the backfill use) gives each
    text exactly the fingerprint it gets alone, whatever goes with it."""
    texts = ["\n".join(s.text for s in _load(samples, name).segments) for name in ALL_SAMPLES]
    texts += ["\n".join(s.text for s in _seed(corpus, p).segments) for p in ("000", "001")]
    texts[3:3] = ["", "um uh", "two words", "Three words here", " ".join(sorted(FILLERS)), "Zürich — straße ’ ﬁ"]
    texts.append(" ".join(texts))  # a long one, sampled at a coarser level
    alone = [fingerprint_text(t) for t in texts]
    assert [fingerprint_words(fp) for fp in alone[3:9]] == [0, 0, 2, 3, 0, 3]
    assert len(set(alone)) == len(alone) - 2  # the three without words are alike
    for size in (1, 2, 3, 5, len(texts)):
        together = [fp for k in range(0, len(texts), size) for fp in fingerprint_texts(texts[k : k + size])]
        assert together == alone, size
    assert fingerprint_texts([]) == []
    segments = [_load(samples, name).segments for name in TALKS[:3]]
    assert fingerprint_texts([speech(s) for s in segments]) == [fingerprint(s) for s in segments]


def test_every_filler_is_dropped():
    import hark.store.copies as copies

    assert fingerprint_words(fingerprint_text(" ".join(sorted(FILLERS)) + " Um, UH! Hmm…")) == 0
    # the filler table tells them apart by the top 12 bits of their ids
    assert len({int(i) >> 52 for i in copies._FILLER_IDS}) == len(FILLERS)
    # words that only contain a filler stay; a hyphen parts words ("uhh" goes, "huh" stays)
    assert fingerprint_words(fingerprint_text("hum umbrella uhh-huh summer")) == 4


def test_fingerprint_is_the_same_on_every_machine():
    """A fixed text's fingerprint, byte for byte: the word ids and hashes use
    no per-process or per-machine state (a change here needs a new VERSION,
    so that stored fingerprints are made again)."""
    fp = fingerprint_text("The tide rises twice a day and falls twice, roughly; the moon pulls it. Café naïve ﬁne")
    assert fp[0] == VERSION == 2
    assert fp.hex() == (
        "020f0011000000943f782e0240b1262e3100005a948843f88f2194884800205edbca49f8cfdee8754ff89f3ae456750030c2"
        "d7e7890080cba0f896017053d70b980160beb001ba00508e7b72bb001010baa1c3fabfb6012bccf9dfa2628df6f9af"
    )


def test_fingerprint_of_another_version_is_refused():
    fp = bytearray(fingerprint_text("one two three four five six"))
    fp[0] = 99
    with pytest.raises(ValueError, match="version"):
        similarity(bytes(fp), bytes(fp))


# --- copies found -----------------------------------------------------------


def test_seeds_000_and_001_are_the_same_talk(corpus):
    """000 is whisper output with times, 001 the same talk as one unpunctuated
    line with fillers: found as copies, sharing about 96% of their words."""
    a, b = _seed(corpus, "000"), _seed(corpus, "001")
    sim = similarity(fingerprint(a.segments), fingerprint(b.segments))
    assert sim.same_talk
    assert sim.share >= 0.9, sim
    exact = shared_words(a.segments, b.segments)
    assert exact.share >= 0.95, exact  # 1,116 of 000's 1,160 words, in order
    assert same_talk(fingerprint(b.segments), fingerprint(a.segments)) == sim


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", TALKS)
def test_made_up_copy_is_found(samples, name, seed):
    t = _load(samples, name)
    copy = make_copy(t.segments, seed=seed)
    sim = similarity(fingerprint(t.segments), fingerprint(copy.segments))
    assert sim.same_talk, sim
    assert sim.share >= 0.75, sim
    assert shared_words(t.segments, copy.segments).share >= 0.8


def test_copy_missing_its_first_and_last_minutes_is_found(samples):
    t = _load(samples, "roundtable-long-night.vtt")
    copy = make_copy(t.segments, seed=4, cut_head=60, cut_tail=60, outro=OUTRO)
    sim = similarity(fingerprint(t.segments), fingerprint(copy.segments))
    assert sim.same_talk and sim.share >= 0.8, sim
    assert sim.shorter_words < sim.longer_words


@pytest.mark.parametrize("prefix", ["000", "002", "004"])
def test_made_up_copies_of_corpus_talks_are_found(corpus, prefix):
    t = _seed(corpus, prefix)
    for seed, cut in ((0, 0.0), (1, 60.0)):
        copy = make_copy(t.segments, seed=seed, cut_head=cut, cut_tail=cut)
        sim = similarity(fingerprint(t.segments), fingerprint(copy.segments))
        assert sim.same_talk and sim.share >= 0.7, (seed, cut, sim)


# --- not copies -------------------------------------------------------------


def test_different_samples_are_not_copies(samples):
    prints = {name: fingerprint(_load(samples, name).segments) for name in ALL_SAMPLES}
    for a, b in itertools.combinations(prints, 2):
        sim = similarity(prints[a], prints[b])
        assert not sim.same_talk, (a, b, sim)
        assert sim.share < 0.2, (a, b, sim)


def test_different_corpus_talks_are_not_copies(corpus):
    prints = {p: fingerprint(_seed(corpus, p).segments) for p in ("000", "002", "003", "004")}
    for a, b in itertools.combinations(prints, 2):
        assert not similarity(prints[a], prints[b]).same_talk, (a, b)


def _shared_bits(samples: Path):
    """Pairs of different talks, each given a passage of the other's words
    (10 or 15% of the shorter one): as a quote in the middle, or as the same
    intro and outro (one show's episodes)."""
    rng = random.Random(7)
    talks = {name: original_words(_load(samples, name).segments)[0] for name in TALKS}
    for a, b in itertools.permutations(
        [
            "lecture-tides.srt",
            "podcast-bread.vtt",
            "talk-lighthouses.md",
            "panel-transit.json",
            "roundtable-long-night.vtt",
        ],
        2,
    ):
        wa, wb = talks[a], talks[b]
        for frac in (0.10, 0.15):
            n = int(frac * min(len(wa), len(wb)))
            at = rng.randrange(len(wb) - n)
            quote = wb[at : at + n]
            rest_b = wb[:at] + wb[at + n :]
            where = rng.randrange(len(wa))
            yield f"{a}<quote {frac} of {b}", wa[:where] + quote + wa[where:], wb
            half = n // 2
            yield (
                f"{a}+{b} intro/outro {frac}",
                quote[:half] + wa + quote[half:],
                quote[:half] + rest_b + quote[half:],
            )


def test_talks_sharing_only_a_quote_or_an_intro_are_not_copies(samples):
    for label, x, y in _shared_bits(samples):
        sim = similarity(fingerprint_text(_text(x)), fingerprint_text(_text(y)))
        assert not sim.same_talk, (label, sim)
        assert sim.share < 0.35, (label, sim)


def test_shared_passages_really_are_small(samples):
    """The negative cases above share 10-15% of the shorter one's words, as
    counted by the exact, word-level measure."""
    from hark.store.model import Segment

    for label, x, y in itertools.islice(_shared_bits(samples), 0, None, 5):
        exact = shared_words([Segment(0.0, 0.0, _text(x))], [Segment(0.0, 0.0, _text(y))])
        assert 0.08 <= exact.share <= 0.2, (label, exact)


def test_generated_talks_are_not_copies(monkeypatch):
    """Generated talks draw every word from one Zipf vocabulary, so they share
    many common triples ("of the ..."): still none is a copy of another."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "bench"))
    import genlib

    prints = [
        (n, fingerprint_text("\n".join(c.text for c in t.cues))) for n, t in enumerate(genlib.transcripts(40, 120, 3))
    ]
    assert copies_among(prints) == []
    assert max(similarity(a, b).share for (_, a), (_, b) in itertools.combinations(prints, 2)) < 0.2


def test_too_short_to_tell():
    text = (
        "Somebody had to climb the tower every evening, trim the wick, polish the glass and stay "
        "awake until dawn; the earliest keepers were fishermen or retired sailors paid a small wage."
    )
    assert len(normal_words(text)) < MIN_WORDS
    sim = similarity(fingerprint_text(text), fingerprint_text(text))
    assert sim.share == 1.0 and not sim.same_talk


# --- many fingerprints ------------------------------------------------------


def test_index_finds_a_copy_among_many(samples, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "bench"))
    import genlib

    index = CopyIndex()
    for n, t in enumerate(genlib.transcripts(300, 60, 11)):
        index.add(1000 + n, fingerprint_text("\n".join(c.text for c in t.cues)))
    for n, name in enumerate(TALKS):
        index.add(n, fingerprint(_load(samples, name).segments))
    assert len(index) == 300 + len(TALKS)
    t = _load(samples, "podcast-bread.vtt")
    copy = fingerprint(make_copy(t.segments, seed=5).segments)
    found = index.find(copy)
    assert [tid for tid, _ in found] == [TALKS.index("podcast-bread.vtt")]
    assert found[0][1].share >= SAME_TALK_SHARE
    # a transcript is not its own copy; one taken out is not found
    assert index.find(copy, exclude=found[0][0]) == []
    index.discard(found[0][0])
    assert index.find(copy) == [] and found[0][0] not in index
    # replacing a fingerprint: the new one counts, not the old one
    index.add(7, copy)
    assert [tid for tid, _ in index.find(fingerprint(t.segments))] == [7]
    # an unrelated talk finds nothing
    assert index.find(fingerprint(_load(samples, "essay-rivers.txt").segments)) == []


def test_copies_among_pairs_every_copy(samples):
    a = _load(samples, "lecture-tides.srt")
    b = _load(samples, "seminar-bees.xml")
    prints = [
        (1, fingerprint(a.segments)),
        (2, fingerprint(b.segments)),
        (3, fingerprint(make_copy(a.segments, seed=1).segments)),
        (4, fingerprint(make_copy(b.segments, seed=2).segments)),
        (5, fingerprint(make_copy(a.segments, seed=3).segments)),
    ]
    assert sorted((x, y) for x, y, _ in copies_among(prints)) == [(1, 3), (1, 5), (2, 4), (3, 5)]


# --- degenerate input -------------------------------------------------------


def test_empty_and_tiny_texts():
    empty = fingerprint_text("")
    assert fingerprint_words(empty) == 0
    assert fingerprint([]) == empty
    sim = similarity(empty, empty)
    assert sim.share == 0.0 and not sim.same_talk
    one = fingerprint_text("Hello.")
    assert fingerprint_words(one) == 1
    assert not similarity(one, one).same_talk
    assert not similarity(one, empty).same_talk
    assert CopyIndex([(1, empty), (2, one)]).find(one) == []


def test_huge_repetition():
    the = fingerprint_text("the " * 50_000)
    assert fingerprint_words(the) == 50_000
    sim = similarity(the, the)
    assert 0.0 <= sim.share <= 1.0
    assert not similarity(the, fingerprint_text("the cat sat on the mat " * 100)).same_talk


def test_similarity_is_symmetric(samples):
    a = fingerprint(_load(samples, "talk-lighthouses.md").segments)
    b = fingerprint(make_copy(_load(samples, "talk-lighthouses.md").segments, seed=9).segments)
    assert similarity(a, b) == similarity(b, a)
