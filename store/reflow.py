"""Turning words into readable segments.

Two cases: word-level speech-to-text output (each word has a time; group them
into sentences or speaker turns) and untimed text (one giant line, or text
hard-wrapped at 40 columns; split it into sentences, or bounded chunks where
there is no punctuation, and estimate times from a speaking rate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import NONSPEECH, SPEECH, Segment

DEFAULT_WPM = 150.0
# A segment with no sentence end is cut at this many words: about ten
# seconds of speech, two or three lines in the reader.
MAX_WORDS = 28
# Sentence-ending segments are not cut below this many words, so "Yes." and
# "Okay." join their neighbours instead of standing alone.
MIN_WORDS = 4
# A sentence this close to its end when the limit is reached may finish.
LOOKAHEAD = 6
# Seconds of silence that always end a segment when words (or word-level
# cues) are merged: every family that merges goes through words_to_segments.
PAUSE = 1.5

_SENTENCE_END = re.compile(r"[.!?…。！？]['\"”’)\]]*$")


@dataclass
class Word:
    text: str
    start: float | None = None
    end: float | None = None
    speaker: str | None = None


# _SENTENCE_END without a regular expression (called for every word of a
# text): the closing quotes and brackets stripped, a sentence end is last.
_CLOSERS = "'\"”’)]"
_ENDS = frozenset(".!?…。！？")


def ends_sentence(token: str) -> bool:
    if "\n" in token:  # $ also matches before a final line break (never in a word)
        return bool(_SENTENCE_END.search(token))
    return token.rstrip(_CLOSERS)[-1:] in _ENDS


def join_words(tokens: list[str]) -> str:
    """Join tokens with spaces, except before punctuation-only tokens
    (AWS and whisper.cpp give ',' and '.' as their own words)."""
    out = ""
    for t in tokens:
        t = t.strip()
        if not t:
            continue
        if out and re.fullmatch(r"[.,!?;:%…)\]}’”'»]+", t):
            out += t
        elif out and out[-1] in "([{“‘«":
            out += t
        else:
            out += (" " if out else "") + t
    return out


def words_to_segments(items: list[Word], *, max_words: int = MAX_WORDS, pause: float = PAUSE) -> list[Segment]:
    """Group timed words into segments at sentence ends, speaker changes,
    long pauses, and a bounded length. Each segment starts at its first
    timed word; words with no time inherit their neighbours'."""
    segs: list[Segment] = []
    cur: list[Word] = []

    def flush() -> None:
        if not cur:
            return
        starts = [w.start for w in cur if w.start is not None]
        ends = [w.end for w in cur if w.end is not None]
        text = join_words([w.text for w in cur])
        if text:
            segs.append(
                Segment(
                    start=starts[0] if starts else (segs[-1].end or segs[-1].start if segs else 0.0),
                    end=ends[-1] if ends else None,
                    text=text,
                    speaker=cur[0].speaker,
                )
            )
        cur.clear()

    prev_end: float | None = None
    for w in items:
        if cur:
            if w.speaker != cur[0].speaker and w.speaker is not None:
                flush()
            elif w.start is not None and prev_end is not None and w.start - prev_end >= pause:
                flush()  # a pause is never crossed, however short the words before it
        cur.append(w)
        if w.end is not None:
            prev_end = w.end
        elif w.start is not None:
            prev_end = w.start
        if ends_sentence(w.text) and len(cur) >= MIN_WORDS:
            flush()
        elif len(cur) >= max_words:
            cut = _clause_cut([x.text for x in cur])
            rest = cur[cut:] if cut else []
            del cur[len(cur) - len(rest) :]
            flush()
            cur.extend(rest)
    flush()
    return segs


_MARKER = re.compile(r"^\s*(\[[^\[\]]{1,40}\]|\([^()]{1,40}\))\s*$")
_NONSPEECH_WORDS = {
    "blank_audio",
    "music",
    "applause",
    "laughter",
    "laughs",
    "silence",
    "noise",
    "inaudible",
    "crosstalk",
    "cheering",
    "background noise",
    "no speech",
    "sound",
    "static",
    "coughs",
    "cough",
    "sighs",
    "pause",
    "beep",
    "music playing",
    "upbeat music",
    "soft music",
    "bell",
    "clapping",
    "end",
}


_NOTES = frozenset("♪♫♬ ")


def is_nonspeech(text: str) -> bool:
    """'[BLANK_AUDIO]', '[Music]', '(applause)', '♪♪' and similar markers."""
    t = text.strip()
    # A marker starts with a note or a bracket (t is stripped, as _MARKER
    # skips the same spaces): most segments are told apart here.
    if not t or t[0] not in "♪♫♬[(":
        return False
    if set(t) <= _NOTES:
        return True
    m = _MARKER.match(t)
    if not m:
        return False
    inner = m.group(1)[1:-1].strip().lower().replace("-", " ")
    if inner.replace(" ", "_") in _NONSPEECH_WORDS or inner in _NONSPEECH_WORDS:
        return True
    # '[Music playing softly]', '(audience laughing)': a bracketed aside in
    # brackets is a sound description when it names a sound.
    return any(k in inner for k in ("music", "applause", "laugh", "blank", "silence", "noise", "inaudible"))


def kind_of(text: str) -> str:
    return NONSPEECH if is_nonspeech(text) else SPEECH


def _clause_cut(tokens: list[str]) -> int | None:
    """Where to cut a run of words that has grown too long: after the last
    clause mark (, ; : —) in its second half, so lines do not end mid-phrase."""
    for i in range(len(tokens) - 1, len(tokens) // 2 - 1, -1):
        if tokens[i].endswith((",", ";", ":", "—", "–")):
            return i + 1
    return None


def split_untimed(text: str, *, max_words: int = MAX_WORDS) -> list[str]:
    """Split flowing text (hard-wrapped lines joined) into sentence-sized
    chunks. Where there is punctuation, at sentence ends (merging tiny
    sentences forward); where there is none, at a bounded length,
    preferring a cut before a discourse word ('so', 'and', 'um') near the end."""
    tokens = text.split()
    chunks: list[str] = []
    cur: list[str] = []
    ends = list(map(ends_sentence, tokens))  # once per word, not once per look
    punctuated = sum(ends) >= max(1, len(tokens) // 60)
    soft = {"so", "and", "but", "um", "uh", "like", "because", "then", "now", "okay", "well", "yeah"}
    for n, tok in enumerate(tokens):
        cur.append(tok)
        if punctuated and ends[n] and len(cur) >= MIN_WORDS:
            chunks.append(" ".join(cur))
            cur = []
        elif (
            len(cur) >= max_words
            and punctuated
            and True in ends[n + 1 : n + 1 + LOOKAHEAD]
            and len(cur) < max_words + LOOKAHEAD
        ):
            continue  # the sentence ends in a few words: let it
        elif len(cur) >= max_words:
            cut = len(cur)
            if punctuated:
                # a long sentence: cut after its last comma in the second half
                cut = _clause_cut(cur) or cut
            else:
                # cut before the last soft word in the final third
                for i in range(len(cur) - 1, len(cur) * 2 // 3, -1):
                    if cur[i].lower().strip(",") in soft:
                        cut = i
                        break
            chunks.append(" ".join(cur[:cut]))
            cur = cur[cut:]
    if cur:
        if chunks and len(cur) < MIN_WORDS and len(chunks[-1].split()) + len(cur) <= max_words + MIN_WORDS:
            chunks[-1] += " " + " ".join(cur)
        else:
            chunks.append(" ".join(cur))
    return chunks


def estimate_times(
    chunks: list[str], *, wpm: float = DEFAULT_WPM, start: float = 0.0, speaker: str | None = None
) -> list[Segment]:
    """Give chunks times at a speaking rate (words per minute)."""
    rate = max(wpm, 1.0) / 60.0
    t = start
    out = []
    for c in chunks:
        n = max(1, len(c.split()))
        dur = n / rate
        out.append(Segment(start=round(t, 3), end=round(t + dur, 3), text=c, speaker=speaker, kind=kind_of(c)))
        t += dur
    return out


__all__ = [
    "DEFAULT_WPM",
    "NONSPEECH",
    "SPEECH",
    "Word",
    "ends_sentence",
    "estimate_times",
    "is_nonspeech",
    "join_words",
    "kind_of",
    "split_untimed",
    "words_to_segments",
]
