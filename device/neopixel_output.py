"""The real ring: WS2812/SK6812 LEDs through Adafruit Blinka's `neopixel` driver.

Whole frames go to the library's buffer in wire order and out through its `show()`, which ends
in `neopixel_write`; no per-pixel Python on the way. With BLINKA_OS_AGNOSTIC=1 on a desktop,
Blinka's generic board stands in, so this same path runs in the tests.
"""

from __future__ import annotations

import numpy as np

from device.output import check_pixel_order, wire_bytes

DEFAULT_PIN = "D18"  # PWM0 on a Raspberry Pi: the pin the rpi_ws281x driver wants


class OutputError(Exception):
    """One line: why the LEDs cannot be driven, and what to do about it."""


def default_pin_name() -> str:
    """D18 on a Raspberry Pi; the board's own NEOPIXEL pin where it has one (Blinka's generic board)."""
    try:
        import board
    except Exception:  # noqa: BLE001 - no board at all: the error comes when the output opens
        return DEFAULT_PIN
    return "NEOPIXEL" if hasattr(board, "NEOPIXEL") and not hasattr(board, DEFAULT_PIN) else DEFAULT_PIN


class NeoPixelOutput:
    """A NeoPixel ring on a board pin (by its `board` name, e.g. "D18")."""

    def __init__(self, pixel_count: int, pin_name: str | None = None, pixel_order: str = "GRB"):
        self.pixel_count = pixel_count
        self.pixel_order = check_pixel_order(pixel_order)
        self.channels = len(self.pixel_order)
        self.pin_name = pin_name or default_pin_name()
        self.strip = self._open()
        self._buffer = self.strip._post_brightness_buffer  # brightness stays 1.0: this is what is sent
        self.closed = False

    def _open(self):
        try:
            import board
            import neopixel
        except Exception as error:  # noqa: BLE001 - Blinka raises many kinds when it finds no board
            raise OutputError(f"cannot load the NeoPixel driver ({error}); on a Raspberry Pi install "
                              f"emberwake[pi], elsewhere use --output sim or null") from None
        pin = getattr(board, self.pin_name, None)
        if pin is None:
            pins = ", ".join(name for name in dir(board) if name[:1] == "D" and name[1:].isdigit()) or "none"
            raise OutputError(f"pin '{self.pin_name}' is not a pin of this board ({pins}); "
                              f"a NeoPixel ring on a Raspberry Pi goes on D18 (GPIO18)")
        try:
            return neopixel.NeoPixel(pin, self.pixel_count, bpp=self.channels, brightness=1.0,
                                     auto_write=False, pixel_order=self.pixel_order)
        except PermissionError:
            raise _permission_error(self.pin_name) from None
        except (RuntimeError, OSError, ValueError) as error:
            if "permission" in str(error).lower() or "mmap" in str(error).lower() or "/dev/mem" in str(error):
                raise _permission_error(self.pin_name) from None
            raise OutputError(f"cannot drive the LEDs on pin {self.pin_name}: {error}") from None

    def show(self, codes: np.ndarray) -> None:
        if self.closed:
            raise RuntimeError("the output is closed")
        self._buffer[:] = wire_bytes(codes, self.pixel_order)
        try:
            self.strip.show()
        except (RuntimeError, OSError) as error:
            if "permission" in str(error).lower() or "mmap" in str(error).lower():
                raise _permission_error(self.pin_name) from None
            raise

    def close(self) -> None:
        """Blank the ring and release the pin (safe to call twice)."""
        if self.closed:
            return
        self.closed = True
        self._buffer[:] = bytes(len(self._buffer))
        self.strip.show()
        self.strip.deinit()


def _permission_error(pin_name: str) -> OutputError:
    return OutputError(f"no permission to drive the LEDs on {pin_name}: the PWM driver needs root "
                       f"(run the service as root, or `sudo emberwake ...`), or wire the ring to "
                       f"D10 (SPI MOSI) and enable SPI, which needs no root")
