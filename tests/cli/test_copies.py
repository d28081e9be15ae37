"""The same talk twice on the command line: `hark import` says a copy was
found and how to give it times, `hark list` marks copies, `hark align ID
--from ID` carries the times (or refuses in one line), `hark show` says
where an aligned transcript's times came from, and a re-import aligns the
copy again."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hark.tui.cli import main
from tests.store.copy_helpers import make_copy

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "store" / "samples"
TIDES = "lecture-tides.srt"
BREAD = "podcast-bread.vtt"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """The tides lecture as captions (exact times), as a web page's text
    (no punctuation, fillers, slips, a sponsor's intro: estimated times),
    and another talk."""
    from hark.store.formats import parse_file

    src = tmp_path / "src"
    src.mkdir()
    timed = src / TIDES
    timed.write_bytes((SAMPLES / TIDES).read_bytes())
    copy = make_copy(parse_file(timed).segments, seed=3)
    page = src / "tides-page.txt"
    page.write_text(" ".join(s.text for s in copy.segments) + "\n")
    other = src / BREAD
    other.write_bytes((SAMPLES / BREAD).read_bytes())
    return {"timed": timed, "page": page, "other": other}


def test_import_list_align_show(home, files, capsys):
    code, out, _ = run(capsys, "import", str(files["timed"]))
    assert code == 0 and "same talk" not in out
    code, out, _ = run(capsys, "import", str(files["page"]))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "1 imported, 0 updated, 0 unchanged"
    assert re.fullmatch(
        r"2 is the same talk as 1 \(\d\d% of (its|1's) words\): hark align 2 --from 1 gives it 1's times", lines[1]
    ), lines

    # the list marks the copies of each other, and the estimated times
    code, out, _ = run(capsys, "list")
    rows = out.splitlines()
    assert rows[0].endswith("  = 2") and rows[1].endswith("  = 1")
    assert rows[1].split()[1].startswith("≈") and "≈" not in rows[0]
    code, out, _ = run(capsys, "list", "--json")
    assert [(r["id"], r["timing"], r["same_talk"]) for r in json.loads(out)] == [
        (1, "exact", [2]),
        (2, "estimated", [1]),
    ]

    code, out, err = run(capsys, "align", "2", "--from", "1")
    assert code == 0 and err == ""
    first, *rest = out.splitlines()
    m = re.fullmatch(r"aligned (\d+) of (\d+) segments, ([\d,]+) of ([\d,]+) words matched", first)
    assert m, first
    done, total = int(m[1]), int(m[2])
    assert done >= 0.8 * total
    assert re.fullmatch(r"2 now lasts 2:\d\d \(it was ≈\d+:\d\d\)", rest[0]), rest
    assert rest[1].startswith("segments 1") and rest[1].endswith(
        "keep estimated times (≈): the other copy does not say them"
    )

    code, out, _ = run(capsys, "show", "2", "--json")
    data = json.loads(out)
    assert data["timing"] == "aligned" and data["aligned_from"] == 1 and data["same_talk"] == [1]
    flags = [s["aligned"] for s in data["segments"]]
    assert sum(flags) == done and flags[0] is False  # the sponsor's intro: not in the lecture
    code, out, _ = run(capsys, "show", "1", "--json")
    data1 = json.loads(out)
    assert data1["timing"] == "exact" and data1["aligned_from"] is None
    assert "aligned" not in data1["segments"][0]
    assert abs(data["segments"][-1]["end"] - data1["segments"][-1]["end"]) <= 5.0

    code, out, _ = run(capsys, "show", "2")
    head = out.splitlines()
    assert f"times aligned from 1 ({done} of {total} segments; ≈ estimated)" in head[1]
    stamps = [line[1:9] for line in head[3:] if line.startswith("[")]
    assert stamps[0].strip().startswith("≈") and sum(s.strip().startswith("↔") for s in stamps) == done

    code, out, _ = run(capsys, "list")
    assert out.splitlines()[1].split()[1].startswith("↔")


def test_align_json(home, files, capsys):
    run(capsys, "import", str(files["timed"]), str(files["page"]))
    code, out, err = run(capsys, "align", "2", "--from", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {
        "id",
        "from",
        "timing",
        "duration",
        "segments",
        "segments_aligned",
        "words_matched",
        "words_total",
        "stretches",
    }
    assert (data["id"], data["from"], data["timing"]) == (2, 1, "aligned")
    assert data["stretches"][0][0] == 0 and data["words_matched"] <= data["words_total"]


def test_refusals_are_one_line(home, files, capsys):
    run(capsys, "import", str(files["timed"]), str(files["page"]), str(files["other"]))
    cases = [
        (["align", "1", "--from", "2"], "hark: 2's times are estimated, not exact: there is nothing to carry"),
        (["align", "2", "--from", "2"], "hark: 2 cannot take its times from itself"),
        (["align", "2", "--from", "7"], "hark: no transcript 7 (see `hark list`)"),
        (["align", "3", "--from", "1"], "hark: 3 has exact times of its own (--force replaces them with 1's)"),
        (["align", "x", "--from", "1"], "hark: 'x' is not a transcript id (see `hark list`)"),
    ]
    for args, message in cases:
        code, out, err = run(capsys, *args)
        assert (code, out, err) == (1, "", message + "\n"), args
    code, out, err = run(capsys, "align", "2", "--from", "3")
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("hark: 2 and 3 are not the same talk: ") and err.rstrip().endswith(
        "(--force aligns them anyway)"
    )
    code, out, _ = run(capsys, "show", "2", "--json")
    assert json.loads(out)["timing"] == "estimated"
    # --from is required
    with pytest.raises(SystemExit):
        main(["align", "2"])


def test_force_lets_a_timed_copy_take_the_others_times(home, files, tmp_path, capsys):
    again = tmp_path / "again.srt"
    again.write_text(files["timed"].read_text().replace("Newton", "Isaac Newton"))
    run(capsys, "import", str(files["timed"]), str(again))
    code, out, _ = run(capsys, "align", "2", "--from", "1", "--force")
    assert code == 0 and out.startswith("aligned ")
    code, out, _ = run(capsys, "show", "2", "--json")
    assert json.loads(out)["aligned_from"] == 1


def test_reimport_aligns_again_and_keeps_the_link(home, files, capsys):
    run(capsys, "import", str(files["timed"]), str(files["page"]))
    run(capsys, "align", "2", "--from", "1")
    files["page"].write_text(files["page"].read_text() + "and thank you all for coming\n")
    code, out, _ = run(capsys, "import", str(files["page"]))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "0 imported, 1 updated, 0 unchanged"
    assert re.fullmatch(r"re-aligned 2 from 1: aligned \d+ of \d+ segments, [\d,]+ of [\d,]+ words matched", lines[1])
    code, out, _ = run(capsys, "show", "2", "--json")
    data = json.loads(out)
    assert data["timing"] == "aligned" and data["aligned_from"] == 1
    # the search index has the new times
    code, out, _ = run(capsys, "search", "gravitation", "--in", "2", "--json")
    [hit] = json.loads(out)["hits"]
    assert hit["start"] == data["segments"][hit["segment"]]["start"]


def test_import_json_lists_copies(home, files, capsys):
    run(capsys, "import", str(files["timed"]))
    code, out, _ = run(capsys, "import", str(files["page"]), "--json")
    report = json.loads(out)
    [found] = report["same_talk"]
    assert found["id"] == 2 and found["other"] == 1 and found["suggest"] == "hark align 2 --from 1"
    assert 0.6 <= found["share"] <= 1.0


def test_seeds_000_and_001(home, corpus, tmp_path, capsys):
    """The issue's own example, figures and all."""
    src = tmp_path / "talk"
    src.mkdir()
    for prefix in ("000", "001"):
        f = next((corpus / "seeds").glob(f"{prefix}_*.txt"))
        (src / f.name).write_bytes(f.read_bytes())
    code, out, _ = run(capsys, "import", str(src))
    assert out.splitlines()[1] == (
        "2 is the same talk as 1 (96% of 1's words): hark align 2 --from 1 gives it 1's times"
    )
    code, out, _ = run(capsys, "align", "2", "--from", "1")
    assert out.splitlines() == ["aligned 48 segments, 1,116 of 1,207 words matched", "2 now lasts 5:42 (it was ≈8:02)"]
    code, out, _ = run(capsys, "show", "2", "--json")
    data = json.loads(out)
    assert (data["timing"], data["aligned_from"]) == ("aligned", 1)


def test_align_never_imports_textual(tmp_path):
    code = (
        "import sys; from hark.tui.cli import main; rc = main(sys.argv[1:]); "
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]; "
        "print('TEXTUAL' if bad else 'CLEAN'); sys.exit(0)"
    )
    env = dict(os.environ, HARK_HOME=str(tmp_path / "home"))
    p = subprocess.run(
        [sys.executable, "-c", code, "align", "2", "--from", "1"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert p.stdout.strip().splitlines()[-1] == "CLEAN", p.stdout + p.stderr
