"""Reading TOML files that people write by hand: one-line problems that name the file, line and
key, and readers for fields that check type and range and explain themselves.

Sequence files and the device's config are both read with this.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sequences.sourcemap import SourceMap
from sequences.units import format_seconds, parse_seconds, show

MAX_PROBLEMS = 50  # past this, one more line says how many were left out
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, printed as one line."""

    source: str
    line: int | None
    where: str  # "phase 'pond'" or "" for the file's top level
    key: str
    message: str

    def __str__(self) -> str:
        place = f"{self.source}:{self.line}" if self.line else self.source
        subject = " ".join(part for part in (self.where, self.key) if part)
        text = f"{place}: {subject}: {self.message}" if subject else f"{place}: {self.message}"
        return printable(text)


def printable(text: str) -> str:
    """The text with line breaks and other control characters escaped: a problem is one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class FileProblems(Exception):
    """A file could not be used; `problems` lists why, one line each."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# tomllib's words for common slips, reworded for someone editing a file by hand.
_TOML_HINTS = (
    (re.compile(r"^Illegal character '\\n'$"), "a string is not closed on its line"),
    (re.compile(r"^Unterminated string$"), "a string is not closed"),
    (re.compile(r"^Cannot overwrite a value$"), "a key is given twice"),
    (re.compile(r"^Invalid value$"), "invalid value (text must be in quotes: colour = \"amber\")"),
    (re.compile(r"^Unclosed inline table$"), "an inline table { ... } is not closed, or lacks a ',' between keys"),
    (re.compile(r"^Cannot mutate immutable namespace"),
     "a key is added to an inline table { ... } after it was closed"),
    (re.compile(r"^Expected ']]' at the end of an array declaration$"), "a [[...]] header is not closed with ']]'"),
)


def parse_toml(text: str, source: str, error: type[FileProblems] = FileProblems) -> dict:
    """Parsed TOML, or `error` with one problem naming the line tomllib gives."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as decode_error:
        message = str(decode_error)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(found.group(1)) if found else None
        message = re.sub(r"\s*\((at line \d+, column \d+|at end of document)\)", "", message)
        for pattern, plain in _TOML_HINTS:
            if pattern.match(message):
                message = plain
                break
        raise error([Problem(source, line, "", "", f"not valid TOML: {message}")]) from None
    except ValueError:  # tomllib lets Python's limit on an integer's digits through
        raise error([Problem(source, None, "", "", "not valid TOML: a number has too many digits")]) from None
    except RecursionError:
        raise error([Problem(source, None, "", "", "not valid TOML: arrays or tables nested too deeply")]) from None


def read_text_file(path: Path, max_bytes: int, what: str, error: type[FileProblems] = FileProblems) -> str:
    """A file's text, read at most max_bytes (so /dev/zero cannot hang us), or `error`."""
    source = str(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as os_error:
        raise error([Problem(source, None, "", "", (os_error.strerror or str(os_error)).lower())]) from None
    except ValueError as name_error:  # a NUL byte in the name: no file can have it
        raise error([Problem(source, None, "", "", f"cannot open it: {name_error}")]) from None
    if len(data) > max_bytes:
        raise error([Problem(source, None, "", "", f"file is larger than {max_bytes // 1000} kB: not {what}")])
    try:
        return data.decode("utf-8-sig")  # a byte-order mark, as some editors write, is fine
    except UnicodeDecodeError as decode_error:
        line = data[:decode_error.start].count(b"\n") + 1
        raise error([Problem(source, line, "", "", f"file is not UTF-8 text (byte "
                                                  f"0x{data[decode_error.start]:02x}); save it as UTF-8")]) from None


def closest(word: str, options) -> str | None:
    options = list(options)
    close = [o for o in options if o == word.lower()] or difflib.get_close_matches(word.lower(), options, n=1)
    return close[0] if close else None


def hint(word: str, options) -> str:
    close = closest(word, options)
    return f"; did you mean '{close}'?" if close else f"; expected one of: {', '.join(options)}"


def canonical_key(key: str) -> str:
    return key.replace("color", "colour")  # both spellings, everywhere


class TableReader:
    """Collects problems while reading one file's parsed TOML data; `error` is what it raises."""

    error: type[FileProblems] = FileProblems

    def __init__(self, source: str, source_map: SourceMap):
        self.source = source
        self.map = source_map
        self.problems: list[Problem] = []
        self.suggested: set[tuple] = set()  # paths of keys a misspelt key was taken for

    def problem(self, path: tuple, where: str, key: str, message: str) -> None:
        self.problems.append(Problem(self.source, self.map.line_of(path), where, key, message))

    def raise_problems(self) -> None:
        self.problems.sort(key=lambda problem: problem.line or 0)  # in reading order, missing keys first
        if len(self.problems) > MAX_PROBLEMS:
            left_out = len(self.problems) - MAX_PROBLEMS
            self.problems[MAX_PROBLEMS:] = [Problem(self.source, None, "", "", f"and {left_out} more problems")]
        raise self.error(self.problems)

    def field(self, table: dict, path: tuple, where: str, key: str, read: Callable[[Any], Any],
              default: Any = None, required: bool = False, prefix: str = "") -> Any:
        """Read table[key] with `read`, which raises ValueError with a message for the user.

        `prefix` names the enclosing table in messages: 'start.' gives 'start.level'.
        """
        if key not in table:
            if required and path + (key,) not in self.suggested:  # else the misspelling is reported
                self.problem(path, where, prefix + key, "is missing")
            return default
        try:
            return read(table[key])
        except (ValueError, OverflowError) as error:
            self.problem(path + (key,), where, prefix + key, str(error))
            return default

    def known_keys(self, table: dict, path: tuple, where: str, allowed: tuple[str, ...], prefix: str = "",
                   none_allowed: str = "") -> dict:
        """The table with 'color' spelt 'colour', and a problem for each unknown key."""
        canonical: dict = {}
        for key, value in table.items():
            name = canonical_key(key)
            if name not in allowed:
                close = closest(name, allowed)
                if close:
                    self.suggested.add(path + (close,))
                expected = hint(name, allowed) if allowed else none_allowed
                self.problem(path + (key,), where, prefix + (key if len(key) <= 40 else key[:37] + "..."),
                             f"unknown key{expected}")
            elif name in canonical:
                self.problem(path + (key,), where, prefix + key, "is given twice ('color' and 'colour' are one key)")
            else:
                canonical[name] = value
        return canonical

def short(value: Any) -> str:
    """A name as it appears in a message: quoted, and cut short if it is long."""
    return show(value, limit=40)


def slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG.match(value):
        raise ValueError(f"{show(value)} must be lower-case letters, digits and '-', at most 40 characters")
    return value


def one_line(max_chars: int) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"must be a non-empty string, not {show(value)}" if not isinstance(value, str)
                             else "must not be empty")
        if len(value.splitlines()) > 1 or len(value) > max_chars:
            raise ValueError(f"must be one line of at most {max_chars} characters")
        if not value.isprintable():
            raise ValueError("must not contain control characters such as tabs")
        return value.strip()
    return read


def choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected one of {', '.join(options)}; got {show(value)}")
        if value not in options:
            raise ValueError(f"unknown value {show(value)}{hint(value, options)}")
        return value
    return read


def number(minimum: float, maximum: float, unit: str = "") -> Callable[[Any], float]:
    def read(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {show(value)}")
        if isinstance(value, float) and math.isnan(value):
            raise ValueError("expected a number, got nan")
        if not minimum <= value <= maximum:  # compares ints of any size without float()
            shown = show(value) if isinstance(value, int) else f"{value:g}"
            raise ValueError(f"{shown} is outside {minimum:g}-{maximum:g}{' ' + unit if unit else ''}")
        return float(value)
    return read


def integer(minimum: int, maximum: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {show(value)}")
        if not minimum <= value <= maximum:
            raise ValueError(f"{show(value)} is outside {minimum}-{maximum}")
        return value
    return read


def bounded_seconds(minimum_s: float, maximum_s: float | None = None) -> Callable[[Any], float]:
    def read(value: Any) -> float:
        seconds = parse_seconds(value)
        if seconds < minimum_s:
            raise ValueError(f"{show(value)} is shorter than {format_seconds(minimum_s)}")
        if maximum_s is not None and seconds > maximum_s:
            raise ValueError(f"{show(value)} is longer than {format_seconds(maximum_s)}")
        return seconds
    return read
