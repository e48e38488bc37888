"""Where Emberwake keeps its state: the home folder, its config file and its user sequences."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "EMBERWAKE_HOME"


def home_dir(explicit: str | os.PathLike | None = None) -> Path:
    """`--home DIR`, else $EMBERWAKE_HOME, else the platform's user data folder for emberwake."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser()
    return Path(platformdirs.user_data_dir("emberwake", appauthor=False))


def config_file(home: Path) -> Path:
    return home / "config.toml"


def user_sequences_dir(home: Path) -> Path:
    return home / "sequences"
