"""`hark --demo` leaves no temporary folder behind, also when the terminal
is closed (SIGHUP) or the process is stopped (SIGTERM) while it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# The app is replaced by a runner that says where the demo's home is and
# waits: the signal arrives while "the app" runs, as a closed terminal's does.
SCRIPT = """
import sys, time
from hark.tui import cli

def app(paths, **kw):
    print(paths.data, flush=True)
    if sys.argv[1] == "wait":
        time.sleep(60)
    return 0

sys.exit(cli.main(["--demo"], app=app))
"""


def _start(mode: str, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), TMPDIR=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line, proc.stderr.read() if proc.stderr else ""
    data = Path(line)
    assert data.is_dir()
    return proc, data


def _demo_home(data: Path) -> Path:
    # the demo's home is the temporary folder that holds its data folder
    home = data
    while home.parent != home and not home.name.startswith("hark-demo-"):
        home = home.parent
    assert home.name.startswith("hark-demo-"), data
    return home


def test_a_demo_that_ends_removes_its_folder(tmp_path):
    proc, data = _start("quit", tmp_path)
    assert proc.wait(timeout=60) == 0
    assert not _demo_home(data).exists()


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_a_closed_terminal_or_a_stop_removes_the_folder(tmp_path, sig):
    proc, data = _start("wait", tmp_path)
    home = _demo_home(data)
    assert home.exists()
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == 128 + sig
    assert not home.exists()
