"""The Whoosh engine behind store/search/engine.py's interface.

    engine.py      WhooshEngine: opens, searches, writes and builds one index folder
    fileformat.py  the names the index files pickle (a promise of the file format)
    postings.py    posting values: packed positions and neighbour marks, the phrase check
    schema.py      the fields of a passage document, the index's name
    blocks.py      hark's posting blocks: raw arrays behind a fixed header (written and read)
    writer.py      a leaner SegmentWriter, the merge policy of small commits
    textlog.py     the text fields' postings gathered flat and sorted by term at each flush
    build.py       bulk builds, in one process or two
    merge.py       a build's segments merged into one, list by list (blocks copied, ids moved)
    lexicon.py     the term tables: prefixes, fuzzy terms, completion
    scoring.py     BM25F with lengths from a table
    postlists.py   posting lists as arrays, decoded whole or by blocks, and their cache
    evaluate.py    queries over whole posting lists; the one phrase matcher
    patches.py     four guarded fixes to Whoosh, applied when the engine opens (each says if it took)
    privates.py    every private Whoosh attribute hark reads, and the guard checked at open

Importing this package lends Whoosh the standard library's cached_property
while ``whoosh.reading`` loads (see `lean_import`): every module here, and
store/search/query.py and plan.py, import it before any other Whoosh
module.
"""

from __future__ import annotations

import sys


def lean_import() -> None:
    """whoosh.reading imports the `cached_property` package only for one
    decorator, and that package imports asyncio (a tenth of a second at
    every start). Lend Whoosh the standard library's equivalent while it
    loads, then step aside so anyone else still gets the real package. An
    import-time step, not a patch: Whoosh's behaviour is the same."""
    if "whoosh.reading" in sys.modules or "cached_property" in sys.modules:
        return
    import functools
    import types

    shim = types.ModuleType("cached_property")
    shim.cached_property = functools.cached_property  # type: ignore[attr-defined]
    sys.modules["cached_property"] = shim
    try:
        import whoosh.reading  # noqa: F401
    finally:
        if sys.modules.get("cached_property") is shim:
            del sys.modules["cached_property"]


lean_import()
