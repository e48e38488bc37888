"""Exports: an animated GIF of the ring, and the PNG timeline picture of a whole sequence.

Both show what the LEDs would do: the real frame loop and pipeline (dithering included) play the
sequence onto a ring that averages the codes it is shown over each GIF frame or timeline column.
The loop runs on a clock that moves only when the loop sleeps, so it plays as fast as it can
compute and no frame is ever dropped.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np

from device.clock import InstantClock
from device.config import Config
from device.frame_loop import MAX_FPS, FrameLoop
from device.pipeline import Pipeline
from sequences.engine import Renderer
from sim.clock import PREVIEW_DAY
from sim.glow import RingPainter
from sim.rings import LedAppearance, VirtualRing

GIF_FPS = 20.0
MAX_GIF_FRAMES = 1200
LED_FRAMES_PER_PICTURE = 8  # LED frames averaged into each GIF frame or timeline column (at least)


class ExportError(ValueError):
    """An export that cannot be made as asked; the message is one line for the user."""


class _BinningRing(VirtualRing):
    """Sums the frames it is shown into bins of `bin_s` seconds on the loop's clock."""

    def __init__(self, pixels: int, channels: int, order: str, clock: InstantClock, bin_s: float, bins: int):
        super().__init__(pixels, channels, order)
        self.clock = clock
        self.bin_s = bin_s
        self.sums = np.zeros((bins, pixels, channels))
        self.counts = np.zeros(bins, dtype=int)

    def show(self, codes: np.ndarray) -> None:
        super().show(codes)
        index = min(int(self.clock.monotonic() / self.bin_s), len(self.counts) - 1)
        self.sums[index] += codes
        self.counts[index] += 1


def averaged_codes(renderer: Renderer, config: Config, bins: int) -> np.ndarray:
    """Mean LED codes (bins, pixels, channels) over `bins` equal spans of the sequence, as shown
    by the frame loop at the configured rate (or slower for long spans, at least
    LED_FRAMES_PER_PICTURE frames a span). A span no frame fell in holds the one before."""
    bin_s = renderer.duration_s / bins
    fps = min(max(LED_FRAMES_PER_PICTURE / bin_s, 1.0), config.fps, MAX_FPS)
    clock = InstantClock(PREVIEW_DAY)
    ring = _BinningRing(config.ring.pixels, len(config.ring.order), config.ring.order, clock, bin_s, bins)
    pipeline = Pipeline(config.output, ring.pixel_count, ring.channels)
    # A frame at every deadline, each written: the ring averages frames by count, not by how long each is held.
    FrameLoop(ring, pipeline, clock, fps, adaptive=False).play(renderer.frames(), threading.Event())
    means = np.zeros_like(ring.sums)
    for index in range(bins):
        if ring.counts[index]:
            means[index] = ring.sums[index] / ring.counts[index]
        elif index:
            means[index] = means[index - 1]
    return means


def gif_frame_count(duration_s: float, speed_x: float) -> int:
    return max(2, math.ceil(duration_s / speed_x * GIF_FPS))


def export_gif(renderer: Renderer, config: Config, path: Path, speed_x: float, size_px: int = 240) -> int:
    """Write an animated GIF of the ring playing at speed_x (GIF_FPS frames a second); the frame count."""
    from PIL import Image

    frames = gif_frame_count(renderer.duration_s, speed_x)
    if frames > MAX_GIF_FRAMES:
        fastest = renderer.duration_s * GIF_FPS / MAX_GIF_FRAMES
        raise ExportError(f"a GIF of {renderer.duration_s:g}s at {speed_x:g}x would have {frames} frames; "
                          f"use --speed {math.ceil(fastest)} or more")
    appearance = LedAppearance(config.output, len(config.ring.order))
    painter = RingPainter(config.ring.pixels, size_px, dither=False)  # the GIF palette dithers
    pictures = []
    for index, codes in enumerate(averaged_codes(renderer, config, frames)):
        picture = painter.paint(appearance.to_linear(codes))
        _progress_bar(picture, (index + 1) / frames)
        pictures.append(Image.fromarray(picture).quantize(colors=128, method=Image.Quantize.MEDIANCUT,
                                                          dither=Image.Dither.FLOYDSTEINBERG))
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=round(1000 / GIF_FPS), loop=0,
                     optimize=False, disposal=1)
    return frames


def _progress_bar(picture: np.ndarray, share: float) -> None:
    """A faint line along the bottom edge: how far through the sequence this frame is."""
    height, width = picture.shape[:2]
    picture[height - 2:, : max(1, round(share * width))] = (70, 64, 58)


def export(path: Path, renderer: Renderer, config: Config, speed_x: float | None = None,
           size_px: int | None = None) -> str:
    """Write a .gif (the ring at speed_x; default: the whole sequence in 6 s) or a .png timeline;
    a one-line description of what was written."""
    suffix = path.suffix.lower()
    if suffix == ".gif":
        speed_x = speed_x or renderer.duration_s / 6.0
        frames = export_gif(renderer, config, path, speed_x, size_px or 240)
        return f"{path}: {frames} frames at {GIF_FPS:g} fps, {speed_x:g}x"
    if suffix == ".png":
        from sim.timeline_png import export_timeline_png
        width_px, height_px = export_timeline_png(renderer, config, path)
        return f"{path}: timeline, {width_px}x{height_px}"
    raise ExportError(f"cannot export to {path.name}: the file name must end .gif or .png")
