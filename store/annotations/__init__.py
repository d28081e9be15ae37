"""Annotations: highlights and notes on spans of a transcript, kept safe.

An annotation covers a span of segments. Besides the span and its times it
keeps the exact quote and ~32 characters of context either side, so that
when the transcript is re-imported with edits (a word corrected, cues split
or merged, every time shifted) it can be found again: first where it was,
then by its exact quote (context and time break ties), then by a fuzzy match
of the quote. One that cannot be placed is kept as "orphaned", never
deleted; removing a transcript keeps its annotations too (their transcript
id becomes NULL; the transcript's title and sha256 stay on each of them, so
they remain exportable and can be imported again elsewhere).

Every write is one short transaction of the library's (its SQL lives in
hark.store.library.annotation_rows), so several sessions can share a
library; slow work (re-anchoring) is done outside the lock and applied only
if the transcript did not change meanwhile.

An edit made in an editor is saved against the version it was made on
(save_edit): another session's change meanwhile is kept as a #conflict copy,
a delete meanwhile is undone. A note is at most MAX_NOTE_CHARS long.

Exports: Markdown (to paste into notes, with links to the moment) and JSON
in the W3C Web Annotation model, which `import_file` reads back; a rotating
copy of that JSON in backups/ after changes; and from a damaged library,
every row that can still be read (salvage).

The rooms:
    fields      the note, #tags, colour and author; its size bound; AnnotationError
    anchoring   finding a quote again in a changed text; reanchor
    homecoming  annotations without a transcript placed in one that arrives
    operations  create, get, list, update, save_edit, delete, restore, salvage, cite
    exchange    Markdown and W3C JSON export; import_annotations
    backup      backups/annotations-N.json
"""

from __future__ import annotations

from ..links import deep_link
from ..model import ANCHORED, COLORS, DEFAULT_COLOR, MOVED, ORPHANED, STATUSES, Annotation
from .anchoring import CONTEXT_CHARS, FUZZY_THRESHOLD, reanchor
from .backup import backup_dir, backups, write_backup
from .exchange import (
    MAX_IMPORT,
    MEDIA_FRAGS,
    W3C_CONTEXT,
    ImportSummary,
    export_json,
    export_markdown,
    import_annotations,
    import_file,
    to_w3c,
    w3c_annotations,
)
from .fields import MAX_NOTE_CHARS, AnnotationError, current_author, hashtags, normalize_tags, tags_beyond_note
from .homecoming import come_home
from .operations import (
    CONFLICT_TAG,
    Saved,
    citation,
    count_by_transcript,
    create,
    delete,
    get,
    iter_for_index,
    list_annotations,
    readable,
    restore,
    salvage,
    save_edit,
    update,
)

__all__ = [
    "ANCHORED",
    "COLORS",
    "CONFLICT_TAG",
    "CONTEXT_CHARS",
    "DEFAULT_COLOR",
    "FUZZY_THRESHOLD",
    "MAX_IMPORT",
    "MAX_NOTE_CHARS",
    "MEDIA_FRAGS",
    "MOVED",
    "ORPHANED",
    "STATUSES",
    "W3C_CONTEXT",
    "Annotation",
    "AnnotationError",
    "ImportSummary",
    "Saved",
    "backup_dir",
    "backups",
    "citation",
    "come_home",
    "count_by_transcript",
    "create",
    "current_author",
    "deep_link",
    "delete",
    "export_json",
    "export_markdown",
    "get",
    "hashtags",
    "import_annotations",
    "import_file",
    "iter_for_index",
    "list_annotations",
    "normalize_tags",
    "readable",
    "reanchor",
    "restore",
    "salvage",
    "save_edit",
    "tags_beyond_note",
    "to_w3c",
    "update",
    "w3c_annotations",
    "write_backup",
]
