"""Every key hark answers to: the bindings of each pane and dialog, the
help screen's rows generated from them, and the user's keymap.

The widgets take their BINDINGS from here, so the help can never drift from
them. A binding with an `id` can be given other keys in config.yaml::

    keymap:
      reader.next: l,down

`apply_keymap` hands the known ids to `App.set_keymap` and reports each
unknown one (with its file and line) as a one-line problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from textual.binding import Binding

from .yamlcheck import suggest

if TYPE_CHECKING:
    from textual.app import App

    from .config import Config

# -- the bindings ----------------------------------------------------------------

APP = [
    Binding("q", "quit", "Quit", id="app.quit"),
    Binding("question_mark", "help", "Help", id="app.help"),
    # priority: above the screen's own tab (focus next widget)
    Binding("tab", "cycle(1)", "Next pane", show=False, id="app.next_pane", priority=True),
    Binding("shift+tab", "cycle(-1)", "Previous pane", show=False, id="app.previous_pane", priority=True),
    # In a box the digits are typed (a filter "003", a year): alt+digit
    # switches from there too, as does escape then the digit.
    Binding("1,alt+1", "focus_pane('library')", "Library", show=False, id="app.focus_library"),
    Binding("2,alt+2", "focus_pane('reader')", "Reader", show=False, id="app.focus_reader"),
    Binding("3,alt+3", "focus_pane('search')", "Search", show=False, id="app.focus_search"),
    Binding("4,alt+4", "focus_pane('annotations')", "Annotations", show=False, id="app.focus_annotations"),
    # `/` finds in what has focus (the reader, a list's filter); here, in the
    # other panes, it is the library's search, as 3 and S are from anywhere.
    Binding("slash", "search", "Search", id="app.search"),
    Binding("S", "search", "Search the library", show=False, id="app.search_library"),
    Binding("T", "change_theme", "Theme", show=False, id="app.theme"),
    Binding("D", "add_samples", "Add samples", show=False, id="app.add_samples"),
    Binding("z", "zoom", "Reader full screen", show=False, id="app.zoom"),
]

# The lists in the side panes: j/k move, `/` goes to the pane's box
# (letters alone never start a filter).
FILTER_LIST = [
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
    Binding("slash", "focus_filter", "Filter", show=False),
]

LIBRARY = [
    Binding("o", "sort", "Sort", id="library.sort"),
    Binding("r", "app.rename_transcript", "Rename (your title)", show=False, id="library.rename"),
]

READER = [
    Binding("j,down", "cursor(1)", "Next", show=False, id="reader.next"),
    Binding("k,up", "cursor(-1)", "Previous", show=False, id="reader.previous"),
    Binding("ctrl+d,pagedown", "half_page(1)", "½ page down", show=False, id="reader.half_down"),
    Binding("ctrl+u,pageup", "half_page(-1)", "½ page up", show=False, id="reader.half_up"),
    Binding("ctrl+f", "page(1)", "Page down", show=False, id="reader.page_down"),
    Binding("ctrl+b", "page(-1)", "Page up", show=False, id="reader.page_up"),
    Binding("right_curly_bracket", "passage(1)", "Next passage", show=False, id="reader.next_passage"),
    Binding("left_curly_bracket", "passage(-1)", "Previous passage", show=False, id="reader.previous_passage"),
    Binding("slash", "app.find", "Find", id="reader.find"),
    Binding("g,home", "start", "Start", show=False, id="reader.start"),
    Binding("G,end", "end", "End", show=False, id="reader.end"),
    Binding("n", "hit(1)", "Next hit", show=False, id="reader.next_hit"),
    Binding("N", "hit(-1)", "Prev hit", show=False, id="reader.previous_hit"),
    Binding("ctrl+o", "app.jump_back", "Back to before the last jump", show=False, id="reader.jump_back"),
    Binding("ctrl+n", "app.jump_forward", "Forward again (after ctrl+o)", show=False, id="reader.jump_forward"),
    Binding("t", "app.jump", "Go to time", id="reader.jump"),
    Binding("space", "app.play_pause", "Play/pause", id="reader.play"),
    Binding("left_square_bracket", "app.speed(-1)", "Slower", show=False, id="reader.slower"),
    Binding("right_square_bracket", "app.speed(1)", "Faster", show=False, id="reader.faster"),
    Binding("f", "app.follow", "Follow", show=False, id="reader.follow"),
    Binding("enter", "app.playhead_here", "Playhead here", show=False, id="reader.playhead_here"),
    Binding("v", "select", "Select", show=False, id="reader.select"),
    Binding("escape", "clear_selection", "Clear selection", show=False, id="reader.clear_selection"),
    Binding("a", "app.annotate", "Annotate", id="reader.annotate"),
    Binding("h", "app.highlight", "Highlight", show=False, id="reader.highlight"),
    Binding("y", "app.copy_quote", "Copy", show=False, id="reader.copy"),
    Binding("s", "toggle_aside", "Set-aside text", show=False, id="reader.toggle_aside"),
    Binding("p", "app.player", "Player (mpv)", show=False, id="reader.player"),
    Binding("o", "app.open_link", "Link to this moment", show=False, id="reader.link"),
    Binding("r", "app.rename_speaker", "Name the speaker", show=False, id="reader.rename_speaker"),
    # copies of the same talk (tui/copying.py)
    Binding("c", "app.other_copy", "Same moment in the other copy", show=False, id="reader.other_copy"),
    Binding("A", "app.align_copy", "Align times from the timed copy", show=False, id="reader.align_copy"),
]

SEARCH = [Binding("f1", "query_help", "Query help", id="search.help")]

# The reader's find box (tui/finding.py); enter finds, typing finds as you type.
FIND = [Binding("escape", "cancel", "Back to the reader where it was", show=False)]

ANNOTATIONS = [
    Binding("e", "edit", "Edit", id="annotations.edit"),
    Binding("d", "delete", "Delete", id="annotations.delete"),
    Binding("u", "undo", "Undo delete", id="annotations.undo"),
    Binding("w", "toggle_scope", "This/all", id="annotations.scope"),
]

EDITOR = [
    Binding("ctrl+s", "save", "Save", priority=True),
    Binding("escape", "cancel", "Close (keeps a draft)", priority=True),
    Binding("ctrl+o", "color", "Colour", priority=True),
]

HELP = [Binding("escape,q,question_mark", "dismiss", "Close")]
QUERY_HELP = [Binding("escape,q,f1", "dismiss", "Close")]
JUMP = [Binding("escape", "cancel", "Cancel")]
ASK = [Binding("escape", "cancel", "Cancel")]  # the one-line dialog (tui/rename.py)
CONFIRM = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

# -- the help screen ---------------------------------------------------------------

# The help screen's sections, in order, with the bindings each shows.
SECTIONS: list[tuple[str, list[Binding]]] = [
    ("Everywhere", APP),
    ("Library", [*FILTER_LIST, *LIBRARY]),
    ("Reader", READER),
    ("Find in the reader", FIND),
    ("Search", SEARCH),
    ("Annotations", ANNOTATIONS),
    ("Annotation editor", EDITOR),
]

# Keys that are not bindings (typing, enter in a list, the palette).
EXTRA_HELP = {
    "Everywhere": [("ctrl+p", "command palette"), ("escape", "from a box back to its list (the text kept)")],
    "Library": [("enter", "open the transcript"), ("/ then typing", "filter by title or speaker")],
    "Find in the reader": [
        ("typing", "find as you type (the Search pane's query language)"),
        ("enter", "go to the match; n N move on"),
    ],
    "Search": [
        ("typing", "search as you type"),
        ("enter", "open the best hit (in the box) or the hit under the cursor"),
        ("down", "from the box to the hits"),
        ("escape", "from the box to the hits (or the reader)"),
        ("j k", "move through the hits"),
    ],
    "Annotations": [("enter", "jump to its moment"), ("/ then typing", "filter")],
}

_KEY_NAMES = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "question_mark": "?",
    "slash": "/",
    "space": "space",
}


def help_sections(keymap: Mapping[str, str] | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every key by pane, from the bindings with the user's keymap applied:
    (section title, [(keys, what it does)])."""
    keymap = dict(keymap or {})
    sections = []
    for title, bindings in SECTIONS:
        rows = []
        for b in bindings:
            keys = keymap.get(b.id, b.key) if getattr(b, "id", None) else b.key
            rows.append((keys, b.description or b.action))
        rows += EXTRA_HELP.get(title, [])
        sections.append((title, rows))
    return sections


def key_label(keys: str) -> str:
    """Textual's key names as a person types them: `left_square_bracket` is `[`."""
    return " ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


# -- the keymap ---------------------------------------------------------------------


def binding_ids() -> set[str]:
    """The ids a keymap may name."""
    return {b.id for _, bs in SECTIONS for b in bs if getattr(b, "id", None)}


def validate_keymap(
    keymap: Mapping[str, str], known_ids: Iterable[str], where: Mapping[str, str] | None = None
) -> list[str]:
    """One message per binding id in the keymap that no binding has.

    `where` maps ids to `file:line` (Config.keymap_where) for the message."""
    known = sorted(set(known_ids))
    where = where or {}
    out = []
    for binding in keymap:
        if binding not in known:
            at = where.get(binding, "config.yaml")
            out.append(f"{at}: keymap: no binding {binding!r}{suggest(binding, known)} (ignored)")
    return out


def apply_keymap(app: App, config: Config) -> list[str]:
    """Give the bindings the config's keys; the problems, one line each."""
    keymap = dict(getattr(config, "keymap", {}) or {})
    if not keymap:
        return []
    ids = binding_ids()
    problems = validate_keymap(keymap, ids, getattr(config, "keymap_where", None))
    app.set_keymap({k: v for k, v in keymap.items() if k in ids})
    return problems
