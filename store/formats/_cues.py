"""Timing lines of the cue formats (SRT, WebVTT, SubViewer/SBV, whisper
console output): reading them, recognising broken ones, and timing the cues
a file leaves without a usable time.

A private helper module, not a family (``formats._FAMILIES`` never names it).

A broken timing line is still a timing line: ``0:00:13.f89,0:00:15.489`` or
``00:00:07,x00 --> 00:00:09,000`` is syntax, never speech. Where one of its
two times can be read, that time is kept; what cannot be read is left None,
and :func:`fill_gaps` gives such cues (and cues that have no timing line at
all) their neighbours' gap: from where the previous cue ends to where the
next one starts.
"""

from __future__ import annotations

import re

from ..model import Segment
from ..reflow import DEFAULT_WPM

# A timestamp: at least minutes and seconds; ':' separated fields; '.' or ','
# before the fraction. Field lengths are bounded so int() never sees a giant.
TS = r"\d{1,9}(?::\d{1,9}){1,3}(?:[.,]\d{1,9})?"
# The arrow: '-->' as specified, '->' (whisper-jax, sloppy SRT), '--' (a
# '>' lost to a NUL byte).
ARROW = r"(?:-{1,3}>|--|→)"
TIMING = re.compile(rf"^\s*(?P<a>{TS})\s*{ARROW}\s*(?P<b>{TS})(?P<rest>(?:[^\d:.,].*)?)$")
_TS_PARTS = re.compile(r"(\d+(?::\d+)*)(?:[.,](\d+))?")


def ts_seconds(value: str) -> float | None:
    """'00:01:02,500', '1:02.5', '0:01:00,00' -> seconds; None if unreadable.

    Tolerates a colon lost from a timestamp ('00:0000.000' is '00:00:00.000',
    '00:00:01000' is '00:00:01.000') and a colon before milliseconds
    ('00:00:01:500')."""
    m = _TS_PARTS.fullmatch(value.strip())
    if not m:
        return None
    parts = m.group(1).split(":")
    frac = m.group(2)
    if frac is None and len(parts) == 4:
        frac = parts.pop()
    if frac is None and len(parts) >= 2 and len(parts[-1]) > 2:
        parts[-1], frac = parts[-1][:2], parts[-1][2:]
    fields = parts[:1]
    for p in parts[1:]:
        if len(p) > 2 and len(p) % 2 == 0:
            fields.extend(p[i : i + 2] for i in range(0, len(p), 2))
        else:
            fields.append(p)
    if len(fields) > 3:
        return None
    secs = 0.0
    for f in fields:
        secs = secs * 60 + int(f)
    if frac:
        secs += int(frac) / 10 ** len(frac)
    return secs


# The timing line nearly every file writes ('00:01:02,500 --> 00:01:04,000'),
# read in one match: what TIMING and ts_seconds give for it, without them.
CANONICAL = re.compile(r"(\d\d):(\d\d):(\d\d)[.,](\d\d\d) --> (\d\d):(\d\d):(\d\d)[.,](\d\d\d)(?![\d:.,])(.*)$")


def canonical_seconds(h: str, m: str, s: str, ms: str) -> float:
    """ts_seconds of 'hh:mm:ss.mmm' from its four fields (the same float:
    the whole seconds are exact either way)."""
    return float((int(h) * 60 + int(m)) * 60 + int(s)) + int(ms) / 1000


def match_timing(line: str) -> tuple[float, float, str] | None:
    """(start, end, the rest of the line) for a timing line, else None."""
    c = CANONICAL.match(line)
    if c:
        g = c.groups()
        return canonical_seconds(*g[0:4]), canonical_seconds(*g[4:8]), g[8].strip()
    m = TIMING.match(line)
    if not m:
        return None
    a, b = ts_seconds(m.group("a")), ts_seconds(m.group("b"))
    if a is None or b is None:
        return None
    return a, b, m.group("rest").strip()


def read_timing(line: str) -> tuple[float | None, float | None, str] | None:
    """match_timing(line) or loose_arrow_timing(line), read once: a line with
    no arrow ('->', '--', '→': a cue's words, its number) is neither."""
    if "->" not in line and "--" not in line and "→" not in line:
        return None
    return match_timing(line) or _loose_arrow(line)


# --- broken timing lines ---------------------------------------------------------

_LOOSE_ARROW = re.compile(rf"\s*{ARROW}\s*")
_SEPARATORS = frozenset(":.,;")


def timeish(token: str) -> bool:
    """A token that was meant to be a timestamp, readable or not: a colon, at
    least three digits, and at most two stray characters ('13.f89', '07,x00',
    '0?.000')."""
    if not token or len(token) > 20 or ":" not in token or any(c.isspace() for c in token):
        return False
    digits = sum(c.isdigit() for c in token)
    stray = sum(not c.isdigit() and c not in _SEPARATORS for c in token)
    return digits >= 3 and stray <= 2


def _read(token: str) -> float | None:
    return ts_seconds(token) if token else None


def loose_arrow_timing(line: str) -> tuple[float | None, float | None, str] | None:
    """An arrow timing line that :func:`match_timing` could not read
    ('00:00:07,x00 --> 00:00:09,000', '00:00:07,000 -->'): (start, end, the
    rest), each time None where it cannot be read. None for any other line."""
    if match_timing(line) is not None:
        return None
    return _loose_arrow(line)


def _loose_arrow(line: str) -> tuple[float | None, float | None, str] | None:
    parts = _LOOSE_ARROW.split(line.strip(), maxsplit=1)
    if len(parts) != 2:
        return None
    a, right = parts
    b, rest = (right.split(None, 1) + ["", ""])[:2] if right.strip() else ("", "")
    if (a and not timeish(a)) or (b and not timeish(b)) or not (a or b) or " " in a:
        return None
    return _read(a), _read(b), rest.strip()


def loose_comma_timing(line: str) -> tuple[float | None, float | None] | None:
    """A SubViewer timing line ('H:MM:SS.mmm,H:MM:SS.mmm') with a time that
    cannot be read ('0:00:13.f89,0:00:15.489'): (start, end), None where
    unreadable. None for a line that is not a timing line at all."""
    s = re.sub(r"\s*,\s*", ",", line.strip())
    if " " in s or len(s) > 48:
        return None
    # The comma between the two times is one with a time on each side; where
    # several could be (',' also comes before a fraction), prefer the split
    # whose halves read as times.
    splits = [(s[:i], s[i + 1 :]) for i, c in enumerate(s) if c == ","]
    splits = [(a, b) for a, b in splits if timeish(a) and timeish(b)]
    if not splits:
        return None
    a, b = max(splits, key=lambda ab: (_read(ab[0]) is not None) + (_read(ab[1]) is not None))
    return _read(a), _read(b)


# --- timing the cues that have no usable time --------------------------------------


def fill_gaps(items: list[Segment], *, wpm: float = DEFAULT_WPM) -> int:
    """Time, in place, the items a file leaves without a usable time (a cue
    with no timing line, or one whose times cannot be read). Returns how many
    items had a time filled in.

    Such items start where the previous item ends. A run of them shares the
    gap up to where the next item starts (or up to the run's last item's own
    end, when that one was read), by their number of words; an item before
    the run whose end could not be read shares it too, from its own start.
    After the last item with a time, or when the gap runs backwards, each
    lasts as long as its words take at `wpm`."""
    rate = max(wpm, 1.0) / 60.0
    n = len(items)
    done = 0
    i = 0
    while i < n:
        if items[i].start is not None:
            i += 1
            continue
        k = i  # where the run begins
        if i and items[i - 1].end is None:
            k = i - 1  # its start was read, its end was not: it shares the gap
            after = items[k].start or 0.0
        elif i:
            after = items[i - 1].end or 0.0
        else:
            after = 0.0
        # The run: items with no time at all, closed by one whose end was read.
        j = i
        while j < n and items[j].start is None and items[j].end is None:
            j += 1
        if j < n and items[j].start is None:
            j += 1
        run = items[k:j]
        until = run[-1].end if run[-1].end is not None else items[j].start if j < n else None
        if until is not None and until < after:
            if len(run) == 1:
                run[0].start = run[0].end  # its own end came first: keep it
                done += 1
                i = j
                continue
            until = None
        _spread(run, after, until, rate)
        done += j - i
        i = j
    last = items[-1] if items else None
    if last is not None and last.end is None and last.start is not None:
        _spread([last], last.start, None, rate)  # the file's last cue lost its end
        done += 1
    return done


def _spread(run: list[Segment], after: float, until: float | None, rate: float) -> None:
    """Times for `run` from `after`: sharing the span up to `until` by words,
    or at the speaking rate when there is no `until`."""
    sizes = [max(1, len(x.text.split())) for x in run]
    t = after
    for x, size in zip(run, sizes, strict=True):
        span = (until - after) * size / sum(sizes) if until is not None else size / rate
        x.start, x.end = round(t, 3), round(t + span, 3)
        t += span
    if until is not None:
        run[-1].end = until  # no rounding drift at the seam
