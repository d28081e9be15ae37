"""Posting values: a word's positions in a passage, packed, with its
neighbour marks; and the one check of a phrase at its positions.

A value is one code byte and the positions as a byte/short/int array
(Whoosh's own format pickles a list per posting, a third of the indexing
time); the frequency is their number. In the text fields the code is
lower-case and each position's neighbour marks follow, two bytes a
position: the numbers (analysis.common_numbers) of the common words just
before and just after it.
"""

from __future__ import annotations

import struct
from array import array
from typing import Any

from ..analysis import terms

_CODES = ((255, "B"), (65535, "H"), (2**32 - 1, "I"))
_SIZES = {ord(c): struct.calcsize(c) for c in "BHIbhi"}

Posting = tuple[bytes, int, float, bytes]  # (term, frequency, weight, value)


def pack(poslist: list[int], marks: bytes | None = None) -> bytes:
    """The value of sorted positions (and their marks, two bytes each)."""
    top = poslist[-1]
    for limit, code in _CODES:
        if top <= limit:
            packed = struct.pack(f"<{len(poslist)}{code}", *poslist)
            if marks is None:
                return code.encode() + packed
            return code.lower().encode() + packed + marks
    raise ValueError("position out of range")


# The value of a posting with one position below 256 (most of them): shared
# objects, built once, instead of one small bytes object per posting.
ONE_POSITION = [b"B" + bytes([i]) for i in range(256)]


def postings_of(value: Any) -> list[Posting]:
    """The postings of one field of one document. The value arrives as
    ``(first_position, [terms])`` (analysed once by the caller),
    ``(first_position, [terms], marks, common)`` (two neighbour-mark bytes
    a term), ``(None, [(term, position), ...])``, or as a string (analysed
    here)."""
    if isinstance(value, str):
        value = (0, terms(value))
    if len(value) == 4:
        return index_marked(*value)
    start, toks = value
    placed = enumerate(toks, start) if start is not None else ((i, t) for t, i in toks)
    poses: dict[str, list[int]] = {}
    for i, t in placed:
        p = poses.get(t)
        if p is None:
            poses[t] = [i]
        else:
            p.append(i)
    one = ONE_POSITION
    return [
        (t.encode("utf-8"), 1, 1.0, one[p[0]])
        if len(p) == 1 and p[0] < 256
        else (t.encode(), len(p), float(len(p)), pack(p))
        for t, p in poses.items()
    ]


# A term's postings as a build gathers them: documents, weights, the values
# in one byte string and the end of each (no object a posting).
Gathered = tuple[array, array, bytearray, array]


def gathered() -> Gathered:
    return (array("I"), array("f"), bytearray(), array("I"))


def gather_marked(
    field: dict[bytes, Gathered], docnum: int, start: int, toks: list[str], marks: bytes, common: dict[str, int]
) -> int:
    """The postings of one document's marked words (toks from position
    `start`), added straight to a field's gathered lists -- the text field
    is most of a build's postings, so no posting tuples. Words that are not
    common carry their neighbour marks (a common word's own marks are never
    asked for: a phrase checks it by its neighbours' marks or its pair).
    Returns how many postings."""
    at: dict[str, list[int]] = {}
    for k, t in enumerate(toks):
        ks = at.get(t)
        if ks is None:
            at[t] = [k]
        else:
            ks.append(k)
    n = len(toks)
    one = None
    if start + n <= 256:
        # Every word's one-position value (code, position, marks) laid out
        # in one string: a word said once (most) takes a slice of it.
        buf = bytearray(4 * n)
        buf[0::4] = b"b" * n
        buf[1::4] = bytes(range(start, start + n))
        buf[2::4] = marks[0::2]
        buf[3::4] = marks[1::2]
        one = bytes(buf)
    plain = ONE_POSITION
    get = field.get
    for t, ks in at.items():
        f = len(ks)
        if t in common:
            v = plain[start + ks[0]] if f == 1 and start + ks[0] < 256 else pack([start + k for k in ks])
        elif f == 1:
            k = ks[0]
            v = one[4 * k : 4 * k + 4] if one is not None else pack([start + k], marks[2 * k : 2 * k + 2])
        else:
            v = pack([start + k for k in ks], b"".join(marks[2 * k : 2 * k + 2] for k in ks))
        tb = t.encode("utf-8")
        entry = get(tb)
        if entry is None:
            entry = field[tb] = gathered()
        entry[0].append(docnum)
        entry[1].append(f)
        blob = entry[2]
        blob += v
        entry[3].append(len(blob))
    return len(at)


def index_marked(start: int, toks: list[str], marks: bytes, common: dict[str, int]) -> list[Posting]:
    """Postings with neighbour marks (see gather_marked), as Whoosh's
    field interface gives them."""
    field: dict[bytes, Gathered] = {}
    gather_marked(field, 0, start, toks, marks, common)
    return [(tb, int(w[0]), w[0], bytes(blob)) for tb, (_d, w, blob, _e) in field.items()]


def positions(v: bytes) -> Any:
    """The positions of a posting value: for the usual one-byte code, the
    bytes themselves are the positions. A lower-case code means neighbour
    marks follow (two bytes a position)."""
    c = v[0]
    if c == 66:  # b"B"
        return v[1:]
    if c == 98:  # b"b"
        return v[1 : 1 + (len(v) - 1) // 3]
    size = _SIZES[c]
    n = (len(v) - 1) // (size if c < 97 else size + 2)
    return struct.unpack_from(f"<{n}{chr(c).upper()}", v, 1)


def marked_positions(v: bytes, before: int, after: int) -> list[int]:
    """The positions of a posting value whose neighbour marks say the
    common word numbered `before` comes just before (-1: any) and the one
    numbered `after` just after (-1: any)."""
    ps = positions(v)
    if before < 0 and after < 0:
        return list(ps)
    if v[0] < 97:  # no marks in this field
        return []
    n = len(ps)
    marks = v[len(v) - 2 * n :]
    return [
        p
        for i, p in enumerate(ps)
        if (before < 0 or marks[2 * i] == before) and (after < 0 or marks[2 * i + 1] == after)
    ]


def has_neighbours(v: bytes, before: int, after: int) -> bool:
    """Whether some position of a posting value has the neighbours asked
    for (-1: any); the one-position value (code, position, marks) inline."""
    if len(v) == 4 and v[0] == 98:
        return (before < 0 or v[2] == before) and (after < 0 or v[3] == after)
    return bool(marked_positions(v, before, after))


def plain_at(values: list[bytes], steps: list[int]) -> bool:
    """phrase_at for parts with no neighbour marks asked for: whether some
    position p of the first value has p + steps[j] among the positions of
    value j + 1 (positions as bytes or a tuple: `in` scans them in C)."""
    rest = [(positions(v), d) for v, d in zip(values[1:], steps, strict=True)]
    for p in positions(values[0]):
        for ps, d in rest:
            q = p + d
            if type(ps) is bytes:  # positions below 256
                if not 0 <= q < 256 or q not in ps:
                    break
            elif q not in ps:
                break
        else:
            return True
    return False


def phrase_at(values: list[bytes], parts: list[tuple[str, str, int, int, int]]) -> bool:
    """Whether a passage's posting values (one per part, in the order of
    `parts`) hold the parts at their offsets, with the neighbours asked for."""
    o0 = parts[0][2]
    first = marked_positions(values[0], parts[0][3], parts[0][4])
    if len(parts) == 1:
        return bool(first)
    rest = [
        (set(marked_positions(v, before, after)), o - o0)
        for v, (_f, _t, o, before, after) in zip(values[1:], parts[1:], strict=True)
    ]
    return any(all(p + d in ps for ps, d in rest) for p in first)
