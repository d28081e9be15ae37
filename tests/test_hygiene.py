"""store/ never imports the UI (so the CLI starts fast and the data layer
stays reusable); tui/ asks the store instead of using SQL or Whoosh."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_store_does_not_import_textual_or_tui():
    code = (
        "import importlib, pkgutil, sys, hark.store, hark.store.formats\n"
        "for m in pkgutil.walk_packages(hark.store.__path__, 'hark.store.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith('hark.tui'))\n"
        "print(bad)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_tui_has_no_sql_or_whoosh():
    for f in (ROOT / "tui").rglob("*.py"):
        text = f.read_text()
        assert not re.search(r"^\s*(import|from)\s+(sqlite3|whoosh)\b", text, re.M), f
        assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\s+\w", text), f
