"""The bedside button, through the running service: gpiozero's real Button on its MockFactory pin,
every gesture in each state, on the test clock; what the controls did and what the ring showed."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import threading

import numpy as np
import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from device.alarms import Alarm, parse_days
from device.book import store_path
from device.button import ButtonTimings, Gesture, GestureReader
from device.clock import ManualClock
from device.config import load_config
from device.output import CaptureOutput
from device.programs import clock_position
from device.service import build_service
from device.store import Store
from tests.dates import local, shifted
from tests.device.service.conftest import Cli, settle

BERLIN = "Europe/Berlin"
PIXELS = 24


def test_the_gesture_reader_tells_a_press_a_double_press_and_the_holds_apart():
    reader = GestureReader(ButtonTimings(hold_s=2.0, long_hold_s=5.0, double_press_s=0.4))
    assert reader.pressed(0.0) == [] and reader.released(0.1) == []
    assert reader.due(0.5) == [] and reader.next_due_s() == pytest.approx(0.5, abs=1e-3)
    assert reader.due(0.51) == [Gesture.PRESS]
    reader.pressed(1.0), reader.released(1.1)
    reader.pressed(1.4)
    assert reader.released(1.5) == [Gesture.DOUBLE_PRESS] and reader.due(3.0) == []
    reader.pressed(10.0)
    assert reader.due(11.9) == [] and reader.due(12.0) == [Gesture.HOLD]
    assert reader.due(15.0) == [Gesture.LONG_HOLD] and reader.released(16.0) == [] and reader.due(20.0) == []
    reader.pressed(30.0), reader.released(30.1)
    assert reader.pressed(31.0) == [Gesture.PRESS]  # the gap had passed: the first was a press of its own


class Bedside:
    """A running service with a mock button on GPIO17, on a test clock at a far date."""

    def __init__(self, home, years: int, factory: MockFactory, start: str = "2026-11-23T04:00"):
        with (home / "config.toml").open("a") as config:
            config.write("\n[button]\nbounce_s = 0\n")  # bounce is timed on gpiozero's own clock
        self.years = years
        self.clock = ManualClock(local(start, BERLIN, years))
        self.output = CaptureOutput(PIXELS)
        self.service = build_service(load_config(home), self.output, clock=self.clock, serve_api=False).start()
        self.pin = factory.pin(17)
        assert self.service.gpio_button is not None
        self.settle()

    def press(self, held_s: float = 0.1) -> None:
        self.pin.drive_low()
        self.clock.advance(held_s)
        self.settle()
        self.pin.drive_high()
        self.settle()

    def wait_out_the_double_press(self) -> None:
        self.clock.advance(0.5)
        self.settle()

    def settle(self) -> None:
        settle(self.service, self.clock)

    def at(self, text: str) -> None:
        self.clock.advance_to(local(text, BERLIN, self.years))
        self.settle()

    @property
    def label(self) -> str:
        return self.service.player.state.label

    def state_of(self, day: str) -> str | None:
        return self.service.store.occurrence_state((1, shifted(day, self.years)))[0]

    def close(self) -> None:
        self.service.shutdown()


@pytest.fixture
def bedside(home, years, pin_factory):
    store = Store(store_path(home))
    store.add(Alarm(0, "wake", dt.time(6, 30), parse_days("daily"), "storm-to-firelight", 1800, 1800))
    store.close()
    running = Bedside(home, years, pin_factory)
    yield running
    running.close()


def test_idle_a_press_toggles_the_night_light_and_off_shows_the_next_wake_on_one_led(bedside):
    bedside.press()
    bedside.wait_out_the_double_press()
    assert bedside.label == "night light" and bedside.service.controls.now().night_light
    assert bedside.output.last.any()
    bedside.press()
    bedside.wait_out_the_double_press()
    assert bedside.label == "ack-next-wake" and not bedside.service.controls.now().night_light
    lit = np.flatnonzero(bedside.output.last.any(axis=1))
    assert lit.tolist() == [clock_position(6, 30, PIXELS)]  # half past six: LED 13 of 24
    bedside.clock.advance(3.5)  # the cue lasts three seconds, then the ring is dark
    bedside.settle()
    assert bedside.service.player.state.mode == "idle" and not bedside.output.last.any()


def test_idle_a_double_press_starts_the_wind_down(bedside):
    bedside.press()
    bedside.clock.advance(0.2)
    bedside.press()
    assert bedside.label == "breathe"
    bedside.wait_out_the_double_press()
    assert bedside.label == "breathe"  # and no single press after it


def test_idle_a_five_second_hold_skips_the_next_alarm_and_another_gives_it_back(bedside):
    bedside.press(held_s=5.0)
    assert bedside.state_of("2026-11-23") == "skipped" and bedside.label == "ack-skip"
    assert bedside.output.last.any()  # the sweep
    bedside.clock.advance(3.0)
    bedside.settle()
    bedside.press(held_s=5.0)
    assert bedside.state_of("2026-11-23") is None
    bedside.at("2026-11-23T06:00")  # the rise starts: the alarm is on again
    assert bedside.label == "wake 1"


def test_during_a_wake_alarm_a_press_snoozes_and_it_rises_again_after_nine_minutes(bedside):
    bedside.at("2026-11-23T06:10")
    assert bedside.label == "wake 1"
    bedside.press()
    bedside.wait_out_the_double_press()
    assert bedside.state_of("2026-11-23") == "snoozed" and bedside.service.controls.now().mode.value == "snooze"
    assert bedside.label == "fade"  # one slow dip to dark
    bedside.clock.advance(9 * 60.0)
    bedside.settle()
    assert bedside.label == "wake 1" and bedside.state_of("2026-11-23") == "started"


def test_during_a_wake_alarm_a_two_second_hold_dismisses_it_and_holding_on_does_not_skip(bedside):
    bedside.at("2026-11-23T06:20")
    bedside.press(held_s=6.0)
    assert bedside.state_of("2026-11-23") == "dismissed" and bedside.label == "fade"
    assert bedside.state_of("2026-11-24") is None  # the long hold did nothing more
    bedside.clock.advance(10.0)
    bedside.settle()
    assert bedside.service.player.state.mode == "idle"


def test_during_a_dusk_sequence_a_press_stops_it_with_a_short_fade(bedside):
    bedside.service.controls.play("tend-the-flame", by="test")
    bedside.settle()
    bedside.press()
    bedside.wait_out_the_double_press()
    assert bedside.label == "fade"
    bedside.clock.advance(3.5)
    bedside.settle()
    assert bedside.service.player.state.mode == "idle" and not bedside.output.last.any()


def test_without_a_button_the_light_says_so_once_and_runs(home, caplog):
    class NoPins(MockFactory):
        def pin(self, spec, **kwargs):
            raise OSError("GPIO17 is busy")
    Device.pin_factory = NoPins()
    try:
        with caplog.at_level(logging.INFO, logger="emberwake"):
            service = build_service(load_config(home), CaptureOutput(PIXELS), clock=ManualClock(
                local("2026-11-23T04:00", BERLIN)), serve_api=False).start()
            service.controls.light(True, by="test")
            assert service.player.wait_for(lambda state: state.label == "night light")
            service.shutdown()
    finally:
        Device.pin_factory = None
    said = [record.getMessage() for record in caplog.records if "button" in record.getMessage()]
    assert said == ["no button on GPIO17 (GPIO17 is busy): the light runs without it"]


def test_emberwake_run_with_gpiozeros_mock_pins_has_the_button_on_gpio17(home, clock, capsys, monkeypatch):
    """`GPIOZERO_PIN_FACTORY=mock emberwake run --output null`: pressing the mock pin, from this
    process, turns the night light on, and `emberwake status --json` says so."""
    from device.cli import main
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")
    Device.pin_factory = None
    with (home / "config.toml").open("a") as config:
        config.write("\n[button]\nbounce_s = 0\n")
    attached, results = threading.Event(), {}

    class Attached(logging.Handler):
        def emit(self, record):
            if record.getMessage() == "button on GPIO17":
                attached.set()
    handler = Attached()
    logging.getLogger("emberwake").addHandler(handler)

    def bedside_hand():
        try:
            assert attached.wait(20)
            pin = Device.pin_factory.pin(17)
            pin.drive_low()
            pin.drive_high()
            clock.advance(0.5)  # past the double-press gap: a single press
            for _ in range(200):  # the button's thread acts on the clock's new time
                code, out, _ = cli("status", "--json")
                if code == 0 and json.loads(out)["night_light"]:
                    results["status"] = json.loads(out)
                    break
                threading.Event().wait(0.02)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # as systemctl stop

    cli = Cli(home, capsys, clock)
    hand = threading.Thread(target=bedside_hand, daemon=True)
    hand.start()
    try:
        assert main(["--home", str(home), "run", "--output", "null"], clock=clock) == 0
    finally:
        logging.getLogger("emberwake").removeHandler(handler)
        hand.join(10)
        Device.pin_factory = None
    assert results.get("status", {}).get("night_light") is True, results
    assert results["status"]["mode"] == "light"
