"""Every key hark answers to: the bindings of each pane and dialog, the
help screen's rows and the README's key table generated from them, and the
user's keymap.

The widgets take their BINDINGS from here, so the help can never drift from
them; `python -m hark.tui.keys` writes the README's table between its
`<!-- keys:start -->` and `<!-- keys:end -->` marks, and a test fails when
the README's differs (tests/app/test_readme_keys.py). A binding with an `id` can be given other keys in config.yaml::

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
#
# A binding's `description` is its word in the footer and the palette; its
# `tooltip`, when it has one, is the longer line of the help screen and the
# README's key table. Bindings of one `Binding.Group` that follow each other
# make one row ("`tab` / `shift+tab`: next / previous pane"); the groups are
# on bindings the footer does not show, so the footer is unchanged.

_PANES = Binding.Group(
    "the Library / Reader / Search / Annotations pane: `1`-`4` from a list or the reader;"
    " `alt+1`-`alt+4` from anywhere, a text box too (where digits are typed: a filter's `003`, a year),"
    " or `escape` then the digit"
)

APP = [
    Binding("q", "quit", "Quit", id="app.quit", tooltip="quit"),
    Binding("question_mark", "help", "Help", id="app.help", tooltip="help: every key, by pane"),
    # priority: above the screen's own tab (focus next widget), so it leaves a box too
    Binding(
        "tab",
        "cycle(1)",
        "Next pane",
        show=False,
        id="app.next_pane",
        priority=True,
        group=Binding.Group("next / previous pane (from a text box too)"),
    ),
    Binding(
        "shift+tab",
        "cycle(-1)",
        "Previous pane",
        show=False,
        id="app.previous_pane",
        priority=True,
        group=Binding.Group("next / previous pane (from a text box too)"),
    ),
    # In a box the digits are typed (a filter "003", a year): alt+digit
    # switches from there too, as does escape then the digit.
    Binding("1,alt+1", "focus_pane('library')", "Library", show=False, id="app.focus_library", group=_PANES),
    Binding("2,alt+2", "focus_pane('reader')", "Reader", show=False, id="app.focus_reader", group=_PANES),
    Binding("3,alt+3", "focus_pane('search')", "Search", show=False, id="app.focus_search", group=_PANES),
    Binding(
        "4,alt+4", "focus_pane('annotations')", "Annotations", show=False, id="app.focus_annotations", group=_PANES
    ),
    # `/` finds in what has focus (the reader, a list's filter); here, in the
    # other panes, it is the library's search, as 3 and S are from anywhere.
    Binding(
        "slash",
        "search",
        "Search",
        id="app.search",
        tooltip="search the library, where `/` finds nothing else (in a list it filters, in the reader it finds)",
    ),
    Binding("S", "search", "Search the library", show=False, id="app.search_library", tooltip="search the library"),
    Binding("T", "change_theme", "Theme", show=False, id="app.theme", tooltip="choose a theme (remembered)"),
    Binding(
        "D",
        "add_samples",
        "Add samples",
        show=False,
        id="app.add_samples",
        tooltip="add the sample library (to an empty library)",
    ),
    Binding(
        "z",
        "zoom",
        "Reader full screen",
        show=False,
        id="app.zoom",
        tooltip="the reader has the whole screen, and back",
    ),
]

# The lists in the side panes: j/k move, `/` goes to the pane's box
# (letters alone never start a filter).
_MOVE = Binding.Group("down / up (the arrows too)")
FILTER_LIST = [
    Binding("j", "cursor_down", "Down", show=False, group=_MOVE),
    Binding("k", "cursor_up", "Up", show=False, group=_MOVE),
    Binding(
        "slash",
        "focus_filter",
        "Filter",
        show=False,
        tooltip="to the filter, its old text selected (typing replaces it); letters alone are keys, never a filter",
    ),
]

LIBRARY = [
    Binding("o", "sort", "Sort", id="library.sort", tooltip="sort by last opened, title or date"),
    Binding(
        "r",
        "app.rename_transcript",
        "Rename (your title)",
        show=False,
        id="library.rename",
        tooltip="rename the transcript under the cursor (empty: back to the file's own title)",
    ),
]

_SEGMENT = Binding.Group("next / previous segment")
_HALF = Binding.Group("half a page down / up")
_PAGE = Binding.Group("a page down / up (as in less and vim)")
_PASSAGE = Binding.Group("the next passage / the start of this one, then the one before")
_ENDS = Binding.Group("start / end")
_HIT = Binding.Group("next / previous match of the find (opening a library hit makes its query the find)")
_JUMPS = Binding.Group(
    "back to before the last jump (a hit, an annotation, `t`, `g`, `G`, `n`, a find, another transcript),"
    " and again before that / forward again"
)
_SPEED = Binding.Group("slower / faster (0.5x to 3x)")

READER = [
    Binding("j,down", "cursor(1)", "Next", show=False, id="reader.next", group=_SEGMENT),
    Binding("k,up", "cursor(-1)", "Previous", show=False, id="reader.previous", group=_SEGMENT),
    Binding("ctrl+d,pagedown", "half_page(1)", "½ page down", show=False, id="reader.half_down", group=_HALF),
    Binding("ctrl+u,pageup", "half_page(-1)", "½ page up", show=False, id="reader.half_up", group=_HALF),
    Binding("ctrl+f", "page(1)", "Page down", show=False, id="reader.page_down", group=_PAGE),
    Binding("ctrl+b", "page(-1)", "Page up", show=False, id="reader.page_up", group=_PAGE),
    Binding("right_curly_bracket", "passage(1)", "Next passage", show=False, id="reader.next_passage", group=_PASSAGE),
    Binding(
        "left_curly_bracket",
        "passage(-1)",
        "Previous passage",
        show=False,
        id="reader.previous_passage",
        group=_PASSAGE,
    ),
    Binding(
        "slash",
        "app.find",
        "Find",
        id="reader.find",
        tooltip="find in this transcript as you type, in the search's query language: the matches marked in the"
        " text and on the strip, `3/17` on the status line; `enter` goes to the match, `escape` back to where"
        " you were (the text kept)",
    ),
    Binding("g,home", "start", "Start", show=False, id="reader.start", group=_ENDS),
    Binding("G,end", "end", "End", show=False, id="reader.end", group=_ENDS),
    Binding("n", "hit(1)", "Next hit", show=False, id="reader.next_hit", group=_HIT),
    Binding("N", "hit(-1)", "Prev hit", show=False, id="reader.previous_hit", group=_HIT),
    Binding("ctrl+o", "app.jump_back", "Back to before the last jump", show=False, id="reader.jump_back", group=_JUMPS),
    Binding(
        "ctrl+n", "app.jump_forward", "Forward again (after ctrl+o)", show=False, id="reader.jump_forward", group=_JUMPS
    ),
    Binding(
        "t",
        "app.jump",
        "Go to time",
        id="reader.jump",
        tooltip="go to a time: `1:02:03`, `62:03`, `3723`, `+30s`, `-1m`, `50%`",
    ),
    Binding("space", "app.play_pause", "Play/pause", id="reader.play", tooltip="play / pause the playhead"),
    Binding("left_square_bracket", "app.speed(-1)", "Slower", show=False, id="reader.slower", group=_SPEED),
    Binding("right_square_bracket", "app.speed(1)", "Faster", show=False, id="reader.faster", group=_SPEED),
    Binding(
        "f",
        "app.follow",
        "Follow",
        show=False,
        id="reader.follow",
        tooltip="follow the playhead again after looking elsewhere",
    ),
    Binding(
        "enter",
        "app.playhead_here",
        "Playhead here",
        show=False,
        id="reader.playhead_here",
        tooltip="put the playhead here",
    ),
    Binding("v", "select", "Select", show=False, id="reader.select", tooltip="start / end a selection"),
    Binding(
        "escape",
        "clear_selection",
        "Clear selection",
        show=False,
        id="reader.clear_selection",
        tooltip="clear the selection",
    ),
    Binding(
        "a", "app.annotate", "Annotate", id="reader.annotate", tooltip="annotate the selection or the current segment"
    ),
    Binding(
        "h", "app.highlight", "Highlight", show=False, id="reader.highlight", tooltip="highlight it without a note"
    ),
    Binding(
        "y", "app.copy_quote", "Copy", show=False, id="reader.copy", tooltip="copy the quote with its time (and a link)"
    ),
    Binding(
        "s",
        "toggle_aside",
        "Set-aside text",
        show=False,
        id="reader.toggle_aside",
        tooltip="show the text set aside at import (page chrome, log lines)",
    ),
    Binding(
        "p",
        "app.player",
        "Player (mpv)",
        show=False,
        id="reader.player",
        tooltip="play the media in mpv, which then drives the playhead; `p` again closes it",
    ),
    Binding(
        "o",
        "app.open_link",
        "Link to this moment",
        show=False,
        id="reader.link",
        tooltip="copy the link to this moment (opens a browser on a local display)",
    ),
    Binding(
        "r",
        "app.rename_speaker",
        "Name the speaker",
        show=False,
        id="reader.rename_speaker",
        tooltip="name the speaker under the cursor (`SPEAKER_00` → `Ann Lee`), everywhere it speaks",
    ),
    # copies of the same talk (tui/copying.py)
    Binding(
        "c",
        "app.other_copy",
        "Same moment in the other copy",
        show=False,
        id="reader.other_copy",
        tooltip="the same moment in another copy of this talk (`c` again comes back)",
    ),
    Binding(
        "A",
        "app.align_copy",
        "Align times from the timed copy",
        show=False,
        id="reader.align_copy",
        tooltip="give this untimed copy the exact times of its timed copy (`hark align`)",
    ),
]

SEARCH = [Binding("f1", "query_help", "Query help", id="search.help", tooltip="the query language")]

# The reader's find box (tui/finding.py); enter finds, typing finds as you type.
FIND = [
    Binding(
        "escape",
        "cancel",
        "Back to the reader where it was",
        show=False,
        tooltip="back to the reader where it was (the text kept)",
    )
]

ANNOTATIONS = [
    Binding("e", "edit", "Edit", id="annotations.edit", tooltip="edit its note, tags and colour"),
    Binding("d", "delete", "Delete", id="annotations.delete", tooltip="delete it"),
    Binding("u", "undo", "Undo delete", id="annotations.undo", tooltip="undo the delete"),
    Binding("w", "toggle_scope", "This/all", id="annotations.scope", tooltip="this transcript or the whole library"),
]

EDITOR = [
    Binding("ctrl+s", "save", "Save", priority=True, tooltip="save"),
    Binding(
        "escape",
        "cancel",
        "Close (keeps a draft)",
        priority=True,
        tooltip="close, keeping the note as a draft (it comes back when opened again on the same span)",
    ),
    Binding("ctrl+o", "color", "Colour", priority=True, tooltip="the next colour"),
]

HELP = [Binding("escape,q,question_mark", "dismiss", "Close")]
QUERY_HELP = [Binding("escape,q,f1", "dismiss", "Close")]
JUMP = [Binding("escape", "cancel", "Cancel")]
ASK = [Binding("escape", "cancel", "Cancel")]  # the one-line dialog (tui/rename.py)
CONFIRM = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

# -- the help screen and the README's key table -------------------------------------

# The help screen's sections, in order, with the bindings each shows (the
# README's table has the same rows, the section in its "where" column).
SECTIONS: list[tuple[str, list[Binding]]] = [
    ("Everywhere", APP),
    ("Library", [*FILTER_LIST, *LIBRARY]),
    ("Reader", READER),
    ("Find in the reader", FIND),
    ("Search", SEARCH),
    ("Annotations", [*FILTER_LIST, *ANNOTATIONS]),
    ("Annotation editor", EDITOR),
]

# Keys that are not bindings (typing, enter in a list, the palette), in the
# bindings' key syntax: "," between keys that do the same, " / " between
# keys of one row, and plain words (_WORDS) among them.
EXTRA_HELP = {
    "Everywhere": [
        ("ctrl+p", "command palette"),
        (
            "escape",
            "from a text box back to its list, the text kept (the Search box: to the hits, or the reader when"
            " there are none)",
        ),
        ("down", "from a filter into its list"),
    ],
    "Library": [("enter", "open the transcript"), ("slash then typing", "filter by title or speaker")],
    "Find in the reader": [
        ("typing", "find as you type (the Search pane's query language)"),
        ("enter", "go to the match; `n` `N` move on"),
    ],
    "Search": [
        ("typing", "search as you type"),
        ("enter", "open the best hit (in the box) or the hit under the cursor"),
        ("down", "from the box to the hits"),
        ("escape", "from the box to the hits (or the reader)"),
        ("j,k", "move through the hits"),
    ],
    "Annotations": [("enter", "jump to its moment"), ("slash then typing", "filter")],
}

_WORDS = {"then", "typing"}  # words among the keys, not keys

_KEY_NAMES = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "f1": "F1",
}


def _rows(title: str, bindings: list[Binding], keymap: Mapping[str, str]) -> list[tuple[str, str]]:
    """A section's rows, (keys, what): one per binding, or per run of
    bindings in one group (their keys joined by " / ")."""
    rows: list[tuple[str, str]] = []
    group = None
    for b in bindings:
        keys = keymap.get(b.id, b.key) if b.id else b.key
        if b.group is not None and b.group == group:
            rows[-1] = (f"{rows[-1][0]} / {keys}", rows[-1][1])
            continue
        group = b.group
        rows.append((keys, b.group.description if b.group else b.tooltip or b.description or b.action))
    return rows + EXTRA_HELP.get(title, [])


def help_sections(keymap: Mapping[str, str] | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every key by pane, from the bindings with the user's keymap applied:
    (section title, [(keys, what it does)]); `key_label` shows the keys."""
    keymap = dict(keymap or {})
    # The help screen is plain text: the README's `code` marks go.
    return [(t, [(k, what.replace("`", "")) for k, what in _rows(t, bs, keymap)]) for t, bs in SECTIONS]


def _show_keys(keys: str, code: bool) -> str:
    def one(word: str) -> str:
        if word in _WORDS:
            return word
        name = _KEY_NAMES.get(word, word)
        return f"`{name}`" if code else name

    return " / ".join(
        " ".join(one(w) for alt in member.split(",") for w in alt.split()) for member in keys.split(" / ")
    )


def key_label(keys: str) -> str:
    """Textual's key names as a person types them: `left_square_bracket` is `[`."""
    return _show_keys(keys, code=False)


README_START = "<!-- keys:start -->"
README_END = "<!-- keys:end -->"


def markdown_table() -> str:
    """The README's key table: every row of the help screen (the default
    keys), the section in the "where" column."""
    out = [
        "<!-- generated from the bindings in tui/keys.py by `python -m hark.tui.keys`: edit those, not this -->",
        "",
        "| key | where | what |",
        "| --- | --- | --- |",
    ]
    for title, bindings in SECTIONS:
        for keys, what in _rows(title, bindings, {}):
            cells = (_show_keys(keys, code=True), title, what.replace("|", r"\|"))  # a | would end the cell
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def readme_table(readme: str) -> str | None:
    """What is between the README's key markers (None: no markers)."""
    a, b = readme.find(README_START), readme.find(README_END)
    if a < 0 or b < a:
        return None
    return readme[a + len(README_START) : b].strip("\n") + "\n"


def with_table(readme: str) -> str:
    """The README with the table between its markers made from the bindings."""
    if readme_table(readme) is None:
        raise ValueError(f"no {README_START} ... {README_END} in the README")
    a, b = readme.find(README_START), readme.find(README_END)
    return readme[: a + len(README_START)] + "\n" + markdown_table() + readme[b:]


# -- the keymap ---------------------------------------------------------------------


def binding_ids() -> set[str]:
    """The ids a keymap may name."""
    return {b.id for _, bs in SECTIONS for b in bs if b.id}


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


# -- `python -m hark.tui.keys` --------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Write the key table into the README (`--check`: say whether it is
    current, exit 1 when not). The README is the repository's, or a path."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m hark.tui.keys", description=main.__doc__)
    parser.add_argument("readme", nargs="?", type=Path, default=Path(__file__).resolve().parents[1] / "README.md")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    try:
        text = args.readme.read_text(encoding="utf-8")
        new = with_table(text)
    except (OSError, ValueError) as e:
        print(f"{args.readme}: {e}")
        return 2
    if new == text:
        print(f"{args.readme}: the key table is current")
        return 0
    if args.check:
        print(f"{args.readme}: the key table differs from the bindings (python -m hark.tui.keys writes it)")
        return 1
    args.readme.write_text(new, encoding="utf-8")
    print(f"{args.readme}: the key table written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
