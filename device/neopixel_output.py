"""The `pwm` and `pio` drivers: WS2812/SK6812 LEDs through Adafruit Blinka's `neopixel`.

Blinka's `neopixel` ends in `neopixel_write`, which Blinka points at the board's own driver:
rpi_ws281x on a Raspberry Pi 1-4/Zero (PWM and DMA through /dev/mem, so root only: `pwm`), the
Adafruit-Blinka-Raspberry-Pi5-Neopixel PIO program on a Pi 5 (/dev/pio0, the gpio group: `pio`).
With BLINKA_OS_AGNOSTIC=1 on a desktop, Blinka's generic board stands in, so this same path runs
in the tests.
"""

from __future__ import annotations

from device.output import OutputError
from device.pixelbuf_output import PixelBufOutput, load_driver_error

DEFAULT_PIN = "D18"  # PWM0 on a Raspberry Pi: the pin the rpi_ws281x driver wants


def default_pin_name() -> str:
    """D18 on a Raspberry Pi; the board's own NEOPIXEL pin where it has one (Blinka's generic board)."""
    try:
        import board
    except Exception:  # noqa: BLE001 - no board at all: the error comes when the output opens
        return DEFAULT_PIN
    return "NEOPIXEL" if hasattr(board, "NEOPIXEL") and not hasattr(board, DEFAULT_PIN) else DEFAULT_PIN


class NeoPixelOutput(PixelBufOutput):
    """A NeoPixel ring on a board pin (by its `board` name, e.g. "D18"), sent by `driver` ("pwm" or "pio")."""

    def __init__(self, pixel_count: int, pin_name: str | None = None, pixel_order: str = "GRB",
                 driver: str = "pwm"):
        self.pin_name = pin_name or default_pin_name()
        self.driver = driver
        super().__init__(pixel_count, pixel_order)

    def _open(self):
        try:
            import board
            import neopixel
        except Exception as error:  # noqa: BLE001 - Blinka raises many kinds when it finds no board
            raise load_driver_error("neopixel", error) from None
        pin = getattr(board, self.pin_name, None)
        if pin is None:
            pins = ", ".join(name for name in dir(board) if name[:1] == "D" and name[1:].isdigit()) or "none"
            raise OutputError(f"pin '{self.pin_name}' is not a pin of this board ({pins}); "
                              f"a NeoPixel ring on a Raspberry Pi goes on D18 (GPIO18)")
        try:
            return neopixel.NeoPixel(pin, self.pixel_count, bpp=self.channels, brightness=1.0,
                                     auto_write=False, pixel_order=self.pixel_order)
        except (RuntimeError, OSError, ValueError) as error:
            raise self._explain(error) or OutputError(
                f"cannot drive the LEDs on pin {self.pin_name}: {error}") from None

    def _explain(self, error: Exception) -> OutputError | None:
        text = str(error).lower()
        if self.driver == "pio" and ("pio" in text or isinstance(error, PermissionError)):
            return OutputError(f"cannot open /dev/pio0 for the LEDs on {self.pin_name} ({error}): install "
                               f"deploy/99-emberwake-pio.rules (group gpio) and update the Pi 5's firmware "
                               f"and kernel (sudo apt full-upgrade)")
        if isinstance(error, PermissionError) or "permission" in text or "mmap" in text or "/dev/mem" in text:
            return OutputError(f"no permission to drive the LEDs on {self.pin_name}: the pwm driver needs root "
                               f"(run the service as root, or `sudo emberwake ...`), or wire the ring to "
                               f"D10 (SPI MOSI), enable SPI and set [ring] driver = \"spi\", which needs no root")
        return None
