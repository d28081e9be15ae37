"""Fixtures of the search tests: the small planted library (one index
per module, or a fresh one per test), the samples' and the shared
corpus's."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_helpers import ROOT, Reference, build_fixture, corpus_dir

from hark.store.library import Library
from hark.store.search import Index


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    # The surface words an index keeps for completion are the ones this
    # process has seen; start clean so other tests' words do not count.
    from hark.store.search import analysis

    analysis._CACHE.clear()
    d = tmp_path_factory.mktemp("fx")
    lib = Library(d / "library.sqlite3")
    ids = build_fixture(lib)
    idx = Index(d / "index", lib)
    idx.sync()
    yield idx, ids
    idx.close()
    lib.close()


@pytest.fixture
def small(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    ids = build_fixture(lib)
    idx = Index(tmp_path / "index", lib)
    report = idx.sync()
    assert report.rebuilt is not None and report.rebuilt.why == "new"
    yield idx, lib, ids, tmp_path
    idx.close()
    lib.close()


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory, samples_dir):
    from hark.store.importer import import_paths

    d = tmp_path_factory.mktemp("samples")
    lib = Library(d / "library.sqlite3")
    report = import_paths(lib, [samples_dir])
    assert not report.failed
    idx = Index(d / "index", lib)
    idx.sync()
    yield idx, lib, {Path(lib.info(t).source).name: t for t in lib.ids()}
    idx.close()
    lib.close()


@pytest.fixture(scope="module")
def samples_dir():
    return ROOT / "store" / "samples"


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory):
    from hark.store.importer import import_paths

    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("../shared/corpus is not here")
    d = tmp_path_factory.mktemp("corpus")
    lib = Library(d / "library.sqlite3")
    report = import_paths(lib, [corpus / "seeds"])
    assert not report.failed, report.failed
    idx = Index(d / "index", lib)
    idx.sync()
    yield idx, lib, {Path(lib.info(t).source).name[:3]: t for t in lib.ids()}
    idx.close()
    lib.close()


@pytest.fixture(scope="module")
def full_corpus(tmp_path_factory):
    """The shared corpus, seeds and formats (43 real files: captions,
    TextGrids of one-word segments, CJK and German text), indexed, with its
    brute-force reading (search_helpers.Reference)."""
    from hark.store.importer import import_paths

    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("../shared/corpus is not here")
    d = tmp_path_factory.mktemp("full-corpus")
    lib = Library(d / "library.sqlite3")
    import_paths(lib, [corpus / "seeds", corpus / "formats"])
    assert len(lib.ids()) >= 40
    idx = Index(d / "index", lib)
    idx.sync()
    yield idx, lib, Reference(lib)
    idx.close()
    lib.close()
