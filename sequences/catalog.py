"""Finding sequences by name: the built-ins shipped in the package, and a user's own folders."""

from __future__ import annotations

import difflib
import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sequences.loader import SequenceLoadError, load_file, load_text
from sequences.tomlfile import Problem
from sequences.model import Sequence


@dataclass(frozen=True)
class Entry:
    """A sequence the catalog knows, where it comes from, and why it could not load (if so)."""

    name: str
    origin: str  # "built-in" or the user folder
    sequence: Sequence | None
    error: SequenceLoadError | None = None


def builtin_names() -> list[str]:
    folder = importlib.resources.files("sequences.builtin")
    return sorted(item.name[:-5] for item in folder.iterdir() if item.name.endswith(".toml"))


def load_builtin(name: str) -> Sequence:
    resource = importlib.resources.files("sequences.builtin").joinpath(f"{name}.toml")
    return load_text(resource.read_text(encoding="utf-8"), source=f"built-in:{name}.toml", default_name=name)


def entries(user_dirs: Iterable[Path] = ()) -> list[Entry]:
    """Every sequence by name; a user's file of the same name as a built-in takes its place.

    A file that does not load is listed with its error rather than ending the listing.
    """
    found: dict[str, Entry] = {name: _entry(name, "built-in", lambda n=name: load_builtin(n))
                               for name in builtin_names()}
    for folder in user_dirs:
        for file in _toml_files(folder):
            found[file.stem] = _entry(file.stem, str(folder), lambda f=file: load_file(f))
    return [found[name] for name in sorted(found)]


def entry(name: str, user_dirs: Iterable[Path] = ()) -> Entry | None:
    """The one sequence listed as `name` by entries() (the same file wins), or None: only that file
    is loaded, and `name` is only ever a name, never a path."""
    for folder in reversed(list(user_dirs)):  # a later folder wins in entries()
        for file in _toml_files(folder):
            if file.stem == name:
                return _entry(name, str(folder), lambda f=file: load_file(f))
    if name in builtin_names():
        return _entry(name, "built-in", lambda: load_builtin(name))
    return None


def _entry(name: str, origin: str, load) -> Entry:
    try:
        return Entry(name, origin, load())
    except SequenceLoadError as error:
        return Entry(name, origin, None, error)


def find(name_or_file: str, user_dirs: Iterable[Path] = ()) -> Sequence:
    """A sequence by file path (anything ending .toml or naming a file) or by name."""
    path = Path(name_or_file)
    if name_or_file.endswith(".toml") or _is_file(path):
        return load_file(path)
    for folder in user_dirs:
        candidate = Path(folder) / f"{name_or_file}.toml"
        if _is_file(candidate):
            return load_file(candidate)
    names = builtin_names() + [f.stem for folder in user_dirs for f in _toml_files(folder)]
    if name_or_file in builtin_names():
        return load_builtin(name_or_file)
    close = difflib.get_close_matches(name_or_file, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else "; 'emberwake list' shows them all"
    raise SequenceLoadError([Problem(name_or_file, None, "", "", f"no sequence of that name{hint}")])


def _is_file(path: Path) -> bool:
    """Path.is_file(), but False for a name the system refuses (too long, say) rather than OSError."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _toml_files(folder: Path) -> list[Path]:
    """The folder's sequence files; none if it cannot be read, as none if it does not exist (glob's way)."""
    try:
        return sorted(Path(folder).glob("*.toml"))
    except (OSError, ValueError):  # a name too long for the system, or with a NUL byte
        return []
