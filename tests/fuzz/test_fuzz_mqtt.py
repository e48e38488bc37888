"""Fuzz the MQTT commands: MqttBridge.handle, in this process and on the bridge's own path (no
broker), with every command topic (and topics near them), and payloads of any bytes, of any JSON,
and of HA's light command holding anything.

No exception may escape; a payload that is refused must be said in exactly one printable line of
the bridge's log, and leave the alarm store and the night light's settings as they were. A
command that was done is undone before the next case (the store put back, the ring dark).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from device.clock import ManualClock
from device.config import MqttSettings, load_config
from device.mqtt import MqttBridge
from device.output import NullOutput
from device.service import Service, build_service
from tests.device.service.conftest import make_home, store_rows
from tests.fuzz.mutations import bounded, examples, json_scalars, json_values, tricky_text
from tests.fuzz.store_state import restore_rows
from tests.logs import KeptMessages

NODE = "fuzz"
BASE = f"emberwake/{NODE}/cmd"
COMMANDS = ("snooze", "dismiss", "stop", "skip_next", "light", "next_sequence", "next_rise")
ALARM_IDS = ("1", "2", "3", "99", "0", "01", "\u00b2", "1" * 5000, "-1", "")


class Fuzzed:
    """A running service on a test clock, and a bridge to it that is never connected."""

    def __init__(self, home: Path):
        clock = ManualClock(dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.timezone.utc))
        self.service: Service = build_service(load_config(home), NullOutput(12), clock=clock, serve_api=False,
                                              gpio=False).start()
        book = self.service.book
        book.add("wake", "06:00", "weekdays", label="work")
        book.add("bedtime", "22:30")
        book.add("wake", "09:00", "2026-12-24", enabled=False)
        self.log = logging.getLogger("emberwake.fuzz.mqtt")
        self.log.propagate = False
        self.said = KeptMessages()
        self.log.addHandler(self.said)
        self.bridge = MqttBridge(MqttSettings(host="127.0.0.1", node_id=NODE), self.service.controls, book, clock,
                                 log=self.log)

    def close(self) -> None:
        self.log.removeHandler(self.said)
        self.service.shutdown()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Fuzzed:
    running = Fuzzed(make_home(tmp_path_factory.mktemp("home")))
    yield running
    running.close()


def light_settings(home: Path) -> list[tuple]:
    """The night light's settings in the store (on, level, colour temperature), read behind its back."""
    with sqlite3.connect(home / "alarms.db") as db:
        return db.execute("SELECT key, value FROM meta WHERE key LIKE 'light_%' ORDER BY key").fetchall()


def restore_light_settings(home: Path, rows: list[tuple]) -> None:
    with sqlite3.connect(home / "alarms.db", timeout=10.0) as db:
        db.execute("DELETE FROM meta WHERE key LIKE 'light_%'")
        db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", rows)


topics = st.one_of(
    st.sampled_from([f"{BASE}/{command}" for command in COMMANDS]),
    st.builds(lambda ident, what: f"{BASE}/alarm/{ident}/{what}", st.one_of(st.sampled_from(ALARM_IDS), tricky_text),
              st.sampled_from(("enabled", "time", "time", "enabled", "rise", ""))),
    st.builds(lambda rest: f"{BASE}/{rest}", st.one_of(tricky_text, st.sampled_from(("", "/", "light/x", "alarm")))),
    st.sampled_from((f"homeassistant/device/{NODE}/config", "homeassistant/status")),
)
# Mostly a state HA sends, and numbers at and beyond the ends of what each field takes.
states = st.sampled_from(("ON", "OFF"))
numbers = st.one_of(json_scalars, st.sampled_from((0, 1, 255, 256, 999, 1000, 2700, 4000, 4001, -1, 1e308, 10**400,
                                                   -(10**400), float("nan"), float("inf"), "2700", True)))
light_commands = st.fixed_dictionaries({"state": st.one_of(states, states, states, json_scalars)}, optional={
    "brightness": numbers, "color_temp": numbers, "transition": numbers,
    "effect": st.one_of(st.sampled_from(("breathe", "nightlight", "no-such", "x\x00.toml", "a" * 5000)), json_scalars),
})
discoveries = st.fixed_dictionaries({}, optional={"cmps": st.one_of(json_values, st.dictionaries(
    st.text(max_size=8), st.fixed_dictionaries({"p": json_scalars}, optional={"name": json_scalars}), max_size=3))})
payloads = st.one_of(
    st.sampled_from((b"PRESS", b"ON", b"OFF", b"online", b"", b"06:45", b"25:00", b"20", b"lavender-dawn",
                     b"storm-to-firelight", b"nan", b"1e999", b"9" * 5000, b"[" * 5000, b"\xff\xfe", b"PRESS\n")),
    tricky_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
    light_commands.map(lambda command: json.dumps(command).encode()),
    discoveries.map(lambda discovery: json.dumps(discovery).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=64),
)


def check(fuzzed: Fuzzed, topic: str, payload: bytes) -> None:
    home = fuzzed.service.config.home
    before, light_before, lines_before = store_rows(home), light_settings(home), len(fuzzed.said.messages)
    with bounded(5.0, (topic, payload[:200])):
        done = fuzzed.bridge.handle(topic, payload)
    new = fuzzed.said.messages[lines_before:]
    if not done:
        assert len(new) == 1, (new, topic, payload[:200])
        assert new[0].isprintable() and len(new[0]) < 600 and "ignored" in new[0], (new, topic, payload[:200])
        assert store_rows(home) == before, (topic, payload[:200])
        assert light_settings(home) == light_before, (topic, payload[:200])
    if store_rows(home) != before:
        restore_rows(home, before)
        fuzzed.service.changed()
    restore_light_settings(home, light_before)
    fuzzed.service.controller.stop()  # whatever it started playing: the next case starts dark


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topic=topics, payload=payloads)
# Crashes these fuzzers found: a brightness, colour temperature or transition of an integer too big
# for a float (OverflowError); JSON nested deeper than the parser recurses (RecursionError).
@example(topic=f"{BASE}/light", payload=b'{"state": "ON", "brightness": 1' + b"0" * 400 + b"}")
@example(topic=f"{BASE}/light", payload=b'{"state": "ON", "color_temp": 1' + b"0" * 400 + b"}")
@example(topic=f"{BASE}/light", payload=b'{"state": "OFF", "transition": 1' + b"0" * 400 + b"}")
@example(topic=f"homeassistant/device/{NODE}/config", payload=b"[" * 5000)
def test_any_command_is_done_or_refused_in_one_line_changing_nothing(fuzzed, topic, payload):
    check(fuzzed, topic, payload)


# JSON nested deeper than a parser recurses, and a little less deep.
nested = st.builds(lambda depth, opener: opener * depth, st.sampled_from((10, 999, 1000, 5000, 100_000)),
                   st.sampled_from((b"[", b'{"a": ', b'{"state": "ON", "brightness": [')))


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topic=st.sampled_from((f"{BASE}/light", f"homeassistant/device/{NODE}/config")),
       payload=st.one_of(light_commands.map(lambda command: json.dumps(command).encode()),
                         discoveries.map(lambda discovery: json.dumps(discovery).encode()), nested))
def test_any_json_command_is_done_or_refused_in_one_line_changing_nothing(fuzzed, topic, payload):
    check(fuzzed, topic, payload)
