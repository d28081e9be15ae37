"""Themes from YAML: hark's built-ins (the `themes` package) and the user's
own (HOME/themes/*.yaml), as Textual `Theme` objects.

A theme file is a mapping of every field of `textual.theme.Theme` (only
`primary` is required; `name` defaults to the file's stem) plus `variables`:
Textual's own variables (`footer-key-foreground`, ...) and hark's (below).
Files are read with PyYAML's safe loader only, walked node by node so that
every problem names the file and the line. A file with any problem is
skipped as a whole (the others still load) and each problem becomes a
one-line message for a notification.

Names: a user theme with the name of a built-in (hark's or Textual's)
replaces it, so copying `hark-dark.yaml` into HOME/themes and editing it
just works, and a broken copy leaves the built-in in place. Among the
user's files, the first (by file name) to claim a name wins; later ones are
skipped with a message.

hark's variables are colours (optionally followed by an alpha percentage,
which an alpha in the app's CSS, as in `$hark-cursor 50%`, replaces); each
band (cursor, playhead, match, highlights) has a `-foreground` partner for
the text on it. A theme may leave any of them out: the app's
`get_theme_variable_defaults()` returns `hark_variables(self.current_theme)`,
which derives readable ones from the theme's own colours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from textual.color import Color, ColorParseError
from textual.design import ColorSystem
from textual.theme import BUILTIN_THEMES, Theme

from hark.themes import builtin_theme_files

from .yamlcheck import kind, shown, suggest

if TYPE_CHECKING:
    from textual.app import App

    from hark.store.paths import Paths

DEFAULT_THEME = "hark-dark"
MAX_THEME_BYTES = 256 * 1024  # a theme is a few dozen lines; refuse anything absurd

N_SPEAKERS = 8
HIGHLIGHTS = ("yellow", "green", "blue", "pink")

HARK_VARIABLES: tuple[str, ...] = (
    *(f"hark-speaker-{i}" for i in range(1, N_SPEAKERS + 1)),
    "hark-timestamp",
    "hark-nonspeech",
    "hark-cursor",
    "hark-cursor-foreground",
    "hark-playhead",
    "hark-playhead-foreground",
    "hark-match",
    "hark-match-foreground",
    *(f"hark-highlight-{h}" for h in HIGHLIGHTS),
    "hark-highlight-foreground",
    "hark-border",
)
"""Every variable hark's CSS may use; each has a default for every theme."""

COLOUR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)
FIELDS = ("name", *COLOUR_FIELDS, "dark", "luminosity_spread", "text_alpha", "ansi", "variables")


def _textual_variable_names() -> frozenset[str]:
    """Every variable Textual's colour system defines (truecolour and ANSI)."""
    names: set[str] = set()
    for ansi in (False, True):
        for dark in (False, True):
            names.update(ColorSystem(primary="#808080", dark=dark, ansi=ansi).generate())
    return frozenset(names)


TEXTUAL_VARIABLES = _textual_variable_names()
_STYLE_VARIABLE = re.compile(r"(^|-)(text-)?style(-|$)")  # link-style, block-cursor-text-style, ...
_THEME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")  # no commas: App.get_theme splits on them
_UNQUOTED_HEX = re.compile(r":\s*#[0-9a-fA-F]{3,8}\b")
_ALPHA = re.compile(r"^(?P<colour>.+?)(?:\s+(?P<alpha>\d+(?:\.\d+)?)%)?$")


_ANSI_GAPS = {
    True: {
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "foreground-disabled": "ansi_default 50%",
        "surface-active": "transparent",
    },
    False: {
        "ansi-background": "ansi_white",
        "ansi-foreground": "ansi_black",
        "foreground-disabled": "ansi_default 50%",
        "surface-active": "transparent",
    },
}


class ThemeError(Exception):
    """A theme file that cannot be used: every problem found, with its line."""

    def __init__(self, path: Path | str, problems: list[tuple[int | None, str]]) -> None:
        self.path = Path(path)
        self.problems = problems or [(None, "unusable theme")]
        super().__init__(self.messages()[0])

    @property
    def line(self) -> int | None:
        return self.problems[0][0]

    def messages(self) -> list[str]:
        """One line per problem: `file:line: what is wrong`."""
        where = shown(self.path)
        return [f"{where}:{line}: {reason}" if line else f"{where}: {reason}" for line, reason in self.problems]


# -- reading a theme file ----------------------------------------------------------------------


def parse_theme(text: str, path: Path | str = "<theme>") -> Theme:
    """One theme from YAML text; raises ThemeError listing every problem."""
    path = Path(path)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as e:  # control characters and the like, refused up front
        raise ThemeError(path, [(text.count("\n", 0, e.position) + 1, f"not valid YAML: {e.reason}")]) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.reader.ReaderError as e:
            raise ThemeError(path, [(text.count("\n", 0, e.position) + 1, f"not valid YAML: {e.reason}")]) from None
        except yaml.MarkedYAMLError as e:
            raise ThemeError(
                path, [(_line(e.problem_mark or e.context_mark), f"not valid YAML: {e.problem}")]
            ) from None
        except yaml.YAMLError as e:
            raise ThemeError(path, [(None, f"not valid YAML: {e}")]) from None
        return _ThemeReader(loader, text, path).read(root)
    finally:
        loader.dispose()


def load_theme_file(path: Path) -> Theme:
    """One theme file; raises ThemeError."""
    try:
        if path.stat().st_size > MAX_THEME_BYTES:
            raise ThemeError(path, [(None, f"larger than {MAX_THEME_BYTES // 1024} KiB: not a theme")])
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise ThemeError(path, [(None, f"cannot read: {e.strerror or e}")]) from None
    except UnicodeDecodeError as e:
        raise ThemeError(path, [(None, f"not UTF-8 text (byte {e.start})")]) from None
    return parse_theme(text, path)


def user_theme_files(paths: Paths) -> list[Path]:
    """The user's theme files, in name order (hidden and editor files left out)."""
    folder = paths.themes
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith((".", "#", "~"))]
    return sorted((p for p in found if p.is_file()), key=lambda p: p.name)


def load_themes(paths: Paths) -> tuple[list[Theme], list[str]]:
    """hark's built-in themes, then the user's: (themes, one-line messages).

    A user theme named like a built-in replaces it (in the built-in's place
    in the list); a broken file is skipped and reported, never fatal."""
    themes: dict[str, Theme] = {}
    messages: list[str] = []
    for path in builtin_theme_files():
        try:
            theme = load_theme_file(path)
        except ThemeError as e:  # a packaging bug, but still never fatal
            messages.extend(m + " (built-in theme skipped)" for m in e.messages())
            continue
        themes[theme.name] = theme
    claimed: dict[str, Path] = {}
    for path in user_theme_files(paths):
        try:
            theme = load_theme_file(path)
        except ThemeError as e:
            messages.extend(m + " (theme skipped)" for m in e.messages())
            continue
        if theme.name in claimed:
            messages.append(
                f"{shown(path)}: theme {theme.name!r} is already defined by {claimed[theme.name].name} (theme skipped)"
            )
            continue
        claimed[theme.name] = path
        themes[theme.name] = theme
    return list(themes.values()), messages


def register_all(app: App, paths: Paths) -> list[str]:
    """Register every theme with the app; the messages to notify."""
    themes, messages = load_themes(paths)
    for theme in themes:
        app.register_theme(theme)
    return messages


def apply_theme(app: App, name: str | None, fallback: str = DEFAULT_THEME) -> list[str]:
    """Switch the app to `name`, or to `fallback` when no such theme is registered."""
    if name and name in app.available_themes:
        app.theme = name
        return []
    if fallback not in app.available_themes:
        fallback = "textual-dark"
    app.theme = fallback
    return [f"no theme called {name!r}; using {fallback}"] if name else []


# The 16-colour version of each hark theme whose tints would all turn grey
# on a 16-colour terminal (Rich maps each RGB to the nearest of the 16).
SIXTEEN_COLOUR_THEMES = {"hark-dark": "hark-16", "hark-light": "hark-16-light"}


def theme_for_terminal(name: str, color_system: str | None) -> str:
    """The theme to show for `name` on a terminal with `color_system`
    (`app.console.color_system`: "truecolor", "256", "standard", ...)."""
    if color_system in ("standard", "windows"):
        return SIXTEEN_COLOUR_THEMES.get(name, name)
    return name


class _ThemeReader:
    """Walks a composed YAML document, collecting problems with their lines."""

    def __init__(self, loader: yaml.SafeLoader, text: str, path: Path) -> None:
        self.loader = loader
        self.lines = text.splitlines()
        self.path = path
        self.problems: list[tuple[int | None, str]] = []

    def problem(self, node: yaml.Node | None, reason: str) -> None:
        self.problems.append((_line(node.start_mark) if node is not None else None, reason))

    def value(self, node: yaml.Node) -> tuple[bool, Any]:
        """The Python value of a node; (False, None) when its tag is refused."""
        try:
            return True, self.loader.construct_object(node, deep=True)
        except Exception as e:  # PyYAML's constructors raise ValueError, KeyError... on `!!int abc`, `!!bool x`
            self.problem(node, _unreadable(node, e))
            return False, None

    def read(self, root: yaml.Node | None) -> Theme:
        if root is None:
            raise ThemeError(self.path, [(1, "the file is empty: a theme needs at least `primary`")])
        if not isinstance(root, yaml.MappingNode):
            raise ThemeError(self.path, [(_line(root.start_mark), "a theme is a mapping of `field: value` lines")])
        fields: dict[str, Any] = {}
        seen: set[str] = set()
        for key_node, value_node in root.value:
            key = self.key(key_node, seen)
            if key is None:
                continue
            if key not in FIELDS:
                self.problem(key_node, f"unknown key {key!r}{suggest(key, FIELDS)}")
                continue
            if key == "variables":
                fields["variables"] = self.variables(value_node)
                continue
            ok, value = self.value(value_node)
            if not ok:
                continue
            if key == "name":
                if not isinstance(value, str) or not _THEME_NAME.fullmatch(value):
                    self.problem(value_node, "name: letters, digits, '-', '_', '.' or '+', at most 64, no spaces")
                else:
                    fields["name"] = value
            elif key in COLOUR_FIELDS:
                self.colour_field(key, value, key_node, value_node, fields)
            elif key in ("dark", "ansi"):
                if isinstance(value, bool):
                    fields[key] = value
                else:
                    self.problem(value_node, f"{key} must be true or false")
            else:  # luminosity_spread, text_alpha
                if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1:
                    fields[key] = float(value)
                else:
                    self.problem(value_node, f"{key} must be a number from 0 to 1")
        if "primary" not in seen:
            self.problem(root, "`primary` is missing: every theme needs a primary colour")
        if self.problems:
            raise ThemeError(self.path, self.problems)
        fields.setdefault("name", self.default_name())
        if fields.get("ansi"):
            # Textual's ANSI colour system leaves out variables its own CSS uses
            # (`$ansi-background` in Button, Screen...): without them the app
            # could not switch to this theme. Textual's ansi themes set them too.
            gaps = _ANSI_GAPS[fields.get("dark", True)]
            fields["variables"] = {**gaps, **fields.get("variables", {})}
        return Theme(**fields)

    def default_name(self) -> str:
        stem = self.path.stem
        if _THEME_NAME.fullmatch(stem):
            return stem
        raise ThemeError(self.path, [(1, "no `name`, and the file name cannot be one: add `name: my-theme`")])

    def key(self, node: yaml.Node, seen: set[str]) -> str | None:
        if not (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str"):
            self.problem(node, "keys must be plain names")
            return None
        if node.value in seen:
            self.problem(node, f"{node.value!r} is given twice")
            return None
        seen.add(node.value)
        return node.value

    def colour_field(self, key: str, value: Any, key_node: yaml.Node, value_node: yaml.Node, out: dict) -> None:
        if value is None:
            line = self.lines[key_node.start_mark.line] if key_node.start_mark.line < len(self.lines) else ""
            if _UNQUOTED_HEX.search(line):
                self.problem(key_node, f'{key}: a colour starting with # must be in quotes, e.g. {key}: "#5fafd7"')
            elif key == "primary":
                self.problem(key_node, "primary: every theme needs a primary colour")
            return  # an explicit null: Textual derives this colour
        if not isinstance(value, str):
            self.problem(value_node, f'{key} must be a colour in quotes, e.g. "#5fafd7", not {kind(value)}')
            return
        try:
            Color.parse(value)
        except ColorParseError as e:
            self.problem(value_node, f"{key}: {e}")
            return
        out[key] = value

    def variables(self, node: yaml.Node) -> dict[str, str]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "variables must be a mapping of `name: value` lines")
            return {}
        out: dict[str, str] = {}
        self._variables(node, "", out, set())
        return out

    def _variables(self, node: yaml.MappingNode, prefix: str, out: dict[str, str], seen: set[str]) -> None:
        # Nested mappings flatten with '-', so `hark: {cursor: ...}` is `hark-cursor`.
        for key_node, value_node in node.value:
            key = self.key(key_node, seen)
            if key is None:
                continue
            name = f"{prefix}{key}"
            if isinstance(value_node, yaml.MappingNode):
                self._variables(value_node, f"{name}-", out, seen)
                continue
            if name not in HARK_VARIABLES and name not in TEXTUAL_VARIABLES:
                known = HARK_VARIABLES if name.startswith("hark") else (*HARK_VARIABLES, *TEXTUAL_VARIABLES)
                self.problem(key_node, f"unknown variable {name!r}{suggest(name, known)}")
                continue
            ok, value = self.value(value_node)
            if not ok:
                continue
            if value is None and _UNQUOTED_HEX.search(self.lines[key_node.start_mark.line]):
                self.problem(key_node, f'{name}: a colour starting with # must be in quotes, e.g. "#5fafd7"')
                continue
            if not isinstance(value, str) or not value.strip():
                self.problem(value_node, f"{name} must be a quoted value, not {kind(value)}")
                continue
            reason = _check_variable(name, value)
            if reason:
                self.problem(value_node, f"{name}: {reason}")
                continue
            out[name] = value.strip()


def _check_variable(name: str, value: str) -> str | None:
    """Why a variable's value would break the CSS, or None when it is fine."""
    if name in HARK_VARIABLES:
        return _check_colour(value)
    # Textual's variables: check the value as CSS would use it, so a bad one
    # can never stop the app when the theme is switched on.
    from textual.css.parse import parse_declarations

    prop = "text-style" if _STYLE_VARIABLE.search(name) else "color"
    if ";" in value or "}" in value or "{" in value:
        return "not a single CSS value"
    try:
        parse_declarations(f"{prop}: {value};", ("theme", ""))
    except Exception as e:  # DeclarationError, TokenError, ...: only the reason matters here
        reason = re.sub(r"\[/?[a-z]*\]", "", str(e).splitlines()[0] if str(e) else type(e).__name__)
        return f"not a valid {prop} value ({reason})"
    return None


def _check_colour(value: str) -> str | None:
    m = _ALPHA.match(value.strip())
    if m is None:
        return f"{value!r} is not a colour"
    try:
        Color.parse(m["colour"])
    except ColorParseError as e:
        return str(e)
    if m["alpha"] is not None and float(m["alpha"]) > 100:
        return "the alpha percentage must be at most 100%"
    return None


def _unreadable(node: yaml.Node, e: Exception) -> str:
    """Why a value could not be constructed, in a line."""
    problem = getattr(e, "problem", None) or str(e)
    if "could not determine a constructor" in problem:
        return f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed"
    return f"cannot read this value ({problem.splitlines()[0] if problem else type(e).__name__})"


def _line(mark: yaml.Mark | None) -> int | None:
    return mark.line + 1 if mark is not None else None


# -- hark's variables ------------------------------------------------------------------------

# Hues that stay apart from each other; lightness is fitted to each theme.
_SPEAKER_HUES = ("#5fafff", "#ffaf5f", "#87d75f", "#ff87d7", "#d7d75f", "#af87ff", "#5fd7d7", "#ff8787")
_HIGHLIGHT_HUES = {"yellow": "#ffd75f", "green": "#5fd75f", "blue": "#5f87ff", "pink": "#ff5fd7"}

# Themes on the terminal's own 16 colours (`ansi: true`) cannot blend, so
# their defaults are whole ANSI colours, each background with its own text.
_ANSI_DEFAULTS = {
    True: {  # a dark terminal
        **dict(
            zip(
                (f"hark-speaker-{i}" for i in range(1, N_SPEAKERS + 1)),
                (
                    "ansi_bright_cyan",
                    "ansi_bright_yellow",
                    "ansi_bright_green",
                    "ansi_bright_magenta",
                    "ansi_bright_blue",
                    "ansi_bright_red",
                    "ansi_yellow",
                    "ansi_cyan",
                ),
                strict=True,
            )
        ),
        "hark-timestamp": "ansi_cyan",
        "hark-nonspeech": "ansi_bright_black",
        "hark-cursor": "ansi_blue",
        "hark-cursor-foreground": "ansi_bright_white",
        "hark-playhead": "ansi_magenta",
        "hark-playhead-foreground": "ansi_bright_white",
        "hark-match": "ansi_yellow",
        "hark-match-foreground": "ansi_black",
        "hark-highlight-yellow": "ansi_yellow",
        "hark-highlight-green": "ansi_green",
        "hark-highlight-blue": "ansi_cyan",
        "hark-highlight-pink": "ansi_bright_magenta",
        "hark-highlight-foreground": "ansi_black",
        "hark-border": "ansi_default",  # the terminal's own text colour
    },
    False: {  # a light terminal
        **dict(
            zip(
                (f"hark-speaker-{i}" for i in range(1, N_SPEAKERS + 1)),
                (
                    "ansi_blue",
                    "ansi_red",
                    "ansi_green",
                    "ansi_magenta",
                    "ansi_cyan",
                    "ansi_bright_blue",
                    "ansi_bright_magenta",
                    "ansi_bright_red",
                ),
                strict=True,
            )
        ),
        "hark-timestamp": "ansi_bright_black",
        "hark-nonspeech": "ansi_bright_black",
        "hark-cursor": "ansi_bright_cyan",
        "hark-cursor-foreground": "ansi_black",
        "hark-playhead": "ansi_bright_green",
        "hark-playhead-foreground": "ansi_black",
        "hark-match": "ansi_bright_yellow",
        "hark-match-foreground": "ansi_black",
        "hark-highlight-yellow": "ansi_bright_yellow",
        "hark-highlight-green": "ansi_bright_green",
        "hark-highlight-blue": "ansi_bright_cyan",
        "hark-highlight-pink": "ansi_bright_magenta",
        "hark-highlight-foreground": "ansi_black",
        "hark-border": "ansi_default",  # the terminal's own text colour
    },
}


def hark_variables(theme: Theme) -> dict[str, str]:
    """hark's variables for a theme: its own where it sets them, otherwise
    colours derived from its background, foreground and accents so that
    text stays readable (WCAG contrast) on dark and light themes alike.

    The app returns this from `get_theme_variable_defaults()`."""
    if theme.ansi:
        out = dict(_ANSI_DEFAULTS[theme.dark])
    else:
        try:
            out = _derived(theme)
        except (ColorParseError, ValueError, KeyError):  # a theme registered by hand with odd colours
            out = dict(_ANSI_DEFAULTS[theme.dark])
    out.update({k: v for k, v in theme.variables.items() if k in HARK_VARIABLES})
    return out


def _derived(theme: Theme) -> dict[str, str]:
    generated = theme.to_color_system().generate()
    parse = Color.parse
    backdrop = parse("#000000" if theme.dark else "#ffffff")
    background = backdrop + parse(generated["background"])
    if background.ansi is not None or parse(generated["foreground"]).ansi is not None:
        return dict(_ANSI_DEFAULTS[theme.dark])  # a truecolour theme on the terminal's own colours
    surface = background + parse(generated["surface"])  # the reader's background
    fg = surface + parse(generated["foreground"])
    primary = parse(generated["primary"])
    out: dict[str, str] = {}
    for i, hue in enumerate(_SPEAKER_HUES, 1):
        out[f"hark-speaker-{i}"] = _readable(parse(hue), surface, 4.5).hex
    out["hark-timestamp"] = _readable(fg.blend(surface, 0.35), surface, 4.5).hex
    out["hark-nonspeech"] = _readable(fg.blend(surface, 0.5), surface, 3.0).hex
    out["hark-cursor"], out["hark-cursor-foreground"] = _band(surface, primary, 0.30, fg)
    # The playhead needs a hue of its own, away from the cursor's.
    playhead = next(
        (
            parse(generated[name])
            for name in ("success", "accent", "secondary", "warning")
            if _hue_distance(parse(generated[name]), primary) >= 45
        ),
        parse("#5fd75f"),
    )
    out["hark-playhead"], out["hark-playhead-foreground"] = _band(surface, playhead, 0.30, fg)
    # Search matches are loud: the warning colour itself, with text that reads on it.
    match = surface.blend(parse(generated["warning"]), 0.85, alpha=1.0)
    out["hark-match"] = match.hex
    out["hark-match-foreground"] = _text_on(match, (fg, background)).hex
    amount = 0.30 if theme.dark else 0.45
    texts = {_band(surface, parse(hue), amount, fg)[1] for hue in _HIGHLIGHT_HUES.values()}
    if texts != {fg.hex}:  # one text colour serves all four: use the strong bands throughout
        amount = 0.0
    for name, hue in _HIGHLIGHT_HUES.items():
        out[f"hark-highlight-{name}"], out["hark-highlight-foreground"] = _band(surface, parse(hue), amount, fg)
    # Unfocused pane borders and their titles: quiet, but seen (3:1, WCAG's
    # figure for the parts of a control); Textual's $panel-lighten-2 is the
    # page itself on a light theme.
    out["hark-border"] = _readable(fg.blend(surface, 0.55), surface, 3.0).hex
    return out


def _luminance(c: Color) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = c.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two opaque colours (1 to 21)."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _readable(colour: Color, on: Color, minimum: float) -> Color:
    """`colour` lightened or darkened (away from `on`) until it reads on `on`."""
    towards = Color(255, 255, 255) if _luminance(on) < 0.18 else Color(0, 0, 0)
    for step in range(21):
        c = colour.blend(towards, step / 20)
        if contrast(c, on) >= minimum:
            return c
    return towards


def _band(surface: Color, hue: Color, amount: float, text: Color) -> tuple[str, str]:
    """A background band of `hue` over `surface` and the text to put on it:
    a tint that the theme's own text still reads on, or, when no tint of at
    least 15% allows that (amount 0 asks for this), the hue nearly whole
    with black or white text."""
    need = min(4.5, contrast(text, surface) * 0.75)
    while amount >= 0.15 - 1e-9:
        band = surface.blend(hue, amount, alpha=1.0)
        if contrast(band, text) >= need:
            return band.hex, text.hex
        amount -= 0.05
    band = surface.blend(hue, 0.85, alpha=1.0)
    return band.hex, _text_on(band, ()).hex


def _text_on(background: Color, prefer: Iterable[Color]) -> Color:
    """The first of `prefer` that reads well (7:1) on `background`, else black or white."""
    for c in prefer:
        if contrast(c, background) >= 7:
            return c
    black, white = Color(0, 0, 0), Color(255, 255, 255)
    return black if contrast(black, background) >= contrast(white, background) else white


def _hue_distance(a: Color, b: Color) -> float:
    d = abs(a.hsl.h - b.hsl.h) * 360 % 360
    return min(d, 360 - d)


def variable_colour(variables: Mapping[str, str], name: str) -> Color:
    """A hark variable as a Textual Color (for code that styles Rich text
    directly instead of through CSS): `app.theme_variables` is the mapping."""
    m = _ALPHA.match(variables[name].strip())
    colour = Color.parse(m["colour"] if m else variables[name])
    if m and m["alpha"] is not None and colour.ansi is None:  # as in CSS: the terminal's colours have no alpha
        colour = colour.with_alpha(float(m["alpha"]) / 100)
    return colour


HARK_VARIABLE_DEFAULTS: dict[str, str] = hark_variables(BUILTIN_THEMES["textual-dark"])
"""hark's variables for a plain dark theme (what `hark_variables` gives textual-dark)."""
