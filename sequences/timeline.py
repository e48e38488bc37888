"""A sequence at a glance: its phases' light over time, in a few hundred columns, for the
simulator's scrub bar and the phone page's gallery (which draw it themselves)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sequences.colour import luminance, luminance_to_lstar, srgb_codes
from sequences.engine import Renderer


@dataclass(frozen=True)
class TimelineStrip:
    """Per column, the light (sRGB) and its level in L* (0-100); where each phase starts (seconds)."""

    colours: np.ndarray  # (columns, 3) uint8
    lstar: np.ndarray  # (columns,)
    duration_s: float
    phase_starts_s: tuple[float, ...]


def timeline_strip(renderer: Renderer, brightness: float = 1.0, columns: int = 480) -> TimelineStrip:
    """The phases' light (before effects, which a strip this small could not show) over time,
    sampled at the middle of each of `columns` equal spans; `brightness` scales it (0-1)."""
    times_s = (np.arange(columns) + 0.5) / columns * renderer.duration_s
    light = np.array([renderer.light_at(t) for t in times_s]) * brightness
    return TimelineStrip(srgb_codes(light), luminance_to_lstar(luminance(light)), renderer.duration_s,
                         tuple(p.start_s for p in renderer.placed))
