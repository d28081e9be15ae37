"""`hark check`: is the library file sound? Registered by tui/cli/parser.py.

A full PRAGMA integrity_check and foreign_key_check, and hark's own count
of segments (store/library/health.py). One line either way: the figures of
a sound library (exit 0), or what is damaged and the way out (exit 1):
save the notes (`hark annotations export` reads every row it still can),
set the file aside, import the transcripts again, import the notes.
"""

from __future__ import annotations

import argparse
import os

from .common import CommandError, home_paths, out


def register(sub) -> None:
    s = sub.add_parser("check", help="check the library file for damage (and say what to do)")
    s.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from hark.store.annotations import backup_dir
    from hark.store.library import check_file

    paths = home_paths(args)
    library = paths.library
    if library.is_symlink() and not library.exists():
        raise CommandError(f"{library.name} is a link to {os.readlink(library)}, which does not exist")
    if not os.path.lexists(library):
        out(f"no library at {library} yet: nothing to check")
        return 0
    report = check_file(library)
    if report.ok:
        counts = ", ".join(
            f"{n:,} {table}" for table, n in report.counts.items() if n is not None
        )  # (a table an older library lacks is left out)
        size = report.pages * report.page_size
        line = (
            f"the library is sound: {counts}; {report.pages:,} pages ({_size(size)}), checked in {report.seconds:.1f}s"
        )
        if report.cleared:
            line += "; the damage noted before is gone, changes are on again"
        out(line)
        return 0
    backups = backup_dir(paths)
    copies = sorted(backups.glob("*.json"), key=lambda p: p.stat().st_mtime) if backups.is_dir() else []
    kept = bool(copies)
    damaged = f"the library is damaged ({report.where})" if report.where else "the library is damaged"
    if report.unreadable:
        notes = (
            f"put your notes back from the copy kept beside it: `hark annotations import {copies[-1]}`"
            if kept
            else f"no copy of your notes was found in {backups}"
        )
        out(
            f"{damaged}: nothing can be read from it; move {library} aside, "
            f"import your transcripts again (`hark import PATH...`); {notes}"
        )
        return 1
    if "annotations" in report.damaged_tables:
        damaged += "; some annotations may be lost"
    elif "annotations" in report.intact_tables:
        damaged += "; your annotations are intact"
    copy = f" (a copy is also kept in {backups})" if kept else ""
    out(
        f"{damaged}: save your notes with `hark annotations export --format json -o notes.json`{copy}, "
        f"move {library} aside, import your transcripts again (`hark import PATH...`), "
        "then `hark annotations import notes.json`"
    )
    return 1


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} GB"
