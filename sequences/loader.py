"""Reads a sequence file, checks every field, and builds a `Sequence`, or reports every problem.

Each problem is one line naming the file, the line, the phase and the key, with a hint where one
helps:  storm.toml:14: phase 'pond' effect: unknown effect 'ripel'; did you mean 'ripple'?
A file with any problem yields no sequence at all: never a half-loaded one.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sequences.easing import EASINGS
from sequences.effects import EFFECTS
from sequences.effects.base import Effect, Param
from sequences.model import KINDS, Light, Phase, Sequence
from sequences.palette import resolve_colour
from sequences.sourcemap import SourceMap
from sequences.units import Share, format_seconds, parse_duration, parse_seconds, show

MAX_PHASES = 64
MIN_PHASE_S = 1.0
MAX_CROSSFADE_S = 600.0
MAX_FILE_BYTES = 256_000  # a 64-phase sequence is a few kB; anything near this is not a sequence
MAX_PROBLEMS = 50  # past this, one more line says how many were left out
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_TOP_KEYS = ("name", "title", "description", "kind", "duration", "seed", "phase")
_PHASE_KEYS = ("name", "caption", "duration", "start", "end", "easing", "effect", "params", "crossfade")
_LIGHT_KEYS = ("colour", "level")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a sequence file, printed as one line."""

    source: str
    line: int | None
    where: str  # "phase 'pond'" or "" for the file's top level
    key: str
    message: str

    def __str__(self) -> str:
        place = f"{self.source}:{self.line}" if self.line else self.source
        subject = " ".join(part for part in (self.where, self.key) if part)
        text = f"{place}: {subject}: {self.message}" if subject else f"{place}: {self.message}"
        return _printable(text)


def _printable(text: str) -> str:
    """The text with line breaks and other control characters escaped: a problem is one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class SequenceLoadError(Exception):
    """A sequence file could not be loaded; `problems` lists why, one line each."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_file(path: str | Path) -> Sequence:
    """Load and validate one sequence file."""
    file = Path(path)
    source = str(file)
    try:
        with file.open("rb") as stream:  # read at most the limit: /dev/zero must not hang us
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise SequenceLoadError([Problem(source, None, "", "", (error.strerror or str(error)).lower())]) from None
    if len(data) > MAX_FILE_BYTES:
        raise SequenceLoadError([Problem(source, None, "", "",
                                         f"file is larger than {MAX_FILE_BYTES // 1000} kB: not a sequence")])
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark, as some editors write, is fine
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise SequenceLoadError([Problem(source, line, "", "", f"file is not UTF-8 text (byte "
                                         f"0x{data[error.start]:02x}); save it as UTF-8")]) from None
    return load_text(text, source=source, default_name=file.stem)


# tomllib's words for common slips, reworded for someone editing a sequence by hand.
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


def load_text(text: str, source: str = "<text>", default_name: str = "") -> Sequence:
    """Load and validate a sequence from TOML text; `source` names it in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(found.group(1)) if found else None
        message = re.sub(r"\s*\((at line \d+, column \d+|at end of document)\)", "", message)
        for pattern, plain in _TOML_HINTS:
            if pattern.match(message):
                message = plain
                break
        raise SequenceLoadError([Problem(source, line, "", "", f"not valid TOML: {message}")]) from None
    except ValueError:  # tomllib lets Python's limit on an integer's digits through
        message = "a number has too many digits"
        raise SequenceLoadError([Problem(source, None, "", "", f"not valid TOML: {message}")]) from None
    except RecursionError:
        message = "arrays or tables nested too deeply"
        raise SequenceLoadError([Problem(source, None, "", "", f"not valid TOML: {message}")]) from None
    return _Reader(source, SourceMap(text)).sequence(data, default_name)


def _closest(word: str, options) -> str | None:
    options = list(options)
    close = [o for o in options if o == word.lower()] or difflib.get_close_matches(word.lower(), options, n=1)
    return close[0] if close else None


def _hint(word: str, options) -> str:
    close = _closest(word, options)
    return f"; did you mean '{close}'?" if close else f"; expected one of: {', '.join(options)}"


# Light inherited by a phase that follows one whose light could not be read: its own missing
# fields are then not reported again (the earlier problem is the one to fix).
_UNKNOWN = object()


def _canonical_key(key: str) -> str:
    return key.replace("color", "colour")  # both spellings, everywhere


class _Reader:
    """Collects problems while reading one file's parsed data."""

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
        raise SequenceLoadError(self.problems)

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
            name = _canonical_key(key)
            if name not in allowed:
                close = _closest(name, allowed)
                if close:
                    self.suggested.add(path + (close,))
                expected = _hint(name, allowed) if allowed else none_allowed
                self.problem(path + (key,), where, prefix + (key if len(key) <= 40 else key[:37] + "..."),
                             f"unknown key{expected}")
            elif name in canonical:
                self.problem(path + (key,), where, prefix + key, "is given twice ('color' and 'colour' are one key)")
            else:
                canonical[name] = value
        return canonical

    def sequence(self, data: dict, default_name: str) -> Sequence:
        top = self.known_keys(data, (), "", _TOP_KEYS)
        name = self.field(top, (), "", "name", _slug, default=default_name or "sequence")
        title = self.field(top, (), "", "title", _one_line(80), required=True)
        description = self.field(top, (), "", "description", _one_line(200), required=True)
        kind = self.field(top, (), "", "kind", _choice(KINDS), required=True)
        duration_s = self.field(top, (), "", "duration", _bounded_seconds(10.0), required=True)
        seed = self.field(top, (), "", "seed", _integer(0, 2**63 - 1), default=0)
        phases = self.phases(top.get("phase"), seed or 0)
        if phases and duration_s:
            self.check_timing(phases, duration_s)
        if self.problems:
            self.raise_problems()
        return Sequence(name, title, description, kind, duration_s, seed, tuple(phases), self.source)

    def phases(self, tables: Any, seed: int) -> list[Phase]:
        if tables is None:
            self.problem((), "", "phase", "is missing: a sequence needs at least one [[phase]]")
            return []
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            self.problem(("phase",), "", "phase", "must be an array of tables, written [[phase]]")
            return []
        if not 1 <= len(tables) <= MAX_PHASES:
            self.problem(("phase",), "", "phase", f"there must be 1 to {MAX_PHASES} phases, not {len(tables)}")
            return []
        phases: list[Phase] = []
        previous_end: Any = None
        names: set[str] = set()
        for index, table in enumerate(tables):
            phase, previous_end = self.phase(table, index, previous_end, seed)
            name = table.get("name")
            if isinstance(name, str) and _SLUG.match(name):
                if name in names:
                    self.problem(("phase", index, "name"), f"phase '{name}'", "name", "is used by an earlier phase")
                names.add(name)
            if phase is not None:
                phases.append(phase)
        return phases

    def phase(self, raw: dict, index: int, previous_end: Any, seed: int) -> tuple[Phase | None, Any]:
        """The phase, or None if it has problems; and its end light (or _UNKNOWN) for the next."""
        path = ("phase", index)
        given_name = raw.get("name")
        where = f"phase {_short(given_name)}" if isinstance(given_name, str) else f"phase {index + 1}"
        table = self.known_keys(raw, path, where, _PHASE_KEYS)
        before = len(self.problems)
        name = self.field(table, path, where, "name", _slug, required=True)
        caption = self.field(table, path, where, "caption", _one_line(200), required=True)
        duration = self.field(table, path, where, "duration", _phase_duration, required=True)
        easing = self.field(table, path, where, "easing", _choice(tuple(EASINGS)), default="linear")
        crossfade_s = self.field(table, path, where, "crossfade", _bounded_seconds(0.0, MAX_CROSSFADE_S))
        if previous_end is None and "start" not in table:
            self.problem(path, where, "start", "is missing: the first phase must say where the light starts")
            start = _UNKNOWN
        else:
            start = self.light(table.get("start", {}), path + ("start",), where, "start", previous_end)
        end = self.light(table.get("end", {}), path + ("end",), where, "end", start)
        effect = self.effect(table, path, where, seed * 1_000_003 + index)
        if len(self.problems) > before or start is _UNKNOWN or end is _UNKNOWN or effect is None:
            return None, end
        return Phase(name, caption, duration, start, end, easing, effect, crossfade_s), end

    def light(self, raw: Any, path: tuple, where: str, key: str, inherited: Any) -> Any:
        """A start or end light; missing fields carry on from `inherited` so nothing jumps.

        Returns _UNKNOWN when the light cannot be known, after reporting why (or after an
        earlier problem made `inherited` unknown, which is not reported again).
        """
        if not isinstance(raw, dict):
            self.problem(path, where, key, "must be a table such as { colour = 2700, level = 40 }")
            return _UNKNOWN
        dotted = f"{key}."
        before = len(self.problems)
        table = self.known_keys(raw, path, where, _LIGHT_KEYS, prefix=dotted)
        colour = self.field(table, path, where, "colour", resolve_colour, prefix=dotted)
        level = self.field(table, path, where, "level", _number(0.0, 100.0, "L*"), prefix=dotted)
        if len(self.problems) > before or inherited is _UNKNOWN and (colour is None or level is None):
            return _UNKNOWN  # already reported: an unknown key is most likely a misspelt field
        if inherited is None and (colour is None or level is None):
            missing = "colour" if colour is None else "level"
            if path + (missing,) not in self.suggested:
                self.problem(path, where, dotted + missing, "is missing")
            return _UNKNOWN
        return Light(colour or inherited.colour, inherited.level_lstar if level is None else level)

    def effect(self, table: dict, path: tuple, where: str, seed: int) -> Effect | None:
        name = table.get("effect", "steady")
        if not isinstance(name, str) or name not in EFFECTS:
            hint = _hint(name, EFFECTS) if isinstance(name, str) else "; expected the name of an effect"
            self.problem(path + ("effect",), where, "effect", f"unknown effect {show(name)}{hint}")
            return None
        cls = EFFECTS[name]
        raw = table.get("params", {})
        if not isinstance(raw, dict):
            self.problem(path + ("params",), where, "params", "must be a table of the effect's parameters")
            return None
        declared = {p.name: p for p in cls.params}
        before = len(self.problems)
        given = self.known_keys(raw, path + ("params",), where, tuple(declared), prefix="params.",
                                none_allowed=f": effect '{name}' takes no parameters")
        values = {key: self.field(given, path + ("params",), where, key, _param_reader(declared[key]),
                                  prefix="params.")
                  for key in given}
        if len(self.problems) > before:
            return None
        try:
            return cls(values, seed=seed)
        except ValueError as error:  # an effect may refuse a combination of parameters
            self.problem(path + ("params",), where, "params", str(error))
            return None

    def check_timing(self, phases: list[Phase], duration_s: float) -> None:
        shares = sum(p.duration.percent for p in phases if isinstance(p.duration, Share))
        fixed_s = sum(p.duration for p in phases if not isinstance(p.duration, Share))
        if shares > 100.0 + 1e-9:
            self.problem(("phase",), "", "phase", f"the phases' shares add up to {shares:g}%, more than 100%")
        elif shares and fixed_s >= duration_s:
            self.problem(("duration",), "", "duration",
                         f"the fixed-length phases take {format_seconds(fixed_s)}, leaving nothing of "
                         f"{format_seconds(duration_s)} for the phases given as shares")


def _short(value: Any) -> str:
    """A name as it appears in a message: quoted, and cut short if it is long."""
    return show(value, limit=40)


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(f"{show(value)} must be lower-case letters, digits and '-', at most 40 characters")
    return value


def _one_line(max_chars: int) -> Callable[[Any], str]:
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


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected one of {', '.join(options)}; got {show(value)}")
        if value not in options:
            raise ValueError(f"unknown value {show(value)}{_hint(value, options)}")
        return value
    return read


def _number(minimum: float, maximum: float, unit: str = "") -> Callable[[Any], float]:
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


def _integer(minimum: int, maximum: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {show(value)}")
        if not minimum <= value <= maximum:
            raise ValueError(f"{show(value)} is outside {minimum}-{maximum}")
        return value
    return read


def _bounded_seconds(minimum_s: float, maximum_s: float | None = None) -> Callable[[Any], float]:
    def read(value: Any) -> float:
        seconds = parse_seconds(value)
        if seconds < minimum_s:
            raise ValueError(f"{show(value)} is shorter than {format_seconds(minimum_s)}")
        if maximum_s is not None and seconds > maximum_s:
            raise ValueError(f"{show(value)} is longer than {format_seconds(maximum_s)}")
        return seconds
    return read


def _phase_duration(value: Any) -> float | Share:
    duration = parse_duration(value)
    if not isinstance(duration, Share) and duration < MIN_PHASE_S:
        raise ValueError(f"{show(value)} is shorter than the shortest phase, {MIN_PHASE_S:g}s")
    return duration


def _param_reader(param: Param) -> Callable[[Any], Any]:
    unit = param.unit
    if param.kind == "number":
        return _number(param.minimum, param.maximum, unit)
    if param.kind == "integer":
        return _integer(int(param.minimum), int(param.maximum))
    if param.kind == "choice":
        return _choice(param.choices)
    if param.kind == "colour":
        return lambda value: resolve_colour(value).rgb
    if param.kind == "colours":
        def read_colours(value: Any) -> tuple:
            if isinstance(value, (str, int, float)):
                value = [value]
            if not isinstance(value, list) or not 1 <= len(value) <= 6:
                raise ValueError("expected a list of 1 to 6 colours")
            return tuple(resolve_colour(v).rgb for v in value)
        return read_colours
    raise ValueError(f"effect parameter kind {param.kind!r} is not known")  # a bug in an effect, not a file
