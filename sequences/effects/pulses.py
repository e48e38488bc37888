"""Effects that change the whole ring together: steady, breathe, heartbeat."""

from __future__ import annotations

import math

import numpy as np

from sequences.effects.base import Effect, FrameInputs, Param, uniform


class Steady(Effect):
    name = "steady"
    summary = "The phase's light, the same on every LED."

    def draw(self, frame: FrameInputs) -> np.ndarray:
        return uniform(frame)


class Breathe(Effect):
    name = "breathe"
    summary = "The whole ring swells and ebbs like slow breathing; its light averaged over a breath is the phase's."
    params = (
        Param("bpm", "number", 6.0, "breaths per minute", 1.0, 30.0, "1/min"),
        Param("depth", "number", 0.5, "how far the light swells and ebbs, as a share of its level", 0.0, 1.0),
    )

    def draw(self, frame: FrameInputs) -> np.ndarray:
        # A raised cosine, starting at the bottom of an exhale: mean over a breath is exactly 1.
        angle = 2.0 * math.pi * self.bpm / 60.0 * frame.t_s
        return uniform(frame, 1.0 - self.depth * math.cos(angle))
