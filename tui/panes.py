"""The panes beside the reader: Library, Search and Annotations.

They only show what the app hands them and say what the user picked (as
messages); the app does the loading, in workers, through the store.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from hark.store.library import TranscriptInfo
from hark.store.names import display_speakers
from hark.store.text import clean_line, format_time

from . import keys
from .lists import LineList, TypeThrough
from .views import TIME_MARKS, AnnotationView, HitView

SORTS = ("title", "date", "opened")


class Pane(Vertical):
    """A bordered pane with a number in its title; the app cycles them."""

    DEFAULT_CSS = """
    Pane { border: round $hark-border; background: $surface; }
    Pane:focus-within { border: round $primary; }
    Pane > Input { border: none; height: 1; padding: 0 1; background: $boost; }
    Pane > Input:focus { border: none; background: $primary 20%; }
    Pane > OptionList { border: none; height: 1fr; background: $surface; padding: 0;
        text-wrap: nowrap; text-overflow: ellipsis; }
    Pane > OptionList:focus { border: none; }
    Pane > .hint { color: $text-muted; padding: 0 1; height: auto; }
    """

    number = 0
    label = ""
    LIST = ""  # the selector of the pane's list

    def list_widget(self) -> OptionList | LineList:
        found = self.query_one(self.LIST)
        assert isinstance(found, (OptionList, LineList))
        return found

    def on_mount(self) -> None:
        self.border_title = f"{self.number} {self.label}"

    def focus_default(self) -> None:
        """Focus the pane's main widget at once (synchronously: keys typed
        right after must reach it, however fast they come)."""
        raise NotImplementedError

    def focus_filter(self) -> None:
        """Focus the pane's box with its old text selected, so typing
        replaces it (and an arrow key keeps it)."""
        box = self.query_one(Input)
        self.screen.set_focus(box)
        # Now, not on the Focus event: keys already on their way must not
        # land before the selection and then be selected themselves.
        box.select_all()

    def leave_box(self) -> None:
        """Escape in the box: back to the pane's list, the text kept."""
        self.screen.set_focus(self.list_widget())

    def empty_why(self) -> str:
        """Why the list is empty, in a few words (enter on it says so)."""
        return "Nothing here."

    def on_key(self, event: events.Key) -> None:
        box = self.query_one(Input)
        if not box.has_focus:
            return
        results = self.list_widget()
        if event.key == "escape":
            event.stop()
            self.leave_box()
        elif event.key == "down":
            event.stop()
            self.screen.set_focus(results)
            if results.option_count and results.highlighted is None:
                results.highlighted = 0


class PaneList:
    """What a pane's list does with its pane (mixed into FilterList and
    LibraryList): `/` goes to the pane's box, enter on an empty list says
    why it is empty."""

    parent: Any
    option_count: int

    def _pane(self) -> Pane | None:
        return self.parent if isinstance(self.parent, Pane) else None

    def action_focus_filter(self) -> None:
        pane = self._pane()
        if pane is not None:
            pane.focus_filter()

    def action_select(self) -> None:
        if self.option_count == 0:
            pane = self._pane()
            self.notify(pane.empty_why() if pane is not None else "Nothing here.", timeout=4)  # type: ignore[attr-defined]
            return
        super().action_select()  # type: ignore[misc]


class FilterList(PaneList, TypeThrough, OptionList):
    """An option list where j/k move and `/` goes to the pane's box. Other
    letters are keys, never the start of a filter (as in less and vim):
    typing "quick" here must not quit on its `q`."""

    BINDINGS = keys.FILTER_LIST

    async def _on_key(self, event: events.Key) -> None:
        if not self.typed_through(event):
            await super()._on_key(event)


class LibraryList(PaneList, LineList):
    """The Library's list: drawn line by line (5,000 transcripts cost what
    the screen shows), with FilterList's keys."""

    BINDINGS = keys.FILTER_LIST


# -- Library -----------------------------------------------------------------


class LibraryPane(Pane):
    number = 1
    label = "Library"
    LIST = "#library-list"

    BINDINGS = keys.LIBRARY

    class Opened(Message):
        def __init__(self, transcript_id: int) -> None:
            super().__init__()
            self.transcript_id = transcript_id

    def __init__(self) -> None:
        super().__init__(id="library")
        self.items: list[TranscriptInfo] = []
        self.read_only: str | None = None  # why the library cannot be changed, if it cannot
        self.annotation_counts: dict[int, int] = {}
        self.sort = "opened"
        self.compact = False  # one line per transcript (a short terminal)
        self.shown: list[TranscriptInfo] = []  # the items listed: sorted, filtered
        # Per transcript id: its title as shown (made once per set_items,
        # for sorting), then its speakers as shown and the lowercase text
        # the filter looks in (made when a row or the filter needs them).
        self._titles: dict[int, str] = {}
        self._words: dict[int, tuple[str, str]] = {}
        self._order: dict[str, list[TranscriptInfo]] = {}  # sort -> items in that order

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter (type)…", id="library-filter", select_on_focus=False)
        yield LibraryList(id="library-list")
        yield Static("", classes="hint", id="library-hint")

    def focus_default(self) -> None:
        self.screen.set_focus(self.query_one("#library-list"))

    def set_items(
        self,
        items: list[TranscriptInfo],
        counts: dict[int, int] | None = None,
        titles: dict[int, str] | None = None,
    ) -> None:
        """Show these transcripts (titles: library_titles(items), when a
        worker made it already)."""
        self.items = items
        self.annotation_counts = counts or {}
        self._titles = titles if titles is not None else library_titles(items)
        self._words = {}
        self._order = {}
        self.refilter()

    def set_compact(self, compact: bool) -> None:
        """One line per transcript instead of two (on a short terminal)."""
        if compact != self.compact:
            self.compact = compact
            self.refilter()

    def empty_why(self) -> str:
        needle = self.query_one("#library-filter", Input).value.strip()
        if not self.items:
            return str(self.query_one("#library-hint", Static).content)
        if needle:
            return f"No transcript matches “{needle}”: / to change the filter."
        return "Nothing here."

    def first(self) -> TranscriptInfo | None:
        items = self._sorted()
        return items[0] if items else None

    def chosen(self) -> TranscriptInfo | None:
        """The transcript under the list's highlight."""
        i = self.query_one(LibraryList).highlighted
        return self.shown[i] if i is not None and 0 <= i < len(self.shown) else None

    def _sorted(self) -> list[TranscriptInfo]:
        done = self._order.get(self.sort)
        if done is not None:
            return done
        title = {t.id: self._titles.get(t.id, "").lower() for t in self.items}
        if self.sort == "title":
            done = sorted(self.items, key=lambda t: (title[t.id], t.id))
        elif self.sort == "date":
            done = sorted(self.items, key=lambda t: (_date_of(t), t.id), reverse=True)
        else:
            opened = sorted((t for t in self.items if t.opened), key=lambda t: t.opened or "", reverse=True)
            rest = sorted((t for t in self.items if not t.opened), key=lambda t: (title[t.id], t.id))
            done = opened + rest
        self._order[self.sort] = done
        return done

    def refilter(self) -> None:
        needle = self.query_one("#library-filter", Input).value.strip().lower()
        ol = self.query_one(LibraryList)
        current = self.chosen()
        words = self._words_of
        shown = [t for t in self._sorted() if not needle or needle in words(t)[1]]
        self.shown = shown
        at = 0 if shown else None
        if current is not None:
            at = next((i for i, t in enumerate(shown) if t.id == current.id), at)
        ol.set_items(len(shown), self._item_text, self._item_id, 1 if self.compact else 2, at)
        hint = self.query_one("#library-hint", Static)
        if not self.items and self.read_only is not None:
            hint.update(Text(f"The library is empty and read-only\n({self.read_only}):\nnothing can be added here."))
        elif not self.items:
            hint.update(
                Text(
                    "The library is empty.\nImport transcripts with\n  hark import PATH…\n"
                    "or press D to add the sample library.",
                )
            )
        elif not shown:
            hint.update(Text(f"No transcript matches “{needle}” (of {len(self.items)}): / to change it."))
        else:
            count = f"{len(shown)} of {len(self.items)}" if needle else f"{len(self.items)}"
            hint.update(Text(f"{count} transcripts · sorted by {self.sort} (o)"))

    def _item_id(self, index: int) -> str:
        return str(self.shown[index].id)

    def _item_text(self, index: int) -> Text:
        # Made only for the rows on screen (LineList draws lazily).
        t = self.shown[index]
        return self._option_text(t, self._titles.get(t.id, ""), self._words_of(t)[0])

    def _words_of(self, t: TranscriptInfo) -> tuple[str, str]:
        """Its speakers as shown, and the lowercase text the filter looks in."""
        got = self._words.get(t.id)
        if got is None:
            title = self._titles.get(t.id, "")
            shown = display_speakers(t.speakers, t.metadata)  # the user's names for them
            speakers = ", ".join(clean_line(s) for s in shown[:3])
            got = self._words[t.id] = (speakers, f"{title}\n{' '.join([*shown, *t.speakers])}".lower())
        return got

    def _option_text(self, t: TranscriptInfo, title: str, speakers: str) -> Text:
        approx = TIME_MARKS.get(t.timing, "")
        line = Text(title, no_wrap=True, overflow="ellipsis")
        bits = [f"{approx}{format_time(t.duration)}"]
        if t.same_talk:  # the same talk as other transcripts here (c jumps between them)
            n = len(t.same_talk)
            bits.append("= 1 copy" if n == 1 else f"= {n} copies")
        date = _date_of(t)
        if date:
            bits.append(date[:10])
        n = self.annotation_counts.get(t.id, 0)
        if n:
            bits.append(f"✎{n}")
        if t.opened and t.segment_count:
            bits.append(f"{round(100 * (t.position + 1) / t.segment_count)}% read")
        detail = Text(" · ".join(bits), style="dim", no_wrap=True, overflow="ellipsis")
        if speakers:
            detail.append(f" · {speakers}", style="dim")
        if self.compact:
            # A short terminal: one line, the details after the title (cut
            # with an ellipsis where the pane ends).
            line.append("  ")
            line.append_text(detail)
            return line
        # Two lines per transcript, each cut with an ellipsis, never wrapped.
        return Text.assemble(line, "\n", detail, no_wrap=True, overflow="ellipsis")

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.refilter()
        self.notify(f"Library sorted by {self.sort}", timeout=2)

    @on(Input.Changed, "#library-filter")
    def _filter_changed(self) -> None:
        self.refilter()

    @on(Input.Submitted, "#library-filter")
    def _filter_submitted(self) -> None:
        t = self.chosen()
        if t is not None:
            self.post_message(self.Opened(t.id))
        else:
            self.notify(self.empty_why(), timeout=4)

    @on(LineList.Selected, "#library-list")
    def _selected(self, event: LineList.Selected) -> None:
        event.stop()
        if 0 <= event.index < len(self.shown):
            self.post_message(self.Opened(self.shown[event.index].id))


def library_titles(items: list[TranscriptInfo]) -> dict[int, str]:
    """Per transcript id: its title as the Library shows it (and sorts
    by). Plain work, so a worker can do it for a large library before the
    list is shown."""
    return {t.id: _shown_title(t.title) for t in items}


def _shown_title(title: str) -> str:
    """clean_line(title), without its work for a title that is clean
    already: printable (no escape, control or whitespace character but
    the space), no doubled, leading or trailing space."""
    if title.isprintable() and "  " not in title and title.strip() == title:
        return title
    return clean_line(title)


def _date_of(t: TranscriptInfo) -> str:
    d = t.metadata.get("date") if isinstance(t.metadata, dict) else None
    if isinstance(d, str) and d.strip():
        return d.strip()
    return t.imported


# -- Search ------------------------------------------------------------------


class SearchPane(Pane):
    number = 3
    label = "Search"
    LIST = "#search-results"

    BINDINGS = keys.SEARCH

    class Query(Message):
        def __init__(self, query: str, final: bool) -> None:
            super().__init__()
            self.query = query
            self.final = final

    class OpenHit(Message):
        def __init__(self, hit: HitView, hits: list[HitView]) -> None:
            super().__init__()
            self.hit = hit
            self.hits = hits

    def __init__(self) -> None:
        super().__init__(id="search")
        self.hits: list[HitView] = []
        self.last_query = ""

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder='search: words "a phrase" speaker:ann -not  (F1: help)', id="search-box", select_on_focus=False
        )
        yield Static("", classes="hint", id="search-hint")
        yield FilterList(id="search-results")

    def focus_default(self) -> None:
        self.focus_filter()

    def leave_box(self) -> None:
        # To the hits when there are some, else back to the reader.
        results = self.query_one("#search-results", OptionList)
        if results.option_count:
            self.screen.set_focus(results)
        else:
            self.app.action_focus_pane("reader")  # type: ignore[attr-defined]

    def empty_why(self) -> str:
        if not self.last_query.strip():
            return "No search yet: / to type one."
        return f"Nothing matches “{self.last_query.strip()}”: / to change the search."

    @on(Input.Changed, "#search-box")
    def _changed(self, event: Input.Changed) -> None:
        self.post_message(self.Query(event.value, final=False))

    @on(Input.Submitted, "#search-box")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.hits and event.value == self.last_query:
            self.post_message(self.OpenHit(self.hits[0], self.hits))
        else:
            self.post_message(self.Query(event.value, final=True))

    def show_results(
        self, query: str, hits: list[HitView], total: int, note: str | None, suggestion: str | None
    ) -> None:
        self.last_query = query
        self.hits = hits
        ol = self.query_one("#search-results", OptionList)
        options: list[Option] = []
        # Grouped by transcript, best transcript first: its title once.
        groups: dict[int, list[int]] = {}
        for i, h in enumerate(hits):
            groups.setdefault(h.transcript_id, []).append(i)
        for members in groups.values():
            first_hit = hits[members[0]]
            options.append(Option(_group_title(first_hit, len(members)), disabled=True))
            options.extend(Option(_hit_text(hits[i]), id=str(i)) for i in members)
        ol.set_options(options)
        first = next((k for k, o in enumerate(options) if not o.disabled), None)
        if first is not None:
            ol.highlighted = first
        hint = Text()
        if not query.strip():
            hint.append("Type to search the whole library.", style="dim")
        elif not hits:
            hint.append("No matches.", style="dim")
        else:
            hint.append(f"{total} match{'es' if total != 1 else ''}", style="dim")
            if total > len(hits):
                hint.append(f" (best {len(hits)} shown)", style="dim")
        if suggestion:
            hint.append("  Did you mean ")
            hint.append(suggestion, style="bold")
            hint.append("?")
        if note:
            hint.append(f"  {note}", style="italic")
        self.query_one("#search-hint", Static).update(hint)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.OpenHit(self.hits[int(event.option.id)], self.hits))

    def action_query_help(self) -> None:
        from .screens import QueryHelpScreen

        self.app.push_screen(QueryHelpScreen())


# Words kept before a hit's first match: enough to read it in context, few
# enough that the match shows in the 80-column layout's side column.
LEAD = 12


def _group_title(h: HitView, count: int) -> Text:
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(clean_line(h.title), style="bold")
    t.append(f"  {count}", style="dim")
    approx = TIME_MARKS.get(h.timing, "")
    if approx:
        t.append(f" {approx}", style="dim")
    return t


def _hit_text(h: HitView) -> Text:
    t = Text(no_wrap=False)
    approx = TIME_MARKS.get(h.timing, "")
    t.append(f"{approx}{format_time(h.start):>7} ", style="dim")
    if h.kind == "note":
        t.append("note: ", style="italic")
    elif h.speaker:
        t.append(f"{clean_line(h.speaker)}: ", style="bold")
    t.append_text(cut_snippet(h.snippet, h.marks))
    return t


def cut_snippet(snippet: str, marks: list[tuple[int, int]], lead: int = LEAD) -> Text:
    """The snippet from a little before its first match (at a word start,
    with `…`), the matches marked, so the match is on the visible line."""
    if not marks:
        return Text(" ".join(snippet.split()))
    first = min(a for a, _ in marks)
    start = 0
    if first > lead:
        # back from the match to the start of a word, at most `lead` chars
        start = snippet.find(" ", first - lead, first)
        start = first if start < 0 else start + 1
    shown = Text(("…" if start else "") + snippet[start:])
    shift = 1 if start else 0
    for a, b in marks:
        if b > start:
            shown.stylize("bold reverse", max(a, start) - start + shift, b - start + shift)
    return shown


# -- Annotations ---------------------------------------------------------------


class AnnotationsPane(Pane):
    number = 4
    label = "Annotations"
    LIST = "#annotations-list"

    BINDINGS = keys.ANNOTATIONS

    class Picked(Message):
        def __init__(self, annotation: AnnotationView, action: str) -> None:
            super().__init__()
            self.annotation = annotation
            self.action = action  # "open", "edit", "delete"

    class Undo(Message):
        pass

    class ScopeChanged(Message):
        pass

    def __init__(self) -> None:
        super().__init__(id="annotations")
        self.items: list[AnnotationView] = []
        self.whole_library = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter annotations…", id="annotations-filter", select_on_focus=False)
        yield FilterList(id="annotations-list")
        yield Static("", classes="hint", id="annotations-hint")

    def focus_default(self) -> None:
        self.screen.set_focus(self.query_one("#annotations-list"))

    def set_items(self, items: list[AnnotationView]) -> None:
        self.items = items
        self.refilter()

    def refilter(self) -> None:
        needle = self.query_one("#annotations-filter", Input).value.strip().lower()
        ol = self.query_one("#annotations-list", OptionList)
        options = []
        for i, a in enumerate(self.items):
            hay = " ".join([a.quote, a.note, " ".join(a.tags), a.title, a.author]).lower()
            if needle and needle not in hay:
                continue
            options.append(Option(_annotation_text(a, show_title=self.whole_library), id=str(i)))
        ol.set_options(options)
        if options:
            ol.highlighted = 0
        self.query_one("#annotations-hint", Static).update(Text(self._hint(len(options)), style="dim"))

    def _hint(self, shown: int) -> str:
        scope = "whole library" if self.whole_library else "this transcript"
        needle = self.query_one("#annotations-filter", Input).value.strip()
        if not self.items:
            return f"No annotations in {scope} (w). In the reader: v select, h highlight, a annotate."
        if not shown:
            return f"No annotation in {scope} matches “{needle}”: / to change the filter."
        return f"{shown} · {scope} (w) · e edit · d delete · u undo"

    def empty_why(self) -> str:
        return self._hint(self.query_one("#annotations-list", OptionList).option_count)

    def _current(self) -> AnnotationView | None:
        ol = self.query_one("#annotations-list", OptionList)
        if ol.highlighted_option is None or ol.highlighted_option.id is None:
            return None
        return self.items[int(ol.highlighted_option.id)]

    @on(OptionList.OptionSelected, "#annotations-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Picked(self.items[int(event.option.id)], "open"))

    @on(Input.Changed, "#annotations-filter")
    def _filter(self) -> None:
        self.refilter()

    @on(Input.Submitted, "#annotations-filter")
    def _filter_submitted(self) -> None:
        a = self._current()
        if a is not None:
            self.post_message(self.Picked(a, "open"))
        else:
            self.notify(self.empty_why(), timeout=4)

    def action_edit(self) -> None:
        a = self._current()
        if a is not None:
            self.post_message(self.Picked(a, "edit"))

    def action_delete(self) -> None:
        a = self._current()
        if a is not None:
            self.post_message(self.Picked(a, "delete"))

    def action_undo(self) -> None:
        self.post_message(self.Undo())

    def action_toggle_scope(self) -> None:
        self.whole_library = not self.whole_library
        self.post_message(self.ScopeChanged())


def _annotation_text(a: AnnotationView, *, show_title: bool) -> Text:
    """Two lines, each cut with an ellipsis: the quote with its time, then
    the note, tags and author."""
    colour = {"yellow": "yellow", "green": "green", "blue": "blue", "pink": "magenta"}.get(a.color, "yellow")
    first = Text()
    first.append("▌", style=colour)
    first.append(f"{format_time(a.start):>7} ", style="dim")
    if a.status == "orphaned":
        first.append("orphaned ", style="bold red")
    elif a.status == "moved":
        first.append("moved ", style="italic")
    if show_title:
        first.append(clean_line(a.title)[:40], style="bold")
        first.append(" ")
    first.append(f"“{clean_line(a.quote)}”")
    second = Text("  ")
    if a.note:
        second.append(clean_line(a.note), style="italic")
    extra = [f"#{clean_line(x)}" for x in a.tags if f"#{x}" not in a.note]
    if extra:
        second.append("  " + " ".join(extra), style="dim")
    if a.author:
        second.append(f"  — {clean_line(a.author)}", style="dim")
    return Text.assemble(first, "\n", second, no_wrap=True, overflow="ellipsis")
