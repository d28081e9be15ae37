"""Orphans come home: annotations whose transcript was removed (or that were
imported before it) find it again when it arrives.

Such an annotation keeps its transcript's title and sha256, its quote and
the quote's context. When a transcript is imported (new, or a removed file
imported again), every annotation without a transcript whose sha256 or
title is the new one's, or whose quote is found in it, is placed in it by
the rules of a re-import (anchoring.place). `hark annotations import` of
annotations already here but without a transcript does the same with the
transcripts of the library (exchange.import_annotations).

Placing is done outside the write lock; the library stores each placement
only if the transcript did not change meanwhile and the annotation is still
without one (another session that placed it first wins).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..library import Library, TranscriptInfo
from ..model import ORPHANED, Annotation
from .anchoring import Text, locate, place

# An annotation that matches by its quote alone (no sha256 or title in
# common) needs a quote this long, in words, or this much of its remembered
# context around it: "Thank you." is in every talk and must not pull a
# note into an unrelated one.
QUOTE_WORDS = 5
CONTEXT_AGREEMENT = 16


def _same_transcript(a: Annotation, info: TranscriptInfo) -> bool:
    if a.source_sha256 and a.source_sha256 == info.sha256:
        return True
    return bool(a.transcript_title) and a.transcript_title == info.title


def placed_in(a: Annotation, info: TranscriptInfo, tx: Text) -> Annotation | None:
    """a placed in this transcript if it belongs there (its sha256 or title,
    or its quote found exactly, long enough or in its context); None if it
    does not, or if its quote is not found there."""
    if not _same_transcript(a, info):
        if a.quote not in tx.text:  # (exactly: a close match is no evidence here)
            return None
        found = locate(tx, a.quote, a.prefix, a.suffix, a.first, a.last, a.start)
        if found is None or found[0] == "fuzzy":
            return None
        _, x, y = found
        if len(a.quote.split()) < QUOTE_WORDS and tx.agreement(x, y, a.prefix, a.suffix) < CONTEXT_AGREEMENT:
            return None
    new, _ = place(a, tx, info)
    return None if new.status == ORPHANED else new


def settle(
    lib: Library, info: TranscriptInfo, moves: Iterable[tuple[Annotation, Annotation]]
) -> list[Annotation] | None:
    """Store placements (homeless, placed) in transcript info; those written,
    or None if the transcript changed meanwhile."""
    moves = list(moves)
    if not moves:
        return []
    return lib.rehome_annotations(info.id, info.sha256, moves)


def come_home(lib: Library, transcript_id: int) -> list[Annotation]:
    """After a transcript arrives: every annotation without a transcript
    that belongs to it is placed in it. Returns those that came back."""
    for _ in range(10):
        homeless = lib.homeless_annotations()
        if not homeless:
            return []
        t = lib.get(transcript_id)
        if t is None:
            return []
        tx = Text(t.segments)
        moves = [(a, new) for a in homeless if (new := placed_in(a, t.info, tx)) is not None]
        done = settle(lib, t.info, moves)
        if done is not None:
            return done
    return []
