"""Debian's Chromium at a phone's size (Playwright's pip package, pointed at /usr/bin/chromium:
never a downloaded browser), and the helpers the phone-page tests share."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.ci import skip_or_fail
from tests.device.web.conftest import LAN_HOST

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}
WAIT_MS = 10_000  # the page refreshes every 3 s by itself; an answer takes milliseconds
DOCS = Path(__file__).resolve().parents[3] / "docs"


@pytest.fixture(scope="module")
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


def alarms(light) -> list[dict]:
    return json.loads(light.cli.ok("alarm", "list", "--json"))


def wait_until(condition, what: str, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def paired_page(phone, light, screen: str | None = None) -> str:
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
