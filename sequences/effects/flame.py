"""A fire's flicker: fire.

Each LED's heat is two octaves of seeded noise plus a slow sway shared by the whole ring, as if a
draught leaned the flame one way then another. Hot LEDs carry the phase's colour (the flame) over a
steady bed of the ember colour; the light is spread with `distribute`, so the ring's mean is the
phase's at every instant, and the flame's weight changes in the log domain (see `shapes`).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Mapping

import numpy as np

from sequences.effects.base import Effect, FrameInputs, NoiseCells, NoiseTable, Param, constant, hash_unit, read_only
from sequences.effects.shapes import LOG_RATE_BUDGET, distribute_with_accent, noise_at, palette_colour

FIRE_GAIN_MAX = 4.0       # at depth 1 the flame's weight spans up to exp(4) from coolest to hottest
FIRE_EMBER_WEIGHT = 0.5   # the ember bed's weight on every LED; the flame's is 1 at middling heat
FIRE_SWAY = 0.25          # the shared sway shifts heat by up to this much, more on the side it leans to
FIRE_SWAY_HZ = 0.12       # NoiseTable cells a second of the sway
FIRE_LOG_RATE_BUDGET = 1.5 * LOG_RATE_BUDGET
_HALF = constant(0.5)
_SWAY_SLOPE = FIRE_SWAY * 2.0 * 1.5 * FIRE_SWAY_HZ  # fastest change of heat from the sway, per second


class Fire(Effect):
    name = "fire"
    summary = "A fire's flicker: hot flames of the phase's colour dance over a bed of glowing embers."
    params = (
        Param("flicker_hz", "number", 2.5, "how fast the flames flicker, changes per second", 0.2, 6.0, "Hz"),
        Param("depth", "number", 0.5, "how strongly the flames flicker (fast flicker is kept gentler)", 0.0, 1.0),
        Param("ember_colour", "colour", palette_colour("ember"), "colour of the embers under the flames"),
    )

    def __init__(self, values: Mapping[str, Any] | None = None, seed: int = 0):
        super().__init__(values, seed)
        # Heat = (octave at flicker_hz + half an octave at twice that) / 1.5 changes at most
        # 2 * flicker_hz a second (NoiseTable slope 1.5 a cell); the flame's log is gain * heat.
        # The LEDs flicker independently, so the ring's mean hardly moves: the flame may have
        # FIRE_LOG_RATE_BUDGET of the margin under the 5 ms bound.
        self._gain = self.depth * min(FIRE_GAIN_MAX, FIRE_LOG_RATE_BUDGET / (2.0 * self.flicker_hz + _SWAY_SLOPE))
        self._sway_noise = NoiseTable(self.seed ^ 0x5A7, 1, period=256)

    def _build_layout(self, positions: np.ndarray) -> SimpleNamespace:
        pixels = positions.shape[0]
        lean_towards = hash_unit(self.seed, 2)[0]
        return read_only(SimpleNamespace(
            pixels=pixels,
            rates=np.concatenate([np.full(pixels, self.flicker_hz), np.full(pixels, 2.0 * self.flicker_hz)]),
            noise=NoiseTable(self.seed ^ 0xF12E, 2 * pixels, period=512),
            lean=FIRE_SWAY * np.cos(2.0 * math.pi * (positions - lean_towards))))

    def new_scratch(self, positions: np.ndarray) -> SimpleNamespace:
        layout = self.layout(positions)
        weights = np.empty((layout.pixels, 2))
        weights[:, 1] = FIRE_EMBER_WEIGHT  # the ember column never changes
        colours = np.empty((2, 3))
        if self.ember_colour is not None:
            colours[1] = self.ember_colour
        return SimpleNamespace(layout=layout, cells=NoiseCells(), weights=weights, swayed=np.empty(layout.pixels),
                               colours=colours)

    def draw(self, frame: FrameInputs, scratch: SimpleNamespace | None = None) -> np.ndarray:
        scratch = scratch or self.new_scratch(frame.positions)
        layout = scratch.layout
        octaves = layout.noise.sample(layout.rates * frame.t_s, scratch.cells)
        pixels = layout.pixels
        # heat = (octave + 0.5 * octave at twice the rate) / 1.5, in the noise's own buffer.
        heat, fast = octaves[:pixels], octaves[pixels:]
        fast *= _HALF
        heat += fast
        heat *= 1.0 / 1.5
        sway = 2.0 * noise_at(self._sway_noise, 0, FIRE_SWAY_HZ * frame.t_s) - 1.0
        gain = self._gain
        # exp(gain * (heat + sway * lean - 0.5)) into the flame's column.
        heat += np.multiply(layout.lean, sway, out=scratch.swayed)
        heat -= _HALF
        heat *= gain
        weights = scratch.weights
        weights[:, 0] = np.exp(heat, out=heat)
        return distribute_with_accent(weights, scratch.colours, frame.rgb, self.ember_colour is None)
