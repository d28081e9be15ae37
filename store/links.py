"""Links to a moment in a transcript's media."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_YOUTUBE_LIKE = ("youtube.com", "youtu.be", "youtube-nocookie.com", "vimeo.com", "twitch.tv")


def is_youtube_like(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return any(host == h or host.endswith("." + h) for h in _YOUTUBE_LIKE)


def moment_url(url: str, start: float, end: float | None = None) -> str:
    """The URL at a moment: `t=123s` in the query for YouTube-like sites (an
    existing `t` replaced), a `#t=start,end` media fragment otherwise."""
    parts = urlsplit(url)
    if is_youtube_like(url):
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "t"]
        query.append(("t", f"{int(start)}s"))
        return urlunsplit(parts._replace(query=urlencode(query), fragment=""))
    frag = f"t={_num(start)}" + (f",{_num(end)}" if end is not None and end > start else "")
    return urlunsplit(parts._replace(fragment=frag))


def _num(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")
