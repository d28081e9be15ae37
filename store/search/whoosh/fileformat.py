"""The names hark's index files pickle: a promise of the file format.

Whoosh pickles the schema into each table of contents (``_hark7_*.toc``:
`Words`, `PackedPositions`, `HarkAnalyzer`) and each segment's codec
(`HarkCodec`: hark's posting blocks, blocks.py, which pickle nothing).
Pickle stores them by
module path and name, so this module's path
(``hark.store.search.whoosh.fileformat``) and these names are part of the
file format: moving or renaming any of them makes every existing index
unreadable. Do that only together with a bump of
documents.SCHEMA_VERSION (an index of another version is rebuilt with one
line, never read). An index that cannot be unpickled anyway counts as
damaged and is rebuilt (patches.unpickle_errors_are_damage).

Only the declarations live here; what they do is in postings.py,
blocks.py and analysis.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from whoosh import fields, formats
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter

from ..analysis import fold, term, unit_spans
from .blocks import HarkLeafMatcher, HarkPostingsWriter
from .postings import pack, positions, postings_of


class PackedPositions(formats.Positions):
    """A field format whose values are packed positions (postings.py)."""

    def encode(self, poslist: list[int]) -> bytes:
        return pack(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(positions(valuestring))

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(positions(valuestring))

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(p, 1.0) for p in self.decode_positions(valuestring)]

    def combine(self, vs: Iterable[bytes]) -> bytes:
        s: set[int] = set()
        for v in vs:
            s.update(self.decode_positions(v))
        return self.encode(sorted(s))


class HarkAnalyzer(Tokenizer):
    """The Whoosh face of analysis.term: what the query parser uses, so a
    query word becomes exactly the term it was indexed as."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HarkAnalyzer)

    def __hash__(self) -> int:
        return hash(HarkAnalyzer)

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:  # wildcards and prefixes: fold only, never stem
            t.original = value
            t.text = fold(value)
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for pos, (unit, a, b) in enumerate(unit_spans(value)):
            t.text = term(unit)
            if keeporiginal:
                t.original = unit
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + a
                t.endchar = start_char + b
            yield t


class Words(fields.TEXT):
    """A text field of pre-analysed terms (postings.postings_of says what
    a document's value may be)."""

    def __init__(self) -> None:
        super().__init__(analyzer=HarkAnalyzer(), phrase=True, multitoken_query="phrase")
        self.format = PackedPositions(field_boost=1.0)

    def index(self, value: Any, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:  # type: ignore[override]
        return postings_of(value)


class HarkCodec(W3Codec):
    """Whoosh's W3 codec with hark's posting blocks (blocks.py): the same
    files, the term tables and columns as W3 writes them; a posting list's
    blocks are raw arrays behind a fixed header."""

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> W3PostingsWriter:
        if byteids:  # term vectors (hark's schema has none): W3's own blocks
            return super().postings_writer(dbfile, byteids)
        return HarkPostingsWriter(
            dbfile, blocklimit=self._blocklimit, byteids=False, compression=0, inlinelimit=self._inlinelimit
        )

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None) -> Any:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return HarkLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)
