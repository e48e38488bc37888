"""When each alarm happens: its occurrences as instants in UTC, one per local day at most.

Daylight-saving time, the rule (the same as Python's zoneinfo with fold=0):
- a wake time that does not exist on the day the clocks go forward (02:30 in the gap from
  02:00 to 03:00) happens that many minutes after the gap begins, by the old offset: 03:30;
- a wake time that happens twice on the day the clocks go back (02:30 between 03:00 and 02:00)
  happens at the first of the two, in summer time.
Either way an alarm happens exactly once on each of its days, because an occurrence is keyed
by its alarm and local date: the store remembers what each key has done. A paused local date
(Alarm.pauses) has no occurrence, so nothing here, in the controller or in the timers sees it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from device.alarms import Alarm
from device.clock import UTC


@dataclass(frozen=True)
class Location:
    """Where the device is, for sunset times: degrees north and east."""

    latitude: float
    longitude: float


@dataclass(frozen=True)
class Occurrence:
    """One day's firing of an alarm. `at` is the wake time (a bedtime's start); the sequence
    plays from `start` and the light is done at `end` (all UTC)."""

    alarm: Alarm
    day: dt.date
    at: dt.datetime
    start: dt.datetime
    end: dt.datetime

    @property
    def key(self) -> tuple[int, str]:
        return (self.alarm.id, self.day.isoformat())

    def offset_s(self, now: dt.datetime) -> float:
        """Seconds into the sequence at `now`."""
        return (now - self.start).total_seconds()


def local_instant(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local wall time on a day, by the rule in this module's docstring."""
    return dt.datetime.combine(day, time).replace(tzinfo=zone, fold=0).astimezone(UTC)


def sunset(day: dt.date, zone: ZoneInfo, location: Location) -> dt.datetime | None:
    """Local sunset on `day` as a UTC instant; None where the sun does not set (polar summer)."""
    from astral import Observer
    from astral.sun import sunset as astral_sunset
    try:
        return astral_sunset(Observer(location.latitude, location.longitude), date=day, tzinfo=zone).astimezone(UTC)
    except ValueError:
        return None


def occurrence_on(alarm: Alarm, day: dt.date, zone: ZoneInfo, location: Location | None) -> Occurrence | None:
    """The alarm's occurrence on local `day`, or None if it has none that day (or is paused)."""
    if not alarm.days.includes(day) or alarm.paused_on(day):
        return None
    if alarm.after_sunset is not None:
        if location is None:
            return None
        sun_down = sunset(day, zone, location)
        if sun_down is None:
            return None
        at = sun_down + alarm.after_sunset
    else:
        at = local_instant(day, alarm.time, zone)
    seconds = dt.timedelta(seconds=1)
    if alarm.kind == "wake":
        return Occurrence(alarm, day, at, at - alarm.rise_s * seconds, at + alarm.hold_s * seconds)
    return Occurrence(alarm, day, at, at, at + alarm.rise_s * seconds)


def occurrences_between(alarm: Alarm, zone: ZoneInfo, location: Location | None,
                        begin: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """Occurrences whose light overlaps [begin, end), in time order."""
    first = begin.astimezone(zone).date() - dt.timedelta(days=1)  # a rise can start the day before
    last = end.astimezone(zone).date() + dt.timedelta(days=1)
    found = []
    day = first
    while day <= last:
        occurrence = occurrence_on(alarm, day, zone, location)
        if occurrence and occurrence.end > begin and occurrence.start < end:
            found.append(occurrence)
        day += dt.timedelta(days=1)
    return found


def active_at(alarm: Alarm, zone: ZoneInfo, location: Location | None, now: dt.datetime) -> Occurrence | None:
    """The occurrence whose light is on at `now` (start <= now < end), if any."""
    for occurrence in occurrences_between(alarm, zone, location, now, now + dt.timedelta(microseconds=1)):
        if occurrence.start <= now < occurrence.end:
            return occurrence
    return None


def upcoming(alarms: list[Alarm], zone: ZoneInfo, location: Location | None, after: dt.datetime,
             count: int, horizon_days: int = 400) -> list[Occurrence]:
    """The next `count` occurrences (by wake time) of enabled alarms with `at` after `after`."""
    found: list[Occurrence] = []
    day = after.astimezone(zone).date() - dt.timedelta(days=1)
    for _ in range(horizon_days):
        for alarm in alarms:
            if alarm.enabled:
                occurrence = occurrence_on(alarm, day, zone, location)
                if occurrence and occurrence.at > after:
                    found.append(occurrence)
        if len(found) >= count:
            found.sort(key=lambda o: (o.at, o.alarm.id))
            if found[count - 1].at.astimezone(zone).date() < day - dt.timedelta(days=1):
                break  # nothing later can come before the ones found
        day += dt.timedelta(days=1)
    return sorted(found, key=lambda o: (o.at, o.alarm.id))[:count]


def overlapping_rise(candidate: Alarm, others: list[Alarm], zone: ZoneInfo, location: Location | None,
                     now: dt.datetime, days: int = 14) -> tuple[Occurrence, Occurrence] | None:
    """A pair of wake occurrences in the next `days` whose rises overlap, if any.

    Two sunrises cannot share the ring: a rise longer than the gap to the alarm before is refused.
    """
    if candidate.kind != "wake" or not candidate.enabled:
        return None
    end = now + dt.timedelta(days=days)
    mine = occurrences_between(candidate, zone, location, now, end)
    for other in others:
        if other.id == candidate.id or other.kind != "wake" or not other.enabled:
            continue
        for theirs in occurrences_between(other, zone, location, now, end):
            for occurrence in mine:
                if occurrence.start < theirs.at and theirs.start < occurrence.at:
                    return occurrence, theirs
    return None
