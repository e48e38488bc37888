"""The Settings screen in Debian's Chromium at a phone's size, against a running service: the
values are the running config's; a changed maximum brightness is written to config.toml and used
by the next frame; an LED count waits for a restart and says so; a bad value is one line beside its
field and config.toml is untouched; a paired device is revoked and its token stops working."""

from __future__ import annotations

from device.config import load_config
from tests.device.web.conftest import PHONE_AGENT, paired_page, shot


def test_change_the_max_brightness_and_an_led_count_and_a_bad_value_changes_nothing(light, phone, tmp_path):
    from playwright.sync_api import expect
    paired_page(phone, light, "settings")
    expect(phone.locator("#set-timezone")).to_have_value("Europe/Berlin")
    expect(phone.locator("#set-latitude")).to_have_value("52.52")
    expect(phone.locator("#set-pixels")).to_have_value("24")
    expect(phone.locator("#set-brightness")).to_have_value("1")
    expect(phone.locator("#set-led-type")).to_have_value("ws2812b")
    shot(phone, "settings", tmp_path, for_readme=False)

    phone.fill("#set-brightness", "0.4")
    phone.click("#settings-form button[type=submit]")
    expect(phone.locator("#settings-message")).to_have_text("Saved. Applies now: max brightness.")
    assert load_config(light.cli.home).output.brightness == 0.4
    assert light.service.player.loop.pipeline.settings.brightness == 0.4

    phone.fill("#set-pixels", "60")
    phone.click("#settings-form button[type=submit]")
    expect(phone.locator("#settings-message")).to_have_text("Saved. Applies when the light restarts: LED count.")
    assert load_config(light.cli.home).ring.pixels == 60

    before = (light.cli.home / "config.toml").read_bytes()
    phone.fill("#set-brightness", "1.5")
    phone.click("#settings-form button[type=submit]")
    expect(phone.locator('#settings-form [data-for="output.brightness"]')).to_contain_text("output.brightness: ")
    expect(phone.locator("#settings-form .error:not(:empty)")).to_have_count(1)
    assert (light.cli.home / "config.toml").read_bytes() == before
    assert light.service.player.loop.pipeline.settings.brightness == 0.4

    # Opened again: what config.toml holds, and what waits for a restart.
    phone.click("nav >> [data-screen=home]")
    phone.click("nav >> [data-screen=settings]")
    expect(phone.locator("#set-brightness")).to_have_value("0.4")
    expect(phone.locator("#settings-message")).to_have_text("Applies when the light restarts: LED count.")


def test_revoke_a_paired_device_and_its_token_stops_working(light, phone):
    from playwright.sync_api import expect
    paired_page(phone, light)
    other = light.request("POST", "/api/pair", {"code": light.code()}, headers={"User-Agent": PHONE_AGENT}).body["token"]
    assert light.request("GET", "/api/status", token=other).status == 200
    phone.click("nav >> [data-screen=settings]")
    expect(phone.locator("#device-list li")).to_have_count(2)
    expect(phone.locator("#device-list li").nth(0)).to_contain_text("Chrome on Linux (this one) · paired")
    expect(phone.locator("#device-list li").nth(1)).to_contain_text("Chrome on Android · paired")

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("#device-list li >> [aria-label='revoke device 2']")
    expect(phone.locator("#device-list li")).to_have_count(1)
    assert light.request("GET", "/api/status", token=other).status == 401
    assert [d["id"] for d in light.request("GET", "/api/devices", host="127.0.0.1").body] == [1]

    # Revoking this phone itself: the page asks for a new code.
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("#device-list li >> [aria-label^='revoke device 1']")
    expect(phone.locator("#pair-code")).to_be_visible()
    assert light.request("GET", "/api/devices", host="127.0.0.1").body == []
