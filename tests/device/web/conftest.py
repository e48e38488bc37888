"""A running service on a test clock, reached as a phone on the LAN would reach it: on
127.0.0.1, but naming the light `emberwake.local` in Host, so the pairing gate applies exactly as
it does off the loopback (device/web/gate.py: only a loopback Host from the loopback is trusted)."""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

from device.clock import ManualClock
from device.config import load_config
from device.output import NullOutput
from device.service import Service, build_service
from tests.dates import local
from tests.device.service.conftest import Cli, make_home

BERLIN = "Europe/Berlin"
BERLIN_PLACE = (52.52, 13.40)  # latitude, longitude
LAN_HOST = "emberwake.local"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class Light:
    """The service, the CLI on its home and clock, and HTTP requests to it."""

    def __init__(self, service: Service, cli: Cli, clock: ManualClock):
        self.service, self.cli, self.clock = service, cli, clock
        self.port = service.port

    def request(self, method: str, path: str, body: Any = None, *, host: str | None = None, token: str | None = None,
                headers: dict[str, str] | None = None, port: int | None = None) -> Answer:
        port = port or self.port
        sent = {"Host": f"{host or LAN_HOST}:{port}"}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        data = None
        if method != "GET":
            sent["Content-Type"] = "application/json"
            data = json.dumps(body or {}).encode()
        sent.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        content_type = response.getheader("Content-Type", "")
        parsed = json.loads(raw) if content_type.startswith("application/json") else raw
        return Answer(response.status, parsed, {k.lower(): v for k, v in response.getheaders()})

    def code(self) -> str:
        """A pairing code, as `emberwake web pair` prints it."""
        out = self.cli.ok("web", "pair")
        return re.search(r"\b(\d{6})\b", out).group(1)

    def pair(self) -> str:
        answer = self.request("POST", "/api/pair", {"code": self.code()})
        assert answer.status == 200, answer.body
        return answer.body["token"]


@pytest.fixture
def web_clock() -> ManualClock:
    return ManualClock(local("2026-11-23T04:00", BERLIN))


@pytest.fixture
def light(tmp_path, capsys, web_clock):
    home = make_home(tmp_path / "home", location=BERLIN_PLACE)  # a place: bedtimes at sunset
    service = build_service(load_config(home), NullOutput(12), clock=web_clock).start()
    try:
        yield Light(service, Cli(home, capsys, web_clock), web_clock)
    finally:
        service.shutdown()
