"""The one-line dialog: a transcript's title, a speaker's name, a path to
export to or import from. Enter gives what is typed (empty too: for a
name, that means "the file's own"); escape gives None."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from . import keys


class AskScreen(ModalScreen["str | None"]):
    """Ask for one line, with `value` typed in already."""

    BINDINGS = keys.ASK
    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen > Vertical { width: 72; max-width: 95%; height: auto; border: round $primary;
        background: $surface; padding: 0 1; }
    AskScreen #ask-about { color: $text-muted; }
    AskScreen Input { margin: 1 0 0 0; }
    AskScreen Label { color: $text-muted; }
    """

    def __init__(
        self, heading: str, value: str = "", *, about: str = "", hint: str = "", placeholder: str = ""
    ) -> None:
        super().__init__()
        self.heading = heading
        self.value = value
        self.about = about
        self.hint = hint or "enter to save, escape to cancel"
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical() as v:
            v.border_title = self.heading
            if self.about:
                yield Static(Text(self.about), id="ask-about")
            yield Input(self.value, placeholder=self.placeholder, id="ask-input", select_on_focus=True)
            yield Label(self.hint)

    def on_mount(self) -> None:
        self.query_one("#ask-input", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
