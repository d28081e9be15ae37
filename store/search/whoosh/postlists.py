"""Posting lists as arrays, for the evaluator (evaluate.py): one term's
postings in one index segment, decoded from hark's blocks (blocks.py)
straight from the memory map -- whole, or only the blocks that can hold
a few candidates -- and kept, bounded, for the next query (typing repeats
its words). numpy does the long work once it is imported (or when a list
repays its import: `use_numpy`); before, Python does, with the same results."""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterator
from itertools import chain
from typing import Any

from . import privates
from .blocks import HarkLeafMatcher

CACHE_POSTINGS = 500_000  # decoded postings kept (~20-40 bytes each)
SELECTIVE = 24  # a list this many times longer than its candidates is probed, not decoded
FEW = 16  # candidates looked up in a decoded list one by one (bisect), not by numpy


class LazyNumpy:
    """numpy, imported at its first use: importing it is ~50-100 ms, a good
    part of the app's first search; the app imports it in the background
    once the index is open (`preload`). It puts numpy in its module's
    namespace in its own place at the first use (`namespace`: the module's
    globals())."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> Any:
        import numpy

        self._namespace["np"] = numpy
        return getattr(numpy, name)


np: Any = LazyNumpy(globals())

# Postings from which numpy is worth importing for one query: below, until
# something else has imported it, lists are read and scored in Python. A
# new process's first search (each `hark search`, the app's first) then
# does not wait ~70 ms for numpy to score a few thousand postings; a list
# this long takes Python about as long as the import.
NUMPY_PAYS = 100_000


def preload() -> None:
    """Import numpy now (from a background thread), not at a search."""
    import numpy  # noqa: F401  (every LazyNumpy then takes it from sys.modules)


def use_numpy(postings: int) -> bool:
    """Whether to work on this many postings with numpy: once it is
    imported (or being imported: its users wait for it), or when the work
    repays its import."""
    return "numpy" in sys.modules or postings >= NUMPY_PAYS


class PostingList:
    """One term's postings in one index segment."""

    __slots__ = ("df", "_matcher", "_hark", "_all", "_heads", "_blocks", "_deleted", "_arrays")

    def __init__(self, matcher: Any, df: int, deleted: frozenset[int] | set[int] | None) -> None:
        self.df = df
        self._matcher = matcher
        self._hark = isinstance(matcher, HarkLeafMatcher)  # hark's blocks: read straight from the map
        self._deleted = deleted
        self._all: tuple[array, array, list] | None = None
        self._heads: tuple[list[int], list[int]] | None = None  # (block max ids, block offsets)
        self._blocks: dict[int, tuple[array, Any, Any]] = {}
        self._arrays: tuple[Any, Any] | None = None  # (ids, weights) of all() as numpy arrays

    # -- reading ----------------------------------------------------------------------

    def _blocked(self) -> bool:
        """Whether the list is read by its blocks (else through the
        matcher's interface: inlined postings)."""
        return self._hark and privates.reads().blocks

    def heads(self) -> tuple[list[int], list[int]]:
        """Every block's last id and file offset, from the block headers
        alone."""
        if self._heads is None:
            self._heads = self._matcher.heads()
        return self._heads

    def top(self, limit: int, scorer: tuple[float, float, float, Any]) -> list[int] | None:
        """The `limit` documents with the best BM25 score (scorer: the
        numerator, the two length constants and the lengths as a numpy
        array), best first, ties to the earlier document: the whole list
        scored at once (numpy). None when the list is not in blocks."""
        if not self._blocked():
            return None
        num, c1, c2, lengths = scorer
        ids, weights, _v = self.all()
        if not len(ids):
            return []
        if self._arrays is None:
            self._arrays = (_numbers(ids), _numbers(weights))
        nids, nweights = self._arrays
        w = nweights.astype(np.float64)
        # The same operations, in the same order, as Segment.scores: the same floats.
        scores = (num * w) / ((w + c1) + c2 * lengths[nids])
        k = min(limit, len(scores))
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        cand = np.nonzero(scores >= kth)[0]  # the best k, and any tied with the last of them
        order = np.lexsort((nids[cand], -scores[cand]))[:k]
        return nids[cand[order]].tolist()

    def pick(self, docs: Any) -> tuple[Any, Any]:
        """(ids, weights) as numpy arrays: of the documents in `docs` (a
        sorted numpy array of ids) that have the term, or of the whole list
        (docs None)."""
        if docs is not None and self._all is None and self._blocked() and self.df > SELECTIVE * len(docs):
            ids, weights, _v = self.at(docs.tolist(), values=False)  # a few blocks probed
            return np.array(ids, dtype=np.uint32), np.array(weights, dtype=np.float64)
        all_ids, all_weights, _v = self.all()
        if self._arrays is None:
            self._arrays = (_numbers(all_ids), _numbers(all_weights))
        nids, nweights = self._arrays
        if docs is None:
            return nids, nweights
        if not len(nids) or not len(docs):
            return nids[:0], nweights[:0]
        if len(docs) <= FEW:
            at = _positions(all_ids, docs.tolist())
            return (
                np.array([all_ids[j] for j in at], dtype=nids.dtype),
                np.array([all_weights[j] for j in at], dtype=nweights.dtype),
            )
        pos = np.searchsorted(nids, docs.astype(nids.dtype, copy=False))
        np.minimum(pos, len(nids) - 1, out=pos)
        idx = pos[nids[pos] == docs]
        return nids[idx], nweights[idx]

    def count(self) -> int:
        """How many documents (deleted ones left out) have the term."""
        if self._all is not None:
            return len(self._all[0])
        if not self._deleted:
            return self.df
        if self._blocked() and self.df > SELECTIVE * len(self._deleted):
            maxids = self.heads()[0]
            hit = 0
            for d in sorted(self._deleted):
                k = bisect_left(maxids, d)
                if k < len(maxids):
                    ids = self._block(k)[0]
                    j = bisect_left(ids, d)
                    hit += j < len(ids) and ids[j] == d
            return self.df - hit
        return len(self.all()[0])

    def _block(self, k: int) -> tuple[array, Any, Any]:
        """Block k's (ids, weights, values), ids absolute."""
        got = self._blocks.get(k)
        if got is None:
            got = self._blocks[k] = self._matcher.block(self.heads()[1][k])
        return got

    def all(self) -> tuple[array, array, Any]:
        """(ids, weights, values) of every posting, deleted documents left
        out; values are cut out of their blocks only when asked for."""
        if self._all is not None:
            return self._all
        ids: array = array("I")
        weights: array = array("f")
        starts: list[int] = []
        parts: list[Any] = []
        m = self._matcher
        if self._blocked():
            ids, weights, starts, parts = m.whole()
        else:  # inlined postings, or another codec: the matcher's own interface
            vs = []
            while m.is_active():
                ids.append(m.id())
                weights.append(m.weight())
                vs.append(m.value())
                m.next()
            starts, parts = [0], [vs]
        values = _Values(starts, parts)
        if self._deleted and len(ids) and use_numpy(len(ids)):
            # Deleted documents left out at once (numpy): a segment with
            # deletions (a transcript imported again, or removed) is read
            # whole by most queries until it is merged away.
            nids = _numbers(ids)
            left = ~np.isin(nids, _gone(self._deleted))
            if not left.all():
                keep = np.flatnonzero(left)
                ids = _array("I", nids[keep])
                weights = _array(weights.typecode, _numbers(weights)[keep])
                values.index = keep.tolist()
        elif self._deleted and len(ids):
            gone = self._deleted
            kept = [i for i, d in enumerate(ids) if d not in gone]
            if len(kept) < len(ids):
                ids = array("I", [ids[i] for i in kept])
                weights = array(weights.typecode, [weights[i] for i in kept])
                values.index = kept
        self._all = (ids, weights, values)
        self._blocks.clear()
        return self._all

    def at(self, docs: Any, values: bool = True) -> tuple[list[int], list[float], list | None]:
        """The postings of the documents in `docs` (sorted) that have this
        term (their values only if asked for: an AND needs none): decodes
        only the blocks that can hold them when the list is much longer
        than `docs`."""
        if self._all is None and self._blocked() and self.df > SELECTIVE * len(docs):
            maxids, offsets = self.heads()
            out_ids: list[int] = []
            out_w: list[float] = []
            out_v: list | None = [] if values else None
            gone = self._deleted or ()
            k = 0
            nblocks = len(maxids)
            i = 0
            while i < len(docs):
                k = bisect_left(maxids, docs[i], k)
                if k >= nblocks:
                    break
                top = maxids[k]
                if out_v is None and k not in self._blocks:
                    # Ids and weights only: looked up where they lie, the block not decoded.
                    upto = bisect_right(docs, top, i)
                    got, ws = self._matcher.probe(offsets[k], docs[i:upto])
                    for d, w in zip(got, ws, strict=True):
                        if d not in gone:
                            out_ids.append(d)
                            out_w.append(w)
                    i = upto
                    continue
                bids, bw, bv = self._block(k)
                j = 0
                while i < len(docs) and docs[i] <= top:
                    d = docs[i]
                    j = bisect_left(bids, d, j)
                    if j < len(bids) and bids[j] == d and d not in gone:
                        out_ids.append(d)
                        out_w.append(bw[j])
                        if out_v is not None:
                            out_v.append(bv[j])
                    i += 1
            return out_ids, out_w, out_v
        ids, weights, vals = self.all()
        if not len(ids) or not len(docs):
            return [], [], [] if values else None
        if len(docs) <= FEW or not use_numpy(len(ids)):
            at = _positions(ids, _listed(docs))
            return [ids[j] for j in at], [weights[j] for j in at], vals.take(at) if values else None
        # Where each document would be in the list, all at once (numpy's
        # searchsorted, in C), then those that are there.
        if self._arrays is None:
            self._arrays = (_numbers(ids), _numbers(weights))
        nids, nweights = self._arrays
        d = _numbers(docs).astype(nids.dtype, copy=False)
        pos = np.searchsorted(nids, d)
        np.minimum(pos, len(nids) - 1, out=pos)
        idx = pos[nids[pos] == d]
        return nids[idx].tolist(), nweights[idx].tolist(), vals.take(idx.tolist()) if values else None


def _listed(docs: Any) -> list[int]:
    """Documents as a list of ints (from a list, an array or numpy's)."""
    if isinstance(docs, list):
        return docs
    return docs.tolist() if hasattr(docs, "tolist") else list(docs)


def _positions(ids: Any, docs: list[int]) -> list[int]:
    """Where those of sorted `docs` that are in sorted `ids` are in it
    (bisect: for a few documents, quicker than numpy's calls)."""
    out: list[int] = []
    lo, n = 0, len(ids)
    for d in docs:
        j = bisect_left(ids, d, lo)
        if j < n and ids[j] == d:
            out.append(j)
            lo = j + 1
        else:
            lo = j
    return out


_GONE: dict[int, tuple[Any, Any]] = {}  # id(a deleted set) -> (the set, its sorted array)


def _gone(deleted: Any) -> Any:
    """A segment's deleted documents as a sorted numpy array (made once a
    set: the set is kept with it, so its id is not reused meanwhile)."""
    got = _GONE.get(id(deleted))
    if got is None or got[0] is not deleted:
        if len(_GONE) > 64:
            _GONE.clear()
        got = _GONE[id(deleted)] = (deleted, np.array(sorted(deleted), dtype=np.uint32))
    return got[1]


def _array(code: str, xs: Any) -> array:
    """A numpy array as an array.array of the typecode (copied in C)."""
    out = array(code)
    out.frombytes(xs.astype(_NP_TYPES[code], copy=False).tobytes())
    return out


def _numbers(xs: Any) -> Any:
    """A numpy view of an array (no copy), or an array of a list."""
    if isinstance(xs, np.ndarray):
        return xs
    if isinstance(xs, array):
        return np.frombuffer(xs, dtype=_NP_TYPES[xs.typecode]) if len(xs) else np.zeros(0, _NP_TYPES[xs.typecode])
    return np.fromiter(xs, dtype=np.int64, count=len(xs))


_NP_TYPES = {"I": "uint32", "B": "uint8", "f": "float32", "d": "float64", "l": "int64", "q": "int64"}


class _Values:
    """The values of a whole list, kept in their blocks."""

    __slots__ = ("starts", "parts", "index")

    def __init__(self, starts: list[int], parts: list[Any]) -> None:
        self.starts = starts
        self.parts = parts
        self.index: list[int] | None = None

    def __getitem__(self, i: int) -> Any:
        if self.index is not None:
            i = self.index[i]
        k = bisect_right(self.starts, i) - 1
        return self.parts[k][i - self.starts[k]]

    def __iter__(self) -> Iterator[Any]:
        if self.index is not None:
            return (self[i] for i in range(len(self.index)))
        return chain.from_iterable(self.parts)

    def take(self, idx: list[int]) -> list[Any]:
        """The values at the (ascending) positions idx, block by block."""
        if self.index is not None:
            idx = [self.index[i] for i in idx]
        starts, parts = self.starts, self.parts
        out: list[Any] = []
        k, last = -1, len(starts) - 1
        base = nxt = 0
        js: list[int] = []
        for i in idx:
            if i >= nxt or k < 0:
                if js:
                    out.extend(_cut(parts[k], js))
                    js = []
                k = bisect_right(starts, i, max(k, 0)) - 1
                base = starts[k]
                nxt = starts[k + 1] if k < last else 1 << 62
            js.append(i - base)
        if js:
            out.extend(_cut(parts[k], js))
        return out


def _cut(part: Any, js: list[int]) -> list[Any]:
    """The values at positions js of one block's values."""
    cut = getattr(part, "cut", None)
    return cut(js) if cut is not None else [part[j] for j in js]


class ListCache:
    """Decoded lists of a searcher's segments, bounded by CACHE_POSTINGS,
    least recently used dropped first."""

    def __init__(self) -> None:
        self.lists: OrderedDict[tuple[int, str, str], PostingList | None] = OrderedDict()
        self.held = 0

    def get(self, key: tuple[int, str, str], make: Any) -> PostingList | None:
        lists = self.lists
        if key in lists:
            lists.move_to_end(key)
            return lists[key]
        pl = lists[key] = make()
        if pl is not None:
            self.held += pl.df
        while self.held > CACHE_POSTINGS and len(lists) > 1:
            _k, old = lists.popitem(last=False)
            if old is not None:
                self.held -= old.df
        return pl
