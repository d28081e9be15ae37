"""`hark align ID --from ID`: the same talk twice, exact times carried from
one copy onto the other; and what `list`, `show` and `import` say about
copies (their marks and lines), used by tui/cli/transcripts.py.

    hark align 2 --from 1 [--force] [--json]

prints "aligned 48 segments, 1,116 of 1,207 words matched"; 2's timing
becomes "aligned" and `hark show 2 --json` says "aligned_from": 1. Refused
in one line when 1's times are not exact, when 2 has exact times of its own,
or when the two are not the same talk (--force aligns those two anyway).
``--json`` prints::

    {"id": 2, "from": 1, "timing": "aligned", "duration": 341.2, "segments": 48,
     "segments_aligned": 48, "words_matched": 1116, "words_total": 1207, "stretches": [[0, 2]]}

where ``stretches`` are runs of segments (first, last index) whose times
are still estimated. Registered by tui/cli/parser.py (`copies.register(sub)`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hark.store.text import format_time
from hark.tui.views import TIME_MARKS

from .common import CommandError, err, open_library, out, print_json, sync_index, transcript_id

if TYPE_CHECKING:
    from hark.store.importer import ImportReport
    from hark.store.library import Library, StoredTranscript

# Back-filling copies for more transcripts than this says so first (it
# takes a few seconds per thousand, once, after an upgrade).
_TELL_FROM = 50


def register(sub) -> None:
    s = sub.add_parser(
        "align",
        help="give an untimed copy of a talk the exact times of another copy",
        description=(
            "Carry exact times from one copy of a talk (a caption track, a whisper run) onto "
            "another that has none (a web page's text), word by word."
        ),
    )
    s.add_argument("id", metavar="ID", help="the transcript to give times to")
    s.add_argument("--from", dest="source", required=True, metavar="ID", help="the copy with exact times")
    s.add_argument(
        "--force",
        action="store_true",
        help="align even if ID has exact times of its own, or the two are not found to be the same talk",
    )
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.set_defaults(func=cmd_align)


def cmd_align(args: argparse.Namespace) -> int:
    from hark.store.same_talk import CopyError, align_copy, summary

    tid, source = transcript_id(args.id), transcript_id(args.source)
    with open_library(args) as lib:
        before = lib.info(tid)
        try:
            result = align_copy(lib, tid, source, force=args.force)
        except CopyError as e:
            raise CommandError(str(e)) from None
        after = lib.info(tid)
        sync_index(args, lib, quiet=args.json)
    if after is None:  # removed by another session meanwhile
        raise CommandError(f"no transcript {tid} (see `hark list`)")
    if args.json:
        print_json({"id": tid, "from": source, "timing": after.timing, "duration": after.duration, **result.to_json()})
        return 0
    out(summary(result))
    if before is not None and abs(before.duration - after.duration) >= 1:
        was = TIME_MARKS.get(before.timing, "") + format_time(before.duration)
        out(f"{tid} now lasts {format_time(after.duration)} (it was {was})")
    if result.stretches:
        spans = ", ".join(f"{a + 1}" if a == b else f"{a + 1}-{b + 1}" for a, b in result.stretches[:5])
        more = ", …" if len(result.stretches) > 5 else ""
        out(f"segments {spans}{more} keep estimated times (≈): the other copy does not say them")
    return 0


# -- what the other commands say about copies ----------------------------------


def find_copies_once(lib: Library) -> None:
    """Copies in a library upgraded from before copies were found: looked
    for once, when it is first listed (a command that only reads skips it
    on a library it cannot write)."""
    from hark.store.library import LibraryError
    from hark.store.same_talk import backfill

    if lib.read_only:
        return

    def tell(n: int) -> None:
        if n >= _TELL_FROM:
            err(f"looking for copies of the same talk among {n:,} transcripts (once)")

    try:
        backfill(lib, progress=tell)
    except LibraryError:
        pass  # busy or full: the next import or list tries again


def list_marks(timing: str, same_talk: list[int]) -> tuple[str, str]:
    """For a row of `hark list`: the mark before its duration, and what
    follows its title ("  = 1" for the same talk as 1)."""
    same = f"  = {', '.join(map(str, same_talk))}" if same_talk else ""
    return TIME_MARKS.get(timing, " "), same


def segment_marks(t: StoredTranscript) -> list[str]:
    """The mark before each segment's time in `hark show`: ≈ estimated, ↔
    aligned (an aligned transcript's segments that no word of the other
    copy matched stay ≈)."""
    if t.info.timing == "aligned" and len(t.aligned) == len(t.segments):
        return [TIME_MARKS["aligned"] if ok else TIME_MARKS["estimated"] for ok in t.aligned]
    return [TIME_MARKS.get(t.info.timing, "")] * len(t.segments)


def timing_note(t: StoredTranscript) -> str | None:
    """What `hark show` says about times that are not the file's own."""
    info = t.info
    if info.timing == "estimated":
        return "times estimated"
    if info.timing == "aligned":
        where = f"from {info.aligned_from}" if info.aligned_from is not None else "from a copy since removed"
        n = len(t.segments)
        done = sum(t.aligned)
        return f"times aligned {where}" + (f" ({done} of {n} segments; ≈ estimated)" if done < n else "")
    return None


def import_lines(report: ImportReport) -> list[str]:
    """The lines `hark import` adds about copies: found, aligned again."""
    return [n.message() for n in report.same_talk] + [n.message() for n in report.realigned]
