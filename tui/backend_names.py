"""The app's door to the user's names and to notes out and in: rename a
transcript, name a speaker, export annotations (Markdown, W3C JSON,
Readwise CSV, an Obsidian folder) and import them.

backend.py's other half, with its rules: every function may block and is
called from thread workers; each opens its own library connection; store
failures come back as backend.StoreError (ReadOnly for a write refused on
a read-only library), in one line.
"""

from __future__ import annotations

from pathlib import Path

from hark.store.paths import Paths

from .backend import StoreError, guarded, open_for_writing, open_library, sync_index

# What the palette offers to export, by format: a label and a default file
# (a folder for Obsidian) in the user's home.
EXPORTS = {
    "md": ("Markdown", "~/hark-annotations.md"),
    "json": ("W3C Web Annotation JSON", "~/hark-annotations.json"),
    "readwise": ("Readwise CSV", "~/hark-readwise.csv"),
    "obsidian": ("an Obsidian folder", "~/hark-notes"),
}


@guarded
def rename_transcript(paths: Paths, tid: int, title: str | None) -> tuple[str, str]:
    """The user's title for a transcript (None or empty: the file's own).
    Returns (its title now, the file's own title)."""
    with open_for_writing(paths) as lib:
        result = lib.rename(tid, title)
        sync_index(lib, paths)
    return result


@guarded
def name_speaker(paths: Paths, tid: int, label: str, name: str | None) -> str | None:
    """The user's name for a speaker label (None or empty: none). Returns
    the name given, or None when the label shows as itself again."""
    with open_for_writing(paths) as lib:
        applied = lib.name_speakers(tid, {label: name})
        sync_index(lib, paths)
    return next(iter(applied.values()), None)


@guarded
def export_notes(paths: Paths, fmt: str, target: str) -> str:
    """Export every annotation in a format of EXPORTS to a file (a folder
    for Obsidian); the line that says what was written."""
    from hark.store import annotations as A
    from hark.store.annotations.outbound import export_obsidian, export_readwise
    from hark.store.paths import write_private

    where = Path(target).expanduser()
    with open_library(paths) as lib:
        if fmt == "obsidian":
            r = export_obsidian(lib, where)
            return (
                f"Wrote {r.highlights} highlights to {r.folder}: "
                f"{len(r.created)} notes created, {len(r.updated)} updated, {len(r.unchanged)} unchanged."
            )
        anns = A.list_annotations(lib)
        if fmt == "json":
            text = A.export_json(lib)
        elif fmt == "readwise":
            text = export_readwise(lib)
        else:
            text = A.export_markdown(lib)
    if where.is_dir():
        raise StoreError(f"{where} is a folder: give a file name")
    try:
        write_private(where, text.encode("utf-8"))
    except OSError as e:
        raise StoreError(f"cannot write {where}: {e.strerror or e}") from None
    return f"Wrote {len(anns)} annotations to {where}."


@guarded
def import_notes(paths: Paths, file: str) -> str:
    """Import a JSON export of annotations; the line that says what came in."""
    from hark.store import annotations as A

    where = Path(file).expanduser()
    if not where.is_file():
        raise StoreError(f"no such file {where}")
    with open_for_writing(paths) as lib:
        c = A.import_file(lib, where)
        if c.get("imported") or c.get("updated") or c.get("came_back"):
            sync_index(lib, paths)
    return f"{c['imported']} imported, {c['updated']} updated, {c['unchanged']} unchanged."
