"""Durations as people write them: parse_seconds, parse_duration, format_seconds."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from sequences.units import MAX_DURATION_S, Share, format_seconds, parse_duration, parse_seconds, show


@pytest.mark.parametrize("text, seconds", [
    (90, 90.0),
    (90.5, 90.5),
    (0, 0.0),
    ("90", 90.0),
    ("90.5", 90.5),
    ("90s", 90.0),
    ("5m", 300.0),
    ("5M", 300.0),
    (" 5 m ", 300.0),
    ("1h", 3600.0),
    ("1.5h", 5400.0),
    ("1h30m", 5400.0),
    ("1h 30m", 5400.0),
    ("1m30s", 90.0),
    ("2h0m5s", 7205.0),
    ("250ms", 0.25),
    ("1s500ms", 1.5),
    ("12:30", 750.0),
    ("0:05", 5.0),
    ("12:30.5", 750.5),
    ("1:02:03", 3723.0),
    ("24:00:00", 86400.0),
    ("24h", 86400.0),
])
def test_accepted_forms(text, seconds):
    assert parse_seconds(text) == seconds
    if seconds:
        assert parse_duration(text) == seconds


@pytest.mark.parametrize("text, percent", [("20%", 20.0), ("100%", 100.0), ("0.5%", 0.5), (" 12.5 % ", 12.5)])
def test_shares(text, percent):
    assert parse_duration(text) == Share(percent)


@pytest.mark.parametrize("value, message", [
    (-5, "duration -5 is negative"),
    (-0.5, "duration -0.5 is negative"),
    ("-1s", "duration '-1s' is negative"),
    ("-5", "duration '-5' is negative"),
    (float("nan"), "duration nan is not a number"),
    (float("inf"), "duration inf is longer than 24 hours"),
    (86401, "duration 86401 is longer than 24 hours"),
    ("99999h", "duration '99999h' is longer than 24 hours"),
    ("24:00:01", "duration '24:00:01' is longer than 24 hours"),
    (10**400, "duration ~1e+400 is longer than 24 hours"),
    (10**30, "duration 1e+30 is longer than 24 hours"),
    (-(10**400), "duration -~1e+400 is negative"),
    ("5 minutes", "cannot read '5 minutes' as a duration; did you mean '5m'?"),
    ("90 sec", "cannot read '90 sec' as a duration; did you mean '90s'?"),
    ("2 hours", "cannot read '2 hours' as a duration; did you mean '2h'?"),
    ("250 msec", "cannot read '250 msec' as a duration; did you mean '250ms'?"),
    ("funday", "cannot read 'funday' as a duration; write e.g. 90, '90s', '5m', '1h30m' or '12:30'"),
    ("nan", "cannot read 'nan' as a duration; write e.g. 90, '90s', '5m', '1h30m' or '12:30'"),
    ("inf", "cannot read 'inf' as a duration; write e.g. 90, '90s', '5m', '1h30m' or '12:30'"),
    ("1e3", "cannot read '1e3' as a duration; write e.g. 90, '90s', '5m', '1h30m' or '12:30'"),
    ("+5m", "cannot read '+5m' as a duration; write e.g. 90, '90s', '5m', '1h30m' or '12:30'"),
    ("5m1h", "cannot read '5m1h' as a duration; write e.g. 90, '90s', '5m', '1h30m' or '12:30'"),
    ("12:60", "duration '12:60' has a field of 60 or more"),
    ("1:60:00", "duration '1:60:00' has a field of 60 or more"),
    ("9" * 5000 + ":00", "cannot read '9999999999999999999999999999999999999999...' as a duration: it is too long"),
    ("", "expected a duration, got an empty string"),
    ("   ", "expected a duration, got an empty string"),
    (True, "expected a duration, got True"),
    (None, "expected a duration such as 90, '90s', '5m' or '12:30', got None"),
    ([90], "expected a duration such as 90, '90s', '5m' or '12:30', got [90]"),
])
def test_rejected_forms_and_their_messages(value, message):
    with pytest.raises(ValueError) as caught:
        parse_seconds(value)
    assert str(caught.value) == message
    assert "\n" not in message and len(message) < 120


@pytest.mark.parametrize("value, message", [
    ("0%", "share '0%' must be more than 0% and at most 100%"),
    ("150%", "share '150%' must be more than 0% and at most 100%"),
    ("-5%", "share '-5%' must be more than 0% and at most 100%"),
    ("%", "share '%' is not a number followed by '%'"),
    ("nan%", "share 'nan%' is not a number followed by '%'"),
    ("inf%", "share 'inf%' is not a number followed by '%'"),
    ("ten%", "share 'ten%' is not a number followed by '%'"),
    (0, "duration 0 must be longer than zero"),
    ("0s", "duration '0s' must be longer than zero"),
    ("0:00", "duration '0:00' must be longer than zero"),
])
def test_parse_duration_rejects(value, message):
    with pytest.raises(ValueError) as caught:
        parse_duration(value)
    assert str(caught.value) == message


def test_zero_is_allowed_only_where_asked():
    assert parse_seconds("0s") == 0.0
    with pytest.raises(ValueError, match="longer than zero"):
        parse_seconds("0s", allow_zero=False)


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (1, "1s"), (59, "59s"), (60, "1m"), (95, "1m35s"), (1800, "30m"), (3600, "1h"),
    (5400, "1h30m"), (3723, "1h2m3s"), (86400, "24h"), (2.5, "2.5s"), (0.25, "0.25s"), (90.5, "90.5s"),
    (-5, "-5s"), (59.9999999999, "1m"),
])
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


def test_format_seconds_of_non_finite_numbers_does_not_raise():
    assert format_seconds(math.inf) == "inf"
    assert format_seconds(math.nan) == "nan"


@given(st.integers(min_value=0, max_value=int(MAX_DURATION_S)))
def test_whole_seconds_round_trip(seconds):
    assert parse_seconds(format_seconds(seconds)) == seconds


@given(st.one_of(st.text(max_size=60), st.floats(allow_nan=True), st.integers(), st.none(), st.booleans()))
def test_anything_parses_or_raises_value_error_with_one_short_line(value):
    try:
        seconds = parse_duration(value)
    except ValueError as error:
        message = str(error)
        assert message and len(message.splitlines()) == 1 and len(message) < 160
    else:
        assert isinstance(seconds, Share) or 0 < seconds <= MAX_DURATION_S


def test_show_keeps_values_short():
    assert show("ripple") == "'ripple'"
    assert show("x" * 100) == "'" + "x" * 40 + "...'"
    assert show(10**20) == "1e+20"
    assert show(-(10**500)) == "-~1e+500"
    assert len(show(list(range(1000)))) < 50
