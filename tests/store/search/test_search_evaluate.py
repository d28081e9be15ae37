"""The evaluator (store/search/whoosh/evaluate.py) against Whoosh and
against a brute-force scan: the same matches and scores as Whoosh
evaluating the same plan; every phrase found where it starts and nowhere
else, whatever mix of common words, pairs and passage boundaries it has,
with the scores of its words; and the block-by-block ranking of a very
common word giving the same best passages as scoring them all."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh import query as wq
from whoosh.collectors import TopCollector

from hark.store.importer import import_paths
from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.store.search import Index, documents
from hark.store.search import analysis as ha
from hark.store.search.documents import passages
from hark.store.search.plan import Adjacent
from hark.store.search.whoosh import evaluate as hev
from hark.store.search.whoosh import postings

SAMPLES = Path(__file__).resolve().parents[3] / "store" / "samples"

# Common words (analysis.COMMON: a library this small uses that list) and
# plain ones, so phrases mix the two in every order.
COMMON = ["the", "of", "and", "to", "a", "in", "is", "it", "you", "that"]
PLAIN = ["river", "stone", "lamp", "harbour", "violin", "orchard", "kettle", "meadow"]


QUERIES = [
    "the",
    "know",
    "tide",
    "bread starter",
    "tide OR bread",
    "tide -harbour",
    "tide NOT moon",
    '"the tide"',
    '"of the"',
    '"going to"',
    '"you know what"',
    "tid*",
    "harbr~",
    "speaker:maya",
    "title:tides",
    "tag:history tide",
    "format:vtt night",
    '"tide" OR "moon"',
    "-tide",
]


def _whoosh(s, q):
    """Every match Whoosh finds for q, with its score (its phrases matched
    by the evaluator's phrase matcher: Whoosh has none of its own for them)."""
    c = TopCollector(limit=1_000_000, usequality=False)
    s.search_with_collector(hev.for_whoosh(q), c)
    return {h.docnum: h.score for h in c.results()}


def _searcher(idx):
    idx._ready()
    return idx.engine.searcher()


def _every(s, q, df=None) -> dict[int, float]:
    """Every match of q in every segment (global docnum -> score), by the
    evaluator."""
    out = {}
    for seg, offset in hev.SearcherEvaluator(s, df).segments:
        out.update({d + offset: sc for d, sc in hev.Evaluator(seg).run(q).items()})
    return out


def _adjacents(q):
    if isinstance(q, Adjacent):
        yield q
    elif not q.is_leaf():
        for c in q.children():
            yield from _adjacents(c)


@pytest.mark.parametrize("text", QUERIES)
def test_same_matches_and_scores_as_whoosh(sample_index, text):
    idx, _lib, _names = sample_index
    s = _searcher(idx)
    _parsed, plan = idx._plan(text, None)
    if plan is None:  # nothing to look for (a lone NOT): no search runs
        assert idx.search(text).total == 0
        return
    mine = _every(s, plan.query)
    matched = set(s.docs_for_query(hev.for_whoosh(plan.query)))
    assert set(mine) == matched
    theirs = _whoosh(s, plan.query)
    # Whoosh's AND-MAYBE drops some matches when it scores (they are in
    # docs_for_query): compare the scores of those it keeps.
    assert set(theirs) <= matched
    for d, score in theirs.items():
        assert mine[d] == pytest.approx(score, rel=1e-6), d
    if "AndMaybe" not in repr(plan.query):
        assert set(theirs) == matched
    # Whoosh matches a phrase with the evaluator's matcher: check each
    # phrase's scores against Whoosh scoring its words (all at their
    # offsets in the phrase's passages: the sum of their scores).
    for phrase in _adjacents(plan.query):
        mine = _every(s, phrase)
        words = _whoosh(s, wq.And([wq.Term(f, t) for f, t, *_rest in phrase.parts]))
        assert set(mine) <= set(words)
        for d, score in mine.items():
            assert score == pytest.approx(words[d] * phrase.boost, rel=1e-6), (phrase, d)


@pytest.mark.parametrize("text", QUERIES)
def test_search_through_whoosh_gives_the_same_hits(sample_index, text, monkeypatch):
    """A query the evaluator leaves to Whoosh is answered the same way."""
    idx, _lib, _names = sample_index
    fast = idx.search(text, limit=50)

    def unsupported(self, q, limit):
        raise hev.Unsupported("test")

    monkeypatch.setattr(hev.SearcherEvaluator, "search", unsupported)
    slow = idx.search(text, limit=50)
    plan = idx._plan(text, None)[1]
    if plan is None or "AndMaybe" not in repr(plan.query):
        assert [(h.transcript_id, h.segment) for h in fast.hits] == [(h.transcript_id, h.segment) for h in slow.hits]
        assert fast.total == slow.total
    else:  # Whoosh's count of an AND-MAYBE falls short; ours is every match
        assert fast.total >= slow.total
        assert {(h.transcript_id, h.segment) for h in slow.hits} <= {
            (h.transcript_id, h.segment) for h in idx.search(text, limit=10_000).hits
        }


LED = [
    # an OR of words (as a word and its note) scored up by a title word
    wq.AndMaybe(wq.Or([wq.Term("text", "tide"), wq.Term("text", "moon")]), wq.Term("title", "tide", boost=3.0)),
    wq.Or([wq.Term("text", "the"), wq.Term("text", "harbour")]),
]


@pytest.mark.parametrize("word", ["the", "a", "and", "know", "tide", *LED])
def test_common_word_ranked_block_by_block_matches_scoring_all(sample_index, word, monkeypatch):
    idx, _lib, _names = sample_index
    s = _searcher(idx)
    q = word if isinstance(word, wq.Query) else idx._plan(word, None)[1].query
    full = hev.SearcherEvaluator(s)
    everything = []
    total = 0
    for seg, offset in full.segments:
        scores = hev.Evaluator(seg).run(q)
        total += len(scores)
        everything += [(sc, -(d + offset)) for d, sc in scores.items()]
    everything.sort(reverse=True)
    monkeypatch.setattr(hev, "LEAD_POSTINGS", 1)  # every word takes the block-by-block path
    for limit in (1, 5, 20):
        docs, n = hev.SearcherEvaluator(s).search(q, limit)
        assert n == total
        assert [d for d, _sc in docs] == [-nd for _sc, nd in everything[:limit]]


# -- phrases against a brute-force scan ------------------------------------------------


def _random_transcript(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        k = rng.randint(1, 9)
        words = [rng.choice(COMMON if rng.random() < 0.5 else PLAIN) for _ in range(k)]
        if rng.random() < 0.15:
            words[-1] += "."
        out.append(" ".join(words))
    return out


@pytest.fixture(scope="module")
def random_index(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("phrases")
    lib = Library(tmp / "library.sqlite3")
    rng = random.Random(7)
    texts = {}
    for t in range(3):
        lines = _random_transcript(rng, 220)
        speakers = [("Ann" if (i // 17) % 2 else "Ben") for i in range(len(lines))]
        tr = Transcript(
            title=f"Random {t}",
            format="srt",
            segments=[
                Segment(start=i * 2.0, end=i * 2.0 + 2.0, text=x, speaker=sp)
                for i, (x, sp) in enumerate(zip(lines, speakers, strict=True))
            ],
        ).finish()
        tid, _ = lib.save(tr, source=f"/random/{t}", sha256=f"{t:064d}")
        texts[tid] = (lines, speakers)
    idx = Index(tmp / "index", lib)
    idx.ensure()
    yield idx, texts
    idx.close()
    lib.close()


def _expected(texts, phrase: list[str]) -> set[tuple[int, int]]:
    """(transcript, first segment of the passage) of every passage where the
    phrase starts, by scanning the words in order."""
    out = set()
    for tid, (lines, speakers) in texts.items():
        seg_terms = [ha.terms(x) for x in lines]
        cuts = passages(seg_terms, speakers, lines)
        flat = [(t, i) for i, ts in enumerate(seg_terms) for t in ts]
        for k in range(len(flat) - len(phrase) + 1):
            if [t for t, _i in flat[k : k + len(phrase)]] == phrase:
                seg = flat[k][1]
                first = next(a for a, b in cuts if a <= seg <= b)
                out.add((tid, first))
    return out


def test_every_phrase_is_found_where_it_starts(random_index):
    idx, texts = random_index
    rng = random.Random(11)
    sample = next(iter(texts.values()))[0]
    words = [w for line in sample for w in ha.terms(line)]
    checked = 0
    phrases: set[tuple[str, ...]] = set()
    while len(phrases) < 160:
        k = rng.randint(2, 4)
        i = rng.randrange(len(words) - k)
        phrases.add(tuple(words[i : i + k]))
    # and phrases of common words only, and ones that are nowhere
    phrases |= {("of", "the"), ("the", "of", "the"), ("river", "the", "of"), ("lamp", "lamp", "lamp", "lamp")}
    for phrase in sorted(phrases):
        want = _expected(texts, list(phrase))
        r = idx.search('"' + " ".join(phrase) + '"', limit=10_000)
        cuts = {}
        for tid, (lines, speakers) in texts.items():
            cuts[tid] = passages([ha.terms(x) for x in lines], speakers, lines)
        got = {(h.transcript_id, next(a for a, b in cuts[h.transcript_id] if a <= h.segment <= b)) for h in r.hits}
        assert got == want, phrase
        assert r.total == len(want), phrase
        # The passages the evaluator itself matched (before hits are built
        # from the text, which would hide a passage matched wrongly).
        s = _searcher(idx)
        plan = idx._plan('"' + " ".join(phrase) + '"', None)[1]
        docs, n = hev.SearcherEvaluator(s).search(plan.query, 10_000)
        fields = [s.stored_fields(d) for d, _sc in docs]
        assert {(int(f["tid"]), f["first"]) for f in fields} == want, phrase
        assert n == len(want), phrase
        checked += bool(want)
    assert checked > 100


def test_neighbour_marks_are_two_bytes_a_word():
    numbers = ha.common_numbers(frozenset({"of", "the"}))
    marks = documents.neighbour_marks(["river", "of", "the", "lamp"], numbers)
    none = ha.NO_NEIGHBOUR
    assert list(marks) == [none, numbers["of"], none, numbers["the"], numbers["of"], none, numbers["the"], none]
    value = postings.index_marked(0, ["river", "of", "the", "lamp"], marks, numbers)
    by_term = {t.decode(): v for t, _n, _w, v in value}
    assert postings.marked_positions(by_term["river"], -1, numbers["of"]) == [0]
    assert postings.marked_positions(by_term["river"], -1, numbers["the"]) == []
    assert postings.marked_positions(by_term["lamp"], numbers["the"], -1) == [3]
    assert list(postings.positions(by_term["the"])) == [2]
    assert by_term["the"] == b"B\x02"  # a common word carries no marks


def test_gathered_text_postings_hold_each_words_positions_and_marks():
    """A build adds marked text straight to its gathered lists
    (postings.gather_marked): one posting a distinct word, weighted by how
    often it is said, its value its positions (from `start`) and, for a
    word that is not common, the neighbour marks of each -- whatever the
    words' repeats and positions (one byte or more)."""
    rng = random.Random(3)
    numbers = ha.common_numbers(ha.COMMON)
    for start, n in ((0, 30), (200, 80), (0, 300)):
        toks = [ha.term(rng.choice(COMMON + PLAIN)) for _ in range(n)]
        marks = documents.neighbour_marks(toks, numbers)
        field: dict = {}
        added = postings.gather_marked(field, 7, start, toks, marks, numbers)
        assert added == len(set(toks)) == len(field)
        for word in set(toks):
            docs, weights, blob, ends = field[word.encode()]
            value = bytes(blob)
            at = [k for k, t in enumerate(toks) if t == word]
            assert list(docs) == [7] and list(weights) == [len(at)] and list(ends) == [len(value)]
            assert list(postings.positions(value)) == [start + k for k in at]
            if word in numbers:  # a common word: positions alone
                assert postings.marked_positions(value, 0, -1) == []
            else:
                for k in at:
                    before, after = marks[2 * k], marks[2 * k + 1]
                    assert start + k in postings.marked_positions(value, before, after)
        assert postings.index_marked(start, toks, marks, numbers) == [
            (tb, int(w[0]), w[0], bytes(b)) for tb, (_d, w, b, _e) in field.items()
        ]


def test_plain_at_is_phrase_at_without_marks():
    """The check for phrases with no neighbour marks asked for agrees with
    the general one, for positions of every width (one byte, two, four),
    values with and without marks, and parts in any order."""
    import random

    from hark.store.search.whoosh.postings import pack, phrase_at, plain_at

    rng = random.Random(3)
    found = 0
    for _ in range(20_000):
        k = rng.randint(2, 4)
        values = []
        for _j in range(k):
            n = rng.randint(1, 4)
            ps = sorted(rng.sample(range(rng.choice([20, 258, 300, 70_000])), n))
            marks = bytes(rng.randrange(256) for _ in range(2 * n)) if rng.random() < 0.5 else None
            values.append(pack(ps, marks))
        offsets = rng.sample(range(6), k)  # (the rarest part first: any order)
        parts = [("text", "t", o, -1, -1) for o in offsets]
        want = phrase_at(values, parts)
        assert plain_at(values, [o - offsets[0] for o in offsets[1:]]) == want
        found += want
    assert found > 100  # both answers were tried many times


@pytest.fixture(scope="module")
def deleted_index(tmp_path_factory):
    """The samples' index after two transcripts were removed and one
    imported again changed: its first segment keeps their old passages,
    marked deleted."""
    import shutil

    tmp = tmp_path_factory.mktemp("deleted")
    src = tmp / "src"
    shutil.copytree(SAMPLES, src)
    lib = Library(tmp / "library.sqlite3")
    import_paths(lib, [src])
    idx = Index(tmp / "index", lib)
    idx.ensure()
    for tid in lib.ids()[:2]:
        assert lib.remove(tid)
    talk = src / "lecture-tides.srt"
    talk.write_text(talk.read_text(encoding="utf-8").replace("tide", "tide river lamp", 3), encoding="utf-8")
    assert import_paths(lib, [talk]).updated
    idx.sync()
    yield idx, lib
    idx.close()
    lib.close()


@pytest.mark.parametrize("text", QUERIES)
def test_deleted_passages_are_left_out_as_whoosh_does(deleted_index, text):
    idx, _lib = deleted_index
    s = _searcher(idx)
    assert any(seg.reader.has_deletions() for seg, _o in hev.SearcherEvaluator(s).segments)
    _parsed, plan = idx._plan(text, None)
    if plan is None:
        return
    mine = _every(s, plan.query)
    assert set(mine) == set(s.docs_for_query(hev.for_whoosh(plan.query)))
    for d, score in _whoosh(s, plan.query).items():
        assert mine[d] == pytest.approx(score, rel=1e-6), d


@pytest.mark.parametrize("text", QUERIES)
def test_a_few_candidates_are_found_as_many_are(sample_index, text, monkeypatch):
    """A few candidates are looked up in a list one by one (bisect), more
    by numpy: the same matches and scores either way."""
    from hark.store.search.whoosh import postlists

    idx, _lib, _names = sample_index
    s = _searcher(idx)
    _parsed, plan = idx._plan(text, None)
    if plan is None:
        return
    results = []
    for few in (0, 1_000_000):
        monkeypatch.setattr(postlists, "FEW", few)
        got = _every(s, plan.query)
        results.append(got)
    assert results[0] == results[1]


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("which", ["sample_index", "deleted_index"])
def test_without_numpy_the_same_matches_and_scores(which, text, request, monkeypatch):
    """Until numpy is imported, lists are read and scored in Python (a new
    process's first search does not wait for numpy's import): the same
    best documents, scores and totals as numpy's paths, deletions too."""
    from hark.store.search.whoosh import postlists

    idx = request.getfixturevalue(which)[0]
    s = _searcher(idx)
    _parsed, plan = idx._plan(text, None)
    if plan is None:
        return
    monkeypatch.setattr(hev, "LEAD_POSTINGS", 1)  # every word's list ranked whole, where numpy does it
    results = []
    for numpy_ in (True, False):
        monkeypatch.setattr(postlists, "use_numpy", lambda _n, numpy_=numpy_: numpy_)
        monkeypatch.setattr(hev, "use_numpy", lambda _n, numpy_=numpy_: numpy_)
        every = _every(s, plan.query)
        results.append((every, hev.SearcherEvaluator(s).search(plan.query, 5)))
    assert results[0] == results[1]


def test_a_new_process_searches_without_importing_numpy(sample_index):
    """A search of a few postings (each `hark search`, the app's first
    search) does not wait for numpy's import (~75 ms), nor, for plain
    words and a prefix, for Whoosh's query parser's (~18 ms)."""
    import subprocess
    import sys

    idx, lib, _names = sample_index
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from hark.store.library import Library\n"
        "from hark.store.search import Index\n"
        f"lib = Library(Path({str(lib.path)!r}), read_only=True)\n"
        f"ix = Index(Path({str(idx.path)!r}), lib)\n"
        "r = ix.search('tide moon')\n"
        "p = ix.search('tide mo', last_word='prefix')\n"
        "print(r.total > 0, p.total > 0, 'numpy' in sys.modules, 'whoosh.qparser' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "False", "False"]


@pytest.mark.parametrize("text", QUERIES)
def test_idf_from_the_term_table_scores_the_same(sample_index, text):
    """Once warm has built the term table, a term's idf comes from its
    document frequency there, not from a look-up in every segment: the
    same scores, to the last bit."""
    idx, _lib, _names = sample_index
    idx.warm()
    s = _searcher(idx)
    known = idx.engine.lexicon().df
    assert idx.engine.lexicon().table is not None and known("text", "tide") > 0
    _parsed, plan = idx._plan(text, None)
    if plan is None:
        return
    results = []
    for df in (None, known):
        got = _every(s, plan.query, df)
        results.append(got)
    assert results[0] == results[1]


@pytest.mark.parametrize("text", QUERIES)
def test_a_segment_without_the_querys_fields_is_skipped(sample_index, text, monkeypatch):
    """A segment with no term in any field a query needs (the index's
    state document's own) is not searched: the same results as searching
    every segment."""
    idx, _lib, _names = sample_index
    s = _searcher(idx)
    _parsed, plan = idx._plan(text, None)
    if plan is None:
        return
    segments = hev.SearcherEvaluator(s).segments
    assert any(seg.fields == {"kind"} for seg, _o in segments)  # the state document's
    searched: list[int] = []
    top = hev.Evaluator.top
    monkeypatch.setattr(hev.Evaluator, "top", lambda self, q, limit: searched.append(1) or top(self, q, limit))
    skipped = hev.SearcherEvaluator(s).search(plan.query, 20)
    wanted = hev.fields_of(plan.query)
    if "-" not in text and "NOT" not in text:
        assert wanted is not None and len(searched) == len(segments) - 1  # not the state document's
    else:  # (a NOT's plan may read the kind field, which the state document has)
        assert len(searched) == sum(1 for seg, _o in segments if wanted is None or not wanted.isdisjoint(seg.fields))
    monkeypatch.setattr(hev, "fields_of", lambda _q: None)
    assert hev.SearcherEvaluator(s).search(plan.query, 20) == skipped


def test_the_fields_a_query_needs():
    text, title = wq.Term("text", "tide"), wq.Term("title", "tide")
    assert hev.fields_of(wq.And([text, wq.Not(wq.Term("tag", "x"))])) == {"text"}
    assert hev.fields_of(wq.Or([text, title])) == {"text", "title"}
    assert hev.fields_of(wq.AndMaybe(text, title)) == {"text"}
    assert hev.fields_of(wq.AndNot(title, text)) == {"title"}
    # A NOT's matches need no term: unknown.
    assert hev.fields_of(wq.Not(text)) is None
    assert hev.fields_of(wq.Or([text, wq.Not(title)])) is None
    assert hev.fields_of(wq.And([wq.Not(text)])) is None
    assert hev.fields_of(wq.Every()) is None


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("which", ["sample_index", "deleted_index"])
def test_candidates_probed_in_blocks_are_found_as_in_whole_lists(which, text, request, monkeypatch):
    """Candidates met by a much longer list are looked up in the blocks
    that can hold them (ids probed where they lie, a block decoded only
    for values): the same matches and scores as reading whole lists."""
    from hark.store.search.whoosh import postlists

    idx = request.getfixturevalue(which)[0]
    s = _searcher(idx)
    _parsed, plan = idx._plan(text, None)
    if plan is None:
        return
    results = []
    for selective in (0, 10**9):  # every list probed; none
        monkeypatch.setattr(postlists, "SELECTIVE", selective)
        got = _every(s, plan.query)
        results.append(got)
    assert results[0] == results[1]


def test_a_probe_reads_what_decoding_the_block_gives(sample_index):
    """blocks.HarkLeafMatcher.probe: the ids and weights of the given
    documents in a block, as decoding the block and looking them up gives
    (every block of every list of the samples, asked for all its ids, every
    other one, and ids it does not hold)."""
    from hark.store.search.whoosh import postlists

    idx, _lib, _names = sample_index
    s = _searcher(idx)
    seen = set()
    for seg, _offset in hev.SearcherEvaluator(s).segments:
        reader = seg.reader
        for field in reader.indexed_field_names():
            for tb, _info in reader.iter_field(field):
                pl = seg.plist(field, tb.decode("utf-8"))
                if not isinstance(pl, postlists.PostingList) or not pl._blocked():
                    continue
                _maxids, offsets = pl.heads()
                for pos in offsets:
                    ids, weights, _values = pl._matcher.block(pos)
                    for docs in (list(ids), list(ids)[::2], [d + 1 for d in ids if d + 1 not in ids]):
                        want = ([d for d in docs if d in ids], [weights[list(ids).index(d)] for d in docs if d in ids])
                        assert pl._matcher.probe(pos, docs) == want
                    seen.add(type(weights).__name__ + getattr(weights, "typecode", ""))
    assert {"arrayB", "arrayf"} <= seen  # whole frequencies and floats both met
