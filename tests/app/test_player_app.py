"""The app with mpv as its clock, through the fake mpv IPC server of
tests/player/fakempv.py (the real mpv is tested in tests/player/): p
attaches, space, t and [ ] drive mpv, the playhead follows mpv's time, and
a lost player leaves the playhead where mpv left it."""

from __future__ import annotations

from hark.tui.player import PlayerClock
from hark.tui.reader import Reader
from tests.player.fakempv import FakeMpv, wait_until

from .conftest import settle, transcript


async def test_p_attaches_to_mpv_which_then_is_the_clock(app_for, tmp_path):
    fake = FakeMpv(tmp_path / "mpv.sock")
    try:
        app = app_for(transcript("Talk", 100, step=5.0))
        app.config.player.socket = str(fake.path)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(app, pilot)
            reader = app.query_one(Reader)
            await pilot.press("2", "p")
            await settle(app, pilot)
            assert isinstance(app.playhead, PlayerClock) and app.playhead.live
            # mpv plays on its own: its time moves the playhead
            fake.change("time-pos", 42.0)
            assert wait_until(lambda: app.playhead.position == 42.0)
            await pilot.pause(0.3)
            app.tick()
            assert reader.playhead_seg == 8
            assert "mpv" in str(app.query_one("#status").render())
            # keys drive mpv
            await pilot.press("right_square_bracket")
            assert wait_until(lambda: any(c[:2] == ["set_property", "speed"] for c in fake.commands))
            await pilot.press("t")
            await pilot.pause()
            await pilot.press(*"1:00", "enter")
            assert wait_until(lambda: any(c[0] == "seek" and c[1] == 60.0 for c in fake.commands))
            # mpv goes away: the playhead stays where mpv left it, on its own clock
            fake.change("time-pos", 61.0)
            assert wait_until(lambda: app.playhead.position == 61.0)
            fake.hang_up()
            await pilot.pause(0.5)
            await settle(app, pilot)
            assert not isinstance(app.playhead, PlayerClock)
            assert app.playhead.position == 61.0 and not app.playhead.playing
    finally:
        fake.close()


async def test_p_without_media_or_mpv_says_so_in_one_line(app_for, monkeypatch):
    app = app_for(transcript("Talk", 10))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "p")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("No media for this transcript" in m for m in messages)
        # with media but no mpv installed
        app.media = "/tmp/talk.mp3"
        monkeypatch.setattr("hark.tui.playing.available", lambda mpv: False)
        await pilot.press("p")
        await pilot.pause()
        assert any("mpv is not installed" in n.message for n in app._notifications)
        assert not isinstance(app.playhead, PlayerClock)
