"""`alarm next` across daylight-saving changes, by the rule in device/occurrences.py: a wake time in
the spring gap happens that long after the gap begins (02:30 -> 03:30); one that happens twice in
autumn happens at the first, in summer time."""

from __future__ import annotations

import json

import pytest

from tests.device.service.conftest import Cli, make_home


def coming(cli: Cli, start: str) -> list[tuple[str, str]]:
    answer = json.loads(cli.ok("alarm", "next", "--count", "3", "--from", start, "--json"))
    return [(o["at"], o["start"]) for o in answer]


@pytest.mark.parametrize("zone, time, start, expected", [
    ("Europe/Berlin", "02:30", "2026-03-28T12:00", [  # clocks go 02:00 -> 03:00 on Sunday 29 March
        ("2026-03-29T03:30:00+02:00", "2026-03-29T03:00:00+02:00"),
        ("2026-03-30T02:30:00+02:00", "2026-03-30T02:00:00+02:00"),
        ("2026-03-31T02:30:00+02:00", "2026-03-31T02:00:00+02:00")]),
    ("Europe/Berlin", "02:30", "2026-10-24T12:00", [  # clocks go 03:00 -> 02:00 on Sunday 25 October
        ("2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+02:00"),
        ("2026-10-26T02:30:00+01:00", "2026-10-26T02:00:00+01:00"),
        ("2026-10-27T02:30:00+01:00", "2026-10-27T02:00:00+01:00")]),
    ("America/New_York", "02:30", "2026-03-07T12:00", [  # 02:00 -> 03:00 on Sunday 8 March
        ("2026-03-08T03:30:00-04:00", "2026-03-08T03:00:00-04:00"),
        ("2026-03-09T02:30:00-04:00", "2026-03-09T02:00:00-04:00"),
        ("2026-03-10T02:30:00-04:00", "2026-03-10T02:00:00-04:00")]),
    ("America/New_York", "01:30", "2026-10-31T12:00", [  # 02:00 -> 01:00 on Sunday 1 November
        ("2026-11-01T01:30:00-04:00", "2026-11-01T01:00:00-04:00"),
        ("2026-11-02T01:30:00-05:00", "2026-11-02T01:00:00-05:00"),
        ("2026-11-03T01:30:00-05:00", "2026-11-03T01:00:00-05:00")]),
])
def test_next_across_dst(tmp_path, capsys, zone, time, start, expected):
    cli = Cli(make_home(tmp_path / "home", zone=zone), capsys)
    cli.ok("alarm", "add", time)
    assert coming(cli, start) == expected


def test_a_rise_that_spans_the_spring_gap_starts_by_real_time(tmp_path, capsys):
    cli = Cli(make_home(tmp_path / "home", zone="Europe/Berlin"), capsys)
    cli.ok("alarm", "add", "03:15", "--rise", "45m")  # 45 real minutes before 03:15 CEST is 01:30 CET
    assert coming(cli, "2026-03-28T12:00")[0] == ("2026-03-29T03:15:00+02:00", "2026-03-29T01:30:00+01:00")
    out = cli.ok("alarm", "next", "--count", "1", "--from", "2026-03-28T12:00")
    assert out.startswith("Sun 2026-03-29 03:15 CEST  light from 01:30  alarm 1")


def test_from_with_an_offset_is_taken_as_given(tmp_path, capsys):
    cli = Cli(make_home(tmp_path / "home", zone="America/New_York"), capsys)
    cli.ok("alarm", "add", "07:00")
    # 2026-03-10T11:30Z is 07:30 EDT: that day's 07:00 is past
    assert coming(cli, "2026-03-10T11:30:00+00:00")[0][0] == "2026-03-11T07:00:00-04:00"
