"""`hark search` and `hark reindex`.

Imports nothing heavy at module level (the parser is built for every
command): Whoosh loads only when one of these commands runs.

Terminal output groups hits by transcript, best transcript first, each hit
with its time and a snippet whose matched words are shown bold and reversed
on a terminal (plain when piped or with TERM=dumb). ``--json`` prints::

    {"query": str, "total": int, "notes": [str],
     "hits": [{"transcript_id": int, "title": str, "segment": int, "start": float,
               "end": float, "text": str, "snippet": str, "score": float}]}

where ``snippet`` marks matched words as ``**word**`` and ``total`` counts
matching passages (one hit each). ``notes`` says how the query was read when
not as typed (a malformed query searched as plain words, a cut or a rewrite:
a long query, a long phrase, a prefix cut to its most frequent words, `~3`
read as `~2`); empty when it was read as typed. The notes, one a line, and
"did you mean" also go to stderr in both modes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .common import (
    UNWRITABLE_ERRNOS,
    CommandError,
    Progress,
    err,
    home_paths,
    open_library,
    out,
    print_json,
    safe,
    transcript_id,
)

HIGHLIGHT = ("\x1b[1;7m", "\x1b[0m")


def register(sub) -> None:
    s = sub.add_parser("search", help="search the library (see QUERY syntax in the README)")
    s.add_argument("query", metavar="QUERY", help='words, "phrases", OR, NOT/-word, prefix*, fuzzy~, field:word')
    s.add_argument("--limit", type=int, default=20, metavar="N", help="at most N hits (default 20)")
    s.add_argument("--in", dest="in_id", metavar="ID", help="search one transcript only")
    s.add_argument("--json", action="store_true", help="print the hits as JSON")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("reindex", help="rebuild the search index from the library")
    s.set_defaults(func=cmd_reindex)


def _highlight_enabled() -> bool:
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def cmd_search(args: argparse.Namespace) -> int:
    from hark.store.search import Index, IndexUnavailable
    from hark.store.text import clean_line, format_time

    if args.limit < 1:
        raise CommandError("--limit must be at least 1", code=2)
    in_id = transcript_id(args.in_id) if args.in_id is not None else None
    paths = home_paths(args)
    with open_library(args, read=True) as lib:
        if in_id is not None and lib.info(in_id) is None:
            raise CommandError(f"no transcript {in_id} (see `hark list`)")
        with Index(paths.index, lib) as idx:
            bar = Progress("indexing")
            try:
                with _unwritable_index(idx, lib, behind=True):
                    idx.ensure(message=err, progress=bar)
                try:
                    result = idx.search(args.query, limit=args.limit, in_id=in_id)
                except IndexUnavailable as e:
                    # Damage found while reading: rebuild once, then search again.
                    with _unwritable_index(idx, lib, behind=False):
                        report = idx.rebuild(progress=bar, why="corrupt")
                    err(f"{e}: rebuilt from the library ({report.transcripts} transcripts)")
                    result = idx.search(args.query, limit=args.limit, in_id=in_id)
            except IndexUnavailable as e:
                raise CommandError(str(e)) from None
            finally:
                bar.close()
    for note in result.notes:
        err(safe(note))
    if result.suggestion:
        err(f"did you mean: {safe(clean_line(result.suggestion))}")
    if args.json:
        print_json(result.to_json())
        return 0
    shown = safe(clean_line(args.query))
    if not result.hits:
        out(f"no hits for {shown}")
        return 0
    groups: dict[int, list] = {}
    for h in result.hits:
        groups.setdefault(h.transcript_id, []).append(h)
    n = result.total
    more = f" (the best {len(result.hits)} shown)" if n > len(result.hits) else ""
    out(f"{n} hit{'s' if n != 1 else ''} for {shown}{more}")
    hl = HIGHLIGHT if _highlight_enabled() else None
    hours = any(h.start >= 3600 for h in result.hits)
    idw = max(len(str(k)) for k in groups)
    for tid, hits in groups.items():
        out()
        out(f"{tid:>{idw}}  {safe(clean_line(hits[0].title))}")
        for h in sorted(hits, key=lambda h: h.start):
            approx = "≈" if h.timing == "estimated" else ""
            stamp = approx + format_time(h.start, always_hours=hours)
            snippet = _render(h, hl)
            out(f"{'':>{idw}}  [{stamp:>8}] {snippet}")
    return 0


@contextmanager
def _unwritable_index(idx, lib, *, behind: bool) -> Iterator[None]:
    """Writing the index failed on a read-only or full disk: an index that
    is only behind the library is searched as it is (one line says so);
    a missing or damaged one cannot be, and the command fails in one line."""
    from hark.store.paths import UNWRITABLE

    try:
        yield
    except OSError as e:
        if e.errno not in UNWRITABLE_ERRNOS:
            raise
        reason = lib.read_only_why or UNWRITABLE.get(e.errno, e.strerror or "cannot be written")
        state = idx.health() if behind else "corrupt"
        if state is None:
            err(f"the search index cannot be brought up to date ({reason}): searching it as it is")
            return
        what = {"missing": "is missing", "stale": "is from another version"}.get(state, "is damaged")
        raise CommandError(
            f"the search index at {idx.path} {what} and cannot be rebuilt ({reason}); "
            "run `hark reindex` where the library can be written"
        ) from None


def _render(h, hl: tuple[str, str] | None) -> str:
    # The snippet is library text (already clean); safe() again before it
    # meets the terminal, with marks kept where they were.
    if hl is None:
        return safe(h.snippet)
    parts, pos = [], 0
    for a, b in h.marks:
        parts.append(safe(h.snippet[pos:a]))
        parts.append(hl[0] + safe(h.snippet[a:b]) + hl[1])
        pos = b
    parts.append(safe(h.snippet[pos:]))
    return "".join(parts)


def cmd_reindex(args: argparse.Namespace) -> int:
    from hark.store.search import Index, IndexUnavailable

    paths = home_paths(args)
    with open_library(args) as lib:
        # A damaged file can read as a shorter one: index nothing from it.
        lib.verify()
        with Index(paths.index, lib) as idx:
            bar = Progress("indexing")
            try:
                report = idx.rebuild(progress=bar)
            except IndexUnavailable as e:
                raise CommandError(str(e)) from None
            finally:
                bar.close()
    if report.set_aside:
        err(f"the search index at {paths.index} was a file, not a folder: set aside as {report.set_aside}")
    n = report.transcripts
    out(
        f"indexed {n} transcript{'s' if n != 1 else ''} "
        f"({report.segments} segments in {report.passages} passages) in {report.seconds:.1f}s"
    )
    return 0
