"""Which files the command line lints: files, folders and globs.

``LINTABLE_EXTENSIONS`` is the one list of the file names a folder walk picks
up; a file named explicitly is linted whatever its name.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not imported at run time: the command reads its cache folder before the configuration code
    from .config import Config

__all__ = ["LINTABLE_EXTENSIONS", "cache_folder", "expand_paths", "is_lintable", "write_atomically"]

LINTABLE_EXTENSIONS = (
    ".html",
    ".htm",
    ".xhtml",
    ".eml",
    ".hbs",
    ".handlebars",
    ".mustache",
    ".liquid",
    ".j2",
    ".jinja",
    ".jinja2",
    ".njk",
    ".twig",
    ".tpl",
    ".mjml.html",
    ".html.erb",  # Rails Action Mailer views (not .text.erb parts, nor every .erb of an app)
    ".ejs",
    ".ftl",  # FreeMarker (Keycloak email themes)
    ".blade.php",  # Laravel mail views
)

_SKIPPED_FOLDERS = ("node_modules", "__pycache__")


def is_lintable(name: str) -> bool:
    """Whether a folder walk lints a file of this name."""
    return name.lower().endswith(LINTABLE_EXTENSIONS)


def expand_paths(paths: Sequence[str], config_for: Callable[[str], Config] | None = None) -> list[str]:
    """Files, folders (walked for lintable extensions) and globs, in order, deduplicated.

    A path that does not exist is kept so it is reported as unreadable. Files
    found by a walk or a glob are dropped when ``config_for(path)`` excludes
    them; files named explicitly never are."""
    out: list[str] = []
    seen: set[str] = set()

    def add(entry: str, explicit: bool) -> None:
        if entry in seen:
            return
        if not explicit and config_for is not None:
            from .config import ConfigError

            try:
                if config_for(entry).is_excluded(entry):
                    return
            except ConfigError:
                pass
        seen.add(entry)
        out.append(entry)

    for raw in paths:
        if raw == "-":
            add("-", True)
            continue
        if any(ch in raw for ch in "*?[") and not os.path.exists(raw):
            import glob

            matches = sorted(glob.glob(raw, recursive=True))
            for match in matches:
                if os.path.isdir(match):
                    continue
                add(match, False)
            if not matches:
                add(raw, True)
            continue
        if os.path.isdir(raw):
            for folder, dirs, files in os.walk(raw):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_FOLDERS)
                for name in sorted(files):
                    if is_lintable(name):
                        add(os.path.join(folder, name), False)
            continue
        add(raw, True)
    return out


def cache_folder(part: str = "") -> Path:
    """oopslint's cache folder (``part`` names a subfolder): ``$OOPSLINT_CACHE_DIR``,
    else the platform's user cache folder."""
    explicit = os.environ.get("OOPSLINT_CACHE_DIR")
    if explicit:
        folder = Path(explicit).expanduser()
    elif sys.platform == "win32":
        folder = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "oopslint" / "Cache"
    elif sys.platform == "darwin":
        folder = Path.home() / "Library" / "Caches" / "oopslint"
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "oopslint"
    return folder / part if part else folder


#: A cache file nobody has read or written for this long is removed when
#: another is written beside it (see :func:`write_atomically`).
STALE_AFTER_DAYS = 30


def write_atomically(path: Path, payload: bytes) -> None:
    """Write a cache file whole or not at all. Best effort: a read-only home
    or a full disk only costs the speed the cache would have saved.

    Each cache file's name carries what it was made from (a data file's size
    and time, a format, a Python version), so an upgrade of oopslint, its data
    or Python leaves the old files behind. Writing one therefore removes the
    files beside it (its folder holds one kind of cache) that have not been
    read or written for :data:`STALE_AFTER_DAYS` days: the folder keeps what is
    in use, and one still needed is only made again."""
    import tempfile  # only when writing: it imports shutil and the compression modules

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
            os.replace(temporary, path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
    except OSError:
        return
    _remove_stale_beside(path)


def _remove_stale_beside(kept: Path) -> None:
    """Remove the files beside ``kept`` (older formats and versions, or left
    ``.tmp`` by a write that never finished) unused for :data:`STALE_AFTER_DAYS`
    days. Only in a subfolder of oopslint's cache folder: the folder itself
    holds the link checks' database, which :func:`write_atomically` does not make."""
    import time

    folder = kept.parent
    try:
        if folder.resolve().parent != cache_folder().resolve():
            return  # not one of oopslint's cache subfolders
        entries = list(os.scandir(folder))
    except OSError:
        return
    cutoff = time.time() - STALE_AFTER_DAYS * 86400
    for entry in entries:
        if entry.name == kept.name:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
            if max(info.st_atime, info.st_mtime) < cutoff:  # atime: read since, where the system keeps it
                os.unlink(entry.path)
        except OSError:
            continue  # gone already, or not ours to remove
