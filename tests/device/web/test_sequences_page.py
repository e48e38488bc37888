"""The Sequences and Status screens in Debian's Chromium at a phone's size, against a running
service on the test clock: the gallery with each sequence's timeline, a live preview whose drawn
ring changes colour as the test clock moves (read from the canvas, and checked against the
engine's own frame), its speed, "show on the light", and the Status screen's clock, version,
uptime and a problem the light logged."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import numpy as np

from device.controller import Mode
from device.health import firmware_version
from sequences.catalog import builtin_names, load_builtin
from sequences.colour import srgb_codes
from sequences.engine import Renderer
from tests.device.service.conftest import settle
from tests.device.web.conftest import PHONE, advance_until, open_paired, shot, wait_until

SEQUENCE = "lavender-dawn"  # a wake sequence: dark at first, bright at the end
ROOT = Path(__file__).resolve().parents[3]
BREATHE = ROOT / "sequences" / "builtin" / "breathe.toml"
BROKEN = ROOT / "tests" / "sequences" / "broken" / "duration-negative.toml"

# The canvas's pixels, read in the page: the mean colour of all of it, or one pixel (CSS px).
MEAN_RGB = """(selector) => {
  const canvas = document.querySelector(selector);
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c] * data[i + 3] / 255;
  return sum.map((total) => total / (data.length / 4));
}"""
PIXEL_AT = """([selector, x, y]) => {
  const canvas = document.querySelector(selector);
  const scale = canvas.width / canvas.clientWidth;
  return Array.from(canvas.getContext("2d").getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data);
}"""
RING_SHARE = 0.36  # sequences.js: the ring's radius, of the canvas's size
# The moment the ring shows, and the colour of LED 0 (drawn at the top of the ring) in it.
LED0_AND_TIME = f"""() => {{
  const canvas = document.querySelector("#preview-ring");
  const size = canvas.width, x = Math.round(size / 2), y = Math.round(size / 2 - size * {RING_SHARE});
  return [Number(canvas.dataset.tS), Array.from(canvas.getContext("2d").getImageData(x, y, 1, 1).data)];
}}"""


def shown_t_s(page) -> float:
    return float(page.get_attribute("#preview-ring", "data-t-s") or "nan")


def test_the_gallery_a_preview_on_the_drawn_ring_and_show_on_the_light(light, phone, tmp_path):
    from playwright.sync_api import expect
    yours = light.service.config.sequence_dirs[0]
    yours.mkdir(parents=True, exist_ok=True)
    (yours / "my-breathe.toml").write_text(BREATHE.read_text().replace('title = "Breathe"', 'title = "My breath"'))
    shutil.copy(BROKEN, yours / "broken.toml")
    open_paired(light, phone)
    phone.click("nav >> text=Sequences")

    # The gallery: every built-in and yours, each with its title, description and timeline; a file
    # of yours that does not load says why in one line, naming the file and line.
    expect(phone.locator("#gallery li")).to_have_count(len(builtin_names()) + 2)
    expect(phone.locator('[data-name="my-breathe"] h2')).to_have_text("My breath")
    expect(phone.locator('[data-name="my-breathe"] .kind')).to_have_text("ambient · 15 min · yours")
    expect(phone.locator('[data-name="broken"] .error')).to_have_text(re.compile(rf"^{re.escape(str(yours))}/broken\.toml:\d+: "))
    sequence = load_builtin(SEQUENCE)
    card = phone.locator(f'#gallery li[data-name="{SEQUENCE}"]')
    expect(card.locator("h2")).to_have_text(sequence.title)
    expect(card.locator(".kind")).to_have_text("wake · 30 min")
    expect(card.locator(".sub")).to_have_text(sequence.description)
    expect(phone.locator("#gallery canvas.timeline[data-drawn]")).to_have_count(len(builtin_names()) + 1)
    expect(card.locator(".phases")).to_have_text(" → ".join(p.name.replace("-", " ") for p in sequence.phases))
    width = card.locator("canvas.timeline").bounding_box()["width"]
    dawn_starts = phone.evaluate(PIXEL_AT, [f'[data-name="{SEQUENCE}"] canvas.timeline', 2, 2])
    dawn_ends = phone.evaluate(PIXEL_AT, [f'[data-name="{SEQUENCE}"] canvas.timeline', width - 3, 2])
    assert sum(dawn_ends[:3]) > sum(dawn_starts[:3]) + 200  # the timeline rises from dark to a bright dawn
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing widens the page
    shot(phone, "sequences", tmp_path, for_readme=False)

    # The preview: the first frame, then (the clock moved 10 s at 60x) ten minutes on.
    settle(light.service, light.clock)
    quiet = light.clock.asleep()
    card.locator("[data-action=preview]").click()
    expect(phone.locator(f'[data-name="{SEQUENCE}"] #preview-ring[data-t-s="0"]')).to_have_count(1)
    first = phone.evaluate(MEAN_RGB, "#preview-ring")
    assert light.clock.wait_for_sleepers(quiet + 1)  # the stream waits for its next frame on the test clock
    light.clock.advance(10.0)  # the stream shows the frame it had ready, then the one due next (1/30 s on)
    advance_until(light.clock, lambda: shown_t_s(phone) >= 600, "the ring ten minutes on", 1 / 30)
    later = phone.evaluate(MEAN_RGB, "#preview-ring")
    assert sum(later) > sum(first) + 1.0, (first, later)  # the drawn ring changed colour: it grew brighter
    expect(phone.locator("#preview-time")).to_contain_text("of 30:00 · 60×")

    # The ring shows the engine's own frame: LED 0's colour is the renderer's, at the time shown
    # (both read at once: frames still on their way may be drawn meanwhile).
    t_s, drawn = phone.evaluate(LED0_AND_TIME)
    expected = srgb_codes(Renderer(sequence, None, light.service.controller.pixels).frame(t_s)[0]).astype(int)
    assert np.abs(np.array(drawn[:3]) - expected).max() <= 2, (drawn, expected, t_s)
    shot(phone, "preview", tmp_path)

    # A faster speed goes on from the same moment, and plays to the end.
    phone.select_option("#preview-speed", "600")
    expect(phone.locator("#preview-time")).to_contain_text("600×")
    advance_until(light.clock, lambda: "done" in phone.text_content("#preview-time"), "the preview's end", 0.5)
    expect(phone.locator("#preview-time")).to_have_text("30:00 of 30:00 · 600× · done")
    expect(phone.locator("#preview-ring")).to_have_attribute("data-t-s", "1800")  # its last frame, drawn

    # Show on the light: the light plays it, and the screen says so; Stop ends it.
    card.locator("[data-action=show]").click()
    expect(phone.locator("#on-light")).to_be_visible()
    wait_until(lambda: light.service.controls.status()["playing"] == SEQUENCE, "the light playing the sequence")
    assert light.service.controls.now().mode is Mode.MANUAL
    expect(phone.locator("#on-light-what")).to_have_text(SEQUENCE)  # the page's own refresh, from the status
    phone.click("#on-light-stop")
    expect(phone.locator("#on-light")).to_be_hidden()
    assert light.service.controls.now().mode is Mode.IDLE

    # Leaving the screen ends the preview's stream.
    previews = light.service.api_server.api.gallery.previews
    card.locator("[data-action=preview]").click()
    wait_until(lambda: previews.playing() == 1, "a preview streaming")
    phone.click("nav >> text=Home")
    advance_until(light.clock, lambda: previews.playing() == 0, "the stream's end (its next frames find the client gone)")


def test_the_status_screen_shows_the_clock_version_uptime_and_the_last_problems(light, phone, tmp_path):
    from playwright.sync_api import expect
    open_paired(light, phone)
    assert light.request("POST", "/api/pair", {"code": "000000"}).status == 403  # the service logs a warning
    light.clock.advance(2 * 3600 + 5 * 60)
    logging.getLogger("emberwake.leds").error("the LED strip did not answer\nretrying")  # two lines: shown as one

    phone.click("nav >> text=Status")
    expect(phone.locator("#status-clock")).to_have_text("synchronised")
    expect(phone.locator("#status-version")).to_have_text(firmware_version())
    expect(phone.locator("#status-uptime")).to_have_text("2 h 5 min")
    problems = phone.locator("#problems li")
    # newest first; the oldest is the service's own, at its start: this machine has no GPIO button
    expect(problems).to_have_count(3)
    expect(problems.nth(0)).to_have_text("11-23 06:05the LED strip did not answer / retrying")
    expect(problems.nth(0)).to_have_attribute("data-level", "error")
    expect(problems.nth(1)).to_have_text("11-23 04:00web: a wrong or expired pairing code (1 in a row)")
    expect(problems.nth(1)).to_have_attribute("data-level", "warning")
    expect(problems.nth(2)).to_contain_text("no button on GPIO17")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "status", tmp_path, for_readme=False)

    light.clock.set_synchronized(False)  # the page notices by itself, without a reload
    expect(phone.locator("#status-clock")).to_have_text("not synchronised")  # (this light's alarms do not wait)
    expect(phone.locator("#status-clock")).to_have_attribute("data-level", "warning")
