"""The command line: import, list, show, remove; the --json shapes; exit
codes; one-line errors; Textual never imported by the non-interactive
commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hark.tui.cli import launch, main, transcripts

ROOT = Path(__file__).resolve().parents[2]
SRT = "1\n00:00:01,000 --> 00:00:03,500\nHello [bold]there[/] \x1b]52;c;aGk=\x07friend.\n\n2\n00:00:04,000 --> 00:00:06,000\nSecond line.\n"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_show_json_shapes(home, tmp_path, capsys):
    (tmp_path / "a.srt").write_text(SRT)
    code, out, _ = run(capsys, "import", str(tmp_path / "a.srt"), "--json")
    assert code == 0
    report = json.loads(out)
    assert report == {"imported": [1], "updated": [], "unchanged": [], "failed": []}

    code, out, _ = run(capsys, "list", "--json")
    rows = json.loads(out)
    assert rows == [
        {
            "id": 1,
            "title": "a",
            "format": "srt",
            "timing": "exact",
            "segments": 2,
            "duration": 6.0,
            "source": str((tmp_path / "a.srt").resolve()),
            "same_talk": [],
        }
    ]

    code, out, _ = run(capsys, "show", "1", "--json")
    data = json.loads(out)
    assert set(data) == {
        "id",
        "title",
        "format",
        "timing",
        "aligned_from",
        "same_talk",
        "metadata",
        "segments",
        "set_aside",
    }
    assert data["aligned_from"] is None and data["same_talk"] == []
    assert data["segments"][0]["start"] == 1.0 and data["segments"][0]["end"] == 3.5
    # escape sequences removed at import, markup kept literally as text
    assert data["segments"][0]["text"] == "Hello [bold]there[/] friend."
    assert data["segments"][1] == {"start": 4.0, "end": 6.0, "speaker": None, "text": "Second line.", "kind": "speech"}


def test_show_text_has_times_and_no_escapes(home, tmp_path, capsys):
    (tmp_path / "a.srt").write_text(SRT)
    run(capsys, "import", str(tmp_path / "a.srt"))
    code, out, _ = run(capsys, "show", "1")
    assert code == 0
    assert "[    0:01] Hello [bold]there[/] friend." in out
    assert "\x1b" not in out and "\x07" not in out


def test_reimport_unchanged_and_failed_exit_code(home, tmp_path, capsys):
    (tmp_path / "a.srt").write_text(SRT)
    (tmp_path / "bad.srt").write_text("1\n00:00:01,000 --> 00:00:03,500\n\n")
    code, out, err = run(capsys, "import", str(tmp_path), "--json")
    report = json.loads(out)
    assert report["imported"] == [1]
    assert [f["path"] for f in report["failed"]] == [str(tmp_path / "bad.srt")]
    assert code == 1
    code, out, _ = run(capsys, "import", str(tmp_path / "a.srt"), "--json")
    assert json.loads(out)["unchanged"] == [1] and code == 0


def test_human_import_summary_and_errors_name_the_file(home, tmp_path, capsys):
    (tmp_path / "a.srt").write_text(SRT)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    code, out, err = run(capsys, "import", str(tmp_path), str(tmp_path / "missing.vtt"))
    assert code == 1
    assert "1 imported" in out and "1 failed" in out
    assert f"skipped {tmp_path / 'notes.pdf'}" in out
    assert err.strip() == f"hark: {tmp_path / 'missing.vtt'}: no such file or folder"


def test_show_and_remove_unknown_ids(home, capsys):
    code, _, err = run(capsys, "show", "7")
    assert code == 1 and err == "hark: no transcript 7 (see `hark list`)\n"
    code, _, err = run(capsys, "show", "seven")
    assert code == 1 and "not a transcript id" in err
    code, _, err = run(capsys, "remove", "3")
    assert code == 1 and "no transcript 3" in err


def test_remove(home, tmp_path, capsys):
    (tmp_path / "a.srt").write_text(SRT)
    run(capsys, "import", str(tmp_path / "a.srt"))
    code, out, _ = run(capsys, "remove", "1")
    assert code == 0 and out.startswith("removed 1: a")
    assert json.loads(run(capsys, "list", "--json")[1]) == []


def test_unknown_format_is_refused(home, tmp_path, capsys):
    (tmp_path / "a.srt").write_text(SRT)
    code, _, err = run(capsys, "import", str(tmp_path / "a.srt"), "--format", "nope")
    assert code == 2 and "unknown format 'nope'" in err


def test_forced_format(home, tmp_path, capsys):
    (tmp_path / "a.txt").write_text(SRT)
    code, out, _ = run(capsys, "import", str(tmp_path / "a.txt"), "--format", "text", "--json")
    assert code == 0
    data = json.loads(run(capsys, "show", "1", "--json")[1])
    assert data["format"] == "text" and data["timing"] == "estimated"


def test_unexpected_errors_are_one_line_without_trace(home, capsys, monkeypatch):
    def boom(args):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(transcripts, "cmd_list", boom)
    code, out, err = run(capsys, "list")
    assert code == 1
    assert err == "hark: unexpected error: RuntimeError: kaboom (rerun with --debug for the trace)\n"
    assert "Traceback" not in err


def test_corrupt_library_is_one_line(home, capsys):
    home.mkdir(parents=True)
    (home / "library.sqlite3").write_bytes(b"garbage" * 1000)
    code, _, err = run(capsys, "list")
    assert code == 1
    assert err.count("\n") == 1 and "library.sqlite3" in err


@pytest.mark.parametrize("command", [["list"], ["import", "--json", "MISSING"], ["show", "1"]])
def test_commands_never_import_textual(tmp_path, command):
    code = (
        "import sys; from hark.tui.cli import main; rc = main(sys.argv[1:]); "
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]; "
        "print('TEXTUAL' if bad else 'CLEAN'); sys.exit(0)"
    )
    env = dict(os.environ, HARK_HOME=str(tmp_path / "home"))
    args = [a.replace("MISSING", str(tmp_path / "x.srt")) for a in command]
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT)
    assert p.stdout.strip().splitlines()[-1] == "CLEAN", p.stdout + p.stderr


def test_piped_import_has_no_progress_bar(tmp_path):
    src = tmp_path / "a.srt"
    src.write_text(SRT)
    env = dict(os.environ, HARK_HOME=str(tmp_path / "home"))
    p = subprocess.run(
        [sys.executable, "-m", "hark.tui", "import", str(src)], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert p.returncode == 0
    assert "\r" not in p.stderr and "importing [" not in p.stderr
    assert p.stdout.strip() == "1 imported, 0 updated, 0 unchanged"


def test_remove_keeps_annotations_exportable(home, tmp_path, capsys):
    from hark.store import annotations
    from hark.store.library import Library
    from hark.store.paths import resolve

    (tmp_path / "a.srt").write_text(SRT)
    run(capsys, "import", str(tmp_path / "a.srt"))
    with Library(resolve().library) as lib:
        annotations.create(lib, 1, 1, 1, note="keep me")
    code, out, _ = run(capsys, "remove", "1")
    assert code == 0 and "its 1 annotation is kept" in out
    code, out, _ = run(capsys, "annotations", "--json")
    kept = json.loads(out)
    assert [(a["quote"], a["note"], a["transcript_id"], a["status"]) for a in kept] == [
        ("Second line.", "keep me", None, "orphaned")
    ]


def test_a_library_that_cannot_be_written_is_read_with_one_line(home, tmp_path, capsys, monkeypatch):
    """Simulated (the real read-only and full disks are in
    tests/hardening/test_disk.py): reading works and says so on stderr;
    writing fails in one line naming the library."""
    import errno

    import hark.store.library
    import hark.store.paths

    (tmp_path / "a.srt").write_text(SRT)
    assert run(capsys, "import", str(tmp_path / "a.srt"))[0] == 0
    from hark.store import annotations
    from hark.store.library import Library

    with Library(home / "library.sqlite3") as lib:
        annotations.create(lib, 1, 0, 1, note="a note #kept")
    reads = [
        ("list",),
        ("list", "--json"),
        ("show", "1"),
        ("show", "1", "--json"),
        ("annotations", "--json"),
        ("annotations", "export"),
        ("annotations", "export", "--format", "json"),
    ]
    before = {args: run(capsys, *args)[1] for args in reads}
    (tmp_path / "notes.json").write_text(before[("annotations", "export", "--format", "json")])

    def refused(path):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    lib = home / "library.sqlite3"
    note = f"hark: the library at {lib} is read-only (read-only filesystem): showing it as it is; changes are off\n"
    refusal = f"hark: the library {lib} cannot be changed (read-only filesystem)\n"
    with monkeypatch.context() as m:
        m.setattr(hark.store.library, "_fs_read_only", lambda folder: True)
        m.setattr(hark.store.paths, "private_dir", refused)  # home/ and its config cannot be touched
        for args in reads:
            assert run(capsys, *args) == (0, before[args], note), args
        assert run(capsys, "show", "7") == (1, "", note + "hark: no transcript 7 (see `hark list`)\n")
        assert run(capsys, "import", str(tmp_path / "a.srt")) == (1, "", refusal)
        assert run(capsys, "remove", "1", "--yes") == (1, "", refusal)
        # Opening a transcript to read it works (the app says it is read-only);
        # giving it media is a change.
        opened = []
        m.setattr(launch, "open_app", lambda args, paths, **kw: opened.append(kw["open_id"]) or 0)
        assert run(capsys, "open", "1") == (0, "", note)
        assert opened == [1]
        media = tmp_path / "a.mp3"
        media.write_bytes(b"ID3")
        assert run(capsys, "open", "1", "--media", str(media)) == (1, "", refusal)
        assert opened == [1]
        assert run(capsys, "annotations", "import", str(tmp_path / "notes.json")) == (1, "", refusal)
    assert run(capsys, "list")[1] == before[("list",)]
