"""A bulk build's marked text (the text, tail and tail0 fields: most of
its postings), gathered flat and written with numpy.

gather_marked (postings.py) adds each posting to its term's own arrays:
a dictionary lookup and four appends to four objects scattered over
memory, a microsecond and more a posting, millions of times. Here a
passage adds its postings in a few calls to a field's flat arrays (term
number, first word), its words' neighbour marks to one byte string, and
builds in Python only the values of the words said more than once (or
past position 255). At the flush the postings are
sorted by term with numpy, their values laid out (code, position, marks:
postings.py's format, the same bytes) and written a list at a time, the
blocks' statistics taken for all blocks at once (HarkPostingsWriter's
format, blocks.py).
"""

from __future__ import annotations

import struct
import zlib
from array import array
from collections.abc import Callable, Iterator
from operator import itemgetter
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.util.numeric import length_to_byte

from .blocks import _EXTENT, _TERMINFO, HEAD, W_BYTES, W_FLOATS, W_ONES, W_SAME
from .postings import Gathered, gathered, pack

_first = itemgetter(0)
CHUNK = 1 << 19  # postings laid out at once at a flush (some 30 MB of arrays)
_LEN_BYTE = [length_to_byte(n) for n in range(4096)]  # length_to_byte bisects a table: looked up once


def _length_byte(n: int) -> int:
    return _LEN_BYTE[n] if n < 4096 else length_to_byte(n)


class MarkedLog:
    """One marked field's postings, gathered flat (see the module's doc)."""

    def __init__(self, numbers: dict[str, int]) -> None:
        self.numbers = numbers  # the common words of the marks (one dict a build)
        self.ids: dict[str, int] = {}  # term -> its number
        self.names: list[str] = []
        self.common = bytearray()  # a term number -> 1 if the term is common
        # A posting: its term and its first word (a number over all the
        # passages' words: `marks` has two bytes a word).
        self.tid = array("I")
        self.word = array("I")
        # A passage: its document, first position, first word, length.
        self.doc = array("I")
        self.start = array("I")
        self.tok = array("I")
        self.length = array("I")
        self.marks = bytearray()
        # Postings whose value is not a lone position below 256: built here.
        self.sp_word = array("I")  # the posting's first word (`word` rises: it finds the posting)
        self.sp_freq = array("I")
        self.sp_blob = bytearray()
        self.sp_ends = array("Q")

    def __len__(self) -> int:
        return len(self.tid)

    def add(self, docnum: int, start: int, toks: list[str], marks: bytes) -> int:
        """One document's marked words (toks from position `start`, two
        mark bytes a word). Returns how many postings."""
        at: dict[str, Any] = {}
        rep: list[str] = []
        for k, t in enumerate(toks):
            ks = at.get(t)
            if ks is None:
                at[t] = [k]
            else:
                if len(ks) == 1:
                    rep.append(t)
                ks.append(k)
        ids = self.ids
        nums = list(map(ids.get, at))
        if None in nums:
            common = self.numbers
            for i, t in enumerate(at):
                if nums[i] is None:
                    nums[i] = ids[t] = len(self.names)
                    self.names.append(t)
                    self.common.append(t in common)
        n = len(toks)
        w0 = len(self.marks) // 2
        if w0 + n >= 2**32:
            raise ValueError("too many words for one segment")
        self.tid.extend(nums)
        self.word.extend(map(w0.__add__, map(_first, at.values())))
        self.doc.append(docnum)
        self.start.append(start)
        self.tok.append(w0)
        self.length.append(n)
        self.marks += marks
        if start + n > 256:  # positions past 255: every posting there is built here
            rep = [t for t, ks in at.items() if len(ks) > 1 or start + ks[0] > 255]
        if rep:
            common = self.numbers
            for t in rep:
                ks = at[t]
                ps = [start + k for k in ks]
                v = pack(ps) if t in common else pack(ps, b"".join(marks[2 * k : 2 * k + 2] for k in ks))
                self.sp_word.append(w0 + ks[0])
                self.sp_freq.append(len(ks))
                self.sp_blob += v
                self.sp_ends.append(len(self.sp_blob))
        return len(nums)

    def clear(self) -> None:
        """Let go of the gathered postings (written or handed over)."""
        self.__init__(self.numbers)  # type: ignore[misc]

    def gathered(self) -> Iterator[tuple[bytes, Gathered]]:
        """Each term's postings as gather_marked gathers them (for a
        writer that must mix them with merged postings: rare)."""
        for tb, docs, weights, blob, ends in self.lists():
            g = gathered()
            g[0].extend(docs)
            g[1].extend(weights)
            g[2].extend(blob)
            g[3].extend(ends)
            yield tb, g

    def lists(self) -> Iterator[tuple[bytes, list, list, bytes, list]]:
        """(term, documents, weights, values, their ends) of every list in
        term order: for gathered()."""
        for c in self._chunks():
            bounds = [*c["lists"], len(c["docs"])]
            ends = c["ends"]
            for j, tb in enumerate(c["terms"]):
                a, b = bounds[j], bounds[j + 1]
                v0 = int(ends[a - 1]) if a else 0
                yield (
                    tb,
                    c["docs"][a:b].tolist(),
                    c["freq"][a:b].astype(np.float32).tolist(),
                    c["blob"][v0 : int(ends[b - 1])].tobytes(),
                    (ends[a:b] - v0).tolist(),
                )

    def _chunks(self) -> Iterator[dict[str, Any]]:
        """The postings sorted by term (then document), their values laid
        out in that order, a chunk of whole lists at a time (CHUNK
        postings or so: the arrays of a whole segment's text would double
        a build's memory)."""
        P = len(self.tid)
        if not P:
            return
        T = len(self.names)
        by_name = sorted(range(T), key=self.names.__getitem__)  # UTF-8 order is code point order
        rank = np.empty(T, np.uint32)
        rank[by_name] = np.arange(T, dtype=np.uint32)
        tid = np.frombuffer(self.tid, np.uint32)
        key = rank[tid]
        del rank
        # Ranges of terms with about CHUNK postings each, sorted one range
        # at a time (a whole sort's arrays would cost 16 bytes a posting).
        cum = np.cumsum(np.bincount(key, minlength=T))
        cuts = np.unique(np.searchsorted(cum, np.arange(CHUNK, P, CHUNK), side="left"))
        cuts = np.concatenate((cuts + 1, [T])) if len(cuts) else np.array([T])
        cuts = np.unique(np.minimum(cuts, T))
        del cum
        is_common = np.frombuffer(self.common, np.uint8).astype(bool)
        marks = np.frombuffer(self.marks, np.uint8)
        tok = np.frombuffer(self.tok, np.uint32)
        word = np.frombuffer(self.word, np.uint32)
        nsp = len(self.sp_word)
        if nsp:
            # The special postings (values built in `add`): their term's rank, in posting order.
            sp_at = np.searchsorted(word, np.frombuffer(self.sp_word, np.uint32))  # their postings
            sp_ends = np.frombuffer(self.sp_ends, np.uint64).astype(np.int64)
            sp_size = sp_ends - np.concatenate(([0], sp_ends[:-1]))
            sp_src = sp_ends - sp_size
            sp_key = key[sp_at]
            sp_freq = np.frombuffer(self.sp_freq, np.uint32)
            sp_blob = np.frombuffer(self.sp_blob, np.uint8)
            del sp_ends
        r0 = 0
        for r1 in cuts.tolist():
            inside = (key >= r0) & (key < r1) if r0 else key < r1
            idx = np.flatnonzero(inside)  # ascending: document order
            del inside
            sub = np.argsort(key[idx], kind="stable")
            sel = idx[sub]
            skey = key[sel]
            list_starts = np.concatenate(([0], np.flatnonzero(np.diff(skey)) + 1))
            terms = [self.names[by_name[r]].encode("utf-8") for r in skey[list_starts].tolist()]
            del skey
            g = word[sel]
            pas = np.searchsorted(tok, g, side="right") - 1  # the passage of each posting's word
            docs = np.frombuffer(self.doc, np.uint32)[pas]
            lens = np.frombuffer(self.length, np.uint32)[pas]
            pos = np.frombuffer(self.start, np.uint32)[pas] + (g - tok[pas])
            g = g.astype(np.int64)
            del pas
            common = is_common[tid[sel]]
            del sel
            n = len(idx)
            freq = np.ones(n, np.uint32)
            vlen = np.where(common, np.uint32(2), np.uint32(4)).astype(np.uint32)
            special = np.zeros(n, bool)
            some = False
            if nsp:
                mine = np.flatnonzero((sp_key >= r0) & (sp_key < r1))
                some = len(mine) > 0
            if some:
                inv = np.empty(n, np.int64)
                inv[sub] = np.arange(n)
                where = inv[np.searchsorted(idx, sp_at[mine])]  # their places in this range's order
                del inv
                size = sp_size[mine]
                freq[where] = sp_freq[mine]
                vlen[where] = size
                special[where] = True
            del sub, idx
            ends = np.cumsum(vlen, dtype=np.uint64)
            if ends[-1] >= 2**32:
                raise ValueError("a chunk of text values past 4 GB")
            ends = ends.astype(np.uint32)
            vstart = ends - vlen
            del vlen
            blob = np.empty(int(ends[-1]), np.uint8)
            four = ~special & ~common
            at = vstart[four]
            blob[at] = ord("b")
            blob[at + 1] = pos[four]
            gg = 2 * g[four]
            blob[at + 2] = marks[gg]
            blob[at + 3] = marks[gg + 1]
            del four, at, gg
            two = ~special & common
            at = vstart[two]
            blob[at] = ord("B")
            blob[at + 1] = pos[two]
            del two, at, pos, g, common, special
            if some:
                total = int(size.sum())
                within = np.arange(total) - np.repeat(np.cumsum(size) - size, size)
                src = sp_src[mine]
                blob[np.repeat(vstart[where].astype(np.int64), size) + within] = sp_blob[np.repeat(src, size) + within]
                del within, src, where, size
            del vstart
            yield {
                "terms": terms,
                "lists": list_starts.tolist(),
                "docs": docs,
                "freq": freq,
                "lens": lens,
                "blob": blob,
                "ends": ends,
            }
            r0 = r1

    def write(self, pw: Any, add_term: Callable[[bytes, bytes], None], limit: int) -> None:
        """Write every list into the postings file of HarkPostingsWriter
        `pw` (blocks of `limit` postings, blocks.py's format) and its term
        info through add_term(term, info bytes); let go of the postings."""
        for c in self._chunks():
            _write_chunk(c, pw, add_term, limit)
        self.clear()


def _write_chunk(c: dict[str, Any], pw: Any, add_term: Callable[[bytes, bytes], None], limit: int) -> None:
    """One chunk of lists (MarkedLog._chunks): the blocks' statistics for
    all its blocks at once, then each list in one write."""
    docs, freq, lens, blob, ends = (c.pop(k) for k in ("docs", "freq", "lens", "blob", "ends"))
    P = len(docs)
    list_starts = np.array(c["lists"], np.int64)
    list_ends = np.append(list_starts[1:], P)
    nb = (list_ends - list_starts + limit - 1) // limit
    block_list = np.repeat(np.arange(len(list_starts)), nb)
    nth = np.arange(len(block_list)) - np.repeat(np.cumsum(nb) - nb, nb)
    bstart = list_starts[block_list] + limit * nth
    bend = np.minimum(bstart + limit, list_ends[block_list])
    del block_list, nth
    wmax = np.maximum.reduceat(freq, bstart).tolist()
    wmin = np.minimum.reduceat(freq, bstart).tolist()
    wsum = np.add.reduceat(freq.astype(np.int64), list_starts).tolist()
    lmin = np.minimum.reduceat(lens, bstart).tolist()
    lmax = np.maximum.reduceat(lens, bstart).tolist()
    vfirst = np.where(bstart > 0, ends[np.maximum(bstart - 1, 0)], 0).astype(np.uint32)
    vsize = (ends[bend - 1] - vfirst).tolist()
    rel = ends - np.repeat(vfirst, bend - bstart)
    rel16 = rel.astype("<u2").tobytes()
    ids = docs.astype("<u4").tobytes()
    last_ids = docs[bend - 1].tolist()
    first_ids = docs[list_starts].tolist()
    wbytes = np.minimum(freq, 255).astype(np.uint8).tobytes()
    vfirst = vfirst.tolist()
    data = blob.tobytes()
    bs, be = bstart.tolist(), bend.tolist()
    del blob, lens, bstart, bend, ends, docs
    f = pw._postfile
    head = HEAD.pack
    hsize = HEAD.size
    magic = WHOOSH3_HEADER_MAGIC
    lb = _length_byte
    blk = 0
    ls, le = list_starts.tolist(), list_ends.tolist()
    start = f.tell()  # then counted: only this loop writes to the file
    for j, tb in enumerate(c["terms"]):
        out = [magic]
        size = len(magic)
        b0 = le[j]
        maxweight = 0
        minlength = None
        maxlength = 0
        while True:
            a, b = bs[blk], be[blk]
            top, low = wmax[blk], wmin[blk]
            if top == low == 1:
                wcode, wpart = W_ONES, b""
            elif top == low:
                wcode, wpart = W_SAME, struct.pack("<f", top)
            elif top <= 255:
                wcode, wpart = W_BYTES, wbytes[a:b]
            else:
                wcode, wpart = W_FLOATS, freq[a:b].astype("<f4").tobytes()
            vs = vsize[blk]
            if vs < 65536:
                code = "H"
                raw = rel16[2 * a : 2 * b]
            else:
                code = "I"
                raw = rel[a:b].astype("<u4").tobytes()
            v0 = vfirst[blk]
            raw += data[v0 : v0 + vs]
            if len(raw) >= 64:
                packed = zlib.compress(raw, 1)
                if len(packed) * 5 < len(raw) * 4:
                    raw, code = packed, code.lower()
            body = ids[4 * a : 4 * b] + wpart + raw
            length = hsize - 4 + len(body)
            lo, hi = lmin[blk], lmax[blk]
            last = b >= b0
            out.append(
                head(
                    -length if last else length,
                    b - a,
                    last_ids[blk],
                    float(top),
                    lb(lo),
                    lb(hi),
                    wcode,
                    ord(code),
                    len(raw),
                )
            )
            out.append(body)
            size += hsize + len(body)
            minlength = lo if minlength is None else min(minlength, lo)
            maxlength = max(maxlength, hi)
            maxweight = max(maxweight, top)
            blk += 1
            if last:
                break
        f.write(b"".join(out))
        add_term(
            tb,
            _TERMINFO.pack(
                False, wsum[j], b0 - ls[j], lb(minlength), lb(maxlength), maxweight, first_ids[j], last_ids[blk - 1]
            )
            + _EXTENT.pack(start, size),
        )
        start += size
