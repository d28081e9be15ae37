"""tui/keys.py: one list of bindings per pane, which the widgets use and
the help screen and the keymap are made from."""

from __future__ import annotations

from hark.tui import keys
from hark.tui.app import HarkApp
from hark.tui.panes import AnnotationsPane, FilterList, LibraryPane, SearchPane
from hark.tui.reader import Reader
from hark.tui.screens import AnnotationEditor


def test_the_widgets_take_their_bindings_from_keys():
    assert HarkApp.BINDINGS is keys.APP
    assert Reader.BINDINGS is keys.READER
    assert FilterList.BINDINGS is keys.FILTER_LIST
    assert LibraryPane.BINDINGS is keys.LIBRARY
    assert SearchPane.BINDINGS is keys.SEARCH
    assert AnnotationsPane.BINDINGS is keys.ANNOTATIONS
    assert AnnotationEditor.BINDINGS is keys.EDITOR


def test_every_binding_id_is_unique_and_named_after_its_pane():
    ids = [b.id for _, bs in keys.SECTIONS for b in bs if b.id]
    assert len(ids) == len(set(ids)) == len(keys.binding_ids())
    assert {i.split(".")[0] for i in ids} == {"app", "library", "reader", "search", "annotations"}


def test_help_rows_follow_the_keymap_and_show_keys_as_typed():
    plain = dict(keys.help_sections())
    assert ("j,down / k,up", "next / previous segment") in plain["Reader"]
    assert ("ctrl+p", "command palette") in plain["Everywhere"]
    mapped = dict(keys.help_sections({"reader.next": "l"}))
    assert ("l / k,up", "next / previous segment") in mapped["Reader"]
    assert ("j,down / k,up", "next / previous segment") not in mapped["Reader"]
    assert list(mapped) == [t for t, _ in keys.SECTIONS]
    assert keys.key_label("left_square_bracket") == "["
    assert keys.key_label("escape,q,question_mark") == "escape q ?"
    assert keys.key_label("j,down / k,up") == "j down / k up"
