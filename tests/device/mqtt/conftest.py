"""A real Mosquitto on 127.0.0.1 (a free port, a config of its own, no persistence), a paho client
that remembers the messages on every topic, homes whose light talks to that broker, and a running
light on the test clock (`light`)."""

from __future__ import annotations

import getpass
import json
import logging
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from device.clock import ManualClock
from device.config import load_config
from device.output import NullOutput
from device.service import build_service
from tests.ci import skip_or_fail
from tests.dates import local
from tests.device.service.conftest import free_port, make_home
from tests.logs import KeptMessages

WAIT_S = 10.0
ROOT = Path(__file__).resolve().parents[3]
BERLIN = "Europe/Berlin"
NODE = "bedroom"
DISCOVERY = f"homeassistant/device/{NODE}/config"
STATE, LIGHT, STATUS = f"emberwake/{NODE}/state", f"emberwake/{NODE}/light/state", f"emberwake/{NODE}/status"


class Broker:
    """mosquitto, started and stopped by the test (the same port each time, as a broker restarts)."""

    def __init__(self, binary: str, folder: Path):
        self.binary, self.folder, self.port = binary, folder, free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "mosquitto.conf"
        # `user`: run as root (a container), mosquitto would become the mosquitto user, which cannot
        # read a password file in the test's folder; as anyone else the line changes nothing.
        self.common = f"listener {self.port} 127.0.0.1\npersistence false\nuser {getpass.getuser()}\n"
        self.config.write_text(self.common + "allow_anonymous true\n", encoding="utf-8")
        self.process: subprocess.Popen | None = None

    def require_password(self, username: str, password: str) -> None:
        """From the next start, only `username` with `password` may connect (mosquitto_passwd's file)."""
        passwd = shutil.which("mosquitto_passwd") or skip_or_fail("mosquitto_passwd is not installed")
        users = self.folder / "users"
        subprocess.run([passwd, "-c", "-b", str(users), username, password], check=True, timeout=WAIT_S,
                       capture_output=True)
        self.config.write_text(self.common + f"allow_anonymous false\npassword_file {users}\n", encoding="utf-8")

    def require_tls(self) -> Path:
        """From the next start, TLS only, with a certificate for 127.0.0.1 from a CA made here; its path."""
        openssl = shutil.which("openssl") or skip_or_fail("openssl is not installed")
        folder = self.folder

        def run(*args: str) -> None:
            subprocess.run([openssl, *args], check=True, timeout=60, capture_output=True, cwd=folder)
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=emberwake test CA")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
            "/CN=127.0.0.1")
        (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
        run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
        self.config.write_text(self.common + f"allow_anonymous true\ncafile {folder}/ca.crt\n"
                               f"certfile {folder}/server.crt\nkeyfile {folder}/server.key\n", encoding="utf-8")
        return folder / "ca.crt"

    def start(self) -> "Broker":
        log = (self.folder / "mosquitto.log").open("ab")
        self.process = subprocess.Popen([self.binary, "-c", str(self.config)], stdout=log, stderr=log)
        deadline = time.monotonic() + WAIT_S
        while True:  # mosquitto says nothing when it listens: try the port, bounded
            assert self.process.poll() is None, (self.folder / "mosquitto.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                assert time.monotonic() < deadline, "mosquitto did not listen"
                time.sleep(0.01)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(WAIT_S)


@pytest.fixture
def broker(tmp_path):
    binary = shutil.which("mosquitto") or next((p for p in ("/usr/sbin/mosquitto",) if Path(p).exists()), None)
    if binary is None:
        skip_or_fail("mosquitto is not installed (apt-get install mosquitto)")
    running = Broker(binary, tmp_path / "broker").start()
    yield running
    running.stop()


class Watcher:
    """A paho client subscribed to everything: the payloads on each topic in order (the last in
    `messages`), and a wait on them."""

    def __init__(self, port: int, username: str | None = None, password: str | None = None,
                 ca_file: Path | None = None):
        self.messages: dict[str, bytes] = {}
        self.history: dict[str, list[bytes]] = {}
        self.changed = threading.Condition()
        self.subscribed = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2)
        self.client.on_connect = lambda client, *_: client.subscribe("#", qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._message
        if username:
            self.client.username_pw_set(username, password)
        if ca_file:
            self.client.tls_set(ca_certs=str(ca_file))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.subscribed.wait(WAIT_S)

    def _message(self, client, userdata, message) -> None:
        with self.changed:
            self.messages[message.topic] = message.payload
            self.history.setdefault(message.topic, []).append(message.payload)
            self.changed.notify_all()

    def wait_for(self, topic: str, test=lambda payload: True, timeout_s: float = WAIT_S) -> bytes:
        with self.changed:
            assert self.changed.wait_for(lambda: topic in self.messages and test(self.messages[topic]),
                                         timeout_s), f"{topic}: {self.messages.get(topic)!r}"
            return self.messages[topic]

    def wait_json(self, topic: str, test=lambda data: True, timeout_s: float = WAIT_S) -> dict:
        return json.loads(self.wait_for(topic, lambda payload: bool(payload) and test(json.loads(payload)),
                                        timeout_s))

    def wait_history(self, topic: str, test, timeout_s: float = WAIT_S) -> list[bytes]:
        """Wait until every payload on `topic` so far, in order, passes `test`; that list."""
        with self.changed:
            assert self.changed.wait_for(lambda: test(self.history.get(topic, [])), timeout_s), \
                f"{topic}: {self.history.get(topic)!r}"
            return list(self.history[topic])

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(WAIT_S)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def watcher(broker):
    client = Watcher(broker.port)
    yield client
    client.close()


def mqtt_home(path: Path, broker: Broker, node_id: str, more: str = "") -> Path:
    """A home (tests.device.service.conftest.make_home) whose light is `node_id` on `broker`;
    `more`: further [mqtt] lines."""
    home = make_home(path)
    with (home / "config.toml").open("a", encoding="utf-8") as config:
        config.write(f'\n[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\nnode_id = "{node_id}"\n'
                     f"reconnect_min_s = 0.05\nreconnect_max_s = 0.2\n{more}")
    return home


class Light:
    """A running service on a test clock whose light is `node` on the broker (`more`: further lines
    of its config.toml, after [mqtt]; serve_api: the API and phone page too, on free ports). A home
    that is there already keeps its alarms: a Light on it again is the light restarted."""

    def __init__(self, path: Path, broker, node: str = NODE, years: int = 0, more: str = "", serve_api: bool = False):
        self.home = mqtt_home(path, broker, node, more)
        self.clock = ManualClock(local("2026-11-23T04:00", BERLIN, years))
        self.years = years
        self.log = logging.getLogger(f"emberwake.test.{node}")
        self.log.setLevel(logging.INFO)
        self.kept = KeptMessages()
        self.log.addHandler(self.kept)
        self.service = build_service(load_config(self.home), NullOutput(12), clock=self.clock, serve_api=serve_api,
                                     port=0, gpio=False, log=self.log).start()

    def at(self, text: str) -> None:
        assert self.service.timers.wait_caught_up()  # the timers have planned from every change so far
        self.clock.advance_to(local(text, BERLIN, self.years))
        assert self.service.timers.wait_caught_up()

    @property
    def records(self) -> list[str]:
        """What the light has logged so far (messages), oldest first."""
        return self.kept.messages

    def said(self, text: str, timeout_s: float = WAIT_S) -> bool:
        """Whether the light has logged a message containing `text`, waiting up to `timeout_s` s."""
        return self.kept.wait_for(text, timeout_s)

    def close(self) -> None:
        self.service.shutdown()
        self.log.removeHandler(self.kept)


@pytest.fixture
def light(tmp_path, broker):
    running = Light(tmp_path / "home", broker)
    yield running
    running.close()
