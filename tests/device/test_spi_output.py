"""The spi driver's real code path (neopixel_spi on Blinka's generic board), with what goes to the
SPI device's write captured and decoded back from SPI bit patterns to LED bytes."""

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

os.environ.setdefault("BLINKA_OS_AGNOSTIC", "1")  # before anything imports `board`
neopixel_spi = pytest.importorskip("neopixel_spi", reason="neopixel_spi is not installed")
from adafruit_blinka.microcontroller.generic_agnostic_board import spi as generic_spi  # noqa: E402

from device.output import OutputError, PixelOutput  # noqa: E402
from device.spi_output import SpiOutput  # noqa: E402
from device.spi_strip import NumpyNeoPixelSpi  # noqa: E402

BIT0, BIT1 = 0b11000000, 0b11110000  # the SPI byte neopixel_spi sends for an LED's 0 and 1 bit
SPI_HZ = 6_400_000


@pytest.fixture
def spi_writes(monkeypatch):
    """Every buffer handed to the SPI device's write (the last step before /dev/spidev0.0)."""
    sent: list[bytes] = []

    def write(self, buf, start=0, end=None):
        sent.append(bytes(buf[start:end]))
    monkeypatch.setattr(generic_spi.SPI, "write", write)
    return sent


def decode(spi_frame: bytes) -> bytes:
    """SPI bytes -> LED bytes: the reset gaps (all low) stripped, then one LED bit per SPI byte, MSB first."""
    data = spi_frame.strip(b"\x00")
    leading = len(spi_frame) - len(spi_frame.lstrip(b"\x00"))
    trailing = len(spi_frame) - len(spi_frame.rstrip(b"\x00"))
    assert min(leading, trailing) * 8 / SPI_HZ >= 50e-6, "no WS2812 reset (50 us low) around the frame"
    pattern = np.frombuffer(data, dtype=np.uint8)
    assert set(np.unique(pattern)) <= {BIT0, BIT1}, "an SPI byte that is neither a 0 nor a 1 bit"
    assert len(pattern) % 8 == 0
    return np.packbits(pattern == BIT1).tobytes()


def test_it_satisfies_the_output_seam(spi_writes):
    assert isinstance(SpiOutput(3), PixelOutput)


@pytest.mark.parametrize("order, expected", [
    ("GRB", [2, 1, 3, 5, 4, 6]),
    ("RGB", [1, 2, 3, 4, 5, 6]),
    ("BRG", [3, 1, 2, 6, 4, 5]),
    ("GRBW", [2, 1, 3, 9, 5, 4, 6, 8]),
])
def test_the_spi_bit_patterns_decode_to_the_rings_byte_order(spi_writes, order, expected):
    output = SpiOutput(2, pixel_order=order)
    output.show(np.array([[1, 2, 3, 9], [4, 5, 6, 8]], dtype=np.uint8)[:, :len(order)])
    assert list(decode(spi_writes[-1])) == expected


def test_a_full_colour_frame_decodes_to_grb(spi_writes):
    output = SpiOutput(3)
    output.show(np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]], dtype=np.uint8))  # red, green, blue
    assert decode(spi_writes[-1]) == bytes([0, 255, 0, 255, 0, 0, 0, 0, 255])


@given(st.binary(min_size=3, max_size=96).filter(lambda b: len(b) % 3 == 0))
def test_the_numpy_bit_expansion_is_the_librarys(wire):
    with_numpy = NumpyNeoPixelSpi.__new__(NumpyNeoPixelSpi)
    with_library = NumpyNeoPixelSpi.__new__(NumpyNeoPixelSpi)
    for strip in (with_numpy, with_library):
        strip._bit0, strip._bit1, strip._spibuf = BIT0, BIT1, bytearray(8 * len(wire))
    with_numpy._transmogrify(bytearray(wire))
    neopixel_spi.NeoPixel_SPI._transmogrify(with_library, bytearray(wire))
    assert with_numpy._spibuf == with_library._spibuf


def test_close_blanks_the_ring(spi_writes):
    output = SpiOutput(5)
    output.show(np.full((5, 3), 200, dtype=np.uint8))
    output.close()
    assert decode(spi_writes[-1]) == bytes(15)
    with pytest.raises(RuntimeError):
        output.show(np.zeros((5, 3), dtype=np.uint8))


def test_a_pin_other_than_mosi_is_one_line_that_says_what_to_do():
    with pytest.raises(OutputError) as caught:
        SpiOutput(5, pin_name="D18")
    message = str(caught.value)
    assert "\n" not in message and "D18" in message and "D10" in message


def test_a_ring_too_long_for_one_spi_transfer_says_how_to_enlarge_it(spi_writes, monkeypatch):
    monkeypatch.delenv("SPI_BUFSIZE", raising=False)
    SpiOutput(160)  # 160 x 24 SPI bytes and the resets fit in 4096
    with pytest.raises(OutputError) as caught:
        SpiOutput(200)
    message = str(caught.value)
    assert "\n" not in message and "spidev.bufsiz=8192" in message and "SPI_BUFSIZE=8192" in message
    monkeypatch.setenv("SPI_BUFSIZE", "8192")
    SpiOutput(200).show(np.ones((200, 3), dtype=np.uint8))
    assert decode(spi_writes[-1]) == bytes([1] * 600)


@pytest.mark.parametrize("error, words", [
    (FileNotFoundError(2, "No such file or directory"), "dtparam=spi=on"),
    (PermissionError(13, "Permission denied"), "spi group"),
])
def test_spi_off_or_forbidden_is_one_line_that_says_what_to_do(monkeypatch, error, words):
    import busio

    def refuse(*args, **kwargs):
        raise error
    monkeypatch.setattr(busio, "SPI", refuse)
    with pytest.raises(OutputError) as caught:
        SpiOutput(5)
    assert "\n" not in str(caught.value) and words in str(caught.value)
