"""neopixel_spi's strip with its bit expansion in numpy.

The library turns every bit of a frame into an SPI byte in a Python loop (24 a pixel, so 576 for
a 24-LED ring and 24,576 for 1024, every frame); this does the same expansion in two numpy calls.
Kept apart from device.spi_output because importing `neopixel_spi` needs Blinka's board.
"""

from __future__ import annotations

import neopixel_spi
import numpy as np


class NumpyNeoPixelSpi(neopixel_spi.NeoPixel_SPI):
    """NeoPixel_SPI whose SPI bytes are the same, made without a loop per bit."""

    def _transmogrify(self, buffer: bytearray) -> None:
        bits = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8))  # MSB first, as the library sends
        self._spibuf[:] = np.where(bits, np.uint8(self._bit1), np.uint8(self._bit0)).tobytes()
