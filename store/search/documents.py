"""What is indexed: passage documents, and the manifest that says which
library state an index reflects.

Passages
    One document per *passage*: consecutive segments of one transcript,
    cut at speaker turns, at sentence ends past PASSAGE_MIN words, and at
    PASSAGE_MAX words. Captions split sentences anywhere (seed 004's
    three-word chunks, seed 003's 40-column lines); inside a passage the
    words sit at consecutive positions, so a phrase across caption lines is
    an ordinary phrase. The first TAIL words after a passage are indexed in
    its `tail` field, at positions that continue its text, so a phrase that
    starts at the end of one passage and runs into the next is found too --
    once, in the passage where it starts (a longer one is checked on
    through the passages after it: plan.said). A hit is mapped back to the
    segment where the match starts (and its time) by re-reading the
    passage's segments from the library (hits.py).

    Why passages, not one document per segment: the index's cost is per
    posting (one per distinct word per document) and per document. Per
    segment, a 1,000-transcript library (8M words) is ~650,000 documents;
    passages of 40-80 words make it ~117,000, with fewer postings, and
    answer a query with fewer, denser documents (see
    tests/bench/bench_search.py for the figures).

Fields
    text, tail, tail0 (the tail's first word alone, to start a
    cross-passage phrase's search), pair (adjacent pairs of the library's
    48 most frequent terms, at the first one's position, starting in the
    text: a phrase of common words -- "of the", "you know" -- is looked up
    by its pairs instead of intersecting posting lists that span most
    passages), tailpair (the same, starting in the tail), title, speaker
    (the passage's speaker, else the transcript's), tag (metadata["tags"]
    and the tags of the passage's annotations), note (the notes and tags of
    the annotations that start in the passage), format, tid, kind. One
    document per transcript (kind "t") holds its manifest entry (a
    fingerprint of its content and annotations), and one (kind "s") the
    schema version, the common terms and the digest of the whole manifest:
    they commit with the postings, so the index always knows which library
    state it reflects.

    Neighbour marks: in text, tail and tail0 each position of a word also
    records which common word comes just before and just after it (two
    bytes; analysis.common_numbers). A phrase such as "student of running"
    is found from `student` followed by `of` and `running` preceded by
    `of`, and the posting list of `of` is never read.

A text field's value is ``(first_position, [terms])``, ``(first_position,
[terms], marks, numbers)`` or ``(None, [(term, position), ...])``; the
engine turns it into postings (whoosh/postings.py).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from ..names import names_stamp, own_title, speaker_words, with_names
from ..reflow import ends_sentence
from .analysis import COMMON, NO_NEIGHBOUR, common_numbers, pair, terms, unit_terms, units

if TYPE_CHECKING:
    from ..library import Library, StoredTranscript

# The version of what an index holds and how its files are written: bump it
# when documents, fields, analysis or whoosh/fileformat.py change. An index
# of another version is not read: it is rebuilt, with one line.
# 6: ß folds to ss, CJK text indexed as pairs of characters.
# 7: posting blocks as raw arrays (whoosh/blocks.py, fileformat.HarkCodec).
SCHEMA_VERSION = 7
PASSAGE_MIN = 40  # words: a sentence end past this closes a passage
PASSAGE_MAX = 80  # words: a passage closes at this length in any case
TAIL = 12  # words of the next passage indexed in the tail field
COMMON_TERMS = 48  # how many of a library's most frequent terms get pairs
COMMON_SAMPLE = 20_000  # words: below this, the library is too small to tell


@dataclass
class NoteSpot:
    """An annotation as the index sees it."""

    id: str
    first: int  # its first segment
    start: float
    note: str
    tags: list[str]

    @property
    def words(self) -> str:
        return " ; ".join([self.note, *self.tags])


def notes_of(lib: Library, tid: int) -> list[NoteSpot]:
    """The annotations of one transcript that have a note or tags: indexed
    in the `note` field (note and tags as words) and the `tag` field (the
    tags) of the passage where each one starts."""
    return [
        NoteSpot(aid, first, start, note or "", list(tags or []))
        for aid, first, start, note, tags in lib.notes_to_index(tid)
        if (note or "").strip() or tags
    ]


def note_stamps(lib: Library, tid: int | None = None) -> dict[int, str]:
    """tid -> a stamp of its indexed annotations (changes when one with a
    note or tags is added, edited, moved or deleted: a hash of their
    content, as edits within one second share a timestamp)."""
    parts: dict[int, list[str]] = {}
    for t, aid, first, note, tags in lib.note_rows(tid):
        parts.setdefault(t, []).append(f"{aid}\x1f{first}\x1f{note}\x1f{tags}")
    return {t: hashlib.sha1(",".join(v).encode()).hexdigest()[:12] for t, v in parts.items()}


def _listish(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, (list, tuple)):
        return [x for x in v if isinstance(x, str)]
    return []


def passages(seg_terms: list[list[str]], speakers: list[str | None], texts: list[str]) -> list[tuple[int, int]]:
    """Cut a transcript's segments into passages: (first, last) indexes."""
    out: list[tuple[int, int]] = []
    start, n = 0, 0
    speaker: str | None = None
    for i in range(len(seg_terms)):
        if i > start:
            turn = speakers[i] is not None and speaker is not None and speakers[i] != speaker
            if turn or n >= PASSAGE_MAX or (n >= PASSAGE_MIN and ends_sentence(texts[i - 1])):
                out.append((start, i - 1))
                start, n, speaker = i, 0, None
        if speaker is None:
            speaker = speakers[i]
        n += len(seg_terms[i])
    if seg_terms:
        out.append((start, len(seg_terms) - 1))
    return out


def fingerprint(sha256: str, updated: str, segments: int, notes: str | None = None, names: str | None = None) -> str:
    """A transcript's state as the index needs it: its content, the stamp
    of its annotations with notes or tags, and of the user's names."""
    return f"{sha256}|{updated}|{segments}" + (f"|{notes}" if notes else "") + (f"|names:{names}" if names else "")


def neighbour_marks(seq: list[str], numbers: dict[str, int]) -> bytes:
    """Two bytes a word of seq: the number of the common word just before
    it and of the one just after it (NO_NEIGHBOUR: none, or not common).
    The first word's `before` is always NO_NEIGHBOUR: a phrase that starts
    before a passage belongs to the passage before."""
    none = NO_NEIGHBOUR
    ids = [numbers.get(t, none) for t in seq]
    out = bytearray(2 * len(seq))
    out[2::2] = bytes(ids[:-1])
    out[1:-1:2] = bytes(ids[1:])
    if seq:
        out[-1] = none
        out[0] = none
    return bytes(out)


def transcript_docs(
    st: StoredTranscript,
    lib: Library | None = None,
    common: frozenset[str] = COMMON,
    words: set[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """The documents of one transcript: its passages, then its manifest
    entry. Adjacent pairs of `common` terms go to the pair field; the notes
    and tags of its annotations come from lib. The words of its text as
    written (words.words_of) are added to `words`, if given."""
    info = st.info
    tid = str(info.id)
    segs = st.segments
    texts = [s.text for s in segs]
    seg_units = [units(t) for t in texts]
    if words is not None:
        for us in seg_units:
            words.update(us)
    seg_terms = [unit_terms(us) for us in seg_units]
    speakers = [s.speaker for s in segs]
    spots = notes_of(lib, info.id) if lib is not None else []
    # The stamp of every annotation the manifest counts (library_manifest),
    # even one whose note is only spaces: else the two never agree.
    stamp = note_stamps(lib, info.id).get(info.id) if lib is not None else None
    meta = info.metadata or {}
    # The user's title and the file's own, the labels and the user's names: either finds it.
    title = terms(" ; ".join(dict.fromkeys([info.title, own_title(info.title, meta)])))
    tags = terms(" ; ".join(_listish(meta.get("tags"))))
    names = _listish(meta.get("speakers")) + _listish(meta.get("speaker"))
    default_speaker = terms(" ; ".join(with_names(dict.fromkeys(names), meta)))
    fmt = info.format.lower()
    numbers = common_numbers(common)
    cuts = passages(seg_terms, speakers, texts)
    # The transcript's words in one sequence, their neighbour marks and
    # common pairs found once: a passage's text and tail (the next TAIL
    # words) are a slice of it.
    seq_all = [t for ts in seg_terms for t in ts]
    at = [0, *accumulate(map(len, seg_terms))]
    marks_all = neighbour_marks(seq_all, numbers)
    is_common = [t in common for t in seq_all]
    pair_at = [i for i in range(len(seq_all) - 1) if is_common[i] and is_common[i + 1]]
    none = bytes([NO_NEIGHBOUR])
    title_value = (0, title)
    for first, last in cuts:
        w0, w1 = at[first], at[last + 1]  # the passage's words in seq_all, then its tail's to w2
        w2 = min(w1 + TAIL, len(seq_all))
        own = seq_all[w0:w1]
        tail = seq_all[w1:w2]
        spk = next((speakers[i] for i in range(first, last + 1) if speakers[i]), None)
        doc: dict[str, Any] = {"kind": "p", "tid": tid, "first": first, "last": last, "format": fmt}
        # neighbour_marks(own + tail): no word before the first, none after the last.
        marks = none + marks_all[2 * w0 + 1 : 2 * w2 - 1] + none if w2 > w0 else b""
        n = len(own)
        if own:
            doc["text"] = (0, own, marks[: 2 * n], numbers)
        if tail:
            doc["tail"] = (n, tail, marks[2 * n :], numbers)
            doc["tail0"] = (n, tail[:1], marks[2 * n : 2 * n + 2], numbers)
        pairs = [
            (pair(seq_all[i], seq_all[i + 1]), i - w0)
            for i in pair_at[bisect_left(pair_at, w0) : bisect_left(pair_at, w2 - 1)]
        ]
        if pairs:
            # A pair that starts in the text (it may end on the tail's first
            # word), and one that starts in the tail.
            head = [p for p in pairs if p[1] < n]
            if head:
                doc["pair"] = (None, head)
            if len(head) < len(pairs):
                doc["tailpair"] = (None, pairs[len(head) :])
        if title:
            doc["title"] = title_value  # one object: the writer sees the same value
        speaker_terms = terms(speaker_words(spk, meta)) if spk else default_speaker
        if speaker_terms:
            doc["speaker"] = (0, speaker_terms)
        here = [a for a in spots if first <= a.first <= last]
        passage_tags = tags + terms(" ; ".join(t for a in here for t in a.tags)) if here else tags
        if passage_tags:
            doc["tag"] = (0, passage_tags)
        if here:
            doc["note"] = " ; ".join(a.words for a in here)
        yield doc
    yield {
        "kind": "t",
        "tid": tid,
        "meta": {
            "fp": fingerprint(info.sha256, info.updated, info.segment_count, stamp, names_stamp(meta)),
            "passages": len(cuts),
            "segments": len(segs),
        },
    }


def library_manifest(lib: Library) -> dict[int, str]:
    """tid -> fingerprint of what the library holds now."""
    stamps, named = note_stamps(lib), lib.name_stamps()
    return {
        tid: fingerprint(sha, updated, n, stamps.get(tid), named.get(tid))
        for tid, sha, updated, n in lib.index_manifest()
    }


def digest(manifest: dict[int, str]) -> str:
    """One hash of a whole manifest (and the schema version)."""
    h = hashlib.sha1(f"v{SCHEMA_VERSION}".encode())
    for tid in sorted(manifest):
        h.update(f"\n{tid}:{manifest[tid]}".encode())
    return h.hexdigest()


def common_terms(lib: Library) -> frozenset[str]:
    """The library's most frequent terms, from a sample spread over its
    transcripts (a fraction of a second on a large library); the English
    list of analysis.COMMON when there is too little text to tell."""
    ids = lib.ids()
    step = max(1, len(ids) // 40)
    counts: dict[str, int] = {}
    words = 0
    for text in lib.text_sample(ids[::step], per_transcript=300):
        for t in terms(text):
            counts[t] = counts.get(t, 0) + 1
            words += 1
    if words < COMMON_SAMPLE:
        return COMMON
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:COMMON_TERMS]
    return frozenset(t for t, _n in top)
