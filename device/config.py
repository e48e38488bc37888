"""The device's settings: `config.toml` in the home folder. Every key is optional.

A broken config is reported one line per problem, naming the file, line and key; the caller
keeps the defaults (or, in a running service, the last good config): bad input loses nothing.

    [ring]
    pixels = 24            # LEDs on the ring, 1-1024
    driver = "auto"        # auto, pwm (GPIO18, root), spi (GPIO10, no root), pio (Pi 5); see device/ring_drivers.py
    pin = "D18"            # board pin name for pwm and pio; default D18 (or the board's NEOPIXEL pin)
    led_type = "ws2812b"   # see device/led_types.toml
    order = "GRB"          # byte order on the wire; default from the LED type
    white_balance = [1.0, 0.86, 0.74]   # default from the LED type

    [output]
    fps = 200              # frames a second at most (where dithering needs them), 1-400
    budget_mA = 1000       # most current the LEDs may draw, 50-20000 mA
    brightness = 1.0       # 0-1, scales all light

    [sequences]
    folder = "~/my-sequences"  # default: sequences/ in the home folder

    [clock]
    timezone = "Europe/Berlin" # default: the system's zone
    require_sync = true        # fire no alarm until NTP has set the clock (false with an RTC)

    [location]                 # for bedtimes relative to sunset
    latitude = 52.52
    longitude = 13.40

    [service]
    port = 8787                # the JSON API, on 127.0.0.1 only

    [button]                   # the bedside button, between a GPIO pin and ground (device/button.py)
    enabled = true
    pin = 17                   # BCM GPIO number
    snooze_minutes = 9         # 1-60
    hold_s = 2.0               # a hold (dismisses an alarm), 0.5-10 s
    long_hold_s = 5.0          # a long hold (skips the next alarm, or undoes it), more than hold_s, up to 20 s
    double_press_s = 0.4       # the longest gap inside a double press, 0.1-1.5 s
    bounce_s = 0.02            # contact bounce ignored, 0-0.2 s

    [mqtt]                     # Home Assistant over MQTT (device/mqtt.py); off unless host is set
    host = "broker.lan"
    port = 1883                # default 1883, or 8883 with tls
    username = "emberwake"
    # password_file = "/var/lib/emberwake/mqtt-password"   # its first line; or password = "..." (never logged)
    tls = false                # true: TLS with the system's CAs; or a CA file's path
    discovery_prefix = "homeassistant"
    node_id = "bedroom"        # default: emberwake_ and the hostname; [a-zA-Z0-9_-]
    time_entity = "text"       # each alarm's time in HA: a text HH:MM, or "time" (HA 2026.5 or later)
    reconnect_min_s = 1.0      # paho's reconnect backoff, doubling up to reconnect_max_s = 120
    [web]                      # the phone page (device/web); always on 127.0.0.1:port (above)
    listen = "0.0.0.0:8080"    # also serve it here, such as on the LAN; every phone must pair first
    hosts = ["bedside.lan"]    # more names it may be reached by (besides emberwake.local, the
                               # machine's name and addresses, localhost)
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from device import config_checks as check, paths
from device.output import PIXEL_ORDERS
from device.pipeline import OutputSettings
from device.ring_drivers import RING_DRIVERS
from device.spi_output import SPI_PINS
from sequences.colour import kelvin_to_linear_rgb
from sequences.sourcemap import SourceMap
from sequences.tomlfile import FileProblems, TableReader, choice, integer, number, parse_toml, read_text_file

MAX_CONFIG_BYTES = 64_000
_SECTIONS = ("ring", "output", "sequences", "clock", "location", "service", "button", "mqtt", "web")
_RING_KEYS = ("pixels", "driver", "pin", "led_type", "order", "white_balance")
_OUTPUT_KEYS = ("fps", "budget_mA", "brightness")
_SEQUENCE_KEYS = ("folder",)
_CLOCK_KEYS = ("timezone", "require_sync")
_LOCATION_KEYS = ("latitude", "longitude")
_SERVICE_KEYS = ("port",)
_BUTTON_KEYS = ("enabled", "pin", "snooze_minutes", "hold_s", "long_hold_s", "double_press_s", "bounce_s")
_MQTT_KEYS = ("host", "port", "username", "password", "password_file", "tls", "discovery_prefix", "node_id",
              "time_entity", "reconnect_min_s", "reconnect_max_s")
# How HA shows an alarm's time: a text entity (HH:MM), or HA's time entity, which Home Assistant's
# MQTT has had only since 2026.5 (an older HA refuses the whole device with it)
TIME_ENTITIES = ("text", "time")
_WEB_KEYS = ("listen", "hosts")
DEFAULT_PORT = 8787


class ConfigError(FileProblems):
    """config.toml could not be used; `problems` lists why, one line each."""


@functools.cache
def led_types() -> dict[str, dict[str, Any]]:
    """The LED types of device/led_types.toml, by name."""
    text = importlib.resources.files("device").joinpath("led_types.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True)
class RingSettings:
    """The physical ring: how many LEDs, on which pin, of what type, in what byte order, sent by which driver."""

    pixels: int = 24
    pin: str | None = None  # None: the board's default (see device.neopixel_output)
    led_type: str = "ws2812b"
    order: str = "GRB"
    driver: str = "auto"  # one of device.ring_drivers.RING_DRIVERS


@dataclass(frozen=True)
class ButtonSettings:
    """The bedside button ([button]); times in seconds."""

    enabled: bool = True
    pin: int = 17  # BCM GPIO number; the enclosure's button sits on GPIO17
    snooze_minutes: float = 9.0
    hold_s: float = 2.0
    long_hold_s: float = 5.0
    double_press_s: float = 0.4
    bounce_s: float = 0.02


@dataclass(frozen=True)
class MqttSettings:
    """The MQTT broker and Home Assistant's discovery ([mqtt]); no host: no MQTT."""

    host: str | None = None
    port: int = 1883
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log, not even in a repr
    tls: bool | Path = False  # True: the system's CAs; a path: that CA file
    discovery_prefix: str = "homeassistant"
    node_id: str = ""  # "" until read: emberwake_ and the hostname
    time_entity: str = "text"  # an alarm's time in HA: "text" (HH:MM), or "time" (HA's time entity)
    reconnect_min_s: float = 1.0  # paho's reconnect backoff (short in tests)
    reconnect_max_s: float = 120.0


def default_node_id() -> str:
    """emberwake_ and this machine's hostname, cut to what a topic level and an HA id may hold."""
    import socket
    return "emberwake_" + (re.sub(r"[^a-zA-Z0-9_-]", "_", socket.gethostname().split(".")[0]) or "light")


@dataclass(frozen=True)
class WebSettings:
    """The phone page ([web]): one more address to serve it on, and more names for the Host allowlist."""

    listen: tuple[str, int] | None = None  # (address, port); None: on 127.0.0.1:port only
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """Settings read from config.toml, with defaults for everything left out."""

    home: Path
    ring: RingSettings = field(default_factory=RingSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    fps: float = 200.0
    sequence_dirs: tuple[Path, ...] = ()
    timezone: str = "UTC"
    require_sync: bool = True
    location: tuple[float, float] | None = None  # (latitude, longitude) in degrees
    port: int = DEFAULT_PORT
    button: ButtonSettings = field(default_factory=ButtonSettings)
    mqtt: MqttSettings = field(default_factory=MqttSettings)
    web: WebSettings = field(default_factory=WebSettings)
    source: str = ""  # the file read, or "" when all are defaults

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def default_config(home: Path) -> Config:
    return Config(home, output=_output_settings("ws2812b", None, 1.0, 1000.0),
                  sequence_dirs=(paths.user_sequences_dir(home),), timezone=system_timezone())


def system_timezone() -> str:
    """The system's zone name (from $TZ or /etc/localtime), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(str(Path("/etc/localtime").resolve()).split("zoneinfo/", 1)[1])
    except (OSError, IndexError):
        pass
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    for name in candidates:
        if name and check.zone(name):
            return name
    return "UTC"


def load_config(home: Path, file: Path | None = None) -> Config:
    """Read `file` (default: config.toml in `home`); a missing default file means all defaults."""
    path = file or paths.config_file(home)
    if file is None and not path.exists():
        return default_config(home)
    return config_from_text(read_text_file(path, MAX_CONFIG_BYTES, "a config file", ConfigError), path, home)


def config_from_text(text: str, path: Path, home: Path) -> Config:
    """The config `text` says, as if read from `path`; ConfigError (one line per problem) if it cannot be used."""
    return _ConfigReader(str(path), SourceMap(text)).config(parse_toml(text, str(path), ConfigError), home)


LAST_GOOD_NAME = ".config-last-good.toml"  # beside config.toml: the last one the service could use


def load_service_config(home: Path, file: Path | None = None) -> tuple[Config, list[str]]:
    """The running light's config: config.toml as load_config reads it, kept as the last good one
    when it loads. A broken one loses nothing: the light runs on the last good config (or the
    defaults), and the lines returned say why (one per problem, then what is used instead)."""
    path = file or paths.config_file(home)
    last_good = home / LAST_GOOD_NAME
    try:
        config = load_config(home, file)
    except ConfigError as error:
        said = [str(problem) for problem in error.problems] or [str(error)]
        if last_good.exists():
            try:
                return load_config(home, last_good), [*said, f"{path} is broken: running on the last good config"]
            except ConfigError:
                pass
        return default_config(home), [*said, f"{path} is broken: running on the defaults"]
    if path.exists():
        paths.write_atomically(last_good, path.read_text(encoding="utf-8"))
    return config, []


def _output_settings(led_type: str, white_balance, brightness: float, budget_mA: float) -> OutputSettings:
    spec = led_types()[led_type]
    white_rgb = None
    if "white_kelvin" in spec:
        white_rgb = tuple(c * spec.get("white_strength", 1.0) for c in kelvin_to_linear_rgb(spec["white_kelvin"]))
    return OutputSettings(white_balance=tuple(white_balance or spec["white_balance"]), brightness=brightness,
                          budget_mA=budget_mA, mA_per_channel=spec["mA_per_channel"], white_rgb=white_rgb)


class _ConfigReader(TableReader):
    error = ConfigError

    def section(self, data: dict, name: str, keys: tuple[str, ...]) -> dict:
        table = data.get(name, {})
        if not isinstance(table, dict):
            self.problem((name,), "", name, f"must be a table, written [{name}]")
            return {}
        return self.known_keys(table, (name,), "", keys, prefix=f"{name}.")

    def config(self, data: dict, home: Path) -> Config:
        self.known_keys(data, (), "", _SECTIONS)
        ring = self.section(data, "ring", _RING_KEYS)
        out = self.section(data, "output", _OUTPUT_KEYS)
        seqs = self.section(data, "sequences", _SEQUENCE_KEYS)
        read = functools.partial(self.field, where="")
        pixels = read(ring, ("ring",), key="pixels", read=integer(1, 1024), default=24, prefix="ring.")
        driver = read(ring, ("ring",), key="driver", read=choice(RING_DRIVERS), default="auto", prefix="ring.")
        pin = read(ring, ("ring",), key="pin", read=check.pin, prefix="ring.")
        if driver == "spi" and pin is not None and pin.upper() not in SPI_PINS:
            self.problem(("ring", "pin"), "", "ring.pin", f"{pin} cannot carry SPI: the spi driver sends on D10 "
                         f"(GPIO10, MOSI); leave pin out or set driver = \"pwm\"")
        led_type = read(ring, ("ring",), key="led_type", read=choice(tuple(led_types())), default="ws2812b",
                        prefix="ring.")
        order = read(ring, ("ring",), key="order", read=lambda v: choice(PIXEL_ORDERS)(str(v).upper()),
                     default=led_types()[led_type]["order"], prefix="ring.")
        if len(order) != len(led_types()[led_type]["order"]):
            self.problem(("ring", "order"), "", "ring.order",
                         f"{order} does not suit {led_type} LEDs, which take {led_types()[led_type]['order']}")
        white_balance = read(ring, ("ring",), key="white_balance", read=check.white_balance, prefix="ring.")
        fps = read(out, ("output",), key="fps", read=number(1.0, 400.0, "frames/s"), default=200.0,
                   prefix="output.")
        budget_mA = read(out, ("output",), key="budget_mA", read=number(50.0, 20000.0, "mA"), default=1000.0,
                         prefix="output.")
        brightness = read(out, ("output",), key="brightness", read=number(0.0, 1.0), default=1.0,
                          prefix="output.")
        folder = read(seqs, ("sequences",), key="folder", read=check.folder, prefix="sequences.")
        clock = self.section(data, "clock", _CLOCK_KEYS)
        timezone = read(clock, ("clock",), key="timezone", read=check.timezone, default=None, prefix="clock.")
        require_sync = read(clock, ("clock",), key="require_sync", read=check.boolean, default=True, prefix="clock.")
        place = self.section(data, "location", _LOCATION_KEYS)
        latitude = read(place, ("location",), key="latitude", read=number(-90.0, 90.0, "degrees"), prefix="location.")
        longitude = read(place, ("location",), key="longitude", read=number(-180.0, 180.0, "degrees"),
                         prefix="location.")
        # One of the two left out; a bad or misspelt one has its own line already.
        given = [key for key in _LOCATION_KEYS if key in place or ("location", key) in self.suggested]
        if len(given) == 1:
            self.problem(("location",), "", "location", "needs both latitude and longitude")
        service = self.section(data, "service", _SERVICE_KEYS)
        port = read(service, ("service",), key="port", read=integer(1024, 65535), default=DEFAULT_PORT,
                    prefix="service.")
        button = self.button(data)
        mqtt = self.mqtt(data)
        web = self.web(data)
        if self.problems:
            self.raise_problems()
        return Config(home=home, ring=RingSettings(pixels, pin, led_type, order, driver),
                      output=_output_settings(led_type, white_balance, brightness, budget_mA), fps=fps,
                      sequence_dirs=(folder,) if folder else (paths.user_sequences_dir(home),),
                      timezone=timezone or system_timezone(), require_sync=require_sync,
                      location=(latitude, longitude) if latitude is not None and longitude is not None else None,
                      port=port, button=button, mqtt=mqtt, web=web, source=self.source)

    def button(self, data: dict) -> ButtonSettings:
        table = self.section(data, "button", _BUTTON_KEYS)
        read = functools.partial(self.field, table, ("button",), where="", prefix="button.")
        defaults = ButtonSettings()
        hold_s = read(key="hold_s", read=number(0.5, 10.0, "s"), default=defaults.hold_s)
        settings = ButtonSettings(
            enabled=read(key="enabled", read=check.boolean, default=True),
            pin=read(key="pin", read=integer(0, 27), default=defaults.pin),
            snooze_minutes=read(key="snooze_minutes", read=number(1.0, 60.0, "minutes"), default=9.0),
            hold_s=hold_s,
            long_hold_s=read(key="long_hold_s", read=number(0.5, 20.0, "s"), default=defaults.long_hold_s),
            double_press_s=read(key="double_press_s", read=number(0.1, 1.5, "s"), default=defaults.double_press_s),
            bounce_s=read(key="bounce_s", read=number(0.0, 0.2, "s"), default=defaults.bounce_s))
        if settings.long_hold_s <= settings.hold_s:
            self.problem(("button", "long_hold_s"), "", "button.long_hold_s",
                         f"{settings.long_hold_s:g} s must be longer than hold_s ({settings.hold_s:g} s)")
        return settings

    def web(self, data: dict) -> WebSettings:
        table = self.section(data, "web", _WEB_KEYS)
        read = functools.partial(self.field, table, ("web",), where="", prefix="web.")
        return WebSettings(listen=read(key="listen", read=check.listen), hosts=read(key="hosts", read=check.hosts, default=()))


    def mqtt(self, data: dict) -> MqttSettings:
        table = self.section(data, "mqtt", _MQTT_KEYS)
        read = functools.partial(self.field, table, ("mqtt",), where="", prefix="mqtt.")
        tls = read(key="tls", read=check.tls, default=False)
        password = read(key="password", read=check.secret, default=None)
        password_file = read(key="password_file", read=check.folder, default=None)
        if password is not None and password_file is not None:
            self.problem(("mqtt", "password_file"), "", "mqtt.password_file", "give password or password_file, not both")
        elif password_file is not None:
            try:
                password = password_file.read_text(encoding="utf-8").strip()
            except OSError as error:
                self.problem(("mqtt", "password_file"), "", "mqtt.password_file",
                             f"cannot read {password_file}: {error.strerror}")
        reconnect_min_s = read(key="reconnect_min_s", read=number(0.05, 60.0, "s"), default=1.0)
        return MqttSettings(
            host=read(key="host", read=check.host, default=None),
            port=read(key="port", read=integer(1, 65535), default=8883 if tls else 1883),
            username=read(key="username", read=check.secret, default=None), password=password, tls=tls,
            discovery_prefix=read(key="discovery_prefix", read=check.topic_level, default="homeassistant"),
            node_id=read(key="node_id", read=check.topic_level, default=None) or default_node_id(),
            time_entity=read(key="time_entity", read=choice(TIME_ENTITIES), default="text"),
            reconnect_min_s=reconnect_min_s,
            reconnect_max_s=max(reconnect_min_s, read(key="reconnect_max_s", read=number(0.05, 3600.0, "s"),
                                                      default=120.0)))


