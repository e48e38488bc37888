"""The settings the phone page shows and changes: a few keys of config.toml, named as the config
reader names them ("output.brightness").

Reading: the values config.toml holds now, and which of them the running light does not use yet
(a change that applies on restart). Changing: only the changed lines of config.toml are edited
(the rest, comments included, stays as written); the whole new text is read by the config reader
(device/config.py) before anything is written, so a bad value is one line naming its key and the
file is not touched; then the file is replaced atomically (device.paths.write_atomically). The
service's last-good copy is still made when it starts (device.config.load_service_config).

What applies at once: the brightness and the current budget (the pipeline), the snooze and the
button's timings. The zone, the place, the LED count and the LED type apply when the service
restarts: the timers, the alarm book and the LED driver are built for them at start.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
import threading
import tomllib
from pathlib import Path
from typing import Any, Callable
from zoneinfo import available_timezones

from device import paths
from device.config import MAX_CONFIG_BYTES, Config, ConfigError, config_from_text, led_types, load_config
from sequences.tomlfile import printable, read_text_file
from sequences.units import show

_NUMBER, _TEXT = "a number", "text"


@dataclasses.dataclass(frozen=True)
class Editable:
    """One editable key: what its value must be in JSON, may it be null (removed from the file),
    does the running light take it at once, and where its value is in a Config (None: the
    field named by the key, config.<section>.<name>; every key that applies now lives there)."""

    kind: str
    nullable: bool = False
    applies_now: bool = False
    read: Callable[[Config], Any] | None = None


EDITABLE: dict[str, Editable] = {
    "clock.timezone": Editable(_TEXT, read=lambda config: config.timezone),
    "location.latitude": Editable(_NUMBER, nullable=True, read=lambda config: (config.location or (None, None))[0]),
    "location.longitude": Editable(_NUMBER, nullable=True, read=lambda config: (config.location or (None, None))[1]),
    "ring.pixels": Editable(_NUMBER),
    "ring.led_type": Editable(_TEXT),
    "output.brightness": Editable(_NUMBER, applies_now=True),
    "output.budget_mA": Editable(_NUMBER, applies_now=True),
    "button.snooze_minutes": Editable(_NUMBER, applies_now=True),
    "button.hold_s": Editable(_NUMBER, applies_now=True),
    "button.long_hold_s": Editable(_NUMBER, applies_now=True),
    "button.double_press_s": Editable(_NUMBER, applies_now=True),
}
APPLY_NOW = frozenset(key for key, editable in EDITABLE.items() if editable.applies_now)


class SettingsError(ValueError):
    """A change refused, in one line that starts with the key it is about (when it is about one)."""


def values(config: Config) -> dict[str, Any]:
    """The editable keys' values in `config`."""
    return {key: editable.read(config) if editable.read else _field(config, key)
            for key, editable in EDITABLE.items()}


def _field(config: Config, key: str) -> Any:
    section, name = key.split(".", 1)
    return getattr(getattr(config, section), name)


def live_part(running: Config, saved: Config) -> Config:
    """`running` with the keys that apply at once (APPLY_NOW) taken from `saved`."""
    by_section: dict[str, dict[str, Any]] = {}
    for key in APPLY_NOW:
        section, name = key.split(".", 1)
        by_section.setdefault(section, {})[name] = _field(saved, key)
    return dataclasses.replace(running, **{section: dataclasses.replace(getattr(running, section), **fields)
                                           for section, fields in by_section.items()})


class Settings:
    """config.toml at `path`, for a light running on `running`. `apply` is given the config the
    light should use now (the running one with the keys of APPLY_NOW changed). Thread-safe."""

    def __init__(self, running: Config, path: Path, apply: Callable[[Config], None] = lambda config: None):
        self.running = running
        self.path = path
        self.apply = apply
        self._lock = threading.Lock()

    def read(self) -> dict[str, Any]:
        """{"values", "restart" (keys saved but not used until a restart), "problem" (config.toml
        cannot be read: the running values are shown), "led_types", "timezones", "apply_now"}."""
        with self._lock:
            try:
                saved, problem = self._saved(), None
            except ConfigError as error:
                saved, problem = self.running, printable(str(error.problems[0]))
            return self._answer(saved, problem)

    def change(self, changes: Any) -> dict[str, Any]:
        """Write `changes` ({key: value}, null to remove a key) into config.toml and apply what
        applies at once; SettingsError (one line) or OSError (the file cannot be written) change nothing.
        Returns what read() would and a "message" saying what applies now and what on restart."""
        wanted = _checked(changes)
        with self._lock:
            try:
                text = read_text_file(self.path, MAX_CONFIG_BYTES, "a config file", ConfigError) \
                    if self.path.exists() else ""
            except ConfigError as error:
                raise SettingsError(printable(str(error.problems[0]))) from None
            edited = edit_toml(text, wanted)
            try:
                saved = config_from_text(edited, self.path, self.running.home)
            except ConfigError as error:
                raise SettingsError(self._refusal(error, text, wanted)) from None
            placed = values(saved)
            for key, value in wanted.items():
                if placed[key] != value and not (value is None and placed[key] is None):
                    raise SettingsError(f"{key}: config.toml gives it in a form this page cannot edit "
                                        "(an inline table?); change it there by hand")
            paths.write_atomically(self.path, edited)
            self.running = live_part(self.running, saved)
            self.apply(self.running)
            answer = self._answer(saved, None)
        now = [key for key in wanted if key in APPLY_NOW]
        later = answer["restart"]
        answer["message"] = "saved" + (f"; applies now: {', '.join(now)}" if now else "") + (
            f"; applies when the light restarts: {', '.join(later)}" if later else "")
        return answer

    def _answer(self, saved: Config, problem: str | None) -> dict[str, Any]:
        """read()'s answer for the config `saved` in config.toml."""
        now, later = values(self.running), values(saved)
        led_type_names, zone_names = _choices()
        return {"values": later, "restart": [key for key in EDITABLE if later[key] != now[key]],
                "problem": problem, "led_types": list(led_type_names), "timezones": list(zone_names),
                "apply_now": sorted(APPLY_NOW)}

    def _saved(self) -> Config:
        return load_config(self.running.home, self.path) if self.path.exists() else self.running

    def _refusal(self, error: ConfigError, old_text: str, wanted: dict[str, Any]) -> str:
        """The one line for a config that the edit left unreadable: the changed key's own
        problem first; else what was already wrong with the file, or what the edit broke."""
        for problem in error.problems:
            if problem.key in wanted:
                return printable(f"{problem.key}: {problem.message}")
            section_of = [key for key in wanted if key.split(".", 1)[0] == problem.key]  # "location: needs both"
            if section_of:
                return printable(f"{section_of[0]}: {problem.key} {problem.message}")
        try:
            config_from_text(old_text, self.path, self.running.home)
        except ConfigError as old_error:
            return printable(f"{old_error.problems[0]} (fix config.toml by hand first; nothing was changed)")
        return printable(f"{error.problems[0]} (after this change; nothing was changed)")


@functools.cache
def _choices() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The LED types and this machine's zone names, sorted; read once (tens of ms for the zones),
    as neither changes while the light runs."""
    return tuple(sorted(led_types())), tuple(sorted(available_timezones()))


def _checked(changes: Any) -> dict[str, Any]:
    if not isinstance(changes, dict) or not changes:
        raise SettingsError("send the settings to change, such as {\"output.brightness\": 0.6}")
    for key, value in changes.items():
        if key not in EDITABLE:
            raise SettingsError(f"unknown field {show(key)}")
        kind = EDITABLE[key].kind
        if value is None and EDITABLE[key].nullable:
            continue
        if kind == _NUMBER and (isinstance(value, bool) or not isinstance(value, (int, float))
                                or abs(value) > 1e9 or not math.isfinite(value)):  # 10**400 has no float
            raise SettingsError(f"{key}: expected a number, got {show(value)}")
        if kind == _TEXT and (not isinstance(value, str) or not value.isprintable() or len(value) > 100):
            raise SettingsError(f"{key}: expected one line of text, got {show(value)}")
    return dict(changes)


# Editing config.toml line by line

def edit_toml(text: str, changes: dict[str, Any]) -> str:
    """`text` with each "section.key" of `changes` set to its value (None: the key's line
    removed). A key's line is replaced in place (its comment kept); a missing key goes at the
    end of its [section], a missing section at the end of the file. Every other line stays."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for dotted, value in changes.items():
        section, key = dotted.split(".", 1)
        start, end = _section(lines, section)
        found = next((i for i in range(start, end) if re.match(rf"\s*{re.escape(key)}\s*=", lines[i])), None)
        new_line = None if value is None else f"{key} = {_literal(value)}"
        if found is not None:
            if new_line is None:
                del lines[found]
            else:
                lines[found] = new_line + _comment(lines[found]) + "\n"
        elif new_line is not None and start == end == len(lines) and not _has_header(lines, section):
            lines += ["\n"] if lines and lines[-1].strip() else []
            lines += [f"[{section}]\n", new_line + "\n"]
        elif new_line is not None:
            last = max([start - 1] + [i for i in range(start, end) if lines[i].strip()
                                      and not lines[i].lstrip().startswith("#")])
            lines.insert(last + 1, new_line + "\n")
    return "".join(lines)


def _header(line: str) -> str | None:
    match = re.match(r"\s*\[\s*([A-Za-z0-9_-]+)\s*\]\s*(#.*)?$", line)
    return match.group(1) if match else None


def _has_header(lines: list[str], section: str) -> bool:
    return any(_header(line) == section for line in lines)


def _section(lines: list[str], section: str) -> tuple[int, int]:
    """The lines of [section]'s body: (first, one past the last); (len, len) if it has no header."""
    for index, line in enumerate(lines):
        if _header(line) == section:
            end = next((i for i in range(index + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
            return index + 1, end
    return len(lines), len(lines)


def _comment(line: str) -> str:
    """The line's trailing comment (with the spaces before it), or ''."""
    value = line.split("=", 1)[1].rstrip("\n")
    for index, char in enumerate(value):
        if char == "#":
            try:
                tomllib.loads("v = " + value[:index])
            except tomllib.TOMLDecodeError:
                continue  # a '#' inside a string
            before = value[:index]
            return value[len(before.rstrip()):]
    return ""


def _literal(value: Any) -> str:
    """A TOML value: a string (JSON's escapes are TOML's), or a number."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)
