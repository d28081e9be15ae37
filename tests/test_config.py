"""config.yaml: defaults, every setting read, a broken file never fatal
(defaults plus one-line messages with file and line), safe YAML only, and
saving that keeps the user's comments and unknown sections."""

from __future__ import annotations

import stat
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hark.store.paths import Paths, resolve
from hark.tui.config import (
    DEFAULT_THEME,
    Config,
    Player,
    Reading,
    load_config,
    parse_config,
    save_config,
)
from hark.tui.keys import validate_keymap


@pytest.fixture
def paths(tmp_path) -> Paths:
    return resolve(tmp_path / "home").ensure()


def write(paths: Paths, text: str) -> str:
    paths.config_file.write_text(text)
    return str(paths.config_file)


FULL = """\
# my hark
theme: nord          # the blue one
keymap:
  reader.next: j,down
  reader.previous: [k, up]
  app.focus_library: 1
reading:
  wpm: 180
player:
  mpv: /opt/mpv/bin/mpv
  socket: /tmp/mpv.sock
"""


def test_no_file_gives_defaults_and_no_messages(paths):
    assert load_config(paths) == (Config(), [])
    c = Config()
    assert (c.theme, c.keymap, c.reading.wpm, c.player.socket, c.player.mpv, c.extra) == (
        "hark-dark",
        {},
        150.0,
        None,
        "mpv",
        {},
    )
    assert DEFAULT_THEME == "hark-dark"


def test_every_setting_is_read(paths):
    write(paths, FULL)
    config, messages = load_config(paths)
    assert messages == []
    assert config == Config(
        theme="nord",
        keymap={"reader.next": "j,down", "reader.previous": "k,up", "app.focus_library": "1"},
        reading=Reading(wpm=180.0),
        player=Player(socket="/tmp/mpv.sock", mpv="/opt/mpv/bin/mpv"),
    )
    assert config.keymap_where == {
        "reader.next": f"{paths.config_file}:4",
        "reader.previous": f"{paths.config_file}:5",
        "app.focus_library": f"{paths.config_file}:6",
    }


def test_empty_file_and_comments_only_are_defaults(paths):
    for text in ("", "\n", "# nothing yet\n", "---\n"):
        write(paths, text)
        assert load_config(paths) == (Config(), [])


def test_bad_yaml_gives_defaults_and_a_message_with_the_line(paths):
    f = write(paths, "theme: hark-light\nkeymap:\n  reader.next: [j\n")
    config, messages = load_config(paths)
    assert config == Config()
    assert len(messages) == 1
    assert messages[0].startswith(f"{f}:4: not valid YAML: ") and messages[0].endswith("(using defaults)")


def test_not_a_mapping(paths):
    f = write(paths, "- theme\n- hark-light\n")
    assert load_config(paths) == (
        Config(),
        [f"{f}:1: the config is a mapping of `setting: value` lines (using defaults)"],
    )


def test_wrong_types_fall_back_one_by_one(paths):
    f = write(
        paths,
        "theme: 12\n"
        "reading:\n"
        "  wpm: fast\n"
        "player:\n"
        "  mpv: ''\n"
        "  socket: 5\n"
        "keymap:\n"
        "  reader.next: j\n"
        "  reader.previous: {k: 1}\n"
        "  reader.start: g g\n",
    )
    config, messages = load_config(paths)
    assert config == Config(keymap={"reader.next": "j"})
    assert messages == [
        f"{f}:1: theme must be a theme's name, not a number (using hark-dark)",
        f"{f}:3: reading.wpm must be a number of words per minute from 20 to 1000 (using 150.0)",
        f"{f}:5: player.mpv must be the mpv command to run (using 'mpv')",
        f"{f}:6: player.socket must be the path of an mpv IPC socket, or null (using None)",
        f"{f}:9: keymap reader.previous: keys are names separated by commas, e.g. 'j,down' (ignored)",
        f"{f}:10: keymap reader.start: keys are names separated by commas, e.g. 'j,down' (ignored)",
    ]


def test_out_of_range_and_odd_numbers(paths):
    for bad in ("0", "-5", "1e9", ".nan", ".inf", "true"):
        f = write(paths, f"reading:\n  wpm: {bad}\n")
        config, messages = load_config(paths)
        assert config.reading.wpm == 150.0
        assert messages and messages[0].startswith(f"{f}:2: reading.wpm must be"), bad
    write(paths, "reading:\n  wpm: 95\n")
    assert load_config(paths)[0].reading.wpm == 95.0


def test_unknown_keys_are_reported_unknown_sections_kept(paths):
    f = write(
        paths,
        "them: hark-light\nreading:\n  wmp: 200\nplayer: mpv\nplugins:\n  - one\n  - two\n",
    )
    config, messages = load_config(paths)
    assert config.extra == {"them": "hark-light", "plugins": ["one", "two"]}
    assert config.theme == "hark-dark" and config.reading.wpm == 150.0
    assert messages == [
        f"{f}:1: unknown setting 'them' (did you mean 'theme'?) (kept, not used)",
        f"{f}:3: unknown setting reading.wmp (did you mean 'wpm'?) (ignored)",
        f"{f}:4: player must be a mapping of `name: value` lines (using defaults)",
        f"{f}:5: unknown setting 'plugins' (kept, not used)",
    ]


def test_duplicates_keep_the_first(paths):
    f = write(paths, "theme: hark-light\ntheme: hark-16\n")
    assert load_config(paths) == (Config(theme="hark-light"), [f"{f}:2: 'theme' is given twice (the first is used)"])


def test_python_tags_are_refused_not_run(paths, tmp_path):
    marker = tmp_path / "ran"
    f = write(
        paths,
        f"theme: !!python/object/apply:os.system ['touch {marker}']\n"
        "reading:\n"
        f"  wpm: !!python/object/apply:os.system ['touch {marker}']\n"
        "keymap:\n"
        "  reader.next: !!python/name:os.system\n",
    )
    config, messages = load_config(paths)
    assert config == Config()
    assert messages == [
        f"{f}:1: the tag !!python/object/apply:os.system is not allowed (ignored)",
        f"{f}:3: the tag !!python/object/apply:os.system is not allowed (ignored)",
        f"{f}:5: the tag !!python/name:os.system is not allowed (ignored)",
    ]
    assert not marker.exists()


def test_values_yaml_cannot_build_are_reported(paths):
    f = write(paths, "theme: hark-light\nreading:\n  wpm: !!int abc\n")
    config, messages = load_config(paths)
    assert config == Config(theme="hark-light")
    assert messages == [f"{f}:3: cannot read this value (invalid literal for int() with base 10: 'abc') (ignored)"]


def test_unreadable_files(paths):
    paths.config_file.write_bytes(b"theme: caf\xe9\n")
    config, messages = load_config(paths)
    assert config == Config() and messages == [f"{paths.config_file}: not UTF-8 text (byte 10) (using defaults)"]
    paths.config_file.write_text("theme: a\x01\n")
    config, messages = load_config(paths)
    assert config == Config() and messages[0].startswith(f"{paths.config_file}:1: not valid YAML")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parse_config_never_raises(text):
    config, messages = parse_config(text, "/x/config.yaml")
    assert isinstance(config, Config)
    assert all(m.startswith("/x/config.yaml") and "\n" not in m for m in messages)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["theme", "keymap", "reading", "player", "other"]),
            st.sampled_from(["", "!!int ", "!!float ", "!!timestamp ", "!!python/name:os.system ", "!!set "]),
            st.one_of(
                st.sampled_from(
                    ["hark-16", "{wpm: 90}", "{wpm: x}", "{a.b: j}", "{mpv: m, socket: s}", "[1]", "", "~"]
                ),
                st.text(max_size=12),
            ),
        ),
        max_size=6,
    )
)
def test_yaml_shaped_nonsense_never_raises(lines):
    text = "".join(f"{k}: {t}{v}\n" for k, t, v in lines)
    config, messages = parse_config(text, "/x/config.yaml")
    assert isinstance(config, Config)
    assert all(m.startswith("/x/config.yaml") and "\n" not in m for m in messages)
    assert not any("could not be read" in m for m in messages), messages


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "theme": st.sampled_from(["hark-dark", "hark-light", "x"]),
            "reading": st.fixed_dictionaries({"wpm": st.integers(20, 900)}),
            "keymap": st.dictionaries(st.sampled_from(["a.b", "c.d", "e"]), st.sampled_from(["j", "k,up", "?"])),
        },
    )
)
def test_parse_config_reads_what_yaml_dumps(data):
    import yaml

    config, messages = parse_config(yaml.safe_dump(data))
    assert messages == []
    assert config.theme == data.get("theme", "hark-dark")
    assert config.keymap == data.get("keymap", {})


# -- the keymap ------------------------------------------------------------------------------------


def test_validate_keymap_names_unknown_ids_with_file_and_line(paths):
    f = write(paths, "keymap:\n  reader.next: n\n  reader.nxet: j\n  nothing: x\n")
    config, messages = load_config(paths)
    assert messages == []
    known = ["reader.next", "reader.previous", "app.quit"]
    assert validate_keymap(config.keymap, known, config.keymap_where) == [
        f"{f}:3: keymap: no binding 'reader.nxet' (did you mean 'reader.next'?) (ignored)",
        f"{f}:4: keymap: no binding 'nothing' (ignored)",
    ]
    assert validate_keymap({"app.quit": "ctrl+q"}, known) == []
    assert validate_keymap({"app.qit": "q"}, known) == [
        "config.yaml: keymap: no binding 'app.qit' (did you mean 'app.quit'?) (ignored)"
    ]


# -- saving ------------------------------------------------------------------------------------------


def test_save_a_fresh_file_private_and_roundtrip(paths):
    assert not paths.config_file.exists()
    config = Config(
        theme="hark-light",
        keymap={"reader.next": "n"},
        reading=Reading(wpm=200.0),
        player=Player(socket="/run/mpv", mpv="mpv"),
    )
    assert save_config(paths, config) == []
    assert stat.S_IMODE(paths.config_file.stat().st_mode) == 0o600
    text = paths.config_file.read_text()
    assert text.startswith("# hark's settings.")
    assert "mpv: mpv" not in text.replace("#   mpv: mpv", "")  # defaults are not written out
    assert load_config(paths) == (config, [])


def test_save_defaults_writes_only_the_commented_header(paths):
    assert save_config(paths, Config()) == []
    text = paths.config_file.read_text()
    assert all(line.startswith("#") for line in text.splitlines() if line.strip())
    assert load_config(paths) == (Config(), [])


def test_save_edits_in_place_keeping_comments_and_unknown_sections(paths):
    original = FULL + "plugins:   # mine\n  - one\n"
    write(paths, original)
    config, messages = load_config(paths)
    assert messages == [f"{paths.config_file}:12: unknown setting 'plugins' (kept, not used)"]
    assert save_config(paths, replace(config, theme="hark-16")) == []
    assert paths.config_file.read_text() == original.replace("theme: nord ", "theme: hark-16 ")


def test_save_adds_keys_and_sections_in_place(paths):
    write(paths, "# top\ntheme: nord\nkeymap:\n  reader.next: n   # next\n# end\n")
    config, _ = load_config(paths)
    config.keymap["reader.previous"] = "p"
    config.keymap["app.quit"] = "ctrl+q"
    config.player.mpv = "/usr/bin/mpv"
    assert save_config(paths, config) == []
    assert paths.config_file.read_text() == (
        "# top\ntheme: nord\nkeymap:\n  reader.next: n   # next\n  reader.previous: p\n  app.quit: ctrl+q\n"
        "# end\nplayer:\n  mpv: /usr/bin/mpv\n"
    )
    assert load_config(paths) == (config, [])


def test_save_into_empty_values(paths):
    write(paths, "theme:\nkeymap:\n")
    config, _ = load_config(paths)
    config = replace(config, theme="hark-light", keymap={"x.y": "z"})
    assert save_config(paths, config) == []
    assert paths.config_file.read_text() == "theme: hark-light\nkeymap:\n  x.y: z\n"


def test_save_leaves_broken_values_it_did_not_change(paths):
    write(paths, "theme: nord\nreading:\n  wpm: fast   # oops\n")
    config, messages = load_config(paths)
    assert len(messages) == 1
    assert save_config(paths, replace(config, theme="hark-dark")) == []
    assert paths.config_file.read_text() == "theme: hark-dark\nreading:\n  wpm: fast   # oops\n"


def test_save_nothing_changed_leaves_the_file_alone(paths):
    write(paths, FULL)
    before = paths.config_file.stat().st_mtime_ns
    config, _ = load_config(paths)
    assert save_config(paths, config) == []
    assert paths.config_file.read_text() == FULL
    assert paths.config_file.stat().st_mtime_ns == before


def test_save_rewrites_when_it_cannot_edit_and_keeps_unknown_sections(paths):
    write(paths, "theme: nord\nplayer: {mpv: x}\nkeymap: {a.b: c}\nextra_section: {k: 1}\n")
    config, _ = load_config(paths)
    config.keymap["d.e"] = "f"
    del config.keymap["a.b"]  # a removal cannot be done in place
    assert save_config(paths, config) == []
    again, messages = load_config(paths)
    assert again == config
    assert again.extra == {"extra_section": {"k": 1}}
    assert messages == [f"{paths.config_file}:18: unknown setting 'extra_section' (kept, not used)"]
    assert paths.config_file.read_text().endswith(
        "theme: nord\nkeymap:\n  d.e: f\nplayer:\n  mpv: x\nextra_section:\n  k: 1\n"
    )


def test_save_never_overwrites_a_file_that_is_not_yaml(paths):
    broken = "theme: [hark-light\n"
    write(paths, broken)
    messages = save_config(paths, Config(theme="hark-16"))
    assert len(messages) == 1 and "not saved" in messages[0] and "not valid YAML" in messages[0]
    assert paths.config_file.read_text() == broken
    write(paths, "- a list\n")
    assert "not saved" in save_config(paths, Config(theme="hark-16"))[0]


def test_save_creates_the_config_folder(tmp_path):
    paths = resolve(tmp_path / "new" / "home")
    assert save_config(paths, Config(theme="hark-16")) == []
    assert load_config(paths)[0].theme == "hark-16"
    assert stat.S_IMODE(paths.config.stat().st_mode) == 0o700
