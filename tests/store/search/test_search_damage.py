"""An index whose table of contents cannot be unpickled -- it names a
module or a class that is not there (the segments' codec, the text
fields' format), as an index written by a hark whose whoosh/fileformat.py
lived elsewhere does -- counts as damaged: it is rebuilt with one line,
by the sync path and by the search path the CLI takes, never a
traceback."""

from __future__ import annotations

import importlib.metadata
import os
import pickle
import subprocess
import sys
import types
from pathlib import Path

import pytest
from search_helpers import build_fixture, where

from hark.store.library import Library
from hark.store.search import Index, IndexUnavailable, sync
from hark.store.search.whoosh import fileformat

GONE = "hark_gone_fileformat"  # a module the index names, gone when it is read


def _gone_module() -> types.ModuleType:
    """A stand-in for where fileformat.py used to live."""
    gone = types.ModuleType(GONE)

    class HarkCodec(fileformat.HarkCodec):
        pass

    class PackedPositions(fileformat.PackedPositions):
        pass

    for obj in (HarkCodec, PackedPositions):
        obj.__module__ = GONE
        obj.__qualname__ = obj.__name__
        setattr(gone, obj.__name__, obj)
    return gone


def _build_naming_the_gone_module(home: Path, monkeypatch, *, what: str) -> dict[str, int]:
    """A library and an index whose table of contents pickles one of GONE's
    names: each segment's codec ("codec"), or the text fields' format
    ("format")."""
    lib = Library(home / "library.sqlite3")
    ids = build_fixture(lib)
    with monkeypatch.context() as m:
        gone = _gone_module()
        m.setitem(sys.modules, GONE, gone)
        if what == "codec":
            m.setattr(fileformat.HarkCodec, "__reduce__", lambda self: (gone.HarkCodec, (), dict(vars(self))))
        else:
            m.setattr(
                fileformat.PackedPositions, "__reduce__", lambda self: (gone.PackedPositions, (), dict(vars(self)))
            )
        idx = Index(home / "index", lib)
        assert idx.sync().rebuilt.why == "new"
        assert where(idx.search("brulee")) == [(ids["talk"], 4, 15.0)]  # readable while GONE is there
        idx.close()
    assert GONE not in sys.modules
    lib.close()
    return ids


def _hark(home: Path, *args: str) -> subprocess.CompletedProcess:
    """The `hark` command (its console-script entry point), in a child."""
    (ep,) = importlib.metadata.entry_points(group="console_scripts", name="hark")
    module, _, func = ep.value.partition(":")
    code = f"from {module} import {func}; {func}()"
    env = {**os.environ, "HARK_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("what", ["codec", "format"])
def test_a_missing_module_while_unpickling_is_damage_not_a_traceback(tmp_path, monkeypatch, what):
    home = tmp_path / "home"
    ids = _build_naming_the_gone_module(home, monkeypatch, what=what)
    with pytest.raises(ModuleNotFoundError):  # what Whoosh alone would let through
        pickle.loads(b"\x80\x02c" + GONE.encode() + b"\nHarkCodec\nq\x00.")
    with Library(home / "library.sqlite3") as lib:
        idx = Index(home / "index", lib)
        assert idx.health() == "corrupt"
        with pytest.raises(IndexUnavailable) as e:
            idx.search("brulee")
        assert e.value.why == "corrupt" and str(e.value).startswith("the search index is corrupt (")
        assert idx.rebuild(why="corrupt").transcripts == 5
        assert where(idx.search("brulee")) == [(ids["talk"], 4, 15.0)]
        idx.close()


@pytest.mark.parametrize("what", ["codec", "format"])
def test_sync_rebuilds_an_index_whose_contents_name_a_missing_module(tmp_path, monkeypatch, what):
    home = tmp_path / "home"
    ids = _build_naming_the_gone_module(home, monkeypatch, what=what)
    with Library(home / "library.sqlite3") as lib:
        assert Index(home / "index", lib).health() == "corrupt"  # even its state cannot be read
        said: list[str] = []
        report = sync(lib, home / "index", message=said.append)
        assert report.rebuilt.why == "corrupt"
        assert len(said) == 1 and said[0].startswith("the search index was damaged: rebuilt from the library (5 ")
        with Index(home / "index", lib) as idx:
            assert where(idx.search("brulee")) == [(ids["talk"], 4, 15.0)]


@pytest.mark.parametrize("what", ["codec", "format"])
def test_cli_search_rebuilds_an_index_whose_contents_name_a_missing_module(tmp_path, monkeypatch, what):
    home = tmp_path / "home"
    _build_naming_the_gone_module(home, monkeypatch, what=what)
    r = _hark(home, "search", "brulee")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("\n") == 1
    assert r.stderr.startswith("hark: the search index was damaged: rebuilt from the library (5 transcripts, ")
    assert r.stdout.startswith("1 hit for brulee")
