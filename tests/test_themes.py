"""Themes from YAML: the built-ins, user themes, validation with file and
line, hark's variables and their defaults, and a Pilot run through every
theme."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import BUILTIN_THEMES, Theme
from textual.widgets import Static

from hark.store.paths import Paths, resolve
from hark.themes import builtin_theme_files
from hark.tui.themes import (
    DEFAULT_THEME,
    FIELDS,
    HARK_VARIABLE_DEFAULTS,
    HARK_VARIABLES,
    ThemeError,
    apply_theme,
    contrast,
    hark_variables,
    load_theme_file,
    load_themes,
    parse_theme,
    register_all,
    theme_for_terminal,
    variable_colour,
)

BUILTINS = ("hark-dark", "hark-light", "hark-high-contrast", "hark-16", "hark-16-light")


@pytest.fixture
def paths(tmp_path) -> Paths:
    return resolve(tmp_path / "home")


def user_theme(paths: Paths, filename: str, text: str) -> Path:
    paths.themes.mkdir(parents=True, exist_ok=True)
    path = paths.themes / filename
    path.write_text(text)
    return path


OCEAN = """\
# a user's theme
name: ocean
primary: "#0087af"
secondary: "#5f87af"
accent: "#ffaf00"
foreground: "#e4e4e4"
background: "#000f1a"
surface: "#001a2a"
panel: "#00263d"
boost: "#ffffff12"
warning: "#ffd700"
error: "#ff5f5f"
success: "#5fd787"
dark: true
luminosity_spread: 0.2
text_alpha: 0.9
ansi: false
variables:
  hark-cursor: "#003f5f"
  footer-key-foreground: "#ffaf00"
"""


# -- the built-ins --------------------------------------------------------------------------------


def test_builtins_load_without_messages(paths):
    themes, messages = load_themes(paths)
    assert messages == []
    names = [t.name for t in themes]
    assert set(BUILTINS) <= set(names)
    assert len(names) == len(set(names))
    assert DEFAULT_THEME == "hark-dark"


def test_fields_are_every_field_of_textuals_theme():
    # If Textual grows a field, the loader (and the model theme) must learn it.
    assert set(FIELDS) == {f.name for f in dataclasses.fields(Theme)}


@pytest.mark.parametrize("path", builtin_theme_files(), ids=lambda p: p.stem)
def test_builtin_files_are_complete_and_commented(path):
    text = path.read_text()
    assert text.startswith("# ")
    raw = yaml.safe_load(text)
    assert raw["name"] == path.stem
    # Every field, every hark variable: each built-in is a model for users.
    assert set(raw) == set(FIELDS)
    assert set(HARK_VARIABLES) <= set(raw["variables"])
    theme = load_theme_file(path)
    assert {k: v for k, v in theme.variables.items() if k in HARK_VARIABLES} == {
        k: raw["variables"][k] for k in HARK_VARIABLES
    }


def test_hark_dark_is_the_commented_model():
    text = next(p for p in builtin_theme_files() if p.stem == "hark-dark").read_text()
    comments = [line for line in text.splitlines() if "#" in line and not line.lstrip().startswith(("#", '"#'))]
    # Fields are explained beside them, not only at the top.
    assert any("primary:" in line and "# " in line.split('"', 2)[-1] for line in comments)
    theme = load_theme_file(next(p for p in builtin_theme_files() if p.stem == "hark-dark"))
    assert (theme.primary, theme.background, theme.surface, theme.dark, theme.ansi) == (
        "#5fafd7",
        "#121212",
        "#1c1c1c",
        True,
        False,
    )
    assert theme.variables["hark-cursor"] == "#1f4a75"


@pytest.mark.parametrize("name", ["hark-16", "hark-16-light"])
def test_hark_16_uses_only_the_terminals_16_colours(name):
    theme = load_theme_file(next(p for p in builtin_theme_files() if p.stem == name))
    assert theme.ansi is True
    assert theme.dark is (name == "hark-16")
    colours = [getattr(theme, f) for f in FIELDS if f not in ("name", "dark", "luminosity_spread", "text_alpha")]
    colours = [c for c in colours if isinstance(c, str)]
    colours += [v for k, v in theme.variables.items() if "style" not in k and v != "transparent"]
    assert colours
    for c in colours:
        assert variable_colour({"c": c}, "c").ansi is not None, c
    # And what Textual generates from it stays on the 16 too (no blended RGB).
    generated = {**theme.to_color_system().generate(), **hark_variables(theme)}
    for name in ("primary", "secondary", "accent", "warning", "error", "success", *HARK_VARIABLES):
        assert Color.parse(generated[name]).ansi is not None, name


def _opaque(theme: Theme) -> tuple[Color, Color]:
    gen = theme.to_color_system().generate()
    background = Color.parse("#000000" if theme.dark else "#ffffff") + Color.parse(gen["background"])
    surface = background + Color.parse(gen["surface"])
    return surface, surface + Color.parse(gen["foreground"])


@pytest.mark.parametrize("name", ["hark-dark", "hark-light", "hark-high-contrast"])
def test_builtin_colours_read_well(name):
    theme = load_theme_file(next(p for p in builtin_theme_files() if p.stem == name))
    v = hark_variables(theme)
    surface, fg = _opaque(theme)
    need = 7.0 if name == "hark-high-contrast" else 4.5
    assert contrast(fg, surface) >= need
    for i in range(1, 9):
        assert contrast(Color.parse(v[f"hark-speaker-{i}"]), surface) >= need
    assert contrast(Color.parse(v["hark-timestamp"]), surface) >= 4.5
    assert contrast(Color.parse(v["hark-nonspeech"]), surface) >= 3.0
    for band, text in [
        ("hark-cursor", "hark-cursor-foreground"),
        ("hark-playhead", "hark-playhead-foreground"),
        ("hark-match", "hark-match-foreground"),
        *((f"hark-highlight-{h}", "hark-highlight-foreground") for h in ("yellow", "green", "blue", "pink")),
    ]:
        assert contrast(Color.parse(v[text]), Color.parse(v[band])) >= need, band
    # The cursor and the playhead never look alike.
    assert v["hark-cursor"] != v["hark-playhead"]


def test_16_colour_terminals_get_the_16_colour_themes():
    assert theme_for_terminal("hark-dark", "standard") == "hark-16"
    assert theme_for_terminal("hark-light", "standard") == "hark-16-light"
    assert theme_for_terminal("hark-high-contrast", "standard") == "hark-high-contrast"
    assert theme_for_terminal("nord", "standard") == "nord"
    assert theme_for_terminal("hark-dark", "256") == "hark-dark"
    assert theme_for_terminal("hark-dark", "truecolor") == "hark-dark"
    assert theme_for_terminal("hark-light", None) == "hark-light"


# -- hark's variables: defaults ------------------------------------------------------------------


def test_defaults_cover_every_hark_variable():
    assert set(HARK_VARIABLE_DEFAULTS) == set(HARK_VARIABLES)
    assert len(HARK_VARIABLES) == len(set(HARK_VARIABLES))
    assert {f"hark-speaker-{i}" for i in range(1, 9)} <= set(HARK_VARIABLES)
    for name in (
        "hark-timestamp",
        "hark-cursor",
        "hark-playhead",
        "hark-match",
        "hark-nonspeech",
        "hark-highlight-yellow",
        "hark-highlight-green",
        "hark-highlight-blue",
        "hark-highlight-pink",
    ):
        assert name in HARK_VARIABLES


@pytest.mark.parametrize("name", sorted(BUILTIN_THEMES))
def test_derived_variables_read_on_every_textual_theme(name):
    theme = BUILTIN_THEMES[name]
    v = hark_variables(theme)
    assert set(v) == set(HARK_VARIABLES)
    for value in v.values():
        Color.parse(value)
    if theme.ansi:
        return
    surface, fg = _opaque(theme)
    for i in range(1, 9):
        assert contrast(Color.parse(v[f"hark-speaker-{i}"]), surface) >= 4.5
    assert contrast(Color.parse(v["hark-timestamp"]), surface) >= 4.5
    for band in ("cursor", "playhead", "match"):
        text = Color.parse(v[f"hark-{band}-foreground"])
        assert contrast(text, Color.parse(v[f"hark-{band}"])) >= min(4.5, 0.75 * contrast(fg, surface)), band
    # Eight different speaker colours, a cursor unlike the page.
    assert len({v[f"hark-speaker-{i}"] for i in range(1, 9)}) == 8
    assert Color.parse(v["hark-cursor"]) != surface


def test_a_theme_that_omits_hark_variables_gets_defaults_and_keeps_its_own(paths):
    user_theme(paths, "ocean.yaml", OCEAN)
    themes, messages = load_themes(paths)
    assert messages == []
    ocean = next(t for t in themes if t.name == "ocean")
    assert ocean.variables == {"hark-cursor": "#003f5f", "footer-key-foreground": "#ffaf00"}
    v = hark_variables(ocean)
    assert set(v) == set(HARK_VARIABLES)
    assert v["hark-cursor"] == "#003f5f"  # its own
    assert v["hark-speaker-1"] != ""  # derived


def test_variable_colour_reads_alpha():
    v = {"hark-cursor": "#5fafd7 40%", "hark-match": "ansi_yellow"}
    assert variable_colour(v, "hark-cursor") == Color(0x5F, 0xAF, 0xD7, 0.4)
    assert variable_colour(v, "hark-match").ansi == 3


# -- reading user themes ---------------------------------------------------------------------------


def test_every_field_is_read(paths):
    path = user_theme(paths, "ocean.yaml", OCEAN)
    t = load_theme_file(path)
    assert t == Theme(
        name="ocean",
        primary="#0087af",
        secondary="#5f87af",
        accent="#ffaf00",
        foreground="#e4e4e4",
        background="#000f1a",
        surface="#001a2a",
        panel="#00263d",
        boost="#ffffff12",
        warning="#ffd700",
        error="#ff5f5f",
        success="#5fd787",
        dark=True,
        luminosity_spread=0.2,
        text_alpha=0.9,
        ansi=False,
        variables={"hark-cursor": "#003f5f", "footer-key-foreground": "#ffaf00"},
    )


def test_name_defaults_to_the_file_stem_and_other_fields_to_textuals(paths):
    t = load_theme_file(user_theme(paths, "plain.yaml", 'primary: "steelblue"\nsecondary: null\n'))
    assert t == Theme(name="plain", primary="steelblue")


def test_nested_variables_flatten(paths):
    t = parse_theme('primary: "#123456"\nvariables:\n  hark:\n    cursor: "#112233"\n    speaker-1: red\n', "n.yaml")
    assert t.variables == {"hark-cursor": "#112233", "hark-speaker-1": "red"}


def _problems(text: str, name: str = "t.yaml") -> list[str]:
    with pytest.raises(ThemeError) as e:
        parse_theme(text, Path("/x") / name)
    return e.value.messages()


def test_unknown_key_names_file_and_line():
    msgs = _problems('name: t\nprimary: "#123456"\nprimay: "#654321"\n')
    assert msgs == ["/x/t.yaml:3: unknown key 'primay' (did you mean 'primary'?)"]


def test_bad_colour_names_file_and_line():
    msgs = _problems('name: t\nprimary: "#123456"\n\naccent: "blu"\n')
    assert msgs == ["/x/t.yaml:4: accent: failed to parse 'blu' as a color; did you mean 'blue'?"]


def test_wrong_types_are_each_reported():
    msgs = _problems('primary: "#123456"\ndark: "very"\nluminosity_spread: 3\ntext_alpha: true\nsurface: 12\n')
    assert msgs == [
        "/x/t.yaml:2: dark must be true or false",
        "/x/t.yaml:3: luminosity_spread must be a number from 0 to 1",
        "/x/t.yaml:4: text_alpha must be a number from 0 to 1",
        '/x/t.yaml:5: surface must be a colour in quotes, e.g. "#5fafd7", not a number',
    ]


def test_unquoted_hex_is_explained():
    msgs = _problems("primary: #5fafd7\n")
    assert msgs == ['/x/t.yaml:1: primary: a colour starting with # must be in quotes, e.g. primary: "#5fafd7"']


def test_missing_primary_empty_file_and_not_a_mapping():
    assert _problems('name: t\naccent: "#ffffff"\n') == [
        "/x/t.yaml:1: `primary` is missing: every theme needs a primary colour"
    ]
    assert _problems("") == ["/x/t.yaml:1: the file is empty: a theme needs at least `primary`"]
    assert _problems("\n- a\n- b\n") == ["/x/t.yaml:2: a theme is a mapping of `field: value` lines"]


def test_bad_yaml_names_the_line():
    msgs = _problems('name: t\nprimary: "#123456\naccent: red\n')
    assert len(msgs) == 1
    assert msgs[0].startswith("/x/t.yaml:") and "not valid YAML" in msgs[0]
    assert ":4:" in msgs[0] or ":2:" in msgs[0] or ":3:" in msgs[0]


def test_bad_names_and_duplicates():
    assert _problems('name: "two words"\nprimary: red\n')[0].startswith("/x/t.yaml:1: name:")
    assert _problems("name: a,b\nprimary: red\n")[0].startswith("/x/t.yaml:1: name:")
    assert _problems("primary: red\nprimary: blue\n") == ["/x/t.yaml:2: 'primary' is given twice"]
    with pytest.raises(ThemeError, match="file name cannot be one"):
        parse_theme("primary: red\n", "/x/my theme.yaml")


def test_variables_are_checked():
    msgs = _problems(
        "primary: red\n"
        "variables:\n"
        '  hark-cursr: "#123456"\n'
        "  hark-match: notacolour\n"
        "  block-cursor-text-style: blinky\n"
        "  footer-key-foreground: 12\n"
        "  no-such-variable: red\n"
        '  hark-speaker-9: "#ffffff"\n'
    )
    assert msgs[0] == "/x/t.yaml:3: unknown variable 'hark-cursr' (did you mean 'hark-cursor'?)"
    assert msgs[1].startswith("/x/t.yaml:4: hark-match: failed to parse 'notacolour'")
    assert msgs[2].startswith("/x/t.yaml:5: block-cursor-text-style: not a valid text-style value")
    assert msgs[3] == "/x/t.yaml:6: footer-key-foreground must be a quoted value, not a number"
    assert msgs[4].startswith("/x/t.yaml:7: unknown variable 'no-such-variable'")
    assert msgs[5].startswith("/x/t.yaml:8: unknown variable 'hark-speaker-9'")
    assert len(msgs) == 6


def test_textual_variables_accept_what_textual_css_accepts():
    t = parse_theme(
        "primary: red\nvariables:\n"
        '  input-selection-background: "#81a1c1 35%"\n'
        '  text-muted: "auto 80%"\n'
        "  block-cursor-text-style: bold reverse\n"
        "  link-background: initial\n"
        '  hark-cursor: "#5fafd7 40%"\n',
        "ok.yaml",
    )
    assert t.variables["text-muted"] == "auto 80%"
    assert t.variables["hark-cursor"] == "#5fafd7 40%"


def test_python_tags_are_refused_not_run(tmp_path):
    marker = tmp_path / "ran"
    text = (
        'primary: "#123456"\n'
        f"accent: !!python/object/apply:os.system ['touch {marker}']\n"
        "variables:\n"
        f"  hark-cursor: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    msgs = _problems(text)
    assert msgs == [
        "/x/t.yaml:2: the tag !!python/object/apply:os.system is not allowed",
        "/x/t.yaml:4: the tag !!python/object/apply:os.system is not allowed",
    ]
    assert not marker.exists()


def test_values_yaml_cannot_build_are_reported():
    msgs = _problems("primary: !!int abc\ndark: !!float x\nname: !!timestamp 2020-99-99\n")
    assert msgs == [
        "/x/t.yaml:1: cannot read this value (invalid literal for int() with base 10: 'abc')",
        "/x/t.yaml:2: cannot read this value (could not convert string to float: 'x')",
        "/x/t.yaml:3: cannot read this value (month must be in 1..12)",
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parse_theme_only_ever_raises_theme_error(text):
    try:
        theme = parse_theme(text, "/x/fuzz.yaml")
    except ThemeError as e:
        assert all(m.startswith("/x/fuzz.yaml") and "\n" not in m for m in e.messages())
    else:
        Color.parse(theme.primary)


TAGS = [
    "",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!timestamp ",
    "!!binary ",
    "!!python/object:os.system ",
    "!!set ",
    "!!map ",
]
VALUES = st.one_of(
    st.sampled_from(['"#5fafd7"', "red", "ansi_blue", "1", "0.5", "yes", "[a]", "{a: 1}", "", "~"]),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([*FIELDS, "hark-cursor", "x"]), st.sampled_from(TAGS), VALUES), max_size=8))
def test_yaml_shaped_nonsense_only_ever_raises_theme_error(lines):
    text = "".join(f"{k}: {t}{v}\n" for k, t, v in lines)
    try:
        parse_theme(text, "/x/fuzz.yaml")
    except ThemeError as e:
        assert all(m.startswith("/x/fuzz.yaml") and "\n" not in m for m in e.messages())


# -- loading a folder ----------------------------------------------------------------------------------


def test_a_broken_theme_is_skipped_and_the_others_load(paths):
    user_theme(paths, "ocean.yaml", OCEAN)
    bad = user_theme(paths, "broken.yaml", 'name: broken\nprimary: "#12345"\n')
    user_theme(paths, "typo.yaml", "name: typo\nprimary: red\nsurfce: blue\n")
    user_theme(paths, "notes.txt", "not a theme")
    user_theme(paths, ".hidden.yaml", "primary: [")
    themes, messages = load_themes(paths)
    names = [t.name for t in themes]
    assert "ocean" in names and "broken" not in names and "typo" not in names
    assert set(BUILTINS) <= set(names)
    assert messages == [
        f"{bad}:2: primary: failed to parse '#12345' as a color (theme skipped)",
        f"{paths.themes / 'typo.yaml'}:3: unknown key 'surfce' (did you mean 'surface'?) (theme skipped)",
    ]


def test_user_theme_replaces_a_builtin_of_the_same_name(paths):
    user_theme(paths, "mine.yaml", 'name: hark-dark\nprimary: "#ff0000"\n')
    themes, messages = load_themes(paths)
    assert messages == []
    dark = [t for t in themes if t.name == "hark-dark"]
    assert len(dark) == 1 and dark[0].primary == "#ff0000"
    assert [t.name for t in themes][: len(BUILTINS)] == [t.name for t in load_themes(resolve(paths.data / "x"))[0]]


def test_a_broken_override_leaves_the_builtin(paths):
    user_theme(paths, "hark-dark.yaml", 'name: hark-dark\nprimary: "#ff00zz"\nbogus: 1\n')
    themes, messages = load_themes(paths)
    assert next(t for t in themes if t.name == "hark-dark").primary == "#5fafd7"
    assert len(messages) == 2 and all("hark-dark.yaml:" in m and m.endswith("(theme skipped)") for m in messages)


def test_two_user_files_with_one_name_first_wins(paths):
    user_theme(paths, "a.yaml", "name: twin\nprimary: red\n")
    user_theme(paths, "b.yaml", "name: twin\nprimary: blue\n")
    themes, messages = load_themes(paths)
    assert [t.primary for t in themes if t.name == "twin"] == ["red"]
    assert messages == [f"{paths.themes / 'b.yaml'}: theme 'twin' is already defined by a.yaml (theme skipped)"]


def test_unreadable_and_huge_files_are_reported(paths):
    big = user_theme(paths, "big.yaml", "primary: red\n" + "#" * 300_000 + "\n")
    latin = paths.themes / "latin.yaml"
    latin.write_bytes(b"primary: red\nname: caf\xe9\n")
    _, messages = load_themes(paths)
    assert messages == [
        f"{big}: larger than 256 KiB: not a theme (theme skipped)",
        f"{latin}: not UTF-8 text (byte 22) (theme skipped)",
    ]


# -- in an app -------------------------------------------------------------------------------------------


class ThemedApp(App[None]):
    """Just enough app to switch themes: CSS that uses every hark variable."""

    CSS = "\n".join(
        [f"#v-{name} {{ {'color' if 'speaker' in name else 'background'}: ${name}; }}" for name in HARK_VARIABLES]
        + ["#band { background: $hark-cursor; color: $hark-cursor-foreground; }"]
    )

    def __init__(self, paths: Paths) -> None:
        super().__init__()
        self.paths = paths
        self.messages: list[str] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return hark_variables(self.current_theme)

    def compose(self) -> ComposeResult:
        for name in HARK_VARIABLES:
            yield Static(name, id=f"v-{name}")
        yield Static("band", id="band")

    def on_mount(self) -> None:
        self.messages = register_all(self, self.paths)
        self.messages += apply_theme(self, "hark-dark")


async def test_every_theme_gives_every_hark_variable_in_an_app(paths):
    user_theme(paths, "ocean.yaml", OCEAN)
    user_theme(paths, "broken.yaml", "primary: nope\n")
    app = ThemedApp(paths)
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        assert len(app.messages) == 1 and "broken.yaml:1" in app.messages[0]
        assert app.theme == "hark-dark"
        names = sorted(app.available_themes)
        assert {*BUILTINS, "ocean"} <= set(names)
        for name in names:
            app.theme = name
            await pilot.pause()
            variables = app.get_css_variables()
            missing = [v for v in HARK_VARIABLES if v not in variables]
            assert missing == [], name
            assert set(HARK_VARIABLES) <= set(app.theme_variables)
            band = app.query_one("#band")
            expected = Color.parse(variables["hark-cursor"])
            if expected.ansi is None:
                assert band.styles.background == expected, name
            else:
                assert band.styles.background.ansi == expected.ansi, name
        app.theme = "ocean"
        await pilot.pause()
        assert app.query_one("#band").styles.background == Color.parse("#003f5f")
        assert apply_theme(app, "no-such-theme") == ["no theme called 'no-such-theme'; using hark-dark"]
        assert app.theme == "hark-dark"
        await pilot.pause()
        assert app.query_one("#band").styles.background == Color.parse("#1f4a75")
