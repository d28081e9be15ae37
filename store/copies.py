"""Finding copies: the same talk imported twice, whatever the two files' formats,
punctuation, case and fillers.

Each transcript gets a fingerprint of at most 295 bytes: a sample of its
word triples (3-word shingles over the normalised words: lower case, accents
folded, punctuation and fillers dropped), each with where it sits in the
talk. Two fingerprints are the same talk when, sample by sample, most of the
shorter one's text lies between triples that the other copy has too, in the
same order and at consistent distances.

    fp = fingerprint(transcript.segments)       # bytes, kept in the library
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

import hashlib
import re
import struct
import zlib
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat

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

VERSION = 1
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
_MIX = 0x9E3779B97F4A7C15
_M32 = 0xFFFFFFFF

# A shorter transcript of fewer words is never called a copy: too little to tell.
MIN_WORDS = 40
# Nor when fewer samples than this were found in order: a short text against
# a very long one has few samples in common, too few to judge by.
MIN_MATCHED = 4
SAME_TALK_SHARE = 0.6

# Fingerprinting runs on every import, so its passes over the words run at
# C speed. Each word stands for one character, fixed by its id: a word of
# tag t (see _tag) gets a character of the t-th block of planes 1-16, the
# blocks ordered by tag, so "tag >= L" is one range of characters. A text
# becomes a string of one character per word (one dictionary lookup per
# whitespace token, inside str.join); a regular expression finds a level's
# triples; CRC-32 of each distinct triple ranks them. Two words may share a
# character (the blocks hold 2**19 down to 2**13 of them): that only ever
# makes two triples look alike, which costs nothing here. Punctuation
# inside a token goes ("fine-tuned," -> "finetuned"): the fingerprint sees
# whitespace tokens.
_BLOCK = [0x110000 - (1 << (20 - t)) for t in range(_MAX_LEVEL + 1)] + [0x110000]
_TRIPLES = [re.compile(f"(?=([{chr(_BLOCK[t])}-{chr(0x10FFFF)}]..))", re.DOTALL) for t in range(_MAX_LEVEL + 1)]
_GROUP = re.Match.group
_START = re.Match.start
_CACHE_MAX = 100_000  # tokens remembered (about 17 MB at most)
_TOKEN_CHR: dict[str, str] = {}  # whitespace token -> its word's character
_UNKNOWN = "\0"  # a token not met yet
_FILLER = "\1"  # a filler, or a token with no word in it ("—")
_NOT_WORD = re.compile(r"\W+")
_EDGES = "\"'“”‘’«»()[]{}.,;:!?…-–—/*_"


# Before the text is split, it is lower-cased and the edge punctuation
# (every character _word strips but "_", a word character) is taken out, at
# C speed: "Tides," "tides." and "Tides" become one token, looked up or
# learnt once. _word gives the same word either way: each character taken
# out is one that _word strips or _NOT_WORD drops (a token of nothing else,
# "—", was a filler and is now no token: fillers leave no character).
# The ASCII ones go in one bytes.translate of the UTF-8 text (an ASCII byte
# is never part of another character there); the others, one str.replace
# each, where the text has them. Both are faster than one regex.
_PUNCT = _EDGES.replace("_", "")
_ASCII_PUNCT = "".join(c for c in _PUNCT if c.isascii()).encode()
_OTHER_PUNCT = "".join(c for c in _PUNCT if not c.isascii())


def _plain(text: str) -> str:
    text = text.lower().encode("utf-8", "surrogatepass").translate(None, _ASCII_PUNCT).decode("utf-8", "surrogatepass")
    for c in _OTHER_PUNCT:
        if c in text:
            text = text.replace(c, "")
    return text


def _word(token: str) -> str:
    """A whitespace token's normalised word, "" for a filler or no word."""
    w = token.strip(_EDGES).lower()
    if not w.isalnum():  # "there's", "fine-tuned", "e.g": the slow way
        w = norm(w) or ""
        w = _NOT_WORD.sub("", w)
    elif not w.isascii():
        w = fold_accents(w)
    return "" if w in FILLERS else w


def _tag(word_id: int) -> int:
    """The coarsest level whose sample a triple starting with this word is in."""
    return min(_MAX_LEVEL, 64 - word_id.bit_length())


def _token_chr(token: str) -> str:
    w = _word(token)
    if not w:
        return _FILLER
    # stable across runs and machines (fingerprints are stored), so never
    # Python's per-process str hash
    i = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
    t = _tag(i)
    return chr(_BLOCK[t] + (i & (_BLOCK[t + 1] - _BLOCK[t] - 1)))


def _chars(tokens: list[str]) -> str:
    """One character per word of the tokens, fillers out. Known tokens are
    looked up at C speed; the new ones are found with str.find."""
    chars = "".join(map(_TOKEN_CHR.get, tokens, repeat(_UNKNOWN)))
    if _UNKNOWN in chars:
        learnt: dict[str, str] = {}
        pieces = []
        done = 0
        i = chars.find(_UNKNOWN)
        while i >= 0:
            token = tokens[i]
            c = learnt.get(token)
            if c is None:
                c = learnt[token] = _token_chr(token)
            pieces += (chars[done:i], c)
            done = i + 1
            i = chars.find(_UNKNOWN, done)
        pieces.append(chars[done:])
        chars = "".join(pieces)
        if len(_TOKEN_CHR) + len(learnt) > _CACHE_MAX:
            _TOKEN_CHR.clear()
        if len(learnt) <= _CACHE_MAX:  # else a text of a hundred thousand distinct words
            _TOKEN_CHR.update(learnt)
    return chars.replace(_FILLER, "")


def _level(n: int) -> int:
    return min(_MAX_LEVEL, max(0, (n // _CANDIDATES).bit_length() - 1))


def fingerprint(segments: Iterable[Segment]) -> bytes:
    """The fingerprint of a transcript's speech (nonspeech markers left out)."""
    return fingerprint_text("\n".join(s.text for s in segments if s.kind != NONSPEECH))


def fingerprint_text(text: str) -> bytes:
    """The fingerprint of a text: at most K sampled word triples, each a
    32-bit hash with its position and level tag, plus the number of words."""
    chars = _chars(_plain(text).split())
    n = len(chars)
    level = _level(n)
    found = list(_TRIPLES[level].finditer(chars))
    # each triple once, where first said (the earliest write wins, reversed)
    first = dict(zip(map(_GROUP, reversed(found), repeat(1)), map(_START, reversed(found)), strict=True))
    # CRC-32 is linear, and the smallest of linear hashes would favour some
    # words: a multiplication mixes it (still at C speed, map by map)
    crcs = map(zlib.crc32, map(str.encode, first))
    hashes = map(_M32.__and__, map(int.__rshift__, map(_MIX.__mul__, crcs), repeat(32)))
    kept = sorted(zip(hashes, first, strict=True))[:K]
    out = bytearray(_HEADER.pack(VERSION, len(kept), level, n))
    scale = _POS / max(n - 1, 1)
    for h, triple in kept:
        tag = bisect_right(_BLOCK, ord(triple[0])) - 1
        out += _ENTRY.pack(h, round(first[triple] * scale) << 3 | tag)
    return bytes(out)


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

    MIN_SHARED = 2

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
