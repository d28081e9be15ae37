"""hark's built-in themes: one YAML file each, shipped as package data."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def builtin_theme_files() -> list[Path]:
    """The built-in theme files, found wherever the package is installed."""
    root = files(__name__)
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".yaml"))
