"""BM25F, Whoosh's formula, with each segment's field lengths read once
into a table (Whoosh looks a length up through four layers per scored
document: half the time of a common-word query)."""

from __future__ import annotations

from math import log
from typing import Any

from . import privates


def length_table(reader: Any, fieldname: str) -> list[int] | None:
    """Every document's length in a field, read once from the segment's
    length column; None when it cannot be read that way (another codec:
    Whoosh's own lookups then)."""
    cache = reader.__dict__.setdefault("_hark_lengths", {})
    if fieldname in cache:
        return cache[fieldname]
    table = None
    try:
        from whoosh.util.numeric import byte_to_length

        raw = privates.length_bytes(reader, fieldname)
        n = reader.doc_count_all()
        if raw is not None:
            lengths = [1] + [byte_to_length(b) for b in range(1, 256)]
            table = [lengths[b] for b in raw] + [1] * max(0, n - len(raw))
    except Exception:  # another codec: fall back to Whoosh's own lookups
        table = None
    cache[fieldname] = table
    return table


def length_array(reader: Any, fieldname: str, table: list[int]) -> Any:
    """The length table as a numpy array (kept with the reader, as the
    table is), for scoring whole posting lists at once."""
    import numpy as np

    cache = reader.__dict__.setdefault("_hark_length_arrays", {})
    got = cache.get(fieldname)
    if got is None or len(got) != len(table):
        got = cache[fieldname] = np.array(table, dtype=np.float64)
    return got


def weighting() -> Any:
    """The searcher's weighting: Whoosh's BM25F, lengths from the table."""
    from whoosh.scoring import BM25F, BM25FScorer, WeightingModel

    class FastBM25FScorer(BM25FScorer):
        """BM25F, the same formula, with lengths from a table."""

        def __init__(self, searcher: Any, fieldname: str, text: bytes, B: float, K1: float, qf: int = 1) -> None:
            super().__init__(searcher, fieldname, text, B, K1, qf=qf)
            table = length_table(searcher.reader(), fieldname)
            self._num, self._c1, self._c2 = _constants(self.idf, self.avgfl, B, K1)
            if table is not None:
                self._table = table
                self.score = self._fast_score  # type: ignore[method-assign]

        def _fast_score(self, matcher: Any) -> float:
            w = matcher.weight()
            return self._num * w / (w + self._c1 + self._c2 * self._table[matcher.id()])

    class FastBM25F(BM25F):
        def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
            if not searcher.schema[fieldname].scorable:
                return super().scorer(searcher, fieldname, text, qf=qf)
            B = self._field_B.get(fieldname, self.B)
            return FastBM25FScorer(searcher, fieldname, text, B, self.K1, qf=qf)

        def constants(
            self, searcher: Any, fieldname: str, text: str | bytes, df: int | None = None
        ) -> tuple[float, float, float] | None:
            """(numerator, the two length constants) of a term's scorer,
            as FastBM25FScorer has them, without making one: its idf and
            the field's average length are the whole index's (the same in
            every segment), and a scorer also looks its term up in its own
            segment, for Whoosh's block-quality bounds the evaluator does not
            use. `df`, the term's document frequency in the whole index when
            the caller knows it (the term table): Whoosh's idf from it, not
            from a look-up in every segment. None for a field without
            lengths."""
            if not searcher.schema[fieldname].scorable:
                return None
            parent = searcher.get_parent()
            B = self._field_B.get(fieldname, self.B)
            if df is None or type(self).idf is not WeightingModel.idf:  # (a df is used with Whoosh's formula only)
                idf = parent.idf(fieldname, text)
            else:
                idf = log(parent.doc_count_all() / (df + 1)) + 1  # Whoosh's WeightingModel.idf
            return _constants(idf, parent.avg_field_length(fieldname) or 1, B, self.K1)

    return FastBM25F()


def _constants(idf: float, avgfl: float, B: float, K1: float) -> tuple[float, float, float]:
    """BM25F's per-term constants: a posting scores
    num * w / (w + c1 + c2 * length)."""
    return idf * (K1 + 1), K1 * (1 - B), K1 * B / avgfl


def fast_constants(scorer: Any) -> tuple[float, float, float, list[int]] | None:
    """(numerator, the two length constants, the length table) of a scorer
    made by `weighting` with its table, else None: what the evaluator
    scores whole posting lists with (num * w / (w + c1 + c2 * length))."""
    table = getattr(scorer, "_table", None)
    if table is None or not hasattr(scorer, "_num"):
        return None
    return scorer._num, scorer._c1, scorer._c2, table
