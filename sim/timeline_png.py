"""The timeline picture: a whole sequence at a glance.

Time runs across; each LED is a row (LED 0 on top) in the colour the LEDs would show, averaged over
the column's span; under it, the ring's level in CIE L* and its correlated colour temperature,
each curve drawn in the colour of the light it measures; phases are named along the top.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from device.config import Config
from sequences.colour import (correlated_colour_temperature, kelvin_to_linear_rgb, luminance, luminance_to_lstar,
                              srgb_codes)
from sequences.engine import Renderer
from sim.export import averaged_codes
from sim.rings import LedAppearance
from sim.status import clock_text

PLOT_W = 920
LEFT, RIGHT = 58, 22
HEADER_H, PHASES_H, CHART_H, GAP_H, AXIS_H = 56, 20, 92, 24, 30
BAND_H = 168  # the LED rows together, about (a whole number of pixels per LED)
BG, PANEL, GRID = (9, 9, 13), (17, 17, 23), (44, 43, 52)
FG, DIM = (236, 228, 216), (141, 135, 124)
KELVIN_LOW, KELVIN_HIGH = 1000.0, 10000.0
KELVIN_TICKS = (1000, 2000, 3000, 5000, 10000)
MIN_LSTAR_FOR_KELVIN = 1.0  # below this the ring is as good as dark and has no colour to speak of
_TIME_STEPS_S = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800)


def time_step_s(duration_s: float) -> float:
    """A round tick step giving at most 10 ticks."""
    return next((step for step in _TIME_STEPS_S if duration_s / step <= 10), _TIME_STEPS_S[-1])


def export_timeline_png(renderer: Renderer, config: Config, path: Path) -> tuple[int, int]:
    """Write the timeline picture of `renderer` to `path`; its (width, height) in pixels."""
    from PIL import Image, ImageDraw, ImageFont

    pixels = config.ring.pixels
    row_h = max(1, round(BAND_H / pixels))
    band_h = row_h * pixels
    band_top = HEADER_H + PHASES_H
    lstar_top = band_top + band_h + GAP_H
    kelvin_top = lstar_top + CHART_H + GAP_H
    width, height = LEFT + PLOT_W + RIGHT, kelvin_top + CHART_H + AXIS_H

    appearance = LedAppearance(config.output, len(config.ring.order))
    codes = averaged_codes(renderer, config, PLOT_W)  # (columns, pixels, channels)
    linear = np.stack([appearance.to_linear(column) for column in codes])  # (columns, pixels, 3)
    mean = linear.mean(axis=1)
    lstar = luminance_to_lstar(luminance(mean))
    with np.errstate(invalid="ignore"):
        kelvin = np.where(lstar >= MIN_LSTAR_FOR_KELVIN, correlated_colour_temperature(np.clip(mean, 1e-9, None)),
                          np.nan)

    picture = np.zeros((height, width, 3), dtype=np.uint8)
    picture[:] = BG
    band = srgb_codes(linear).transpose(1, 0, 2)  # (pixels, columns, 3)
    picture[band_top:band_top + band_h, LEFT:LEFT + PLOT_W] = np.repeat(band, row_h, axis=0)
    for top in (lstar_top, kelvin_top):
        picture[top:top + CHART_H, LEFT:LEFT + PLOT_W] = PANEL
    image = Image.fromarray(picture)
    draw = ImageDraw.Draw(image)
    small, large = ImageFont.load_default(size=12), ImageFont.load_default(size=19)

    sequence = renderer.sequence
    draw.text((LEFT, 12), sequence.title, font=large, fill=FG)
    draw.text((LEFT, 36), f"{sequence.kind} \u00b7 {clock_text(renderer.duration_s)} \u00b7 {sequence.description}",
              font=small, fill=DIM)

    def lstar_y(value: float) -> float:
        return lstar_top + CHART_H - 4 - value / 100.0 * (CHART_H - 8)

    def kelvin_y(value: float) -> float:
        share = (math.log(value) - math.log(KELVIN_LOW)) / (math.log(KELVIN_HIGH) - math.log(KELVIN_LOW))
        return kelvin_top + CHART_H - 4 - min(max(share, 0.0), 1.0) * (CHART_H - 8)

    for value in (25, 50, 75):
        draw.line([(LEFT, lstar_y(value)), (LEFT + PLOT_W, lstar_y(value))], fill=GRID)
    for value in (0, 50, 100):
        _label_left(draw, lstar_y(value), str(value), small)
    draw.text((LEFT, lstar_top - 17), "level (L*)", font=small, fill=DIM)
    for value in KELVIN_TICKS:
        draw.line([(LEFT, kelvin_y(value)), (LEFT + PLOT_W, kelvin_y(value))], fill=GRID)
        _label_left(draw, kelvin_y(value), f"{value // 1000}k", small)
    draw.text((LEFT, kelvin_top - 17), "colour temperature (K)", font=small, fill=DIM)

    _phases(draw, renderer, band_top, kelvin_top + CHART_H, small)
    hue = srgb_codes(mean / np.maximum(mean.max(axis=1, keepdims=True), 1e-9))
    _curve(draw, [lstar_y(v) for v in lstar], [tuple(c) for c in hue])
    kelvin_colours = [tuple(srgb_codes(np.array(kelvin_to_linear_rgb(k)))) if np.isfinite(k) else FG for k in kelvin]
    _curve(draw, [kelvin_y(k) if np.isfinite(k) else None for k in kelvin], kelvin_colours)
    _time_axis(draw, renderer.duration_s, kelvin_top + CHART_H, small)
    image.save(path, optimize=True)
    return width, height


def _label_left(draw, y: float, text: str, font) -> None:
    draw.text((LEFT - 8, y), text, font=font, fill=DIM, anchor="rm")


def _curve(draw, ys: list[float | None], colours: list[tuple]) -> None:
    """A line through one point per column, each segment in its column's colour; None breaks it."""
    for x, (y0, y1, colour) in enumerate(zip(ys, ys[1:], colours)):
        if y0 is not None and y1 is not None:
            draw.line([(LEFT + x, y0), (LEFT + x + 1, y1)], fill=colour, width=2)


def _phases(draw, renderer: Renderer, top: int, bottom: int, font) -> None:
    starts = [p.start_s for p in renderer.placed] + [renderer.duration_s]
    for index, placed in enumerate(renderer.placed):
        x0 = LEFT + starts[index] / renderer.duration_s * PLOT_W
        x1 = LEFT + starts[index + 1] / renderer.duration_s * PLOT_W
        if index:
            draw.line([(x0, top - PHASES_H + 2), (x0, bottom)], fill=(90, 86, 80), width=1)
        name = placed.phase.name.replace("-", " ")
        while name and draw.textlength(name, font=font) > x1 - x0 - 8:
            name = name[:-2] + "\u2026" if len(name) > 2 else ""
        draw.text((x0 + 4, top - PHASES_H + 3), name, font=font, fill=FG)


def _time_axis(draw, duration_s: float, top: int, font) -> None:
    step_s = time_step_s(duration_s)
    ticks = [i * step_s for i in range(int(duration_s // step_s) + 1)]
    if duration_s - ticks[-1] > 0.3 * step_s:
        ticks.append(duration_s)
    for t_s in ticks:
        x = LEFT + t_s / duration_s * PLOT_W
        draw.line([(x, top), (x, top + 5)], fill=DIM)
        draw.text((x, top + 8), clock_text(t_s), font=font, fill=DIM, anchor="ma")
