"""Hostile text: escape sequences, clipboard writes, links, bells, C1
controls, bidi overrides and Textual markup in titles, speakers, text,
metadata and notes never reach the terminal from the CLI and are shown
literally by the app; YAML with Python tags is refused, not run; a 10 MB
line and a 100,000-cue file import with bounded memory and render."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hark.store import annotations as A
from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.store.paths import resolve
from tests.app.conftest import options

from .conftest import ROOT, child_env, run_cli

HOSTILE = (
    "\x1b[31mred\x1b[0m \x1b]52;c;cm0gLXJmIH4=\x07 \x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\ "
    "bell\x07 c1\x9b31m \x90dcs\x9c \u202eevil\u202c [bold]b[/] [/] [link=http://x.example]l[/link] $accent $primary"
)
# ESC, BEL, and C1 controls as they appear in UTF-8 output (U+0080..U+009F).
BAD = re.compile(rb"[\x1b\x07]|\xc2[\x80-\x9f]")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]".encode("utf-8").decode("utf-8"))


def _clean_bytes(out: bytes, what: str) -> None:
    m = BAD.search(out)
    assert m is None, f"{what} emitted {m.group()!r} at {m.start()}: {out[max(0, m.start() - 40) : m.end() + 40]!r}"
    assert not BIDI.search(out.decode("utf-8", "replace")), f"{what} emitted a bidi override"


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory) -> Path:
    """A library whose transcript, speakers, metadata and note are hostile,
    written straight into the store (as another tool or an old hark might)."""
    home = tmp_path_factory.mktemp("hostile") / "home"
    paths = resolve(home).ensure()
    t = Transcript(
        title="Title " + HOSTILE,
        format="srt",
        metadata={"url": "http://x.example/\x1b]52;c;Zm9v\x07", "speakers": ["Ann\x1b[2J"], "note": HOSTILE},
        set_aside=["aside " + HOSTILE],
        segments=[
            Segment(start=0.0, end=2.0, text="hostile one " + HOSTILE, speaker="Ann " + HOSTILE),
            Segment(start=2.0, end=4.0, text="marmalade second line " + HOSTILE, speaker="Bob\x07"),
        ],
    )
    with Library(paths.library) as lib:
        tid, _ = lib.save(t.finish(), source="/hostile.srt", sha256="h1")
        a = A.create(lib, tid, 0, 1, note="note", tags=["x"])
        # A note as an annotation file from elsewhere might carry it.
        lib.db.execute("UPDATE annotations SET note = ? WHERE id = ?", ("note " + HOSTILE, a.id))
    r = run_cli(home, "reindex")
    assert r.returncode == 0, r.stderr
    return home


@pytest.mark.parametrize(
    "args",
    [
        ("show", "1"),
        ("show", "1", "--json"),
        ("list",),
        ("list", "--json"),
        ("search", "marmalade"),
        ("search", "marmalade", "--json"),
        ("search", "hostile"),
        ("annotations",),
        ("annotations", "--json"),
        ("annotations", "export"),
        ("annotations", "export", "--format", "json"),
    ],
    ids=lambda a: " ".join(a),
)
def test_cli_never_emits_escapes(hostile_home: Path, args: tuple[str, ...]) -> None:
    r = run_cli(hostile_home, *args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip(), "nothing printed"
    _clean_bytes(r.stdout, " ".join(args) + " stdout")
    _clean_bytes(r.stderr, " ".join(args) + " stderr")
    if "--json" in args or "json" in args:
        json.loads(r.stdout)  # still valid JSON


def test_importing_a_hostile_file_strips_controls_and_keeps_markup(tmp_path: Path) -> None:
    srt = tmp_path / "evil.srt"
    srt.write_bytes(
        ("1\n00:00:01,000 --> 00:00:02,000\n<v Eve>" + HOSTILE + "\n\n2\n00:00:03,000 --> 00:00:04,000\nok\n").encode()
    )
    home = tmp_path / "home"
    r = run_cli(home, "import", str(srt))
    assert r.returncode == 0, r.stderr
    _clean_bytes(r.stdout + r.stderr, "import")
    r = run_cli(home, "show", "1", "--json")
    data = json.loads(r.stdout)
    text = data["segments"][0]["text"]
    assert "[bold]b[/]" in text and "$accent" in text and "\x1b" not in text and "\x9b" not in text


def test_error_messages_about_hostile_file_names_are_clean(tmp_path: Path) -> None:
    bad = tmp_path / "bad\x1b]52;c;Zm9v\x07name.srt"
    bad.write_bytes(b"\x00\x01\x02" * 1000)
    r = run_cli(tmp_path / "home", "import", str(bad), str(tmp_path / "missing\x1b[2J.srt"))
    assert r.returncode != 0
    _clean_bytes(r.stdout + r.stderr, "import errors")
    for line in r.stderr.decode().splitlines():
        assert line.startswith("hark: ")


async def test_app_shows_markup_literally(tmp_path: Path) -> None:
    from hark.tui.app import HarkApp
    from hark.tui.reader import Reader
    from tests.app.conftest import FakeClock, settle

    paths = resolve(tmp_path / "home").ensure()
    t = Transcript(
        title="[bold]Bold[/] $accent [link=http://x.example]L[/link]",
        format="srt",
        segments=[
            Segment(start=0.0, end=2.0, text="Say [red]red[/red] and [/] and $primary \\[x] [@click=app.quit]q[/]"),
            Segment(start=2.0, end=4.0, text="Second [b]segment[/b].", speaker="[italic]Ann[/italic]"),
        ],
    )
    with Library(paths.library) as lib:
        lib.save(t.finish(), source="/t/m.srt", sha256="m1")
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        shown = reader.visible_text()
        assert "[red]red[/red]" in shown and "[/]" in shown and "$primary" in shown
        assert "[@click=app.quit]q[/]" in shown and "[b]segment[/b]" in shown
        assert "[italic]Ann[/italic]" in shown
        assert app.is_running  # the click action did not run
        prompts = " ".join(o.prompt.plain for o in options(app.query_one("#library-list")))
        assert "[bold]Bold[/] $accent [link=http://x.example]L[/link]" in prompts


PWNED_YAML = '!!python/object/apply:os.system ["touch {p}"]\n'


def test_config_yaml_with_python_tags_is_refused(tmp_path: Path) -> None:
    from hark.tui.config import load_config

    flag = tmp_path / "pwned"
    paths = resolve(tmp_path / "home").ensure()
    paths.config_file.write_text(PWNED_YAML.format(p=flag))
    config, messages = load_config(paths)
    assert not flag.exists()
    assert messages and all("\n" not in m for m in messages)
    paths.config_file.write_text(f'theme: !!python/object/apply:os.system ["touch {flag}"]\n')
    config, messages = load_config(paths)
    assert not flag.exists() and messages


def test_theme_yaml_with_python_tags_is_refused(tmp_path: Path) -> None:
    from hark.tui.themes import load_themes

    flag = tmp_path / "pwned"
    paths = resolve(tmp_path / "home").ensure()
    paths.themes.mkdir(parents=True, exist_ok=True)
    (paths.themes / "evil.yaml").write_text(PWNED_YAML.format(p=flag))
    (paths.themes / "evil2.yaml").write_text(
        f'name: evil2\nprimary: !!python/object/apply:os.system ["touch {flag}"]\n'
    )
    themes, messages = load_themes(paths)
    assert not flag.exists()
    assert messages and all("\n" not in m for m in messages)
    assert not any(t.name in ("evil", "evil2") for t in themes) or messages


PEAK = """
import resource, sys
from pathlib import Path
from hark.store.importer import import_paths
from hark.store.library import Library
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with Library(sys.argv[2]) as lib:
    r = import_paths(lib, [sys.argv[1]])
    assert r.imported, (r.failed, r.skipped)
    print(lib.info(r.imported[0]).segment_count)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * 1024)
"""


def test_a_10mb_line_imports_with_bounded_memory_and_renders(tmp_path: Path) -> None:
    big = tmp_path / "oneline.txt"
    words = b"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    size = 10 * 1024 * 1024
    big.write_bytes((words * (size // len(words) + 1))[:size])
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-c", PEAK, str(big), str(tmp_path / "lib.sqlite3")],
        cwd=ROOT,
        env=child_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    segments, growth = (int(x) for x in r.stdout.split())
    print(f"10 MB line: {segments} segments, peak RSS growth {growth / 2**20:.0f} MB in {time.monotonic() - t0:.1f}s")
    assert segments > 1
    # Measured: ~21x (about 210 MB): the untimed-text path holds one Word
    # object per word (1.4 million here). Bounded and linear, but above the
    # 10x hoped for: reported, and this guards against it getting worse.
    assert growth < 30 * size, f"peak RSS grew {growth / 2**20:.0f} MB for a 10 MB file"

    from hark.tui.layout import Layout

    with Library(tmp_path / "lib.sqlite3") as lib:
        st = lib.get(lib.ids()[0])
    t0 = time.monotonic()
    layout = Layout(st.segments, st.chapters)
    layout.reflow(100)
    assert time.monotonic() - t0 < 60
    assert len(layout.rows) > 1000
    first = layout.rows[1]
    assert 0 < first.end - first.start <= 100


def test_a_10mb_srt_cue_without_newline_imports(tmp_path: Path) -> None:
    """One cue whose text is 10 MB with no newline at all."""
    f = tmp_path / "hugecue.srt"
    f.write_bytes(b"1\n00:00:01,000 --> 00:00:05,000\n" + b"word " * (2 * 1024 * 1024))
    with Library(tmp_path / "lib.sqlite3") as lib:
        from hark.store.importer import import_paths

        r = import_paths(lib, [f])
        assert r.imported and not r.failed
        segs = lib.segments(r.imported[0])
        assert sum(len(s.text) for s in segs) >= 10 * 1024 * 1024 - 10


def test_a_100000_cue_srt_imports(tmp_path: Path) -> None:
    f = tmp_path / "many.srt"
    with f.open("w") as out:
        for i in range(100_000):
            s = i * 2
            out.write(f"{i + 1}\n{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d},000 --> ")
            out.write(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d},900\nCue number {i} says hello.\n\n")
    t0 = time.monotonic()
    r = run_cli(tmp_path / "home", "import", str(f), "--json", timeout=200)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["imported"] == [1]
    with Library(resolve(tmp_path / "home").library) as lib:
        assert lib.info(1).segment_count == 100_000
        last = lib.segments(1)[-1]
        assert last.text == "Cue number 99999 says hello." and last.start == 199_998.0
    print(f"100,000 cues imported (and indexed) in {took:.1f}s")
    from hark.tui.layout import Layout

    with Library(resolve(tmp_path / "home").library) as lib:
        layout = Layout(lib.segments(1))
    t0 = time.monotonic()
    layout.reflow(100)
    assert time.monotonic() - t0 < 30 and len(layout.rows) >= 1000
