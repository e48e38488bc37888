"""The `spi` driver: WS2812/SK6812 LEDs on GPIO10 (SPI0 MOSI) through `neopixel_spi`.

Each bit the LEDs take becomes one SPI byte (0b11000000 for a 0, 0b11110000 for a 1) sent at
6.4 MHz, so the SPI peripheral makes the 800 kHz waveform: every Pi has it, and it needs no root,
only read-write access to /dev/spidev0.0 (the spi group). On a Pi 3/4 the SPI clock follows the
core clock, which must stay fixed for the timing to hold: core_freq=250 (Pi 3) or
core_freq_min=500 (Pi 4) in config.txt.
"""

from __future__ import annotations

import os

from device.output import OutputError
from device.pixelbuf_output import PixelBufOutput, load_driver_error
from device.ring_drivers import ENABLE_SPI, SPI_DEVICE

SPI_PINS = ("D10", "MOSI")  # the only pin SPI0 sends on
SPIDEV_CHUNK_BYTES = 4096  # Adafruit_PureIO writes in pieces this big unless $SPI_BUFSIZE says otherwise


class SpiOutput(PixelBufOutput):
    """A NeoPixel ring on SPI0's MOSI pin (GPIO10)."""

    driver = "spi"

    def __init__(self, pixel_count: int, pixel_order: str = "GRB", pin_name: str | None = None):
        if pin_name is not None and pin_name.upper() not in SPI_PINS:
            raise OutputError(f"the spi driver sends on D10 (GPIO10, MOSI), not {pin_name}: wire the ring's "
                              f"data to GPIO10 and leave [ring] pin out, or set [ring] driver = \"pwm\"")
        self.pin_name = "D10"
        super().__init__(pixel_count, pixel_order)
        _check_one_transfer(self.strip, pixel_count)

    def _open(self):
        try:
            import board
            import busio

            from device.spi_strip import NumpyNeoPixelSpi
        except Exception as error:  # noqa: BLE001 - Blinka raises many kinds when it finds no board
            raise load_driver_error("neopixel_spi", error) from None
        try:
            spi = busio.SPI(board.SCK, MOSI=board.MOSI)
            return NumpyNeoPixelSpi(spi, self.pixel_count, bpp=self.channels, brightness=1.0,
                                    auto_write=False, pixel_order=self.pixel_order)
        except (RuntimeError, OSError, ValueError) as error:
            raise self._explain(error) or OutputError(f"cannot drive the LEDs on SPI (D10): {error}") from None

    def _explain(self, error: Exception) -> OutputError | None:
        if isinstance(error, FileNotFoundError) or "make sure spi is enabled" in str(error).lower():
            return OutputError(f"SPI is off ({SPI_DEVICE} is missing): {ENABLE_SPI}")
        if isinstance(error, PermissionError):
            return OutputError(f"no permission to use {SPI_DEVICE}: add the user to the spi group "
                               f"(sudo adduser $USER spi) and log in again")
        return None


def _check_one_transfer(strip, pixel_count: int) -> None:
    """A frame split into several SPI transfers has gaps the LEDs take for a reset: refuse it."""
    frame_bytes = len(strip._spibuf) + 2 * len(strip._reset)
    chunk_bytes = int(os.environ.get("SPI_BUFSIZE", SPIDEV_CHUNK_BYTES))
    if frame_bytes > chunk_bytes:
        size = 1 << (frame_bytes - 1).bit_length()
        raise OutputError(f"{pixel_count} LEDs take {frame_bytes} bytes a frame on SPI, more than one "
                          f"{chunk_bytes}-byte transfer: add spidev.bufsiz={size} to /boot/firmware/cmdline.txt "
                          f"and set SPI_BUFSIZE={size} in the service's environment")

