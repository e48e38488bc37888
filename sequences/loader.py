"""Reads a sequence file, checks every field, and builds a `Sequence`, or reports every problem.

Each problem is one line naming the file, the line, the phase and the key, with a hint where one
helps:  storm.toml:14: phase 'pond' effect: unknown effect 'ripel'; did you mean 'ripple'?
A file with any problem yields no sequence at all: never a half-loaded one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from sequences.easing import EASINGS
from sequences.effects import EFFECTS
from sequences.effects.base import Effect, Param
from sequences.model import KINDS, Light, Phase, Sequence
from sequences.palette import resolve_colour
from sequences.sourcemap import SourceMap
from sequences.tomlfile import (FileProblems, TableReader, bounded_seconds, choice, hint, integer, number,
                                one_line, parse_toml, read_text_file, short, slug, SLUG)
from sequences.units import Share, format_seconds, parse_duration, show

MAX_PHASES = 64
MIN_PHASE_S = 1.0
MIN_SEQUENCE_S = 10.0
MIN_CUE_S, MAX_CUE_S = 1.0, 60.0  # a cue (kind = "cue") is a short answer on the ring
MAX_CROSSFADE_S = 600.0
MAX_FILE_BYTES = 256_000  # a 64-phase sequence is a few kB; anything near this is not a sequence
_TOP_KEYS = ("name", "title", "description", "kind", "duration", "seed", "phase")
_PHASE_KEYS = ("name", "caption", "duration", "start", "end", "easing", "effect", "params", "crossfade")
_LIGHT_KEYS = ("colour", "level")


class SequenceLoadError(FileProblems):
    """A sequence file could not be loaded; `problems` lists why, one line each."""


def load_file(path: str | Path) -> Sequence:
    """Load and validate one sequence file."""
    file = Path(path)
    text = read_text_file(file, MAX_FILE_BYTES, "a sequence", SequenceLoadError)
    return load_text(text, source=str(file), default_name=file.stem)


def load_text(text: str, source: str = "<text>", default_name: str = "") -> Sequence:
    """Load and validate a sequence from TOML text; `source` names it in messages."""
    data = parse_toml(text, source, SequenceLoadError)
    return _Reader(source, SourceMap(text)).sequence(data, default_name)


# Light inherited by a phase that follows one whose light could not be read: its own missing
# fields are then not reported again (the earlier problem is the one to fix).
_UNKNOWN = object()


class _Reader(TableReader):
    """Reads one sequence file's parsed data, collecting every problem."""

    error = SequenceLoadError

    def sequence(self, data: dict, default_name: str) -> Sequence:
        top = self.known_keys(data, (), "", _TOP_KEYS)
        name = self.field(top, (), "", "name", slug, default=default_name or "sequence")
        title = self.field(top, (), "", "title", one_line(80), required=True)
        description = self.field(top, (), "", "description", one_line(200), required=True)
        kind = self.field(top, (), "", "kind", choice(KINDS), required=True)
        shortest_s, longest_s = (MIN_CUE_S, MAX_CUE_S) if kind == "cue" else (MIN_SEQUENCE_S, None)
        duration_s = self.field(top, (), "", "duration", bounded_seconds(shortest_s, longest_s), required=True)
        seed = self.field(top, (), "", "seed", integer(0, 2**63 - 1), default=0)
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
            if isinstance(name, str) and SLUG.match(name):
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
        where = f"phase {short(given_name)}" if isinstance(given_name, str) else f"phase {index + 1}"
        before = len(self.problems)  # an unknown key counts: it may be a misspelt required one
        table = self.known_keys(raw, path, where, _PHASE_KEYS)
        name = self.field(table, path, where, "name", slug, required=True)
        caption = self.field(table, path, where, "caption", one_line(200), required=True)
        duration = self.field(table, path, where, "duration", _phase_duration, required=True)
        easing = self.field(table, path, where, "easing", choice(tuple(EASINGS)), default="linear")
        crossfade_s = self.field(table, path, where, "crossfade", bounded_seconds(0.0, MAX_CROSSFADE_S))
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
        level = self.field(table, path, where, "level", number(0.0, 100.0, "L*"), prefix=dotted)
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
            advice = hint(name, EFFECTS) if isinstance(name, str) else "; expected the name of an effect"
            self.problem(path + ("effect",), where, "effect", f"unknown effect {show(name)}{advice}")
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


def _phase_duration(value: Any) -> float | Share:
    duration = parse_duration(value)
    if not isinstance(duration, Share) and duration < MIN_PHASE_S:
        raise ValueError(f"{show(value)} is shorter than the shortest phase, {MIN_PHASE_S:g}s")
    return duration


def _param_reader(param: Param) -> Callable[[Any], Any]:
    unit = param.unit
    if param.kind == "number":
        return number(param.minimum, param.maximum, unit)
    if param.kind == "integer":
        return integer(int(param.minimum), int(param.maximum))
    if param.kind == "choice":
        return choice(param.choices)
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
