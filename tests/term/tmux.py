"""Driving the installed `hark` in a real terminal under tmux, the way a
person would: type keys, read the screen with capture-pane."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest


def hark_command() -> str:
    exe = shutil.which("hark")
    if exe is None:
        pytest.skip("the hark command is not installed (pip install -e .)")
    return exe


class Tmux:
    def __init__(self, home: Path, width: int = 120, height: int = 36) -> None:
        if shutil.which("tmux") is None:
            pytest.skip("tmux is not installed")
        self.socket = f"hark-test-{uuid.uuid4().hex[:8]}"
        self.home = home
        self.width = width
        self.height = height
        self.status_file = home.parent / f"exit-{self.socket}"

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check)

    def start(self, *args: str, env: dict[str, str] | None = None) -> None:
        environ = {"HARK_HOME": str(self.home), "TERM": "xterm-256color", **(env or {})}
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in environ.items())
        cmd = " ".join(shlex.quote(a) for a in (hark_command(), *args))
        # Record the exit code, then keep the pane open to read it.
        # COLUMNS/LINES from the test runner would pin the app's size.
        shell = f"env -u COLUMNS -u LINES {exports} {cmd}; echo $? > {shlex.quote(str(self.status_file))}; sleep 600"
        self._tmux("new-session", "-d", "-s", "hark", "-x", str(self.width), "-y", str(self.height), "sh", "-c", shell)

    def keys(self, *keys: str) -> None:
        for k in keys:
            self._tmux("send-keys", "-t", "hark", k)
            # A lone escape is told from an escape sequence by a pause: a
            # key right after it would read as alt+key.
            time.sleep(0.4 if k in ("Escape", "C-[") else 0.1)

    def pause(self, seconds: float = 0.5) -> None:
        """A person's pause between a key that moves focus and typing."""
        time.sleep(seconds)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "hark", "-l", text)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "hark").stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on screen:\n{screen}")

    def wait_for_re(self, pattern: str, timeout: float = 20.0) -> re.Match:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            m = re.search(pattern, screen)
            if m:
                return m
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} never matched the screen:\n{screen}")

    def wait_exit(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status_file.exists() and self.status_file.read_text().strip():
                return int(self.status_file.read_text())
            time.sleep(0.1)
        raise AssertionError(f"hark did not exit:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server", check=False)


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path / "home")
    yield t
    t.close()


def import_samples(home: Path, *paths: Path) -> None:
    env = dict(os.environ, HARK_HOME=str(home))
    p = subprocess.run([hark_command(), "import", *map(str, paths)], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
