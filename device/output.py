"""The pixel output seam: the one small protocol every ring satisfies.

The LED drivers, the simulator's ring and the tests' capture all take whole frames of
8-bit codes in logical R, G, B(, W) order; each maps them to its own wire order itself.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from device.config import Config

PIXEL_ORDERS = ("RGB", "RBG", "GRB", "GBR", "BRG", "BGR", "RGBW", "GRBW", "RBGW", "GBRW", "BRGW", "BGRW")


class OutputError(Exception):
    """One line: why the LEDs cannot be driven, and what to do about it."""


@runtime_checkable
class PixelOutput(Protocol):
    """A ring of LEDs that shows frames.

    pixel_count: LEDs on the ring; channels: 3 (RGB) or 4 (RGBW);
    pixel_order: the order the LEDs take bytes on the wire (e.g. "GRB");
    show(codes): codes is uint8 (pixel_count, channels) in logical R, G, B(, W) order;
    close(): blank the ring and release it; showing after close is an error.
    """

    pixel_count: int
    channels: int
    pixel_order: str

    def show(self, codes: np.ndarray) -> None: ...

    def close(self) -> None: ...


def check_pixel_order(order: str) -> str:
    """The order in upper case, or ValueError naming the valid ones."""
    upper = order.upper()
    if upper not in PIXEL_ORDERS:
        raise ValueError(f"pixel order {order!r} is not one of {', '.join(PIXEL_ORDERS)}")
    return upper


def wire_bytes(codes: np.ndarray, pixel_order: str) -> bytes:
    """Logical R, G, B(, W) codes -> the bytes in the LEDs' wire order, one whole frame."""
    return codes.take(_wire_columns(pixel_order), axis=1).astype(np.uint8, copy=False).tobytes()


@functools.lru_cache(maxsize=16)
def _wire_columns(pixel_order: str) -> np.ndarray:
    return np.array(["RGBW".index(letter) for letter in pixel_order])


class NullOutput:
    """Shows nothing, anywhere: for benchmarks and for running without LEDs."""

    def __init__(self, pixel_count: int, channels: int = 3, pixel_order: str = "GRB"):
        self.pixel_count = pixel_count
        self.channels = channels
        self.pixel_order = pixel_order
        self.closed = False

    def show(self, codes: np.ndarray) -> None:
        if self.closed:
            raise RuntimeError("the output is closed")

    def close(self) -> None:
        self.closed = True


def open_null_output(config: Config, title: str = "Emberwake") -> NullOutput:
    """The `null` output (entry point): the configured ring's shape, and no light."""
    return NullOutput(config.ring.pixels, len(config.ring.order), config.ring.order)


class CaptureOutput(NullOutput):
    """Keeps every frame it is shown (with a count), for tests and measurements."""

    def __init__(self, pixel_count: int, channels: int = 3, pixel_order: str = "GRB", keep: int = 100_000):
        super().__init__(pixel_count, channels, pixel_order)
        self.frames: list[np.ndarray] = []
        self.keep = keep
        self.shown = 0
        self.changed = threading.Condition()

    def show(self, codes: np.ndarray) -> None:
        super().show(codes)
        with self.changed:
            if len(self.frames) < self.keep:
                self.frames.append(np.array(codes, dtype=np.uint8))
            self.shown += 1
            self.changed.notify_all()

    def close(self) -> None:
        self.show(np.zeros((self.pixel_count, self.channels), dtype=np.uint8))
        super().close()

    @property
    def last(self) -> np.ndarray | None:
        return self.frames[-1] if self.frames else None
