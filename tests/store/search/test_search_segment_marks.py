"""A hit carries the matched words of every segment of its passage
(`segment_marks`), not only of its best segment (`text_marks`): the
reader's find marks them all and n/N stop at each."""

from __future__ import annotations

from search_helpers import save

from hark.store.library import Library
from hark.store.search import Index


def _index(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    tid = save(
        lib,
        "Orchard",
        "vtt",
        [
            # One passage (Ann's turn, no sentence ends) of five captions;
            # the stored text keeps its double spaces.
            (0.0, 2.0, "Ann", "an apple fell"),
            (2.0, 4.0, "Ann", "from the  old tree"),
            (4.0, 6.0, "Ann", "then another  apple  fell"),
            (6.0, 8.0, "Ann", "and the scaling"),
            (8.0, 10.0, "Ann", "laws held"),
            (10.0, 12.0, "Ben", "apple pie"),
        ],
    )
    idx = Index(tmp_path / "index", lib)
    idx.sync()
    return lib, idx, tid


def test_a_hit_marks_every_segment_of_its_passage(tmp_path):
    lib, idx, tid = _index(tmp_path)
    try:
        r = idx.search("apple")
        by_segment = {h.segment: h for h in r.hits}
        assert sorted(by_segment) == [0, 5]
        ann = by_segment[0]
        # The best segment's marks as before; every segment's beside them,
        # as spans of the stored text (after its double space).
        assert ann.text_marks == [(3, 8)]
        assert ann.segment_marks == {0: [(3, 8)], 2: [(14, 19)]}
        assert by_segment[5].segment_marks == {5: [(0, 5)]}
        # Each of the query's words, wherever the passage has it.
        both = idx.search("apple fell").hits
        assert [h.segment for h in both] == [0]
        assert both[0].segment_marks == {0: [(3, 8), (9, 13)], 2: [(14, 19), (21, 25)]}
        # A phrase over two captions is marked in both.
        split = idx.search('"scaling laws"').hits
        assert [h.segment for h in split] == [3]
        assert split[0].text_marks == [(8, 15)]
        assert split[0].segment_marks == {3: [(8, 15)], 4: [(0, 4)]}
    finally:
        idx.close()
        lib.close()


def test_a_query_of_fields_only_marks_nothing(tmp_path):
    lib, idx, tid = _index(tmp_path)
    try:
        hits = idx.search("speaker:ben").hits
        assert [(h.transcript_id, h.segment) for h in hits] == [(tid, 5)]
        assert hits[0].segment_marks == {} and hits[0].text_marks == []
    finally:
        idx.close()
        lib.close()
