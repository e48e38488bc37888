"""What every Adafruit `adafruit_pixelbuf` driver shares: a whole frame into its wire buffer, then `show()`.

Both LED drivers (Blinka's `neopixel` and `neopixel_spi`) are PixelBuf subclasses. A frame goes
into the buffer the library transmits, already in wire order, with the library's brightness left
at 1.0 (the pipeline did brightness, power and dithering): no per-pixel Python on the way.
"""

from __future__ import annotations

import numpy as np

from device.output import OutputError, check_pixel_order, wire_bytes


class PixelBufOutput:
    """A PixelOutput over an opened PixelBuf `strip`; subclasses open the strip and explain failures."""

    driver = ""  # the [ring] driver name, for messages

    def __init__(self, pixel_count: int, pixel_order: str = "GRB"):
        self.pixel_count = pixel_count
        self.pixel_order = check_pixel_order(pixel_order)
        self.channels = len(self.pixel_order)
        self.strip = self._open()
        self._buffer = self.strip._post_brightness_buffer  # what show() sends, brightness being 1.0
        self.closed = False

    def _open(self):
        raise NotImplementedError

    def _explain(self, error: Exception) -> OutputError | None:
        """A one-line OutputError for a failure the user can fix (e.g. permissions), else None."""
        return None

    def show(self, codes: np.ndarray) -> None:
        if self.closed:
            raise RuntimeError("the output is closed")
        self._buffer[:] = wire_bytes(codes, self.pixel_order)
        try:
            self.strip.show()
        except (RuntimeError, OSError) as error:
            explained = self._explain(error)
            if explained is None:
                raise
            raise explained from None

    def close(self) -> None:
        """Blank the ring and release it (safe to call twice)."""
        if self.closed:
            return
        self.closed = True
        self._buffer[:] = bytes(len(self._buffer))
        self.strip.show()
        self.strip.deinit()


def load_driver_error(library: str, error: Exception) -> OutputError:
    """The one line for a driver library that will not import."""
    return OutputError(f"cannot load the LED driver {library} ({error}); on a Raspberry Pi install "
                       f"emberwake[pi], elsewhere use --output sim or null")
