"""Small numpy helpers that the hot paths share (effects, the engine, the device's pipeline)."""

from __future__ import annotations

import numpy as np


def constant(value: float) -> np.ndarray:
    """A read-only 0-d float64 array: to a float64 ufunc the same number as the float, taken in
    about half the time (numpy converts a Python float afresh on every call)."""
    array = np.array(value, dtype=np.float64)
    array.setflags(write=False)
    return array
