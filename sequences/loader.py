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
from sequences.units import Share, format_seconds, parse_duration, parse_seconds

MAX_PHASES = 64
MIN_PHASE_S = 1.0
MAX_CROSSFADE_S = 600.0
MAX_FILE_BYTES = 1_000_000
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
        return f"{place}: {subject}: {self.message}" if subject else f"{place}: {self.message}"


class SequenceLoadError(Exception):
    """A sequence file could not be loaded; `problems` lists why, one line each."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_file(path: str | Path) -> Sequence:
    """Load and validate one sequence file."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise SequenceLoadError([Problem(str(file), None, "", "", "file is larger than 1 MB")])
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SequenceLoadError([Problem(str(file), None, "", "", "file is not UTF-8 text")]) from None
    except OSError as error:
        raise SequenceLoadError([Problem(str(file), None, "", "", error.strerror or str(error))]) from None
    return load_text(text, source=str(file), default_name=file.stem)


def load_text(text: str, source: str = "<text>", default_name: str = "") -> Sequence:
    """Load and validate a sequence from TOML text; `source` names it in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(found.group(1)) if found else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise SequenceLoadError([Problem(source, line, "", "", f"not valid TOML: {message}")]) from None
    return _Reader(source, SourceMap(text)).sequence(data, default_name)


def _hint(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(options)}"


def _canonical_key(key: str) -> str:
    return key.replace("color", "colour")  # both spellings, everywhere


class _Reader:
    """Collects problems while reading one file's parsed data."""

    def __init__(self, source: str, source_map: SourceMap):
        self.source = source
        self.map = source_map
        self.problems: list[Problem] = []

    def problem(self, path: tuple, where: str, key: str, message: str) -> None:
        self.problems.append(Problem(self.source, self.map.line_of(path), where, key, message))

    def field(self, table: dict, path: tuple, where: str, key: str, read: Callable[[Any], Any],
              default: Any = None, required: bool = False, prefix: str = "") -> Any:
        """Read table[key] with `read`, which raises ValueError with a message for the user.

        `prefix` names the enclosing table in messages: 'start.' gives 'start.level'.
        """
        if key not in table:
            if required:
                self.problem(path, where, prefix + key, "is missing")
            return default
        try:
            return read(table[key])
        except ValueError as error:
            self.problem(path + (key,), where, prefix + key, str(error))
            return default

    def known_keys(self, table: dict, path: tuple, where: str, allowed: tuple[str, ...], prefix: str = "") -> dict:
        """The table with 'color' spelt 'colour', and a problem for each unknown key."""
        canonical: dict = {}
        for key, value in table.items():
            name = _canonical_key(key)
            if name not in allowed:
                expected = _hint(name, allowed) if allowed else ": this effect takes no parameters"
                self.problem(path + (key,), where, prefix + key, f"unknown key{expected}")
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
            raise SequenceLoadError(self.problems)
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
        previous_end: Light | None = None
        names: set[str] = set()
        for index, table in enumerate(tables):
            phase = self.phase(table, index, previous_end, seed)
            if phase is None:
                previous_end = None
                continue
            if phase.name in names:
                self.problem(("phase", index, "name"), f"phase '{phase.name}'", "name", "is used by an earlier phase")
            names.add(phase.name)
            phases.append(phase)
            previous_end = phase.end
        return phases

    def phase(self, raw: dict, index: int, previous_end: Light | None, seed: int) -> Phase | None:
        path = ("phase", index)
        given_name = raw.get("name")
        where = f"phase '{given_name}'" if isinstance(given_name, str) else f"phase {index + 1}"
        table = self.known_keys(raw, path, where, _PHASE_KEYS)
        before = len(self.problems)
        name = self.field(table, path, where, "name", _slug, required=True)
        caption = self.field(table, path, where, "caption", _one_line(200), required=True)
        duration = self.field(table, path, where, "duration", _phase_duration, required=True)
        easing = self.field(table, path, where, "easing", _choice(tuple(EASINGS)), default="linear")
        crossfade_s = self.field(table, path, where, "crossfade", _bounded_seconds(0.0, MAX_CROSSFADE_S))
        if index == 0 and "start" not in table:
            self.problem(path, where, "start", "is missing: the first phase must say where the light starts")
        start = self.light(table.get("start", {}), path + ("start",), where, "start", previous_end)
        end = self.light(table.get("end", {}), path + ("end",), where, "end", start)
        effect = self.effect(table, path, where, seed * 1_000_003 + index)
        if len(self.problems) > before or None in (start, end, effect):
            return None
        return Phase(name, caption, duration, start, end, easing, effect, crossfade_s)

    def light(self, raw: Any, path: tuple, where: str, key: str, inherited: Light | None) -> Light | None:
        """A start or end light; missing fields carry on from `inherited` so nothing jumps."""
        if not isinstance(raw, dict):
            self.problem(path, where, key, "must be a table such as { colour = 2700, level = 40 }")
            return None
        dotted = f"{key}."
        table = self.known_keys(raw, path, where, _LIGHT_KEYS, prefix=dotted)
        colour = self.field(table, path, where, "colour", resolve_colour, prefix=dotted)
        level = self.field(table, path, where, "level", _number(0.0, 100.0, "L*"), prefix=dotted)
        if "colour" in table and colour is None or "level" in table and level is None:
            return None  # already reported
        if inherited is None and (colour is None or level is None):
            missing = "colour" if colour is None else "level"
            self.problem(path, where, dotted + missing, "is missing")
            return None
        return Light(colour or inherited.colour, inherited.level_lstar if level is None else level)

    def effect(self, table: dict, path: tuple, where: str, seed: int) -> Effect | None:
        name = table.get("effect", "steady")
        if not isinstance(name, str) or name not in EFFECTS:
            hint = _hint(str(name), EFFECTS) if isinstance(name, str) else ": expected an effect name"
            self.problem(path + ("effect",), where, "effect", f"unknown effect '{name}'{hint}")
            return None
        cls = EFFECTS[name]
        raw = table.get("params", {})
        if not isinstance(raw, dict):
            self.problem(path + ("params",), where, "params", "must be a table of the effect's parameters")
            return None
        declared = {p.name: p for p in cls.params}
        before = len(self.problems)
        given = self.known_keys(raw, path + ("params",), where, tuple(declared), prefix="params.")
        values = {key: self.field(given, path + ("params",), where, key, _param_reader(declared[key]),
                                  prefix="params.")
                  for key in given}
        return cls(values, seed=seed) if len(self.problems) == before else None

    def check_timing(self, phases: list[Phase], duration_s: float) -> None:
        shares = sum(p.duration.percent for p in phases if isinstance(p.duration, Share))
        fixed_s = sum(p.duration for p in phases if not isinstance(p.duration, Share))
        if shares > 100.0 + 1e-9:
            self.problem(("phase",), "", "phase", f"phase shares add up to {shares:g}%, more than the whole")
        elif shares and fixed_s >= duration_s:
            self.problem(("duration",), "", "duration",
                         f"the fixed-length phases take {format_seconds(fixed_s)}, leaving nothing of "
                         f"{format_seconds(duration_s)} for the phases given as shares")


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(f"{value!r} must be lower-case letters, digits and '-', at most 40 characters")
    return value


def _one_line(max_chars: int) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be a non-empty string")
        if "\n" in value or len(value) > max_chars:
            raise ValueError(f"must be one line of at most {max_chars} characters")
        return value.strip()
    return read


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if value not in options:
            raise ValueError(f"unknown value {value!r}{_hint(str(value), options)}")
        return value
    return read


def _number(minimum: float, maximum: float, unit: str = "") -> Callable[[Any], float]:
    def read(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"expected a number, got {value!r}")
        if not minimum <= value <= maximum:
            raise ValueError(f"{value:g} is outside {minimum:g}-{maximum:g}{' ' + unit if unit else ''}")
        return float(value)
    return read


def _integer(minimum: int, maximum: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        if not minimum <= value <= maximum:
            raise ValueError(f"{value} is outside {minimum}-{maximum}")
        return value
    return read


def _bounded_seconds(minimum_s: float, maximum_s: float | None = None) -> Callable[[Any], float]:
    def read(value: Any) -> float:
        seconds = parse_seconds(value)
        if seconds < minimum_s or (maximum_s is not None and seconds > maximum_s):
            upper = f" and at most {format_seconds(maximum_s)}" if maximum_s is not None else ""
            raise ValueError(f"{value!r} must be at least {format_seconds(minimum_s)}{upper}")
        return seconds
    return read


def _phase_duration(value: Any) -> float | Share:
    duration = parse_duration(value)
    if not isinstance(duration, Share) and duration < MIN_PHASE_S:
        raise ValueError(f"{value!r} is shorter than the shortest phase, {MIN_PHASE_S:g}s")
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
