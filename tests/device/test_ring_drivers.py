"""Which driver sends the ring's bytes, on every kind of board (each faked), and the pio driver's
path down to the Pi 5 library's neopixel_write (a fake module standing where Blinka puts it)."""

import importlib.machinery
import os
import sys
import types
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("BLINKA_OS_AGNOSTIC", "1")  # before anything imports `board`
neopixel_write = pytest.importorskip("neopixel_write", reason="Blinka's generic board is not available")

from device.config import Config, ConfigError, RingSettings, load_config  # noqa: E402
from device.neopixel_output import NeoPixelOutput  # noqa: E402
from device.output import OutputError  # noqa: E402
from device.ring_drivers import PI5_LIBRARY, Board, choose_driver, detect_board, open_ring  # noqa: E402
from device.spi_output import SpiOutput  # noqa: E402

PI5 = "Raspberry Pi 5 Model B Rev 1.0\x00"
PI4 = "Raspberry Pi 4 Model B Rev 1.4\x00"
ZERO2W = "Raspberry Pi Zero 2 W Rev 1.0\x00"


def board(model_text: str, *devices: str) -> Board:
    return detect_board(model_text, lambda path: path in devices)


@pytest.mark.parametrize("faked, driver, words", [
    (board(PI5, "/dev/pio0"), "pio", "Raspberry Pi 5 Model B"),
    (board(PI5, "/dev/pio0", "/dev/spidev0.0"), "pio", "Raspberry Pi 5"),
    (board("Raspberry Pi Compute Module 5 Rev 1.0\x00", "/dev/pio0"), "pio", "Compute Module 5"),
    (board("Raspberry Pi 500 Rev 1.0\x00"), "pio", "Raspberry Pi 500"),
    (board(PI4, "/dev/spidev0.0"), "spi", "/dev/spidev0.0"),
    (board(ZERO2W, "/dev/spidev0.0"), "spi", "Zero 2 W"),
    (board("", "/dev/spidev0.0"), "spi", "not a Raspberry Pi"),
    (board(""), "pwm", "not a Raspberry Pi"),
])
def test_auto_picks_a_driver_for_each_board_and_says_which_in_one_line(faked, driver, words):
    chosen, why = choose_driver("auto", faked)
    assert chosen == driver
    assert "\n" not in why and f"ring driver: {driver}" in why and words in why


@pytest.mark.parametrize("model_text", [PI4, ZERO2W, "Raspberry Pi 3 Model B Plus Rev 1.3\x00"])
def test_auto_on_a_pi_without_spi_says_what_to_enable(model_text):
    with pytest.raises(OutputError) as caught:
        choose_driver("auto", board(model_text))
    message = str(caught.value)
    assert "\n" not in message and "dtparam=spi=on" in message and 'driver = "pwm"' in message


def test_a_pi_4_is_not_taken_for_a_pi_5():
    assert not board(PI4).is_pi5 and not board("Raspberry Pi 3 Model B Rev 1.2").is_pi5
    assert board(PI5).is_pi5 and board(PI5).model == "Raspberry Pi 5 Model B Rev 1.0"


@pytest.mark.parametrize("requested, faked, words", [
    ("pio", board(PI4, "/dev/spidev0.0"), "needs a Raspberry Pi 5"),
    ("pio", board(""), "needs a Raspberry Pi 5"),
    ("pwm", board(PI5, "/dev/pio0"), 'driver = "pio"'),
    ("spi", board(PI4), "dtparam=spi=on"),
    ("bogus", board(PI4), "auto, pwm, spi, pio"),
])
def test_a_driver_that_cannot_work_on_the_board_is_one_line(requested, faked, words):
    with pytest.raises(OutputError) as caught:
        choose_driver(requested, faked)
    assert "\n" not in str(caught.value) and words in str(caught.value)


@pytest.mark.parametrize("requested, faked", [
    ("pwm", board(PI4)), ("pwm", board(ZERO2W, "/dev/spidev0.0")), ("spi", board(PI5, "/dev/spidev0.0")),
    ("spi", board(ZERO2W, "/dev/spidev0.0")), ("pio", board(PI5, "/dev/pio0")),
])
def test_a_driver_named_in_the_config_is_the_one_used(requested, faked):
    assert choose_driver(requested, faked)[0] == requested


def config(driver: str, pixels: int = 2, order: str = "GRB") -> Config:
    return Config(Path("."), ring=replace(RingSettings(), pixels=pixels, order=order, driver=driver))


def test_open_ring_opens_the_chosen_driver(monkeypatch, caplog):
    monkeypatch.setattr("adafruit_blinka.microcontroller.generic_agnostic_board.spi.SPI.write",
                        lambda self, buf, start=0, end=None: None)
    with caplog.at_level("INFO", logger="emberwake"):
        spi = open_ring(config("auto"), board=board("", "/dev/spidev0.0"))
    assert isinstance(spi, SpiOutput) and caplog.messages == [
        "ring driver: spi on GPIO10 (auto: not a Raspberry Pi, /dev/spidev0.0 is there)"]
    spi.close()
    pwm = open_ring(config("auto"), board=board(""))
    assert isinstance(pwm, NeoPixelOutput) and pwm.driver == "pwm"
    pwm.close()


@pytest.fixture
def pi5_library(monkeypatch):
    """A stand-in for adafruit_raspberry_pi5_neopixel_write (a C++ module that builds only with a
    compiler and drives only /dev/pio0), put where Blinka's neopixel_write puts it on a Pi 5;
    `sent` has every (gpio, bytes) it was handed."""
    library = types.ModuleType(PI5_LIBRARY)
    library.__spec__ = importlib.machinery.ModuleSpec(PI5_LIBRARY, None)
    library.sent = []
    library.neopixel_write = lambda gpio, buf: library.sent.append((gpio, bytes(buf)))
    monkeypatch.setitem(sys.modules, PI5_LIBRARY, library)
    monkeypatch.setattr(neopixel_write, "_neopixel", library)
    return library


def test_pio_on_a_pi_5_sends_the_wire_bytes_through_the_pi_5_library(pi5_library):
    output = open_ring(config("auto", order="GRB"), board=board(PI5, "/dev/pio0"))
    assert isinstance(output, NeoPixelOutput) and output.driver == "pio"
    output.show(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8))
    gpio, sent = pi5_library.sent[-1]
    assert list(sent) == [2, 1, 3, 5, 4, 6]
    output.close()
    assert pi5_library.sent[-1][1] == bytes(6)


def test_pio_without_the_pi_5_library_or_dev_pio0_says_what_to_do(monkeypatch, pi5_library):
    with pytest.raises(OutputError, match=r"/dev/pio0 is missing: update the Pi 5's firmware"):
        open_ring(config("pio"), board=board(PI5))
    monkeypatch.delitem(sys.modules, PI5_LIBRARY)
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(OutputError, match=r"install emberwake\[pi\]$"):
        open_ring(config("pio"), board=board(PI5, "/dev/pio0"))


def test_pio_refused_by_dev_pio0_points_at_the_udev_rule(pi5_library):
    def refuse(gpio, buf):
        raise RuntimeError("Failed to open PIO device (error -13)")  # what the library says without access
    pi5_library.neopixel_write = refuse
    output = open_ring(config("pio"), board=board(PI5, "/dev/pio0"))
    with pytest.raises(OutputError) as caught:
        output.show(np.zeros((2, 3), dtype=np.uint8))
    assert "\n" not in str(caught.value) and "99-emberwake-pio.rules" in str(caught.value)


def read_config(tmp_path: Path, text: str) -> Config:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path, tmp_path / "config.toml")


def test_the_config_names_the_driver_and_auto_is_the_default(tmp_path):
    assert read_config(tmp_path, "[ring]\npixels = 12\n").ring.driver == "auto"
    assert read_config(tmp_path, '[ring]\ndriver = "spi"\npin = "D10"\n').ring.driver == "spi"
    assert read_config(tmp_path, '[ring]\ndriver = "pio"\npin = "D12"\n').ring.pin == "D12"


@pytest.mark.parametrize("text, words", [
    ('[ring]\ndriver = "spy"\n', "config.toml:2: ring.driver: unknown value"),
    ('[ring]\ndriver = 1\n', "config.toml:2: ring.driver: expected one of auto, pwm, spi, pio"),
    ('[ring]\ndriver = "spi"\npin = "D18"\n', "config.toml:3: ring.pin: D18 cannot carry SPI"),
])
def test_a_bad_driver_is_one_line_naming_the_field(tmp_path, text, words):
    with pytest.raises(ConfigError) as caught:
        read_config(tmp_path, text)
    assert len(caught.value.problems) == 1 and words in str(caught.value)
