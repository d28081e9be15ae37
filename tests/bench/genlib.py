"""Generate a large library of transcript files for benchmarks.

``generate(dir, n_transcripts, segments_per_transcript, seed)`` writes N
transcripts in rotating formats (SRT, WebVTT, whisper console output,
Markdown with front matter and ``- [MM:SS]`` bullets, plain hard-wrapped
text) and returns their paths. The words follow a Zipf curve over a
realistic vocabulary of VOCABULARY (60,000) distinct words, as a few
thousand hours of speech have: a hand-written core of conversational and
talk words at the head, then the words of Python's own reference text
(``pydoc_data``), their inflections (``model``, ``models``, ``modeled``:
the near neighbours that make fuzzy search work), people's names, numbers
and years, and invented words for the long tail. Sentences have
punctuation, fillers, speakers, a few accented and hyphenated words;
captions split sentences mid-way, as real captions do. Same seed, same
files; the vocabulary is the same for every seed.

``transcripts(...)`` yields the same content as in-memory records, for
benchmarks that want to skip parsing.
"""

from __future__ import annotations

import bisect
import random
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("srt", "vtt", "whisper", "markdown", "plain")
EXTENSIONS = {"srt": ".srt", "vtt": ".vtt", "whisper": ".txt", "markdown": ".md", "plain": ".txt"}

# The head of the curve: what people say in talks, podcasts and meetings.
_CORE = """
the and to of a i that it you in is we so like this was think for they what
but be have on with are just about really know people do not can there if at
one all get would an or going kind from as thing how things more actually
right me very my when our because lot these time which models them work
then yeah were some he could model by out want make see us been where mean
up much now also data think going why those well other way something need
into say first had build good here will said than even different problem
scaling laws agent agents training compute research question company years
learning systems system intelligence language human humans product users
important start started world team reliability long horizon tasks task
interesting believe maybe probably definitely basically exactly pretty
running run runs ran scale scaled scales bigger better best large small
future past today tomorrow idea ideas understand understanding talk talking
build building built software code coding engineer engineers math science
physics physicist theory theoretical universe experiment experiments results
progress trend trends curve curves loss error errors benchmark benchmarks
evaluation safety alignment policy government market customers startup
founder founders investment investors money cost costs cheaper faster slower
question questions answer answers explain explained example examples case
cases point points part parts whole simple hard easy difficult possible
memory context window windows token tokens reasoning reason reasons plan
planning feedback loop loops reward rewards reinforcement supervised fine
tune tuning tuned dataset datasets quality quantity measure measured
meeting agenda budget quarter roadmap launch launched ship shipped deadline
design designer designers review reviewed customer support ticket tickets
podcast episode guest host listeners welcome thanks thank conversation
lecture lesson students student professor course homework exam chapter
story stories history historical century decade career academia paper papers
write writing wrote read reading book books library search index transcript
music video audio recording microphone camera screen stage audience room
""".split()

_FILLERS = ["um", "uh", "you know", "I mean", "like", "sort of", "kind of", "right"]
_ACCENTED = ["café", "naïve", "résumé", "crème brûlée", "façade", "déjà vu", "jalapeño", "Zürich", "São Paulo"]
_NAMES = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Jacob Efron",
    "Diana Hu",
    "Jared Kaplan",
    "Marie Curie",
    "Niels Bohr",
    "Katherine Johnson",
    "Claude Shannon",
    "Edsger Dijkstra",
    "Barbara Liskov",
]
_TAGS = ["AI", "Startup", "Physics", "Interview", "Lecture", "Meeting", "Podcast", "Research", "Policy", "Design"]


VOCABULARY = 60_000  # distinct words: Zipf over this many, as real speech has
_ONSETS = "b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p pl pr qu r s sc sh sl sm sn sp st str t th tr v w wh y z".split()
_NUCLEI = "a e i o u ai ea ee ie oa oo ou ay ow".split()
_CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "nt", "st", "ck", "ng", "rd", "x"]
_HEAD_FROM_REFERENCE = 2_000  # the reference text's most frequent words keep their rank


def _syllable(rng: random.Random) -> str:
    return rng.choice(_ONSETS + [""]) + rng.choice(_NUCLEI) + rng.choice(_CODAS)


def _inflect(w: str, suffix: str) -> str:
    if suffix in ("ed", "ing", "er") and w.endswith("e"):
        return w[:-1] + suffix
    if suffix == "s" and w.endswith(("s", "x", "ch", "sh")):
        return w + "es"
    return w + suffix


_VOCAB: list[str] = []
_NAME_WORDS: set[str] = set()


def _vocabulary() -> list[str]:
    """VOCABULARY distinct words, most frequent first: the core words, the
    reference text's head, then its tail, inflections, names, numbers and
    invented words shuffled together (one fixed order for every seed)."""
    if _VOCAB:
        return _VOCAB
    rng = random.Random(7_000_007)
    seen: dict[str, None] = dict.fromkeys(_CORE)
    reference: list[str] = []
    try:
        import pydoc_data.topics as topics

        counts: dict[str, int] = {}
        for w in re.findall(r"[a-z]{2,14}", " ".join(topics.topics.values()).lower()):
            counts[w] = counts.get(w, 0) + 1
        reference = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if w not in seen]
    except ImportError:  # a stripped Python: the core and what is derived from it
        pass
    head = list(seen) + reference[:_HEAD_FROM_REFERENCE]
    seen = dict.fromkeys(head)
    tail: dict[str, None] = dict.fromkeys(w for w in reference[_HEAD_FROM_REFERENCE:] if w not in seen)
    # Inflections: real vocabularies are full of words one or two edits apart.
    for w in [*head, *list(tail)[:6_000]]:
        for suffix in ("s", "ed", "ing", "er", "ly", "ness"):
            if rng.random() < 0.3:
                tail.setdefault(_inflect(w, suffix), None)
    # People's names (said capitalised) and numbers, as speech has them.
    while len(_NAME_WORDS) < 4_000:
        name = "".join(_syllable(rng) for _ in range(rng.randint(2, 3)))
        if 4 <= len(name) <= 12 and name not in seen and name not in tail:
            _NAME_WORDS.add(name)
            tail.setdefault(name, None)
    for n in [*range(0, 1_001), *range(1900, 2041), *(rng.randrange(1_000, 1_000_000) for _ in range(2_000))]:
        tail.setdefault(str(n), None)
    for w in seen:
        tail.pop(w, None)
    # Invented words for the rest of the long tail.
    while len(seen) + len(tail) < VOCABULARY:
        w = "".join(_syllable(rng) for _ in range(rng.choice((1, 2, 2, 3))))
        if 3 <= len(w) <= 14 and w not in seen:
            tail.setdefault(w, None)
    rest = list(tail)
    rng.shuffle(rest)
    _VOCAB.extend(head + rest[: VOCABULARY - len(head)])
    return _VOCAB


@dataclass
class Cue:
    start: float
    end: float
    text: str
    speaker: str | None = None


@dataclass
class GenTranscript:
    title: str
    format: str
    speakers: list[str]
    tags: list[str]
    cues: list[Cue] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(len(c.text.split()) for c in self.cues)


class _Talker:
    """Draws Zipf-distributed words and builds sentences from them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.vocab = _vocabulary()
        # Zipf-Mandelbrot: 'the' near 3%, a word of rank r about 1/r as often.
        weights = [1.0 / (r + 2.7) for r in range(len(self.vocab))]
        total = 0.0
        self.cum: list[float] = []
        for w in weights:
            total += w
            self.cum.append(total)
        self.total = total

    def word(self) -> str:
        i = bisect.bisect_left(self.cum, self.rng.random() * self.total)
        w = self.vocab[min(i, len(self.vocab) - 1)]
        return w.capitalize() if w in _NAME_WORDS else w

    def sentence(self) -> str:
        rng = self.rng
        n = rng.randint(4, 22)
        ws: list[str] = []
        for _ in range(n):
            r = rng.random()
            if r < 0.04:
                ws.append(rng.choice(_FILLERS))
            elif r < 0.045:
                ws.append(rng.choice(_ACCENTED))
            elif r < 0.05:  # a hyphenated word ("long-horizon", "GPT-4")
                ws.append(f"{self.word()}-{self.word()}")
            else:
                ws.append(self.word())
            if rng.random() < 0.08 and len(ws) < n - 1:
                ws[-1] += ","
        if rng.random() < 0.1:
            ws.insert(rng.randint(0, len(ws)), rng.choice(_NAMES).split()[0])
        ws[0] = ws[0][:1].upper() + ws[0][1:]
        return " ".join(ws) + rng.choice(".......?!")


def transcripts(n_transcripts: int, segments_per_transcript: int, seed: int = 0) -> Iterator[GenTranscript]:
    """The transcripts `generate` writes, as records (cue texts, times, speakers)."""
    rng = random.Random(seed)
    talker = _Talker(rng)
    for i in range(n_transcripts):
        fmt = FORMATS[i % len(FORMATS)]
        speakers = rng.sample(_NAMES, rng.randint(1, 3))
        tags = rng.sample(_TAGS, rng.randint(1, 4))
        topic = " ".join(talker.word() for _ in range(rng.randint(2, 4)))
        title = f"{topic.capitalize()} with {speakers[0]} ({i + 1})"
        t = GenTranscript(title=title, format=fmt, speakers=speakers, tags=tags)
        # A stream of sentences cut into caption-sized chunks: sentences
        # run across cues, as in real captions.
        words: list[str] = []
        clock = rng.uniform(0, 3)
        speaker = speakers[0]
        for _ in range(segments_per_transcript):
            size = rng.randint(6, 18)
            while len(words) < size:
                words.extend(talker.sentence().split())
            chunk, words = words[:size], words[size:]
            dur = len(chunk) * rng.uniform(0.3, 0.45)
            if rng.random() < 0.08:
                speaker = rng.choice(speakers)
            t.cues.append(Cue(round(clock, 3), round(clock + dur, 3), " ".join(chunk), speaker))
            clock += dur + rng.uniform(0.0, 0.6)
        yield t


def _ts(seconds: float, sep: str = ".") -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def render(t: GenTranscript) -> str:
    """A transcript as the text of a file in its format."""
    out: list[str] = []
    if t.format == "srt":
        for n, c in enumerate(t.cues, 1):
            label = f"{c.speaker.split()[0].upper()}: " if c.speaker and n % 7 == 1 else ""
            out.append(f"{n}\n{_ts(c.start, ',')} --> {_ts(c.end, ',')}\n{label}{c.text}\n")
        return "\n".join(out)
    if t.format == "vtt":
        out.append("WEBVTT\n")
        for c in t.cues:
            out.append(f"{_ts(c.start)} --> {_ts(c.end)}\n<v {c.speaker}>{c.text}\n")
        return "\n".join(out)
    if t.format == "whisper":
        return "\n" + "\n".join(f"[{_ts(c.start)} --> {_ts(c.end)}]   {c.text}" for c in t.cues)
    if t.format == "markdown":
        out.append("---")
        out.append(f'title: "{t.title}"')
        out.append(f'speaker: "{t.speakers[0]}"')
        out.append("tags:")
        out.extend(f'  - "{tag}"' for tag in t.tags)
        out.append('language: "en"')
        out.append("---\n")
        out.append(f"# {t.title}\n\n## Text\n")
        for c in t.cues:
            h, rest = divmod(int(c.start), 3600)
            m, s = divmod(rest, 60)
            stamp = f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
            out.append(f"- [{stamp}] {c.text}")
        return "\n".join(out) + "\n"
    # plain: one flowing text, hard-wrapped at 40 columns, no times
    return textwrap.fill(" ".join(c.text for c in t.cues), width=40) + "\n"


def generate(dir: str | Path, n_transcripts: int, segments_per_transcript: int, seed: int = 0) -> list[Path]:
    """Write n_transcripts files into dir (created if needed), rotating over
    FORMATS; returns their paths in order. Deterministic for a seed."""
    root = Path(dir)
    root.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i, t in enumerate(transcripts(n_transcripts, segments_per_transcript, seed)):
        p = root / f"{i:05d}-{t.format}{EXTENSIONS[t.format]}"
        p.write_text(render(t), encoding="utf-8")
        paths.append(p)
    return paths


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--transcripts", type=int, default=20)
    ap.add_argument("--segments", type=int, default=660)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    ps = generate(a.dir, a.transcripts, a.segments, a.seed)
    print(f"{len(ps)} files, {sum(p.stat().st_size for p in ps) / 1e6:.1f} MB in {a.dir}")
