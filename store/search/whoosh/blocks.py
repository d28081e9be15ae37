"""hark's posting blocks: raw arrays read straight from the memory map.

Whoosh's W3 codec writes each block of 128 postings as a pickled tuple,
zlib-compressed, behind a pickled header: reading one block costs ~30 µs
(the header's unpickling, decompression, unpickling the data, a running
sum over the ids), and a query reads every block of each of its words.
Here a block is a fixed header and arrays:

    header  HEAD: the length of what follows it (negative: the last block),
            the number of postings, the last id, the highest weight, the
            shortest and longest length (Whoosh's length bytes), how the
            weights and the values are stored, and the values' byte length
    ids     uint32 each, absolute (no running sum to decode)
    weights nothing (all 1.0), one float32 (all the same), uint8 each
            (small whole numbers: term frequencies) or float32 each
    values  the values' ends (uint16 or uint32) and their bytes, zlib-
            compressed when that saves a fifth; decoded only when a value
            is asked for (a phrase's candidates), never for AND or OR

A posting list still starts with Whoosh's tag, and the blocks keep
Whoosh's chaining (the length of each says where the next one starts), so
Whoosh's own matcher logic (next, skip_to, block quality) works unchanged
on top of HarkLeafMatcher; only reading a block is new. The evaluator
(evaluate.py) reads the headers and the ids and weights of whole lists
without a matcher's per-block method calls (`heads`, `block`, `whole`).

The codec that writes and reads these (fileformat.HarkCodec) is named in
each segment of the table of contents: an index written by the W3 codec
(schema version 6 and before) is never read by this one; it is rebuilt.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3LeafMatcher,
    W3PostingsWriter,
    W3TermInfo,
    byte_to_length,
    length_to_byte,
)
from whoosh.system import emptybytes

from .patches import DamagedPostings

# A term info (W3TermInfo.to_bytes of a list that is not inlined): its
# statistics, then the list's offset and length.
_TERMINFO = W3TermInfo._struct
_EXTENT = struct.Struct("!qi")

# length, count, last id, max weight, min length byte, max length byte,
# weights code, values code, values byte length
HEAD = struct.Struct("<iHIfBBBBI")

W_ONES, W_SAME, W_BYTES, W_FLOATS = 0, 1, 2, 3
V_NONE = 0  # no values (a format without them)
# Otherwise the typecode of the ends ("H" or "I"), lower case when compressed.

_SWAP = sys.byteorder != "little"  # the file is little-endian
_ONES = array("f", [1.0]) * 65536  # sliced for blocks whose weights are all 1.0
_ONE_BYTES = b"\x01" * 65536


def _uint32(data: Any) -> array:
    a = array("I")
    a.frombytes(data)
    if _SWAP:
        a.byteswap()
    return a


def _floats(data: Any) -> array:
    a = array("f")
    a.frombytes(data)
    if _SWAP:
        a.byteswap()
    return a


def encode_block(ids: Any, weights: Any, values: list[bytes], fixedsize: int | None) -> tuple[int, int, bytes]:
    """(weights code, values code, data) of one block: the ids, weights and
    values sections laid end to end."""
    if fixedsize != 0 and values and len(values) != len(ids):
        # Whoosh keeps only the values that are not empty: a block whose
        # values do not line up with its ids would be misread.
        raise ValueError(f"a posting block has {len(values)} values for {len(ids)} ids")
    ends = list(accumulate(map(len, values))) if values else []
    return encode_packed(ids, weights, emptybytes.join(values), ends, fixedsize)


def _whole(weights: Any) -> bool:
    """Whether weights (0-255) are all whole numbers: compared in C, as
    float32 (what W_FLOATS would store), with their whole parts."""
    whole = array("f", array("B", bytes(map(int, weights))))
    return whole == (weights if isinstance(weights, array) and weights.typecode == "f" else array("f", weights))


def encode_packed(ids: Any, weights: Any, blob: Any, ends: Any, fixedsize: int | None) -> tuple[int, int, bytes]:
    """encode_block, the values given as one byte string and the end of
    each in it (what a build gathers: no object a posting)."""
    idb = array("I", ids)
    if _SWAP:
        idb.byteswap()
    parts = [idb.tobytes()]
    top = max(weights)
    low = min(weights)
    if top == low == 1.0:
        wcode = W_ONES
    elif top == low:
        wcode = W_SAME
        parts.append(struct.pack("<f", top))
    elif low >= 0 and top <= 255 and _whole(weights):
        wcode = W_BYTES
        parts.append(bytes(map(int, weights)))
    else:
        wcode = W_FLOATS
        wb = array("f", weights)
        if _SWAP:
            wb.byteswap()
        parts.append(wb.tobytes())
    if fixedsize == 0 or not len(ends) or not ends[-1]:
        vcode = V_NONE
    else:
        code = "H" if ends[-1] < 65536 else "I"
        eb = array(code, ends)
        if _SWAP:
            eb.byteswap()
        raw = eb.tobytes() + bytes(blob)
        if len(raw) >= 64:
            packed = zlib.compress(raw, 1)
            if len(packed) * 5 < len(raw) * 4:
                raw, code = packed, code.lower()
        vcode = ord(code)
        parts.append(raw)
    return wcode, vcode, emptybytes.join(parts)


class PackedValues:
    """A posting block's values as one byte string and the end of each
    (two objects, where a tuple of values makes one per posting).
    Indexable like the tuple Whoosh's reader expects; a value is cut out
    when asked for."""

    __slots__ = ("blob", "ends")

    def __init__(self, blob: bytes, code: str, ends: bytes) -> None:
        self.blob = blob
        self.ends = array(code)
        self.ends.frombytes(ends)

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> bytes:
        if i < 0:
            i += len(self.ends)
        return self.blob[self.ends[i - 1] if i else 0 : self.ends[i]]

    def __iter__(self) -> Iterator[bytes]:
        blob, start = self.blob, 0
        for end in self.ends:
            yield blob[start:end]
            start = end


class LazyValues:
    """A block's values, decoded (and decompressed) at the first one asked
    for: AND and OR never ask."""

    __slots__ = ("_data", "_code", "_n", "_packed")

    def __init__(self, data: Any, code: int, n: int) -> None:
        self._data = data
        self._code = code
        self._n = n
        self._packed: PackedValues | None = None

    def _values(self) -> PackedValues:
        p = self._packed
        if p is None:
            code = chr(self._code)
            data = self._data
            if code.islower():
                data = zlib.decompress(data)
                code = code.upper()
            size = 2 if code == "H" else 4
            p = PackedValues(bytes(data[self._n * size :]), code, bytes(data[: self._n * size]))
            if _SWAP:
                p.ends.byteswap()
            self._packed = p
            self._data = None
        return p

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> bytes:
        return self._values()[i]

    def cut(self, js: list[int]) -> list[bytes]:
        """The values at positions js, in one go."""
        p = self._values()
        blob, ends = p.blob, p.ends
        return [blob[ends[j - 1] if j else 0 : ends[j]] for j in js]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._values())


class _NoValues:
    """The values of a format without them: None each, as Whoosh gives."""

    __slots__ = ("_n",)

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> None:
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return None

    def __iter__(self) -> Iterator[None]:
        return iter((None,) * self._n)


Block = tuple[array, Any, Any]  # (ids, weights, values)


def _damaged(pos: int) -> DamagedPostings:
    return DamagedPostings(f"a posting block of the index is damaged (at byte {pos})")


def _sane(length: int, n: int, wcode: int, vcode: int, vlen: int) -> bool:
    """Whether a header can be a block's (a zero-filled or overwritten page
    cannot): its length holds its ids, weights and values."""
    wbytes = (0, 4, n, 4 * n)[wcode] if wcode < 4 else -1
    return n > 0 and wbytes >= 0 and abs(length) == HEAD.size - 4 + 4 * n + wbytes + vlen and (vcode or not vlen)


def decode(buf: Any, base: int, pos: int) -> tuple[int, int, Block]:
    """The block at file offset `pos` (`buf` holds the file from offset
    `base`): (its last id, the offset of the next block (negative: this
    was the last), (ids, weights, values))."""
    length, n, maxid, _mw, _mn, _mx, wcode, vcode, vlen = HEAD.unpack_from(buf, pos - base)
    if not _sane(length, n, wcode, vcode, vlen):
        raise _damaged(pos)
    p = pos - base + HEAD.size
    ids = _uint32(buf[p : p + 4 * n])
    p += 4 * n
    weights: Any
    if wcode == W_ONES:
        weights = _ONES[:n]
    elif wcode == W_SAME:
        weights = array("f", struct.unpack_from("<f", buf, p)) * n
        p += 4
    elif wcode == W_BYTES:
        weights = array("B", bytes(buf[p : p + n]))  # frequencies: scored as they are
        p += n
    else:
        weights = _floats(buf[p : p + 4 * n])
        p += 4 * n
    values: Any = _NoValues(n) if vcode == V_NONE else LazyValues(buf[p : p + vlen], vcode, n)
    nxt = pos + 4 + abs(length)
    return maxid, (-nxt if length < 0 else nxt), (ids, weights, values)


def moved(raw: Any, shift: int, last: bool, tag: bool = True) -> bytes:
    """A posting list's bytes as the postings file has them (Whoosh's tag,
    then its blocks) for a merged list: each block's ids moved up by
    `shift` documents, and its last block marked the list's last or not
    (`last`: more lists' blocks follow); the tag kept only if `tag` (the
    merged list's first part). Values and weights are copied as they are."""
    raw = bytes(raw)
    magic = len(WHOOSH3_HEADER_MAGIC)
    if raw[:magic] != WHOOSH3_HEADER_MAGIC:
        raise _damaged(0)
    if not shift and last:  # unchanged (the first segment's, the list's last part)
        return raw if tag else raw[magic:]
    out: list[bytes] = []
    p = magic
    copied = 0 if tag else magic  # raw[copied:p] is copied as it is
    while True:
        length, n, maxid, mw, mn, mx, wcode, vcode, vlen = HEAD.unpack_from(raw, p)
        if not _sane(length, n, wcode, vcode, vlen):
            raise _damaged(p)
        end = p + 4 + abs(length)
        final = length < 0
        if shift or (final and not last):
            out.append(raw[copied:p])
            size = -abs(length) if final and last else abs(length)
            out.append(HEAD.pack(size, n, maxid + shift, mw, mn, mx, wcode, vcode, vlen))
            at = p + HEAD.size
            if shift:
                ids = _uint32(raw[at : at + 4 * n])
                if ids[-1] + shift > 0xFFFFFFFF:
                    raise ValueError("a merged segment holds at most 2**32 documents")
                moved_ids = array("I", [d + shift for d in ids])
                if _SWAP:
                    moved_ids.byteswap()
                out.append(moved_ids.tobytes())
                at += 4 * n
            out.append(raw[at:end])
            copied = end
        p = end
        if final:
            break
    out.append(raw[copied:p])
    return emptybytes.join(out)


class HarkPostingsWriter(W3PostingsWriter):
    """W3's postings writer with hark's blocks (only `_write_block` differs:
    the buffering and the term statistics are W3's)."""

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        n = len(ids)
        if n > 65535:
            raise ValueError("a posting block holds at most 65,535 postings")
        wcode, vcode, data = encode_block(ids, self._weights, self._values, self._format.fixed_value_size())
        vlen = 0
        if vcode != V_NONE:
            wbytes = {W_ONES: 0, W_SAME: 4, W_BYTES: n, W_FLOATS: 4 * n}[wcode]
            vlen = len(data) - 4 * n - wbytes
        length = HEAD.size - 4 + len(data)
        self._postfile.write(
            HEAD.pack(
                -length if last else length,
                n,
                ids[-1],
                float(self._maxweight),
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
                wcode,
                vcode,
                vlen,
            )
        )
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()

    def write_raw(self, data: bytes) -> int:
        """A posting list's bytes written as they are (a merge's: moved);
        where they start in the file."""
        f = self._postfile
        start = f.tell()
        f.write(data)
        return start

    def write_list(self, format_: Any, docs: Any, weights: Any, blob: Any, ends: Any, lengths: list[int]) -> bytes:
        """A whole posting list (a term's postings, in document order; the
        values as one byte string and the end of each) in one call, and its
        term info's bytes (as W3TermInfo.to_bytes gives them): what
        start_postings, add_posting per posting and finish_postings do,
        without their per-posting and per-block method calls (a build
        writes millions of lists) and with one write a list."""
        f = self._postfile
        start = f.tell()
        fixed = format_.fixed_value_size()
        limit = self._blocklimit
        n = len(docs)
        out = [WHOOSH3_HEADER_MAGIC]
        size = len(WHOOSH3_HEADER_MAGIC)
        minlength: int | None = None
        maxlength = 0
        maxweight = 0.0
        total = 0.0  # summed a block at a time, as W3's term info does
        head = HEAD.pack
        for i in range(0, n, limit):
            if n <= limit:  # one block (most lists): no slices
                ids, ws, ls, block_ends, vals = docs, weights, lengths, ends, blob
            else:
                ids = docs[i : i + limit]
                ws = weights[i : i + limit]
                ls = lengths[i : i + limit]
                first = ends[i - 1] if i else 0
                block_ends = ends[i : i + limit]
                if first:
                    block_ends = array("I", [e - first for e in block_ends])
                vals = blob[first : first + block_ends[-1]]
            if 0 in ls:
                ls = [x for x in ls if x]
            low = min(ls) if ls else None
            high = max(ls) if ls else 0
            top = max(0, max(ws))
            wcode, vcode, data = encode_packed(ids, ws, vals, block_ends, fixed)
            k = len(ids)
            vlen = 0
            if vcode != V_NONE:
                vlen = len(data) - 4 * k - (0, 4, k, 4 * k)[wcode]
            length = HEAD.size - 4 + len(data)
            last = i + limit >= n
            out.append(
                head(
                    -length if last else length,
                    k,
                    ids[-1],
                    float(top),
                    length_to_byte(low),
                    length_to_byte(high),
                    wcode,
                    vcode,
                    vlen,
                )
            )
            out.append(data)
            size += HEAD.size + len(data)
            if low is not None:
                minlength = low if minlength is None else min(minlength, low)
            maxlength = max(maxlength, high)
            maxweight = max(maxweight, top)
            total += sum(ws)
        f.write(emptybytes.join(out))
        # W3TermInfo(weight, df, lengths, maxweight, ids).set_extent(...).to_bytes(), packed at once.
        return term_info(total, n, minlength, maxlength, maxweight, docs[0], docs[-1], start, size)


def term_info(
    weight: float,
    df: int,
    minlength: int | None,
    maxlength: int,
    maxweight: float,
    minid: int,
    maxid: int,
    start: int,
    size: int,
) -> bytes:
    """A list's term info as W3TermInfo(...).set_extent(start,
    size).to_bytes() gives it, packed at once."""
    return _TERMINFO.pack(
        False,
        weight,
        df,
        0 if minlength is None else length_to_byte(minlength),
        length_to_byte(maxlength),
        maxweight,
        minid,
        maxid,
    ) + _EXTENT.pack(start, size)


class HarkLeafMatcher(W3LeafMatcher):
    """W3's matcher over hark's blocks: W3 moves through the list, this
    reads each block. Also reads whole lists for the evaluator."""

    def _view(self) -> tuple[Any, int]:
        """The posting file's bytes and the file offset they start at: its
        memory map where it has one, else this list's extent, read once."""
        view = getattr(self, "_hark_view", None)
        if view is None:
            buf = getattr(self._postfile, "_buf", None)
            if buf is not None:
                view = (buf, 0)
            else:
                view = (self._postfile.get(self._startoffset, self.extent_length()), self._startoffset)
            self._hark_view = view
        return view

    def extent_length(self) -> int:
        """The byte length of the list (W3's term info hands it over as a
        one-tuple)."""
        n = self._length
        return n[0] if isinstance(n, tuple) else n

    def _goto(self, position: int) -> None:
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        buf, base = self._view()
        length, n, maxid, maxweight, mn, mx, wcode, vcode, vlen = HEAD.unpack_from(buf, position - base)
        if not _sane(length, n, wcode, vcode, vlen):
            raise _damaged(position)
        self._lastblock = length < 0
        self._nextoffset = position + 4 + abs(length)
        self._dataoffset = position + HEAD.size
        self._blocklength = n
        self._maxid = maxid
        self._maxweight = maxweight
        self._compression = 0
        self._minlength = byte_to_length(mn)
        self._maxlength = byte_to_length(mx)
        self._hark_position = position

    def _read_data(self) -> None:
        _maxid, _nxt, (ids, weights, values) = decode(*self._view(), self._hark_position)
        self._data = (ids, weights, values)

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        self._ids = self._data[0]

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        self._weights = self._data[1]

    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        fixedsize = self._fixedsize
        values = self._data[2]
        if fixedsize is not None and fixedsize > 0 and not isinstance(values, _NoValues):
            self._values = tuple(values)
        else:
            self._values = values

    # -- whole lists, for the evaluator -------------------------------------------------

    def heads(self) -> tuple[list[int], list[int]]:
        """Every block's last id and offset, from the headers alone."""
        buf, base = self._view()
        unpack = HEAD.unpack_from
        maxids: list[int] = []
        offsets: list[int] = []
        pos = self._baseoffset
        while True:
            length, n, maxid, _mw, _mn, _mx, wcode, vcode, vlen = unpack(buf, pos - base)
            if not _sane(length, n, wcode, vcode, vlen):
                raise _damaged(pos)
            maxids.append(maxid)
            offsets.append(pos)
            if length < 0:
                return maxids, offsets
            pos += 4 + length

    def block(self, pos: int) -> Block:
        """(ids, weights, values) of the block at `pos`."""
        return decode(*self._view(), pos)[2]

    def probe(self, pos: int, docs: list[int]) -> tuple[list[int], list[Any]]:
        """(ids, weights) of those of `docs` (sorted) that the block at
        `pos` holds, its ids searched where they lie and only their weights
        read: what decoding the block and looking them up gives, without
        the rest of the block (a few candidates met by a long list)."""
        buf, base = self._view()
        p = pos - base
        length, n, _maxid, _mw, _mn, _mx, wcode, vcode, vlen = HEAD.unpack_from(buf, p)
        if not _sane(length, n, wcode, vcode, vlen):
            raise _damaged(pos)
        p += HEAD.size
        ids = _uint32(buf[p : p + 4 * n])
        w_at = p + 4 * n
        found: list[int] = []
        weights: list[Any] = []
        j = 0
        for d in docs:
            j = bisect_left(ids, d, j)
            if j < n and ids[j] == d:
                found.append(d)
                # As decode's arrays give them: floats, or whole frequencies (W_BYTES)
                if wcode == W_ONES:
                    weights.append(1.0)
                elif wcode == W_BYTES:
                    weights.append(buf[w_at + j])
                elif wcode == W_SAME:
                    weights.append(struct.unpack_from("<f", buf, w_at)[0])
                else:
                    weights.append(struct.unpack_from("<f", buf, w_at + 4 * j)[0])
        return found, weights

    def whole(self) -> tuple[array, array, list[int], list[Any]]:  # noqa: C901 (one tight loop)
        """(ids, weights, starts, values) of the whole list: the values of
        block k start at starts[k], in parts[k] (decoded when asked)."""
        buf, base = self._view()
        unpack = HEAD.unpack_from
        size = HEAD.size
        id_bytes: list[Any] = []
        # Weights are term frequencies, whole numbers below 256 almost
        # always: kept as bytes (scores are computed from them as they are);
        # a list with another weight has them as floats.
        w_bytes: list[Any] = []
        w_floats: array | None = None
        starts: list[int] = []
        parts: list[Any] = []
        total = 0
        pos = self._baseoffset - base
        while True:
            length, n, _maxid, _mw, _mn, _mx, wcode, vcode, vlen = unpack(buf, pos)
            if not _sane(length, n, wcode, vcode, vlen):
                raise _damaged(pos + base)
            p = pos + size
            id_bytes.append(buf[p : p + 4 * n])
            p += 4 * n
            if wcode == W_ONES:
                w = _ONE_BYTES[:n]
            elif wcode == W_BYTES:
                w = buf[p : p + n]
                p += n
            elif wcode == W_SAME:
                w = array("f", struct.unpack_from("<f", buf, p)) * n
                p += 4
            else:
                w = _floats(buf[p : p + 4 * n])
                p += 4 * n
            if isinstance(w, array):
                if w_floats is None:
                    w_floats = array("f", array("B", emptybytes.join(w_bytes)))
                w_floats.extend(w)
            elif w_floats is not None:
                w_floats.extend(array("f", array("B", w)))  # (extend takes an array of its own kind only)
            else:
                w_bytes.append(w)
            starts.append(total)
            parts.append(_NoValues(n) if vcode == V_NONE else LazyValues(buf[p : p + vlen], vcode, n))
            total += n
            if length < 0:
                break
            pos += 4 + length
        weights = w_floats if w_floats is not None else array("B", emptybytes.join(w_bytes))
        return _uint32(emptybytes.join(id_bytes)), weights, starts, parts
