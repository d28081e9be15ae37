"""The annotations table: every SQL statement that reads or writes annotations.

A mixin of :class:`hark.store.library.Library`: it uses ``self.db`` and
``self.write`` and imports nothing from the library package but ``.rows``."""

from __future__ import annotations


class AnnotationRows:
    """The annotations table: every SQL statement that reads or writes annotations."""
