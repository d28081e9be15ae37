"""JSON written by speech-to-text tools and services, one Format per shape:

- ``whisper-json``: openai-whisper results (segments, optional words),
  whisper-timestamped, WhisperX (speakers), faster-whisper dumps where
  segments and words are arrays ``[.., start, end, text, ..]``;
- ``whisper-cpp-json``: whisper.cpp ``-oj`` / ``-ojf`` (``transcription[]``);
- ``deepgram``: Deepgram responses (utterances, paragraphs or words);
- ``assemblyai``: AssemblyAI transcripts (utterances or words, milliseconds);
- ``aws-transcribe``: Amazon Transcribe job output (items, speaker labels).

Files that carry segments keep them; files that are only words are grouped
into sentences and speaker turns by ``reflow.words_to_segments``.
"""

from __future__ import annotations

import re
import statistics
from typing import Any

from ..model import ESTIMATED, Chapter, Segment, Transcript
from ..names import choose_title, title_in
from ..reflow import Word, estimate_times, join_words, kind_of, split_untimed, words_to_segments
from ..text import clean_line, parse_time, words
from . import Format, Options, ParseError
from . import guarded as _guarded
from . import safe_detect as _safe_detect
from ._common import is_scalar, load_json, ms, num, sec

HEAD = 8192

# --- shared helpers -------------------------------------------------------------


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _fold(text: str) -> str:
    return " ".join(text.split())


def segment(start: float | None, end: float | None, text: str, speaker: str | None = None) -> Segment:
    text = _fold(text)
    return Segment(start=start, end=end, text=text, speaker=speaker, kind=kind_of(text))  # type: ignore[arg-type]


def _with_kinds(segs: list[Segment]) -> list[Segment]:
    for s in segs:
        s.kind = kind_of(s.text)
    return segs


def _turn(start: float | None, end: float | None, body: str, speaker: str | None, wl: list[Word]) -> list[Segment]:
    """One speaker turn (a Deepgram or AssemblyAI utterance). A long turn is
    cut into sentences at its own words' times; the utterance's text is kept
    as it is when its words do not spell it exactly."""
    joined = join_words([w.text for w in wl])
    if not body.strip():
        body = joined
    timed = [w for w in wl if w.start is not None]
    if timed and [x.lower() for x in words(joined)] == [x.lower() for x in words(body)]:
        for w in wl:
            w.speaker = speaker
        segs = _with_kinds(words_to_segments(wl))
        if segs and start is not None and segs[0].start is not None and start < segs[0].start:
            segs[0].start = start
        if segs and end is not None:
            segs[-1].end = max(end, segs[-1].end or end)
        return segs
    if start is None and timed:
        start = timed[0].start
    return [segment(start, end, body, speaker)]


def _estimated(t: Transcript, text: str, options: Options, speaker: str | None = None) -> None:
    """Only a transcript string, no times: sentences at a speaking rate."""
    t.segments = estimate_times(split_untimed(text), wpm=options.wpm, speaker=speaker)
    t.timing = ESTIMATED


def _title(t: Transcript, data: Any, options: Options) -> None:
    """A title the JSON carries (at the top, or in its metadata / info), before the file's name."""
    if isinstance(data, dict):
        found = title_in(data, data.get("metadata"), data.get("info"), data.get("meta"))
        t.title = choose_title(found, fallback=options.name)


def _speakers_meta(t: Transcript) -> None:
    sp = t.speakers
    if sp:
        t.metadata["speakers"] = sp


_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # the rest of a JSON string


def _head(text: str) -> str:
    """The first KB of a JSON file, skipping a leading top-level "text"
    value: openai-whisper and whisper-timestamped write the whole transcript
    first, which can push every telling key past the first few KB."""
    head = text[:HEAD]
    m = re.match(r'\s*\{\s*"text"\s*:\s*"', head)
    if m:
        end = _STRING_REST.match(text, m.end(), m.end() + 4_000_000)
        if end:
            head = head[: m.end()] + '"' + text[end.end() : end.end() + HEAD]
    return head


def _keys(head: str) -> set[str]:
    return set(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"\s*:', head))


# --- whisper (openai-whisper, whisper-timestamped, WhisperX, faster-whisper) -------------


def _array_item(arr: list) -> tuple[float | None, float | None, str, list] | None:
    """A faster-whisper namedtuple dumped as an array: Segment(id, seek, start,
    end, text, tokens, ..., words, ...) or Word(start, end, word, probability).
    The text is the first string; the two values before it are the times."""
    for i, v in enumerate(arr):
        if isinstance(v, str):
            start = sec(arr[i - 2]) if i >= 2 else None
            end = sec(arr[i - 1]) if i >= 1 else None
            nested = next(
                (x for x in arr[i + 1 :] if isinstance(x, list) and x and isinstance(x[0], (list, dict))),
                [],
            )
            return start, end, v, nested
    return None


def _whisper_word(w: Any) -> Word | None:
    if isinstance(w, dict):
        text = _str(w.get("word")) or _str(w.get("text"))
        sp = w.get("speaker")
        return Word(text, sec(w.get("start")), sec(w.get("end")), clean_line(sp) if isinstance(sp, str) else None)
    if isinstance(w, list):
        got = _array_item(w)
        if got:
            return Word(got[2], got[0], got[1])
    return None


def _whisper_segment(raw: Any) -> tuple[Segment | None, list[Word]]:
    if isinstance(raw, dict):
        start, end, text = sec(raw.get("start")), sec(raw.get("end")), _str(raw.get("text"))
        wl = [w for w in map(_whisper_word, _list(raw.get("words"))) if w]
        sp = raw.get("speaker")
        speaker = clean_line(sp) if isinstance(sp, str) and sp.strip() else None
    elif isinstance(raw, list):
        got = _array_item(raw)
        if not got:
            return None, []
        start, end, text, nested = got
        wl = [w for w in map(_whisper_word, nested) if w]
        speaker = None
    else:
        return None, []
    if not text.strip() and wl:
        text = join_words([w.text for w in wl])
    if start is None and wl:
        start = next((w.start for w in wl if w.start is not None), None)
    if end is None and wl:
        end = next((w.end for w in reversed(wl) if w.end is not None), None)
    if speaker is None and wl:
        # WhisperX labels words; a segment without a label takes its first one
        speaker = next((w.speaker for w in wl if w.speaker), None)
    return segment(start, end, text, speaker), wl


@_safe_detect
def detect_whisper(text: str, ext: str) -> float:
    head = _head(text)
    s = head.lstrip()
    if s.startswith("["):
        # a bare list of faster-whisper segments: [[id, seek, start, end, " text", ...], ...]
        if re.match(r"\[\s*\[\s*-?\d[\d.eE+-]*\s*,\s*-?\d[\d.eE+-]*\s*,[^\]]*?\"", s):
            return 0.5
        keys = _keys(head)
        if {"start", "end", "text"} <= keys and not keys & {"startTime", "body"}:
            return 0.5
        return 0.0
    if not s.startswith("{"):
        return 0.0
    keys = _keys(head)
    if keys & {"transcription", "startTime", "tStartMs", "acoustic_model", "jobName"}:
        return 0.0
    if "results" in keys and keys & {"channels", "items", "transcripts"}:
        return 0.0
    if "segments" not in keys and "word_segments" not in keys:
        return 0.0
    whisper_keys = {"seek", "avg_logprob", "no_speech_prob", "compression_ratio", "temperature", "word_segments"}
    if keys & whisper_keys or "probability" in keys:
        return 0.95
    if re.search(r'"segments"\s*:\s*\[\s*\[', head):
        return 0.85
    if {"start", "end", "text", "words"} <= keys:
        return 0.9  # whisper-timestamped, word_timestamps=True
    if {"start", "end", "text"} <= keys:
        return 0.8
    return 0.3


@_guarded
def parse_whisper(text: str, options: Options) -> Transcript:
    data = load_json(text)
    t = Transcript(title=options.name, format="whisper-json")
    if isinstance(data, list):
        raw_segments, top = data, {}
    elif isinstance(data, dict):
        raw_segments, top = _list(data.get("segments")), data
    else:
        raise ParseError("not a whisper result: expected an object with 'segments'")
    for raw in raw_segments:
        seg, _ = _whisper_segment(raw)
        if seg is not None and seg.text:
            t.segments.append(seg)
    if not t.segments:
        # WhisperX word_segments, or a words-only dump
        wl = [w for w in map(_whisper_word, _list(top.get("word_segments")) or _list(top.get("words"))) if w]
        if wl:
            t.segments = _with_kinds(words_to_segments(wl))
        elif _str(top.get("text")).strip():
            _estimated(t, _str(top["text"]), options)
        elif not raw_segments:
            raise ParseError("no 'segments' in this whisper result")
    info = _dict(top.get("info"))
    lang = top.get("language") or info.get("language")
    if isinstance(lang, str) and lang:
        t.metadata["language"] = lang
    dur = num(info.get("duration"))
    if dur is not None:
        t.metadata["duration"] = dur
    model = top.get("model")
    if isinstance(model, str) and model:
        t.metadata["model"] = model
    _title(t, data, options)
    _speakers_meta(t)
    return t


# --- whisper.cpp -oj / -ojf --------------------------------------------------------------

_SPECIAL_TOKEN = re.compile(r"^\s*\[_[A-Z]+_?\d*\]\s*$")


@_safe_detect
def detect_whisper_cpp(text: str, ext: str) -> float:
    head = text[:HEAD]
    if not head.lstrip().startswith("{"):
        return 0.0
    keys = _keys(head)
    if "transcription" in keys and keys & {"offsets", "timestamps"}:
        return 0.95
    if "systeminfo" in keys and "transcription" in keys:
        return 0.9
    return 0.0


def _cpp_times(item: dict) -> tuple[float | None, float | None]:
    offs = _dict(item.get("offsets"))
    start, end = ms(offs.get("from")), ms(offs.get("to"))
    stamps = _dict(item.get("timestamps"))
    if start is None and isinstance(stamps.get("from"), str):
        start = parse_time(stamps["from"])
    if end is None and isinstance(stamps.get("to"), str):
        end = parse_time(stamps["to"])
    return start, end


@_guarded
def parse_whisper_cpp(text: str, options: Options) -> Transcript:
    data = load_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("transcription"), list):
        raise ParseError("not whisper.cpp JSON: no 'transcription' list")
    t = Transcript(title=options.name, format="whisper-cpp-json")
    items: list[tuple[float | None, float | None, str, str | None]] = []
    for item in data["transcription"]:
        if not isinstance(item, dict):
            continue
        start, end = _cpp_times(item)
        body = _str(item.get("text"))
        if not body.strip():
            toks = [_str(_dict(k).get("text")) for k in _list(item.get("tokens"))]
            body = "".join(k for k in toks if not _SPECIAL_TOKEN.match(k))
        sp = item.get("speaker")  # --diarize: "0", "1" or "?"
        speaker = None
        if isinstance(sp, str) and sp.strip() and sp.strip() != "?":
            sp = sp.strip().strip("()")
            speaker = f"Speaker {sp}" if sp.isdigit() else clean_line(sp)
        items.append((start, end, body, speaker))
    # -ml 1 writes one word (or one comma) per entry: regroup into sentences.
    spoken = [len(words(b)) for _, _, b, _ in items if b.strip()]
    if len(spoken) >= 8 and statistics.median(spoken) <= 1:
        wl = [Word(b.strip(), s, e, sp) for s, e, b, sp in items if b.strip()]
        t.segments = _with_kinds(words_to_segments(wl))
        t.metadata["word_level"] = True
    else:
        t.segments = [segment(s, e, b, sp) for s, e, b, sp in items]
    model = _dict(data.get("model"))
    if isinstance(model.get("type"), str):
        t.metadata["model"] = model["type"]
    params = _dict(data.get("params"))
    if isinstance(params.get("model"), str):
        t.metadata["model_file"] = params["model"]
    lang = _dict(data.get("result")).get("language") or params.get("language")
    if isinstance(lang, str) and lang:
        t.metadata["language"] = lang
    if params.get("translate") is True:
        t.metadata["translated"] = True
    _title(t, data, options)
    _speakers_meta(t)
    return t


# --- Deepgram ---------------------------------------------------------------------------


def _dg_speaker(value: Any, channel: Any, multichannel: bool) -> str | None:
    n = num(value)
    if n is not None and n == int(n):
        return f"Speaker {int(n)}"
    if isinstance(value, str) and value.strip():
        return clean_line(value)
    c = num(channel)
    if multichannel and c is not None:
        return f"Channel {int(c)}"
    return None


@_safe_detect
def detect_deepgram(text: str, ext: str) -> float:
    head = text[:HEAD]
    if not head.lstrip().startswith("{"):
        return 0.0
    keys = _keys(head)
    if "results" not in keys:
        return 0.0
    if "channels" in keys and "alternatives" in keys:
        return 0.95
    if "punctuated_word" in keys or ("request_id" in keys and "metadata" in keys):
        return 0.9
    if "utterances" in keys and "items" not in keys:
        return 0.6
    return 0.0


@_guarded
def parse_deepgram(text: str, options: Options) -> Transcript:
    data = load_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise ParseError("not a Deepgram response: no 'results' object")
    results = data["results"]
    t = Transcript(title=options.name, format="deepgram")
    channels = [c for c in _list(results.get("channels")) if isinstance(c, dict)]
    alts = [_dict((_list(c.get("alternatives")) or [{}])[0]) for c in channels]
    multi = len(channels) > 1
    segs: list[Segment] = []

    for u in _list(results.get("utterances")):
        if not isinstance(u, dict):
            continue
        speaker = _dg_speaker(u.get("speaker"), u.get("channel"), multi)
        uw = [_dict(w) for w in _list(u.get("words"))]
        wl = [
            Word(_str(w.get("punctuated_word")) or _str(w.get("word")), sec(w.get("start")), sec(w.get("end")))
            for w in uw
        ]
        segs.extend(_turn(sec(u.get("start")), sec(u.get("end")), _str(u.get("transcript")), speaker, wl))
    source = "utterances"

    if not any(s.text for s in segs):
        segs, source = [], "paragraphs"
        for ci, alt in enumerate(alts):
            for p in _list(_dict(alt.get("paragraphs")).get("paragraphs")):
                p = _dict(p)
                speaker = _dg_speaker(p.get("speaker"), ci, multi)
                for s in _list(p.get("sentences")):
                    s = _dict(s)
                    segs.append(segment(sec(s.get("start")), sec(s.get("end")), _str(s.get("text")), speaker))
        segs.sort(key=lambda s: s.start if s.start is not None else 0.0)

    if not any(s.text for s in segs):
        segs, source = [], "words"
        for ci, alt in enumerate(alts):
            wl = []
            for w in _list(alt.get("words")):
                w = _dict(w)
                wtext = _str(w.get("punctuated_word")) or _str(w.get("word"))
                wl.append(Word(wtext, sec(w.get("start")), sec(w.get("end")), _dg_speaker(w.get("speaker"), ci, multi)))
            segs.extend(words_to_segments(wl))
        segs = _with_kinds(sorted(segs, key=lambda s: s.start if s.start is not None else 0.0))

    t.segments = segs
    if not any(s.text for s in segs):
        whole = " ".join(_str(a.get("transcript")) for a in alts).strip()
        if not whole:
            raise ParseError("Deepgram response without utterances, paragraphs, words or transcript")
        _estimated(t, whole, options)
        source = "transcript"
    t.metadata["deepgram_source"] = source

    meta = _dict(data.get("metadata"))
    for key in ("request_id", "duration", "channels"):
        if is_scalar(meta.get(key)):
            t.metadata[key] = meta[key]
    if isinstance(meta.get("created"), str):
        t.metadata["date"] = meta["created"]
    models = []
    for info in _dict(meta.get("model_info")).values():
        info = _dict(info)
        name = info.get("arch") or info.get("name")
        if isinstance(name, str) and name not in models:
            models.append(name)
    if models:
        t.metadata["model"] = ", ".join(models)
    langs = [c.get("detected_language") for c in channels if isinstance(c.get("detected_language"), str)]
    if langs:
        t.metadata["language"] = langs[0]
    summary = _dict(results.get("summary")).get("short")
    if isinstance(summary, str) and summary:
        t.metadata["summary"] = summary
    _title(t, data, options)
    _speakers_meta(t)
    return t


# --- AssemblyAI ---------------------------------------------------------------------------


def _aai_speaker(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        v = clean_line(value)
        # 'A', 'B', ... (or channel numbers) are labels, not names
        return f"Speaker {v}" if len(v) <= 3 and v.isalnum() else v
    n = num(value)
    return f"Speaker {int(n)}" if n is not None and n == int(n) else None


@_safe_detect
def detect_assemblyai(text: str, ext: str) -> float:
    head = text[:HEAD]
    if not head.lstrip().startswith("{"):
        return 0.0
    keys = _keys(head)
    if keys & {"acoustic_model", "language_model", "speech_model", "audio_duration"}:
        return 0.95
    if "audio_url" in keys and keys & {"words", "utterances", "text"}:
        return 0.9
    if keys & {"segments", "results", "transcription", "events"}:
        return 0.0
    if "utterances" in keys and re.search(r'"speaker"\s*:\s*"[A-Z]"', head):
        return 0.8
    if "words" in keys and {"text", "start", "end", "confidence"} <= keys:
        return 0.6
    return 0.0


@_guarded
def parse_assemblyai(text: str, options: Options) -> Transcript:
    data = load_json(text)
    if not isinstance(data, dict):
        raise ParseError("not an AssemblyAI transcript: expected an object")
    t = Transcript(title=options.name, format="assemblyai")
    for u in _list(data.get("utterances")):
        u = _dict(u)
        uw = [_dict(w) for w in _list(u.get("words"))]
        wl = [Word(_str(w.get("text")), ms(w.get("start")), ms(w.get("end"))) for w in uw]
        speaker = _aai_speaker(u.get("speaker"))
        t.segments.extend(_turn(ms(u.get("start")), ms(u.get("end")), _str(u.get("text")), speaker, wl))
    if not any(s.text for s in t.segments):
        wl = []
        for w in _list(data.get("words")):
            w = _dict(w)
            wl.append(Word(_str(w.get("text")), ms(w.get("start")), ms(w.get("end")), _aai_speaker(w.get("speaker"))))
        t.segments = _with_kinds(words_to_segments(wl))
    if not t.segments:
        if not _str(data.get("text")).strip():
            raise ParseError("AssemblyAI transcript without utterances, words or text")
        _estimated(t, _str(data["text"]), options)
    # auto_chapters: each chapter starts at the first segment at or after it
    for ch in _list(data.get("chapters")):
        ch = _dict(ch)
        title = _str(ch.get("headline")) or _str(ch.get("gist"))
        start = ms(ch.get("start"))
        if not title.strip() or start is None:
            continue
        idx = next((i for i, s in enumerate(t.segments) if s.start is not None and s.start >= start - 0.001), None)
        if idx is not None:
            t.chapters.append(Chapter(clean_line(title), idx))
    for src, key in (("id", "id"), ("language_code", "language"), ("audio_url", "url"), ("status", "status")):
        if isinstance(data.get(src), str) and data[src]:
            t.metadata[key] = data[src]
    for src in ("audio_duration", "confidence"):
        v = num(data.get(src))
        if v is not None:
            t.metadata["duration" if src == "audio_duration" else src] = v
    for src in ("speech_model", "summary"):
        if isinstance(data.get(src), str) and data[src]:
            t.metadata["model" if src == "speech_model" else src] = data[src]
    _title(t, data, options)
    _speakers_meta(t)
    return t


# --- Amazon Transcribe --------------------------------------------------------------------


def _aws_label(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    v = clean_line(value)
    m = re.fullmatch(r"(spk|ch)_(\d+)", v)
    if m:
        return f"{'Speaker' if m.group(1) == 'spk' else 'Channel'} {m.group(2)}"
    return v


@_safe_detect
def detect_aws(text: str, ext: str) -> float:
    head = text[:HEAD]
    if not head.lstrip().startswith("{"):
        return 0.0
    keys = _keys(head)
    if "jobName" in keys and "results" in keys:
        return 0.95
    if "results" in keys and "transcripts" in keys:
        return 0.9
    if "results" in keys and "items" in keys and keys & {"start_time", "alternatives"}:
        return 0.85
    return 0.0


def _aws_speaker_map(results: dict) -> tuple[dict[str, str], list[tuple[float, float, str]]]:
    """Speakers by item start time, and the labelled spans for times that are
    not listed exactly."""
    by_start: dict[str, str] = {}
    spans: list[tuple[float, float, str]] = []
    groups = [("speaker_label", s) for s in _list(_dict(results.get("speaker_labels")).get("segments"))]
    groups += [("channel_label", c) for c in _list(_dict(results.get("channel_labels")).get("channels"))]
    for key, grp in groups:
        grp = _dict(grp)
        label = _aws_label(grp.get(key))
        if not label:
            continue
        for it in _list(grp.get("items")):
            it = _dict(it)
            st = it.get("start_time")
            if isinstance(st, str):
                by_start[st.strip()] = _aws_label(it.get(key)) or label
            s, e = num(st), num(it.get("end_time"))
            if s is not None:
                spans.append((s, e if e is not None else s, label))
        s, e = num(grp.get("start_time")), num(grp.get("end_time"))
        if s is not None and e is not None:
            spans.append((s, e, label))
    return by_start, spans


@_guarded
def parse_aws(text: str, options: Options) -> Transcript:
    data = load_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise ParseError("not Amazon Transcribe output: no 'results' object")
    results = data["results"]
    t = Transcript(title=options.name, format="aws-transcribe")
    by_start, spans = _aws_speaker_map(results)

    def speaker_at(start_str: Any, start: float | None) -> str | None:
        if isinstance(start_str, str) and start_str.strip() in by_start:
            return by_start[start_str.strip()]
        if start is not None:
            for s, e, label in spans:
                if s <= start <= e:
                    return label
        return None

    for a in _list(results.get("audio_segments")):
        a = _dict(a)
        start = sec(a.get("start_time"))
        label = _aws_label(a.get("speaker_label")) or _aws_label(a.get("channel_label"))
        t.segments.append(
            segment(start, sec(a.get("end_time")), _str(a.get("transcript")), label or speaker_at(None, start))
        )
    if not any(s.text for s in t.segments):
        wl: list[Word] = []
        for it in _list(results.get("items")):
            it = _dict(it)
            content = _str(_dict((_list(it.get("alternatives")) or [{}])[0]).get("content"))
            if not content.strip():
                continue
            if it.get("type") == "punctuation" or num(it.get("start_time")) is None:
                # punctuation has no time: it belongs to the word before it
                wl.append(Word(content, None, None, wl[-1].speaker if wl else None))
                continue
            start = sec(it.get("start_time"))
            label = _aws_label(it.get("speaker_label")) or _aws_label(it.get("channel_label"))
            wl.append(Word(content, start, sec(it.get("end_time")), label or speaker_at(it.get("start_time"), start)))
        t.segments = _with_kinds(words_to_segments(wl))
    if not t.segments:
        whole = " ".join(_str(_dict(x).get("transcript")) for x in _list(results.get("transcripts"))).strip()
        if not whole:
            raise ParseError("Amazon Transcribe output without items, audio segments or transcript")
        _estimated(t, whole, options)
    if isinstance(data.get("jobName"), str) and data["jobName"]:
        t.metadata["job_name"] = data["jobName"]
    if isinstance(data.get("status"), str):
        t.metadata["status"] = data["status"]
    lang = results.get("language_code") or data.get("languageCode")
    if isinstance(lang, str) and lang:
        t.metadata["language"] = lang
    _title(t, data, options)
    _speakers_meta(t)
    return t


FORMATS: list[Format] = [
    Format(
        name="whisper-json",
        family="stt_json",
        description="Whisper JSON: openai-whisper, whisper-timestamped, WhisperX, faster-whisper dumps",
        extensions=(".json",),
        detect=detect_whisper,
        parse=parse_whisper,
    ),
    Format(
        name="whisper-cpp-json",
        family="stt_json",
        description="whisper.cpp JSON (-oj / -ojf): transcription[] with offsets in ms",
        extensions=(".json",),
        detect=detect_whisper_cpp,
        parse=parse_whisper_cpp,
    ),
    Format(
        name="deepgram",
        family="stt_json",
        description="Deepgram response JSON (utterances, paragraphs or words)",
        extensions=(".json",),
        detect=detect_deepgram,
        parse=parse_deepgram,
    ),
    Format(
        name="assemblyai",
        family="stt_json",
        description="AssemblyAI transcript JSON (utterances or words, times in ms)",
        extensions=(".json",),
        detect=detect_assemblyai,
        parse=parse_assemblyai,
    ),
    Format(
        name="aws-transcribe",
        family="stt_json",
        description="Amazon Transcribe job output JSON (items, speaker labels, audio segments)",
        extensions=(".json",),
        detect=detect_aws,
        parse=parse_aws,
    ),
]
