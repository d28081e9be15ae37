"""What every command shares: printing (safely) to a terminal, one-line
errors, opening the library, the search index kept in step, a progress bar.

Nothing heavy at module level: the parser is built for every command.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hark.store.paths import UNWRITABLE
from hark.store.text import clean_line, strip_escapes

if TYPE_CHECKING:
    from hark.store.library import Library
    from hark.store.paths import Paths


class CommandError(Exception):
    """A failure of a command, said in one line; exit code 1 (or .code)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def out(text: str = "") -> None:
    """A line on stdout."""
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    """A line on stderr, as `hark: text`."""
    sys.stderr.write(f"hark: {text}\n")


# json.dumps escapes C0 controls but, with ensure_ascii=False, passes C1
# controls (U+0080..U+009F: 8-bit CSI/OSC), DEL and bidi overrides through
# raw; a \\uXXXX escape is the same JSON value and harmless on a terminal.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_safe(text: str) -> str:
    """JSON text with the characters a terminal could act on escaped."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(value: Any) -> None:
    """`value` as indented JSON on stdout, safe for a terminal."""
    sys.stdout.write(json_safe(json.dumps(value, ensure_ascii=False, indent=2)) + "\n")


def safe(text: str) -> str:
    """What may be printed to a terminal: no escape sequences, no controls."""
    return strip_escapes(text)


# -- the library -------------------------------------------------------------


# A disk that is read-only or full: reading may still work (see open_library).
UNWRITABLE_ERRNOS = tuple(UNWRITABLE)


def home_paths(args: argparse.Namespace) -> Paths:
    """Where everything is kept (--home, $HARK_HOME, or the data folder),
    its folders made where they can be."""
    from hark.store.paths import notices, resolve

    paths = resolve(args.home)
    try:
        paths.ensure()
    except OSError as e:
        # Folders that cannot be made on a read-only or full disk: a command
        # that writes says so in one line when it opens the library.
        if e.errno not in UNWRITABLE_ERRNOS:
            raise
    for message in notices():  # a home others can write, or someone else's
        err(f"warning: {message}")
    return paths


def library_path(args: argparse.Namespace) -> Path:
    """Where the library file is (without making any folder)."""
    from hark.store.paths import resolve

    return resolve(args.home).library


def open_library(args: argparse.Namespace, *, read: bool = False) -> Library:
    """The library, for writing; read=True for a command that only reads:
    on a full disk or a read-only filesystem it is then opened read-only,
    with one line on stderr saying so. A library found damaged is refused
    to a command that writes, in one line, and shown as it is to one that
    reads, with that line on stderr."""
    from hark.store.library import Library, LibraryDamaged

    lib = Library(home_paths(args).library, fall_back=read)
    if lib.damaged is not None:
        damaged = LibraryDamaged(lib.damaged)
        if not read:
            lib.close()
            raise damaged
        err(f"{damaged}; showing what can be read, changes are off")
    elif lib.read_only:
        err(f"the library at {lib.path} is read-only ({lib.read_only_why}): showing it as it is; changes are off")
    return lib


def transcript_id(value: str) -> int:
    """A transcript id from the command line; CommandError when it is not one."""
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a transcript id (see `hark list`)") from None


def sync_index(args: argparse.Namespace, lib: Library, *, quiet: bool = False, index: Path | None = None) -> None:
    """Bring the search index (the home's, or `index`) in line with the library."""
    try:
        from hark.store.search import sync_quietly
    except ImportError:
        return
    where = index if index is not None else home_paths(args).index
    sync_quietly(lib, where, message=None if quiet else lambda m: err(m))


# -- progress ----------------------------------------------------------------


class Progress:
    """A one-line progress bar on a terminal (stderr); nothing when piped."""

    def __init__(self, label: str, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.label = label
        self.enabled = self.stream.isatty() and os.environ.get("TERM") != "dumb"
        self.shown = False

    def __call__(self, done: int, total: int, path: Path | None = None) -> None:
        if not self.enabled or total <= 0:
            return
        width = max(10, min(30, shutil.get_terminal_size((80, 24)).columns - 50))
        filled = int(width * done / total)
        name = clean_line(path.name if path and path.name else "")[:30]
        self.stream.write(f"\r\x1b[2K{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
