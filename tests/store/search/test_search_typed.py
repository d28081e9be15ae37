"""What people type (issue 13, and the query bounds of issue 12 case 6):
hyphens join, a minus excludes only at the start of a term, every cut or
rewrite of a query is a note, the word being typed is a prefix, fuzzy
words are near as written, long phrases run across passages, CJK text is
found by its pairs of characters. On the package samples and small
libraries made here, checked against a scan of their words."""

from __future__ import annotations

import pytest
from search_helpers import Reference, save, where
from whoosh import query as wq

from hark.store.library import Library
from hark.store.search import Index, rewrite
from hark.store.search import query as hq
from hark.store.search.analysis import terms
from hark.store.search.whoosh.schema import make_schema

SCHEMA = make_schema()


# -- reading the query ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, read",
    [
        ("-the", "NOT the"),
        ("scaling -laws", "scaling NOT laws"),
        ('agents -"long horizon"', 'agents NOT "long horizon"'),
        ("(-a OR b)", "(NOT a OR b)"),
        ("+scaling laws", "scaling laws"),
        ("-title:keepers light", "NOT title:keepers light"),
        ("all-female team", "all-female team"),  # inside a word: a joiner, left to the analyzer
        ("GPT-4 fine-tuned", "GPT-4 fine-tuned"),
        ('"long horizon"-tasks', '"long horizon" tasks'),  # glued to a phrase: not an operator
        ("10:30 colour:blue", "10:30 colour:blue"),
    ],
)
def test_signs(typed, read):
    assert rewrite.signs(typed) == read


def test_hyphenated_words_parse_as_phrases():
    assert hq.parse("all-female", SCHEMA).query == wq.Phrase("text", ["all", "femal"])
    assert hq.parse("GPT-4", SCHEMA).query == wq.Phrase("text", ["gpt", "4"])
    assert hq.parse("endto-end", SCHEMA).query == wq.Phrase("text", ["endto", "end"])
    assert hq.parse("well- known", SCHEMA).query == wq.And([wq.Term("text", "well"), wq.Term("text", "known")])
    q = hq.parse("title:all-female", SCHEMA).query
    assert q == wq.Phrase("title", ["all", "femal"])
    # An operator after a hyphenated word still works.
    q = hq.parse("team -all-female", SCHEMA).query
    assert q == wq.And([wq.Term("text", "team"), wq.Not(wq.Phrase("text", ["all", "femal"]))])
    # A prefix or fuzzy hyphenated word: its parts side by side, the last one a prefix (fuzzy).
    assert hq.parse("long-hor*", SCHEMA).query == wq.Sequence([wq.Term("text", "long"), wq.Prefix("text", "hor")])
    q = hq.parse("fine-tunde~", SCHEMA).query
    assert isinstance(q, wq.Sequence) and q.subqueries[0] == wq.Term("text", "fine")
    assert isinstance(q.subqueries[1], wq.FuzzyTerm) and q.subqueries[1].text == "tunde"
    # A phrase whose last word is a prefix (what typing an open phrase makes).
    q = hq.parse('"long hor*"', SCHEMA).query
    assert q == wq.Sequence([wq.Term("text", "long"), wq.Prefix("text", "hor")])
    assert hq.problem("fine-tunde~2") is None and hq.problem("a-b*~") is not None


@pytest.mark.parametrize(
    "typed, prefix",
    [
        ("long hor", "long hor*"),
        ("long-hor", "long-hor*"),
        ('"scaling la', '"scaling la*"'),
        ("title:lig", "title:lig*"),
        ("long hor ", None),  # a space ends the word
        ('"scaling laws"', None),
        ("scaling OR", None),
        ("agent*", None),
        ("scalling~", None),
        ("", None),
    ],
)
def test_the_word_being_typed(typed, prefix):
    assert rewrite.as_prefix(typed) == prefix


# -- bounds (issue 12, case 6) ------------------------------------------------------


def test_bounds_each_say_so_and_cost_nothing(fx):
    idx, _ids = fx
    unknown = " ".join(f"zq{i}x" for i in range(1000))  # once a RecursionError
    wide = " ".join(f"{'abcdefghij' * 4}{i}" for i in range(30))  # 30 words, 1,259 characters
    cut = wide.rfind(" ", 0, rewrite.MAX_QUERY_CHARS + 1)
    cases = [
        (unknown, ["the query has 1,000 terms: searched the first 32"]),
        ('"' + " ".join(["the"] * 5000) + '"', ["a phrase of 5,000 words: searched its first 64"]),
        ("x" * 100_000, ["a word of 100,000 characters: searched its first 64"]),
        ("-".join(["alpha"] * 3000), ["a phrase of 3,000 words: searched its first 64"]),
        ("(" * 40 + "alpha" + ")" * 40, ["parentheses 40 deep: searched 16 deep"]),
        (wide, [f"the query is {len(wide):,} characters long: searched its first {cut:,}"]),
    ]
    for text, notes in cases:
        r = idx.search(text)  # each took 45-52 s, or raised
        assert r.notes == notes, text[:40]
    assert idx.search("(" * 40 + "alpha" + ")" * 40).total == idx.search("alpha").total > 0
    # Ordinary queries are read as typed, with no note.
    for text in ("scaling laws", '"scaling laws"', "reliab*", "brulle~", "title:handbook reliability"):
        assert idx.search(text).notes == [], text


def test_bounded_text_is_what_is_parsed():
    text, notes = rewrite.bound(" ".join(f"w{i}" for i in range(40)) + ' "a b')
    assert notes == ["the query has 41 terms: searched the first 32"]
    assert text == " ".join(f"w{i}" for i in range(32))
    text, notes = rewrite.bound("((a OR b) c")  # an open parenthesis stays for the parser to name
    assert (text, notes) == ("((a OR b) c", [])
    assert hq.parse("x" * 70, SCHEMA).query == wq.Term("text", "x" * 64)


# -- notes reach the result -------------------------------------------------------------


def test_notes_are_a_list_in_the_result_and_its_json(fx):
    idx, _ids = fx
    r = idx.search('scaling~3 "laws')  # malformed too: searched as plain words
    assert r.notes == ["unbalanced quote: searched as plain words"]
    r = idx.search("lighthuose~3")
    assert r.notes == ["lighthuose~3: at most 2 edits: searched lighthuose~2"]
    assert r.to_json()["notes"] == r.notes and r.note == r.notes[0]
    assert r.total == idx.search("lighthuose~2").total > 0
    r = idx.search("x" * 300 + ' "scaling laws"')
    assert r.to_json()["notes"] == ["a word of 300 characters: searched its first 64"]


# -- exclusions -------------------------------------------------------------------------


def test_minus_and_not_agree_alone_and_with_words(fx):
    idx, ids = fx
    for word in ("lighthouse", "the", "alpha"):
        a, b = idx.search(f"-{word}", limit=100), idx.search(f"NOT {word}", limit=100)
        assert (a.total, where(a)) == (b.total, where(b)) and a.total > 0 and not a.notes
    assert idx.search("-lighthouse").total == 6  # every passage without it
    assert where(idx.search("reliability -handbook")) == where(idx.search("reliability NOT handbook"))


# -- the word being typed ----------------------------------------------------------------


def test_last_word_as_a_prefix(fx):
    idx, ids = fx
    assert where(idx.search("long hor")) == []
    typing = idx.search("long hor", last_word="prefix")
    assert where(typing) == [(ids["talk"], 4, 15.0)] and typing.query == "long hor" and not typing.notes
    paused = idx.search("long hor", last_word="either")
    assert where(paused) == [(ids["talk"], 4, 15.0)]
    assert paused.notes == ['nothing says "hor": searched the words that start with it']
    # A word that is said is searched whole at a pause.
    assert where(idx.search("reward for", last_word="either")) == where(idx.search("reward for"))
    assert idx.search("reward for", last_word="either").notes == []
    # An open phrase being typed, a hyphenated word being typed.
    assert where(idx.search('"long hor', last_word="prefix")) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search("long-hor", last_word="prefix")) == [(ids["talk"], 4, 15.0)]
    assert "for **long horizon** work." in idx.search('"long hor', last_word="prefix").hits[0].marked()
    # Nothing either way: the query as typed, with "did you mean".
    r = idx.search("scalling", last_word="either")
    assert (r.total, r.suggestion) == (0, "scaling")


# -- fuzzy -------------------------------------------------------------------------------


def test_fuzzy_is_near_as_written_and_ranks_closer_first(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    tid = save(
        lib,
        "Tuning",
        "srt",
        [
            (0.0, 2.0, "A", "We tuned it."),
            (2.0, 4.0, "B", "To the store, to the end, to and fro."),
            (4.0, 6.0, "A", "Almost there."),
            (6.0, 8.0, "B", "A tide came in, a ride, a side, a tidy tide."),
        ],
    )
    idx = Index(tmp_path / "index", lib)
    idx.sync()
    # "tued" is one edit from "tuned" as written; its stem "tu" is one edit
    # from "to", which must not count.
    assert where(idx.search("tued~")) == [(tid, 0, 0.0)]
    assert where(idx.search("lamost~")) == [(tid, 2, 4.0)]  # the first letters swapped
    assert where(idx.search("almots~")) == [(tid, 2, 4.0)]
    assert where(idx.search("xlmost~")) == [(tid, 2, 4.0)]  # the first letter wrong
    # Within one edit of "ride" as written: ride, tide, side -- all said in one passage.
    assert where(idx.search("ride~")) == [(tid, 3, 6.0)]
    assert idx.search("ride~").hits[0].marked() == "A **tide** came in, a **ride**, a **side**, a tidy **tide**."
    idx.close()
    lib.close()


def test_fuzzy_ranks_the_word_itself_above_its_neighbours(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    ids = [
        save(lib, "One", "srt", [(0.0, 2.0, None, "the model was fine")]),
        save(lib, "Two", "srt", [(0.0, 2.0, None, "a rare word: modal, unusual and rare")]),
        save(lib, "Three", "srt", [(0.0, 2.0, None, "another modem here, rarely seen")]),
    ]
    idx = Index(tmp_path / "index", lib)
    idx.sync()
    r = idx.search("model~")
    assert r.total == 3 and r.hits[0].transcript_id == ids[0]
    assert r.hits[0].score > 2 * max(h.score for h in r.hits[1:])
    idx.close()
    lib.close()


# -- long phrases, CJK, ß -----------------------------------------------------------------


def test_long_phrases_across_passages_of_one_word_segments(tmp_path):
    """TextGrid-like transcripts: one word a segment, speakers taking turns,
    so passages are a few words long: a quoted phrase of any length is
    found where it starts, once, whatever passage ends it crosses."""
    words = ("the tide comes in twice a day because the moon pulls the water " * 8).split()
    segs = [(i * 0.5, i * 0.5 + 0.5, "AB"[(i // 7) % 2], w) for i, w in enumerate(words)]
    segs += [(100.0, 101.0, "A", "."), (101.0, 102.0, "B", "tide comes in")]  # a passage with no words
    lib = Library(tmp_path / "library.sqlite3")
    save(lib, "Grid", "textgrid", segs)
    idx = Index(tmp_path / "index", lib)
    idx.sync()
    ref = Reference(lib)
    assert len(ref.cuts[1]) > 12
    for start, n in ((5, 13), (0, 30), (6, 40), (20, 64), (3, 52), (90, 9)):
        phrase = words[start : start + n] if start + n <= len(words) else words[start:] + ["tide", "comes"]
        expected = ref.phrase(terms(" ".join(phrase)))
        r = idx.search('"' + " ".join(phrase) + '"', limit=100)
        assert {(h.transcript_id, h.segment) for h in r.hits} == expected, (start, n)
        assert r.total == len(expected) > 0
        # Each hit starts where the phrase does, marked from its first word.
        assert all(h.marked().lower().startswith(f"**{phrase[0]} {phrase[1]}") for h in r.hits)
    idx.close()
    lib.close()


def test_cjk_text_is_found_by_its_pairs(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    tid = save(
        lib,
        "宇宙",
        "srt",
        [
            (0.0, 2.0, None, "宇宙守护神 保护我们远离邪恶"),
            (2.0, 4.0, None, "東京タワーに行きました。"),
            (4.0, 6.0, None, "Vamp quäkt: Grüß Felix, Straße"),
            (6.0, 8.0, None, "한국어를 공부합니다"),
        ],
    )
    idx = Index(tmp_path / "index", lib)
    idx.sync()
    assert terms("宇宙守护神") == ["宇宙", "宙守", "守护", "护神"]
    for query, seg in [
        ("宇宙", 0),
        ("守护", 0),
        ("守护神", 0),
        ("邪恶", 0),
        ("東京", 1),
        ("タワー", 1),
        ("京タ", 1),
        ("한국어", 3),
        ("공부", 3),
        ("gruss", 2),
        ("GRÜSS", 2),
        ("strasse", 2),
        ("Straße", 2),
        ("quakt", 2),
    ]:
        assert [(h.transcript_id, h.segment) for h in idx.search(query).hits] == [(tid, seg)], query
    assert idx.search("宇守").total == 0  # not side by side
    assert idx.search("守护神").hits[0].marked().startswith("宇宙**守护神** 保护")
    idx.close()
    lib.close()


def test_samples_hyphenated_words(sample_index):
    idx, lib, _by_name = sample_index
    ref = Reference(lib)
    for word in ("long-haul", "twelve-hour", "All-door", "forty-five", "well-designed"):
        expected = ref.phrase(terms(word))
        r = idx.search(word, limit=50)
        assert {(h.transcript_id, h.segment) for h in r.hits} == expected != set(), word
        assert r.total == len(expected)
