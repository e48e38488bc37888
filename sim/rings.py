"""The virtual ring: a PixelOutput that keeps what it is shown for a viewer to draw.

The frame loop shows it frames at its own rate (up to hundreds a second); a viewer redraws at
the screen's rate and takes the average of the codes shown since its last redraw, which is what
an eye sees of a dithered LED.
"""

from __future__ import annotations

import threading
from typing import Callable

import numpy as np

from device.config import Config
from device.output import check_pixel_order
from device.pipeline import MAX_CODE, OutputSettings


class LedAppearance:
    """How codes look: code / 255 is linear light, and the LED type's white balance is a neutral white.

    A white-balanced ring's (255, 219, 189) is the white the engine meant by (1, 1, 1), so the
    viewer divides the gains out again; brightness and the power limit stay, as on the real ring.
    """

    def __init__(self, settings: OutputSettings, channels: int = 3):
        self.channels = channels
        self.gains = np.maximum(np.asarray(settings.white_balance, dtype=float), 1e-3)
        self.white_codes_rgb = None
        if channels == 4:
            white = settings.white_rgb or (1.0, 1.0, 1.0)
            self.white_codes_rgb = np.asarray(white, dtype=float) * self.gains

    def to_linear(self, codes: np.ndarray) -> np.ndarray:
        """Codes (pixels, channels), uint8 or float 0-255 -> linear RGB (pixels, 3), 0-1 and up."""
        codes = np.asarray(codes, dtype=float)
        rgb = codes[:, :3]
        if self.white_codes_rgb is not None:
            rgb = rgb + codes[:, 3:4] * self.white_codes_rgb
        return rgb / (MAX_CODE * self.gains)


class VirtualRing:
    """A ring of `pixel_count` LEDs that exists only in memory; thread-safe."""

    def __init__(self, pixel_count: int, channels: int = 3, pixel_order: str = "GRB"):
        if channels not in (3, 4) or len(pixel_order) != channels:
            raise ValueError(f"a {pixel_order} ring does not have {channels} channels")
        self.pixel_count = pixel_count
        self.channels = channels
        self.pixel_order = check_pixel_order(pixel_order)
        self.shown = 0
        self.closed = False
        self._lock = threading.Lock()
        self._sum = np.zeros((pixel_count, channels))
        self._summed = 0
        self._last = np.zeros((pixel_count, channels), dtype=np.uint8)
        self._on_close: list[Callable[[], None]] = []

    @classmethod
    def for_config(cls, config: Config) -> "VirtualRing":
        return cls(config.ring.pixels, len(config.ring.order), config.ring.order)

    def show(self, codes: np.ndarray) -> None:
        if self.closed:
            raise RuntimeError("the ring is closed")
        if codes.shape != self._last.shape:
            raise ValueError(f"frame of shape {codes.shape}; this ring takes {self._last.shape}")
        with self._lock:
            self._sum += codes
            self._summed += 1
            self._last[:] = codes
            self.shown += 1

    def take_average(self) -> np.ndarray:
        """Mean codes (float, pixels x channels) shown since the last call; with none shown since,
        the last frame, which real LEDs keep showing until told otherwise."""
        with self._lock:
            if self._summed == 0:
                return self._last.astype(float)
            average = self._sum / self._summed
            self._sum[:] = 0.0
            self._summed = 0
            return average

    @property
    def last(self) -> np.ndarray:
        with self._lock:
            return self._last.copy()

    def when_closed(self, callback: Callable[[], None]) -> None:
        """Call `callback` after the ring is closed (a viewer that should go with it)."""
        self._on_close.append(callback)

    def close(self) -> None:
        if self.closed:
            return
        self.show(np.zeros_like(self._last))
        self.closed = True
        for callback in self._on_close:
            callback()


def open_sim_output(config: Config, title: str = "Emberwake") -> VirtualRing:
    """The `sim` output (entry point): a virtual ring drawn in a window, else in the terminal, for
    commands such as `play --output sim` that drive an output without knowing it is simulated."""
    return _open_viewed_ring(config, title, prefer_window=True)


def open_terminal_output(config: Config, title: str = "Emberwake") -> VirtualRing:
    """The `terminal` output (entry point): a virtual ring drawn in the terminal."""
    return _open_viewed_ring(config, title, prefer_window=False)


def _open_viewed_ring(config: Config, title: str, prefer_window: bool) -> VirtualRing:
    """A virtual ring with a viewer of its own, in its own thread, which ends when the ring is closed."""
    from sim.status import RingOnlySource  # these import this module: import them when used
    from sim.viewers import start_viewer_thread

    ring = VirtualRing.for_config(config)
    source = RingOnlySource(ring, LedAppearance(config.output, ring.channels), title)
    stop = start_viewer_thread(source, prefer_window=prefer_window)
    ring.when_closed(stop)
    return ring
