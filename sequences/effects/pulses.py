"""Effects that change the whole ring together: steady, breathe, heartbeat."""

from __future__ import annotations

import math

import numpy as np

from sequences.effects.base import Effect, FrameInputs, Param, uniform

# The heartbeat: two raised-cosine bumps of fixed lengths in seconds, so the pulse's steepest slope
# (pi / HEARTBEAT_BUMP_S per unit of depth, 0.065 in 5 ms at full depth and level) is the same at any
# rate. Both bumps end within 0.49 s of the beat's start, so they fit in a beat up to 122 bpm.
HEARTBEAT_BUMP_S = 0.24   # how long each bump ("lub", then "dub") lasts
HEARTBEAT_DUB_DELAY_S = 0.25  # the dub starts this long after the lub
HEARTBEAT_DUB_HEIGHT = 0.6    # the dub's height, the lub's being 1


def _bump(x: float) -> float:
    """Raised cosine of length HEARTBEAT_BUMP_S starting at x = 0, height 1; 0 outside it."""
    if 0.0 <= x < HEARTBEAT_BUMP_S:
        return 0.5 - 0.5 * math.cos(2.0 * math.pi * x / HEARTBEAT_BUMP_S)
    return 0.0


def heartbeat_shape(t_s: float, bpm: float) -> float:
    """The lub-dub at time t_s for a heart beating `bpm` times a minute: 0 at rest, 1 at the lub's top."""
    x = t_s % (60.0 / bpm)
    return _bump(x) + HEARTBEAT_DUB_HEIGHT * _bump(x - HEARTBEAT_DUB_DELAY_S)


def heartbeat_factor(t_s: float, bpm: float, depth: float) -> float:
    """1 + depth * (shape - its mean over a beat): swells with each lub-dub, averages exactly 1 over a beat."""
    mean = (1.0 + HEARTBEAT_DUB_HEIGHT) * 0.5 * HEARTBEAT_BUMP_S * bpm / 60.0
    return 1.0 + depth * (heartbeat_shape(t_s, bpm) - mean)


class Steady(Effect):
    name = "steady"
    summary = "The phase's light, the same on every LED."

    def draw(self, frame: FrameInputs, scratch: None = None) -> np.ndarray:
        return uniform(frame)


class Breathe(Effect):
    name = "breathe"
    summary = "The whole ring swells and ebbs like slow breathing; its light averaged over a breath is the phase's."
    params = (
        Param("bpm", "number", 6.0, "breaths per minute", 1.0, 30.0, "1/min"),
        Param("depth", "number", 0.5, "how far the light swells and ebbs, as a share of its level", 0.0, 1.0),
    )

    def draw(self, frame: FrameInputs, scratch: None = None) -> np.ndarray:
        # A raised cosine, starting at the bottom of an exhale: mean over a breath is exactly 1.
        angle = 2.0 * math.pi * self.bpm / 60.0 * frame.t_s
        return uniform(frame, 1.0 - self.depth * math.cos(angle))


class Heartbeat(Effect):
    name = "heartbeat"
    summary = "The whole ring beats lub-dub like a resting heart; its light averaged over a beat is the phase's."
    params = (
        Param("bpm", "number", 60.0, "heartbeats per minute", 30.0, 120.0, "1/min"),
        Param("depth", "number", 0.5, "how strongly each beat swells the light, as a share of its level", 0.0, 1.0),
    )

    def draw(self, frame: FrameInputs, scratch: None = None) -> np.ndarray:
        return uniform(frame, heartbeat_factor(frame.t_s, self.bpm, self.depth))
