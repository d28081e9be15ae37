"""Text handling shared by every parser: decoding bytes, removing control
characters and terminal escape sequences, stripping markup, reading times.

Everything that comes out of a file passes through `decode` and `clean`
before a parser sees it, so no parser has to think about encodings or
escape sequences.
"""

from __future__ import annotations

import html
import re
import unicodedata

# --- decoding ---------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can recognise."""


def looks_binary(data: bytes) -> bool:
    """True for files that are plainly not text (images, archives, audio).

    NUL bytes alone do not count: real subtitle files carry stray NULs, and
    UTF-16 without a BOM is mostly NULs in ASCII ranges."""
    sample = data[:8192]
    if not sample:
        return False
    if sample.startswith(
        (b"\x89PNG", b"PK\x03\x04", b"%PDF", b"\x1f\x8b", b"ID3", b"GIF8", b"RIFF", b"OggS", b"fLaC", b"\xff\xd8\xff")
    ):
        return True
    if sample[4:8] == b"ftyp":  # mp4 / m4a
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 0, 11, 27))
    return controls > len(sample) * 0.1


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nul > half * 0.6 and even_nul < half * 0.1:
        enc = "utf-16-le"
    elif even_nul > half * 0.6 and odd_nul < half * 0.1:
        enc = "utf-16-be"
    else:
        return None
    try:
        return data.decode(enc)
    except UnicodeDecodeError:
        return None


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). BOMs are honoured; UTF-8 is tried
    strictly; otherwise the encoding is detected (charset-normalizer), and a
    file that mixes encodings line by line is decoded line by line."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc), enc
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = _utf16_without_bom(data)
    if text is not None:
        return text, "utf-16"
    if looks_binary(data):
        raise DecodeError("binary data, not text")
    # Lines that are valid UTF-8 stay UTF-8; the rest are detected together.
    lines = data.split(b"\n")
    bad = [ln for ln in lines if not _is_utf8(ln)]
    # Accented Latin lines are detected apart, among single-byte code pages:
    # on a few short lines charset-normalizer reads 'Det \xe4r' as Big5.
    latin = [ln for ln in bad if _latin_like(ln)]
    other = [ln for ln in bad if not _latin_like(ln)]
    latin_enc = _detect(b"\n".join(latin), _LATIN_CODEPAGES) if latin else ""
    other_enc = _detect(b"\n".join(other)) if other else ""
    if len(bad) == len(lines):
        enc = _detect(b"\n".join(bad)) if latin and other else (latin_enc or other_enc)
        return data.decode(enc, errors="replace"), enc
    out = []
    for ln in lines:
        try:
            out.append(ln.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(_decode_line(ln, latin_enc if _latin_like(ln) else other_enc))
    return "\n".join(out), "+".join(e for e in ("utf-8", latin_enc, other_enc) if e)


# Single-byte code pages tried for accented Latin lines.
_LATIN_CODEPAGES = ["cp1252", "cp1250", "cp1257", "cp1254", "iso8859_15", "mac_roman"]


def _latin_like(ln: bytes) -> bool:
    """Latin words with a few accented letters (one byte each), as opposed to
    CJK or Cyrillic text, whose non-ASCII bytes come in long runs or carry
    ASCII letters only as the second byte of a character."""
    runs = re.findall(rb"[\x80-\xff]+", ln)
    trail = len(re.findall(rb"[\x80-\xff][A-Za-z]", ln))
    free = len(re.findall(rb"(?<![\x80-\xff])[A-Za-z]", ln))
    return bool(runs) and sum(map(len, runs)) <= 2 * len(runs) and trail <= free


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _detect(data: bytes, codepages: list[str] | None = None) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=codepages).best()
    if best is None:
        return "cp1252"
    enc = best.encoding
    # charset-normalizer names gb2312 text "gb18030" or "gbk"; both decode it.
    return enc


def _decode_line(ln: bytes, enc: str) -> str:
    try:
        return ln.decode(enc)
    except UnicodeDecodeError:
        other = _detect(ln)
        return ln.decode(other, errors="replace")


# --- cleaning ---------------------------------------------------------------

# CSI, OSC (to BEL or ST), DCS/SOS/PM/APC strings, and two-byte escapes.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]          # CSI ... final
  | \x9b[0-?]*[ -/]*[@-~]            # 8-bit CSI
  | \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC ... BEL/ST
  | \x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?
  | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?        # DCS SOS PM APC
  | [\x90\x98\x9e\x9f][^\x1b\x9c]*(?:\x1b\\|\x9c)?
  | \x1b[ -/]*[0-~]                  # other escapes (ESC c, ESC ( B ...)
  | \x1b
    """,
    re.VERBOSE,
)
# C0 and C1 controls except tab and newline; DEL; bidi overrides that can
# disguise text; zero-width no-break space (stray BOMs).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


# Every escape sequence starts with one of these: a text without any (nearly
# every file) skips the regular expression, which is slow to scan.
_ESCAPE_STARTS = "\x1b\x9b\x9d\x90\x98\x9e\x9f"
# The ASCII characters _CONTROLS keeps: deleting them from an ASCII text
# leaves its controls, found at C speed.
_ASCII_KEPT = bytes(range(0x20, 0x7F)) + b"\t\n"
_NOT_C0 = _ASCII_KEPT + bytes(range(0x80, 0x100))  # every byte but an ASCII control's
_C1 = re.compile(b"\xc2[\x80-\x9f]")
_OTHER_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"


def strip_escapes(text: str) -> str:
    """Remove terminal escape sequences and control characters; keep \\n, \\t."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\x0c", " ").replace("\x0b", " ")
    if text.isascii():
        if "\x1b" in text:
            text = _ESCAPES.sub("", text)
        if not text.encode("ascii").translate(None, _ASCII_KEPT):
            return text  # no control character left
        return _CONTROLS.sub("", text)
    if any(c in text for c in _ESCAPE_STARTS):
        text = _ESCAPES.sub("", text)
    # The same look in UTF-8: ASCII bytes there are ASCII characters, and
    # C1 controls are 0xC2 0x80-0x9F; then the few others, one by one.
    raw = text.encode("utf-8", "surrogatepass")
    if raw.translate(None, _NOT_C0) or _C1.search(raw) or any(c in text for c in _OTHER_CONTROLS):
        return _CONTROLS.sub("", text)
    return text


def clean(text: str) -> str:
    """What every parser receives: escape-free text with \\n line ends."""
    return strip_escapes(text)


def clean_line(text: str) -> str:
    """For one-line values (titles, speakers): no newlines, spaces folded."""
    return " ".join(strip_escapes(text).split())


# --- markup -----------------------------------------------------------------

_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>|<\s*/\s*>|<\d[\d:.]*>")
_ASS = re.compile(r"\{\\[^{}]*\}")
_SPACES = re.compile(r"[ \t\u00a0]+")


def _untag(text: str) -> str:
    """strip_tags' removals and decoding, each only where its mark is (a
    caption line is usually plain words)."""
    if "{" in text:
        text = _ASS.sub("", text)
    if "<" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    if "\u200e" in text or "\u200f" in text:
        text = text.replace("\u200e", "").replace("\u200f", "")
    return text


def strip_tags(text: str, *, unescape: bool = True) -> str:
    """Remove HTML-ish tags (<i>, </ i >, <font ...>, <c.x>, <00:01.000>) and
    ASS override blocks ({\\an8}); decode entities; fold runs of spaces."""
    if unescape:
        text = _untag(text)
    else:
        text = _TAG.sub("", _ASS.sub("", text))
    text = text.replace("\u00a0", " ")
    return "\n".join(_SPACES.sub(" ", ln).strip() for ln in text.split("\n"))


def one_line(text: str) -> str:
    return " ".join(text.split())


def tagless_line(text: str) -> str:
    """one_line(strip_tags(text)), faster: strip_tags only changes spaces
    besides its removals and decoding, and one_line folds every space."""
    return " ".join(_untag(text).split())


# --- times ------------------------------------------------------------------

_TIME = re.compile(r"^\s*(?:(?:(?P<h>\d+):)?(?P<m>\d+):)?(?P<s>\d+)(?:[.,:](?P<f>\d+))?\s*$")


def parse_time(value: str) -> float | None:
    """'01:02:03.500', '1:02:03,5', '62:03', '3.25', '00:01' -> seconds.

    A fraction is read as a decimal fraction whatever its length ('03,5' is
    half a second, '03,50' too, '03,500' too)."""
    m = _TIME.match(value)
    if not m:
        return None
    h = int(m.group("h") or 0)
    mnt = int(m.group("m") or 0)
    s = int(m.group("s"))
    f = m.group("f")
    frac = int(f) / (10 ** len(f)) if f else 0.0
    return h * 3600 + mnt * 60 + s + frac


def format_time(seconds: float, *, always_hours: bool = False) -> str:
    """Seconds -> 'm:ss' or 'h:mm:ss' (what people write)."""
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    if h or always_hours:
        return f"{h}:{m:02d}:{s:02d}"
    return f"{m}:{s:02d}"


def fold_accents(text: str) -> str:
    """'café' -> 'cafe' (for matching, never for display)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """The words of a text, as the no-word-lost checks count them."""
    return WORD.findall(text)
