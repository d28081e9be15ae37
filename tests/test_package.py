"""The package as a user installs it: a wheel in a fresh venv carries the
themes and the sample library, and the `hark` script."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp / "dist"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        pytest.fail(f"wheel build failed: {build.stderr[-2000:]}")
    wheel = next((tmp / "dist").glob("hark-*.whl"))
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    # No dependencies needed for what is checked; pip from this interpreter
    # installs into the venv's site-packages without touching the network.
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    ).stdout.strip()
    inst = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(wheel)],
        capture_output=True,
        text=True,
    )
    assert inst.returncode == 0, inst.stderr
    return py, Path(site)


def test_wheel_ships_themes_and_samples(wheel_venv, tmp_path):
    py, site = wheel_venv
    code = (
        "import hark.themes as themes, pathlib, importlib.resources as r\n"
        "print([p.name for p in themes.builtin_theme_files()])\n"
        "print(sorted(p.name for p in (r.files('hark.store') / 'samples').iterdir() if not p.name.startswith('_')))\n"
        "print(pathlib.Path(themes.__file__).parent)\n"
    )
    p = subprocess.run([py, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    names, samples, where = p.stdout.strip().splitlines()
    assert "hark-dark.yaml" in names
    assert str(site) in where  # found in the installed wheel, not the checkout
    shipped = sorted(x.name for x in (ROOT / "store" / "samples").iterdir() if not x.name.startswith("_"))
    assert eval(samples) == shipped and len(shipped) >= 10


def test_wheel_metadata_declares_the_script(wheel_venv):
    _, site = wheel_venv
    ep = next(site.glob("hark-*.dist-info")) / "entry_points.txt"
    assert "hark = hark.tui.main:entry" in ep.read_text()
