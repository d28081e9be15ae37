"""The library's schema, as a list of migrations."""

from __future__ import annotations

# Each entry migrates the schema from version i to i + 1. Never edit a
# released entry: add a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE transcripts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        format TEXT NOT NULL,
        timing TEXT NOT NULL,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL DEFAULT 0,
        mtime REAL NOT NULL DEFAULT 0,
        metadata TEXT NOT NULL DEFAULT '{}',
        set_aside TEXT NOT NULL DEFAULT '[]',
        chapters TEXT NOT NULL DEFAULT '[]',
        speakers TEXT NOT NULL DEFAULT '[]',
        duration REAL NOT NULL DEFAULT 0,
        segment_count INTEGER NOT NULL DEFAULT 0,
        imported TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE UNIQUE INDEX transcripts_source ON transcripts(source);
    CREATE INDEX transcripts_sha ON transcripts(sha256);
    CREATE TABLE segments (
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        start REAL NOT NULL,
        end REAL NOT NULL,
        speaker TEXT,
        text TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'speech',
        PRIMARY KEY (transcript_id, idx)
    ) WITHOUT ROWID;
    CREATE TABLE reading (
        transcript_id INTEGER PRIMARY KEY REFERENCES transcripts(id) ON DELETE CASCADE,
        segment INTEGER NOT NULL DEFAULT 0,
        playhead REAL NOT NULL DEFAULT 0,
        opened TEXT NOT NULL
    );
    """,
    # Annotations (store/annotations.py). Removing a transcript keeps them:
    # transcript_id becomes NULL, its title and sha256 stay on each row.
    """
    CREATE TABLE annotations (
        id TEXT PRIMARY KEY,
        transcript_id INTEGER REFERENCES transcripts(id) ON DELETE SET NULL,
        first_segment INTEGER NOT NULL,
        last_segment INTEGER NOT NULL,
        start REAL NOT NULL,
        end REAL NOT NULL,
        quote TEXT NOT NULL,
        prefix TEXT NOT NULL DEFAULT '',
        suffix TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        color TEXT NOT NULL DEFAULT 'yellow',
        author TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'anchored',
        source_sha256 TEXT NOT NULL DEFAULT '',
        transcript_title TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX annotations_transcript ON annotations(transcript_id, start);
    CREATE INDEX annotations_sha ON annotations(source_sha256);
    """,
    # The same talk twice (store/same_talk.py): each transcript's fingerprint
    # (store/copies.py; NULL until computed, so an upgraded library is
    # back-filled by the next import or list), the pairs found to be the
    # same talk (kept both ways round, so one id finds its copies by the
    # key), and times carried from a copy: timing 'aligned', where they came
    # from, and per segment whether its start was matched (1) or is still
    # estimated (0).
    """
    ALTER TABLE transcripts ADD COLUMN fingerprint BLOB;
    ALTER TABLE transcripts ADD COLUMN aligned_from INTEGER REFERENCES transcripts(id) ON DELETE SET NULL;
    ALTER TABLE segments ADD COLUMN aligned INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX transcripts_aligned_from ON transcripts(aligned_from);
    CREATE TABLE copies (
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        other_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        share REAL NOT NULL,
        PRIMARY KEY (transcript_id, other_id)
    ) WITHOUT ROWID;
    CREATE INDEX copies_other ON copies(other_id);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
