"""device.book.AlarmBook on a Store and a far-date ManualClock: what it accepts, the one line it
gives for each bad input (changing nothing), overlaps, enable/disable, skip, the order of what
is coming across a DST change, bedtimes at sunset, on_change, and the JSON forms.

The clock (tests.device.service.conftest) stands at 04:00 on Monday 2026-11-23 in Berlin, shifted by
`years` whole 28-year cycles."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from device.alarms import AlarmError, Days
from device.book import DEFAULT_HOLD_S, DEFAULT_RISE_S, MAX_COUNT, AlarmBook, NotFound
from device.clock import ManualClock
from device.controller import Place
from device.occurrences import sunset
from tests.dates import local, shifted
from tests.device.conftest import BERLIN, BERLIN_LOCATION

UTC = dt.timezone.utc


def rows(book) -> tuple[list, list, list]:
    """Everything the store holds, read behind its back."""
    with sqlite3.connect(book.store.path) as db:
        return tuple(db.execute(f"SELECT * FROM {table}").fetchall() for table in ("alarms", "occurrences", "meta"))


def at(years: int, text: str) -> dt.datetime:
    """A Berlin wall time written for 2026, shifted: the instant an occurrence should have."""
    return local(text, "Europe/Berlin", years)


def book_at(store, when: dt.datetime, location=None) -> AlarmBook:
    """A Berlin book on a clock standing at `when`."""
    return AlarmBook(store, Place(BERLIN, location, False), ManualClock(when))


# Adding: every accepted form

ACCEPTED = [  # (add's arguments, the fields expected; days as str(Days))
    ({"time": "07:30"}, {"time": dt.time(7, 30), "days": "daily", "sequence": "storm-to-firelight",
                         "rise_s": DEFAULT_RISE_S, "hold_s": DEFAULT_HOLD_S, "label": "", "enabled": True}),
    ({"time": " 7:05 "}, {"time": dt.time(7, 5)}),
    ({"time": "00:00"}, {"time": dt.time(0, 0)}),
    ({"time": "23:59"}, {"time": dt.time(23, 59)}),
    ({"time": "07:00", "days": "weekdays"}, {"days": "weekdays"}),
    ({"time": "07:00", "days": "Weekends"}, {"days": "weekends"}),
    ({"time": "07:00", "days": "mon,wed,fri"}, {"days": "mon,wed,fri"}),
    ({"time": "07:00", "days": "tuesday, thursday"}, {"days": "tue,thu"}),
    ({"time": "07:00", "days": "mon-fri"}, {"days": "weekdays"}),
    ({"time": "07:00", "days": "fri-mon"}, {"days": "mon,fri,sat,sun"}),  # a range may wrap past Sunday
    ({"time": "07:00", "days": None}, {"days": "daily"}),
    ({"time": "07:00", "days": "DATE:2026-12-24"}, {"days": "DATE:2026-12-24"}),
    ({"time": "07:00", "sequence": "lavender-dawn"}, {"sequence": "lavender-dawn"}),
    ({"time": "07:00", "sequence": ""}, {"sequence": "storm-to-firelight"}),
    ({"time": "07:00", "sequence": None}, {"sequence": "storm-to-firelight"}),
    ({"time": "07:00", "rise": "45m"}, {"rise_s": 2700.0}),
    ({"time": "07:00", "rise": "45:00"}, {"rise_s": 2700.0}),
    ({"time": "07:00", "rise": "1h30m"}, {"rise_s": 5400.0}),
    ({"time": "07:00", "rise": 600}, {"rise_s": 600.0}),
    ({"time": "07:00", "rise": 90.5}, {"rise_s": 90.5}),
    ({"time": "07:00", "rise": "1m"}, {"rise_s": 60.0}),  # the shortest rise
    ({"time": "07:00", "rise": "3h"}, {"rise_s": 10800.0}),  # the longest
    ({"time": "07:00", "rise": ""}, {"rise_s": DEFAULT_RISE_S}),
    ({"time": "07:00", "hold": 0}, {"hold_s": 0.0}),
    ({"time": "07:00", "hold": "0s"}, {"hold_s": 0.0}),
    ({"time": "07:00", "hold": "4h"}, {"hold_s": 14400.0}),
    ({"time": "07:00", "hold": None}, {"hold_s": DEFAULT_HOLD_S}),
    ({"time": "07:00", "label": "  work days  "}, {"label": "work days"}),
    ({"time": "07:00", "label": "x" * 60}, {"label": "x" * 60}),
    ({"time": "07:00", "label": None}, {"label": ""}),
    ({"time": "07:00", "enabled": False}, {"enabled": False}),
    ({"kind": "bedtime", "time": "22:30"}, {"kind": "bedtime", "time": dt.time(22, 30), "sequence": "tend-the-flame",
                                            "rise_s": DEFAULT_RISE_S, "hold_s": 0.0}),
    ({"kind": "bedtime", "time": "22:30", "rise": "20m", "hold": 0}, {"rise_s": 1200.0, "hold_s": 0.0}),
    ({"kind": "bedtime", "time": "22:30", "hold": ""}, {"hold_s": 0.0}),
]


def dated(arguments: dict, years: int) -> dict:
    """The arguments with each "DATE:2026-..." written for the shifted year."""
    return {k: shifted(v[5:], years) if isinstance(v, str) and v.startswith("DATE:") else v
            for k, v in arguments.items()}


def test_every_accepted_form_is_stored_as_meant(book, changes, years):
    # One book for the whole table (a fresh store costs tens of ms of fsync): each alarm is
    # removed again once checked, so that none overlaps the next.
    for arguments, expected in ACCEPTED:
        alarm = book.add(**dated(arguments, years))
        fields = {"kind": alarm.kind, "time": alarm.time, "days": str(alarm.days), "sequence": alarm.sequence,
                  "rise_s": alarm.rise_s, "hold_s": alarm.hold_s, "label": alarm.label, "enabled": alarm.enabled}
        wanted = dated(expected, years)
        assert {k: fields[k] for k in wanted} == wanted, arguments
        assert alarm.after_sunset is None
        assert book.store.alarms() == [alarm], arguments
        book.remove(alarm.id)
    assert changes.count == 2 * len(ACCEPTED)


def test_a_date_today_later_than_now_is_accepted(book, years):
    alarm = book.add(time="06:00", days=shifted("2026-11-23", years))
    assert alarm.days == Days(date=dt.date(2026 + years, 11, 23))
    assert [o.at for o in book.upcoming()] == [at(years, "2026-11-23T06:00")]


# Adding: each kind of bad input, one line, nothing changed

REFUSED = [  # (add's arguments, what the one line says)
    ({"kind": "nap", "time": "07:00"}, "kind 'nap' is not one of wake, bedtime"),
    ({"kind": None, "time": "07:00"}, "kind None is not one of wake, bedtime"),
    ({"kind": ["wake"], "time": "07:00"}, "kind ['wake'] is not one of"),
    ({}, "time must be text, got None"),
    ({"time": 730}, "time must be text, got 730"),
    ({"time": "7.30"}, "time '7.30' is not HH:MM"),
    ({"time": "noon"}, "time 'noon' is not HH:MM"),
    ({"time": "25:00"}, "time '25:00' does not exist"),
    ({"time": "07:60"}, "time '07:60' does not exist"),
    ({"time": "sunset"}, "only a bedtime can be relative to sunset"),
    ({"kind": "bedtime", "time": "sunset+30m"}, "a bedtime at sunset needs the place"),
    ({"time": "07:00", "days": ""}, "days '' names no day"),
    ({"time": "07:00", "days": "mon,funday"}, "'funday' is not a day; did you mean 'sunday'?"),
    ({"time": "07:00", "days": 5}, "days must be text, got 5"),
    ({"time": "07:00", "days": "DATE:2026-02-30"}, "does not exist"),
    ({"time": "07:00", "days": "DATE:2026-11-22"}, "is in the past"),
    ({"time": "03:59", "days": "DATE:2026-11-23"}, "03:59 that day is already past"),
    ({"time": "04:00", "days": "DATE:2026-11-23"}, "04:00 that day is already past"),  # now is not still to come
    ({"time": "07:00", "sequence": "no-such-sequence"}, "sequence 'no-such-sequence': no sequence of that name"),
    ({"time": "07:00", "sequence": "lavendr-dawn"}, "did you mean 'lavender-dawn'?"),
    ({"time": "07:00", "sequence": "breathe"}, "is an ambient sequence, not a wake one (play it with: emberwake"),
    ({"time": "07:00", "sequence": "tend-the-flame"}, "is a dusk sequence, not a wake one (a wake needs a wake"),
    ({"kind": "bedtime", "time": "22:00", "sequence": "lavender-dawn"}, "is a wake sequence, not a dusk one"),
    ({"time": "07:00", "sequence": 7}, "sequence must be text, got 7"),
    ({"time": "07:00", "rise": "59s"}, "rise 59s is outside 1m-3h"),
    ({"time": "07:00", "rise": "3h1m"}, "rise 3h1m is outside 1m-3h"),
    ({"time": "07:00", "rise": 0}, "is outside"),
    ({"time": "07:00", "rise": -600}, "rise: duration -600 is negative"),
    ({"time": "07:00", "rise": "soon"}, "rise: "),
    ({"time": "07:00", "rise": float("nan")}, "rise: duration nan is not a number"),
    ({"time": "07:00", "rise": float("inf")}, "longer than 24 hours"),
    ({"time": "07:00", "rise": True}, "rise must be a duration such as '30m', got True"),
    ({"time": "07:00", "rise": [30]}, "rise must be a duration such as '30m', got [30]"),
    ({"time": "07:00", "hold": "4h1m"}, "hold 4h1m is outside 0s-4h"),
    ({"time": "07:00", "hold": False}, "hold must be a duration such as '30m', got False"),
    ({"time": "07:00", "hold": {"m": 5}}, "hold must be a duration"),
    ({"kind": "bedtime", "time": "22:00", "hold": "10m"}, "a bedtime has no hold"),
    ({"kind": "bedtime", "time": "22:00", "rise": "59s"}, "duration 59s is outside"),
    ({"time": "07:00", "label": "x" * 61}, "label must be one line of at most 60 characters"),
    ({"time": "07:00", "label": "two\nlines"}, "label must be one line"),
    ({"time": "07:00", "label": 5}, "label must be text, got 5"),
    ({"time": "07:00", "label": 0}, "label must be text, got 0"),
    ({"time": "07:00", "label": False}, "label must be text, got False"),
    ({"time": "07:00", "enabled": "yes"}, "enabled must be true or false, got 'yes'"),
    ({"time": "07:00", "enabled": 1}, "enabled must be true or false, got 1"),
]


def test_each_bad_input_gets_its_one_line_and_changes_nothing(book, changes, years):
    book.add(time="12:00", label="already there")  # each refused add must leave this as it was
    changes.count = 0
    before = rows(book)
    for arguments, message in REFUSED:
        with pytest.raises(AlarmError) as refused:
            book.add(**dated(arguments, years))
        text = str(refused.value)
        assert message in text and "\n" not in text, (arguments, text)
        assert rows(book) == before, arguments
    assert changes.count == 0


def test_a_sunset_offset_beyond_six_hours_is_refused(sunset_book, changes):
    with pytest.raises(AlarmError, match=r"^sunset offset '7h' is more than 6 hours$"):
        sunset_book.add(kind="bedtime", time="sunset+7h")
    with pytest.raises(AlarmError, match=r"^'sunset\*2' is not 'sunset', 'sunset\+30m' or 'sunset-1h'$"):
        sunset_book.add(kind="bedtime", time="sunset*2")
    assert sunset_book.alarms() == [] and changes.count == 0


# Overlaps

def test_a_rise_that_overlaps_another_alarms_is_refused(book, changes, years):
    first = book.add(time="07:00", rise="30m")
    before = rows(book)
    with pytest.raises(AlarmError) as refused:
        book.add(time="07:20", rise="30m")
    assert str(refused.value) == (
        f"the rise of 30m from 06:50 to 07:20 on Mon {2026 + years}-11-23 overlaps alarm {first.id}'s "
        f"(06:30-07:00); shorten a rise or move an alarm")
    assert rows(book) == before and changes.count == 1
    book.add(time="07:30", rise="30m")  # starting as the other wakes is no overlap
    book.add(time="06:30", rise="30m", days="sat")  # nor ending as the other starts
    assert len(book.alarms()) == 3


def test_a_dated_alarm_far_ahead_is_checked_against_the_repeating_ones(book, years):
    book.add(time="07:00", days="fri", rise="30m")
    with pytest.raises(AlarmError, match="overlaps alarm"):
        book.add(time="07:15", days=shifted("2027-02-26", years), rise="20m")  # a Friday, 95 days on


def test_bedtimes_and_disabled_alarms_never_overlap_but_enabling_checks(book, changes):
    book.add(kind="bedtime", time="06:45", rise="1h")
    off = book.add(time="07:10", rise="30m", enabled=False)
    on = book.add(time="07:00", rise="30m")
    changes.count = 0
    before = rows(book)
    with pytest.raises(AlarmError, match=f"overlaps alarm {on.id}'s"):
        book.set_enabled(off.id, True)
    assert rows(book) == before and changes.count == 0


# Enable, disable, remove, get

def test_enable_and_disable_change_the_store_once_each(book, changes):
    alarm = book.add(time="07:00")
    changes.count = 0
    assert book.set_enabled(alarm.id, False) == alarm.with_changes(enabled=False)
    assert book.get(alarm.id).enabled is False and changes.count == 1
    assert book.set_enabled(str(alarm.id), False).enabled is False  # already off: no change, no call
    assert changes.count == 1
    assert book.set_enabled(alarm.id, True) == alarm
    assert book.get(alarm.id) == alarm and changes.count == 2


def test_a_disabled_alarm_has_no_coming_occurrence(book):
    alarm = book.add(time="07:00", enabled=False)
    assert book.upcoming() == [] and book.next_one() is None
    assert book.alarm_json(alarm)["next"] is None


@pytest.mark.parametrize("ident, message", [
    (99, "there is no alarm or bedtime 99"),
    ("99", "there is no alarm or bedtime 99"),
    ("abc", "'abc' is not an alarm number (see: emberwake alarm list)"),
    ("-1", "'-1' is not an alarm number"),
    ("1.0", "'1.0' is not an alarm number"),
    (True, "True is not an alarm number"),
    (None, "None is not an alarm number"),
    ("9" * 12, "is not an alarm number"),
    ("²", "'²' is not an alarm number"),  # str.isdigit says yes; int() says no
])
def test_an_unknown_or_malformed_id_is_not_found_and_changes_nothing(book, changes, ident, message):
    book.add(time="07:00")
    changes.count = 0
    before = rows(book)
    for change in (book.get, book.remove, book.skip, lambda i: book.set_enabled(i, False)):
        with pytest.raises(NotFound) as refused:
            change(ident)
        assert message in str(refused.value)
    assert rows(book) == before and changes.count == 0


def test_an_id_of_the_other_kind_is_not_found_and_says_what_it_is(book, changes):
    alarm = book.add(time="07:00")
    bedtime = book.add(kind="bedtime", time="22:00")
    changes.count = 0
    with pytest.raises(NotFound, match=rf"^there is no bedtime {alarm.id} \({alarm.id} is an alarm: emberwake alarm"):
        book.remove(alarm.id, "bedtime")
    with pytest.raises(NotFound, match=rf"^there is no alarm {bedtime.id} \({bedtime.id} is a bedtime"):
        book.set_enabled(bedtime.id, False, "wake")
    assert book.alarms() == [alarm, bedtime] and changes.count == 0
    assert book.alarms("wake") == [alarm] and book.alarms("bedtime") == [bedtime]


def test_remove_takes_the_alarm_and_its_occurrence_states(book, changes, years):
    alarm = book.add(time="07:00")
    book.skip(alarm.id)
    changes.count = 0
    assert book.remove(alarm.id, "wake") == alarm
    assert rows(book)[:2] == ([], []) and changes.count == 1
    with pytest.raises(NotFound):
        book.remove(alarm.id)
    assert changes.count == 1


# Skip

def test_skip_passes_over_the_next_occurrence_only(book, changes, years):
    alarm = book.add(time="07:00", days="weekdays")
    changes.count = 0
    skipped = book.skip(alarm.id)
    assert skipped.at == at(years, "2026-11-23T07:00") and changes.count == 1
    assert book.store.occurrence_state(skipped.key) == ("skipped", None)
    assert book.next_one().at == at(years, "2026-11-24T07:00")
    coming = book.upcoming(3)
    assert [book.is_skipped(o) for o in coming] == [True, False, False]  # upcoming still lists it
    json = book.alarm_json(alarm)
    assert json["skipped"] == at(years, "2026-11-23T07:00").isoformat()
    assert json["next"] == at(years, "2026-11-24T07:00").isoformat()
    assert book.skip(alarm.id) == skipped and changes.count == 1  # again: the same one, nothing new


def test_skip_during_the_rise_skips_the_one_playing(book, clock, years):
    alarm = book.add(time="07:00", rise="30m")
    clock.advance_to(at(years, "2026-11-23T06:45"))
    assert book.skip(alarm.id).day == dt.date(2026 + years, 11, 23)
    clock.advance_to(at(years, "2026-11-23T07:00"))  # its wake time has come: the next day's is next
    assert book.skip(alarm.id).day == dt.date(2026 + years, 11, 24)


def test_skip_refuses_a_disabled_alarm_and_one_with_nothing_to_come(book, clock, changes, years):
    off = book.add(time="07:00", enabled=False)
    once = book.add(time="08:00", days=shifted("2026-11-23", years))
    changes.count = 0
    with pytest.raises(AlarmError, match=f"^alarm {off.id} is disabled: there is nothing to skip$"):
        book.skip(off.id)
    clock.advance_to(at(years, "2026-11-23T09:00"))
    with pytest.raises(AlarmError, match=f"^alarm {once.id} has no coming occurrence to skip$"):
        book.skip(once.id)
    assert rows(book)[1] == [] and changes.count == 0


# What is coming, in order, across DST

def test_upcoming_is_in_time_order_then_by_id_and_filters_by_kind(book, years):
    late = book.add(time="07:00", days="weekdays", rise="10m")
    early = book.add(time="06:00", days="tue", rise="10m")
    book.add(time="07:00", days="mon", rise="10m", enabled=False)  # disabled: never listed
    bedtime = book.add(kind="bedtime", time="22:00", days="mon")
    coming = book.upcoming(5)
    assert [(o.alarm.id, o.at) for o in coming] == [
        (late.id, at(years, "2026-11-23T07:00")), (bedtime.id, at(years, "2026-11-23T22:00")),
        (early.id, at(years, "2026-11-24T06:00")), (late.id, at(years, "2026-11-24T07:00")),
        (late.id, at(years, "2026-11-25T07:00"))]
    assert [o.alarm.id for o in book.upcoming(2, kind="bedtime")] == [bedtime.id, bedtime.id]
    after = at(years, "2026-11-24T06:00").astimezone(UTC)  # strictly after: that one is not listed
    assert book.upcoming(1, after=after)[0].at == at(years, "2026-11-24T07:00")
    assert book.next_one("wake").alarm == late


@pytest.mark.parametrize("count", [0, -1, MAX_COUNT + 1])
def test_a_count_outside_its_range_is_refused(book, count):
    with pytest.raises(AlarmError, match=f"^count {count} is outside 1-{MAX_COUNT}$"):
        book.upcoming(count)


def test_a_count_at_its_limits_is_answered(book):
    book.add(time="07:00")
    assert len(book.upcoming(1)) == 1 and len(book.upcoming(MAX_COUNT)) == MAX_COUNT


@pytest.fixture
def spring(store, years):
    """A Berlin book at noon on Friday 2026-03-27, two days before the clocks go forward."""
    return book_at(store, at(years, "2026-03-27T12:00"))


def test_the_same_wall_time_across_the_spring_change_moves_in_utc(spring, years):
    spring.add(time="07:00", rise="10m")
    coming = spring.upcoming(3)
    assert [o.at.astimezone(BERLIN).strftime("%H:%M %z") for o in coming] == \
        ["07:00 +0100", "07:00 +0200", "07:00 +0200"]  # Sat 28th CET; Sun 29th on, CEST
    assert [o.at.hour for o in coming] == [6, 5, 5]  # in UTC
    assert [o.start.astimezone(BERLIN).strftime("%H:%M") for o in coming] == ["06:50"] * 3
    assert [spring.occurrence_json(o)["at"] for o in coming] == [
        shifted("2026-03-28T07:00:00+01:00", years), shifted("2026-03-29T07:00:00+02:00", years),
        shifted("2026-03-30T07:00:00+02:00", years)]


def test_a_time_in_the_spring_gap_happens_once_an_hour_later(spring, years):
    spring.add(time="02:30", rise="10m")
    coming = spring.upcoming(3)
    assert [spring.occurrence_json(o)["at"] for o in coming] == [
        shifted("2026-03-28T02:30:00+01:00", years), shifted("2026-03-29T03:30:00+02:00", years),
        shifted("2026-03-30T02:30:00+02:00", years)]
    assert [o.day.day for o in coming] == [28, 29, 30]


def test_a_time_that_happens_twice_in_autumn_happens_once_the_first_time(store, years):
    book = book_at(store, at(years, "2026-10-24T12:00"))  # the clocks go back on Sunday the 25th
    book.add(time="02:30", rise="10m")
    coming = book.upcoming(3)
    assert [book.occurrence_json(o)["at"] for o in coming] == [
        shifted("2026-10-25T02:30:00+02:00", years), shifted("2026-10-26T02:30:00+01:00", years),
        shifted("2026-10-27T02:30:00+01:00", years)]  # the 25th: the first 02:30, in summer time
    assert (coming[1].at - coming[0].at) == dt.timedelta(hours=25)


def test_next_from_a_given_instant_reads_it_in_the_configured_zone(book, years):
    book.add(time="07:00")
    after = book.parse_instant(shifted("2026-03-29T06:59", years))  # no offset: Berlin, summer time
    assert after == at(years, "2026-03-29T06:59").astimezone(UTC) and after.utcoffset() == dt.timedelta(0)
    assert book.upcoming(1, after)[0].at == at(years, "2026-03-29T07:00")
    assert book.parse_instant(shifted("2026-03-29T06:59+00:00", years)) == \
        dt.datetime(2026 + years, 3, 29, 6, 59, tzinfo=UTC)
    for bad in ("tomorrow", "", "2026-13-01T00:00"):
        with pytest.raises(AlarmError, match=r"^from .* is not an ISO time such as 2026-03-28T12:00$"):
            book.parse_instant(bad)
    with pytest.raises(AlarmError, match="^from 5 is not an ISO time"):
        book.parse_instant(5)


# Bedtimes at sunset

def test_a_bedtime_at_sunset_follows_the_sun_at_the_place(sunset_book, years):
    bedtime = sunset_book.add(kind="bedtime", time="sunset+30m", rise="45m")
    assert bedtime.after_sunset == dt.timedelta(minutes=30) and bedtime.describe_time() == "sunset+30m"
    before = sunset_book.add(kind="bedtime", time="Sunset-1h", days="sat")
    assert before.describe_time() == "sunset-60m"
    assert sunset_book.add(kind="bedtime", time="sunset", days="sun").describe_time() == "sunset"
    first = sunset_book.upcoming(1, kind="bedtime")[0]
    day = dt.date(2026 + years, 11, 23)
    assert first.alarm == bedtime and first.day == day
    assert first.at == sunset(day, BERLIN, BERLIN_LOCATION) + dt.timedelta(minutes=30)
    assert first.end - first.start == dt.timedelta(minutes=45) and first.start == first.at
    local_start = first.at.astimezone(BERLIN)
    assert dt.time(16, 15) <= local_start.time() <= dt.time(16, 45)  # Berlin's November sunset is near 16:00
    assert sunset_book.alarm_json(bedtime)["time"] == "sunset+30m"


def test_a_bedtime_at_sunset_in_june_is_late_in_the_evening(store, years):
    june = book_at(store, at(years, "2026-06-21T12:00"), BERLIN_LOCATION)
    june.add(kind="bedtime", time="sunset")
    assert dt.time(21, 25) <= june.upcoming(1)[0].at.astimezone(BERLIN).time() <= dt.time(21, 45)


# on_change

def test_on_change_is_called_once_per_change_and_never_for_a_refusal_or_a_read(book, changes):
    alarm = book.add(time="07:00")
    assert changes.count == 1
    book.alarms(), book.upcoming(), book.next_one(), book.get(alarm.id), book.alarm_json(alarm)
    assert changes.count == 1
    book.skip(alarm.id)
    book.set_enabled(alarm.id, False)
    book.remove(alarm.id)
    assert changes.count == 4
    for refused in (lambda: book.add(time="7"), lambda: book.remove(alarm.id), lambda: book.skip(alarm.id)):
        with pytest.raises(AlarmError):
            refused()
    assert changes.count == 4


def test_a_book_without_on_change_still_changes(store, years):
    quiet = book_at(store, at(years, "2026-11-23T04:00"))
    assert quiet.remove(quiet.add(time="07:00").id).time == dt.time(7, 0)


# JSON

def test_the_json_of_an_alarm_has_every_field(book, years):
    alarm = book.add(time="06:45", days="weekdays", sequence="lavender-dawn", rise="20m", hold="5m", label="work")
    assert book.alarm_json(alarm) == {
        "id": alarm.id, "kind": "wake", "time": "06:45", "days": "weekdays", "sequence": "lavender-dawn",
        "rise": "20m", "rise_s": 1200.0, "hold": "5m", "hold_s": 300.0, "label": "work", "enabled": True,
        "skipped": None, "next": shifted("2026-11-23T06:45:00+01:00", years), "on": None, "paused": []}


def test_the_json_of_an_occurrence_is_in_the_configured_zone(book, years):
    alarm = book.add(time="06:45", rise="20m", hold="5m", label="work")
    occurrence = book.next_one()
    assert book.occurrence_json(occurrence) == {
        "id": alarm.id, "kind": "wake", "label": "work", "sequence": "storm-to-firelight",
        "day": shifted("2026-11-23", years), "at": shifted("2026-11-23T06:45:00+01:00", years),
        "start": shifted("2026-11-23T06:25:00+01:00", years), "end": shifted("2026-11-23T06:50:00+01:00", years),
        "skipped": False}


def test_a_once_only_alarm_that_has_happened_has_no_next(book, clock, years):
    alarm = book.add(time="07:00", days=shifted("2026-11-23", years))
    clock.advance_to(at(years, "2026-11-23T07:00"))
    assert book.alarm_json(alarm)["next"] is None
    assert book.next_one() is None
