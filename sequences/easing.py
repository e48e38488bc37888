"""Easing curves: progress 0-1 through a phase -> share 0-1 of the way from start to end light.

Levels are in CIE L*, so `linear` is already a perceptually even ramp.
"""

from __future__ import annotations

from typing import Callable


def _linear(p: float) -> float:
    return p


def _ease_in(p: float) -> float:
    return p * p


def _ease_out(p: float) -> float:
    return 1.0 - (1.0 - p) * (1.0 - p)


def smoothstep(x):
    """The smooth S from 0 to 1 (3x^2 - 2x^3) for x in 0-1, a float or an array (the caller clamps);
    its slope is at most 1.5. The ease-in-out easing, and the blend wherever something fades smoothly."""
    return x * x * (3.0 - 2.0 * x)


EASINGS: dict[str, Callable[[float], float]] = {
    "linear": _linear,
    "ease-in": _ease_in,
    "ease-out": _ease_out,
    "ease-in-out": smoothstep,
}

EASING_DOCS: dict[str, str] = {
    "linear": "even steps in L* from start to end (the default)",
    "ease-in": "starts slowly, quickens towards the end",
    "ease-out": "moves quickly at first, settles gently into the end",
    "ease-in-out": "gentle at both ends",
}
