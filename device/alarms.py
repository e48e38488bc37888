"""Alarms and bedtimes as a user sets them, and the checks that turn bad input into one line.

A wake alarm ends its sequence at the wake time: the sequence starts `rise_s` before it and the
light holds `hold_s` after it, then fades out. A bedtime starts its dusk sequence at its time
(or at local sunset plus an offset) and plays it for `rise_s`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from sequences.units import format_seconds, parse_seconds, show

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {name: index for index, name in enumerate(WEEKDAYS)}
_DAY_NAMES.update({full: index for index, full in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))})
_DAY_SETS = {"daily": frozenset(range(7)), "weekdays": frozenset(range(5)), "weekends": frozenset({5, 6})}
MAX_RISE_S = 3 * 3600.0
MAX_HOLD_S = 4 * 3600.0
MAX_LABEL_CHARS = 60
KINDS = ("wake", "bedtime")


class AlarmError(ValueError):
    """One line for the user: what is wrong with an alarm they asked for."""


@dataclass(frozen=True)
class Days:
    """When an alarm repeats: a set of weekdays (0 = Monday), or one date."""

    weekdays: frozenset[int] = frozenset(range(7))
    date: dt.date | None = None

    def includes(self, day: dt.date) -> bool:
        return day == self.date if self.date else day.weekday() in self.weekdays

    def __str__(self) -> str:  # the store keeps this text, and a one-off's is its ISO date
        if self.date:
            return self.date.isoformat()
        for name, days in _DAY_SETS.items():
            if self.weekdays == days:
                return name
        return ",".join(WEEKDAYS[d] for d in sorted(self.weekdays))


@dataclass(frozen=True)
class Pause:
    """No light on the local dates `first` to `last` (both included), for one alarm or, with
    `alarm_id` None, for every repeating wake alarm. It is over by itself after `last`: nothing
    to undo."""

    id: int
    alarm_id: int | None
    first: dt.date
    last: dt.date

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Alarm:
    """One alarm or bedtime. `time` is local wall time; with `after_sunset` set (bedtimes
    only) the time is instead local sunset plus that offset (negative: before sunset).
    `pauses` are the store's pauses that apply to it (it has no occurrence on their dates)."""

    id: int
    kind: str
    time: dt.time
    days: Days
    sequence: str
    rise_s: float = 1800.0
    hold_s: float = 1800.0
    label: str = ""
    enabled: bool = True
    after_sunset: dt.timedelta | None = field(default=None)
    pauses: tuple[Pause, ...] = ()

    @property
    def one_off(self) -> bool:
        """Set for one date: it disables itself once that occurrence has ended."""
        return self.days.date is not None

    def paused_on(self, day: dt.date) -> bool:
        return any(pause.covers(day) for pause in self.pauses)

    def describe_time(self) -> str:
        if self.after_sunset is None:
            return self.time.strftime("%H:%M")
        minutes = round(self.after_sunset.total_seconds() / 60)
        return "sunset" + (f"{minutes:+d}m" if minutes else "")

    def with_changes(self, **changes) -> "Alarm":
        return replace(self, **changes)


def parse_time(text: str) -> dt.time:
    """'07:30' or '7:30' -> time; AlarmError for '25:00', '7.30', 'noon'."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text or "")
    if not match:
        raise AlarmError(f"time {show(text)} is not HH:MM (for example 06:45)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise AlarmError(f"time {show(text)} does not exist: hours go 00-23 and minutes 00-59")
    return dt.time(hour, minute)


def parse_sunset_offset(text: str) -> dt.timedelta:
    """'sunset', 'sunset+30m', 'sunset-1h' -> offset from sunset."""
    match = re.fullmatch(r"\s*sunset\s*(?:([+-])\s*(.+))?", (text or "").lower())
    if not match:
        raise AlarmError(f"{show(text)} is not 'sunset', 'sunset+30m' or 'sunset-1h'")
    if not match.group(1):
        return dt.timedelta(0)
    try:
        seconds = parse_seconds(match.group(2))
    except ValueError as error:
        raise AlarmError(f"sunset offset {show(match.group(2))}: {error}") from None
    if seconds > 6 * 3600:
        raise AlarmError(f"sunset offset {show(match.group(2))} is more than 6 hours")
    return dt.timedelta(seconds=seconds if match.group(1) == "+" else -seconds)


def parse_days(text: str) -> Days:
    """'daily', 'weekdays', 'weekends', 'mon,wed,fri', 'sat-sun' or a date '2026-12-24'."""
    spec = (text or "").strip().lower()
    if spec in _DAY_SETS:
        return Days(_DAY_SETS[spec])
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", spec):
        return Days(date=parse_date(spec, "days"))
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _day(first, text), _day(last, text)
            days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
        else:
            days.add(_day(part, text))
    if not days:
        raise AlarmError(f"days {show(text)} names no day; use daily, weekdays, weekends, mon,wed,fri or a date")
    return Days(frozenset(days))


def parse_date(text: str, what: str) -> dt.date:
    """'2026-12-24' -> date; AlarmError naming `what` for '2026-02-30', '24.12.2026', 'soon'."""
    spec = (text or "").strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", spec):
        raise AlarmError(f"{what} {text!r} is not a date YYYY-MM-DD (for example 2026-12-24)")
    try:
        return dt.date.fromisoformat(spec)
    except ValueError:
        raise AlarmError(f"{what} {text!r}: that date does not exist") from None


def _day(name: str, spec: str) -> int:
    key = name.strip()
    if key in _DAY_NAMES:
        return _DAY_NAMES[key]
    import difflib
    close = difflib.get_close_matches(key, list(_DAY_NAMES) + list(_DAY_SETS), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise AlarmError(f"days {show(spec)}: {show(key)} is not a day{hint} (mon..sun, daily, weekdays, weekends)")


def parse_span(text: str, what: str, maximum_s: float, minimum_s: float = 0.0) -> float:
    """A rise or hold time ('30m', '45:00', 1800) in seconds, within bounds."""
    try:
        seconds = parse_seconds(text)
    except ValueError as error:
        raise AlarmError(f"{what}: {error}") from None
    if not minimum_s <= seconds <= maximum_s:
        raise AlarmError(f"{what} {format_seconds(seconds)} is outside {format_seconds(minimum_s)}-"
                         f"{format_seconds(maximum_s)}")
    return seconds


def check_label(text: str) -> str:
    label = (text or "").strip()
    if len(label) > MAX_LABEL_CHARS or not label.isprintable():
        raise AlarmError(f"label must be one line of at most {MAX_LABEL_CHARS} characters")
    return label
