"""The engine interface: what the search facade (index.py) asks of the
index engine that holds its documents.

The facade owns everything a person sees and everything the library says:
the query language and plan (query.py, plan.py), the documents
(documents.py), the hits and snippets (hits.py), the surface words
(words.py), the writer lock (lock.py) and when to sync or rebuild. An
engine owns one index folder: it opens it (or says why it cannot), runs
a plan's query and says which passages matched with what score, knows its
terms (a plan.Lexicon), and writes documents -- a batch of changes that
lands at commit or not at all, or a whole build. hark has one engine,
Whoosh (whoosh/engine.py). Another (tantivy, or a search server) would
implement these methods over its own files: index the documents'
fields as they come (positions, and the pairs and neighbour marks the
plan's phrases ask for), translate the plan's query tree (whoosh.query
nodes and plan.Adjacent) into its own queries, and score with BM25F;
nothing outside store/search/ would change.

Every method is called with the facade's mutex held, and every write
under its writer lock.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..library import Library
    from .plan import Lexicon

Progress = Callable[[int, int], None]
Docnum = int  # an engine's number for a document, meaningful to it only
State = dict[str, Any]  # the state document: version, digest, transcripts, common terms


class IndexUnavailable(Exception):
    """The index is missing, stale or corrupt (rebuild it), or busy; `why`
    says which, the message says it to a person."""

    def __init__(self, message: str, why: str = "corrupt") -> None:
        super().__init__(message)
        self.why = why


@dataclass
class Built:
    """What a build indexed."""

    manifest: dict[int, str]  # tid -> fingerprint
    passages: int
    surface: dict[str, str] = field(default_factory=dict)  # words.surface_of the text
    peak_mb: float = 0.0  # the largest build process's peak memory


class Update(ABC):
    """A batch of changes to the index, under the writer lock: it lands at
    commit, or not at all. Used as a context manager, any error (or an
    interrupt) before the commit cancels it -- the one place hark's writes
    are committed or cancelled."""

    @abstractmethod
    def indexed(self) -> dict[int, str]:
        """tid -> fingerprint of every transcript the index holds."""

    @abstractmethod
    def common(self) -> frozenset[str]:
        """The common terms the index was built with (its pairs and marks)."""

    @abstractmethod
    def delete(self, tid: int) -> None:
        """Delete every document of a transcript."""

    @abstractmethod
    def add(self, doc: dict[str, Any]) -> None:
        """Add one document (documents.transcript_docs)."""

    @abstractmethod
    def commit(self, state: State) -> None:
        """Replace the state document and make every change visible at once."""

    @abstractmethod
    def cancel(self) -> None:
        """Drop every change."""

    def __enter__(self) -> Update:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            try:
                self.cancel()
            except Exception:  # the error that brought us here is the one to see
                pass


class Engine(ABC):
    """One index folder, as an engine holds it."""

    path: Path
    # What reading a damaged index raises (truncated or garbled files); any
    # other error is a bug and must not send anyone into a rebuild.
    damage: tuple[type[BaseException], ...] = ()

    # -- reading -------------------------------------------------------------------

    @abstractmethod
    def open(self) -> None:
        """Open the index unless it is open. Raises IndexUnavailable with
        why "missing", "stale" (another schema version) or "corrupt"."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the open index and everything read from it."""

    @abstractmethod
    def refresh(self) -> bool:
        """Pick up commits made since the index was opened (by anyone):
        True if what it reads changed (or it had to let go)."""

    @abstractmethod
    def state(self) -> State:
        """The state document of the open index."""

    @abstractmethod
    def lexicon(self) -> Lexicon:
        """The open index's terms (for the plan, completion, "did you mean")."""

    @abstractmethod
    def warm(self) -> Callable[[str], int]:
        """Load the text's term table into memory (prefixes and completion
        become instant); returns a term's document frequency in the text."""

    @abstractmethod
    def table_builder(self) -> tuple[object, Callable[[], object]]:
        """What `warm` does, in two steps for a caller that builds the term
        table without holding up searches: (a token of the open searcher,
        a function that builds its text's term table and may run while
        other threads search)."""

    @abstractmethod
    def adopt_table(self, token: object, table: object) -> Callable[[str], int] | None:
        """Use a table built by table_builder's function if the searcher is
        still the one of `token`: a term's document frequency in the text,
        or None (the index was refreshed meanwhile)."""

    @abstractmethod
    def run(
        self, query: Any, limit: int, *, exact_total: bool, time_limit: float | None
    ) -> tuple[list[tuple[Docnum, float]], int, bool]:
        """The best `limit` documents of a plan's query (best first, ties:
        the earlier document), the number of matches, and whether a time
        limit cut the search short."""

    @abstractmethod
    def passages(self, docs: Iterable[tuple[Docnum, float]]) -> list[tuple[int, int, int, float]]:
        """(tid, first segment, last segment, score) of the passages among docs."""

    @abstractmethod
    def finds_any(self, query: Any) -> bool:
        """Whether a plan's query matches something ("did you mean")."""

    @abstractmethod
    def forget_postings(self) -> None:
        """Drop what earlier searches decoded (memory, a benchmark's cold figures)."""

    @abstractmethod
    def stats(self) -> dict[str, Any]:
        """documents, bytes (on disk), segments."""

    # -- writing (under the facade's writer lock) -------------------------------------

    @abstractmethod
    def update(self) -> Update:
        """A batch of changes to the open index."""

    @abstractmethod
    def build(
        self,
        lib: Library,
        rows: list[tuple[int, int]],
        *,
        procs: int,
        common: frozenset[str],
        state: Callable[[dict[int, str]], State],
        why: str | None,
        progress: Progress | None,
    ) -> Built:
        """Index the given transcripts, (tid, segment count), from the
        library into a new index that replaces the old one at commit
        (readers keep the old one until then), with the state that
        `state` makes of its manifest. `why` is why it is rebuilt (None, or
        "new": an index that opens is built into; anything else: the folder
        is emptied first)."""
