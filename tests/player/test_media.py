"""find_media: the audio or video beside a transcript or named in its
metadata."""

from __future__ import annotations

from pathlib import Path

from hark.tui.player import find_media, media


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_media_beside_the_transcript(tmp_path):
    src = touch(tmp_path / "talk.vtt")
    assert find_media(str(src), {}) is None
    touch(tmp_path / "talk.txt")
    touch(tmp_path / "talks.mp3")
    touch(tmp_path / "other.mp3")
    assert find_media(str(src), {}) is None
    mp4 = touch(tmp_path / "talk.mp4")
    assert find_media(str(src), {}) == str(mp4)
    mp3 = touch(tmp_path / "talk.mp3")
    assert find_media(str(src), {}) == str(mp3)  # audio before video


def test_media_with_a_second_extension_removed(tmp_path):
    src = touch(tmp_path / "Talk [abc123].en.vtt")
    media = touch(tmp_path / "Talk [abc123].webm")
    assert find_media(str(src), None) == str(media)
    same = touch(tmp_path / "Talk [abc123].en.m4a")
    assert find_media(str(src), None) == str(same)  # the full stem first
    src2 = touch(tmp_path / "lecture.en-US.srt")
    m2 = touch(tmp_path / "lecture.opus")
    assert find_media(str(src2), {}) == str(m2)
    # "Part 3. The end" is a title with a dot, not a second extension
    src3 = touch(tmp_path / "Part 3. The end.srt")
    touch(tmp_path / "Part 3.mp3")
    assert find_media(str(src3), {}) is None


def test_media_extension_case_is_ignored(tmp_path):
    src = touch(tmp_path / "talk.srt")
    media = touch(tmp_path / "talk.MP3")
    assert find_media(str(src), {}) == str(media)


def test_media_from_metadata_paths(tmp_path):
    src = touch(tmp_path / "notes" / "talk.json")
    rel = touch(tmp_path / "audio" / "recording.ogg")
    assert find_media(str(src), {"audio": "../audio/recording.ogg"}) == str(rel)
    assert find_media(str(src), {"media": str(rel)}) == str(rel)
    assert find_media(str(src), {"media": "file://" + str(rel)}) == str(rel)
    assert find_media(str(src), {"media": "../audio/missing.ogg"}) is None
    noext = touch(tmp_path / "audio" / "take1")
    assert find_media(str(src), {"audio_file": str(noext)}) == str(noext)  # the key says it is media
    assert find_media(str(src), {"url": str(noext)}) is None  # a page key needs a media extension
    assert find_media(str(src), {"enclosure": {"url": str(rel), "type": "audio/ogg"}}) == str(rel)
    assert find_media(str(src), {"audio": ["", "../audio/missing.ogg", str(rel)]}) == str(rel)
    assert find_media(str(src), {"media": "lavfi://sine"}) is None  # no mpv pseudo-protocols
    touch(tmp_path / "notes" / "talk.wav")
    assert find_media(str(src), {"media": str(rel)}) == str(tmp_path / "notes" / "talk.wav")  # beside wins


def test_media_from_metadata_urls(tmp_path, monkeypatch):
    src = touch(tmp_path / "ep.json")
    monkeypatch.setattr(media.shutil, "which", lambda name: None)
    direct = "https://cdn.example.com/episodes/ep12.mp3?token=abc"
    assert find_media(str(src), {"url": direct}) == direct
    assert find_media(str(src), {"enclosure": {"url": "https://feeds.example.com/e/12"}}) == (
        "https://feeds.example.com/e/12"
    )
    assert find_media(str(src), {"url": "https://example.com/blog/episode-12"}) is None
    yt = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert find_media(str(src), {"url": yt}) is None  # mpv needs yt-dlp for a page
    assert find_media(str(src), {"video_url": yt}) is None
    monkeypatch.setattr(media.shutil, "which", lambda name: "/usr/bin/yt-dlp" if name == "yt-dlp" else None)
    assert find_media(str(src), {"url": yt}) == yt
    assert find_media(str(src), {"url": "https://youtu.be/dQw4w9WgXcQ"}) == "https://youtu.be/dQw4w9WgXcQ"
    assert find_media(str(src), {"url": "https://example.com/blog/episode-12"}) is None
    assert find_media(str(src), {"url": "ftp://example.com/ep.mp3"}) is None
    assert find_media(str(src), {"url": 42, "media": {"nested": True}}) is None
    monkeypatch.setattr(media.shutil, "which", lambda name: None)
    direct_on_site = "https://archive.org/download/talk/talk.ogg"
    assert find_media(str(src), {"url": direct_on_site}) == direct_on_site  # a file, not a page
    assert find_media(str(src), {"url": "http://[::1/x.mp3", "media": "bad\0path.mp3"}) is None
