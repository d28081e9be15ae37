"""Search: the facade the rest of hark calls (sync, rebuild, search, complete)."""

from __future__ import annotations

from ..index import BuildReport, Hit, Index, IndexUnavailable, SearchResult, SyncReport, sync, sync_quietly

__all__ = ["BuildReport", "Hit", "Index", "IndexUnavailable", "SearchResult", "SyncReport", "sync", "sync_quietly"]
