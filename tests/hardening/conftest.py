"""Shared helpers for the hardening suite: the long-run switch, running the
CLI in a subprocess (raw bytes), and the files the tests mutate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "store" / "samples"

# HARK_HARDENING_LONG=1 runs the long versions (by hand, not in CI).
LONG = os.environ.get("HARK_HARDENING_LONG", "") not in ("", "0")


def scale(short: int, long: int) -> int:
    return long if LONG else short


def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["HARK_HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("HARK_HARDENING_LONG", None)
    env.update(extra)
    return env


def run_cli(home: Path, *args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """`python -m tui.cli ARGS` with HARK_HOME=home; stdout/stderr as bytes."""
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=ROOT,
        env=child_env(home),
        capture_output=True,
        timeout=timeout,
        **kw,
    )


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith(("_", ".")))


def tree_modes(root: Path) -> list[tuple[str, int]]:
    """(path, mode) for every folder and file under root, root included."""
    out = [(str(root), root.stat().st_mode & 0o777)]
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            if p.is_symlink():
                continue
            out.append((str(p), p.stat().st_mode & 0o777))
    return out
