"""A running service on a test clock, reached as a phone on the LAN would reach it: on
127.0.0.1, but naming the light `emberwake.local` in Host, so the pairing gate applies exactly as
it does off the loopback (device/web/gate.py: only a loopback Host from the loopback is trusted).
And Debian's Chromium at a phone's size (`phone`), to open the page with."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from device.clock import ManualClock
from device.config import load_config
from device.output import NullOutput
from device.service import Service, build_service
from device.web.gate import COOKIE
from tests.ci import skip_or_fail
from tests.dates import local
from tests.device.service.conftest import Cli, make_home, settle

BERLIN = "Europe/Berlin"
BERLIN_PLACE = (52.52, 13.40)  # latitude, longitude
LAN_HOST = "emberwake.local"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}
PHONE_AGENT = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"
WAIT_MS = 10_000  # the page refreshes every 3 s by itself; an answer takes milliseconds
DOCS = Path(__file__).resolve().parents[3] / "docs"


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


class LightWithButton(Light):
    """The light with gpiozero's real Button on a MockFactory pin (GPIO17), as on a Pi."""

    def __init__(self, service: Service, cli: Cli, clock: ManualClock, pin):
        super().__init__(service, cli, clock)
        self.pin = pin

    def hold(self, held_s: float = 2.0) -> None:
        """Hold the button down for held_s on the test clock, then let go; every gesture acted on."""
        self.pin.drive_low()
        self.settle()
        self.clock.advance(held_s)
        self.settle()
        self.pin.drive_high()
        self.settle()

    def settle(self) -> None:
        settle(self.service, self.clock)


@pytest.fixture
def light_with_button(tmp_path, capsys, web_clock, pin_factory):
    home = make_home(tmp_path / "home")
    with (home / "config.toml").open("a") as config:
        config.write("\n[button]\nbounce_s = 0\n")  # bounce is timed on gpiozero's own clock
    service = build_service(load_config(home), NullOutput(12), clock=web_clock).start()
    try:
        assert service.gpio_button is not None
        yield LightWithButton(service, Cli(home, capsys, web_clock), web_clock, pin_factory.pin(17))
    finally:
        service.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Python playwright is missing (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        # emberwake.local is the test's own light, on the loopback (no mDNS, no network)
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=[f"--host-resolver-rules=MAP {LAN_HOST} 127.0.0.1"])
        yield launched
        launched.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  color_scheme="dark")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    # A refused request shows as a console error; anything else (a CSP violation, a script error) is a defect.
    assert [p for p in problems if "401" not in p and "409" not in p and "400" not in p] == []


def shot(page, name: str, tmp_path: Path, for_readme: bool = True) -> None:
    folder = DOCS if for_readme and os.environ.get("EMBERWAKE_SCREENSHOTS") == "1" else tmp_path
    path = folder / f"phone-{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 1000


def wait_until(condition, what: str, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def advance_until(clock: ManualClock, condition, what: str, step_s: float = 0.1, steps: int = 200) -> None:
    """Move the test clock on a step at a time until `condition()`: for a thread that must write
    again to notice something (a client gone), or that may not be asleep yet when a step is taken
    (a step it misses moves it on the next time)."""
    for _ in range(steps):
        if condition():
            return
        clock.advance(step_s)
        time.sleep(0.005)  # its turn to run; the condition is asked again either way
    assert condition(), f"never: {what}"


def open_paired(light: Light, phone) -> str:
    """Open the page on `phone` as a phone paired with `light` (its token already in the cookie
    jar, as pairing leaves it); the page's URL."""
    url = f"http://{LAN_HOST}:{light.port}/"
    phone.context.add_cookies([{"name": COOKIE, "value": light.pair(), "url": url, "httpOnly": True,
                                "sameSite": "Strict"}])
    phone.goto(url)
    phone.wait_for_selector("#home:not([hidden])")
    return url


def alarms(light: Light) -> list[dict]:
    """The alarms as `emberwake alarm list --json` gives them."""
    return json.loads(light.cli.ok("alarm", "list", "--json"))


def paired_page(phone, light: Light, screen: str | None = None) -> str:
    """The page opened on `phone` and paired with the code the CLI prints (so the light records
    this browser as a device); then the nav button of `screen`, if given. Returns the page's URL."""
    from playwright.sync_api import expect
    url = f"http://{LAN_HOST}:{light.port}/"
    phone.goto(url)
    phone.fill("#pair-code", light.code())
    phone.click("#pair button[type=submit]")
    expect(phone.locator("#home")).to_be_visible()
    if screen:
        phone.click(f"nav >> [data-screen={screen}]")
        expect(phone.locator(f"#{screen}")).to_be_visible()
    return url
