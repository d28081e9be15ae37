"""Text files that are lists, not speech: tables of tab-separated fields,
link lists, logs, ``key: value`` records and file listings.

A private helper module, not a family (``formats._FAMILIES`` never names it).
The prose families (untimed text, Markdown, timed text) take almost any text,
so a provenance list (``name<TAB>url<TAB>licence``) found in a folder would
become an untimed "transcript". Detection asks :func:`list_reason` before it
hands a file to one of them (or to any format that only guessed); a list is
then skipped with the reason. ``--format`` skips detection, so a list can
still be imported on purpose.
"""

from __future__ import annotations

import re

SAMPLE_CHARS = 16_384
SAMPLE_LINES = 400
# A file is a list when this share of its lines is list lines and they hold
# this share of its characters: one giant transcript line with a few links
# under it is still a transcript.
LINE_SHARE = 0.6
CHAR_SHARE = 0.5
MIN_LINES = 3

_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
_NUMBERISH = re.compile(r"^[\d\s:.,+-]+$")
_LOG_LEVEL = r"\[?(?:DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|CRITICAL|FATAL|TRACE|SEVERE)\]?"
_LOG = re.compile(
    rf"""^\s*(?:
        \[?\d{{4}}-\d{{2}}-\d{{2}}[T\s]\d{{1,2}}:\d{{2}}           # 2024-05-01 12:00 / ISO date-time
      | \[?\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d+)?\]?\s+{_LOG_LEVEL}(?:\s|:|$)  # 12:00:01 INFO
      | {_LOG_LEVEL}(?:\s|:|$)                                     # INFO: / [ERROR]
      | [A-Z][a-z]{{2}}\s+\d{{1,2}}\s\d{{2}}:\d{{2}}:\d{{2}}\s     # syslog: May  1 12:00:01 host
      | [a-z][a-z0-9]*(?:_[a-z0-9]+)+\s*:\s                        # whisper_init_from_file: ...
    )""",
    re.X,
)
# 'licence: MIT', '  repo:    owner/name', '  notes:   ...' (aligned values);
# a lower-case key, so a transcript's 'JOHN:  Well...' is never a field.
_FIELD = re.compile(r"^\s*[a-z][a-z0-9_.-]{0,24}:(?:[ \t]{2,}\S|\t\S|[ ]\S+$)")
# 'Date: 2024-05-01', 'ID: a1b2_c3': any key with one token holding a digit or a symbol.
_TOKEN_FIELD = re.compile(r"^\s*[A-Za-z][\w .-]{0,24}:\s+\S*[\d/@_=#]\S*$")
_PATH = re.compile(r"^\s*[\w.@~:-]*[/\\][\w.@~/\\:-]*$")

_KINDS = {
    "fields": "tab-, comma- or bar-separated fields",
    "links": "links",
    "log": "log lines",
    "records": "key: value fields",
    "paths": "file paths",
}


def _fields(line: str) -> bool:
    """A row of a table: tab-, pipe- or comma-separated fields. A timed row
    whose one text field is speech ('0.0<TAB>5.28<TAB>And so my fellow', as
    Audacity labels and whisper's .tsv are) is not."""
    if "\t" in line.strip():
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if len(cells) < 2:
            return False
        wordy = [c for c in cells if not _NUMBERISH.match(c)]
        return not (len(wordy) == 1 and len(wordy[0].split()) >= 2)
    s = line.strip()
    if s.count("|") >= 3 or (s.startswith("|") and s.endswith("|") and len(s) > 2):
        return True
    return s.count(",") >= 2 and ", " not in s and " " not in s


def _link(line: str) -> bool:
    """A line that is a link, or links with a word or three around them."""
    if ("://" not in line and "www." not in line.lower()) or not _URL.search(line):
        return False  # (a link has one or the other: looked for first)
    rest = _URL.sub(" ", line)
    return len(_LETTER_WORD.findall(rest)) <= 3


def kind_of_line(line: str) -> str | None:
    """Which kind of list line this is ('fields', 'links', 'log', 'records',
    'paths'), or None for a line that may be speech."""
    if _fields(line):
        return "fields"
    if _link(line):
        return "links"
    if _LOG.match(line):
        return "log"
    if ":" in line and (_FIELD.match(line) or _TOKEN_FIELD.match(line)):
        return "records"
    if ("/" in line or "\\" in line) and _PATH.match(line):
        return "paths"
    return None


def list_reason(text: str) -> str | None:
    """Why this text is a list and not a transcript, or None when it may be
    one. Looks at the first lines only."""
    lines = [ln for ln in text[:SAMPLE_CHARS].split("\n")[:SAMPLE_LINES] if ln.strip()]
    if len(lines) < MIN_LINES:
        return None
    counts: dict[str, int] = {}
    list_chars = 0
    total_chars = 0
    for ln in lines:
        size = len(ln.strip())
        total_chars += size
        kind = kind_of_line(ln)
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
            list_chars += size
    listed = sum(counts.values())
    if listed < MIN_LINES or listed < LINE_SHARE * len(lines) or list_chars < CHAR_SHARE * total_chars:
        return None
    # Name the kinds that make up the list (the larger ones, largest first).
    main = [k for k, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n >= 0.15 * listed]
    what = " and ".join(_KINDS[k] for k in main)
    whole = len(text) <= SAMPLE_CHARS and text.count("\n") < SAMPLE_LINES
    of = f"{len(lines)}" if whole else f"its first {len(lines)}"
    return f"not a transcript: {listed} of {of} lines are {what} (a list, not speech)"
