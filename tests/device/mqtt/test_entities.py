"""What Home Assistant's entities do, over a real Mosquitto: the light's colour temperature is the
night light's, a removed alarm's entities are removed as HA's device discovery asks (also when it
was removed while the light was off), an alarm's time can be HA's time entity, the device links to
the phone page, and the next alarm's sequence and rise change that alarm."""

from __future__ import annotations

import json

from device.book import store_path
from device.store import Store
from sequences.colour import correlated_colour_temperature
from tests.device.mqtt.conftest import DISCOVERY, LIGHT, NODE, STATE, STATUS, Light, Watcher

COMMAND = f"emberwake/{NODE}/cmd"


def configs(payloads: list[bytes]) -> list[dict]:
    return [json.loads(payload) for payload in payloads if payload]


def removed(key: str):
    """A test of a discovery topic's history: the last config there leaves `key` out, and one
    before it listed `key` with only its platform (HA's removal of a component)."""
    def test(payloads: list[bytes]) -> bool:
        seen = configs(payloads)
        return bool(seen) and key not in seen[-1]["cmps"] and any(set(c["cmps"].get(key, {})) == {"p"} for c in seen)
    return test


def test_the_light_takes_a_colour_temperature_from_home_assistant_and_says_which(light, watcher):
    own = watcher.wait_json(LIGHT)["color_temp"]
    assert own == 1054  # the built-in night light's own colour, night-red, is about 1050 K
    watcher.publish(f"{COMMAND}/light", json.dumps({"state": "ON", "color_temp": 2700, "brightness": 255}))
    state = watcher.wait_json(LIGHT, lambda data: data["state"] == "ON" and data["color_temp"] == 2700)
    assert state["color_mode"] == "color_temp" and state["brightness"] == 255
    assert light.service.player.wait_for(lambda playing: playing.label == "night light")
    frame = light.service.player.program.source.frame(0.0)
    assert abs(correlated_colour_temperature(frame.sum(axis=0)) - 2700) < 27  # what the ring shows, within 1%
    assert light.service.controls.status()["night_light_kelvin"] == 2700
    watcher.publish(f"{COMMAND}/light", json.dumps({"state": "ON", "color_temp": 6500}))  # beyond the night light's
    assert light.said("colour temperature 6500 K is outside 1000-4000 K")
    assert light.service.controller.night_light_kelvin() == 2700


def test_a_removed_alarms_entities_are_published_once_with_only_their_platform_then_left_out(light, broker,
                                                                                               watcher):
    alarm = light.service.book.add("wake", "07:15", label="gym")
    key = f"alarm_{alarm.id}"
    watcher.wait_json(DISCOVERY, lambda data: key in data["cmps"])
    light.service.book.remove(alarm.id)
    history = configs(watcher.wait_history(DISCOVERY, removed(key), timeout_s=1.0))
    removal = next(config for config in history if config["cmps"].get(key) == {"p": "switch"})
    assert removal["cmps"][f"{key}_time"] == {"p": "text"}
    assert removal["cmps"]["light"] == history[-1]["cmps"]["light"]  # the others as before, in full
    late = Watcher(broker.port)  # HA starting later reads the retained config: the alarm is not in it at all
    try:
        retained = late.wait_json(DISCOVERY)
        assert key not in retained["cmps"] and f"{key}_time" not in retained["cmps"]
        assert retained == history[-1]
    finally:
        late.close()


def test_an_alarm_removed_while_the_light_was_off_goes_from_home_assistant_when_it_starts(tmp_path, broker,
                                                                                          watcher):
    first = Light(tmp_path / "home", broker)
    try:
        alarm = first.service.book.add("wake", "07:15")
        kept = first.service.book.add("wake", "08:30")
        watcher.wait_json(DISCOVERY, lambda data: f"alarm_{alarm.id}" in data["cmps"])
    finally:
        first.close()
    store = Store(store_path(first.home))  # as `emberwake alarm remove` does with no service running
    try:
        assert store.remove(alarm.id)
    finally:
        store.close()
    again = Light(tmp_path / "home", broker)
    try:
        watcher.wait_for(STATUS, lambda payload: payload == b"online")
        history = configs(watcher.wait_history(DISCOVERY, removed(f"alarm_{alarm.id}")))
        assert f"alarm_{kept.id}" in history[-1]["cmps"]
        assert watcher.wait_json(STATE, lambda data: list(data["alarms"]) == [str(kept.id)])
    finally:
        again.close()


def test_with_time_entity_time_an_alarms_time_is_a_time_entity_and_the_text_one_goes(tmp_path, broker, watcher):
    first = Light(tmp_path / "home", broker)
    try:
        alarm = first.service.book.add("wake", "07:15")
        text_key, time_key = f"alarm_{alarm.id}_time", f"alarm_{alarm.id}_time_of_day"
        watcher.wait_json(DISCOVERY, lambda data: data["cmps"].get(text_key, {}).get("p") == "text")
    finally:
        first.close()
    again = Light(tmp_path / "home", broker, more='time_entity = "time"\n')  # HA 2026.5 or later
    try:
        history = configs(watcher.wait_history(DISCOVERY, removed(text_key)))
        component = history[-1]["cmps"][time_key]
        assert component["p"] == "time" and {"command_topic", "state_topic", "unique_id"} <= set(component)
        watcher.publish(component["command_topic"], "06:45:00")  # what HA's time entity sends
        assert watcher.wait_json(STATE, lambda data: data["alarms"][str(alarm.id)]["time"] == "06:45")
        watcher.publish(component["command_topic"], "06:45:30")  # the alarm book keeps whole minutes
        assert again.said("06:45:30")
        assert again.service.book.get(alarm.id).describe_time() == "06:45"
    finally:
        again.close()


def test_the_device_links_to_the_phone_page_when_it_is_served_on_the_lan(tmp_path, broker, watcher):
    light = Light(tmp_path / "home", broker, more='\n[web]\nlisten = "127.0.0.1:0"\n', serve_api=True)
    try:
        host, port = light.service.api_server.web_address[:2]
        assert watcher.wait_json(DISCOVERY)["dev"]["cu"] == f"http://{host}:{port}/"
    finally:
        light.close()


def test_the_next_alarms_sequence_and_rise_change_that_alarm_and_say_so(light, watcher):
    discovery = watcher.wait_json(DISCOVERY)
    names = {key: discovery["cmps"][key]["name"] for key in ("next_sequence", "next_rise")}
    assert names == {"next_sequence": "Next alarm's sequence", "next_rise": "Next alarm's rise"}
    watcher.publish(f"{COMMAND}/next_rise", "20")
    assert light.said("no wake alarm is coming")
    alarm = light.service.book.add("wake", "06:30")
    watcher.wait_json(STATE, lambda data: data["next_rise_min"] == 30)
    watcher.publish(f"{COMMAND}/next_sequence", "lavender-dawn")
    watcher.publish(f"{COMMAND}/next_rise", "20")
    state = watcher.wait_json(STATE, lambda data: data["next_rise_min"] == 20)
    assert state["next_sequence"] == "lavender-dawn"
    changed = light.service.book.get(alarm.id)  # the alarm itself: every day it repeats, not one morning
    assert (changed.sequence, changed.rise_s, changed.days) == ("lavender-dawn", 1200, alarm.days)
    assert [(o.at - o.start).total_seconds() for o in light.service.book.upcoming(2, kind="wake")] == [1200, 1200]
