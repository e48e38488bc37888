"""The device's settings: a TOML file in the home folder; every key optional, with defaults.

A broken config is reported in one line naming the file, line and key, and the defaults (or the
last good config, for a running service) stay in force: bad input loses nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from device import paths


class ConfigError(Exception):
    """One line: what is wrong with which key of which config file."""


@dataclass(frozen=True)
class Config:
    """Settings read from config.toml."""

    home: Path
    sequence_dirs: tuple[Path, ...] = field(default=())


def load_config(home: Path, file: Path | None = None) -> Config:
    """Read `file` (default: config.toml in `home`); a missing file means all defaults."""
    path = file or paths.config_file(home)
    default_dirs = (paths.user_sequences_dir(home),)
    if not path.is_file():
        if file is not None:
            raise ConfigError(f"{path}: no such config file")
        return Config(home, default_dirs)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    sequences = data.get("sequences", {})
    folder = sequences.get("folder") if isinstance(sequences, dict) else None
    if folder is not None and not isinstance(folder, str):
        raise ConfigError(f"{path}: sequences.folder: expected a folder path as a string")
    dirs = (Path(folder).expanduser(),) if folder else default_dirs
    return Config(home, dirs)
