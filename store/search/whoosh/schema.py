"""The fields of hark's Whoosh documents, and the index's name.

One document per passage (kind "p"), one per transcript (kind "t": its
manifest entry) and one for the whole index (kind "s": the state); see
documents.py for what each field holds.
"""

from __future__ import annotations

from whoosh import fields

from .. import documents
from .fileformat import Words

# The index's files are named after the schema version (_hark6_*.toc):
# an index of another version is not opened, it is rebuilt.
INDEX_NAME = f"hark{documents.SCHEMA_VERSION}"


def make_schema() -> fields.Schema:
    return fields.Schema(
        kind=fields.ID(),  # "p" passage, "t" transcript (manifest), "s" state
        tid=fields.ID(stored=True),
        first=fields.STORED(),
        last=fields.STORED(),
        text=Words(),
        tail=Words(),
        tail0=Words(),  # the first word of the tail alone: cross-passage phrases start their search here
        pair=Words(),  # adjacent pairs of very common words, at the first word's position
        tailpair=Words(),  # the same, starting in the tail
        title=Words(),
        speaker=Words(),
        tag=Words(),
        note=Words(),
        format=fields.ID(),
        meta=fields.STORED(),
    )
