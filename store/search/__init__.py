"""Search: the facade the rest of hark calls (sync, rebuild, search, complete).

index.py      Index (the facade), sync, sync_quietly, BuildReport, SyncReport
engine.py     the engine interface Index calls; IndexUnavailable
analysis.py   words -> terms (one function for indexing and querying; CJK pairs)
rewrite.py    what people type -> what the parser reads: bounds, signs, the word being typed
query.py      the query language: a QUERY string -> a query tree
plan.py       the tree -> what runs (phrases, prefixes, fuzzy words, fields, boosts)
documents.py  passage documents and the manifest (what is indexed)
hits.py       Hit, SearchResult: snippets and marks from the library's text, notes
words.py      the surface words kept beside the index (prefixes, completion)
spelling.py   words within one or two edits as written (fuzzy words, "did you mean")
lock.py       the writer lock (one writer at a time, across processes)
whoosh/       the Whoosh engine
"""

from __future__ import annotations

from .engine import IndexUnavailable
from .hits import Hit, SearchResult
from .index import BuildReport, Index, SyncReport, sync, sync_quietly

__all__ = ["BuildReport", "Hit", "Index", "IndexUnavailable", "SearchResult", "SyncReport", "sync", "sync_quietly"]
