"""device.config.load_config: a full file, the defaults, one line per problem naming
file:line and key, the zone, the LED types and ring drivers, and that a broken file changes
nothing the caller had."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from device.config import (DEFAULT_PORT, MAX_CONFIG_BYTES, Config, ConfigError, RingSettings, default_config,
                           led_types, load_config, system_timezone)
from device.pipeline import OutputSettings
from device.ring_drivers import RING_DRIVERS

FULL = """\
[ring]
pixels = 16
driver = "spi"
pin = "D10"
led_type = "sk6812-rgbw-warm"
order = "grbw"
white_balance = [1.0, 0.9, 0.8]

[output]
fps = 120
budget_mA = 2500
brightness = 0.5

[sequences]
folder = "~/my-sequences"

[clock]
timezone = "Europe/Berlin"
require_sync = false

[location]
latitude = 52.52
longitude = 13.40

[service]
port = 9090
"""


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the "system's" zone, so that no test reads this machine's
    monkeypatch.setenv("HOME", str(tmp_path / "user"))  # what ~ means in a folder
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def write(home: Path, text: str) -> Path:
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(home: Path, text: str) -> list[str]:
    """The lines load_config refuses `text` with (it must refuse it)."""
    write(home, text)
    with pytest.raises(ConfigError) as refused:
        load_config(home)
    lines = [str(p) for p in refused.value.problems]
    assert str(refused.value) == "\n".join(lines) and all("\n" not in line for line in lines)
    return lines


def test_a_full_file_sets_every_key(home, tmp_path):
    path = write(home, FULL)
    config = load_config(home)
    warm = led_types()["sk6812-rgbw-warm"]
    assert config.ring == RingSettings(pixels=16, pin="D10", led_type="sk6812-rgbw-warm", order="GRBW", driver="spi")
    assert config.output.white_balance == (1.0, 0.9, 0.8)
    assert (config.output.brightness, config.output.budget_mA) == (0.5, 2500.0)
    assert config.output.mA_per_channel == warm["mA_per_channel"] and config.output.white_rgb is not None
    assert config.fps == 120.0 and isinstance(config.fps, float)
    assert config.sequence_dirs == (tmp_path / "user" / "my-sequences",)
    assert (config.timezone, config.zone) == ("Europe/Berlin", ZoneInfo("Europe/Berlin"))
    assert config.require_sync is False
    assert config.location == (52.52, 13.40)
    assert config.port == 9090
    assert (config.home, config.source) == (home, str(path))


def test_the_readme_example_loads_as_written(home):
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Configuration", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    write(home, example)
    config = load_config(home)
    assert (config.ring.pixels, config.ring.driver, config.ring.pin, config.ring.led_type) == (24, "auto", "D18",
                                                                                               "ws2812b")
    assert (config.fps, config.output.budget_mA, config.timezone, config.location) == \
        (200.0, 1000.0, "Europe/Berlin", (52.52, 13.40))


def test_the_module_docstring_example_loads_as_written(home):
    import device.config
    example = device.config.__doc__.split("\n\n", 2)[2]
    assert "[ring]" in example and "[service]" in example
    write(home, "\n".join(line[4:] for line in example.splitlines()))
    config = load_config(home)
    assert config.output.white_balance == (1.0, 0.86, 0.74) and config.ring.order == "GRB"
    assert config.port == 8787 and config.require_sync is True


DEFAULTS = {"pixels": 24, "pin": None, "led_type": "ws2812b", "order": "GRB", "driver": "auto"}


def assert_defaults(config: Config, home: Path) -> None:
    assert config.ring == RingSettings(**DEFAULTS)
    assert config.output == OutputSettings(white_balance=(1.0, 0.86, 0.74), brightness=1.0, budget_mA=1000.0,
                                           mA_per_channel=20.0, white_rgb=None)
    assert config.fps == 200.0
    assert config.sequence_dirs == (home / "sequences",)
    assert config.timezone == "Asia/Tokyo"  # the system's zone
    assert config.require_sync is True and config.location is None and config.port == DEFAULT_PORT == 8787


def test_no_file_means_every_default(home):
    config = load_config(home)
    assert_defaults(config, home)
    assert config.source == "" and config == default_config(home)
    assert list(home.iterdir()) == []  # reading writes nothing


@pytest.mark.parametrize("text", ["", "\n\n# only a comment\n", "\ufeff", "[ring]\n[output]\n[clock]\n"])
def test_an_empty_file_means_every_default(home, text):
    path = write(home, text)
    config = load_config(home)
    assert_defaults(config, home)
    assert config.source == str(path)


def test_a_named_file_that_is_missing_is_a_problem_not_the_defaults(home):
    with pytest.raises(ConfigError, match=r"^.*elsewhere\.toml: no such file or directory$"):
        load_config(home, home / "elsewhere.toml")


def test_a_named_file_is_read_instead_of_the_homes(home, tmp_path):
    write(home, "[service]\nport = 2000\n")
    other = tmp_path / "other.toml"
    other.write_text("[service]\nport = 3000\n", encoding="utf-8")
    assert load_config(home, other).port == 3000 and load_config(home).port == 2000


BAD = [  # (text, the one line after "FILE:")
    ("[ring]\npixels = 0\n", "2: ring.pixels: 0 is outside 1-1024"),
    ("[ring]\npixels = 1025\n", "2: ring.pixels: 1025 is outside 1-1024"),
    ("[ring]\npixels = 24.0\n", "2: ring.pixels: expected a whole number, got 24.0"),
    ("[ring]\npixels = true\n", "2: ring.pixels: expected a whole number, got True"),
    ("[ring]\ndriver = \"spy\"\n", "2: ring.driver: unknown value 'spy'; did you mean 'spi'?"),
    ("[ring]\ndriver = 1\n", "2: ring.driver: expected one of auto, pwm, spi, pio; got 1"),
    ("[ring]\npin = \"D 18\"\n", "2: ring.pin: expected a board pin name such as \"D18\", got 'D 18'"),
    ("[ring]\npin = 18\n", "2: ring.pin: expected a board pin name such as \"D18\", got 18"),
    ("[ring]\ndriver = \"spi\"\npin = \"D18\"\n", "3: ring.pin: D18 cannot carry SPI"),
    ("[ring]\nled_type = \"ws2813\"\n", "2: ring.led_type: unknown value 'ws2813'; did you mean 'ws2811'?"),
    ("[ring]\norder = \"RGBX\"\n", "2: ring.order: unknown value 'RGBX'"),
    ("[ring]\norder = \"GRBW\"\n", "2: ring.order: GRBW does not suit ws2812b LEDs, which take GRB"),
    ("[ring]\nled_type = \"sk6812-rgbw-cool\"\norder = \"GRB\"\n",
     "3: ring.order: GRB does not suit sk6812-rgbw-cool LEDs, which take GRBW"),
    ("[ring]\nwhite_balance = [1.0, 0.5]\n", "2: ring.white_balance: expected three gains [r, g, b], each 0-1"),
    ("[ring]\nwhite_balance = 1.0\n", "2: ring.white_balance: expected three gains [r, g, b], each 0-1"),
    ("[ring]\nwhite_balance = [1.0, 0.5, 1.5]\n", "2: ring.white_balance: 1.5 is outside 0-1"),
    ("[ring]\nwhite_balance = [1.0, 0.5, \"x\"]\n", "2: ring.white_balance: expected a number, got 'x'"),
    ("[output]\nfps = 0.5\n", "2: output.fps: 0.5 is outside 1-400 frames/s"),
    ("[output]\nfps = 401\n", "2: output.fps: 401 is outside 1-400 frames/s"),
    ("[output]\nfps = nan\n", "2: output.fps: expected a number, got nan"),
    ("[output]\nbudget_mA = \"lots\"\n", "2: output.budget_mA: expected a number, got 'lots'"),
    ("[output]\nbudget_mA = 49\n", "2: output.budget_mA: 49 is outside 50-20000 mA"),
    ("[output]\nbrightness = 1.5\n", "2: output.brightness: 1.5 is outside 0-1"),
    ("[output]\nbrightness = -inf\n", "2: output.brightness: -inf is outside 0-1"),
    ("[sequences]\nfolder = \"\"\n", "2: sequences.folder: expected a folder path as a string"),
    ("[sequences]\nfolder = [\"a\"]\n", "2: sequences.folder: expected a folder path as a string"),
    ("[clock]\ntimezone = \"Mars/Olympus\"\n",
     "2: clock.timezone: 'Mars/Olympus' is not a time zone name such as \"Europe/Berlin\""),
    ("[clock]\ntimezone = \"../../etc/passwd\"\n", "2: clock.timezone: '../../etc/passwd' is not a time zone name"),
    ("[clock]\ntimezone = \"\"\n", "2: clock.timezone: '' is not a time zone name"),
    ("[clock]\ntimezone = 1\n", "2: clock.timezone: 1 is not a time zone name"),
    ("[clock]\nrequire_sync = \"yes\"\n", "2: clock.require_sync: expected true or false, got 'yes'"),
    ("[clock]\nrequire_sync = 0\n", "2: clock.require_sync: expected true or false, got 0"),
    ("[location]\nlatitude = 91\nlongitude = 0\n", "2: location.latitude: 91 is outside -90-90 degrees"),
    ("[location]\nlatitude = 0\nlongitude = -180.5\n", "3: location.longitude: -180.5 is outside -180-180 degrees"),
    ("[location]\nlatitude = \"52N\"\nlongitude = 0\n", "2: location.latitude: expected a number, got '52N'"),
    ("[location]\nlatitude = 52.5\n", "1: location: needs both latitude and longitude"),
    ("\n[location]\nlongitude = 13.4\n", "2: location: needs both latitude and longitude"),
    ("[service]\nport = 80\n", "2: service.port: 80 is outside 1024-65535"),
    ("[service]\nport = 65536\n", "2: service.port: 65536 is outside 1024-65535"),
    ("[service]\nport = \"8787\"\n", "2: service.port: expected a whole number, got '8787'"),
    ("[ring]\npixles = 24\n", "2: ring.pixles: unknown key; did you mean 'pixels'?"),
    ("[output]\nbudget_ma = 500\n", "2: output.budget_ma: unknown key; did you mean 'budget_mA'?"),
    ("[clock]\nzone = \"UTC\"\n", "2: clock.zone: unknown key"),
    ("[service]\nhost = \"0.0.0.0\"\n", "2: service.host: unknown key; expected one of: port"),
    ("[extra]\nx = 1\n", "1: extra: unknown key; expected one of: ring, output, sequences, clock, location"),
    ("[rings]\npixels = 1\n", "1: rings: unknown key; did you mean 'ring'?"),
    ("pixels = 24\n", "1: pixels: unknown key"),
    ("ring = 5\n", "1: ring: must be a table, written [ring]"),
    ("[ring]\npixels = 24\npixels = 12\n", "3: not valid TOML: a key is given twice"),
    ("[ring]\npixels = twenty\n", "2: not valid TOML: invalid value (text must be in quotes"),
    ("[clock]\ntimezone = \"Europe/Berlin\n", "2: not valid TOML: a string is not closed on its line"),
]


@pytest.mark.parametrize("text, line", BAD, ids=[t.replace("\n", " ")[:50] for t, _ in BAD])
def test_each_bad_value_is_one_line_naming_file_line_and_key(home, text, line):
    found = problems(home, text)
    assert len(found) == 1, found
    assert found[0].startswith(f"{home / 'config.toml'}:{line}"), found[0]


def test_a_misspelt_location_key_is_not_also_reported_missing(home):
    assert problems(home, "[location]\nlatitude = 52.5\nlongtitude = 13.4\n") == [
        f"{home / 'config.toml'}:3: location.longtitude: unknown key; did you mean 'longitude'?"]


def test_every_problem_in_a_file_is_reported_in_reading_order(home):
    found = problems(home, "[ring]\npixels = 0\n\n[location]\nlatitude = 52.5\n\n[service]\nport = 1\n")
    assert [re.match(r".*config\.toml:(\d+): ([\w.]+):", line).groups() for line in found] == [
        ("2", "ring.pixels"), ("4", "location"), ("8", "service.port")]


@pytest.mark.parametrize("data, message", [
    (b"[ring]\npixels = 24\n\xff\n", ":3: file is not UTF-8 text (byte 0xff); save it as UTF-8"),
    (b"#" * (MAX_CONFIG_BYTES + 1), f": file is larger than {MAX_CONFIG_BYTES // 1000} kB: not a config file"),
])
def test_a_file_that_is_not_a_config_is_one_line(home, data, message):
    (home / "config.toml").write_bytes(data)
    with pytest.raises(ConfigError) as refused:
        load_config(home)
    assert str(refused.value) == f"{home / 'config.toml'}{message}"


# The zone

@pytest.mark.parametrize("name", ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Australia/Lord_Howe"])
def test_a_zone_name_is_taken_as_written(home, name):
    write(home, f'[clock]\ntimezone = "{name}"\n')
    config = load_config(home)
    assert config.timezone == name and config.zone == ZoneInfo(name)


def test_without_a_zone_the_systems_is_used_and_an_unknown_system_zone_is_utc(home, monkeypatch):
    write(home, "[clock]\nrequire_sync = true\n")
    assert load_config(home).timezone == "Asia/Tokyo"
    monkeypatch.setenv("TZ", ":Europe/Lisbon")  # the POSIX form with a colon
    assert system_timezone() == "Europe/Lisbon"
    monkeypatch.setenv("TZ", "Nowhere/Special")
    monkeypatch.setattr("device.config.Path", lambda *_: Path("/nonexistent/zoneinfo-less"))
    assert system_timezone() == "UTC"


# LED types and ring drivers

@pytest.mark.parametrize("name", sorted(led_types()))
def test_each_led_type_brings_its_order_balance_and_current(home, name):
    spec = led_types()[name]
    write(home, f'[ring]\nled_type = "{name}"\n')
    config = load_config(home)
    assert (config.ring.led_type, config.ring.order) == (name, spec["order"])
    assert config.output.white_balance == tuple(spec["white_balance"])
    assert config.output.mA_per_channel == spec["mA_per_channel"]
    assert (config.output.white_rgb is None) == ("white_kelvin" not in spec) == (len(spec["order"]) == 3)
    if config.output.white_rgb is not None:
        assert len(config.output.white_rgb) == 3 and all(0 <= c for c in config.output.white_rgb)


def test_the_led_types_file_describes_every_type_fully():
    for name, spec in led_types().items():
        assert {"description", "order", "white_balance", "mA_per_channel"} <= set(spec), name
        assert len(spec["white_balance"]) == 3 and ("white_kelvin" in spec) == (len(spec["order"]) == 4), name


@pytest.mark.parametrize("driver", RING_DRIVERS)
def test_each_ring_driver_is_accepted(home, driver):
    write(home, f'[ring]\ndriver = "{driver}"\n')
    assert load_config(home).ring.driver == driver


@pytest.mark.parametrize("pin", ["D10", "MOSI", "mosi"])
def test_the_spi_driver_takes_its_own_pin_by_either_name(home, pin):
    write(home, f'[ring]\ndriver = "spi"\npin = "{pin}"\n')
    assert load_config(home).ring.pin == pin


def test_pin_and_order_as_people_write_them(home):
    write(home, '[ring]\ndriver = "pwm"\npin = "NEOPIXEL_1"\norder = "rgb"\n')
    ring = load_config(home).ring
    assert (ring.pin, ring.order) == ("NEOPIXEL_1", "RGB")


# A broken file changes nothing

def test_a_broken_file_changes_nothing_the_caller_had(home):
    write(home, FULL)
    good = load_config(home)
    kept = copy.deepcopy(good)
    types = copy.deepcopy(led_types())
    write(home, FULL.replace("pixels = 16", "pixels = -1").replace("port = 9090", "port = 1"))
    with pytest.raises(ConfigError) as refused:
        load_config(home)
    assert len(refused.value.problems) == 2
    assert good == kept and led_types() == types
    assert sorted(p.name for p in home.iterdir()) == ["config.toml"]
    write(home, FULL)
    assert load_config(home) == kept  # the same file, the same config
