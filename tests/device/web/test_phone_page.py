"""The phone page in Debian's Chromium at a phone's size, against a running service on the test
clock, reached as emberwake.local (so the pairing gate applies): pair with the code the CLI
prints, add a weekday alarm with the time picker and see it in `emberwake alarm list --json`,
skip it and give it back, snooze it while it rises, the night light, switch the alarm off and
delete it. Screenshots of the screens are taken (into
docs/ when EMBERWAKE_SCREENSHOTS=1, for the README)."""

from __future__ import annotations

import time
from pathlib import Path

from device.controller import Mode
from tests.dates import local
from tests.device.web.conftest import BERLIN, LAN_HOST, alarms, shot, wait_until


def test_pair_add_skip_and_snooze_from_the_phone(light, phone, tmp_path, capsys):
    from playwright.sync_api import expect
    url = f"http://{LAN_HOST}:{light.port}/"
    started = time.monotonic()
    phone.goto(url)
    expect(phone.locator("#pair-code")).to_be_visible()
    pair_ready_s = time.monotonic() - started

    # Pair: a wrong code is one line beside the field; the printed one pairs.
    phone.fill("#pair-code", "12345")
    phone.click("#pair button[type=submit]")
    expect(phone.locator("#pair-error")).to_have_text("code: six digits")
    code = light.code()
    phone.fill("#pair-code", code)
    phone.click("#pair button[type=submit]")
    expect(phone.locator("#home")).to_be_visible()
    expect(phone.locator("#next-when")).to_have_text("no wake alarm set")

    # Add a weekday alarm with the time picker, the Weekdays chip and a 20-minute rise.
    phone.click("nav >> text=Alarms")
    phone.fill("#add-time", "06:45")
    phone.click("#day-chips >> text=Weekdays")
    phone.fill("#add-rise", "20")
    phone.click("#add-form button[type=submit]")
    expect(phone.locator("#alarm-list li .time")).to_have_text(["06:45"])
    [added] = alarms(light)
    assert (added["kind"], added["time"], added["days"], added["rise_s"], added["enabled"]) == (
        "wake", "06:45", "weekdays", 1200.0, True)

    shot(phone, "alarms", tmp_path)

    # Bad input: the error beside its field, nothing changed.
    phone.fill("#add-time", "07:00")
    phone.fill("#add-rise", "120")
    phone.click("#add-form button[type=submit]")
    expect(phone.locator('[data-for~="rise"]')).to_have_text("rise must be 5-90 min")
    phone.fill("#add-time", "06:45")  # the same alarm again: the API's own one-line error
    phone.fill("#add-rise", "20")
    phone.click("#add-form button[type=submit]")
    expect(phone.locator('#add-form .error:not(:empty)')).to_have_count(1)
    assert len(alarms(light)) == 1

    # Home: the next wake in big type; skip it with one tap, and give it back.
    phone.click("nav >> text=Home")
    expect(phone.locator("#next-time")).to_have_text("06:45")
    phone.click("#skip-next")
    expect(phone.locator("#skip-next")).to_have_text("Unskip")
    assert alarms(light)[0]["skipped"] is not None
    phone.click("#skip-next")
    expect(phone.locator("#skip-next")).to_have_text("Skip")
    assert alarms(light)[0]["skipped"] is None
    shot(phone, "home", tmp_path)

    # The alarm rises (the test clock moves into its window): snooze it from the phone.
    light.clock.advance_to(local("2026-11-23T06:30", BERLIN))
    wait_until(lambda: light.service.timers.wait_caught_up() and light.service.controls.now().mode is Mode.ALARM,
               "the alarm rising")
    expect(phone.locator("#ringing")).to_be_visible()  # the page noticed by itself, without a reload
    shot(phone, "ringing", tmp_path, for_readme=False)
    phone.click("#ringing >> text=Snooze")
    expect(phone.locator("#ringing-what")).to_have_text("Snoozed")
    assert light.service.controls.now().mode is Mode.SNOOZE

    # The night light, on at a level and off again.
    phone.fill("#light-level", "0.3")  # moving the slider turns it on at that level
    expect(phone.locator("#light-toggle")).to_have_text("Turn off")
    assert light.service.controls.now().night_light
    phone.click("#light-toggle")
    expect(phone.locator("#light-toggle")).to_have_text("Turn on")
    assert not light.service.controls.now().night_light

    # The alarm off with its toggle, and deleted (with an undo offered: tests/device/web/test_phone_alarms.py).
    phone.click("nav >> text=Alarms")
    phone.click("#alarm-list li >> text=On")
    expect(phone.locator("#alarm-list li button[aria-pressed]")).to_have_text("Off")
    assert alarms(light)[0]["enabled"] is False
    phone.click("#alarm-list li >> [aria-label^='delete']")
    expect(phone.locator("#alarm-list li")).to_have_text(["No wake alarms yet."])
    expect(phone.locator("#toast")).to_contain_text("Deleted 06:45")
    assert alarms(light) == []

    # A paired phone's page, loaded again: interactive once the next wake is shown.
    started = time.monotonic()
    phone.goto(url)
    expect(phone.locator("#next-when")).to_have_text("no wake alarm set")
    home_ready_s = time.monotonic() - started
    rss_kB = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                  if line.startswith("VmRSS:"))
    with capsys.disabled():
        print(f"\nphone page: pair screen ready {pair_ready_s * 1000:.0f} ms, home ready (paired) "
              f"{home_ready_s * 1000:.0f} ms; test process RSS (service in-process) {rss_kB / 1024:.1f} MiB")
