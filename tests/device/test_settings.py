"""device.settings: config.toml's keys as the phone page changes them. Only the changed lines are
edited (comments kept); the whole new file is read by the config reader before it is written; a bad
value is one line naming its key and leaves the file byte for byte as it was; what applies at once
is handed to the light, the rest is listed as waiting for a restart."""

from __future__ import annotations

import os
import tomllib

import pytest

from device.config import Config, load_config
from device.settings import APPLY_NOW, EDITABLE, Settings, SettingsError, edit_toml

CONFIG = """# my light
[clock]
timezone = "Europe/Berlin"   # where I live
require_sync = false

[ring]
pixels = 24
led_type = "ws2812b"  # the cheap ones # really

[button]
hold_s = 2.0
"""


@pytest.fixture
def home(tmp_path):
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    return folder


class Applied:
    def __init__(self) -> None:
        self.configs: list[Config] = []

    def __call__(self, config: Config) -> None:
        self.configs.append(config)


@pytest.fixture
def applied() -> Applied:
    return Applied()


@pytest.fixture
def settings(home, applied) -> Settings:
    return Settings(load_config(home), home / "config.toml", applied)


def test_a_changed_key_is_replaced_in_place_and_every_other_line_kept():
    edited = edit_toml(CONFIG, {"ring.pixels": 60, "clock.timezone": "Europe/Paris", "ring.led_type": "sk6812"})
    assert edited == CONFIG.replace("pixels = 24", "pixels = 60").replace(
        '"Europe/Berlin"   # where', '"Europe/Paris"   # where').replace('"ws2812b"  # the', '"sk6812"  # the')


def test_a_missing_key_goes_at_the_end_of_its_section_and_a_missing_section_at_the_end():
    edited = edit_toml(CONFIG, {"button.double_press_s": 0.3, "output.brightness": 0.6, "location.latitude": 48.1})
    assert "[button]\nhold_s = 2.0\ndouble_press_s = 0.3\n" in edited
    assert edited.startswith(CONFIG) and edited.endswith("\n[output]\nbrightness = 0.6\n\n[location]\nlatitude = 48.1\n")
    assert tomllib.loads(edited)["output"] == {"brightness": 0.6}


def test_a_key_before_a_comment_block_goes_after_the_last_key_and_none_removes_a_line():
    text = "[output]\nbrightness = 1.0\n\n# later\n[ring]\npixels = 12\n"
    assert edit_toml(text, {"output.fps": 100}) == "[output]\nbrightness = 1.0\nfps = 100\n\n# later\n[ring]\npixels = 12\n"
    assert edit_toml(text, {"ring.pixels": None}) == "[output]\nbrightness = 1.0\n\n# later\n[ring]\n"
    assert edit_toml("", {"ring.pixels": 8}) == "[ring]\npixels = 8\n"
    assert edit_toml("a = 1", {"ring.pixels": 8}) == "a = 1\n\n[ring]\npixels = 8\n"


def test_a_string_is_written_as_toml_reads_it_back():
    for text in ('Europe/Paris', 'quote " and \\ and é', "tab\there"):
        assert tomllib.loads(edit_toml("", {"clock.timezone": text}))["clock"]["timezone"] == text


def test_read_gives_the_values_and_nothing_waits_for_a_restart(settings):
    answer = settings.read()
    assert answer["values"] == {
        "clock.timezone": "Europe/Berlin", "location.latitude": None, "location.longitude": None, "ring.pixels": 24,
        "ring.led_type": "ws2812b", "output.brightness": 1.0, "output.budget_mA": 1000.0,
        "button.snooze_minutes": 9.0, "button.hold_s": 2.0, "button.long_hold_s": 5.0, "button.double_press_s": 0.4}
    assert answer["restart"] == [] and answer["problem"] is None and "sk6812" in answer["led_types"]
    assert "Europe/Berlin" in answer["timezones"] and set(answer["apply_now"]) == APPLY_NOW
    assert set(answer["values"]) == set(EDITABLE)


def test_a_change_that_applies_now_is_written_and_handed_to_the_light(settings, home, applied):
    answer = settings.change({"output.brightness": 0.4, "output.budget_mA": 1500, "button.hold_s": 1.5})
    assert answer["values"]["output.brightness"] == 0.4 and answer["restart"] == []
    assert answer["message"] == "saved; applies now: output.brightness, output.budget_mA, button.hold_s"
    assert load_config(home).output.brightness == 0.4
    [config] = applied.configs
    assert (config.output.brightness, config.output.budget_mA, config.button.hold_s) == (0.4, 1500.0, 1.5)
    assert "# the cheap ones # really" in (home / "config.toml").read_text(encoding="utf-8")


def test_a_change_that_needs_a_restart_is_written_and_listed_until_then(settings, home, applied):
    answer = settings.change({"ring.pixels": 60, "location.latitude": 52.5, "location.longitude": 13.4})
    assert answer["restart"] == ["location.latitude", "location.longitude", "ring.pixels"]
    assert answer["message"] == ("saved; applies when the light restarts: location.latitude, location.longitude, "
                                 "ring.pixels")
    assert load_config(home).ring.pixels == 60 and load_config(home).location == (52.5, 13.4)
    assert applied.configs[0].ring.pixels == 24  # the running light keeps its ring
    assert settings.change({"location.latitude": None, "location.longitude": None})["values"]["location.latitude"] is None
    assert load_config(home).location is None


BAD = [
    ({"output.brightness": 1.5}, "output.brightness: "),
    ({"output.brightness": "bright"}, "output.brightness: expected a number, got 'bright'"),
    ({"output.brightness": True}, "output.brightness: expected a number"),
    ({"output.brightness": None}, "output.brightness: expected a number"),
    ({"output.budget_mA": 10}, "output.budget_mA: "),
    ({"ring.pixels": 0}, "ring.pixels: "),
    ({"ring.pixels": 12.5}, "ring.pixels: "),
    ({"ring.led_type": "ws2813x"}, "ring.led_type: "),
    ({"clock.timezone": "Mars/Olympus"}, "clock.timezone: 'Mars/Olympus' is not a time zone"),
    ({"clock.timezone": "a\nb"}, "clock.timezone: expected one line of text"),
    ({"location.latitude": 95, "location.longitude": 10}, "location.latitude: "),
    ({"location.latitude": 45}, "location.latitude: location needs both latitude and longitude"),
    ({"button.long_hold_s": 1.0}, "button.long_hold_s: 1 s must be longer than hold_s"),
    ({"button.snooze_minutes": float("nan")}, "button.snooze_minutes: expected a number"),
    ({"ring.order": "RGB"}, "unknown field 'ring.order'"),
    ({}, "send the settings to change"),
    ([], "send the settings to change"),
]


@pytest.mark.parametrize("changes, message", BAD, ids=[str(c)[:40] for c, _ in BAD])
def test_a_bad_value_is_one_line_naming_its_key_and_changes_nothing(settings, home, applied, changes, message):
    before = (home / "config.toml").read_bytes()
    with pytest.raises(SettingsError) as refused:
        settings.change(changes)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value), str(refused.value)
    assert (home / "config.toml").read_bytes() == before and applied.configs == []
    assert sorted(p.name for p in home.iterdir()) == ["config.toml"]  # no temporary file left


def test_a_broken_file_is_reported_and_not_overwritten(settings, home, applied):
    (home / "config.toml").write_text(CONFIG + "[ring]\npixels = 3\n", encoding="utf-8")  # [ring] twice
    before = (home / "config.toml").read_bytes()
    assert settings.read()["problem"].startswith(str(home / "config.toml"))
    with pytest.raises(SettingsError, match="fix config.toml by hand first"):
        settings.change({"output.brightness": 0.5})
    assert (home / "config.toml").read_bytes() == before and applied.configs == []


def test_a_key_in_a_form_the_editor_cannot_reach_is_refused(home, applied):
    (home / "config.toml").write_text('output = {brightness = 0.9}\n', encoding="utf-8")
    settings = Settings(load_config(home), home / "config.toml", applied)
    with pytest.raises(SettingsError):
        settings.change({"output.brightness": 0.5})
    assert (home / "config.toml").read_text(encoding="utf-8") == 'output = {brightness = 0.9}\n'


def test_the_file_keeps_its_permissions_and_is_made_when_there_was_none(settings, home, tmp_path, applied):
    os.chmod(home / "config.toml", 0o640)
    settings.change({"output.brightness": 0.7})
    assert (home / "config.toml").stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    made = Settings(load_config(fresh), fresh / "config.toml", applied)
    made.change({"ring.pixels": 16})
    assert (fresh / "config.toml").read_text(encoding="utf-8") == "[ring]\npixels = 16\n"


def test_a_file_that_cannot_be_written_is_an_oserror_and_leaves_the_light_as_it_was(home, applied):
    settings = Settings(load_config(home), home / "gone" / "config.toml", applied)  # its folder is not there
    with pytest.raises(OSError):
        settings.change({"output.brightness": 0.7})
    assert applied.configs == [] and settings.running.output.brightness == 1.0
