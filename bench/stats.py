"""Small helpers shared by the measurements: percentiles, rounding, and the ring's light."""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from sequences.colour import LUMA_WEIGHTS

WIRE_US_PER_LED = 30.0  # 24 bits at 800 kbit/s
WIRE_RESET_US = 280.0  # the latch gap a WS2812B needs after a frame


def wire_time_us(pixels: int) -> float:
    """How long a frame of `pixels` RGB LEDs takes on the wire, reset included."""
    return WIRE_US_PER_LED * pixels + WIRE_RESET_US


def percentile(values: Iterable[float], q: float) -> float:
    data = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    return float(np.percentile(data, q)) if data.size else math.nan


def r(value: float | None, digits: int = 3) -> float | None:
    """A figure for the JSON: rounded, and None (null) rather than NaN or infinity."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return round(value, digits)


def ring_light(codes: np.ndarray) -> np.ndarray:
    """The ring's summed light per frame: codes (frames, pixels, 3) -> Rec.709 luminance in codes."""
    return codes.reshape(codes.shape[0], -1, 3).sum(axis=1, dtype=np.float64) @ LUMA_WEIGHTS
