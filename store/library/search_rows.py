"""What the search index reads from the library: the manifest, titles, segment rows of a span, notes to index.

A mixin of :class:`hark.store.library.Library`: it uses ``self.db`` and
``self.write`` and imports nothing from the library package but ``.rows``."""

from __future__ import annotations


class SearchRows:
    """What the search index reads from the library: the manifest, titles, segment rows of a span, notes to index."""
