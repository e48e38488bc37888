"""Home Assistant over MQTT: the light as one device, found by HA's device-based discovery.

One retained discovery message on `<prefix>/device/<node_id>/config` lists the entities: the light
(JSON schema: on/off, brightness, colour temperature; its effects are the sequences), the next wake
(a timestamp), what shows now, the snooze/dismiss/stop/skip-next buttons, for each alarm a switch
and its time (a text HH:MM), and the next wake's sequence (a select) and rise (a number, minutes).
Availability is `emberwake/<node_id>/status` (the broker publishes the will, `offline`, if the
light vanishes). States are retained; commands arrive under `emberwake/<node_id>/cmd/...`.

Threads: paho's network thread only queues what arrives and wakes the clock; it calls nothing of
the light's. The bridge's own thread (emberwake-mqtt) sleeps on the service's Clock, and when woken
(a command, a change, HA back online, or the periodic refresh) runs the commands through the
Controls and the AlarmBook (by="mqtt", as the button does) and publishes what changed. It holds
no lock of its own while it calls them, so MQTT is never on the path that fires an alarm; a broker
that is down or gone only means nothing is published until paho reconnects (with backoff).
"""

from __future__ import annotations

import collections
import json
import logging
import threading
from typing import Any, Callable

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from device.alarms import MAX_RISE_S
from device.book import MIN_RISE_S, AlarmBook
from device.clock import Clock
from device.health import firmware_version
from device.config import MqttSettings
from device.controller import Mode
from device.controls import Controls
from device.occurrences import active_at
from sequences.catalog import entries
from sequences.tomlfile import FileProblems

REFRESH_S = 60.0  # states are published at least this often (on the service's clock)
STOP_TIMEOUT_S = 0.5  # the most stop() waits for the broker and paho's thread
KEEPALIVE_S = 30
NIGHT_LIGHT_KELVIN = 2200  # what the light reports as its colour temperature (the night light's glow)
BUTTONS = ("snooze", "dismiss", "stop", "skip_next")
SHOWING = ("idle", "rising", "holding", "snoozed", "dusk", "night light", "playing")  # the "showing" sensor's states
TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"


class MqttBridge:
    """The light in Home Assistant. start() once, stop() once (bounded by STOP_TIMEOUT_S and a bit)."""

    def __init__(self, settings: MqttSettings, controls: Controls, book: AlarmBook, clock: Clock,
                 name: str | None = None, config_url: str | None = None, log: logging.Logger | None = None,
                 refresh_s: float = REFRESH_S):
        self.settings, self.controls, self.book, self.clock = settings, controls, book, clock
        node = settings.node_id
        # Two lights in one home are told apart by name: a node_id chosen by hand names the device.
        self.name = name or ("Emberwake" if node.startswith("emberwake_") else f"Emberwake {node}")
        self.config_url, self.refresh_s = config_url, refresh_s
        self.log = log or logging.getLogger("emberwake")
        self.base = f"emberwake/{node}"
        self.status_topic = f"{self.base}/status"
        self.state_topic = f"{self.base}/state"
        self.light_topic = f"{self.base}/light"
        self.discovery_topic = f"{settings.discovery_prefix}/device/{node}/config"
        self.ha_status_topic = f"{settings.discovery_prefix}/status"
        self._inbox: collections.deque[tuple[str, bytes]] = collections.deque()
        self._work = False  # read by the clock's wake test (under the clock's lock): a plain flag
        self._stopping = False
        self._connected = False
        self._rediscover = False  # publish discovery and every state again (connected, HA back)
        self._discovery_due = True  # build discovery again (the alarms changed, or the refresh is due)
        self._seen_showing = None  # the controller's `current` the states last published were read after
        self._refreshed_s: float | None = None  # the clock's monotonic time of the last refresh
        self._said_down = False  # the outage is in the log already
        self._published: dict[str, str] = {}  # topic -> the payload last published (states sent once)
        self._removed: dict[str, str] = {}  # component ids of alarms gone -> platform (HA removes them)
        self._last_components: dict[str, str] = {}
        self._thread = threading.Thread(target=self._run, name="emberwake-mqtt", daemon=True)
        self.client = self._client()

    def _client(self) -> paho.Client:
        settings = self.settings
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"emberwake-{settings.node_id}")
        client.will_set(self.status_topic, "offline", qos=1, retain=True)
        if settings.username is not None:
            client.username_pw_set(settings.username, settings.password)
        if settings.tls:
            client.tls_set(ca_certs=None if settings.tls is True else str(settings.tls))
        client.reconnect_delay_set(settings.reconnect_min_s, settings.reconnect_max_s)
        client.on_connect, client.on_connect_fail = self._on_connect, self._on_connect_fail
        client.on_disconnect, client.on_message = self._on_disconnect, self._on_message
        return client

    # Starting and stopping

    def start(self) -> "MqttBridge":
        settings = self.settings
        self.log.info("MQTT: device %s on %s:%d%s", settings.node_id, settings.host, settings.port,
                      " (TLS)" if settings.tls else "")
        self.client.connect_async(settings.host, settings.port, keepalive=KEEPALIVE_S)
        self.client.loop_start()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Say `offline` (a clean stop), disconnect, and end both threads, each wait bounded."""
        self._stopping = True
        if not self._thread.is_alive():
            return  # never started
        self.clock.wake()
        self._thread.join(STOP_TIMEOUT_S)
        if self._connected:
            sent = self.client.publish(self.status_topic, "offline", qos=1, retain=True)
            try:
                sent.wait_for_publish(STOP_TIMEOUT_S / 2)
            except (RuntimeError, ValueError):
                pass  # the connection went meanwhile: the will says offline instead
        self.client.disconnect()
        # paho's loop_stop() joins its thread without a bound (a reconnect wait lasts up to a second):
        # it runs in a helper thread, so the service's shutdown stays bounded whatever paho does.
        stopper = threading.Thread(target=self.client.loop_stop, name="emberwake-mqtt-stop", daemon=True)
        stopper.start()
        stopper.join(STOP_TIMEOUT_S)

    def poke(self, alarms_changed: bool = False) -> None:
        """Something changed (what shows; with alarms_changed, the alarms and so the entities):
        publish soon, on the bridge's thread."""
        if alarms_changed:
            self._discovery_due = True
        self._work = True
        self.clock.wake()

    # paho's thread: note what happened and wake the bridge; nothing else

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._down(f"the broker refused the connection ({reason_code})")
            return
        self._connected, self._said_down = True, False
        self.log.info("MQTT: connected to %s:%d", self.settings.host, self.settings.port)
        client.subscribe([(f"{self.base}/cmd/#", 1), (self.ha_status_topic, 1)])
        self._rediscover = True
        self.poke(alarms_changed=True)

    def _on_connect_fail(self, client, userdata) -> None:
        self._down("cannot reach the broker")

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._connected = False
        if not self._stopping:
            self._down(f"lost the broker ({reason_code})")

    def _down(self, why: str) -> None:
        if not self._said_down:
            self._said_down = True
            self.log.warning("MQTT: %s at %s:%d; the light carries on alone and keeps trying", why,
                             self.settings.host, self.settings.port)

    def _on_message(self, client, userdata, message) -> None:
        if message.retain and message.topic != self.ha_status_topic:
            return  # a command left retained on the broker would act again at every start: not a command
        self._inbox.append((message.topic, message.payload))
        self.poke()

    # The bridge's thread

    def _run(self) -> None:
        controller = self.controls.controller
        while not self._stopping:
            # Woken by a flag, not only by a wake: a change while this thread was busy is not lost.
            # (The wake test runs under the clock's lock: plain reads only, no call.)
            self.clock.sleep(self.refresh_s, until=lambda: self._work or self._stopping
                             or controller.current is not self._seen_showing)
            if self._stopping:
                return
            self._work = False
            self._seen_showing = controller.current  # before the states are read: a later change wakes again
            now_s = self.clock.monotonic()
            if self._refreshed_s is None or now_s - self._refreshed_s >= self.refresh_s:
                self._refreshed_s, self._discovery_due = now_s, True  # new sequence files, say
            try:
                while self._inbox:
                    self._command(*self._inbox.popleft())
                if self._connected:
                    self._publish()
            except Exception:  # noqa: BLE001 - the bridge must outlive any one bad turn
                self.log.exception("MQTT: publishing failed; trying again at the next change")

    def _command(self, topic: str, payload: bytes) -> None:
        text = payload.decode("utf-8", "replace").strip()
        if topic == self.ha_status_topic:
            if text == "online":
                self.log.info("MQTT: Home Assistant is back: discovery again")
                self._rediscover = self._discovery_due = True
            return
        parts = topic[len(self.base) + len("/cmd/"):].split("/")
        try:
            handler = self._handler(parts)
            if handler is None:
                raise ValueError(f"unknown command topic {topic}")
            handler(text)
        except (ValueError, FileProblems) as error:  # AlarmError is a ValueError; FileProblems: no such sequence
            self.log.warning("MQTT: %s: ignored (%s)", topic, (str(error).splitlines() or ["?"])[0][:200])

    def _handler(self, parts: list[str]) -> Callable[[str], Any] | None:
        controls, by = self.controls, "mqtt"
        press: dict[str, Callable[[], Any]] = {
            "snooze": lambda: controls.snooze(by=by), "dismiss": lambda: controls.dismiss(by=by),
            "stop": lambda: controls.stop(by=by, fade_s=2.0), "skip_next": lambda: controls.skip_next(by=by)}
        if len(parts) == 1 and parts[0] in press:
            return lambda text: press[parts[0]]() if text == "PRESS" else _bad(f"payload {text!r} is not PRESS")
        if parts == ["light"]:
            return self._light
        if parts == ["next_sequence"]:
            return lambda text: self.book.change(self._next_wake_id(), sequence=text)
        if parts == ["next_rise"]:
            return lambda text: self.book.change(self._next_wake_id(), rise=f"{_number(text):g}m")
        if len(parts) == 3 and parts[0] == "alarm" and parts[1].isdigit():
            alarm_id = int(parts[1])
            if parts[2] == "enabled":
                return lambda text: self.book.set_enabled(alarm_id, _on_off(text))
            if parts[2] == "time":
                return lambda text: self.book.change(alarm_id, time=text)
        return None

    def _light(self, text: str) -> None:
        try:
            command = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not JSON: {error.msg}") from None
        if not isinstance(command, dict) or command.get("state") not in ("ON", "OFF"):
            raise ValueError('expected {"state": "ON"} or {"state": "OFF"}')
        if command["state"] == "OFF":
            if self.controls.now().night_light:
                self.controls.light(False, by="mqtt")
            else:
                self.controls.stop(by="mqtt", fade_s=min(60.0, max(0.0, _number(command.get("transition", 2.0)))))
        elif command.get("effect"):
            self.controls.play(str(command["effect"]), by="mqtt")
        else:
            brightness = command.get("brightness")
            level = None if brightness is None else min(1.0, max(1.0, _number(brightness)) / 255.0)
            self.controls.light(True, level, by="mqtt")

    def _next_wake_id(self) -> int:
        coming = self.controls.next_wake()
        if coming is None:
            raise ValueError("no wake alarm is coming")
        return coming.alarm.id

    # What is published

    def _publish(self) -> None:
        if self._rediscover:
            self._rediscover = False
            self._published.clear()
        if self._discovery_due:  # building it reads every sequence file: only when it may have changed
            self._discovery_due = False
            self._send(self.discovery_topic, json.dumps(self.discovery(), sort_keys=True))
        self._send(self.status_topic, "online")
        state, light = self.states()
        self._send(self.state_topic, json.dumps(state, sort_keys=True))
        self._send(f"{self.light_topic}/state", json.dumps(light, sort_keys=True))

    def _send(self, topic: str, payload: str) -> None:
        if self._published.get(topic) != payload:
            self.client.publish(topic, payload, qos=1, retain=True)
            self._published[topic] = payload

    def discovery(self) -> dict:
        """HA's device discovery payload: the device, its availability, and every entity."""
        node, state = self.settings.node_id, self.state_topic
        sequences = [entry for entry in entries(self.book.sequence_dirs) if entry.sequence is not None]

        def entity(key: str, platform: str, name: str, **options) -> tuple[str, dict]:
            return key, {"p": platform, "name": name, "unique_id": f"{node}_{key}", **options}

        def command(key: str) -> str:
            return f"{self.base}/cmd/{key}"

        components = dict([
            entity("light", "light", "Light", schema="json", command_topic=command("light"),
                   state_topic=f"{self.light_topic}/state", brightness=True, supported_color_modes=["color_temp"],
                   color_temp_kelvin=True, min_kelvin=NIGHT_LIGHT_KELVIN, max_kelvin=NIGHT_LIGHT_KELVIN,
                   effect=True, effect_list=[entry.name for entry in sequences]),
            entity("next_wake", "sensor", "Next wake", device_class="timestamp", state_topic=state,
                   value_template="{{ value_json.next_wake or None }}"),
            entity("showing", "sensor", "Showing", state_topic=state, icon="mdi:weather-sunset-up",
                   device_class="enum", options=list(SHOWING), value_template="{{ value_json.showing }}"),
            *(entity(key, "button", key.replace("_", " ").capitalize(), command_topic=command(key),
                     payload_press="PRESS") for key in BUTTONS),
            entity("next_sequence", "select", "Next wake sequence", command_topic=command("next_sequence"),
                   state_topic=state, value_template="{{ value_json.next_sequence or None }}",
                   options=[entry.name for entry in sequences if entry.sequence.kind == "wake"]),
            entity("next_rise", "number", "Next wake rise", command_topic=command("next_rise"), state_topic=state,
                   value_template="{{ value_json.next_rise_min or None }}", min=MIN_RISE_S / 60,
                   max=MAX_RISE_S / 60, step=1, unit_of_measurement="min", mode="box"),
        ])
        for alarm in self.book.alarms():
            key, what = f"alarm_{alarm.id}", f"{'Alarm' if alarm.kind == 'wake' else 'Bedtime'} {alarm.id}"
            label = f" ({alarm.label})" if alarm.label else ""
            components.update([entity(key, "switch", f"{what}{label}", command_topic=command(f"alarm/{alarm.id}/enabled"),
                                      state_topic=state, value_template=f"{{{{ value_json.alarms['{alarm.id}'].enabled }}}}")])
            if alarm.after_sunset is None:
                components.update([entity(f"{key}_time", "text", f"{what} time", pattern=TIME_PATTERN, min=4, max=5,
                                          command_topic=command(f"alarm/{alarm.id}/time"), state_topic=state,
                                          value_template=f"{{{{ value_json.alarms['{alarm.id}'].time }}}}")])
        # An entity gone (its alarm removed) stays in `cmps` with only its platform: HA's device
        # discovery removes it then, as the retained message no longer lists it in full.
        for key, platform in self._last_components.items():
            if key not in components:
                self._removed[key] = platform
        for key in components:
            self._removed.pop(key, None)
        self._last_components = {key: config["p"] for key, config in components.items()}
        components.update({key: {"p": platform} for key, platform in self._removed.items()})
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
        level = float(controller.store.meta("light_level") or 1.0) if now.night_light else 1.0
        light = {"state": "OFF" if now.mode is Mode.IDLE else "ON", "color_mode": "color_temp",
                 "color_temp": NIGHT_LIGHT_KELVIN, "brightness": round(255 * level)}
        if now.mode is Mode.MANUAL:
            light["effect"] = controller.current.label
        return state, light

    def _showing(self, now) -> str:
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


def _bad(why: str) -> None:
    raise ValueError(why)


def _on_off(text: str) -> bool:
    if text not in ("ON", "OFF"):
        raise ValueError(f"payload {text[:40]!r} is not ON or OFF")
    return text == "ON"


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{str(value)[:40]!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{value!r} is not a number")
    return number
