"""Occurrences across daylight-saving changes: exactly once a day, at the documented rule."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from device.alarms import Alarm, AlarmError, parse_days, parse_sunset_offset, parse_time
from device.occurrences import UTC, Location, local_instant, occurrence_on, overlapping_rise, upcoming


def alarm(time="06:00", days="daily", rise_s=1800.0, alarm_id=1, kind="wake", after_sunset=None):
    return Alarm(alarm_id, kind, parse_time(time), parse_days(days), "storm-to-firelight", rise_s, 1800.0,
                 after_sunset=after_sunset)


def utc(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("zone, day, time, expected_utc", [
    # Spring forward: 02:30 does not exist; it happens as 03:30 summer time.
    ("Europe/Berlin", "2026-03-29", "02:30", "2026-03-29T01:30"),
    ("America/New_York", "2026-03-08", "02:30", "2026-03-08T07:30"),
    # Fall back: 02:30 (Berlin) and 01:30 (New York) happen twice; the first, summer time, counts.
    ("Europe/Berlin", "2026-10-25", "02:30", "2026-10-25T00:30"),
    ("America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30"),
    # Ordinary days either side.
    ("Europe/Berlin", "2026-03-28", "02:30", "2026-03-28T01:30"),
    ("Europe/Berlin", "2026-03-30", "02:30", "2026-03-30T00:30"),
    ("America/New_York", "2026-11-02", "01:30", "2026-11-02T06:30"),
])
def test_the_dst_rule(zone, day, time, expected_utc):
    assert local_instant(dt.date.fromisoformat(day), parse_time(time), ZoneInfo(zone)) == utc(expected_utc)


@pytest.mark.parametrize("zone, first_day", [("Europe/Berlin", "2026-03-27"), ("Europe/Berlin", "2026-10-23"),
                                             ("America/New_York", "2026-03-06"), ("America/New_York", "2026-10-30")])
@pytest.mark.parametrize("time", ["00:30", "01:30", "02:00", "02:30", "02:59", "03:00", "06:45"])
def test_exactly_one_occurrence_a_day_across_the_change(zone, first_day, time):
    start = dt.datetime.fromisoformat(first_day).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    found = upcoming([alarm(time)], ZoneInfo(zone), None, start, 5)
    days = [o.day for o in found]
    assert days == [dt.date.fromisoformat(first_day) + dt.timedelta(days=i) for i in range(5)]
    assert all(b.at - a.at >= dt.timedelta(hours=23) for a, b in zip(found, found[1:]))


def test_rise_starts_before_the_wake_time_and_hold_ends_after():
    occurrence = occurrence_on(alarm("06:00", rise_s=2700), dt.date(2026, 11, 23), ZoneInfo("Europe/Berlin"), None)
    assert occurrence.at == utc("2026-11-23T05:00")
    assert occurrence.start == utc("2026-11-23T04:15") and occurrence.end == utc("2026-11-23T05:30")


def test_days_and_single_dates():
    zone = ZoneInfo("Europe/Berlin")
    weekdays = upcoming([alarm(days="weekdays")], zone, None, utc("2026-11-20T12:00"), 5)  # a Friday
    assert [o.day.weekday() for o in weekdays] == [0, 1, 2, 3, 4]
    once = upcoming([alarm(days="2026-12-24")], zone, None, utc("2026-11-20T12:00"), 3)
    assert [o.day for o in once] == [dt.date(2026, 12, 24)]


def test_bedtime_relative_to_sunset():
    berlin = Location(52.52, 13.40)
    bedtime = alarm(kind="bedtime", after_sunset=parse_sunset_offset("sunset+30m"))
    june = occurrence_on(bedtime, dt.date(2026, 6, 21), ZoneInfo("Europe/Berlin"), berlin)
    assert june.at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") in ("22:02", "22:03")
    assert june.end - june.start == dt.timedelta(seconds=1800)
    tromso_midsummer = occurrence_on(bedtime, dt.date(2026, 6, 21), ZoneInfo("Europe/Oslo"), Location(69.65, 18.96))
    assert tromso_midsummer is None  # the sun does not set: no sunset bedtime that day


def test_rises_that_overlap_are_found():
    zone = ZoneInfo("Europe/Berlin")
    first, second = alarm("06:00", alarm_id=1), alarm("06:20", rise_s=1800, alarm_id=2)
    assert overlapping_rise(second, [first], zone, None, utc("2026-11-22T00:00")) is not None
    assert overlapping_rise(alarm("07:00", alarm_id=3), [first], zone, None, utc("2026-11-22T00:00")) is None


@pytest.mark.parametrize("text", ["25:00", "7.30", "noon", "12:60", ""])
def test_impossible_times_are_refused_in_one_line(text):
    with pytest.raises(AlarmError) as caught:
        parse_time(text)
    assert "\n" not in str(caught.value)


def test_day_specs():
    assert parse_days("mon,wed,fri").weekdays == {0, 2, 4}
    assert parse_days("fri-mon").weekdays == {4, 5, 6, 0}
    assert str(parse_days("sat,sun")) == "weekends"
    with pytest.raises(AlarmError, match="funday"):
        parse_days("funday")
    with pytest.raises(AlarmError, match="does not exist"):
        parse_days("2026-02-30")
