"""Where "Screenshot" (the command palette) saves its SVG.

Textual saves into the Downloads folder and fails when there is none (usual
on servers). hark saves there when it exists, else in `screenshots/` in the
library's data folder (the demo's data folder is thrown away: the current
folder then). The notice after saving names the file.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_downloads_path


def screenshot_folder(data: Path | None, downloads: Path | None = None) -> Path:
    """The folder to save a screenshot in, made if needed (0700, as the
    rest of the data folder). `data` None: a throwaway library (the demo)."""
    down = downloads if downloads is not None else user_downloads_path()
    if down.is_dir():
        return down
    if data is None:
        return Path.cwd()
    folder = data / "screenshots"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder
