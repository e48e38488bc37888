"""What Home Assistant is told of the light: its topics, the device discovery payload (the device
and every entity) and the states, all read from the Controls and the AlarmBook when asked.
device/mqtt.py publishes them and acts on the commands; its docstring says what each entity does."""

from __future__ import annotations

from device.alarms import MAX_RISE_S
from device.book import MIN_RISE_S, AlarmBook
from device.clock import Clock
from device.controller import NIGHT_LIGHT_KELVIN, Mode
from device.controls import Controls, Now
from device.health import firmware_version
from device.occurrences import active_at
from sequences.catalog import entries

BUTTONS = ("snooze", "dismiss", "stop", "skip_next")
SHOWING = ("idle", "rising", "holding", "snoozed", "dusk", "night light", "playing")  # the "showing" sensor's states
TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"


class Entities:
    """The light as one HA device named `name` (default: from node_id), linking to `config_url`
    (the phone page) when there is one; each alarm's time as a `time_entity` ("text" or "time",
    device.config.TIME_ENTITIES)."""

    def __init__(self, node_id: str, discovery_prefix: str, controls: Controls, book: AlarmBook, clock: Clock,
                 name: str | None = None, config_url: str | None = None, time_entity: str = "text"):
        self.node_id, self.controls, self.book, self.clock = node_id, controls, book, clock
        self.time_entity = time_entity
        # Two lights in one home are told apart by name: a node_id chosen by hand names the device.
        self.name = name or ("Emberwake" if node_id.startswith("emberwake_") else f"Emberwake {node_id}")
        self.config_url = config_url
        self.base = f"emberwake/{node_id}"
        self.status_topic = f"{self.base}/status"
        self.state_topic = f"{self.base}/state"
        self.light_state_topic = f"{self.base}/light/state"
        self.discovery_topic = f"{discovery_prefix}/device/{node_id}/config"
        self.ha_status_topic = f"{discovery_prefix}/status"

    def discovery(self) -> dict:
        """HA's device discovery payload: the device, its availability, and every entity."""
        node, state = self.node_id, self.state_topic
        sequences = [entry for entry in entries(self.book.sequence_dirs) if entry.sequence is not None]

        def entity(key: str, platform: str, name: str, **options) -> tuple[str, dict]:
            return key, {"p": platform, "name": name, "unique_id": f"{node}_{key}", **options}

        def command(key: str) -> str:
            return f"{self.base}/cmd/{key}"

        components = dict([
            entity("light", "light", "Light", schema="json", command_topic=command("light"),
                   state_topic=self.light_state_topic, brightness=True, supported_color_modes=["color_temp"],
                   color_temp_kelvin=True, min_kelvin=NIGHT_LIGHT_KELVIN[0], max_kelvin=NIGHT_LIGHT_KELVIN[1],
                   effect=True, effect_list=[entry.name for entry in sequences if entry.sequence.kind != "cue"]),
            entity("next_wake", "sensor", "Next wake", device_class="timestamp", state_topic=state,
                   value_template="{{ value_json.next_wake or None }}"),
            entity("showing", "sensor", "Showing", state_topic=state, icon="mdi:weather-sunset-up",
                   device_class="enum", options=list(SHOWING), value_template="{{ value_json.showing }}"),
            *(entity(key, "button", key.replace("_", " ").capitalize(), command_topic=command(key),
                     payload_press="PRESS") for key in BUTTONS),
            entity("next_sequence", "select", "Next alarm's sequence", command_topic=command("next_sequence"),
                   state_topic=state, value_template="{{ value_json.next_sequence or None }}",
                   options=[entry.name for entry in sequences if entry.sequence.kind == "wake"]),
            entity("next_rise", "number", "Next alarm's rise", command_topic=command("next_rise"), state_topic=state,
                   value_template="{{ value_json.next_rise_min or None }}", min=MIN_RISE_S / 60,
                   max=MAX_RISE_S / 60, step=1, unit_of_measurement="min", mode="box"),
        ])
        for alarm in self.book.alarms():
            key, what = f"alarm_{alarm.id}", f"{'Alarm' if alarm.kind == 'wake' else 'Bedtime'} {alarm.id}"
            label = f" ({alarm.label})" if alarm.label else ""
            components.update([entity(key, "switch", f"{what}{label}", state_topic=state,
                                      command_topic=command(f"alarm/{alarm.id}/enabled"),
                                      value_template=f"{{{{ value_json.alarms['{alarm.id}'].enabled }}}}")])
            if alarm.after_sunset is None:  # (a time after sunset is not a time of day)
                # a key of each platform's own: one changed for the other is removed from HA as it goes
                time_key, text = (f"{key}_time", {"pattern": TIME_PATTERN, "min": 4, "max": 5}) \
                    if self.time_entity == "text" else (f"{key}_time_of_day", {})
                components.update([entity(time_key, self.time_entity, f"{what} time", **text, state_topic=state,
                                          command_topic=command(f"alarm/{alarm.id}/time"),
                                          value_template=f"{{{{ value_json.alarms['{alarm.id}'].time }}}}")])
        device = {"ids": [node], "name": self.name, "mf": "Emberwake", "mdl": "Emberwake wake-up light",
                  "sw": firmware_version()}
        if self.config_url:
            device["cu"] = self.config_url
        return {"dev": device, "o": {"name": "emberwake", "sw": firmware_version()}, "avty_t": self.status_topic,
                "qos": 1, "cmps": components}

    def states(self) -> tuple[dict, dict]:
        """(the shared state, the light's JSON state) as published now."""
        now = self.controls.now()
        coming = self.controls.next_wake()
        alarms = {str(alarm.id): {"enabled": "ON" if alarm.enabled else "OFF", "time": alarm.describe_time()}
                  for alarm in self.book.alarms()}
        state = {"showing": self._showing(now), "alarms": alarms,
                 "next_wake": coming.at.isoformat() if coming else None,
                 "next_sequence": coming.alarm.sequence if coming else None,
                 "next_rise_min": round(coming.alarm.rise_s / 60) if coming else None}
        controller = self.controls.controller
        level = controller.night_light_level() if now.night_light else 1.0
        light = {"state": "OFF" if now.mode is Mode.IDLE else "ON", "color_mode": "color_temp",
                 "color_temp": controller.night_light_kelvin(), "brightness": round(255 * level)}
        if now.mode is Mode.MANUAL:
            light["effect"] = controller.current.label
        return state, light

    def _showing(self, now: Now) -> str:
        """One of SHOWING: an alarm's light rising or holding, a bedtime's dusk, a snooze, the night
        light, a sequence played on request, or nothing."""
        if now.mode is Mode.ALARM:
            if now.kind != "wake":
                return "dusk"
            key = self.controls.controller.current.key
            alarm = next((a for a in self.book.alarms() if key and a.id == key[0]), None)
            place = self.book.place
            occurrence = alarm and active_at(alarm, place.zone, place.location, self.clock.now())
            return "rising" if occurrence and self.clock.now() < occurrence.at else "holding"
        return {Mode.SNOOZE: "snoozed", Mode.LIGHT: "night light", Mode.MANUAL: "playing"}.get(now.mode, "idle")
