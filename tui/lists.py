"""Lists in the side panes: keys typed through to a box, and a list drawn
line by line.

`LineList` is a ScrollView with Textual's Line API (as the reader is): every
item has the same height, so where an item is on screen is arithmetic, and
`render_line` builds only the items shown. A library of 5,000 transcripts is
one list of 5,000 references, not 5,000 rendered options (an OptionList
measures every option before it draws the first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input
from textual.widgets.option_list import Option


class TypeThrough:
    """A list where keys typed faster than frames, after a key moved focus
    to a box (`/` then a query), still reach that box."""

    app: object

    def typed_through(self, event: events.Key) -> bool:
        """Put a printable key into the focused box if it belongs there;
        whether it did."""
        ch = event.character
        focused = self.app.focused  # type: ignore[attr-defined]
        if focused is not self and isinstance(focused, Input) and ch and ch.isprintable():
            event.stop()
            event.prevent_default()
            if focused.selection.is_empty:
                focused.insert_text_at_cursor(ch)
            else:
                focused.replace(ch, *focused.selection)
            return True
        return False


class LineList(TypeThrough, ScrollView, can_focus=True):
    """A list of `count` items of `item_height` lines each, drawn from
    `render_item(index)` (a Text, one line per item line) only for the
    items on screen. Says `Selected(index)` on enter or a click; keeps the
    OptionList's names (highlighted, option_count, get_option_at_index)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page Down", show=False),
        Binding("pageup", "page_up", "Page Up", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-list--option-highlighted"}

    # The OptionList's look: the highlight as a block cursor, dimmer when
    # the list does not have focus.
    DEFAULT_CSS = """
    LineList {
        height: 1fr;
        color: $foreground;
        overflow-x: hidden;
        background: $surface;
        & > .line-list--option-highlighted {
            color: $foreground;
            background: $block-cursor-blurred-background;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .line-list--option-highlighted {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    highlighted: reactive[int | None] = reactive(None, always_update=True, init=False)

    class Selected(Message):
        def __init__(self, line_list: LineList, index: int) -> None:
            super().__init__()
            self.line_list = line_list
            self.index = index

        @property
        def control(self) -> LineList:
            return self.line_list

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.count = 0
        self.item_height = 1
        self._render: Callable[[int], Text] = lambda index: Text("")
        self._ids: Callable[[int], str | None] = lambda index: None
        self._cache: dict[tuple[int, int, int, bool], Strip] = {}

    # -- content ---------------------------------------------------------------

    def set_items(
        self,
        count: int,
        render_item: Callable[[int], Text],
        item_id: Callable[[int], str | None],
        item_height: int = 1,
        highlighted: int | None = None,
    ) -> None:
        """Show `count` items, drawn by render_item when on screen; the
        highlight on `highlighted` (None: none)."""
        self.count = count
        self.item_height = max(1, item_height)
        self._render = render_item
        self._ids = item_id
        self._cache.clear()
        self._resize_virtual()
        self.set_reactive(LineList.highlighted, highlighted if highlighted is not None and count else None)
        self.scroll_to_highlight()
        self.refresh()

    @property
    def option_count(self) -> int:
        return self.count

    def get_option_at_index(self, index: int) -> Option:
        """The item as an Option (its prompt and id), made on demand."""
        if not 0 <= index < self.count:
            raise IndexError(index)
        return Option(self._render(index), id=self._ids(index))

    @property
    def highlighted_option(self) -> Option | None:
        i = self.highlighted
        return self.get_option_at_index(i) if i is not None and 0 <= i < self.count else None

    def _resize_virtual(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.count * self.item_height)

    # -- moving ----------------------------------------------------------------

    def validate_highlighted(self, value: int | None) -> int | None:
        if value is None or not self.count:
            return None
        return max(0, min(value, self.count - 1))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for index in (old, new):
            if index is not None:
                self._forget(index)
        self.scroll_to_highlight()

    def _forget(self, index: int) -> None:
        for key in [k for k in self._cache if k[0] == index]:
            del self._cache[key]
        top = index * self.item_height - self.scroll_offset.y
        if -self.item_height < top < self.size.height:
            self.refresh_lines(max(0, top), self.item_height)

    def scroll_to_highlight(self) -> None:
        i = self.highlighted
        if i is None or not self.is_mounted or not self.size.height:
            return
        self.scroll_to_region(
            Region(0, i * self.item_height, max(1, self.size.width), self.item_height),
            animate=False,
            force=True,
            immediate=True,
        )

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height // self.item_height)

    def _move(self, to: int) -> None:
        if self.count:
            self.highlighted = to

    # Up and down go round the ends, as in an OptionList; pages stop there.
    def action_cursor_down(self) -> None:
        self._move(0 if self.highlighted is None else (self.highlighted + 1) % max(1, self.count))

    def action_cursor_up(self) -> None:
        self._move(self.count - 1 if self.highlighted is None else (self.highlighted - 1) % max(1, self.count))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(self.count - 1)

    def action_page_down(self) -> None:
        self._move(self.count - 1 if self.highlighted is None else self.highlighted + self._page())

    def action_page_up(self) -> None:
        self._move(0 if self.highlighted is None else self.highlighted - self._page())

    def action_select(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Selected(self, self.highlighted))

    async def _on_key(self, event: events.Key) -> None:
        if not self.typed_through(event):
            await super()._on_key(event)

    def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (offset.y + self.scroll_offset.y) // self.item_height
        if 0 <= index < self.count:
            self.highlighted = index
            self.action_select()

    # -- drawing ---------------------------------------------------------------

    def on_resize(self) -> None:
        self._resize_virtual()
        self.scroll_to_highlight()

    def _on_focus(self, event: events.Focus) -> None:
        self._cache.clear()  # the highlight's look depends on focus
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self._cache.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = self.scroll_offset.y + y
        index, part = divmod(line, self.item_height)
        if width <= 0 or index >= self.count:
            return Strip.blank(width, self.rich_style)
        key = (index, part, width, index == self.highlighted)
        strip = self._cache.get(key)
        if strip is None:
            if len(self._cache) > 2048:
                self._cache.clear()
            strip = self._cache[key] = self._build(index, part, width, key[3])
        return strip

    def _build(self, index: int, part: int, width: int, highlighted: bool) -> Strip:
        base: Style = self.rich_style
        if highlighted:
            base = base + self.get_component_rich_style("line-list--option-highlighted")
        lines = self._render(index).split("\n", allow_blank=True)
        text = lines[part].copy() if part < len(lines) else Text()
        text.end = ""
        text.no_wrap = True
        text.truncate(width, overflow="ellipsis")
        segments = list(text.render(self.app.console))
        return Strip(segments).apply_style(base).extend_cell_length(width, base).crop(0, width).simplify()
