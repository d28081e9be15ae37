"""Starting mpv: ``MpvPlayer`` runs mpv on a private control socket and
hands back a connected ``MpvClient``; an mpv hark started never outlives it.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from hark.store.paths import FILE_MODE, private_dir

from .ipc import MpvClient, PlayerError, PlayerState
from .media import url_scheme

MISSING = "mpv is not installed: p needs it to play media; everything else works"
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS


def available(mpv: str = "mpv") -> bool:
    """Whether the mpv command can be found."""
    return shutil.which(mpv) is not None


# Held strongly: a player dropped without stop() still has its mpv stopped at exit.
_running: set[MpvPlayer] = set()


@atexit.register
def _stop_all() -> None:
    # An mpv hark started must not keep playing after hark is gone.
    for player in list(_running):
        try:
            player.stop(timeout=0.5)
        except Exception:  # noqa: BLE001
            pass


def _default_socket_dir() -> Path:
    from hark.store.paths import resolve

    return resolve().data / "run"


class MpvPlayer:
    """An mpv started by hark, controlled over a private socket."""

    def __init__(self, mpv: str = "mpv", *, socket_dir: Path | None = None) -> None:
        self.mpv = mpv
        self.socket_dir = socket_dir
        self.process: subprocess.Popen | None = None
        self.client: MpvClient | None = None
        self.socket_path: Path | None = None
        self._temp_dir: Path | None = None

    @staticmethod
    def available(mpv: str = "mpv") -> bool:
        return available(mpv)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(
        self,
        media: str,
        *,
        start_at: float = 0.0,
        mpv: str | None = None,
        socket_dir: Path | None = None,
        extra_args: Sequence[str] = (),
        on_update: Callable[[PlayerState], None] | None = None,
        on_lost: Callable[[str, float | None], None] | None = None,
        timeout: float = 5.0,
    ) -> MpvClient:
        """Start mpv playing ``media`` from ``start_at`` and return a connected
        client. mpv keeps the file open at its end (``--keep-open``) so the
        reader can seek back. Stops an mpv this player started before."""
        self.stop()
        exe = mpv or self.mpv
        path = shutil.which(exe)
        if path is None:
            raise PlayerError(MISSING if exe == "mpv" else f"{exe} is not installed: p needs mpv to play media")
        sock = self._socket_path(socket_dir or self.socket_dir or _default_socket_dir())
        if not url_scheme(media) and Path(media).expanduser().exists():
            media = str(Path(media).expanduser().absolute())  # a relative name is not taken for a protocol
        args = [
            path,
            "--no-terminal",
            f"--input-ipc-server={sock}",
            "--pause=no",
            f"--start={max(0.0, float(start_at)):.3f}",
            "--keep-open=yes",
            "--idle=no",
            *extra_args,
            "--",
            media,
        ]
        try:
            # umask 077: the socket exists as 0600 (or tighter) from its first
            # moment, whatever mpv's version does about it.
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                umask=0o077,
                close_fds=True,
            )
        except OSError as e:
            self._cleanup_files()
            raise PlayerError(f"could not start {exe}: {e.strerror or e}") from None
        self.process = proc
        _running.add(self)
        deadline = time.monotonic() + timeout
        while True:
            code = proc.poll()
            if code is not None:
                self.stop()
                raise PlayerError(f"mpv stopped before it was ready (exit status {code}): can it play {media}?")
            if sock.exists():
                try:
                    os.chmod(sock, FILE_MODE)
                    self.client = MpvClient.connect(sock, on_update=on_update, on_lost=on_lost)
                    return self.client
                except (OSError, PlayerError):
                    pass  # not listening yet
            if time.monotonic() > deadline:
                self.stop()
                raise PlayerError(f"mpv did not open its control socket within {timeout:g} s")
            time.sleep(0.02)

    def _socket_path(self, folder: Path) -> Path:
        name = f"mpv-{os.getpid()}-{secrets.token_hex(4)}.sock"
        folder = Path(folder).expanduser().absolute()
        if len(os.fsencode(folder / name)) <= _MAX_SOCKET_PATH:
            private_dir(folder)
            self.socket_path = folder / name
        else:
            # Too long for a unix socket address: a fresh 0700 folder in the
            # system's temp dir (mkdtemp: unguessable, ours alone).
            self._temp_dir = Path(tempfile.mkdtemp(prefix="hark-"))
            self.socket_path = self._temp_dir / name
        return self.socket_path

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the mpv this player started (SIGTERM, then SIGKILL) and tidy
        its socket. Safe to call twice."""
        client, self.client = self.client, None
        if client is not None:
            client.close()
        proc, self.process = self.process, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout)
            else:
                proc.wait()
        _running.discard(self)
        self._cleanup_files()

    def _cleanup_files(self) -> None:
        if self.socket_path is not None:
            try:
                self.socket_path.unlink()
            except OSError:
                pass
            self.socket_path = None
        if self._temp_dir is not None:
            try:
                self._temp_dir.rmdir()
            except OSError:
                pass
            self._temp_dir = None
