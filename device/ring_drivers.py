"""The ring's driver, by name ([ring] driver in config.toml), and the board it runs on.

    pwm   Blinka's `neopixel` on GPIO18: rpi_ws281x on a Pi 1-4/Zero (PWM and DMA via /dev/mem:
          root only); on a board that is not a Pi, that board's own `neopixel_write`.
    spi   neopixel_spi on GPIO10 (MOSI) via /dev/spidev0.0: every Pi, no root, the spi group.
    pio   Blinka's `neopixel` on a Pi 5, which ends in Adafruit-Blinka-Raspberry-Pi5-Neopixel's
          PIO program via /dev/pio0 (the gpio group, with deploy/99-emberwake-pio.rules).
    auto  pio on a Pi 5; spi where SPI is on; pwm on a board that is not a Pi; otherwise one line
          saying what to enable.

`open_ring` is the `neopixel` output (entry point): the configured ring on its driver.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from device.output import OutputError, PixelOutput

if TYPE_CHECKING:
    from device.config import Config

RING_DRIVERS = ("auto", "pwm", "spi", "pio")
MODEL_FILE = Path("/proc/device-tree/model")
SPI_DEVICE = "/dev/spidev0.0"
PIO_DEVICE = "/dev/pio0"
PI5_LIBRARY = "adafruit_raspberry_pi5_neopixel_write"
_PI5_MODEL = re.compile(r"Raspberry Pi (?:5|500|Compute Module 5)\b")  # the boards with the RP1 chip
ENABLE_SPI = "add dtparam=spi=on to /boot/firmware/config.txt and reboot"

log = logging.getLogger("emberwake")


@dataclass(frozen=True)
class Board:
    """What the driver choice needs to know of the computer: its device-tree model and devices."""

    model: str  # e.g. "Raspberry Pi 4 Model B Rev 1.4"; "" where there is no device tree
    spi_enabled: bool  # /dev/spidev0.0 exists
    pio_present: bool  # /dev/pio0 exists (a Pi 5 with recent firmware and kernel)

    @property
    def is_pi(self) -> bool:
        return self.model.startswith("Raspberry Pi")

    @property
    def is_pi5(self) -> bool:
        return bool(_PI5_MODEL.match(self.model))


def detect_board(model_text: str, exists: Callable[[str], bool]) -> Board:
    """The board from its device-tree model text (NUL-terminated as the kernel gives it) and a
    path-exists test: both passed in, so every board can be faked."""
    return Board(model_text.strip("\x00 \n"), exists(SPI_DEVICE), exists(PIO_DEVICE))


def this_board() -> Board:
    """The board this runs on."""
    try:
        model_text = MODEL_FILE.read_text(encoding="utf-8", errors="replace")
    except OSError:
        model_text = ""
    return detect_board(model_text, os.path.exists)


def choose_driver(requested: str, board: Board) -> tuple[str, str]:
    """(driver, one log line saying which and why) for `requested` on `board`; OutputError (one
    line, saying what to change) where that driver cannot work there."""
    if requested not in RING_DRIVERS:
        raise OutputError(f"unknown ring driver {requested!r}; expected one of {', '.join(RING_DRIVERS)}")
    name = board.model or "not a Raspberry Pi"
    if requested == "auto":
        if board.is_pi5:
            return "pio", f"ring driver: pio (auto: {name})"
        if board.spi_enabled:
            return "spi", f"ring driver: spi on GPIO10 (auto: {name}, {SPI_DEVICE} is there)"
        if not board.is_pi:
            return "pwm", f"ring driver: pwm, the board's own neopixel_write (auto: {name})"
        raise OutputError(f"no LED driver for this {name} without root: enable SPI ({ENABLE_SPI}) and wire "
                          f"the ring to GPIO10, or set [ring] driver = \"pwm\" and run as root")
    if requested == "pio" and not board.is_pi5:
        raise OutputError(f"the pio driver needs a Raspberry Pi 5; this is {name}: set [ring] driver = "
                          f"\"spi\" or \"auto\"")
    if requested == "pwm" and board.is_pi5:
        raise OutputError(f"a {name} has no rpi_ws281x PWM driver: set [ring] driver = \"pio\" or \"auto\"")
    if requested == "spi" and board.is_pi and not board.spi_enabled:
        raise OutputError(f"SPI is off ({SPI_DEVICE} is missing): {ENABLE_SPI}")
    return requested, f"ring driver: {requested} ({name})"


def check_pio_ready(board: Board, library_found: bool) -> None:
    """OutputError (one line) unless the Pi 5's PIO driver can load and /dev/pio0 is there."""
    if not library_found:
        raise OutputError(f"the pio driver needs Adafruit-Blinka-Raspberry-Pi5-Neopixel ({PI5_LIBRARY}): "
                          f"install emberwake[pi]")
    if not board.pio_present:
        raise OutputError(f"{PIO_DEVICE} is missing: update the Pi 5's firmware and kernel "
                          f"(sudo apt full-upgrade) and reboot")


def open_ring(config: Config, title: str = "Emberwake", board: Board | None = None) -> PixelOutput:
    """The `neopixel` output: the configured ring on the driver [ring] driver names (title unused)."""
    board = board or this_board()
    driver, why = choose_driver(config.ring.driver, board)
    log.info(why)
    ring = config.ring
    if driver == "spi":
        from device.spi_output import SpiOutput
        return SpiOutput(ring.pixels, ring.order, ring.pin)
    from device.neopixel_output import NeoPixelOutput
    if driver == "pio":
        check_pio_ready(board, importlib.util.find_spec(PI5_LIBRARY) is not None)
    return NeoPixelOutput(ring.pixels, ring.pin, ring.order, driver=driver)
