"""An index whose files cannot be unpickled -- they name a module or a
class that is not there, as an index written by a hark whose
whoosh/fileformat.py lived elsewhere does -- counts as damaged: it is
rebuilt with one line, by the sync path and by the search path the CLI
takes, never a traceback."""

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

    def unpack_array(code: str, data: bytes):
        return fileformat.unpack_array(code, data)

    class PackedValues(fileformat.PackedValues):
        __slots__ = ()

    for obj in (unpack_array, PackedValues):
        obj.__module__ = GONE
        obj.__qualname__ = obj.__name__
        setattr(gone, obj.__name__, obj)
    return gone


def _build_naming_the_gone_module(home: Path, monkeypatch, *, ids_too: bool) -> dict[str, int]:
    """A library and an index whose posting blocks pickle GONE's names: the
    values of the text fields (ids_too: the ids of every block as well)."""
    lib = Library(home / "library.sqlite3")
    ids = build_fixture(lib)
    with monkeypatch.context() as m:
        gone = _gone_module()
        m.setitem(sys.modules, GONE, gone)
        m.setattr(
            fileformat.PackedValues,
            "__reduce__",
            lambda self: (gone.PackedValues, (self.blob, self.ends.typecode, self.ends.tobytes())),
        )
        if ids_too:
            m.setattr(
                fileformat.PackedArray,
                "__reduce_ex__",
                lambda self, p: (gone.unpack_array, (self.typecode, self.tobytes())),
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


def test_a_missing_module_while_unpickling_is_damage_not_a_traceback(tmp_path, monkeypatch):
    home = tmp_path / "home"
    ids = _build_naming_the_gone_module(home, monkeypatch, ids_too=False)
    with pytest.raises(ModuleNotFoundError):  # what Whoosh alone would let through
        pickle.loads(b"\x80\x02c" + GONE.encode() + b"\nPackedValues\nq\x00.")
    with Library(home / "library.sqlite3") as lib:
        idx = Index(home / "index", lib)
        assert idx.health() is None and idx.in_sync()  # the state is readable: only the text's blocks are not
        with pytest.raises(IndexUnavailable) as e:
            idx.search("brulee")
        assert (e.value.why, str(e.value)) == ("corrupt", "the search index is corrupt (UnpicklingError)")
        assert idx.rebuild(why="corrupt").transcripts == 5
        assert where(idx.search("brulee")) == [(ids["talk"], 4, 15.0)]
        idx.close()


def test_cli_search_rebuilds_an_index_that_names_a_missing_module_with_one_line(tmp_path, monkeypatch):
    home = tmp_path / "home"
    _build_naming_the_gone_module(home, monkeypatch, ids_too=False)
    r = _hark(home, "search", "brulee")
    assert r.returncode == 0, r.stderr
    assert r.stderr == "hark: the search index is corrupt (UnpicklingError): rebuilt from the library (5 transcripts)\n"
    assert r.stdout.startswith("1 hit for brulee")
    r = _hark(home, "search", "brulee")
    assert (r.returncode, r.stderr) == (0, "")


def test_sync_rebuilds_an_index_whose_every_block_names_a_missing_module(tmp_path, monkeypatch):
    home = tmp_path / "home"
    ids = _build_naming_the_gone_module(home, monkeypatch, ids_too=True)
    with Library(home / "library.sqlite3") as lib:
        assert Index(home / "index", lib).health() == "corrupt"  # even its state cannot be read
        said: list[str] = []
        report = sync(lib, home / "index", message=said.append)
        assert report.rebuilt.why == "corrupt"
        assert len(said) == 1 and said[0].startswith("the search index was damaged: rebuilt from the library (5 ")
        with Index(home / "index", lib) as idx:
            assert where(idx.search("brulee")) == [(ids["talk"], 4, 15.0)]


def test_cli_search_rebuilds_an_index_whose_every_block_names_a_missing_module(tmp_path, monkeypatch):
    home = tmp_path / "home"
    _build_naming_the_gone_module(home, monkeypatch, ids_too=True)
    r = _hark(home, "search", "brulee")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("\n") == 1
    assert r.stderr.startswith("hark: the search index was damaged: rebuilt from the library (5 transcripts, ")
    assert r.stdout.startswith("1 hit for brulee")
