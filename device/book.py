"""The alarm book: the one place that checks and changes alarms and bedtimes.

The API's handler and the CLI's direct path (no service running) both go through it, so the
same input gets the same one-line error whichever way it came. Every change is one store
transaction and then a call to `on_change` (the service reschedules and re-ticks).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from pathlib import Path
from typing import Any, Callable

from device.alarms import (KINDS, MAX_HOLD_S, MAX_RISE_S, Alarm, AlarmError, Days, Pause, check_label, parse_date,
                           parse_days, parse_span, parse_sunset_offset, parse_time)
from device.controller import FALLBACK_SEQUENCE, Place
from device.store import Store
from device.clock import Clock
from device.occurrences import UTC, Occurrence, overlapping_rise, upcoming
from sequences.catalog import find
from sequences.loader import SequenceLoadError
from sequences.units import format_seconds, show

STORE_FILE = "alarms.db"
SEQUENCE_KIND = {"wake": "wake", "bedtime": "dusk"}
DEFAULT_RISE_S = 1800.0
DEFAULT_HOLD_S = 1800.0
MIN_RISE_S = 60.0
MAX_COUNT = 200
MAX_PAUSE_DAYS = 366  # longer than a year is not a vacation: disable the alarm
MAX_DAYS_AHEAD = 366  # a dated alarm; upcoming() looks 400 days ahead
FROM_YEARS = (1900, 2999)  # `next --from`: room for 400 days of occurrences either way within datetime's years
_NOUN = {"wake": "alarm", "bedtime": "bedtime"}


class NotFound(AlarmError):
    """No alarm (or bedtime) of that id."""


def store_path(home: Path) -> Path:
    """Where the alarms live in a home folder."""
    return home / STORE_FILE



def _serialised(method):
    """One change at a time: its checks see the alarms its write changes."""
    @functools.wraps(method)
    def serialised(self, *args, **kwargs):
        with self._writing:
            return method(self, *args, **kwargs)
    return serialised


class AlarmBook:
    """Validates and applies changes to the alarms in a Store. Thread-safe as the Store is."""

    def __init__(self, store: Store, place: Place, clock: Clock, sequence_dirs: tuple[Path, ...] = (),
                 on_change: Callable[[], None] | None = None):
        self.store = store
        self.place = place
        self.sequence_dirs = tuple(sequence_dirs)
        self.clock = clock
        self.on_change = on_change
        self._writing = threading.RLock()  # a check and the write it allows happen together

    # Reading

    def alarms(self, kind: str | None = None) -> list[Alarm]:
        return [a for a in self.store.alarms() if kind is None or a.kind == kind]

    def get(self, alarm_id: Any, kind: str | None = None) -> Alarm:
        number = _alarm_id(alarm_id)
        alarm = self.store.alarm(number)
        if alarm is None:
            raise NotFound(f"there is no {_NOUN.get(kind or '', 'alarm or bedtime')} {number}")
        if kind is not None and alarm.kind != kind:
            raise NotFound(f"there is no {_NOUN[kind]} {number} ({number} is {_a(_NOUN[alarm.kind])}: "
                           f"emberwake {_NOUN[alarm.kind]} ...)")
        return alarm

    def upcoming(self, count: int = 5, after: dt.datetime | None = None, kind: str | None = None) -> list[Occurrence]:
        if not 1 <= count <= MAX_COUNT:
            raise AlarmError(f"count {count} is outside 1-{MAX_COUNT}")
        return upcoming(self.alarms(kind), self.place.zone, self.place.location, after or self.clock.now(), count)

    def next_one(self, kind: str | None = None) -> Occurrence | None:
        """The next occurrence that will light up (skipped ones passed over)."""
        return next((o for o in self.upcoming(8, kind=kind) if not self.is_skipped(o)), None)

    def is_skipped(self, occurrence: Occurrence) -> bool:
        return self.store.occurrence_state(occurrence.key)[0] == "skipped"

    # Changing

    @_serialised
    def add(self, kind: Any = "wake", time: Any = None, days: Any = None, sequence: Any = None,
            rise: Any = None, hold: Any = None, label: Any = "", enabled: Any = True, on: Any = None) -> Alarm:
        """Check everything, then store a new alarm; AlarmError (one line) changes nothing.
        `days` (default daily) is when it repeats; `on` (a date) makes a one-off instead: it
        fires on that date only, then disables itself."""
        candidate = self._checked(0, kind, time, days, sequence, rise, hold, label, enabled, on)
        self._check_overlap(candidate)
        alarm = self.store.add(candidate)
        self._changed()
        return self.get(alarm.id)  # with the pauses that apply to it

    @_serialised
    def update(self, alarm_id: Any, kind: str | None = None, **changes: Any) -> Alarm:
        """Change some of an alarm's fields (add()'s names; `days` and `on` replace each other);
        the alarm as it would then be is checked exactly as add() checks a new one, and stored
        in one transaction. AlarmError (one line) changes nothing."""
        alarm = self.get(alarm_id, kind)
        fields = {"time": alarm.describe_time(), "days": None if alarm.one_off else str(alarm.days),
                  "on": alarm.days.date.isoformat() if alarm.one_off else None, "sequence": alarm.sequence,
                  "rise": alarm.rise_s, "hold": alarm.hold_s, "label": alarm.label, "enabled": alarm.enabled}
        unknown = sorted(set(changes) - set(fields))
        if unknown:
            raise AlarmError(f"unknown field {show(unknown[0])}")
        if "days" in changes:
            fields["on"] = None
        if "on" in changes:
            fields["days"] = None
        fields.update(changes)
        changed = self._checked(alarm.id, alarm.kind, **fields).with_changes(pauses=alarm.pauses)
        if changed != alarm:
            self._check_overlap(changed)
            self.store.update(changed)
            self._changed()
        return self.get(alarm.id)

    def _checked(self, alarm_id: int, kind: Any, time: Any, days: Any, sequence: Any, rise: Any, hold: Any,
                 label: Any, enabled: Any, on: Any) -> Alarm:
        """The alarm these fields make, each checked; AlarmError naming the first bad one."""
        if kind not in KINDS:
            raise AlarmError(f"kind {show(kind)} is not one of {', '.join(KINDS)}")
        time_text = _text(time, "time")
        after_sunset = None
        if time_text.strip().lower().startswith("sunset"):
            if kind != "bedtime":
                raise AlarmError("only a bedtime can be relative to sunset; an alarm needs a time HH:MM")
            if self.place.location is None:
                raise AlarmError("a bedtime at sunset needs the place: set [location] latitude and longitude "
                                 "in config.toml")
            after_sunset = parse_sunset_offset(time_text)
            at = dt.time(0, 0)
        else:
            at = parse_time(time_text)
        if on is not None and days is not None:
            raise AlarmError("give the days it repeats or the date it happens on, not both")
        if on is not None:
            day_set = Days(date=parse_date(_text(on, "on"), "on"))
        else:
            day_set = parse_days(_text(days, "days")) if days is not None else Days()
        date_field = "on" if on is not None else "days"
        if day_set.date is not None:
            self._not_past(day_set.date, date_field)
        name = self._sequence(kind, FALLBACK_SEQUENCE[kind] if sequence in (None, "") else _text(sequence, "sequence"))
        what = "rise" if kind == "wake" else "duration"
        rise_s = DEFAULT_RISE_S if rise in (None, "") else parse_span(_span(rise, what), what, MAX_RISE_S, MIN_RISE_S)
        if kind == "wake":
            hold_s = DEFAULT_HOLD_S if hold in (None, "") else parse_span(_span(hold, "hold"), "hold", MAX_HOLD_S)
        elif hold not in (None, "", 0):
            raise AlarmError("a bedtime has no hold: its sequence plays for its duration, then ends")
        else:
            hold_s = 0.0
        if not isinstance(enabled, bool):
            raise AlarmError(f"enabled must be true or false, got {show(enabled)}")
        label_text = check_label(_text("" if label is None else label, "label"))  # 0 and false are not text
        candidate = Alarm(alarm_id, kind, at, day_set, name, rise_s, hold_s, label_text, enabled, after_sunset)
        ever = candidate.with_changes(enabled=True)
        today = self.clock.now().astimezone(self.place.zone).date()
        if day_set.date is not None and (day_set.date - today).days > MAX_DAYS_AHEAD:  # beyond what upcoming() sees
            raise AlarmError(f"{date_field} {day_set.date.isoformat()} is more than {MAX_DAYS_AHEAD} days ahead")
        if day_set.date is not None and not upcoming([ever], self.place.zone, self.place.location, self.clock.now(), 1):
            raise AlarmError(f"{date_field} {day_set.date.isoformat()}: {candidate.describe_time()} that day "
                             "is already past")
        return candidate

    @_serialised
    def remove(self, alarm_id: Any, kind: str | None = None) -> Alarm:
        alarm = self.get(alarm_id, kind)
        if not self.store.remove(alarm.id):
            raise NotFound(f"there is no {_NOUN[alarm.kind]} {alarm.id}")
        self._changed()
        return alarm

    @_serialised
    def set_enabled(self, alarm_id: Any, enabled: bool, kind: str | None = None) -> Alarm:
        alarm = self.get(alarm_id, kind)
        changed = alarm.with_changes(enabled=enabled)
        if enabled and not alarm.enabled:
            self._check_overlap(changed)
        if changed != alarm:
            self.store.update(changed)
            self._changed()
        return changed

    @_serialised
    def skip(self, alarm_id: Any, kind: str | None = None) -> Occurrence:
        """Skip the alarm's next occurrence (the one playing now, if its wake time is still to come)."""
        alarm = self.get(alarm_id, kind)
        if not alarm.enabled:
            raise AlarmError(f"{_NOUN[alarm.kind]} {alarm.id} is disabled: there is nothing to skip")
        coming = upcoming([alarm], self.place.zone, self.place.location, self.clock.now(), 1)
        if not coming:
            raise AlarmError(f"{_NOUN[alarm.kind]} {alarm.id} has no coming occurrence to skip")
        occurrence = coming[0]
        if self.store.occurrence_state(occurrence.key)[0] != "skipped":
            self.store.set_occurrence_state(occurrence.key, "skipped")
            self._changed()
        return occurrence

    @_serialised
    def unskip(self, alarm_id: Any, kind: str | None = None) -> Occurrence:
        """Give back the skipped occurrence: the alarm's next (the one `skip` skips)."""
        alarm = self.get(alarm_id, kind)
        coming = upcoming([alarm], self.place.zone, self.place.location, self.clock.now(), 1)
        if not coming or not self.store.clear_skip(coming[0].key):
            raise AlarmError(f"{_NOUN[alarm.kind]} {alarm.id} has no skipped occurrence to give back")
        self._changed()
        return coming[0]

    def pauses(self) -> list[Pause]:
        """The pauses not over yet (the last day today or later)."""
        today = self._today()
        return [pause for pause in self.store.pauses() if pause.last >= today]

    @_serialised
    def pause(self, first: Any, last: Any, alarm_id: Any = None) -> Pause:
        """No wake light from local date `first` to `last` (included), for alarm `alarm_id` or
        (None) every repeating wake alarm; they fire again by themselves after `last`."""
        target = None if alarm_id is None else self.get(alarm_id, "wake").id
        first_day = parse_date(_text(first, "from"), "from")
        last_day = self._not_past(parse_date(_text(last, "to"), "to"), "to")
        if last_day < first_day:
            raise AlarmError(f"to {last_day.isoformat()} is before from {first_day.isoformat()}")
        if (last_day - first_day).days >= MAX_PAUSE_DAYS:
            raise AlarmError(f"to {last_day.isoformat()}: a pause is at most {MAX_PAUSE_DAYS} days "
                             "(to stop an alarm for longer: emberwake alarm disable ID)")
        pause = self.store.add_pause(target, max(first_day, self._today()), last_day)
        self._changed()
        return pause

    @_serialised
    def resume(self, alarm_id: Any = None) -> list[Pause]:
        """End pauses now (and cancel those still to come): every one, or alarm `alarm_id`'s own."""
        target = None if alarm_id is None else self.get(alarm_id, "wake").id
        ending = [p for p in self.pauses() if target is None or p.alarm_id == target]
        if not ending:
            raise AlarmError("nothing is paused" if target is None else
                             f"alarm {target} has no pause of its own to resume")
        self.store.remove_pauses([pause.id for pause in ending])
        self._changed()
        return ending

    def parse_instant(self, text: Any) -> dt.datetime:
        """An ISO time ('2026-03-28T12:00', with or without an offset; without: the configured zone)."""
        try:
            when = dt.datetime.fromisoformat(_text(text, "from").strip())
        except ValueError:
            raise AlarmError(f"from {show(text)} is not an ISO time such as 2026-03-28T12:00") from None
        if not FROM_YEARS[0] <= when.year <= FROM_YEARS[1]:
            raise AlarmError(f"from {show(text)} is outside the years {FROM_YEARS[0]}-{FROM_YEARS[1]}")
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.place.zone)
        return when.astimezone(UTC)

    # JSON (the API's answers; the CLI prints them)

    def alarm_json(self, alarm: Alarm) -> dict:
        coming = upcoming([alarm], self.place.zone, self.place.location, self.clock.now(), 2) if alarm.enabled else []
        skipped = bool(coming) and self.is_skipped(coming[0])
        following = coming[1] if skipped and len(coming) > 1 else (coming[0] if coming and not skipped else None)
        return {"id": alarm.id, "kind": alarm.kind, "time": alarm.describe_time(), "days": str(alarm.days),
                "sequence": alarm.sequence, "rise": format_seconds(alarm.rise_s), "rise_s": alarm.rise_s,
                "hold": format_seconds(alarm.hold_s), "hold_s": alarm.hold_s, "label": alarm.label,
                "enabled": alarm.enabled, "on": alarm.days.date.isoformat() if alarm.one_off else None,
                "paused": [self.pause_json(p) for p in alarm.pauses if p.last >= self._today()],
                "skipped": self._local(coming[0].at).isoformat() if skipped else None,
                "next": self._local(following.at).isoformat() if following else None}

    def occurrence_json(self, occurrence: Occurrence) -> dict:
        alarm = occurrence.alarm
        return {"id": alarm.id, "kind": alarm.kind, "label": alarm.label, "sequence": alarm.sequence,
                "day": occurrence.day.isoformat(), "at": self._local(occurrence.at).isoformat(),
                "start": self._local(occurrence.start).isoformat(), "end": self._local(occurrence.end).isoformat(),
                "skipped": self.is_skipped(occurrence)}

    @staticmethod
    def pause_json(pause: Pause) -> dict:
        return {"id": pause.id, "alarm": pause.alarm_id, "from": pause.first.isoformat(),
                "to": pause.last.isoformat()}

    def _local(self, when: dt.datetime) -> dt.datetime:
        return when.astimezone(self.place.zone)

    def _today(self) -> dt.date:
        return self.clock.now().astimezone(self.place.zone).date()

    # Checks

    def _sequence(self, kind: str, name: str) -> str:
        try:
            sequence = find(name, self.sequence_dirs)
        except SequenceLoadError as error:
            raise AlarmError(f"sequence {show(name)}: {error.problems[0].message}") from None
        wanted = SEQUENCE_KIND[kind]
        if sequence.kind != wanted:
            hint = ("play it with: emberwake play-now " + name if sequence.kind == "ambient"
                    else f"{_a(kind)} needs {_a(wanted)} sequence")
            raise AlarmError(f"sequence {show(name)} is {_a(sequence.kind)} sequence, not {_a(wanted)} one "
                             f"({hint}; 'emberwake list' shows each kind)")
        return name

    def _not_past(self, day: dt.date, what: str) -> dt.date:
        """`day` if it is today or later; else the error names the field `what`."""
        if day < self._today():
            raise AlarmError(f"{what} {day.isoformat()} is in the past (today is {self._today().isoformat()})")
        return day

    def _check_overlap(self, candidate: Alarm) -> None:
        now = self.clock.now()
        today = now.astimezone(self.place.zone).date()
        dated = [a.days.date for a in (candidate, *self.store.alarms()) if a.days.date]
        days = min(400, max([14] + [(d - today).days + 2 for d in dated]))
        clash = overlapping_rise(candidate, self.store.alarms(), self.place.zone, self.place.location, now, days)
        if clash is None:
            return
        mine, theirs = clash
        local = self._local
        raise AlarmError(
            f"the rise of {format_seconds(candidate.rise_s)} from {local(mine.start):%H:%M} to "
            f"{local(mine.at):%H:%M} on {mine.day:%a %Y-%m-%d} overlaps alarm {theirs.alarm.id}'s "
            f"({local(theirs.start):%H:%M}-{local(theirs.at):%H:%M}); shorten a rise or move an alarm")

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise AlarmError(f"{what} must be text, got {show(value)}")
    return value


def _span(value: Any, what: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise AlarmError(f"{what} must be a duration such as '30m', got {show(value)}")
    return value


def _alarm_id(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:  # not "²"
        number = int(value)
    else:
        raise NotFound(f"{show(value)} is not an alarm number (see: emberwake alarm list)")
    return number


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word
