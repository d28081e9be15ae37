"""Links to a moment in a transcript's media."""

from __future__ import annotations

from urllib.parse import urlsplit

_YOUTUBE_HOSTS = ("youtube.com", "youtu.be", "youtube-nocookie.com")


def seconds_str(x: float) -> str:
    """Seconds for a URL: '62', '62.5' (no float noise)."""
    s = f"{max(0.0, float(x)):.3f}".rstrip("0").rstrip(".")
    return s or "0"


def is_youtube_like(url: str) -> bool:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return any(host == h or host.endswith("." + h) for h in _YOUTUBE_HOSTS)


def deep_link(url: str | None, start: float, end: float | None = None) -> str | None:
    """A link to a moment: `t=123s` in the query for YouTube-like URLs, a
    `#t=start,end` media fragment otherwise. None unless url is http(s)."""
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")) or any(c in url for c in " \n"):
        return None
    if is_youtube_like(url):
        base, _, frag = url.partition("#")
        path, sep, query = base.partition("?")
        kept = [p for p in query.split("&") if p and not p.startswith("t=")] if sep else []
        kept.append(f"t={int(max(0.0, start))}s")
        return f"{path}?{'&'.join(kept)}" + (f"#{frag}" if frag else "")
    base = url.split("#", 1)[0]
    if end is not None and end > start:
        return f"{base}#t={seconds_str(start)},{seconds_str(end)}"
    return f"{base}#t={seconds_str(start)}"
