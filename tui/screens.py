"""Modal screens: help (generated from the bindings), go to a time, the
query language, the annotation editor, and a yes/no question."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from . import keys
from .views import NoteDraft

QUERY_HELP = """\
words            every word must match (in any order): scaling laws
"a phrase"       the words in this order, even across caption lines
all-female       a hyphenated word: its parts as a phrase
a OR b           either word
-word, NOT word  leave out what has this word ("-\\"long horizon\\"" too)
agent*           words starting with agent
reliabilty~      close spellings as written (one edit; ~2 for two)
title:tides      in the title          speaker:efron   said by
tag:physics      tagged                format:srt      of a format
Words are matched by their stem and without accents: "scale" finds
"scaling", "cafe" finds "café". A query hark cannot read (an unbalanced
quote, a lone operator) is searched as plain words, with a note. While
you type, the last word is a prefix until a space or a pause (and after a
pause too when nothing says it whole).
"""


class HelpScreen(ModalScreen[None]):
    """Every key, by pane, generated from the live bindings (with the
    user's keymap applied), so it can never drift from them."""

    BINDINGS = keys.HELP
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; border: round $primary;
        background: $surface; padding: 0 1; }
    """

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll() as v:
            v.border_title = "Keys (escape to close)"
            for title, rows in self.sections:
                table = Table.grid(padding=(0, 2))
                # A row of several keys ("1 alt+1 / 2 alt+2 / ...") wraps rather than narrow the text.
                table.add_column(style="bold", min_width=14, max_width=20)
                table.add_column()
                for shortcut, description in rows:
                    table.add_row(Text(keys.key_label(shortcut)), Text(description))
                yield Static(Text(title, style="bold underline"))
                yield Static(table)
                yield Static("")
            yield Static(Text("Query language", style="bold underline"))
            yield Static(Text(QUERY_HELP))


class QueryHelpScreen(ModalScreen[None]):
    BINDINGS = keys.QUERY_HELP
    DEFAULT_CSS = """
    QueryHelpScreen { align: center middle; }
    QueryHelpScreen > Static { width: auto; max-width: 90%; border: round $primary; background: $surface;
        padding: 1 2; }
    """

    def compose(self) -> ComposeResult:
        s = Static(Text(QUERY_HELP))
        s.border_title = "Search queries (escape to close)"
        yield s


class JumpScreen(ModalScreen["str | None"]):
    """Ask for a time: 1:02:03, 62:03, 3723, +30s, -1m, 50%."""

    BINDINGS = keys.JUMP
    DEFAULT_CSS = """
    JumpScreen { align: center middle; }
    JumpScreen > Vertical { width: 56; height: auto; border: round $primary; background: $surface; padding: 0 1; }
    JumpScreen Input { margin: 1 0 0 0; }
    JumpScreen Label { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        with Vertical() as v:
            v.border_title = "Go to time"
            yield Input(placeholder="1:02:03  62:03  3723  +30s  -1m  50%", id="jump-input")
            yield Label("enter to go, escape to cancel")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AnnotationEditor(ModalScreen["NoteDraft | None"]):
    """A note, tags and a colour for a span. ctrl+s saves, escape closes.
    What was typed survives a failed save (the app reopens the editor with
    the same draft) and escape (the app keeps it as a draft for the span)."""

    BINDINGS = keys.EDITOR
    COLOURS = ("yellow", "green", "blue", "pink")
    DEFAULT_CSS = """
    AnnotationEditor { align: center middle; }
    AnnotationEditor > Vertical { width: 80%; max-width: 100; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1; }
    AnnotationEditor #quote { color: $text-muted; max-height: 4; }
    AnnotationEditor TextArea { height: 6; }
    AnnotationEditor Label { color: $text-muted; }
    """

    def __init__(self, quote: str, draft: NoteDraft | None = None, title: str = "Annotate") -> None:
        super().__init__()
        self.quote = quote
        self.draft = draft or NoteDraft()
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical() as v:
            v.border_title = self.heading
            yield Static(Text(f"“{self.quote[:400]}”"), id="quote")
            yield Label("note (#words become tags)")
            yield TextArea(self.draft.note, id="note", soft_wrap=True, show_line_numbers=False)
            yield Label("tags (space separated)")
            yield Input(self.draft.tags, id="tags")
            with Horizontal(classes="colour-row"):
                yield Label("", id="colour")
            yield Label("ctrl+s save · escape close (a draft is kept) · ctrl+o colour")

    def on_mount(self) -> None:
        self._show_colour()
        self.query_one("#note", TextArea).focus()

    def _show_colour(self) -> None:
        self.query_one("#colour", Label).update(Text(f"colour: {self.draft.color}", style="bold"))

    def current(self) -> NoteDraft:
        return NoteDraft(
            note=self.query_one("#note", TextArea).text,
            tags=self.query_one("#tags", Input).value,
            color=self.draft.color,
        )

    def action_color(self) -> None:
        i = self.COLOURS.index(self.draft.color) if self.draft.color in self.COLOURS else 0
        self.draft.color = self.COLOURS[(i + 1) % len(self.COLOURS)]
        self._show_colour()

    def action_save(self) -> None:
        self.dismiss(self.current())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = keys.CONFIRM
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Static { width: auto; max-width: 80%; border: round $warning; background: $surface; padding: 1 2; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        yield Static(Text(f"{self.question}\n\n[y] yes   [n] no"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
