"""The light in Home Assistant over a real Mosquitto: discovery, commands through the controls,
alarms appearing as entities, HA restarting, two lights on one broker, the will on kill -9, and
the broker going away while the light carries on (on the test clock)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time

from device.controller import NIGHT_LIGHT_KELVIN, Mode
from tests.device.mqtt.conftest import DISCOVERY, LIGHT, NODE, ROOT, STATE, STATUS, WAIT_S, Light, Watcher, mqtt_home

# What Home Assistant's MQTT docs require of each platform in a discovery config (beyond `p`, and
# the `unique_id` every entity of a device discovery needs); the light is the JSON schema's.
REQUIRED = {
    "light": {"command_topic", "schema"},
    "sensor": {"state_topic"},
    "button": {"command_topic"},
    "switch": {"command_topic"},
    "text": {"command_topic"},
    "time": {"command_topic"},
    "select": {"command_topic", "options"},
    "number": {"command_topic"},
}
REQUIRED_DEVICE = {"dev": {"ids", "name"}, "o": {"name"}}


def test_the_discovery_message_has_what_home_assistant_requires_of_each_platform(light, watcher):
    discovery = watcher.wait_json(DISCOVERY)
    for block, keys in REQUIRED_DEVICE.items():
        assert keys <= set(discovery[block]), block
    assert discovery["avty_t"] == STATUS and watcher.wait_for(STATUS) == b"online"
    platforms = {}
    for key, component in discovery["cmps"].items():
        platform = component["p"]
        missing = (REQUIRED[platform] | {"unique_id"}) - set(component)
        assert not missing, f"{key} ({platform}) lacks {missing}"
        platforms.setdefault(platform, []).append(key)
    assert sorted(platforms["button"]) == ["dismiss", "skip_next", "snooze", "stop"]
    assert discovery["cmps"]["next_wake"]["device_class"] == "timestamp"
    assert {"idle", "rising", "holding", "snoozed", "dusk", "night light"} <= set(discovery["cmps"]["showing"]["options"])
    light_entity = discovery["cmps"]["light"]
    assert "breathe" in light_entity["effect_list"] and light_entity["schema"] == "json"
    assert "ack-skip" not in light_entity["effect_list"]  # a cue answers a press; it is not a light to choose
    assert (light_entity["min_kelvin"], light_entity["max_kelvin"]) == NIGHT_LIGHT_KELVIN
    assert "cu" not in discovery["dev"]  # no phone page on the LAN ([web] listen) to link to
    assert len({c["unique_id"] for c in discovery["cmps"].values()}) == len(discovery["cmps"])
    assert watcher.wait_json(LIGHT)["state"] == "OFF" and watcher.wait_json(STATE)["showing"] == "idle"


def test_a_light_command_turns_on_the_night_light_and_an_effect_plays_its_sequence(light, watcher):
    watcher.wait_for(STATUS, lambda payload: payload == b"online")
    watcher.publish(f"emberwake/{NODE}/cmd/light", json.dumps({"state": "ON", "brightness": 128}))
    assert light.service.player.wait_for(lambda state: state.label == "night light")
    assert light.service.controls.status()["night_light"] is True
    assert watcher.wait_json(LIGHT, lambda data: data["state"] == "ON")["brightness"] == 128
    assert watcher.wait_json(STATE, lambda data: data["showing"] == "night light")
    watcher.publish(f"emberwake/{NODE}/cmd/light", json.dumps({"state": "ON", "effect": "breathe"}))
    assert light.service.player.wait_for(lambda state: state.label == "breathe")
    assert watcher.wait_json(LIGHT, lambda data: data.get("effect") == "breathe")


def test_a_malformed_command_is_logged_in_one_line_and_ignored(light, watcher):
    watcher.wait_for(STATUS, lambda payload: payload == b"online")
    watcher.publish(f"emberwake/{NODE}/cmd/light", "{not json")
    watcher.publish(f"emberwake/{NODE}/cmd/light", json.dumps({"state": "ON", "effect": "no-such-sequence"}))
    watcher.publish(f"emberwake/{NODE}/cmd/snooze", "PUSH")
    watcher.publish(f"emberwake/{NODE}/cmd/alarm/99/enabled", "ON")
    assert light.said(f"emberwake/{NODE}/cmd/alarm/99/enabled: ignored")
    bad = [line for line in light.records if "ignored" in line]
    assert len(bad) == 4 and all("\n" not in line for line in bad), bad
    assert light.service.controls.now().mode is Mode.IDLE


def test_snooze_from_the_button_during_an_alarm(light, watcher):
    alarm = light.service.book.add("wake", "06:30")
    light.at("2026-11-23T06:10")
    assert light.service.player.wait_for(lambda state: state.label == f"wake {alarm.id}"), \
        (light.service.player.state, light.service.controls.status(), light.records)
    assert watcher.wait_json(STATE, lambda data: data["showing"] == "rising")
    watcher.publish(f"emberwake/{NODE}/cmd/snooze", "PRESS")
    assert light.said("snooze by mqtt")
    assert light.service.controls.now().mode is Mode.SNOOZE
    assert watcher.wait_json(STATE, lambda data: data["showing"] == "snoozed")


def test_a_new_alarm_appears_as_entities_within_a_second_and_is_set_from_them(light, watcher):
    watcher.wait_json(DISCOVERY)
    alarm = light.service.book.add("wake", "07:15")
    key = f"alarm_{alarm.id}"
    discovery = watcher.wait_json(DISCOVERY, lambda data: key in data["cmps"], timeout_s=1.0)
    assert discovery["cmps"][key]["p"] == "switch" and discovery["cmps"][f"{key}_time"]["p"] == "text"
    assert watcher.wait_json(STATE, lambda data: data["alarms"].get(str(alarm.id), {}).get("time") == "07:15")
    watcher.publish(f"emberwake/{NODE}/cmd/alarm/{alarm.id}/time", "06:45")
    assert watcher.wait_json(STATE, lambda data: data["alarms"][str(alarm.id)]["time"] == "06:45")
    watcher.publish(f"emberwake/{NODE}/cmd/alarm/{alarm.id}/enabled", "OFF")
    assert watcher.wait_json(STATE, lambda data: data["alarms"][str(alarm.id)]["enabled"] == "OFF")
    assert light.service.book.get(alarm.id).enabled is False


def test_home_assistant_coming_back_online_gets_discovery_again(light, watcher):
    watcher.wait_json(DISCOVERY)
    before = len(watcher.history[DISCOVERY])
    watcher.publish("homeassistant/status", "online")
    watcher.wait_history(DISCOVERY, lambda payloads: len(payloads) > before)
    watcher.wait_json(STATE)


def test_two_lights_on_one_broker_keep_their_own_devices_and_commands(tmp_path, broker, watcher):
    first, second = Light(tmp_path / "first", broker, "first"), Light(tmp_path / "second", broker, "second")
    try:
        ones = watcher.wait_json("homeassistant/device/first/config")
        twos = watcher.wait_json("homeassistant/device/second/config")
        assert ones["dev"]["ids"] != twos["dev"]["ids"]
        assert (ones["dev"]["name"], twos["dev"]["name"]) == ("Emberwake first", "Emberwake second")
        assert not {c["unique_id"] for c in ones["cmps"].values()} & {c["unique_id"] for c in twos["cmps"].values()}
        watcher.wait_for("emberwake/second/status", lambda payload: payload == b"online")
        watcher.publish("emberwake/first/cmd/light", json.dumps({"state": "ON"}))
        watcher.publish("emberwake/second/cmd/skip_next", "PRESS")  # the second's own, after the first's
        assert first.service.player.wait_for(lambda state: state.label == "night light")
        assert second.said("skip by mqtt")
        assert not second.service.controls.now().night_light
        assert not any("night light" in line for line in second.records)
        assert not any("skip" in line for line in first.records)
    finally:
        first.close()
        second.close()


def test_kill_9_leaves_the_retained_offline_of_the_will(tmp_path, broker, watcher):
    home = mqtt_home(tmp_path / "home", broker, "killed")
    process = subprocess.Popen([sys.executable, "-c", "import sys; from device.cli import main; sys.exit(main())",
                                "--home", str(home), "run", "--output", "null"],
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        watcher.wait_for("emberwake/killed/status", lambda payload: payload == b"online", timeout_s=30)
        watcher.wait_json("homeassistant/device/killed/config")
        process.send_signal(signal.SIGKILL)
        watcher.wait_for("emberwake/killed/status", lambda payload: payload == b"offline")
    finally:
        process.kill()
        process.wait(WAIT_S)
    late = Watcher(broker.port)  # a newcomer (HA starting later) is told too: the will is retained
    try:
        assert late.wait_for("emberwake/killed/status") == b"offline"
    finally:
        late.close()


def test_a_clean_stop_says_offline(tmp_path, broker, watcher):
    light = Light(tmp_path / "home", broker)
    watcher.wait_for(STATUS, lambda payload: payload == b"online")
    started = time.monotonic()
    light.close()
    assert time.monotonic() - started < 2.0
    watcher.wait_for(STATUS, lambda payload: payload == b"offline")


def test_without_the_broker_alarms_still_fire_and_the_device_comes_back(light, broker, watcher):
    alarm = light.service.book.add("wake", "06:30")
    watcher.wait_json(STATE, lambda data: str(alarm.id) in data["alarms"])
    watcher.close()
    broker.stop()
    assert light.said("the light carries on alone")
    light.at("2026-11-23T06:10")
    assert light.service.player.wait_for(lambda state: state.label == f"wake {alarm.id}")
    broker.start()
    again = Watcher(broker.port)
    try:
        assert again.wait_json(STATE, lambda data: data["showing"] == "rising")
        assert f"alarm_{alarm.id}" in again.wait_json(DISCOVERY)["cmps"]
        assert again.wait_for(STATUS) == b"online"
    finally:
        again.close()
    assert sum("carries on alone" in line for line in light.records) == 1, light.records


def test_with_the_broker_down_at_boot_the_light_says_so_once_stops_promptly_and_joins_later(tmp_path, broker):
    broker.stop()
    light = Light(tmp_path / "home", broker)
    try:
        assert light.said("cannot reach the broker")
        light.service.controls.light(True, by="test")  # the light works alone
        assert light.service.player.wait_for(lambda state: state.label == "night light")
        broker.start()
        watcher = Watcher(broker.port)
        try:
            assert watcher.wait_json(LIGHT, lambda data: data["state"] == "ON")
            assert watcher.wait_for(STATUS) == b"online"
        finally:
            watcher.close()
        assert sum("carries on alone" in line for line in light.records) == 1, light.records
        broker.stop()
        assert light.said("lost the broker")
    finally:
        started = time.monotonic()
        light.close()
        assert time.monotonic() - started < 2.0  # paho may be waiting to reconnect: stop does not wait on it


def test_a_command_left_retained_on_the_broker_is_not_acted_on_at_start(tmp_path, broker, watcher):
    watcher.publish(f"emberwake/{NODE}/cmd/light", json.dumps({"state": "ON"}), retain=True)
    light = Light(tmp_path / "home", broker)
    try:
        watcher.wait_for(STATUS, lambda payload: payload == b"online")
        watcher.publish(f"emberwake/{NODE}/cmd/skip_next", "PRESS")  # a live command, after the retained one
        assert light.said("skip by mqtt")
        assert not light.service.controls.now().night_light
        assert not any("night light" in line for line in light.records)
    finally:
        light.close()


def test_a_broker_that_wants_a_password_gets_it_from_the_file_and_the_log_never_shows_it(tmp_path, broker, caplog):
    secret = "s3cret-for-the-broker"
    broker.stop()
    broker.require_password("emberwake", secret)
    broker.start()
    (tmp_path / "password").write_text(secret + "\n", encoding="utf-8")
    watcher = Watcher(broker.port, "emberwake", secret)
    with caplog.at_level(logging.DEBUG):
        light = Light(tmp_path / "home", broker, more=f'username = "emberwake"\npassword_file = "{tmp_path}/password"\n')
        try:
            assert watcher.wait_for(STATUS) == b"online"
            assert secret not in repr(light.service.config)
        finally:
            light.close()
            watcher.close()
    assert secret not in caplog.text and not any(secret in line for line in light.records)


def test_over_tls_with_the_brokers_own_ca(tmp_path, broker):
    broker.stop()
    ca_file = broker.require_tls()
    broker.start()
    watcher = Watcher(broker.port, ca_file=ca_file)
    light = Light(tmp_path / "home", broker, more=f'tls = "{ca_file}"\n')
    try:
        assert watcher.wait_for(STATUS) == b"online"
        watcher.publish(f"emberwake/{NODE}/cmd/light", json.dumps({"state": "ON"}))
        assert light.service.player.wait_for(lambda state: state.label == "night light")
    finally:
        light.close()
        watcher.close()


def test_what_shows_holding_after_the_rise_idle_once_dismissed_and_dusk_at_bedtime(light, watcher):
    alarm = light.service.book.add("wake", "06:30")
    light.at("2026-11-23T06:40")
    assert light.service.player.wait_for(lambda state: state.label == f"wake {alarm.id}")
    assert watcher.wait_json(STATE, lambda data: data["showing"] == "holding")
    watcher.publish(f"emberwake/{NODE}/cmd/dismiss", "PRESS")
    assert light.said("dismiss by mqtt")
    assert watcher.wait_json(STATE, lambda data: data["showing"] == "idle")
    light.service.book.add("bedtime", "21:00")
    bedtime = light.service.book.next_one("bedtime")
    assert light.service.timers.wait_caught_up()
    light.clock.advance_to(bedtime.start + (bedtime.end - bedtime.start) / 2)
    assert light.service.timers.wait_caught_up()
    assert watcher.wait_json(STATE, lambda data: data["showing"] == "dusk")


def test_a_time_that_would_overlap_another_rise_is_refused_in_one_line(light, watcher):
    light.service.book.add("wake", "06:30")
    later = light.service.book.add("wake", "08:00")
    watcher.wait_json(STATE, lambda data: str(later.id) in data["alarms"])
    watcher.publish(f"emberwake/{NODE}/cmd/alarm/{later.id}/time", "06:45")
    watcher.publish(f"emberwake/{NODE}/cmd/alarm/{later.id}/time", "25:00")
    assert light.said("25:00")
    refused = [line for line in light.records if "ignored" in line]
    assert len(refused) == 2 and "overlaps" in refused[0] and "25:00" in refused[1], refused
    assert light.service.book.get(later.id).describe_time() == "08:00"
