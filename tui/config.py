"""config.yaml: the theme, the keymap, reading and player settings.

    theme: hark-dark
    keymap:               # binding id: keys (comma-separated, Textual names)
      reader.next: j,down
    reading:
      wpm: 150            # words per minute, to estimate times of untimed text
      measure: 100        # the reader's widest line, in columns (0: no limit)
    player:
      mpv: mpv            # the mpv to start
      socket: null        # or the IPC socket of an mpv already running

A broken file never stops the app: what is broken gets its default and each
problem becomes a one-line `file:line: what` message for a notification.
Sections hark does not know are reported and kept, and `save_config` edits
the file in place where it can, so the user's comments and layout survive
a theme change. Read with PyYAML's safe loader only. No Textual import here:
the command line reads this too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from hark.store.paths import Paths, private_dir, write_private

from .yamlcheck import kind, shown, suggest

DEFAULT_THEME = "hark-dark"
DEFAULT_WPM = 150.0
WPM_RANGE = (20.0, 1000.0)
DEFAULT_MEASURE = 100  # columns: lines longer than this are hard to read
MEASURE_RANGE = (30, 1000)
MAX_CONFIG_BYTES = 1024 * 1024

_KEY = re.compile(r"[^\s,]+")  # one key name: `ctrl+d`, `question_mark`, `?`, `G`


@dataclass
class Reading:
    wpm: float = DEFAULT_WPM
    measure: int = DEFAULT_MEASURE  # the reader's widest line in columns; 0: no limit


@dataclass
class Player:
    socket: str | None = None
    mpv: str = "mpv"


@dataclass
class Config:
    theme: str = DEFAULT_THEME
    keymap: dict[str, str] = field(default_factory=dict)
    reading: Reading = field(default_factory=Reading)
    player: Player = field(default_factory=Player)
    extra: dict[str, Any] = field(default_factory=dict)
    """Top-level sections hark does not know, kept as they were on save."""
    keymap_where: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    """`file:line` of each keymap entry, for `validate_keymap` messages."""


SECTIONS = ("theme", "keymap", "reading", "player")
_SECTION_KEYS = {"reading": tuple(f.name for f in fields(Reading)), "player": tuple(f.name for f in fields(Player))}


# -- loading -------------------------------------------------------------------------------------


def load_config(paths: Paths) -> tuple[Config, list[str]]:
    """The config (defaults for anything missing or broken) and one-line
    messages for each problem. Never raises."""
    path = paths.config_file
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            return Config(), [f"{shown(path)}: larger than 1 MiB, not read (using defaults)"]
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return Config(), []
    except OSError as e:
        return Config(), [f"{shown(path)}: cannot read: {e.strerror or e} (using defaults)"]
    except UnicodeDecodeError as e:
        return Config(), [f"{shown(path)}: not UTF-8 text (byte {e.start}) (using defaults)"]
    return parse_config(text, path)


def parse_config(text: str, path: Path | str = "config.yaml") -> tuple[Config, list[str]]:
    """A config from YAML text: (config, messages). Never raises."""
    reader = _ConfigReader(text, Path(path))
    try:
        return reader.read(), reader.messages
    except Exception as e:  # a bug here must not keep the app from starting
        return Config(), [f"{shown(Path(path))}: could not be read ({type(e).__name__}: {e}); using defaults"]


class _ConfigReader:
    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        self.where = shown(path)
        self.messages: list[str] = []

    def problem(self, node: yaml.Node | None, reason: str) -> None:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        self.messages.append(f"{self.where}{line}: {reason}")

    def value(self, node: yaml.Node) -> tuple[bool, Any]:
        try:
            return True, self.loader.construct_object(node, deep=True)
        except Exception as e:  # PyYAML's constructors raise ValueError, KeyError... on `!!int abc`, `!!bool x`
            problem = getattr(e, "problem", None) or str(e)
            if "could not determine a constructor" in problem:
                tag = getattr(node, "tag", "?").replace("tag:yaml.org,2002:", "!!")
                self.problem(node, f"the tag {tag} is not allowed (ignored)")
            else:
                self.problem(node, f"cannot read this value ({problem.splitlines()[0]}) (ignored)")
            return False, None

    def read(self) -> Config:
        try:
            self.loader = yaml.SafeLoader(self.text)
        except yaml.reader.ReaderError as e:
            return self.unreadable(e)
        try:
            try:
                root = self.loader.get_single_node()
            except yaml.reader.ReaderError as e:
                return self.unreadable(e)
            except yaml.MarkedYAMLError as e:
                mark = e.problem_mark or e.context_mark
                line = f":{mark.line + 1}" if mark else ""
                self.messages.append(f"{self.where}{line}: not valid YAML: {e.problem} (using defaults)")
                return Config()
            except yaml.YAMLError as e:
                self.messages.append(f"{self.where}: not valid YAML: {e} (using defaults)")
                return Config()
            return self.read_root(root)
        finally:
            self.loader.dispose()

    def unreadable(self, e: yaml.reader.ReaderError) -> Config:
        line = self.text.count("\n", 0, e.position) + 1
        self.messages.append(f"{self.where}:{line}: not valid YAML: {e.reason} (using defaults)")
        return Config()

    def read_root(self, root: yaml.Node | None) -> Config:
        config = Config()
        if root is None or (isinstance(root, yaml.ScalarNode) and root.tag.endswith(":null")):
            return config
        if not isinstance(root, yaml.MappingNode):
            self.problem(root, "the config is a mapping of `setting: value` lines (using defaults)")
            return config
        seen: set[str] = set()
        for key_node, value_node in root.value:
            key = self.key(key_node, seen)
            if key is None:
                continue
            if key == "theme":
                ok, value = self.value(value_node)
                if ok and isinstance(value, str) and value.strip() and "," not in value:
                    config.theme = value.strip()
                elif ok:
                    self.problem(value_node, f"theme must be a theme's name, not {kind(value)} (using {DEFAULT_THEME})")
            elif key == "keymap":
                self.keymap(value_node, config)
            elif key in _SECTION_KEYS:
                self.section(key, value_node, config)
            else:
                ok, value = self.value(value_node)
                if ok:
                    config.extra[key] = value
                    self.problem(key_node, f"unknown setting {key!r}{suggest(key, SECTIONS)} (kept, not used)")
        return config

    def key(self, node: yaml.Node, seen: set[str]) -> str | None:
        if not (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str")):
            self.problem(node, "keys must be plain names (entry ignored)")
            return None
        if node.value in seen:
            self.problem(node, f"{node.value!r} is given twice (the first is used)")
            return None
        seen.add(node.value)
        return node.value

    def mapping(self, name: str, node: yaml.Node) -> list[tuple[yaml.Node, yaml.Node]] | None:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return []
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{name} must be a mapping of `name: value` lines (using defaults)")
            return None
        return node.value

    def keymap(self, node: yaml.Node, config: Config) -> None:
        items = self.mapping("keymap", node)
        seen: set[str] = set()
        for key_node, value_node in items or ():
            binding = self.key(key_node, seen)
            if binding is None:
                continue
            ok, value = self.value(value_node)
            if not ok:
                continue
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                value = ",".join(value)  # `[j, down]` reads naturally too
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)  # `app.focus_library: 1`
            keys = [k.strip() for k in value.split(",")] if isinstance(value, str) else []
            if not keys or not all(_KEY.fullmatch(k) for k in keys):
                self.problem(
                    value_node, f"keymap {binding}: keys are names separated by commas, e.g. 'j,down' (ignored)"
                )
                continue
            config.keymap[binding] = ",".join(keys)
            config.keymap_where[binding] = f"{self.where}:{key_node.start_mark.line + 1}"

    def section(self, name: str, node: yaml.Node, config: Config) -> None:
        items = self.mapping(name, node)
        known = _SECTION_KEYS[name]
        target = getattr(config, name)
        seen: set[str] = set()
        for key_node, value_node in items or ():
            key = self.key(key_node, seen)
            if key is None:
                continue
            if key not in known:
                self.problem(key_node, f"unknown setting {name}.{key}{suggest(key, known)} (ignored)")
                continue
            ok, value = self.value(value_node)
            if not ok:
                continue
            checked = _check(name, key, value)
            if isinstance(checked, _Bad):
                self.problem(value_node, f"{name}.{key} {checked.reason} (using {getattr(target, key)!r})")
            else:
                setattr(target, key, checked)


@dataclass
class _Bad:
    reason: str


def _check(section: str, key: str, value: Any) -> Any:
    """A setting's value, cleaned, or _Bad(reason)."""
    if (section, key) == ("reading", "wpm"):
        lo, hi = WPM_RANGE
        if (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and lo <= value <= hi
        ):
            return float(value)
        return _Bad(f"must be a number of words per minute from {lo:g} to {hi:g}")
    if (section, key) == ("reading", "measure"):
        lo, hi = MEASURE_RANGE
        if isinstance(value, int) and not isinstance(value, bool) and (value == 0 or lo <= value <= hi):
            return value
        return _Bad(f"must be a number of columns from {lo} to {hi}, or 0 for no limit")
    if (section, key) == ("player", "socket"):
        if value is None or (isinstance(value, str) and value.strip()):
            return value.strip() if isinstance(value, str) else None
        return _Bad("must be the path of an mpv IPC socket, or null")
    if (section, key) == ("player", "mpv"):
        if isinstance(value, str) and value.strip():
            return value.strip()
        return _Bad("must be the mpv command to run")
    return _Bad("is not a setting")  # pragma: no cover - every known key is handled above


# -- saving --------------------------------------------------------------------------------------

_HEADER = """\
# hark's settings. Delete a line to get its default back.
#
# theme: hark-dark        # T in the app chooses a theme and saves it here
# keymap:                 # binding id: keys (comma-separated), e.g.
#   reader.next: j,down
# reading:
#   wpm: 150              # words per minute, to estimate times of untimed text
#   measure: 100          # the reader's widest line, in columns (0: no limit)
# player:
#   mpv: mpv              # the mpv command to start
#   socket: null          # or the IPC socket of an mpv already running
"""


def save_config(paths: Paths, config: Config) -> list[str]:
    """Write `config` to config.yaml atomically (0600); messages when it could not.

    An existing file is edited in place, value by value, so comments, order
    and settings hark does not know survive; only what differs from what the
    file already says is written (a broken value stays as the user left it
    unless the app changed that setting). A file that is not valid YAML is
    never overwritten."""
    path = paths.config_file
    try:
        old = path.read_bytes().decode("utf-8-sig") if path.exists() else None
    except (OSError, UnicodeDecodeError) as e:
        return [f"{shown(path)}: not saved: cannot read the file ({e})"]
    if old is None or not old.strip():
        text = _fresh(config)
    else:
        text_or_problem = _updated(old, path, config)
        if isinstance(text_or_problem, _Bad):
            return [f"{shown(path)}: not saved: {text_or_problem.reason}"]
        text = text_or_problem
        if text == old:
            return []
    try:
        private_dir(path.parent)
        write_private(path, text.encode("utf-8"))
    except OSError as e:
        return [f"{shown(path)}: not saved: {e.strerror or e}"]
    return []


def _as_dict(config: Config) -> dict[str, Any]:
    """The YAML document for a config: what differs from the defaults, then `extra`."""
    default = Config()
    out: dict[str, Any] = {}
    if config.theme != default.theme:
        out["theme"] = config.theme
    if config.keymap:
        out["keymap"] = dict(config.keymap)
    for name in _SECTION_KEYS:
        section = {
            key: getattr(getattr(config, name), key)
            for key in _SECTION_KEYS[name]
            if getattr(getattr(config, name), key) != getattr(getattr(default, name), key)
        }
        if section:
            out[name] = section
    out.update(config.extra)
    return out


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)


def _fresh(config: Config) -> str:
    body = _as_dict(config)
    return _HEADER + ("\n" + _dump(body) if body else "")


def _scalar(value: Any) -> str | None:
    """A value as one line of YAML, or None when it needs more."""
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1000)
    text = text.removesuffix("\n...\n").rstrip("\n")
    return None if "\n" in text else text


def _updated(old: str, path: Path, config: Config) -> str | _Bad:
    """`old` edited so that it loads as `config`; a full rewrite (keeping
    what hark does not know) when an edit in place is not possible."""
    loader = yaml.SafeLoader(old)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        return _Bad(f"the file is not valid YAML{line}: fix it or delete it, then choose again")
    finally:
        loader.dispose()
    if root is not None and not isinstance(root, yaml.MappingNode):
        return _Bad("the file is not a mapping of settings: fix it or delete it")
    current, _ = parse_config(old, path)
    if current == config:
        return old
    changes: list[tuple[tuple[str, ...], Any]] = []
    if config.theme != current.theme:
        changes.append((("theme",), config.theme))
    for name in _SECTION_KEYS:
        for key in _SECTION_KEYS[name]:
            value = getattr(getattr(config, name), key)
            if value != getattr(getattr(current, name), key):
                changes.append(((name, key), value))
    for binding, keys in config.keymap.items():
        if current.keymap.get(binding) != keys:
            changes.append((("keymap", binding), keys))
    removed = set(current.keymap) - set(config.keymap)
    edited = None
    if not removed and config.extra == current.extra and root is not None:
        edited = _edit(old, root, changes)
    if edited is not None and parse_config(edited, path)[0] == config:
        return edited
    # Rewrite: everything hark knows, then the sections it does not.
    return _HEADER + "\n" + _dump(_as_dict(config))


def _edit(text: str, root: yaml.MappingNode, changes: list[tuple[tuple[str, ...], Any]]) -> str | None:
    """Apply changes by editing the text around the nodes; None if any one
    cannot be done safely (flow style, block scalars, nested values...)."""
    top = {k.value: (k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    appended: dict[str, Any] = {}
    for where, value in changes:
        if where[0] not in top:
            if len(where) == 1:
                appended[where[0]] = value
            else:
                appended.setdefault(where[0], {})[where[1]] = value
            continue
        key_node, node = top[where[0]]
        if len(where) == 1:
            edit = _replace_scalar(text, node, value)
        else:
            edit = _set_in_block(text, key_node, node, where[1], value)
        if edit is None:
            return None
        edits.append(edit)
    # New keys for one section all go in at the same place, in order.
    merged: dict[tuple[int, int], str] = {}
    for start, end, new in edits:
        if (start, end) in merged and start != end:
            return None
        merged[(start, end)] = merged.get((start, end), "") + new
    for (start, end), new in sorted(merged.items(), reverse=True):
        text = text[:start] + new + text[end:]
    if appended:
        if not text.endswith("\n"):
            text += "\n"
        text += _dump(appended)
    return text


def _replace_scalar(text: str, node: yaml.Node, value: Any) -> tuple[int, int, str] | None:
    new = _scalar(value)
    if new is None or not isinstance(node, yaml.ScalarNode) or node.style in ("|", ">"):
        return None
    start, end = node.start_mark.index, node.end_mark.index
    if start == end:  # `theme:` with nothing after it
        return start, end, " " + new if start < len(text) and text[start - 1] == ":" else None
    return start, end, new


def _set_in_block(text: str, key_node: yaml.Node, node: yaml.Node, key: str, value: Any) -> tuple[int, int, str] | None:
    """Set `key: value` inside the block mapping `node` (or an empty one)."""
    new_key, new_value = _scalar(key), _scalar(value)
    if new_key is None or new_value is None:
        return None
    if (
        isinstance(node, yaml.ScalarNode)
        and node.tag.endswith(":null")
        and node.start_mark.index == node.end_mark.index
    ):
        # `keymap:` with nothing under it: start the block on the next line.
        eol = text.find("\n", key_node.end_mark.index)
        indent = " " * (key_node.start_mark.column + 2)
        if eol < 0:
            return len(text), len(text), f"\n{indent}{new_key}: {new_value}\n"
        return eol + 1, eol + 1, f"{indent}{new_key}: {new_value}\n"
    if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
        return None
    for child_key, child_value in node.value:
        if isinstance(child_key, yaml.ScalarNode) and child_key.value == key:
            return _replace_scalar(text, child_value, value)
    last_key, last_value = node.value[-1]
    if not isinstance(last_value, yaml.ScalarNode) or last_value.style in ("|", ">"):
        return None
    indent = " " * node.value[0][0].start_mark.column
    eol = text.find("\n", max(last_value.end_mark.index, last_key.end_mark.index))
    if eol < 0:
        return len(text), len(text), f"\n{indent}{new_key}: {new_value}\n"
    return eol + 1, eol + 1, f"{indent}{new_key}: {new_value}\n"
