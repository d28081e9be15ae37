"""Every private Whoosh attribute hark reads, in one place, and the guard
that checks them when an index opens.

hark's fast paths go beneath Whoosh's public interface: hark's posting
blocks (blocks.py) are read and written by subclasses of W3's matcher and
postings writer that keep W3's moving parts (the attributes its matcher
logic reads and sets), the scorer reads a segment's whole length column
at once, and the bulk writer fills the postings writer's block buffer a
block at a time. They read attributes Whoosh keeps private, which another Whoosh
release may rename. So they read them only through this module, and
`check` -- run by WhooshEngine.open on the opened index, on real objects
-- says which are there: a fast path whose attributes are missing is
turned off, and the plain interface (slower, same results) is used
instead. tests/store/search/test_whoosh_patches.py asserts that nothing is
missing on the pinned Whoosh.

(patches.py changes Whoosh's classes and checks the structure it patches
itself; writer.py's SegmentWriter subclass uses its parent's attributes.)
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any

# A posting list's matcher (W3LeafMatcher, under blocks.HarkLeafMatcher):
# the methods the subclass replaces or calls, and the attributes W3's
# matcher logic keeps, which the subclass reads and sets.
LEAF_METHODS = ("_goto", "_read_data", "_read_ids", "_read_weights", "_read_values", "_read_header", "reset")
LEAF_FIELDS = (
    "_postfile",
    "_startoffset",
    "_length",
    "_baseoffset",
    "_lastblock",
    "_nextoffset",
    "_maxid",
    "_maxweight",
    "_minlength",
    "_data",
    "_blocklength",
    "_fixedsize",
)
# The W3 postings writer's block buffer, filled by `add_postings`.
WRITER_METHODS = ("_write_block", "_new_block", "add_posting", "finish_postings")
WRITER_FIELDS = ("_blocklimit", "_ids", "_weights", "_values", "_maxweight", "_minlength", "_maxlength")


@dataclass(frozen=True)
class Reads:
    """Which fast paths the opened Whoosh supports."""

    blocks: bool  # posting lists read by their blocks (blocks.py, evaluate.py)
    lengths: bool  # length columns read whole (scoring.py)
    lookup: bool = True  # a term looked up once for its list and its length (`posting_list`)
    missing: tuple[str, ...] = ()  # the private names not found


# Until an index has been opened and checked, each fast path still guards
# itself (an attribute missing there falls back, as before the check).
_reads = Reads(blocks=True, lengths=True)


def reads() -> Reads:
    return _reads


def check(searcher: Any) -> Reads:
    """Look for every private name on the opened index's own objects (a
    posting list of a segment, its length column, the W3 classes) and turn
    off the fast paths that lack one."""
    from whoosh.codec import whoosh3

    missing: list[str] = []
    leaf = whoosh3.W3LeafMatcher
    missing += [f"W3LeafMatcher.{a}" for a in LEAF_METHODS if not hasattr(leaf, a)]
    missing += _writer_missing()
    missing += [f"whoosh3.{a}" for a in ("LENGTHS_COLUMN", "_lenfield") if not hasattr(whoosh3, a)]
    lengths_ok = not any(m.startswith("whoosh3.") for m in missing)
    try:
        # A segment's posting list of the kind field (every document has one).
        reader, kind = next(
            (r, k)
            for r in (sub.reader() for sub, _offset in searcher.leaf_searchers())
            for k in "stp"
            if ("kind", k) in r
        )
        m = unfiltered(reader.postings("kind", kind))
        if isinstance(m, leaf):
            missing += [f"W3LeafMatcher().{a}" for a in LEAF_FIELDS if not hasattr(m, a)]
        perdoc = getattr(reader, "_perdoc", None)
        if perdoc is None or not hasattr(perdoc, "_cached_reader"):
            missing.append("SegmentReader._perdoc._cached_reader")
            lengths_ok = False
        elif lengths_ok:
            col = perdoc._cached_reader(whoosh3._lenfield("text"), whoosh3.LENGTHS_COLUMN)
            if col is not None:
                gone = [a for a in ("_dbfile", "_basepos", "_count") if not hasattr(col, a)]
                missing += [f"length column .{a}" for a in gone]
                lengths_ok = not gone
        gone = _lookup_missing(reader)
        missing += gone
        lookup_ok = not gone
    except Exception as e:  # an empty index, or another codec
        missing.append(f"(probe failed: {type(e).__name__})")
        lookup_ok = False
    blocks_ok = not any(m.startswith("W3LeafMatcher") for m in missing)
    global _reads
    _reads = Reads(blocks=blocks_ok, lengths=lengths_ok, lookup=lookup_ok, missing=tuple(missing))
    return _reads


def _writer_missing() -> list[str]:
    from whoosh.codec import whoosh3

    w = whoosh3.W3PostingsWriter
    missing = [f"W3PostingsWriter.{a}" for a in WRITER_METHODS if not hasattr(w, a)]
    if not missing:
        try:
            pw = w(None, 128)  # the buffer is set up without touching the file
            pw._new_block()
            missing += [f"W3PostingsWriter().{a}" for a in WRITER_FIELDS if not hasattr(pw, a)]
        except Exception as e:
            missing.append(f"W3PostingsWriter() ({type(e).__name__})")
    return missing


_writer: bool | None = None


def writer_ok() -> bool:
    """Whether the W3 postings writer has the block buffer `add_postings`
    fills (checked once: builds run before any index is open)."""
    global _writer
    if _writer is None:
        _writer = not _writer_missing()
    return _writer


# -- posting lists (evaluate.py) -------------------------------------------------------

_LOOKUP_READER = ("_terms", "_text_to_bytes")
_LOOKUP_TERMS = ("_tindex", "_keycoder", "_codec", "_postfile")


def _lookup_missing(reader: Any) -> list[str]:
    missing = [f"SegmentReader.{a}" for a in _LOOKUP_READER if not hasattr(reader, a)]
    terms = getattr(reader, "_terms", None)
    missing += [f"W3TermsReader.{a}" for a in _LOOKUP_TERMS if not hasattr(terms, a)]
    return missing


def posting_list(reader: Any, field: str, text: str) -> tuple[int, Any] | None:
    """(document frequency, posting list) of a term in a leaf reader, with
    one look-up in its term table (Whoosh's doc_frequency and postings look
    it up once each, ~5-10 us a time in every segment); (0, None) for a
    term the segment does not have. None where this path is off or the
    reader is another kind: the caller asks Whoosh."""
    if not _reads.lookup or type(reader).__name__ != "SegmentReader":
        return None
    from whoosh.codec.whoosh3 import W3TermInfo

    if field not in reader.schema:
        return 0, None
    tbytes = reader._text_to_bytes(field, text)
    terms = reader._terms
    raw = terms._tindex.get(terms._keycoder(field, tbytes))
    if raw is None:
        return 0, None
    info = W3TermInfo.from_bytes(raw)
    fmt = reader.schema[field].format
    return info.doc_frequency(), terms._codec.postings_reader(terms._postfile, info, fmt, term=(field, tbytes))


def unfiltered(m: Any) -> Any:
    """The posting list under Whoosh's deleted-documents filter (the
    evaluator leaves deleted documents out itself)."""
    return getattr(m, "child", m) if type(m).__name__ == "FilterMatcher" else m


# -- a segment's lengths (scoring.py) --------------------------------------------------


def length_bytes(reader: Any, fieldname: str) -> bytes | None:
    """A leaf reader's length column of a field, one byte a document (the
    codec's length_to_byte), or None if it has none or this path is off."""
    if not _reads.lengths:
        return None
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    col = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if col is None:
        return None
    return col._dbfile.get(col._basepos, col._count)


def segment_count(ix: Any) -> int:
    """How many segments a committed index has."""
    return len(ix._segments())


# -- the bulk writer (writer.py) ---------------------------------------------------------


def postings_writer(fieldwriter: Any) -> Any:
    """The W3 field writer's postings writer (None between terms, or another codec)."""
    return getattr(fieldwriter, "_postwriter", None)


def term_table(fieldwriter: Any) -> tuple[Any, bytes] | None:
    """The W3 field writer's term table `add` and the key prefix of the
    field it is in (None: another codec), for writing a term's info
    without start_term and finish_term."""
    from whoosh.system import pack_ushort

    tindex = getattr(fieldwriter, "_tindex", None)
    fieldid = getattr(fieldwriter, "_fieldid", None)
    add = getattr(tindex, "add", None)
    if add is None or not isinstance(fieldid, int):
        return None
    return add, pack_ushort(fieldid)


def add_postings(pw: Any, docs: array, weights: array, values: list[bytes], lengths: list[int]) -> None:
    """A term's postings into Whoosh's W3 postings writer a block at a
    time: what its add_posting does one posting at a time (a few
    microseconds each, millions of times in a build), with the block's
    statistics taken by min/max over the block."""
    limit = pw._blocklimit
    for i in range(0, len(docs), limit):
        if i:  # a full block is buffered: write it, as add_posting would on the next posting
            pw._write_block()
        ws = weights[i : i + limit]
        pw._ids = docs[i : i + limit]
        pw._weights = ws
        pw._values = [v for v in values[i : i + limit] if v]
        pw._maxweight = max(0, max(ws))
        ls = [n for n in lengths[i : i + limit] if n]
        pw._minlength = min(ls) if ls else None
        pw._maxlength = max(ls) if ls else 0


# -- merging a build's segments (merge.py) ------------------------------------------------


def merge_missing(reader: Any, perdoc_writer: Any, postings_writer: Any) -> list[str]:
    """The private names a merge of segments list by list reads that these
    objects lack (a merge that cannot be made leaves the segments apart)."""
    from whoosh.codec import whoosh3

    missing = [f"whoosh3.{a}" for a in ("LENGTHS_COLUMN", "_lenfield") if not hasattr(whoosh3, a)]
    if not hasattr(getattr(reader, "_terms", None), "_postfile"):
        missing.append("SegmentReader._terms._postfile")
    if not isinstance(getattr(perdoc_writer, "_fieldlengths", None), dict):
        missing.append("W3PerDocWriter._fieldlengths")
    if not hasattr(postings_writer, "_postfile"):
        missing.append("W3PostingsWriter._postfile")
    if not _reads.lengths:
        missing.append("(length columns)")
    return missing


def postings_file(reader: Any) -> Any:
    """A leaf reader's postings file (a StructFile: get(offset, length))."""
    return reader._terms._postfile


def field_totals(perdoc_writer: Any) -> dict[str, int]:
    """The W3 per-document writer's running total length of each field
    (what the segment keeps for the field's average length)."""
    return perdoc_writer._fieldlengths


def length_column(fieldname: str) -> tuple[str, Any]:
    """The per-document column (its name and type) of a field's lengths."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    return _lenfield(fieldname), LENGTHS_COLUMN


def put_lengths(perdoc_writer: Any, fieldname: str, first: int, data: bytes) -> bool:
    """A run of documents' length bytes (documents first.., a byte each,
    as a length column holds them) written into the W3 per-document
    writer's length column at once; False, nothing written, where the
    writer lacks what this reads (the caller adds them a document at a
    time)."""
    column, kind = length_column(fieldname)
    writers = getattr(perdoc_writer, "_colwriters", None)
    if not isinstance(writers, dict) or not hasattr(perdoc_writer, "_create_column"):
        return False
    if column not in writers:
        perdoc_writer._create_column(column, kind)
    cw = writers[column]
    if not all(hasattr(cw, a) for a in ("_dbfile", "_count", "fill")) or cw._count > first:
        return False
    cw.fill(first)
    cw._dbfile.write(bytes(data))
    cw._count = first + len(data)
    return True


def segment_map(reader: Any) -> Any:
    """The memory map of a leaf reader's compound segment file, or None
    (not mapped, or not found)."""
    import mmap

    storage = getattr(reader, "_storage", None)
    for s in (storage, getattr(storage, "a", None)):
        m = getattr(s, "_source", None)
        if isinstance(m, mmap.mmap):
            return m
    return None
