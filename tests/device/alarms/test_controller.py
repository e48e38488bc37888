"""The controller through days on a fake clock: fire once, resume, jumps, stale clock, controls."""

import datetime as dt
import logging

import pytest

from device.controller import NIGHT_LIGHT_KELVIN, Controller, Place
from sequences.colour import LUMA_WEIGHTS, correlated_colour_temperature
from tests.device.alarms.fakes import make, wake


def test_the_rise_starts_rise_time_before_the_wake_time(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:29")
    wake(store, "06:00")
    controller.tick()
    assert player.starts() == []
    clock.advance(minutes=1)
    controller.tick()
    [program] = player.starts()
    assert program.from_s == 0.0
    assert program.source.duration_s == 1800 + 1800 + 60  # rise, hold, fade


def test_an_alarm_fires_once_however_often_it_is_ticked(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:30")
    wake(store, "06:00")
    for _ in range(30):
        controller.tick()
        clock.advance(seconds=20)
    assert len(player.starts()) == 1


def test_a_restart_in_the_middle_of_a_rise_resumes_where_it_would_be(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:30")
    wake(store, "06:00")
    controller.tick()
    clock.advance(minutes=17)
    # the service restarts: a new controller on the same store
    again = Controller(store, player, 12, (), controller.place, clock)
    again.tick()
    assert [p.from_s for p in player.starts()] == [0.0, 17 * 60]


def test_after_it_is_done_or_dismissed_it_does_not_come_back(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:30")
    wake(store, "06:00")
    controller.tick()
    clock.advance(minutes=40)
    assert controller.dismiss() == "dismissed"
    fresh = Controller(store, player, 12, (), controller.place, clock)
    fresh.tick()
    controller.tick()
    assert len(player.starts()) == 1


def test_a_clock_jump_forward_into_a_rise_resumes_at_the_right_point(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:00")
    wake(store, "06:00")
    controller.tick()
    clock.advance(minutes=50)  # 05:50: twenty minutes into the rise
    controller.tick(resync=True)
    [program] = player.starts()
    assert program.from_s == pytest.approx(20 * 60)


def test_a_clock_jump_forward_past_an_alarm_skips_it_and_does_not_fire_late(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:00")
    wake(store, "06:00")
    controller.tick()
    clock.advance(hours=2)  # 07:00: past the wake time and the hold
    controller.tick(resync=True)
    assert player.starts() == []


def test_a_jump_back_before_a_finished_alarm_does_not_fire_it_again(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:30")
    wake(store, "06:00")
    controller.tick()
    clock.advance(hours=1, minutes=1)
    player.finish()  # the light ran its rise, hold and fade
    clock.advance(hours=-1, minutes=-20)  # back to 05:11, before that morning's rise
    for _ in range(60):
        controller.tick(resync=True)
        clock.advance(minutes=1)
    assert len(player.starts()) == 1


def test_a_jump_back_during_a_rise_follows_the_clock(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:30")
    wake(store, "06:00")
    controller.tick()
    clock.advance(minutes=20)
    clock.advance(minutes=-10)  # NTP pulls the clock back ten minutes
    controller.tick(resync=True)
    assert [p.from_s for p in player.starts()] == [0.0, 10 * 60]


def test_a_stale_clock_at_boot_fires_nothing_until_it_is_synchronised(tmp_path):
    # The Pi boots believing it is last night (no RTC); then NTP sets it to 05:45.
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:40", synced=False)
    wake(store, "06:00")
    controller.tick()
    assert player.starts() == []
    clock.set_synchronized(True)
    clock.advance(minutes=5)
    controller.tick(resync=True)
    [program] = player.starts()
    assert program.from_s == pytest.approx(15 * 60)


def test_snooze_goes_dark_and_comes_back_at_full_light(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:30")
    wake(store, "06:00")
    controller.tick()
    clock.advance(minutes=32)  # 06:02, in the hold
    assert controller.snooze(9).startswith("snoozed until")
    for _ in range(8):
        clock.advance(minutes=1)
        controller.tick()
    assert len(player.starts()) == 1  # still snoozing
    clock.advance(minutes=1, seconds=1)
    controller.tick()
    assert len(player.starts()) == 2
    assert player.starts()[-1].from_s >= 1800  # at (or past) the wake point: full light


def test_skipped_occurrences_stay_dark(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:30")
    alarm = wake(store, "06:00")
    store.set_occurrence_state((alarm.id, "2026-11-23"), "skipped")
    for _ in range(10):
        controller.tick()
        clock.advance(minutes=5)
    assert player.starts() == []
    clock.set_local("2026-11-24T05:31", "Europe/Berlin")
    controller.tick()
    assert len(player.starts()) == 1  # only that one morning was skipped


@pytest.mark.parametrize("zone, day, time", [
    ("Europe/Berlin", "2026-03-29", "02:30"), ("Europe/Berlin", "2026-10-25", "02:30"),
    ("America/New_York", "2026-03-08", "02:30"), ("America/New_York", "2026-11-01", "01:30"),
])
def test_across_a_dst_change_the_alarm_fires_exactly_once(tmp_path, zone, day, time):
    controller, clock, player, store = make(tmp_path, zone=zone, start=f"{day}T00:00")
    wake(store, time, rise_s=600, hold_s=600)
    for _ in range(8 * 60):  # every minute for eight hours of real time
        controller.tick()
        if player.program is not None and clock.now() >= dt.datetime.fromtimestamp(
                player.state.started_at, dt.timezone.utc) + dt.timedelta(seconds=1260):
            player.finish()
        clock.advance(minutes=1)
    assert len(player.starts()) == 1


def test_a_missing_sequence_falls_back_to_a_built_in_wake(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:45")
    wake(store, "06:00", sequence="deleted-by-the-user")
    controller.tick()
    [program] = player.starts()
    assert program.source.source.renderer.sequence.name == "storm-to-firelight"


def test_night_light_comes_back_after_an_alarm(tmp_path):
    controller, clock, player, store = make(tmp_path, start="2026-11-23T05:00")
    wake(store, "06:00")
    controller.light(True)
    assert player.program.label == "night light"
    clock.advance(minutes=31)
    controller.tick()
    assert player.program.label.startswith("wake")
    clock.advance(hours=1)
    player.finish()
    assert player.program.label == "night light"
    controller.light(False)
    assert player.program is None


def test_the_night_light_takes_a_colour_temperature_keeps_its_brightness_and_remembers_it(tmp_path):
    controller, clock, player, store = make(tmp_path)
    controller.light(True)
    own = player.program.source.frame(0.0)
    assert controller.night_light_kelvin() == 1054  # night-red, the built-in glow's colour
    controller.light(True, 0.5, kelvin=2700)
    warm = player.program.source.frame(0.0)
    assert correlated_colour_temperature(warm.sum(axis=0)) == pytest.approx(2700, rel=0.01)
    assert warm @ LUMA_WEIGHTS == pytest.approx(0.5 * own @ LUMA_WEIGHTS)  # as bright as before, at half level
    again = Controller(store, player, 12, (), controller.place, clock)  # a restart: the choice stays
    assert again.night_light_kelvin() == 2700 and again.status()["night_light_kelvin"] == 2700
    low, high = NIGHT_LIGHT_KELVIN
    for refused in (low - 1, high + 1, float("nan")):
        with pytest.raises(ValueError, match="colour temperature"):
            controller.light(True, kelvin=refused)
    assert controller.night_light_kelvin() == 2700


def test_the_night_lights_own_colour_is_read_when_it_goes_on_not_at_every_status(tmp_path, caplog):
    """status() is asked every few seconds (the phone page, MQTT): a broken nightlight.toml is
    said once each time the light goes on, not at every status, or it would crowd out the log."""
    yours = tmp_path / "sequences"
    yours.mkdir()
    (yours / "nightlight.toml").write_text("this is not TOML [")
    controller, clock, player, store = make(tmp_path)
    controller.sequence_dirs = (yours,)
    with caplog.at_level(logging.ERROR, logger="emberwake"):
        for _ in range(5):
            assert controller.status()["night_light_kelvin"] == 1054  # the built-in night light's, instead
        assert len(caplog.records) == 1
        controller.light(True)
        for _ in range(5):
            controller.status()
        assert len(caplog.records) == 2
    assert all("nightlight cannot be used" in record.getMessage() for record in caplog.records)


def test_place_defaults_require_a_synchronised_clock():
    assert Place(zone=None).require_sync is True
