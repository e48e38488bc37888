"""`emberwake alarm|bedtime ...` through the store (no service) and through a running service's API."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.device.service.conftest import Cli, make_home, store_rows

BAD_INPUT = [
    ["alarm", "add", "25:00"],
    ["alarm", "add", "7.30"],
    ["alarm", "add", "06:30", "--days", "funday"],
    ["alarm", "add", "06:30", "--days", "2026-02-30"],
    ["alarm", "add", "06:30", "--days", "2020-01-01"],
    ["alarm", "add", "06:30", "--sequence", "no-such-sequence"],
    ["alarm", "add", "06:30", "--sequence", "breathe"],
    ["alarm", "add", "06:30", "--sequence", "tend-the-flame"],
    ["alarm", "add", "06:30", "--rise", "4h"],
    ["alarm", "add", "06:30", "--rise", "soon"],
    ["alarm", "add", "06:30", "--hold", "5h"],
    ["alarm", "add", "06:45", "--rise", "1h"],  # its rise would run into the 06:00 alarm's
    ["alarm", "add", "05:45", "--rise", "10m"],  # inside the 06:00 alarm's rise (05:30-06:00)
    ["alarm", "add", "06:30", "--label", "two\nlines"],
    ["alarm", "add", "sunset"],
    ["alarm", "add"],
    ["alarm", "frobnicate"],
    ["alarm", "remove", "99"],
    ["alarm", "remove", "abc"],
    ["alarm", "skip", "99"],
    ["alarm", "enable", "99"],
    ["alarm", "remove", "2"],  # a bedtime
    ["alarm", "next", "--count", "0"],
    ["alarm", "next", "--count", "many"],
    ["alarm", "next", "--from", "tomorrow"],
    ["bedtime", "add", "sunset+30m"],  # no [location] in the config
    ["bedtime", "add", "22:00", "--sequence", "storm-to-firelight"],
    ["bedtime", "add", "22:00", "--duration", "0"],
    ["snooze", "lots"],
    ["light", "dim"],
]


@pytest.fixture(params=["store", "service"])
def path(request, home) -> str:
    """Each round trip runs twice: straight to the store, and through a running service's API."""
    if request.param == "service":
        request.getfixturevalue("service")
    return request.param


def seed(cli: Cli) -> None:
    cli.ok("alarm", "add", "06:00", "--days", "weekdays", "--label", "work")
    cli.ok("bedtime", "add", "22:30")


@pytest.mark.parametrize("args", BAD_INPUT, ids=lambda a: " ".join(a).replace("\n", "\\n"))
def test_bad_input_is_one_line_exit_2_and_changes_nothing(cli, args):
    seed(cli)
    cli.ok("alarm", "skip", "1")
    before = store_rows(cli.home)
    code, out, err = cli(*args)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("emberwake: ")
    assert store_rows(cli.home) == before


def test_bad_input_through_the_service_is_refused_the_same_way(cli, service):
    seed(cli)
    before = store_rows(cli.home)
    for args in (["alarm", "add", "25:00"], ["alarm", "add", "06:30", "--days", "funday"],
                 ["alarm", "add", "06:30", "--sequence", "breathe"], ["alarm", "add", "06:45", "--rise", "1h"],
                 ["alarm", "remove", "99"], ["snooze", "500"]):
        code, _, err = cli(*args)
        assert code == 2 and len(err.strip().splitlines()) == 1, (args, err)
    assert store_rows(cli.home) == before


def test_a_rise_that_ends_where_the_next_begins_is_fine(cli):
    cli.ok("alarm", "add", "06:00")
    cli.ok("alarm", "add", "05:30", "--rise", "30m", "--hold", "5m")


def test_enabling_an_alarm_whose_rise_would_overlap_is_refused(cli):
    cli.ok("alarm", "add", "06:00")
    cli.ok("alarm", "add", "06:20", "--rise", "30m", "--disabled")
    code, _, err = cli("alarm", "enable", "2")
    assert code == 2 and "overlaps alarm 1" in err
    assert json.loads(cli.ok("alarm", "list", "--json"))[1]["enabled"] is False


def test_round_trip(cli, path):
    out = cli.ok("alarm", "add", "06:30", "--days", "weekdays", "--rise", "45m", "--hold", "20m", "--label", "work",
                 "--sequence", "lavender-dawn")
    assert out.startswith("added alarm 1: 06:30  weekdays  lavender-dawn  rise 45m, hold 20m  'work'  next ")
    cli.ok("alarm", "add", "09:00", "--days", "sat-sun")
    cli.ok("bedtime", "add", "22:15", "--duration", "20m")
    [first, second] = json.loads(cli.ok("alarm", "list", "--json"))
    assert (first["time"], first["days"], first["rise_s"], first["hold_s"], first["label"]) == \
        ("06:30", "weekdays", 2700, 1200, "work")
    assert second["days"] == "weekends"
    [bedtime] = json.loads(cli.ok("bedtime", "list", "--json"))
    assert (bedtime["id"], bedtime["kind"], bedtime["sequence"], bedtime["rise_s"]) == (3, "bedtime", "tend-the-flame",
                                                                                       1200)

    # skip: the next one is marked, and the one after becomes next
    coming = json.loads(cli.ok("alarm", "next", "--count", "3", "--json"))
    ones = [o for o in coming if o["id"] == 1]
    out = cli.ok("alarm", "skip", "1")
    assert out.startswith("alarm 1 skips ")
    [first] = [a for a in json.loads(cli.ok("alarm", "list", "--json")) if a["id"] == 1]
    assert first["skipped"] == ones[0]["at"]
    assert first["next"] > ones[0]["at"]
    assert [o["skipped"] for o in json.loads(cli.ok("alarm", "next", "--count", "3", "--json")) if o["id"] == 1][0]

    cli.ok("alarm", "disable", "2")
    assert [a["enabled"] for a in json.loads(cli.ok("alarm", "list", "--json"))] == [True, False]
    assert all(o["id"] == 1 for o in json.loads(cli.ok("alarm", "next", "--count", "6", "--json")))
    cli.ok("alarm", "enable", "2")
    assert "09:00" in cli.ok("alarm", "list")

    assert cli.ok("alarm", "remove", "2").startswith("removed alarm 2")
    assert [a["id"] for a in json.loads(cli.ok("alarm", "list", "--json"))] == [1]
    cli.ok("bedtime", "remove", "3")
    assert cli.ok("bedtime", "list").startswith("no bedtimes")
    rows, _ = store_rows(cli.home)
    assert [row[0] for row in rows] == [1]


def test_next_lists_wake_times_with_their_starts_in_the_zone(cli):
    cli.ok("alarm", "add", "06:30", "--days", "mon,wed", "--rise", "40m", "--label", "gym")
    out = cli.ok("alarm", "next", "--count", "2", "--from", "2026-11-23T00:00")
    assert out.splitlines() == [
        "Mon 2026-11-23 06:30 CET  light from 05:50  alarm 1 storm-to-firelight  gym",
        "Wed 2026-11-25 06:30 CET  light from 05:50  alarm 1 storm-to-firelight  gym"]


def test_a_bedtime_at_sunset_with_the_place_set(tmp_path, capsys):
    cli = Cli(make_home(tmp_path / "berlin", location=(52.52, 13.40)), capsys)
    cli.ok("bedtime", "add", "sunset-30m", "--days", "2026-12-21")
    [one] = json.loads(cli.ok("bedtime", "next", "--json"))
    at = dt.datetime.fromisoformat(one["at"])
    # Berlin's sunset on the winter solstice is about 15:54 local.
    assert dt.datetime(2026, 12, 21, 15, 15) < at.replace(tzinfo=None) < dt.datetime(2026, 12, 21, 15, 35)
    assert json.loads(cli.ok("bedtime", "list", "--json"))[0]["time"] == "sunset-30m"


def test_controls_need_the_service(cli):
    for args in (["snooze"], ["dismiss"], ["stop"], ["light", "on"], ["play-now", "breathe"], ["status"]):
        code, _, err = cli(*args)
        assert code == 1 and "not running" in err, args


def test_controls_through_the_service(cli, service):
    assert cli.ok("snooze").strip() == "no alarm is on"
    assert cli.ok("light", "on").strip() == "night light on"
    assert json.loads(cli.ok("status", "--json"))["mode"] == "light"
    assert cli.ok("light", "on", "--kelvin", "2700").strip() == "night light on at 2700 K"
    assert cli.ok("status").startswith("light: night light; night light on at 2700 K")
    code, _, err = cli("light", "on", "--kelvin", "6500")
    assert code == 2 and err.strip().endswith("light kelvin must be a number 1000-4000, got 6500.0"), err
    assert cli.ok("play-now", "breathe", "--duration", "1m").strip() == "playing breathe"
    status = json.loads(cli.ok("status", "--json"))
    assert (status["mode"], status["playing"]) == ("manual", "breathe")
    code, _, err = cli("play-now", "no-such")
    assert code == 2 and "no sequence of that name" in err
    assert cli.ok("stop").strip() == "stopped"
    assert cli.ok("light", "off").strip() == "night light off"


def test_a_change_through_the_api_reschedules_the_service(cli, service):
    soon = service.controller.clock.now().astimezone(service.controller.place.zone) + dt.timedelta(hours=2)
    cli.ok("alarm", "add", f"{soon:%H:%M}", "--rise", "20m")  # within the timers' 36-hour horizon
    [coming] = json.loads(cli.ok("alarm", "next", "--count", "1", "--json"))
    start = dt.datetime.fromisoformat(coming["start"])
    assert service.timers.wait_caught_up() and start in service.timers.planned()
    cli.ok("alarm", "disable", "1")
    assert service.timers.wait_caught_up() and start not in service.timers.planned()
