"""Where Emberwake keeps its state: the home folder, its config file and its user sequences."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "EMBERWAKE_HOME"


def expanded(path: str | os.PathLike) -> Path:
    """The path with a leading ~ or ~user expanded; ValueError (one line) if that user does not exist."""
    try:
        return Path(path).expanduser()
    except RuntimeError:  # pathlib's word for "no such user" (or no home at all)
        raise ValueError(f"{str(path).split(os.sep, 1)[0]!r} names no user's home folder") from None


def home_dir(explicit: str | os.PathLike | None = None) -> Path:
    """`--home DIR`, else $EMBERWAKE_HOME, else the platform's user data folder for emberwake."""
    if explicit:
        return expanded(explicit)
    if os.environ.get(HOME_ENV):
        return expanded(os.environ[HOME_ENV])
    return Path(platformdirs.user_data_dir("emberwake", appauthor=False))


def config_file(home: Path) -> Path:
    return home / "config.toml"


def user_sequences_dir(home: Path) -> Path:
    return home / "sequences"


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text`, whole or not at all: a temporary file beside it, synced to the
    disk, then renamed over it (a pulled plug leaves the old file or the new, never half of one).
    The file keeps its permissions. OSError if the folder cannot be written (nothing changed)."""
    spare = path.with_name(f".{path.name}.tmp")
    try:
        with spare.open("w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            os.chmod(spare, path.stat().st_mode & 0o7777)
        spare.replace(path)
    except BaseException:
        spare.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself reaches the disk
    finally:
        os.close(folder)
