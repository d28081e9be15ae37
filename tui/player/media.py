"""Finding the audio or video that goes with a transcript.

``find_media(source, metadata)``: a file beside the transcript with the same
stem, else a path or URL in its metadata (see ``find_media`` for what counts).
Plain Python: no Textual, no mpv needed.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

# In order of preference: audio first (no window), then video.
MEDIA_EXTENSIONS = (
    "mp3",
    "m4a",
    "aac",
    "ogg",
    "opus",
    "flac",
    "wav",
    "oga",
    "m4b",
    "mka",
    "webm",
    "mp4",
    "mkv",
    "mov",
    "m4v",
    "avi",
)

# Metadata keys that name the media itself: any existing file or http(s) URL.
MEDIA_KEYS = (
    "media",
    "media_url",
    "media_file",
    "audio",
    "audio_url",
    "audio_file",
    "video",
    "video_url",
    "video_file",
    "enclosure",
    "enclosure_url",
)
# Keys that name a page about the transcript: only a direct media link, or a
# page on a video site when yt-dlp is installed (mpv plays those through it).
PAGE_KEYS = ("url", "webpage_url", "source_url", "link")
VIDEO_SITES = (
    "youtube.com",
    "youtu.be",
    "youtube-nocookie.com",
    "vimeo.com",
    "dailymotion.com",
    "twitch.tv",
    "soundcloud.com",
    "archive.org",
    "ted.com",
    "bandcamp.com",
    "rumble.com",
    "odysee.com",
    "peertube.tv",
)

# A second extension peeled off a transcript's stem: talk.en.vtt, talk.en-US.srt,
# talk.orig.vtt. Not digits (v1.2) and not text with spaces ("Part 3. The end").
_SECOND_EXT = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15}")


def find_media(source: str, metadata: Mapping[str, Any] | None) -> str | None:
    """The audio or video for a transcript, or None.

    1. A file beside ``source`` named like it with a media extension
       (``MEDIA_EXTENSIONS``, case-insensitive; an exact-case name wins):
       ``talk.vtt`` -> ``talk.mp3``; failing that, with a second extension
       peeled off: ``talk.en.vtt`` -> ``talk.mp3``.
    2. A metadata value under a ``MEDIA_KEYS`` key (a string, a list, or a
       dict with ``url``/``href``/``path`` like an RSS enclosure): an existing
       file (relative to the source's folder) or an http(s) URL.
    3. A metadata value under a ``PAGE_KEYS`` key (``url``...): an http(s) URL
       whose path ends in a media extension, or a page on a ``VIDEO_SITES``
       host only when yt-dlp (or youtube-dl) is installed, since that is what
       mpv uses to play such pages; without it they are not playable, so None.
       A media URL on a video site (under ``MEDIA_KEYS``) needs yt-dlp too.

    Local results are absolute paths; ``file://`` URLs become paths; other
    schemes are ignored (mpv's pseudo-protocols are not for transcripts to pick).
    """
    found = _beside(source)
    if found is not None:
        return found
    if not isinstance(metadata, Mapping):
        return None
    base = _source_folder(source)
    for keys, explicit in ((MEDIA_KEYS, True), (PAGE_KEYS, False)):
        for key in keys:
            for value in _candidates(metadata.get(key)):
                media = _usable(value, base, explicit)
                if media is not None:
                    return media
    return None


def _source_folder(source: str) -> Path | None:
    if not source or url_scheme(source):
        return None
    return Path(source).expanduser().absolute().parent


def _beside(source: str) -> str | None:
    folder = _source_folder(source)
    if folder is None:
        return None
    name = Path(source).name
    stems = [Path(name).stem]
    inner = Path(stems[0])
    if inner.suffix and _SECOND_EXT.fullmatch(inner.suffix[1:]):
        stems.append(inner.stem)
    try:
        with os.scandir(folder) as it:
            names = [e.name for e in it if e.name != name and _is_file(e)]
    except (OSError, ValueError):
        return None
    exact = set(names)
    folded = {}
    for n in sorted(names):
        folded.setdefault(n.casefold(), n)
    for stem in stems:
        if not stem:
            continue
        for ext in MEDIA_EXTENSIONS:
            want = f"{stem}.{ext}"
            if want in exact:
                return str(folder / want)
            hit = folded.get(want.casefold())
            if hit is not None:
                return str(folder / hit)
    return None


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _candidates(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, Mapping):
        for k in ("url", "href", "path", "src"):
            yield from _candidates(value.get(k))
    elif isinstance(value, (list, tuple)):
        for v in value[:20]:
            yield from _candidates(v)


def url_scheme(value: str) -> str:
    """The scheme of a URL, lowercased ("" for a path); mpv is never handed
    a name that merely looks like one."""
    # One letter before the colon is a Windows drive, not a scheme.
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]+):", value)
    return m.group(1).lower() if m else ""


def _has_media_ext(path: str) -> bool:
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return ext in MEDIA_EXTENSIONS


def _on_video_site(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in VIDEO_SITES)


def have_ytdl() -> bool:
    """Whether mpv can play pages of video sites (it runs yt-dlp for them)."""
    return any(shutil.which(n) for n in ("yt-dlp", "youtube-dl"))


def _usable(value: str, base: Path | None, explicit: bool) -> str | None:
    scheme = url_scheme(value)
    try:
        if scheme in ("http", "https"):
            u = urlparse(value)
            if not u.hostname:
                return None
            if _has_media_ext(unquote(u.path)):
                return value
            if _on_video_site(u.hostname):
                return value if have_ytdl() else None
            return value if explicit else None
        if scheme == "file":
            value = unquote(urlparse(value).path)
        elif scheme:
            return None
        p = Path(value).expanduser()
        if not p.is_absolute():
            if base is None:
                return None
            p = base / p
        if not p.is_file():
            return None
    except (OSError, ValueError):  # a malformed URL, a NUL in a path
        return None
    if not explicit and not _has_media_ext(p.name):
        return None
    return os.path.normpath(p.absolute())
