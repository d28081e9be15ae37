"""The `hark` command line.

The non-interactive commands never import Textual (a test checks, and the
import contracts in pyproject.toml forbid it), so they start fast; only
opening the app does, through `launch`. No traceback ever reaches a user:
unexpected errors print one line and a hint to rerun with --debug.

The modules: `common` (printing, one-line errors, opening the library, the
index kept in step, progress), `transcripts` (import, list, show, remove,
formats), `launch` (the app, the demo, open), `search` (search, reindex),
`annotations` (list, export, import), `copies` (align; what list, show
and import say about copies of the same talk) and `parser` (the parser,
`main` and the console script's `entry`).
"""

# No `from __future__ import annotations` here: it would bind the name
# `annotations` in this package and hide the submodule of that name.
from .common import CommandError
from .parser import build_parser, entry, main

__all__ = ["CommandError", "build_parser", "entry", "main"]
