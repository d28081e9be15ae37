"""Console output of whisper, whisper.cpp (``whisper-cli``) and whisper-jax.

One cue a line: ``[00:00:00.000 --> 00:00:05.280]   text`` (whisper.cpp,
openai-whisper ``--verbose``; hours optional) or ``[01:14.500 -> 01:15.500]
text`` (whisper-jax). What else the console shows is handled so:

- Every other line (``main: processing ...``, ``system_info: ...``,
  ``whisper_init_from_file...``, ``output_txt: ...``, ``...``) is set aside.
  The language, audio file and model named in those lines go to metadata.
- ``[BLANK_AUDIO]``, ``[Music]``, ``(applause)`` cues are nonspeech segments.
- ``[SPEAKER_TURN]`` (whisper.cpp ``-tdrz``) ends a speaker's turn: segments
  are given ``Speaker 1`` and ``Speaker 2`` alternately, starting with
  ``Speaker 1``, switching after each marker. Files without markers have no
  speakers. A marker inside a cue splits it, times shared by length.
- A cue that is only punctuation (``-ml 1`` word-level output prints ``  ,``)
  is glued onto the previous cue.
- Word-level output (most cues one word) is regrouped into sentence-sized
  segments with ``reflow.words_to_segments``; every word is kept.
- Empty cues (the first cue of ``-ml 1`` output often is) are dropped.
- A cue whose time cannot be read (``[00:00:0x.000 --> 00:00:05.280]``) keeps
  its text as speech: the readable time is kept, the other comes from the
  neighbouring cues (metadata ``timing_lines_repaired``).
"""

from __future__ import annotations

import re

from ..model import NONSPEECH, SPEECH, Segment, Transcript
from ..reflow import Word, is_nonspeech, join_words, words_to_segments
from ..text import one_line
from . import Format, Options, ParseError, guarded, safe_detect
from ._cues import ARROW, TS, canonical_seconds, fill_gaps, timeish, ts_seconds
from .srt import HEAD

CUE = re.compile(rf"^\s*\[\s*(?P<a>{TS})\s*-{{1,3}}>\s*(?P<b>{TS})\s*\](?P<text>.*)$")
# The cue line whisper writes, read in one match (what CUE and ts_seconds give).
_CANONICAL_CUE = re.compile(r"\[(\d\d):(\d\d):(\d\d)[.,](\d\d\d) --> (\d\d):(\d\d):(\d\d)[.,](\d\d\d)\](.*)$")
# A cue whose timing is damaged ('[00:00:0x.000 --> 00:00:05.280]  text').
_LOOSE_CUE = re.compile(rf"^\s*\[\s*(?P<a>[^\s\]]*)\s*{ARROW}\s*(?P<b>[^\s\]]*)\s*\](?P<text>.*)$")
_TURN = re.compile(r"\s*\[SPEAKER_TURN\]\s*")
_PUNCT = re.compile(r"^[^\w\s\[\]()]+$")
# Facts the log lines carry.
_META = (
    ("audio", re.compile(r"processing '([^']+)'")),
    ("language", re.compile(r"\blang(?:uage)?\s*=\s*([A-Za-z-]+)")),
    ("language", re.compile(r"auto-detected language:\s*([A-Za-z-]+)")),
    ("language", re.compile(r"^Detected language:\s*(\S.*)$", re.I)),
    ("model", re.compile(r"loading model from '([^']+)'")),
)
SPEAKERS = ("Speaker 1", "Speaker 2")


def _read_meta(line: str, meta: dict) -> None:
    for key, rx in _META:
        m = rx.search(line)
        if m and key not in meta:
            value = m.group(1).strip()
            if key == "language" and value.lower() == "auto":
                continue
            if key == "model":
                value = value.rsplit("/", 1)[-1]
            meta[key] = value


def _cue(line: str) -> tuple[float | None, float | None, str] | None:
    """(start, end, text) of a cue line; a time that cannot be read is None
    (the cue is still a cue: its text is speech, its time comes from its
    neighbours). None for a line that is not a cue."""
    c = _CANONICAL_CUE.match(line)
    if c:
        g = c.groups()
        return canonical_seconds(*g[0:4]), canonical_seconds(*g[4:8]), g[8]
    m = CUE.match(line)
    if m:
        start, end = ts_seconds(m.group("a")), ts_seconds(m.group("b"))
        if start is not None and end is not None:
            return start, end, m.group("text")
    m = _LOOSE_CUE.match(line)
    a, b = (m.group("a"), m.group("b")) if m else ("", "")
    if not m or not (a or b) or (a and not timeish(a)) or (b and not timeish(b)):
        return None
    return (ts_seconds(a) if a else None), (ts_seconds(b) if b else None), m.group("text")


def _split_turns(
    start: float | None, end: float | None, text: str, turn: int
) -> tuple[list[tuple[float | None, float | None, str, int]], int]:
    """Pieces of a cue between [SPEAKER_TURN] markers, with the turn count
    each belongs to, and the turn count after the cue. A cue with an
    unreadable time gives untimed pieces (timed later from their neighbours)."""
    pieces = _TURN.split(text) if "[SPEAKER_TURN]" in text else [text]
    out: list[tuple[float | None, float | None, str, int]] = []
    total = sum(len(p) for p in pieces) or 1
    timed = start is not None and end is not None
    t = start
    for k, p in enumerate(pieces):
        dur = (end - start) * len(p) / total if timed and end >= start else 0.0  # type: ignore[operator]
        if p.strip() and timed:
            out.append((t, t + dur, p.strip(), turn))  # type: ignore[operator]
        elif p.strip():  # the first piece keeps a start that was read, the last an end
            out.append((start if k == 0 else None, end if k == len(pieces) - 1 else None, p.strip(), turn))
        if timed:
            t += dur  # type: ignore[operator]
        if k < len(pieces) - 1:
            turn += 1
    return out, turn


@guarded
def parse(text: str, options: Options) -> Transcript:
    meta: dict = {}
    set_aside: list[str] = []
    items: list[Segment] = []
    has_turns = "[SPEAKER_TURN]" in text
    turn = 0
    repaired = 0
    for raw in text.split("\n"):
        cue = _cue(raw)
        if cue is None:
            if raw.strip():
                set_aside.append(raw.strip())
                _read_meta(raw.strip(), meta)
            continue
        start, end, said = cue
        body = one_line(said)
        pieces, turn = _split_turns(start, end, body, turn)
        repaired += bool(pieces) and (start is None or end is None)
        for a, b, piece, who in pieces:
            speaker = SPEAKERS[who % 2] if has_turns else None
            # (a piece that starts with a letter or digit is words, not punctuation)
            punct = not piece[:1].isalnum() and _PUNCT.match(piece)
            if punct and not is_nonspeech(piece) and items and items[-1].kind == SPEECH:
                # '  ,' in word-level output belongs to the word before it.
                items[-1].text = join_words([items[-1].text, piece])
                if b is not None:
                    items[-1].end = max(items[-1].end or b, b)
                continue
            kind = NONSPEECH if is_nonspeech(piece) else SPEECH
            items.append(Segment(start=a, end=b, text=piece, speaker=speaker, kind=kind))  # type: ignore[arg-type]
    if not items and not any(CUE.match(ln) for ln in text.split("\n")):
        raise ParseError("no whisper cue line ('[00:00:00.000 --> 00:00:05.000]  text')")
    # An unreadable time: the cue fills the gap its neighbours leave.
    fill_gaps(items, wpm=options.wpm)
    if repaired:
        meta["timing_lines_repaired"] = repaired

    segs = items
    if _word_level(items):
        segs = _regroup(items)
        meta["word_level"] = True
    if has_turns:
        meta["speakers"] = list(dict.fromkeys(s.speaker for s in segs if s.speaker))
    return Transcript(title=options.name, format="whisper", segments=segs, metadata=meta, set_aside=set_aside)


def _word_level(items: list[Segment]) -> bool:
    """Word-level output (whisper.cpp -ml 1, --max-len 1): most cues one
    short word, each well under two seconds. (A whole sentence of Chinese or
    Japanese is also one 'word' to split(), but lasts longer.)"""
    speech = [s for s in items if s.kind == SPEECH]
    if len(speech) < 6:
        return False
    single = sum(1 for s in speech if len(s.text.split()) == 1 and len(s.text) <= 24)
    durations = sorted((s.end or s.start) - s.start for s in speech)
    return single >= 0.6 * len(speech) and durations[len(durations) // 2] <= 1.5


def _regroup(items: list[Segment]) -> list[Segment]:
    """Word-level cues into readable segments; nonspeech cues stay as they are."""
    out: list[Segment] = []
    run: list[Word] = []
    for s in items:
        if s.kind == SPEECH:
            # A multi-word cue among single words stays one unit, so its time holds.
            run.append(Word(s.text, s.start, s.end, s.speaker))
            continue
        out.extend(words_to_segments(run))
        run = []
        out.append(s)
    out.extend(words_to_segments(run))
    return out


@safe_detect
def detect(text: str, ext: str) -> float:
    # whisper.cpp can print a few KB of model-loading log before the first cue.
    lines = [ln for ln in text[: 4 * HEAD].split("\n") if ln.strip()]
    cues = sum(1 for ln in lines if ln.lstrip().startswith("[") and CUE.match(ln))
    if not cues:
        return 0.0
    if cues >= 2:
        return 0.97
    return 0.6


FORMATS = [
    Format(
        name="whisper",
        family="whisper",
        description="whisper / whisper.cpp / whisper-jax console output: '[00:00:00.000 --> 00:00:05.280]  text' lines",
        extensions=(".txt", ".log"),
        detect=detect,
        parse=parse,
    )
]
