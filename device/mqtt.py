"""Home Assistant over MQTT: the light as one device, found by HA's device-based discovery.

One retained discovery message on `<prefix>/device/<node_id>/config` lists the entities (built in
device/mqtt_entities.py): the light (JSON schema: on/off, brightness, colour temperature in kelvin;
its effects are the sequences), the next wake (a timestamp), what shows now, the snooze/dismiss/
stop/skip-next buttons, for each alarm a switch and its time (a text HH:MM; or HA's time entity,
with [mqtt] time_entity = "time": an older HA has none and would refuse the whole device), and the
next alarm's sequence (a select) and rise (a number, minutes). Availability is
`emberwake/<node_id>/status` (the broker publishes the will, `offline`, if the light vanishes).
States are retained; commands arrive under `emberwake/<node_id>/cmd/...`.

The light is the night light (or, with an effect, a sequence played now): its brightness scales the
night light's own level, and its colour temperature is the night light's (Controls.light's kelvin).

The next alarm's sequence and rise change that alarm, for every day it repeats: the alarm book has
no one-off change of a single occurrence, and a change HA made that quietly undid itself after one
morning would surprise more than one that stays. The entities' names say so ("Next alarm's ...").

An alarm removed removes its entities as HA's device discovery asks: the discovery is published
once with the gone component reduced to its platform ({"p": "switch"}), then again without it (the
one retained). What HA may know of is what this bridge published, and what it finds retained on
the broker when it connects, so an alarm removed while the light was off goes from HA too.

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
import math
import re
import threading
from typing import Any, Callable

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from device.book import AlarmBook
from device.clock import Clock
from device.config import MqttSettings
from device.controls import Controls
from device.mqtt_entities import Entities
from sequences.tomlfile import FileProblems, printable

REFRESH_S = 60.0  # states are published at least this often (on the service's clock)
STOP_TIMEOUT_S = 0.5  # the most stop() waits for the broker and paho's thread
KEEPALIVE_S = 30
WHOLE_MINUTE = re.compile(r"\d{1,2}:\d{2}:00")


class MqttBridge:
    """The light in Home Assistant. start() once, stop() once (bounded by STOP_TIMEOUT_S and a bit)."""

    def __init__(self, settings: MqttSettings, controls: Controls, book: AlarmBook, clock: Clock,
                 name: str | None = None, config_url: str | None = None, log: logging.Logger | None = None,
                 refresh_s: float = REFRESH_S):
        self.settings, self.controls, self.book, self.clock = settings, controls, book, clock
        self.refresh_s = refresh_s
        self.log = log or logging.getLogger("emberwake")
        self.entities = entities = Entities(settings.node_id, settings.discovery_prefix, controls, book, clock, name,
                                            config_url, settings.time_entity)
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
        # component id -> platform, for every component HA may know of: those this bridge published,
        # and those of a discovery found retained on the broker (from before a restart)
        self._announced: dict[str, str] = {}
        self._thread = threading.Thread(target=self._run, name="emberwake-mqtt", daemon=True)
        self.client = self._client()

    def _client(self) -> paho.Client:
        settings = self.settings
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"emberwake-{settings.node_id}")
        client.will_set(self.entities.status_topic, "offline", qos=1, retain=True)
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
            sent = self.client.publish(self.entities.status_topic, "offline", qos=1, retain=True)
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
        # Our own discovery topic too: what the broker holds there is what HA was last told.
        entities = self.entities
        client.subscribe([(f"{entities.base}/cmd/#", 1), (entities.ha_status_topic, 1), (entities.discovery_topic, 1)])
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
        if message.retain and message.topic not in (self.entities.ha_status_topic, self.entities.discovery_topic):
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
                    self.handle(*self._inbox.popleft())
                if self._connected:
                    self._publish()
            except Exception:  # noqa: BLE001 - the bridge must outlive any one bad turn
                self.log.exception("MQTT: publishing failed; trying again at the next change")

    def handle(self, topic: str, payload: bytes) -> bool:
        """Act on one message that arrived (on the bridge's thread): a command through the Controls
        or the AlarmBook, HA's status, or the discovery on the broker. False: the payload was
        malformed or refused, said in one line in the log, and nothing was changed."""
        text = payload.decode("utf-8", "replace").strip()
        if topic == self.entities.ha_status_topic:
            if text == "online":
                self.log.info("MQTT: Home Assistant is back: discovery again")
                self._rediscover = self._discovery_due = True
            return True
        try:
            if topic == self.entities.discovery_topic:
                self._heard_discovery(text)
                return True
            handler = self._handler(topic[len(self.entities.base) + len("/cmd/"):].split("/"))
            if handler is None:
                raise ValueError("no such command")
            handler(text)
            return True
        except (ValueError, FileProblems) as error:  # AlarmError is a ValueError; FileProblems: no such sequence
            self.log.warning("MQTT: %s: ignored (%s)", printable(topic)[:200],
                             printable((str(error).splitlines() or ["?"])[0])[:200])
            return False

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
            return lambda text: self.book.update(self._next_wake_id(), sequence=text)
        if parts == ["next_rise"]:
            return lambda text: self.book.update(self._next_wake_id(), rise=f"{_number(text):g}m")
        if len(parts) == 3 and parts[0] == "alarm" and parts[1].isdigit():
            alarm_id = int(parts[1])
            if parts[2] == "enabled":
                return lambda text: self.book.set_enabled(alarm_id, _on_off(text))
            if parts[2] == "time":  # HH:MM from a text entity, HH:MM:SS (seconds 00) from a time entity
                return lambda text: self.book.update(alarm_id, time=text[:-3] if WHOLE_MINUTE.fullmatch(text)
                                                     else text)
        return None

    def _light(self, text: str) -> None:
        """HA's JSON light command: {"state": "ON"|"OFF", "brightness": 0-255, "color_temp": kelvin,
        "effect": a sequence, "transition": s}. On plays the effect, else the night light."""
        command = _json(text)
        if not isinstance(command, dict) or command.get("state") not in ("ON", "OFF"):
            raise ValueError('expected {"state": "ON"} or {"state": "OFF"}')
        if command["state"] == "OFF":
            if self.controls.now().night_light:
                self.controls.light(False, by="mqtt")
            else:
                self.controls.stop(by="mqtt", fade_s=min(60.0, max(0.0, _number(command.get("transition", 2.0)))))
        elif command.get("effect"):
            self.controls.play(str(command["effect"])[:200], by="mqtt")
        else:
            brightness, kelvin = command.get("brightness"), command.get("color_temp")
            level = None if brightness is None else min(1.0, max(1.0, _number(brightness)) / 255.0)
            self.controls.light(True, level, None if kelvin is None else _number(kelvin), by="mqtt")

    def _heard_discovery(self, text: str) -> None:
        """A discovery on our topic (retained from before, or our own coming back): every component
        it describes in full is one HA may know of; one no longer ours is removed at the next publish."""
        if not text:
            return  # cleared (HA deleted the device): nothing to remove
        discovery = _json(text)
        components = discovery.get("cmps") if isinstance(discovery, dict) else None
        if not isinstance(components, dict):
            raise ValueError("a discovery without components")
        for key, config in components.items():
            if isinstance(config, dict) and isinstance(config.get("p"), str) and len(config) > 1 \
                    and key not in self._announced:
                self._announced[key] = config["p"]
                self._discovery_due = True

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
            discovery = self.entities.discovery()
            components = discovery["cmps"]
            gone = {key: platform for key, platform in self._announced.items() if key not in components}
            if gone:  # HA removes a component published once with only its platform; then it is left out
                removing = {**discovery, "cmps": {**components, **{key: {"p": p} for key, p in gone.items()}}}
                self._send(self.entities.discovery_topic, json.dumps(removing, sort_keys=True))
            self._send(self.entities.discovery_topic, json.dumps(discovery, sort_keys=True))
            self._announced = {key: config["p"] for key, config in components.items()}
        self._send(self.entities.status_topic, "online")
        state, light = self.entities.states()
        self._send(self.entities.state_topic, json.dumps(state, sort_keys=True))
        self._send(self.entities.light_state_topic, json.dumps(light, sort_keys=True))

    def _send(self, topic: str, payload: str) -> None:
        if self._published.get(topic) != payload:
            self.client.publish(topic, payload, qos=1, retain=True)
            self._published[topic] = payload


def _bad(why: str) -> None:
    raise ValueError(why)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:  # RecursionError: nested thousands deep
        raise ValueError(f"not JSON: {getattr(error, 'msg', 'nested too deep')}") from None


def _on_off(text: str) -> bool:
    if text not in ("ON", "OFF"):
        raise ValueError(f"payload {text[:40]!r} is not ON or OFF")
    return text == "ON"


def _number(value: Any) -> float:
    """A finite float of a JSON number or of text; ValueError for anything else."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        number = float("nan")
    if not math.isfinite(number):
        raise ValueError(f"{str(value)[:40]!r} is not a number")
    return number
