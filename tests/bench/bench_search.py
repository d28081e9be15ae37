"""Search benchmark: run by hand, not by pytest.

    python tests/bench/bench_search.py [--transcripts 1000] [--segments 660] [--queries 60]
    python tests/bench/bench_search.py --transcripts 5000     # about half an hour here

With --work DIR the generated files and the library are kept there, and a
later run with the same DIR and sizes reuses them (hark's index and the
FTS5 copy are always built again).

Generates a library (tests/bench/genlib.py: ~7,900 words a transcript in
SRT, WebVTT, whisper, Markdown and plain text), imports it, builds hark's
index, and in the same run measures the baselines over the same content:

- Whoosh as it comes: one document per segment, StemmingAnalyzer, the
  default writer (procs=1, limitmb=128) -- build time, size, query times;
- hark's passage documents through Whoosh's stock writer (isolates the
  writer tuning from the document granularity);
- SQLite FTS5 over the same passages (porter tokenizer);
- `grep -rFi` (and ripgrep when installed) over the same files.

Query kinds: single term, two-term AND, phrase (some across segment
boundaries), prefix (3-5 letters), fuzzy (one edit, `~`, the first letter
too), a field query, a hyphenated word (`long-horizon`: its parts as a
phrase), a long phrase (8 to 40 words, half of them running on across a
passage end); and, reported apart, the worst cases "common" and "frequent"
(see make_queries). The library's vocabulary is realistic (genlib: Zipf
over 60,000 distinct words); the number of distinct words indexed is
printed. Figures are p50/p95 in milliseconds from a warm searcher,
top 20 with snippets and the exact total: "cold" forgets the posting lists
decoded by earlier queries before each query, "repeat" runs the queries
again with them kept (typing a query repeats its words); then `hark search` cold (a new process), adding one 10,000-word
transcript, and the index size as a multiple of the text size. The machine's
load average is printed: other work on the machine inflates every figure.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import genlib  # noqa: E402

KINDS = ("term", "and", "phrase", "prefix", "fuzzy", "field", "hyphen", "long", "common", "frequent")


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def fmt_ms(xs: list[float]) -> str:
    if not xs:
        return "      n/a      "
    return f"{pct(xs, 50) * 1000:6.1f} / {pct(xs, 95) * 1000:6.1f}"


# "wall": elapsed time. "cpu": CPU time of this thread plus that of child
# processes (divided by how many ran at once) -- the figure an idle machine
# would show as elapsed time, for runs on a machine busy with other work.
CLOCK = "wall"


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def now() -> float:
    return time.thread_time() + _children_cpu() if CLOCK == "cpu" else time.perf_counter()


def timed(fn, *a, parallel: int = 1, **kw):
    if CLOCK == "cpu":
        c0, k0 = time.thread_time(), _children_cpu()
        r = fn(*a, **kw)
        return time.thread_time() - c0 + (_children_cpu() - k0) / parallel, r
    t0 = time.perf_counter()
    r = fn(*a, **kw)
    return time.perf_counter() - t0, r


def dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


# -- the library -------------------------------------------------------------------


def make_library(work: Path, n: int, segs: int, seed: int):
    from hark.store.library import Library
    from hark.store.paths import resolve

    files = work / "files"
    stamp = work / "made.txt"
    made = f"{n} {segs} {seed}"
    if stamp.is_file() and stamp.read_text() == made:
        home = resolve(work / "home").ensure()
        print(f"reusing the files and the library in {work}")
        return home, Library(home.library), sorted(files.iterdir())
    shutil.rmtree(files, ignore_errors=True)
    shutil.rmtree(work / "home", ignore_errors=True)
    stamp.unlink(missing_ok=True)
    (work / "fts5.sqlite3").unlink(missing_ok=True)
    t, paths = timed(genlib.generate, files, n, segs, seed)
    print(f"generated {len(paths)} files ({dir_size(files) / 1e6:.1f} MB) in {t:.1f}s")
    home = resolve(work / "home").ensure()
    lib = Library(home.library)
    try:
        from hark.store.importer import import_paths

        t, rep = timed(import_paths, lib, [files])
        print(f"imported {len(rep.imported)} ({len(rep.failed)} failed) in {t:.1f}s")
        for p, e in rep.failed[:5]:
            print(f"  failed {p}: {e}")
    except Exception as e:  # parsers missing: store the generated content directly
        print(f"import pipeline unavailable ({e}); saving generated transcripts directly")
        from hark.store.model import Segment, Transcript

        for i, g in enumerate(genlib.transcripts(n, segs, seed)):
            tr = Transcript(
                title=g.title,
                format=g.format,
                segments=[Segment(c.start, c.end, c.text, c.speaker) for c in g.cues],
                metadata={"tags": g.tags, "speakers": g.speakers},
            ).finish()
            lib.save(tr, source=f"gen:{i}", sha256=f"{i:064d}")
    stamp.write_text(made)
    return home, lib, paths


def library_rows(lib):
    infos = {i.id: i for i in lib.list()}
    segs: dict[int, list] = {}
    for tid, _idx, s in lib.iter_segments():
        segs.setdefault(tid, []).append(s)
    return infos, segs


# -- queries ----------------------------------------------------------------------------


def make_queries(infos, segs, k: int, seed: int) -> dict[str, list[str]]:
    """Queries drawn from the library's own text, words by frequency (as
    they occur). "term", "and", "prefix", "fuzzy" and "field" avoid the 50
    most frequent words (the, of, and, I, ...), which people rarely search
    alone; "phrase" is 2-3 consecutive words with at least one outside the
    200 most frequent (what people quote: "scaling laws", "long horizon").
    Reported apart: "common" -- one of the 50 most frequent words, or a
    two-word phrase of them ("of the"); "frequent" -- phrases made only of
    the 200 most frequent words ("it some the"): with no stop words, their
    posting lists span most passages, the worst case for any index."""
    from collections import Counter

    from hark.store.search.analysis import TOKEN

    rng = random.Random(seed)
    tids = sorted(segs)
    counts: Counter[str] = Counter()
    for tid in tids[:: max(1, len(tids) // 100)]:
        for s in segs[tid]:
            counts.update(w.lower() for w in TOKEN.findall(s.text))
    common = {w for w, _ in counts.most_common(50)}
    frequent = {w for w, _ in counts.most_common(200)}
    out: dict[str, list[str]] = {kind: [] for kind in KINDS}

    def pick() -> tuple[list[str], int, int]:
        tid = rng.choice(tids)
        i = rng.randrange(len(segs[tid]))
        return [w.lower() for w in TOKEN.findall(segs[tid][i].text)], tid, i

    def phrase() -> list[str] | None:
        tid = rng.choice(tids)
        ss = segs[tid]
        i = rng.randrange(len(ss) - 1)
        ws = [w.lower() for w in TOKEN.findall(ss[i].text)]
        nxt = [w.lower() for w in TOKEN.findall(ss[i + 1].text)]
        if rng.random() < 0.33 and ws and nxt:  # across a segment boundary
            return ws[-1:] + nxt[:2]
        if len(ws) >= 3:
            j = rng.randrange(len(ws) - 2)
            return ws[j : j + rng.choice((2, 3))]
        return None

    while len(out["phrase"]) < k or len(out["frequent"]) < k:
        words = phrase()
        if not words or all(w in common for w in words):
            continue
        kind = "frequent" if all(w in frequent for w in words) else "phrase"
        if len(out[kind]) < k:
            out[kind].append('"' + " ".join(words) + '"')
    while len(out["term"]) < k:
        ws, _, _ = pick()
        ws = [w for w in ws if w not in common]
        if ws:
            out["term"].append(rng.choice(ws))
    while len(out["and"]) < k:
        ws, _, _ = pick()
        ws = list(dict.fromkeys(w for w in ws if w not in common))
        if len(ws) >= 2:
            out["and"].append(" ".join(rng.sample(ws, 2)))
    while len(out["prefix"]) < k:
        ws, _, _ = pick()
        ws = [w for w in ws if len(w) >= 6]
        if ws:
            out["prefix"].append(rng.choice(ws)[: rng.randint(3, 5)] + "*")
    while len(out["fuzzy"]) < k:
        ws, _, _ = pick()
        ws = [w for w in ws if len(w) >= 5 and w not in common]
        if not ws:
            continue
        w = list(rng.choice(ws))
        j = rng.randrange(1, len(w))
        op = rng.choice(("swap", "drop", "sub"))
        if op == "swap" and j < len(w) - 1:
            w[j], w[j + 1] = w[j + 1], w[j]
        elif op == "drop":
            del w[j]
        else:
            w[j] = rng.choice("aeiourstln")
        out["fuzzy"].append("".join(w) + "~")
    while len(out["field"]) < k:
        ws, tid, _ = pick()
        ws = [w for w in ws if w not in common]
        spk = [s.speaker for s in segs[tid] if s.speaker] or infos[tid].metadata.get("speakers") or []
        if spk and ws:
            name = rng.choice(spk).split()[-1].lower()
            out["field"].append(f"speaker:{name} {rng.choice(ws)}")
    hyphenated = re.compile(r"\w+(?:-\w+)+")
    while len(out["hyphen"]) < k:
        tid = rng.choice(tids)
        ss = segs[tid]
        i = rng.randrange(len(ss))
        said = hyphenated.findall(ss[i].text)
        if said and rng.random() < 0.5:  # as written in the text
            out["hyphen"].append(rng.choice(said).lower())
            continue
        ws = [w.lower() for w in TOKEN.findall(ss[i].text)]
        if len(ws) >= 2:  # two words said side by side, typed with a hyphen
            j = rng.randrange(len(ws) - 1)
            if not (ws[j] in common and ws[j + 1] in common):
                out["hyphen"].append(f"{ws[j]}-{ws[j + 1]}")
    while len(out["long"]) < k:
        out["long"].append('"' + " ".join(long_phrase(segs[rng.choice(tids)], rng, len(out["long"]) % 2 == 0)) + '"')
    top = [w for w, _ in counts.most_common(50)]
    while len(out["common"]) < k:
        if len(out["common"]) % 2:
            out["common"].append(rng.choice(top))
        else:
            out["common"].append(f'"{rng.choice(top[:20])} {rng.choice(top[:20])}"')
    return out


def long_phrase(ss, rng: random.Random, across: bool) -> list[str]:
    """8 to 40 words said in a row in one transcript; `across`: starting a
    few words before the end of a passage (hark's index unit), so that it
    runs on into the next one, or several."""
    from hark.store.search.analysis import TOKEN, terms
    from hark.store.search.documents import passages

    words: list[tuple[str, int]] = [(w, i) for i, s in enumerate(ss) for w in TOKEN.findall(s.text)]
    n = rng.randint(8, 40)
    if across:
        cuts = passages([terms(s.text) for s in ss], [s.speaker for s in ss], [s.text for s in ss])
        last = rng.choice(cuts[:-1] or cuts)[1]
        end = max((k for k, (_w, i) in enumerate(words) if i <= last), default=0)
        start = max(0, end - rng.randint(0, 5))
    else:
        start = rng.randrange(max(1, len(words) - n))
    return [w.lower() for w, _i in words[start : start + n]]


# -- hark ----------------------------------------------------------------------------------


def bench_hark(home, lib, queries, runs: int, serial: bool) -> dict:
    from hark.store.search import Index

    idx = Index(home.index, lib)
    res: dict = {}
    for procs in (1, None) if serial else (None,):
        shutil.rmtree(home.index, ignore_errors=True)
        t, rep = timed(idx.rebuild, procs=procs, parallel=procs or 2)
        label = f"procs={rep.procs}"
        res[f"build {label}"] = t
        if rep.peak_mb:
            res["peak_mb"] = rep.peak_mb
        print(f"hark build ({label}): {t:.1f}s, {rep.passages} passages from {rep.segments} segments")
    st = idx.stats()
    res["stats"] = st
    from hark.store.search.words import WORDS_FILE, Surface

    res["distinct"] = len(Surface.load(home.index / WORDS_FILE).words)
    print(f"distinct words indexed (as written): {res['distinct']:,}")
    t, _ = timed(idx.warm)
    res["warm"] = t
    print(f"warm-up (term tables): {t * 1000:.0f} ms; {st['documents']} documents, {st['segments']} segments")
    # "cold": the decoded posting lists of earlier queries forgotten before
    # each query (its words not seen before); "repeat": the same queries
    # again with them kept (a query being typed repeats its words).
    for kind, qs in queries.items():
        for q in qs[:5]:
            idx.search(q, limit=20)
        for repeat in (False, True):
            times = []
            for _ in range(runs):
                for q in qs:
                    if not repeat:
                        idx.forget_postings()
                    t, _r = timed(idx.search, q, limit=20)
                    times.append(t)
            res[(kind, repeat)] = times
    comp = []
    for q in queries["prefix"]:
        p = q.rstrip("*")
        for k in range(1, len(p) + 1):
            t, _ = timed(idx.complete, p[:k])
            comp.append(t)
    res["complete"] = comp
    res["idx"] = idx
    return res


_OPEN_PROBE = """
import json, sys, time
from hark.store.library import Library
from hark.store.search import Index
t0 = time.perf_counter()
lib = Library(sys.argv[1], read_only=True)
idx = Index(sys.argv[2], lib)
idx.health()
t1 = time.perf_counter()
idx.search(sys.argv[3], limit=20)
t2 = time.perf_counter()
print(json.dumps({"open": t1 - t0, "first": t2 - t1}))
"""


def bench_open(home, queries, rounds: int = 5) -> tuple[list[float], list[float]]:
    """In a new process (as the app, and each `hark search`, starts):
    opening the index, then the first query's time after it."""
    opens, firsts = [], []
    for k in range(rounds):
        q = queries["term"][k % len(queries["term"])]
        r = subprocess.run(
            [sys.executable, "-c", _OPEN_PROBE, str(home.library), str(home.index), q],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if r.returncode:
            print("open probe failed:", r.stderr[-300:])
            continue
        import json

        got = json.loads(r.stdout.strip().splitlines()[-1])
        opens.append(got["open"])
        firsts.append(got["first"])
    return opens, firsts


def bench_cold(home, queries) -> tuple[list[float], float]:
    """`hark search` as a new process, as an installed hark runs it: with
    compiled bytecode (a private cache folder; the first run fills it and
    is reported apart)."""
    cache = Path(tempfile.mkdtemp(prefix="hark-pyc-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(HARK_HOME=str(home.data), PYTHONPYCACHEPREFIX=str(cache))
    qs = [queries[k][i] for i in range(2) for k in ("term", "phrase", "prefix", "and", "fuzzy", "field")]
    times = []
    first = 0.0
    try:
        for n, q in enumerate([qs[0], *qs]):
            t, r = timed(
                subprocess.run,
                [sys.executable, "-m", "hark.tui", "search", q, "--limit", "20"],
                cwd=ROOT,
                env=env,
                capture_output=True,
            )
            if n == 0:
                first = t
            else:
                times.append(t)
            if r.returncode:
                print("cold search failed:", r.stderr.decode()[:200])
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return times, first


def bench_add(home, lib, idx, seed: int) -> tuple[float, float, int]:
    """Import one ~10,000-word transcript; time the index sync alone and
    `hark import` as a whole command."""
    from hark.store.importer import import_paths

    work = Path(tempfile.mkdtemp(prefix="hark-bench-add-"))
    try:
        p = genlib.generate(work, 1, 830, seed + 99)[0]
        words = sum(len(c.text.split()) for g in genlib.transcripts(1, 830, seed + 99) for c in g.cues)
        for old in lib.list():  # added by an earlier run of a reused library
            if old.source.startswith(tempfile.gettempdir()) and "hark-bench-add-" in old.source:
                lib.remove(old.id)
        idx.sync()
        import_paths(lib, [p])
        t_sync, _ = timed(idx.sync)
        p2 = genlib.generate(work / "b", 1, 830, seed + 98)[0]
        env = dict(os.environ, HARK_HOME=str(home.data))
        t_cmd, _ = timed(
            subprocess.run,
            [sys.executable, "-m", "hark.tui", "import", str(p2)],
            cwd=ROOT,
            env=env,
            capture_output=True,
        )
        return t_sync, t_cmd, words
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- baselines -------------------------------------------------------------------------------


def bench_whoosh_default(work: Path, infos, segs, queries, runs: int) -> dict:
    """Whoosh as it comes: one document per segment, stock analyzer and writer."""
    from hark.store.search.whoosh import lean_import

    lean_import()
    from whoosh import fields, index, qparser
    from whoosh.analysis import StemmingAnalyzer

    path = work / "whoosh-default"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    schema = fields.Schema(
        tid=fields.ID(stored=True),
        seg=fields.STORED(),
        start=fields.STORED(),
        text=fields.TEXT(analyzer=StemmingAnalyzer()),
        title=fields.TEXT(),
        speaker=fields.TEXT(),
        tag=fields.KEYWORD(lowercase=True, commas=True),
        format=fields.ID(),
    )
    ix = index.create_in(str(path), schema)
    t0 = now()
    w = ix.writer()
    for tid, ss in segs.items():
        info = infos[tid]
        tags = ",".join(info.metadata.get("tags") or []) if isinstance(info.metadata.get("tags"), list) else ""
        for i, s in enumerate(ss):
            w.add_document(
                tid=str(tid),
                seg=i,
                start=s.start,
                text=s.text,
                title=info.title,
                speaker=s.speaker or "",
                tag=tags,
                format=info.format,
            )
    w.commit()
    build = now() - t0
    res = {"build": build, "size": dir_size(path)}
    print(f"Whoosh defaults, per segment: build {build:.1f}s, {res['size'] / 1e6:.0f} MB")
    p = qparser.QueryParser("text", schema)
    p.add_plugin(qparser.FuzzyTermPlugin())
    with ix.searcher() as s:
        for kind, qs in queries.items():
            times = []
            for _ in range(runs):
                for q in qs:
                    t0 = now()
                    r = s.search(p.parse(q), limit=20)
                    [h.fields() for h in r]
                    times.append(now() - t0)
            res[kind] = times
    return res


def bench_stock_writer_passages(work: Path, lib) -> float:
    """hark's passage documents through Whoosh's stock writer."""
    from whoosh import index

    from hark.store.search.documents import transcript_docs
    from hark.store.search.whoosh import patches
    from hark.store.search.whoosh.schema import INDEX_NAME, make_schema

    patches.apply_all()  # the engine's blocks, as a build would write them

    path = work / "stock-writer"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    ix = index.create_in(str(path), make_schema(), indexname=INDEX_NAME)
    t0 = now()
    w = ix.writer()
    for tid in lib.ids():
        for doc in transcript_docs(lib.get(tid)):
            w.add_document(**doc)
    w.commit()
    t = now() - t0
    print(f"passages through Whoosh's stock writer: build {t:.1f}s")
    return t


FTS_Q = {
    "term": lambda q: q,
    "and": lambda q: q,
    "phrase": lambda q: q,
    "prefix": lambda q: q,
    "fuzzy": None,
    "field": None,
    "hyphen": lambda q: '"' + q.replace("-", " ") + '"',
    "long": lambda q: q,
    "common": lambda q: q,
    "frequent": lambda q: q,
}


def bench_fts5(work: Path, lib, queries, runs: int) -> dict:
    from hark.store.search.analysis import terms
    from hark.store.search.documents import passages

    path = work / "fts5.sqlite3"
    # Built in every run, never reused: a database opened cold would be
    # slower than the one SQLite has just written, and flatter hark.
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    t0 = now()
    db.execute(
        "CREATE VIRTUAL TABLE p USING fts5(tid UNINDEXED, first UNINDEXED, text, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    rows = []
    for tid in lib.ids():
        st = lib.get(tid)
        texts = [s.text for s in st.segments]
        cuts = passages([terms(t) for t in texts], [s.speaker for s in st.segments], texts)
        for a, b in cuts:
            rows.append((tid, a, " ".join(texts[a : b + 1])))
    db.executemany("INSERT INTO p VALUES (?, ?, ?)", rows)
    db.commit()
    build = now() - t0
    res = {"build": build, "size": path.stat().st_size}
    print(f"SQLite FTS5 over the same {len(rows)} passages: build {build:.1f}s, {res['size'] / 1e6:.0f} MB")
    return _fts5_queries(db, queries, runs, res)


def _fts5_queries(db, queries, runs: int, res: dict) -> dict:
    for kind, qs in queries.items():
        conv = FTS_Q[kind]
        if conv is None:
            continue
        times = []
        for _ in range(runs):
            for q in qs:
                fq = conv(q)
                t0 = now()
                try:
                    db.execute(
                        "SELECT tid, first, snippet(p, 2, '**', '**', '…', 12) FROM p WHERE p MATCH ? ORDER BY rank LIMIT 20",
                        (fq,),
                    ).fetchall()
                except sqlite3.OperationalError:
                    continue
                times.append(now() - t0)
        res[kind] = times
    db.close()
    return res


def bench_grep(files: Path, queries, tool: str) -> dict:
    res: dict = {}
    for kind in ("term", "and", "phrase", "prefix"):
        times = []
        for q in queries[kind][:20]:
            words = q.strip('"').rstrip("*").split()
            if kind == "prefix":
                cmd = [tool, "-rEi" if tool == "grep" else "-Ei", r"\b" + words[0], str(files)]
            else:
                pat = " ".join(words) if kind == "phrase" else words[0]
                cmd = [tool, "-rFi" if tool == "grep" else "-Fi", pat, str(files)]
            t0 = now()
            subprocess.run(cmd, capture_output=True)
            times.append(now() - t0)
        res[kind] = times
    return res


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transcripts", type=int, default=1000)
    ap.add_argument("--segments", type=int, default=660, help="segments per transcript (~12 words each)")
    ap.add_argument("--queries", type=int, default=60, help="queries per kind")
    ap.add_argument("--runs", type=int, default=1, help="passes over the queries")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", help="working folder (default: a temporary one, removed)")
    ap.add_argument("--no-baselines", action="store_true", help="skip the Whoosh-default and stock-writer builds")
    ap.add_argument(
        "--baselines",
        action="store_true",
        help="build the Whoosh-default and stock-writer baselines above 1,000 transcripts too (slow)",
    )
    ap.add_argument(
        "--serial",
        action="store_true",
        help="also build hark's index in one process (done by default up to 1,000 transcripts)",
    )
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: elapsed time; cpu: CPU time (for a machine busy with other work)",
    )
    a = ap.parse_args()
    global CLOCK
    CLOCK = a.clock

    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="hark-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    try:
        home, lib, _paths = make_library(work, a.transcripts, a.segments, a.seed)
        infos, segs = library_rows(lib)
        nseg = sum(len(v) for v in segs.values())
        text_bytes = sum(len(s.text.encode()) for v in segs.values() for s in v)
        nwords = sum(len(s.text.split()) for v in segs.values() for s in v)
        print(
            f"library: {len(infos)} transcripts, {nseg} segments, {nwords / 1e6:.2f}M words, {text_bytes / 1e6:.1f} MB of text"
        )
        queries = make_queries(infos, segs, a.queries, a.seed)
        baselines = not a.no_baselines and (a.baselines or a.transcripts <= 1000)
        if not baselines:
            # The benchmark's own copy of every segment (hundreds of
            # thousands of objects) would make each of Python's full
            # garbage collections in the timed searches long: hark's
            # process never holds them.
            del segs
        gc.collect()
        gc.freeze()

        hark = bench_hark(home, lib, queries, a.runs, a.serial or a.transcripts <= 1000)
        idx = hark["idx"]
        cold, cold_first = bench_cold(home, queries)
        opens, firsts = bench_open(home, queries)
        t_sync, t_cmd, words = bench_add(home, lib, idx, a.seed)
        python_start = statistics.median(
            timed(subprocess.run, [sys.executable, "-c", "pass"], capture_output=True)[0] for _ in range(5)
        )
        fts = bench_fts5(work, lib, queries, a.runs)
        greps = {"grep": bench_grep(work / "files", queries, "grep")}
        if shutil.which("rg"):
            greps["rg"] = bench_grep(work / "files", queries, "rg")
        wd = None
        stock = None
        if baselines:
            stock = bench_stock_writer_passages(work, lib)
            wd = bench_whoosh_default(work, infos, segs, queries, a.runs)

        print()
        print(
            f"== results ({a.transcripts} transcripts, {nwords / 1e6:.2f}M words, "
            f"{hark['distinct']:,} distinct; load {os.getloadavg()[0]:.2f}; clock: {CLOCK})"
        )
        print("query times in ms, p50 / p95 (top 20 with snippets, warm searcher):")
        hdr = f"{'kind':<8} {'hark (cold)':>17} {'hark (repeat)':>15} {'Whoosh default':>15} {'FTS5':>15} {'grep':>15}"
        if "rg" in greps:
            hdr += f" {'rg':>15}"
        print(hdr)
        for kind in KINDS:
            line = f"{kind:<8} {fmt_ms(hark[(kind, False)]):>17} {fmt_ms(hark[(kind, True)]):>15} "
            line += f"{fmt_ms(wd.get(kind, []) if wd else []):>15} {fmt_ms(fts.get(kind, [])):>15} "
            line += f"{fmt_ms(greps['grep'].get(kind, [])):>15}"
            if "rg" in greps:
                line += f" {fmt_ms(greps['rg'].get(kind, [])):>15}"
            print(line)
        print("ratios of p50 (hark cold / other; < 1 means hark is faster):")
        for kind in KINDS:
            mine = pct(hark[(kind, False)], 50)
            parts = []
            for name, other in (
                ("FTS5", fts.get(kind)),
                ("grep", greps["grep"].get(kind)),
                ("Whoosh default", wd.get(kind) if wd else None),
            ):
                if other:
                    parts.append(f"{name} {mine / pct(other, 50):.2f}")
            print(f"  {kind:<8} " + ", ".join(parts))
        print(f"completion (complete(prefix), every prefix length): {fmt_ms(hark['complete'])} ms")
        print(
            f"`hark search` cold, whole command: median {statistics.median(cold) * 1000:.0f} ms, "
            f"p95 {pct(cold, 95) * 1000:.0f} ms, max {max(cold) * 1000:.0f} ms "
            f"(the very first run, compiling hark's modules: {cold_first * 1000:.0f} ms; "
            f"python alone starts in {python_start * 1000:.0f} ms here)"
        )
        if opens:
            print(
                f"a new process (the app, each `hark search`): opening the index "
                f"{statistics.median(opens) * 1000:.0f} ms, then the first query "
                f"{statistics.median(firsts) * 1000:.0f} ms (medians of {len(opens)}; wall clock)"
            )
        print("build:")
        for k, v in hark.items():
            if isinstance(k, str) and k.startswith("build"):
                print(f"  hark {k[6:]}: {v:.1f}s")
        if hark.get("peak_mb"):
            print(f"  peak memory of a build process (procs=2): {hark['peak_mb']:.0f} MB")
        if stock is not None:
            print(f"  hark passages, Whoosh stock writer: {stock:.1f}s")
        if wd is not None:
            best = min(v for k, v in hark.items() if isinstance(k, str) and k.startswith("build"))
            print(f"  Whoosh defaults (per segment): {wd['build']:.1f}s  -> hark is {wd['build'] / best:.1f}x faster")
        print(f"  SQLite FTS5: {fts['build']:.1f}s")
        st = hark["stats"]
        print(
            f"index size: {st['bytes'] / 1e6:.0f} MB = {st['bytes'] / text_bytes:.2f}x the text"
            + (f" (Whoosh defaults {wd['size'] / text_bytes:.2f}x" if wd else " (")
            + f", FTS5 {fts['size'] / text_bytes:.2f}x)"
        )
        print(f"adding one {words}-word transcript: index sync {t_sync:.2f}s; `hark import` whole command {t_cmd:.2f}s")
        idx.close()
        lib.close()
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
