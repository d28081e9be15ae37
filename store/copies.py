"""Finding copies: the same talk imported twice, whatever the two files' formats,
punctuation, case and fillers.

Each transcript gets a fingerprint of at most 295 bytes: a sample of its
word triples (3-word shingles over the normalised words: lower case, accents
folded, punctuation and fillers dropped), each with where it sits in the
talk. Two fingerprints are the same talk when, sample by sample, most of
the shorter one's text lies between triples that the other copy has too, in
the same order and at consistent distances.

A fingerprint is made on every import, so with numpy: a fraction of a
millisecond for an hour of speech, less when several texts are
fingerprinted together (fingerprint_texts: each gets the fingerprint it
would get alone, and the numpy calls' fixed cost is shared). Fingerprints
are versioned (VERSION, their first byte): the library treats one of
another version as missing and makes it again
(hark.store.same_talk.backfill).

    fp = fingerprint(transcript.segments)       # bytes, kept in the library
    fps = fingerprint_texts([speech(t.segments) for t in batch])
    index = CopyIndex(kept)                     # (id, fp) pairs, in memory
    index.find(fp)                              # [(id, Similarity)], best first
    index.add(new_id, fp)

The rule: two transcripts are the same talk when at least SAME_TALK_SHARE
(60%) of the shorter one's words are found in the other, in order (and the
shorter one has at least MIN_WORDS words). Real copies (a caption track and a
web page, two ASR runs) share 85% or more; talks that share a quote, or one
show's intro and outro, 10-20%. The fingerprint's share is an estimate (it
counts a slip between two matched triples as shared);
`hark.store.align.shared_words` gives the exact word-level share once a copy
is found, for the message shown to the user.
"""

from __future__ import annotations

import functools
import struct
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .model import NONSPEECH, Segment
from .text import WORD, fold_accents

# --- normalised words -------------------------------------------------------

_APOSTROPHES = str.maketrans("", "", "'’")

# True fillers only: sounds, never words that also carry meaning ("like",
# "so", "well", "right", "you know" stay: dropping them would lose real
# words, and both copies usually keep them anyway).
FILLERS = frozenset("um umm ummm uh uhh uhm uhmm er erm err ah ahh hmm hmmm hm mm mmm mhm eh".split())


def norm(token: str) -> str | None:
    """One token as it is compared: lower case, accents folded, apostrophes
    dropped ("There's" -> "theres", "Café" -> "cafe"); None for a filler."""
    w = token.lower()
    if not w.isascii():
        w = fold_accents(w)
    w = w.translate(_APOSTROPHES)
    return None if w in FILLERS else w


def normal_words(text: str) -> list[str]:
    """The words of a text as copies are compared: normalised, fillers out."""
    return [w for w in map(norm, WORD.findall(text)) if w is not None]


# --- fingerprints -----------------------------------------------------------

VERSION = 2
K = 48  # samples kept: 6 bytes each, so a fingerprint is at most 295 bytes
# Level L samples only the triples whose first word's 64-bit id is below
# 2**(64-L) (its "tag", its count of leading zero bits, is at least L): the
# same rule in every transcript, so samples stay comparable, while a long
# transcript needs only a few hundred triples ranked. A transcript takes the
# level that leaves between _CANDIDATES and twice as many.
_CANDIDATES = 250
_MAX_LEVEL = 7
_HEADER = struct.Struct("<BBBI")  # version, samples, level, words
_ENTRY = struct.Struct("<IH")  # triple hash; position (13 bits, share of the talk) << 3 | level tag
_POS = (1 << 13) - 1
_FULL = 1 << 32

# A shorter transcript of fewer words is never called a copy: too little to tell.
MIN_WORDS = 40
# Nor when fewer samples than this were found in order: a short text against
# a very long one has few samples in common, too few to judge by.
MIN_MATCHED = 4
SAME_TALK_SHARE = 0.6

# Fingerprinting runs on every import, so it works on whole arrays (numpy),
# never word by word in Python, and in few steps (in an import each step
# finds the processor's caches cold). The text becomes the UTF-8 bytes of its
# normalised words with 0 bytes between them: text of ASCII and Latin-1
# characters is mapped by one bytes.translate (_LATIN), and in other text the
# few distinct non-ASCII characters are folded in Python and remembered.
# Punctuation parts words, but an apostrophe goes
# ("it's" -> "its"). A word's 64-bit id mixes its first 8 bytes (and its
# last 8 if it has more), read straight from the bytes, so the same word has
# the same id in every text and on every machine (fingerprints are stored:
# never Python's per-process str hash).
_U64 = np.uint64
_MUL1, _MUL2, _MUL3 = _U64(0x156889BFAD8702A9), _U64(0x68120C01BDE1C8DB), _U64(0x1BD4D6C546A5627D)
_S29, _S32, _S52, _S64 = _U64(29), _U64(32), _U64(52), _U64(64)
_LOW = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1], dtype=np.uint64)  # a word's first n bytes
_TAG_BELOW = np.array([1 << (64 - t) for t in range(1, _MAX_LEVEL + 1)], dtype=np.uint64)  # tag >= t below these
_TOP_HALF, _M32 = _U64(0xFFFFFFFF00000000), 0xFFFFFFFF
_SPACE = 0  # what parts words
_ASCII = [ord(chr(c).lower()) if chr(c).isalnum() else _SPACE for c in range(128)]
_BYTES = bytes(_ASCII + list(range(128, 256)))  # for bytes.translate: UTF-8's other bytes stay
_DROPPED = b"'_"  # "it's" -> "its", "_said_" -> "said"
_DROPPED_TOO = _DROPPED + bytes(range(0x80, 0xC0))  # and the bytes of a character after its first
# by a character's first byte: the bytes of the 4 read from there that are its own
_OWN = np.array([(1 << (8 * (2 if b < 0xE0 else 3 if b < 0xF0 else 4))) - 1 for b in range(256)], dtype=np.uint32)
_APOSTROPHES_TOO = frozenset("’‘ʼ")
# Non-ASCII characters met, by the hash of their UTF-8 bytes (as a number):
# the bytes, and the byte their first becomes (_LONG: not one ASCII byte,
# done the slow way). A later character with the same hash replaces
# one: the table only remembers. A lock keeps each slot's two halves together
# (the app fingerprints in worker threads).
_SLOTS = 1 << 16
_SLOT_CHAR = np.zeros(_SLOTS, dtype=np.uint32)  # 0: no character (none's bytes are 0)
_SLOT_BYTE = np.zeros(_SLOTS, dtype=np.uint8)
_SLOT_MUL, _S16 = np.uint32(0x9E3779B1), np.uint32(16)
_LONG = 0xFF
_SLOTS_LOCK = threading.Lock()


def _char(utf8: int) -> str:
    return utf8.to_bytes(4, "little").rstrip(b"\0").decode("utf-8", "surrogatepass")


def _fold_char(c: str) -> str:
    """A non-ASCII character as word characters: lower case, accents folded
    ("É" -> "e", "ﬁ" -> "fi"); "" for an apostrophe or a combining accent,
    " " for anything else (a space, a dash, a quote mark) as it parts words."""
    folded = "" if c in _APOSTROPHES_TOO else fold_accents(c.lower()).lower()
    out = "".join(x if x.isalnum() else " " for x in folded)
    return " " if out.isspace() else out


def _fold(utf8: int) -> str:
    """_fold_char of a character given by its UTF-8 bytes (as a number)."""
    return _fold_char(_char(utf8))


def _byte(folded: str) -> int:
    return ord(folded or "'") if len(folded) <= 1 and folded < "\x80" else _LONG


def _first_bytes(chars: np.ndarray) -> np.ndarray:
    """What each character's first byte becomes: its folded ASCII letter, a
    space, an apostrophe (to drop), or _LONG."""
    slots = (chars * _SLOT_MUL) >> _S16
    with _SLOTS_LOCK:
        return _looked_up(chars, slots)


def _looked_up(chars: np.ndarray, slots: np.ndarray) -> np.ndarray:
    known = _SLOT_CHAR[slots] == chars
    if not known.all():
        for c in set(chars[~known].tolist()):
            slot = (c * int(_SLOT_MUL) & 0xFFFFFFFF) >> 16
            _SLOT_CHAR[slot], _SLOT_BYTE[slot] = c, _byte(_fold(c))
        if not (_SLOT_CHAR[slots] == chars).all():  # two of them share a slot
            return np.array([_byte(_fold(c)) for c in chars.tolist()], dtype=np.uint8)
    return _SLOT_BYTE[slots]


def _latin_table() -> tuple[bytes, bytes]:
    """For bytes.translate of Latin-1 text: each byte's folded ASCII letter
    (or 0, or _LATIN_HARD), and the bytes to drop."""
    table, dropped = list(_ASCII), bytearray(_DROPPED)
    for b in range(0x80, 0x100):
        folded = _fold_char(chr(b))
        if not folded:
            dropped.append(b)
        table.append(_ASCII[ord(folded)] if len(folded) == 1 and folded < "\x80" else _LATIN_HARD if folded else 0)
    return bytes(table), bytes(dropped)


# Text whose characters are all below U+0100 (ASCII, and the accented
# letters of western European languages: most transcripts) is encoded as
# Latin-1, one byte a character (a plain copy in CPython), and folded by one
# bytes.translate. The few Latin-1 letters that fold to more than one ASCII
# letter, or to none ("ß", "æ", "½"), become _LATIN_HARD (U+0080, a control
# character, becomes 0 like any other): their text goes the UTF-8 way below.
_LATIN_HARD = 0x80
_LATIN, _LATIN_DROPPED = _latin_table()


def _word_bytes(text: str) -> bytes | bytearray:
    """The text's normalised words as UTF-8, 0 bytes between words: no
    filler taken out yet."""
    try:
        latin = text.encode("latin-1")
    except UnicodeEncodeError:  # a character beyond U+00FF
        pass
    else:
        out = latin.translate(_LATIN, _LATIN_DROPPED)
        if text.isascii() or _LATIN_HARD not in out:
            return out
    buf = bytearray(text.encode("utf-8", "surrogatepass"))
    buf += b"\0\0\0"  # room to read 4 bytes from the last character
    raw = np.frombuffer(buf, dtype=np.uint8)
    # each non-ASCII character: its first byte, and all its bytes as a number
    firsts = np.flatnonzero(raw >= 0xC0)
    fours = np.ndarray((len(raw) - 3,), dtype="<u4", buffer=buf, strides=(1,))
    chars = fours[firsts] & _OWN[raw[firsts]]
    ascii_bytes = _first_bytes(chars)
    if (ascii_bytes == _LONG).any():
        # a letter beyond ASCII even folded ("ß", "ж"), or one spelt with
        # several ("ﬁ"): the slow way, rarely
        spelt = {ord(_char(c)): _fold(c) for c in set(chars.tolist())}
        return text.translate(spelt).encode("utf-8").translate(_BYTES, _DROPPED)
    # a character's first byte becomes its folded letter (or a space, or an
    # apostrophe to drop); the translation drops its other bytes
    raw[firsts] = ascii_bytes
    return buf.translate(_BYTES, _DROPPED_TOO)


def _read8(eights: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The 8 bytes from each byte position `at`, read from the text's
    aligned 8-byte words (two aligned reads, shifted, beat numpy's take
    from an unaligned view several times over)."""
    shift = ((at & 7) << 3).view(np.uint64)
    low = eights.take(at >> 3)
    low >>= shift
    high = eights.take((at >> 3) + 1)
    high <<= _S64 - shift  # a shift by 64 gives 0
    low |= high
    return low


def _words(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The 64-bit id of each word of the texts, in order, fillers out; and
    where each text's words begin among them (and, last, where they end)."""
    parts = [_word_bytes(t) for t in texts]
    # a 0 before each text; after the last, room to read 8 bytes past the
    # end, and whole 8-byte words
    size = len(parts) + sum(map(len, parts))
    raw = b"\0".join([b"", *parts, bytes(16 + (-size - 1) % 8)])
    buf = np.frombuffer(raw, dtype=np.uint8)
    inside = buf != 0
    edges = np.flatnonzero(inside[1:] != inside[:-1])
    before, ends = edges[0::2], edges[1::2] + 1  # the 0 before each word; one past its last byte
    starts = before + 1
    lengths = ends - starts
    eights = np.frombuffer(raw, dtype="<u8")
    ids = _read8(eights, starts)
    ids &= _LOW.take(lengths, mode="clip")
    # a longer word: its last 8 bytes too (the middle of one over 16 bytes
    # is not read: that only ever makes two long words look alike)
    long = np.flatnonzero(lengths > 8)
    if len(long):
        mixed = ids.take(long)
        mixed *= _MUL1
        mixed ^= _read8(eights, ends.take(long) - 8)
        ids[long] = mixed
    ids *= _MUL2  # and mixed, so that every bit of the word stirs the top ones
    ids ^= ids >> _S32
    ids *= _MUL3
    # where each text's words begin: at the first word after the 0 before it
    first = np.searchsorted(before, np.cumsum([0] + [len(b) + 1 for b in parts]))
    # fillers: the filler (if any) whose id has the same top 12 bits, compared
    fillers = np.flatnonzero(_FILLER_BY_TOP[(ids >> _S52).view(np.int64)] == ids)
    if len(fillers):
        ids = np.delete(ids, fillers)
        first -= np.searchsorted(fillers, first)
    return ids, first


def _word_ids(text: str) -> np.ndarray:
    """The 64-bit id of each word of the text, in order, fillers out."""
    return _words([text])[0]


# By its top 12 bits, the one filler id that has them (the fillers' differ
# there: a test checks); elsewhere an id with other top bits, equal to none.
_FILLER_BY_TOP = (np.arange(1 << 12, dtype=np.uint64) ^ _U64(1)) << _S52
_FILLER_IDS = _word_ids(" ".join(sorted(FILLERS)))
_FILLER_BY_TOP[_FILLER_IDS >> _S52] = _FILLER_IDS


def _level(n: int) -> int:
    return min(_MAX_LEVEL, max(0, (n // _CANDIDATES).bit_length() - 1))


def speech(segments: Iterable[Segment]) -> str:
    """The text that a transcript's fingerprint is made of: its segments'
    text, nonspeech markers left out."""
    return "\n".join([s.text for s in segments if s.kind != NONSPEECH])


def fingerprint(segments: Iterable[Segment]) -> bytes:
    """The fingerprint of a transcript's speech (nonspeech markers left out)."""
    return fingerprint_texts([speech(segments)])[0]


def fingerprint_text(text: str) -> bytes:
    """The fingerprint of a text: at most K sampled word triples, each a
    32-bit hash with its position and level tag, plus the number of words."""
    return fingerprint_texts([text])[0]


# A numpy call costs a few microseconds before it does anything, more in an
# import (the processor's caches are cold there), and a fingerprint takes
# some fifty: texts are fingerprinted together, with the same calls for all,
# and each gets exactly the fingerprint it would get alone.
_TAG_MAX = np.array([(1 << 64) - 1] + [(1 << (64 - t)) - 1 for t in range(1, _MAX_LEVEL + 1)], dtype=np.uint64)
_TAG_ASC = _TAG_BELOW[::-1].copy()  # 2**57 .. 2**63: a tag is _MAX_LEVEL minus how many are at or below the id
_ENTRIES = np.dtype([("hash", "<u4"), ("where", "<u2")])  # _ENTRY, for numpy


def fingerprint_texts(texts: Sequence[str]) -> list[bytes]:
    """The fingerprints of texts (fingerprint_text of each), made together."""
    if not texts:
        return []
    ids, first = _words(texts)
    t = len(texts)
    words = np.diff(first)
    counts = words.tolist()
    levels = [_level(n) for n in counts]
    # sampled: a triple's first word has a tag at least its text's level
    # (level 0: every word), and two more words follow it in its text
    if t == 1:
        at = np.flatnonzero(ids <= _TAG_MAX[levels[0]])
        whose = np.zeros(len(at), dtype=np.intp)
    else:
        at = np.flatnonzero(ids <= np.repeat(_TAG_MAX.take(levels), words))
        whose = np.searchsorted(first, at, side="right") - 1
    inside = at + 2 < first.take(whose + 1)
    if not inside.all():
        at, whose = at[inside], whose[inside]
    h = ids.take(at) * _MUL1
    h ^= ids.take(at + 1)
    h *= _MUL2
    h ^= ids.take(at + 2)
    h *= _MUL3
    h ^= h >> _S29
    # each triple once, where first said: a hash in the top half, where in
    # its text in the bottom one, sorted text by text, so the first of each
    # hash is its first place
    h &= _TOP_HALF
    h |= (at - first.take(whose)).astype(np.uint64)
    bounds = np.searchsorted(whose, np.arange(t + 1)).tolist()
    for k in range(t):
        if bounds[k + 1] - bounds[k] > 1:
            h[bounds[k] : bounds[k + 1]].sort()
    hashes = h >> _S32
    new = np.ones(len(h), dtype=bool)  # a text's first, or another hash than the one before
    new[1:] = (hashes[1:] != hashes[:-1]) | (whose[1:] != whose[:-1])
    kept = np.flatnonzero(new)
    # the K smallest of each text
    kept_whose = whose.take(kept)
    starts = np.searchsorted(kept_whose, np.arange(t + 1))
    kept = kept[np.arange(len(kept)) - starts.take(kept_whose) < K]
    kept_whose = whose.take(kept)
    places = (h.take(kept) & _U64(_M32)).astype(np.intp)
    tags = _MAX_LEVEL - np.searchsorted(_TAG_ASC, ids.take(places + first.take(kept_whose)), side="right")
    scale = _POS / np.maximum(words - 1, 1)
    entries = np.empty(len(kept), dtype=_ENTRIES)
    entries["hash"] = hashes.take(kept)
    entries["where"] = np.rint(places * scale.take(kept_whose)).astype(np.uint16) << 3 | tags
    blob = entries.tobytes()
    ends = np.searchsorted(kept_whose, np.arange(t + 1)).tolist()
    size = _ENTRY.size
    return [
        _HEADER.pack(VERSION, ends[k + 1] - ends[k], levels[k], counts[k]) + blob[ends[k] * size : ends[k + 1] * size]
        for k in range(t)
    ]


@dataclass(frozen=True)
class _Print:
    words: int
    level: int
    hashes: tuple[int, ...]  # ascending
    positions: tuple[float, ...]  # in words, same order as hashes
    tags: tuple[int, ...]  # the coarsest level each sample belongs to

    @property
    def limit(self) -> int:
        """Every triple of its level hashing below this is in the sample."""
        return self.hashes[-1] if len(self.hashes) >= K else _FULL


@functools.lru_cache(maxsize=16)  # find() then add() read the same one
def _read(fp: bytes) -> _Print:
    version, count, level, n = _HEADER.unpack_from(fp)
    if version != VERSION:
        raise ValueError(f"fingerprint version {version}, expected {VERSION}")
    scale = max(n - 1, 1) / _POS
    hs, ps, tags = [], [], []
    for h, p in _ENTRY.iter_unpack(fp[_HEADER.size : _HEADER.size + count * _ENTRY.size]):
        hs.append(h)
        ps.append((p >> 3) * scale)
        tags.append(p & 7)
    return _Print(n, level, tuple(hs), tuple(ps), tuple(tags))


def fingerprint_words(fp: bytes) -> int:
    """How many (normalised, filler-free) words the fingerprinted text has."""
    return _HEADER.unpack_from(fp)[3]


@dataclass(frozen=True)
class Similarity:
    """How much of the shorter transcript the other one holds, in order.

    share: estimated share of the shorter one's words found in the other,
    in order (0..1); compared: samples compared; matched: samples found in
    order; shorter_words / longer_words: the two lengths in words."""

    share: float
    compared: int
    matched: int
    shorter_words: int
    longer_words: int

    @property
    def same_talk(self) -> bool:
        return self.shorter_words >= MIN_WORDS and self.matched >= MIN_MATCHED and self.share >= SAME_TALK_SHARE


# Two in-order samples bridge the text between them when at most this many
# of the shorter one's samples between them went unmatched (an ASR slip or
# an edit breaks a triple), and the two copies agree on the distance.
_SKIP = 5
_SPAN_SLACK = 0.25
_SPAN_WORDS = 8


def similarity(a: bytes, b: bytes) -> Similarity:
    """Compare two fingerprints (either order)."""
    pa, pb = _read(a), _read(b)
    if (pb.words, pb.hashes) < (pa.words, pa.hashes):
        pa, pb = pb, pa  # pa: the shorter (ties broken so the result is symmetric)
    return _compare(pa, pb)


def same_talk(a: bytes, b: bytes) -> Similarity | None:
    """The similarity of two fingerprints when they are the same talk, else None."""
    s = similarity(a, b)
    return s if s.same_talk else None


def _compare(pa: _Print, pb: _Print) -> Similarity:
    # Compared: the triples both sampled from (the coarser level's), below
    # both limits. Each print holds every such triple of its own text, so a
    # sample of the shorter one missing from the longer one is really missing.
    level = max(pa.level, pb.level)
    limit = min(pa.limit, pb.limit)
    samples = sorted(
        (p, h) for h, p, t in zip(pa.hashes, pa.positions, pa.tags, strict=True) if h <= limit and t >= level
    )
    where_b = {h: p for h, p, t in zip(pb.hashes, pb.positions, pb.tags, strict=True) if h <= limit and t >= level}
    m = len(samples)
    if not m:
        return Similarity(0.0, 0, 0, pa.words, pb.words)
    hits = [(k, pos, where_b[h]) for k, (pos, h) in enumerate(samples) if h in where_b]
    covered, matched = _cover(hits, m, pa.words, pb.words)
    share = min(1.0, covered / pa.words) if pa.words else 0.0
    return Similarity(round(share, 4), m, matched, pa.words, pb.words)


def _bridge(x: tuple[int, float, float], y: tuple[int, float, float]) -> float:
    """Words of the shorter one between two in-order samples that count as
    shared: all of them when few samples between went unmatched and the two
    copies agree on the distance, else none."""
    (k1, a1, b1), (k2, a2, b2) = x, y
    span_a, span_b = a2 - a1, b2 - b1
    if k2 - k1 - 1 <= _SKIP and abs(span_a - span_b) <= _SPAN_SLACK * max(span_a, span_b) + _SPAN_WORDS:
        return span_a
    return 0.0


def _cover(hits: list[tuple[int, float, float]], m: int, words_a: int, words_b: int) -> tuple[float, int]:
    """The most words of the shorter one that a chain of hits, increasing in
    both copies, covers with bridges; and how many hits that chain has.
    (A plain longest increasing run can pick a repeated phrase's other
    occurrence and lose the bridges around it.)"""
    if not hits:
        return 0.0, 0
    spacing = words_a / (m + 1)

    def head(h: tuple[int, float, float]) -> float:
        return min(h[1], h[2], spacing) if h[0] == 0 else 0.0

    def tail(h: tuple[int, float, float]) -> float:
        # the last sample's own triple runs two words past its position
        return min(words_a - h[1], words_b - h[2], spacing + 2) if h[0] == m - 1 else 0.0

    best = [0.0] * len(hits)
    length = [1] * len(hits)
    bridged = [False] * len(hits)
    for x, hx in enumerate(hits):
        for y in range(x):
            hy = hits[y]
            if hy[2] >= hx[2]:
                continue
            span = _bridge(hy, hx)
            cand = best[y] + span + (head(hy) if span and length[y] == 1 else 0.0)
            if (cand, length[y] + 1) > (best[x], length[x]):
                best[x], length[x], bridged[x] = cand, length[y] + 1, span > 0
    x = max(range(len(hits)), key=lambda i: (best[i] + (tail(hits[i]) if bridged[i] else 0.0), length[i]))
    return best[x] + (tail(hits[x]) if bridged[x] else 0.0), length[x]


# --- many fingerprints ------------------------------------------------------


class CopyIndex:
    """Kept fingerprints, looked up by their sampled triples: a new one is
    compared only with those that share at least MIN_SHARED samples, so
    finding copies among thousands costs a few dictionary lookups."""

    # A pair sharing fewer samples cannot have MIN_MATCHED of them in order
    # (a print's hashes are distinct): it is never the same talk, so it is
    # not even compared.
    MIN_SHARED = MIN_MATCHED

    def __init__(self, items: Iterable[tuple[int, bytes]] = ()) -> None:
        self._prints: dict[int, _Print] = {}
        self._by_hash: dict[int, list[int]] = {}
        for tid, fp in items:
            self.add(tid, fp)

    def __len__(self) -> int:
        return len(self._prints)

    def __contains__(self, tid: int) -> bool:
        return tid in self._prints

    def add(self, tid: int, fp: bytes) -> None:
        """Keep (or replace) transcript tid's fingerprint."""
        self.discard(tid)
        p = _read(fp)
        self._prints[tid] = p
        for h in p.hashes:
            self._by_hash.setdefault(h, []).append(tid)

    def discard(self, tid: int) -> None:
        p = self._prints.pop(tid, None)
        if p is None:
            return
        for h in p.hashes:
            ids = self._by_hash.get(h)
            if ids is not None:
                ids.remove(tid)
                if not ids:
                    del self._by_hash[h]

    def find(self, fp: bytes, *, exclude: int | None = None) -> list[tuple[int, Similarity]]:
        """The kept transcripts that are the same talk as fp, best first."""
        p = _read(fp)
        counts: dict[int, int] = {}
        for h in p.hashes:
            for tid in self._by_hash.get(h, ()):
                counts[tid] = counts.get(tid, 0) + 1
        out = []
        for tid, c in counts.items():
            if c < self.MIN_SHARED or tid == exclude:
                continue
            other = self._prints[tid]
            s = _compare(p, other) if (p.words, p.hashes) <= (other.words, other.hashes) else _compare(other, p)
            if s.same_talk:
                out.append((tid, s))
        out.sort(key=lambda x: (-x[1].share, x[0]))
        return out


def copies_among(prints: Sequence[tuple[int, bytes]]) -> list[tuple[int, int, Similarity]]:
    """Every pair of the same talk among fingerprints (for a library that
    had none yet): (id, id, similarity), ids in the order given."""
    index = CopyIndex()
    pairs = []
    for tid, fp in prints:
        for other, s in index.find(fp):
            pairs.append((other, tid, s))
        index.add(tid, fp)
    return pairs
