"""Shared helpers for the hardening suite: the long-run switch, running the
CLI in a subprocess (raw bytes), the files the tests mutate, and a real
small tmpfs to fill up or remount read-only (root only: skipped elsewhere;
tests/store/test_library.py uses it too)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

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
    """`python -m hark.tui ARGS` with HARK_HOME=home; stdout/stderr as bytes."""
    return subprocess.run(
        [sys.executable, "-m", "hark.tui", *args],
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


# -- a real small filesystem: full, or read-only ----------------------------------


@contextmanager
def mounted_tmpfs(mnt: Path, size: str = "3m") -> Iterator[Path]:
    """A tmpfs of `size` at mnt for the duration; skips the test where
    mounting is not allowed (not root, or no mount in this container)."""
    mnt.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mnt)], capture_output=True)
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "mnt") as mnt:
        yield mnt


@contextmanager
def read_only(mnt: Path) -> Iterator[Path]:
    """Remount the tmpfs read-only for the duration (permission bits do
    not stop root; a read-only mount does). Every file on it must be closed
    for writing first, or the kernel refuses (skipped then)."""
    r = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot remount read-only: {r.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mnt)], capture_output=True)


def fill(mnt: Path) -> Path:
    """Fill the tmpfs to the last byte (unbuffered, shrinking chunks)."""
    filler = mnt / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        chunk = 65536
        while chunk:
            try:
                os.write(fd, b"\0" * chunk)
            except OSError as e:
                assert e.errno == errno.ENOSPC
                chunk //= 2
    finally:
        os.close(fd)
    return filler
