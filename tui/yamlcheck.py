"""The words config.yaml's and the theme files' problem messages share:
where the file is, what kind of value was found, and "did you mean".

Plain Python (no Textual): config.py, which the command line may read,
uses it as well as themes.py.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def shown(path: Path) -> str:
    """A path as a person wants to read it in a notification (~ for home)."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def kind(value: Any) -> str:
    """What a YAML value is, in a message's words: "a number", "a list"..."""
    if value is None:
        return "empty"
    return {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def suggest(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest of `choices`, or ""."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
