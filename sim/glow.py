"""Pictures of the ring: LEDs glowing through a diffuser, as the window, GIFs and terminal-free previews draw them.

Each LED is a soft dot (the diffuser's bright spot) with a halo and a faint glow on the wall
round it. The light adds up in linear light before it is encoded for the screen, as light does.
All three are Gaussians, so the picture is a sum of separable terms: per term a (pixels x size)
column profile times a (size x pixels) row profile, two small matrix products per redraw.
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterator

import numpy as np

from sequences.easing import smoothstep
from sequences.colour import linear_to_srgb

BACKGROUND_LINEAR = (0.0028, 0.0027, 0.0040)  # a dark blue-black room
DIFFUSER_LINEAR = (0.0032, 0.0031, 0.0040)  # the unlit diffuser, so a dark ring is still an object
# (width as a share of the LED spacing, peak): the dot's centre is the LED's own light, exactly 1.
_DOT = (0.25, 1.0)
_HALO = (0.7, 0.2)
_WALL = (1.4, 0.05)
_LUT_STEPS = 4096
RING_RADIUS = 0.31  # of the picture's size: room round the ring for the glow to fade out
# 4x4 Bayer matrix in code units (-0.5..0.5): breaks the 8-bit banding of dark, smooth halos.
_BAYER = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]) + 0.5) / 16.0 - 0.5


def led_centres(pixels: int, size_px: int) -> np.ndarray:
    """(x, y) in pixels of each LED's centre: LED 0 at the top, then clockwise, as the ring is seen."""
    radius_px = RING_RADIUS * size_px
    angles = 2 * np.pi * np.arange(pixels) / pixels - np.pi / 2
    return np.stack([size_px / 2 + radius_px * np.cos(angles), size_px / 2 + radius_px * np.sin(angles)], axis=1)


class RingPainter:
    """Paints linear RGB LED colours (pixels, 3) as an sRGB picture (size_px, size_px, 3) uint8."""

    def __init__(self, pixels: int, size_px: int, dither: bool = True):
        self.pixels = pixels
        self.size_px = size_px
        self.centres_px = led_centres(pixels, size_px)
        spacing_px = 2 * math.pi * RING_RADIUS * size_px / pixels
        # Rings of few LEDs would show blobs: dots stay under 4% of the picture wide.
        unit_px = min(spacing_px, 0.16 * size_px)
        grid = np.arange(size_px, dtype=np.float32) + 0.5
        rows, cols = [], []
        # The wall glow fades out towards the picture's edges, so it meets the background without a seam.
        edge = np.clip(np.minimum(grid, size_px - grid) / (0.5 * size_px), 0.0, 1.0)
        fade = smoothstep(edge)
        for (width, peak), taper in ((_DOT, 1.0), (_HALO, 1.0), (_WALL, fade)):
            sigma_px = max(width * unit_px, 0.6)
            rows.append(np.exp(-((grid[:, None] - self.centres_px[None, :, 1]) ** 2) / (2 * sigma_px ** 2))
                        * peak * np.asarray(taper)[..., None])
            cols.append(np.exp(-((self.centres_px[:, 0, None] - grid[None, :]) ** 2) / (2 * sigma_px ** 2)) * taper)
        # All terms in one matrix product: (size, 3 terms x pixels) @ (3 terms x pixels, size x 3 channels).
        self._rows = np.concatenate(rows, axis=1).astype(np.float32)
        self._cols = np.concatenate(cols, axis=0).astype(np.float32)
        self._base = self._diffuser_and_room(unit_px)
        # One lookup per pixel does the sRGB encoding and the ordered dither: 16 tables, one per
        # cell of the Bayer matrix, each rounding at that cell's threshold.
        encoded = linear_to_srgb(np.linspace(0.0, 1.0, _LUT_STEPS)) * 255.0
        thresholds = _BAYER.ravel() if dither else np.zeros(16)
        self._lut = np.clip(encoded[None, :] + thresholds[:, None] + 0.5, 0, 255).astype(np.uint8).ravel()
        cells = np.arange(16).reshape(4, 4) * _LUT_STEPS
        self._cell_offset = np.tile(cells, (size_px // 4 + 1, size_px // 4 + 1))[:size_px, :size_px, None].astype(np.int32)

    def _diffuser_and_room(self, unit_px: float) -> np.ndarray:
        grid = np.arange(self.size_px, dtype=np.float32) + 0.5
        dx = grid[None, :] - self.size_px / 2
        dy = grid[:, None] - self.size_px / 2
        from_ring_px = np.abs(np.hypot(dx, dy) - RING_RADIUS * self.size_px)
        band = np.exp(-(from_ring_px ** 2) / (2 * (0.3 * unit_px) ** 2))
        base = np.empty((self.size_px, self.size_px, 3), dtype=np.float32)
        base[:] = BACKGROUND_LINEAR
        base += band[:, :, None] * np.asarray(DIFFUSER_LINEAR, dtype=np.float32)
        return base

    def linear_picture(self, linear_rgb: np.ndarray) -> np.ndarray:
        """Light on the picture, linear RGB (size, size, 3) float32, not yet clipped."""
        colours = np.tile(np.asarray(linear_rgb, dtype=np.float32), (3, 1))  # (3 terms x pixels, 3)
        right = (self._cols[:, :, None] * colours[:, None, :]).reshape(len(colours), -1)
        picture = (self._rows @ right).reshape(self.size_px, self.size_px, 3)
        picture += self._base
        return picture

    def paint(self, linear_rgb: np.ndarray) -> np.ndarray:
        """The ring showing `linear_rgb` (pixels, 3; 0-1), as sRGB uint8 (size, size, 3)."""
        picture = self.linear_picture(linear_rgb)
        np.clip(picture, 0.0, 1.0, out=picture)
        picture *= _LUT_STEPS - 1
        index = picture.astype(np.int32)
        index += self._cell_offset
        return self._lut[index]


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Within the block, matrix products use one thread. OpenBLAS's worker threads spin between
    calls, and a viewer's forty small products a second would keep every core busy for a picture
    that one core paints in a few milliseconds. Without threadpoolctl this does nothing."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield
