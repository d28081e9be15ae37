"""Where hark keeps things, created private to the user.

``--home DIR`` or ``HARK_HOME`` puts everything in one folder (tests do
this); otherwise data goes to the platform's user data folder and config
to its user config folder.
"""

from __future__ import annotations

import errno
import os
import stat
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


# Folders hark makes inside its home; and the files that say a folder is a
# hark home. Only such folders are ever tightened when found loosened.
HARK_FOLDERS = ("index", "run", "themes", "backups")
HARK_FILES = ("library.sqlite3", "config.yaml")

_notices: dict[Path, str] = {}


def notices() -> list[str]:
    """The one-line warnings about folders hark found but left alone (each
    said once a process): the caller shows them and they are forgotten."""
    out = [m for m in _notices.values() if m]
    for k in _notices:
        _notices[k] = ""
    return out


def _hark_owned(path: Path) -> bool:
    return path.name in HARK_FOLDERS or any((path / f).is_file() for f in HARK_FILES)


def private_dir(path: Path) -> Path:
    """Create a folder (and missing parents) readable by the user only.

    hark never changes the permissions of a folder it did not make: an
    existing folder is tightened to 0700 only when it is a real folder
    (not a link), ours, not writable by others, and hark's own (a home
    holding hark's files, or one of the folders hark makes inside it). A
    folder that others can write or that someone else owns is left as it
    is, with a notice (see notices())."""
    missing: list[Path] = []
    p = path
    while not os.path.lexists(p):
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(d, DIR_MODE)  # made just now, so ours: undo a strict umask's cut
    if missing:
        return path
    try:
        st = os.lstat(path)
    except OSError:
        return path
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        return path  # never chmod through a link; not a folder: its user says what is wrong
    mode = stat.S_IMODE(st.st_mode)
    if st.st_uid != os.geteuid():
        _notice(path, f"{path} belongs to another user (uid {st.st_uid}): hark leaves its permissions alone")
    elif mode & 0o022:
        _notice(
            path,
            f"{path} can be written by others ({oct(mode)}): hark leaves it as it is; "
            f"`chmod 700 {path}` keeps your notes private",
        )
    elif mode != DIR_MODE and _hark_owned(path):
        try:
            os.chmod(path, DIR_MODE)
        except OSError:
            pass
    return path


def _notice(path: Path, message: str) -> None:
    if path not in _notices:
        _notices[path] = message


def private_file(path: Path) -> Path:
    """Create an empty file 0600 if missing (so no window exists in which
    another user could open it), or tighten an existing one of ours. A link
    is never followed to change permissions: a link to a file is used as it
    is, a dangling one is an error that says where it points."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
        os.close(fd)
        return path
    except FileExistsError:
        pass
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        if not path.exists():
            target = os.readlink(path)
            raise FileNotFoundError(errno.ENOENT, f"{path.name} is a link to {target}, which does not exist")
        return path
    if stat.S_IMODE(st.st_mode) != FILE_MODE and st.st_uid == os.geteuid():
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return path
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.fchmod(fd, FILE_MODE)
        except OSError:
            pass
        finally:
            os.close(fd)
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
