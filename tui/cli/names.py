"""`hark rename` and `hark speakers`: your names on things.

    hark rename ID "Title"            give a transcript your title
    hark rename ID --reset            back to the file's own title
    hark speakers ID [--json]         its speakers, with how much each says
    hark speakers ID LABEL="Name"...  name speakers (LABEL= takes a name away)

The names survive a re-import of the file, show wherever the transcript
and its speakers do, and `speaker:` / `title:` queries find either name
(hark.store.names). Registered by tui/cli/parser.py; never imports Textual.
"""

from __future__ import annotations

import argparse

from hark.store.text import clean_line, format_time

from .common import CommandError, open_library, out, print_json, safe, sync_index, transcript_id


def register(sub) -> None:
    s = sub.add_parser(
        "rename",
        help="give a transcript your own title (kept when the file is imported again)",
        description="Give a transcript your own title; --reset gives back the file's own title.",
    )
    s.add_argument("id", metavar="ID")
    s.add_argument("title", metavar="TITLE", nargs="?", help="the new title")
    s.add_argument("--reset", action="store_true", help="back to the file's own title")
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.set_defaults(func=cmd_rename)

    s = sub.add_parser(
        "speakers",
        help="a transcript's speakers, with how much each says; name them with LABEL=NAME",
        description=(
            "List a transcript's speakers with how much each says, or name them: "
            'hark speakers 3 SPEAKER_00="Ann Lee" (LABEL= takes the name away). '
            "The file's labels are kept; the names show everywhere and survive a re-import."
        ),
    )
    s.add_argument("id", metavar="ID")
    s.add_argument("names", metavar="LABEL=NAME", nargs="*", help="a speaker label (or its name now) and its new name")
    s.add_argument("--json", action="store_true", help="print the speakers as JSON")
    s.set_defaults(func=cmd_speakers)


def cmd_rename(args: argparse.Namespace) -> int:
    tid = transcript_id(args.id)
    if args.reset == (args.title is not None):
        raise CommandError('give a TITLE, or --reset for the file\'s own title (hark rename ID "Title")', code=2)
    wanted = None if args.reset else args.title
    if wanted is not None and not clean_line(wanted):
        raise CommandError("a title cannot be empty (--reset gives back the file's own title)", code=2)
    with open_library(args) as lib:
        title, own = lib.rename(tid, wanted)
        sync_index(args, lib, quiet=True)
    if args.json:
        print_json({"id": tid, "title": title, "file_title": own})
    elif title == own:
        out(f"{tid}: {safe(title)} (the file's own title)")
    else:
        out(f"renamed {tid}: {safe(title)} (the file's own title: {safe(own)})")
    return 0


def _changes(items: list[str]) -> dict[str, str | None]:
    changes: dict[str, str | None] = {}
    for item in items:
        label, eq, name = item.partition("=")
        if not eq or not label.strip():
            raise CommandError(
                f'{item!r}: write LABEL=NAME, e.g. SPEAKER_00="Ann Lee" (LABEL= takes a name away)', code=2
            )
        changes[label.strip()] = name.strip() or None
    return changes


def cmd_speakers(args: argparse.Namespace) -> int:
    from hark.store.names import file_speakers, is_generic_label, speaker_shares

    tid = transcript_id(args.id)
    changes = _changes(args.names)
    with open_library(args, read=not changes) as lib:
        if changes:
            applied = lib.name_speakers(tid, changes)
            sync_index(args, lib, quiet=True)
        else:
            applied = {}
        t = lib.get(tid)
    if t is None:
        raise CommandError(f"no transcript {tid} (see `hark list`)")
    meta = t.info.metadata
    shares = speaker_shares(t.segments, file_speakers(t.info.speakers, meta), meta)
    if args.json:
        print_json([s.to_json() for s in shares])
        return 0
    for label, name in applied.items():
        if name is None:
            out(f"{safe(label)}: no name now (shown as {safe(label)})")
        else:
            out(f"{safe(label)} is now {safe(name)}")
    if applied:
        return 0
    title = safe(clean_line(t.info.title))
    if not shares:
        out(f"{tid}: {title}: no speakers (the file marks none)")
        return 0
    total = sum(s.words for s in shares) or 1
    out(f"{tid}: {title} · {len(shares)} speaker{'s' if len(shares) != 1 else ''}")
    lw = max(len(clean_line(s.label)) for s in shares)
    nw = max(len(clean_line(s.name or "")) for s in shares)
    nw = max(nw, len("(no name)"))
    for s in shares:
        name = clean_line(s.name) if s.name else "(no name)" if is_generic_label(s.label) else ""
        if s.segments:
            said = (
                f"{s.segments:>5} segment{'s' if s.segments != 1 else ' '}  {s.words:>7,} words  "
                f"{format_time(s.seconds):>8}  {round(100 * s.words / total):>3}%"
            )
        else:
            said = "named in the file; no turns marked"
        out(f"  {safe(clean_line(s.label)):<{lw}}  {safe(name):<{nw}}  {said}")
    unnamed = [s.label for s in shares if not s.name and is_generic_label(s.label)]
    if unnamed:
        label = safe(clean_line(unnamed[0]))
        label = f'"{label}"' if " " in label else label
        out(f'name one: hark speakers {tid} {label}="Their Name"')
    return 0
