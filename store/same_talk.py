"""The same talk twice, in the library: copies found on import, and exact
times carried from one copy onto an untimed one.

`hark.store.copies` makes fingerprints and compares them, `hark.store.align`
matches two copies word by word; this module decides what the library keeps
(its SQL is in hark.store.library.copy_rows):

- on import, `CopyFinder.saved` takes each new or changed transcript and,
  a few at a time (BATCH; `CopyFinder.finish` does the last ones),
  fingerprints them together, looks each up in turn among the library's
  kept fingerprints (one CopyIndex per import run), keeps the pairs whose
  exact share of words in order (`align.shared_words`) is at least
  `copies.SAME_TALK_SHARE`, and says so, suggesting `hark align` when one
  copy has exact times and the other not;
- `align_copy` gives a transcript the times of a copy: timing "aligned",
  `aligned_from`, a per-segment flag for the starts that were matched, and
  its annotations re-anchored (their times follow the segments);
- re-importing an aligned copy aligns it again from the same source, and
  re-importing a source aligns again the copies that took its times;
- `backfill` fingerprints what an upgraded library (or an interrupted
  import) left without one, or with one of an older version (`copies.VERSION`
  changed: they are all made again), once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from .align import Alignment, align, counterparts, shared_words
from .annotations import reanchor
from .copies import MIN_WORDS, SAME_TALK_SHARE, VERSION, CopyIndex, fingerprint_texts, speech
from .library import Library
from .model import ESTIMATED, EXACT, Segment, Transcript

ALIGNED = "aligned"
# Candidates checked word by word for one new transcript: the fingerprint
# ranks them, and a talk has few copies.
MAX_CANDIDATES = 5
# Transcripts fingerprinted together (copies.fingerprint_texts): enough
# that the fixed cost of its numpy calls is shared, few enough (and few
# enough characters) that their arrays stay in the processor's caches: a
# batch of a few megabytes is slower, not faster, than one by one.
BATCH = 8
BATCH_CHARS = 1 << 18
# Attempts at writing an alignment when a transcript changes meanwhile.
_ATTEMPTS = 3


class CopyError(Exception):
    """Why an alignment was refused, in one line."""


def percent(share: float) -> str:
    """A share as a whole percentage, rounded down (99.6% is not 100%)."""
    return f"{int(share * 100 + 1e-9)}%"


def summary(a: Alignment) -> str:
    """'aligned 48 segments, 1,116 of 1,207 words matched' (and how many
    segments, if any, keep estimated times)."""
    n = len(a.times)
    done = f"{n:,}" if a.segments_aligned == n else f"{a.segments_aligned:,} of {n:,}"
    return f"aligned {done} segments, {a.words_matched:,} of {a.words_total:,} words matched"


@dataclass(frozen=True)
class SameTalk:
    """A transcript just imported is the same talk as one already there.

    share: of the shorter one's words (`shorter`), found in order in the
    other; align: (untimed, timed) when `hark align untimed --from timed`
    would give the untimed one exact times."""

    tid: int
    other: int
    share: float
    shorter: int
    align: tuple[int, int] | None = None

    def message(self) -> str:
        whose = "its" if self.shorter == self.tid else f"{self.shorter}'s"
        text = f"{self.tid} is the same talk as {self.other} ({percent(self.share)} of {whose} words)"
        if self.align is not None:
            untimed, timed = self.align
            text += f": hark align {untimed} --from {timed} gives it {timed}'s times"
        return text

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.tid, "other": self.other, "share": round(self.share, 4)}
        if self.align is not None:
            out["suggest"] = f"hark align {self.align[0]} --from {self.align[1]}"
        return out


@dataclass(frozen=True)
class Realigned:
    """A copy aligned again because it or its source was re-imported;
    alignment None when it could not be (why says why)."""

    tid: int
    source: int
    alignment: Alignment | None
    why: str = ""

    def message(self) -> str:
        if self.alignment is None:
            return f"{self.tid} was not aligned again from {self.source}: {self.why}"
        return f"re-aligned {self.tid} from {self.source}: {summary(self.alignment)}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.tid, "from": self.source}
        if self.alignment is None:
            out["error"] = self.why
        else:
            out.update(self.alignment.to_json())
        return out


# -- finding copies ------------------------------------------------------------


def _confirmed(
    lib: Library, tid: int, segments: list[Segment], candidates: Iterable[int]
) -> list[tuple[int, float, int]]:
    """(other, exact share, id of the shorter) for the candidates that really
    are the same talk, counted word by word."""
    out = []
    for other in candidates:
        other_segments = lib.segments(other)
        shared = shared_words(segments, other_segments)
        if shared.shorter_words >= MIN_WORDS and shared.share >= SAME_TALK_SHARE:
            out.append((other, round(shared.share, 4), tid if shared.first_is_shorter else other))
    return out


def backfill(lib: Library, *, exclude: Iterable[int] = (), progress: Callable[[int], None] | None = None) -> int:
    """Fingerprint the transcripts that have none yet (or one of an older
    version) and keep the copies found among the library; how many were
    done. progress(n) is told how many there are before a long one."""
    skip = set(exclude)
    missing = [tid for tid in lib.fingerprints_missing(VERSION) if tid not in skip]
    if not missing or lib.read_only:
        return 0
    if progress is not None:
        progress(len(missing))
    index = CopyIndex(lib.kept_fingerprints(VERSION))
    prints: list[tuple[int, bytes]] = []
    pairs: list[tuple[int, int, float]] = []
    for k in range(0, len(missing), BATCH):
        chunk = [(tid, lib.segments(tid)) for tid in missing[k : k + BATCH]]
        texts = [speech(segments) for _, segments in chunk]
        for (tid, segments), fp in zip(chunk, _fingerprinted(texts), strict=True):
            candidates = [other for other, _ in index.find(fp, exclude=tid)[:MAX_CANDIDATES]]
            pairs += [(tid, other, share) for other, share, _ in _confirmed(lib, tid, segments, candidates)]
            index.add(tid, fp)
            prints.append((tid, fp))
    lib.keep_fingerprints(prints, pairs)
    return len(missing)


def _fingerprinted(texts: list[str]) -> list[bytes]:
    """fingerprint_texts, BATCH_CHARS characters at a time at most."""
    out: list[bytes] = []
    start = chars = 0
    for k, text in enumerate(texts):
        chars += len(text)
        if chars >= BATCH_CHARS or k == len(texts) - 1:
            out += fingerprint_texts(texts[start : k + 1])
            start, chars = k + 1, 0
    return out


class _Report(Protocol):
    """Where a CopyFinder tells what it found (an importer.ImportReport)."""

    same_talk: list[SameTalk]
    realigned: list[Realigned]


@dataclass(frozen=True)
class _Waiting:
    """A transcript saved, waiting to be fingerprinted and looked up."""

    tid: int
    transcript: Transcript
    speech: str  # joined while its segments are still in the processor's caches
    what: str
    sha256: str
    report: _Report


class CopyFinder:
    """Finds copies during one import run: the library's fingerprints are
    loaded once, at the first transcripts that changed, and each saved
    transcript is added, so two copies imported together find each other.

    Saved transcripts wait, BATCH at most (or BATCH_CHARS characters of
    speech), to be fingerprinted together (copies.fingerprint_texts: far
    cheaper than one by one), then are looked up in the order they were
    saved, so that what each finds, and what the report says, is what it
    would be one at a time. An updated transcript is not kept waiting (what
    it had found, and aligned, is looked at now). finish() does the waiting
    ones: the importer calls it after its last file. Until then they have
    no fingerprint in the library; if the run stops before, the next one's
    backfill makes it (and keeps the copies found, without a message)."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self._index: CopyIndex | None = None
        self._waiting: list[_Waiting] = []
        self._chars = 0  # the waiting ones' speech

    def saved(self, tid: int, t: Transcript, what: str, sha256: str, report: _Report) -> None:
        """After `t` was saved as transcript tid ('imported' or 'updated'):
        find and keep its copies, and on an update align again what was
        aligned, now or in a while (finish() does what is left). What to
        tell the user goes in report.same_talk and report.realigned."""
        if self.lib.read_only:
            return
        text = speech(t.segments)
        self._waiting.append(_Waiting(tid, t, text, what, sha256, report))
        self._chars += len(text)
        if what == "updated" or len(self._waiting) >= BATCH or self._chars >= BATCH_CHARS:
            self.finish()

    def finish(self) -> None:
        """Fingerprint, look up and keep the transcripts still waiting."""
        waiting, self._waiting, self._chars = self._waiting, [], 0
        if not waiting:
            return
        lib = self.lib
        prints = fingerprint_texts([w.speech for w in waiting])
        if self._index is None:
            # the ones waiting are fingerprinted here, not by the backfill
            # (and not in the index before their turn)
            ids = {w.tid for w in waiting}
            backfill(lib, exclude=ids)
            self._index = CopyIndex((tid, fp) for tid, fp in lib.kept_fingerprints(VERSION) if tid not in ids)
        lib.keep_new_fingerprints([(w.tid, w.sha256, fp) for w, fp in zip(waiting, prints, strict=True)])
        for w, fp in zip(waiting, prints, strict=True):
            notes, realigned = self._found(self._index, w, fp)
            w.report.same_talk.extend(notes)
            w.report.realigned.extend(realigned)

    def _found(self, index: CopyIndex, w: _Waiting, fp: bytes) -> tuple[list[SameTalk], list[Realigned]]:
        lib, tid, t = self.lib, w.tid, w.transcript
        before = {other for other, _ in lib.same_talk(tid)} if w.what == "updated" else set()
        candidates = [other for other, _ in index.find(fp, exclude=tid)[:MAX_CANDIDATES]]
        index.add(tid, fp)
        found = _confirmed(lib, tid, t.segments, candidates) if candidates else []
        # Pairs are rare: most imports write nothing here.
        if (found or before) and not lib.keep_pairs(tid, [(o, s) for o, s, _ in found], w.sha256):
            return [], []  # changed meanwhile by another session: its import says so
        notes = [
            SameTalk(tid, other, share, shorter, _align_hint(lib, tid, t.timing, other))
            for other, share, shorter in found
            if other not in before
        ]
        realigned = _realign(lib, tid, t.timing) if w.what == "updated" else []
        return notes, realigned


def _align_hint(lib: Library, tid: int, timing: str, other: int) -> tuple[int, int] | None:
    """(untimed, timed) when one copy has exact times and the other only
    estimated ones (not yet aligned)."""
    row = lib.timing_of(other)
    if row is None:
        return None
    other_timing = row[0]
    if timing == EXACT and other_timing == ESTIMATED:
        return other, tid
    if timing == ESTIMATED and other_timing == EXACT:
        return tid, other
    return None


def _realign(lib: Library, tid: int, timing: str) -> list[Realigned]:
    """After transcript tid was re-imported: align it again from where its
    times came from, and align again the copies that took its times."""
    out: list[Realigned] = []
    row = lib.timing_of(tid)
    source = row[2] if row else None
    if source is not None:
        if timing == EXACT:
            lib.forget_alignment(tid)  # its own exact times now
        else:
            out.append(_align_again(lib, tid, source))
    if timing == EXACT:
        out += [_align_again(lib, copy, tid) for copy in lib.aligned_to(tid)]
    return out


def _align_again(lib: Library, tid: int, source: int) -> Realigned:
    try:
        return Realigned(tid, source, align_copy(lib, tid, source, force=True))
    except CopyError as e:
        return Realigned(tid, source, None, str(e))


# -- carrying times ------------------------------------------------------------


def align_copy(lib: Library, tid: int, source: int, *, force: bool = False) -> Alignment:
    """Give transcript tid the times of `source`, a copy with exact times;
    CopyError (one line) when refused. force=True aligns a transcript that
    has exact times of its own, or that is not found to be the same talk."""
    if tid == source:
        raise CopyError(f"{tid} cannot take its times from itself")
    if lib.read_only:
        raise CopyError(f"the library is read-only ({lib.read_only_why}): nothing aligned")
    for _ in range(_ATTEMPTS):
        target, timed = lib.get(tid), lib.get(source)
        if target is None or timed is None:
            raise CopyError(f"no transcript {tid if target is None else source} (see `hark list`)")
        if timed.info.timing != EXACT:
            raise CopyError(f"{source}'s times are {timed.info.timing}, not exact: there is nothing to carry")
        if target.info.timing == EXACT and not force:
            raise CopyError(f"{tid} has exact times of its own (--force replaces them with {source}'s)")
        if not force and source not in target.info.same_talk:
            shared = shared_words(timed.segments, target.segments)
            if shared.shorter_words < MIN_WORDS or shared.share < SAME_TALK_SHARE:
                raise CopyError(
                    f"{tid} and {source} are not the same talk: {percent(shared.share)} of the shorter one's "
                    f"words are in the other, in order, and {percent(SAME_TALK_SHARE)} are needed "
                    "(--force aligns them anyway)"
                )
        result = align(timed.segments, target.segments)
        if not result.words_matched:
            raise CopyError(f"{tid} and {source} have no words in common: nothing aligned")
        if lib.write_alignment(
            tid, source, result.times, result.aligned, sha256=target.info.sha256, source_sha256=timed.info.sha256
        ):
            reanchor(lib, tid)  # annotations' times follow their segments
            return result
    raise CopyError(f"{tid} or {source} kept changing while being aligned (another hark is importing): try again")


# -- between copies ------------------------------------------------------------


@dataclass(frozen=True)
class CopyOf:
    """One copy of a transcript, as the app lists it."""

    id: int
    title: str
    timing: str
    share: float


def copies_of(lib: Library, tid: int) -> list[CopyOf]:
    """A transcript's copies, most alike first."""
    out = []
    for other, share in lib.same_talk(tid):
        info = lib.info(other)
        if info is not None:
            out.append(CopyOf(other, info.title, info.timing, share))
    return out


def counterpart(lib: Library, tid: int, segment: int, other: int) -> int | None:
    """The segment of `other` that says what segment `segment` of tid says;
    None when the two share no words."""
    mine, theirs = lib.segments(tid), lib.segments(other)
    if not mine or not theirs:
        return None
    found = counterparts(mine, theirs)
    if found is None:
        return None
    return found[max(0, min(segment, len(found) - 1))]


__all__ = [
    "ALIGNED",
    "CopyError",
    "CopyFinder",
    "CopyOf",
    "Realigned",
    "SameTalk",
    "align_copy",
    "backfill",
    "copies_of",
    "counterpart",
    "percent",
    "summary",
]
