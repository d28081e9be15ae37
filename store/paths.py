"""Where hark keeps things, created private to the user.

``--home DIR`` or ``HARK_HOME`` puts everything in one folder (tests do
this); otherwise data goes to the platform's user data folder and config
to its user config folder.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

# Why a file cannot be written, by errno, when the cause is the disk (read-only
# or full) or the permissions, not the file: reading may still work.
UNWRITABLE: dict[int, str] = {
    errno.EROFS: "read-only filesystem",
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk full",
    errno.EACCES: "no permission to write",
    errno.EPERM: "no permission to write",
}

DIR_MODE = 0o700
FILE_MODE = 0o600


@dataclass(frozen=True)
class Paths:
    data: Path
    config: Path

    @property
    def library(self) -> Path:
        return self.data / "library.sqlite3"

    @property
    def index(self) -> Path:
        return self.data / "index"

    @property
    def config_file(self) -> Path:
        return self.config / "config.yaml"

    @property
    def themes(self) -> Path:
        return self.config / "themes"

    def ensure(self) -> Paths:
        private_dir(self.data)
        private_dir(self.config)
        return self


def resolve(home: str | os.PathLike | None = None) -> Paths:
    home = home or os.environ.get("HARK_HOME")
    if home:
        h = Path(home).expanduser().absolute()
        return Paths(h, h)
    import platformdirs

    return Paths(
        Path(platformdirs.user_data_dir("hark", appauthor=False)),
        Path(platformdirs.user_config_dir("hark", appauthor=False)),
    )


def private_dir(path: Path) -> Path:
    """Create a folder (and missing parents) readable by the user only.

    A folder that already exists is tightened to 0700 only when it is ours
    (hark's home): we never chmod a parent we did not create."""
    if not path.exists():
        path.mkdir(parents=True, mode=DIR_MODE, exist_ok=True)
    try:
        if path.stat().st_mode & 0o777 != DIR_MODE:
            path.chmod(DIR_MODE)
    except OSError:
        pass
    return path


def private_file(path: Path) -> Path:
    """Create an empty file 0600 if missing (so no window exists in which
    another user could open it), or tighten an existing one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        os.close(fd)
    except FileExistsError:
        try:
            if path.stat().st_mode & 0o777 != FILE_MODE:
                path.chmod(FILE_MODE)
        except OSError:
            pass
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a whole file atomically (temp file, fsync, rename), 0600: a
    crash or a full disk leaves the old file as it was."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
