"""Points of light in a dim sky: stars, fireflies.

Both spread the phase's light (`distribute`): a sky of the phase's colour on every LED, and the
points' share of the light on a few. Weights change in the log domain (see `shapes`), so they stay
smooth in time whatever the colours, the level and the size of the ring.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Mapping

import numpy as np

from sequences.effects.base import (
    _ONE, _ZERO, Effect, FrameInputs, NoiseCells, NoiseTable, Param, constant, distribute, hash_unit, read_only,
)
from sequences.effects.pulses import heartbeat_factor
from sequences.effects.shapes import (
    EventTable, colours_or_phase, distribute_with_accent, fade_envelope,
)

# The sky keeps at least this share of the light at full contrast, so the ring's mean never reaches 0.
MIN_SKY_SHARE = 0.02

# A star's brightness is exp(STAR_TWINKLE_LOG_RANGE * (noise - 1/2)): from 0.29 to 3.5 times its
# middle. Its log changes at most 1.5 * STAR_TWINKLE_LOG_RANGE * twinkle_hz a second: 7.5 at 2 Hz.
STAR_TWINKLE_LOG_RANGE = 2.5
# With pulse_bpm, stars swell by heartbeat_factor at this depth: its log slope is at most 5.3 a second.
STAR_PULSE_DEPTH = 0.35
_HALF = constant(0.5)
_TWINKLE_LOG_RANGE = constant(STAR_TWINKLE_LOG_RANGE)


def _sky_share(contrast: float) -> float:
    return max(1.0 - contrast, MIN_SKY_SHARE)


class Stars(Effect):
    name = "stars"
    summary = "A sky of the phase's colour with faint stars twinkling in it, optionally pulsing to a slow heartbeat."
    params = (
        Param("density", "number", 0.25, "share of the LEDs that are stars (there is always at least one)",
              0.02, 1.0),
        Param("twinkle_hz", "number", 0.3, "how often a star's brightness changes, per second", 0.02, 2.0, "Hz"),
        Param("contrast", "number", 0.8, "share of the light in the stars rather than the sky", 0.0, 1.0),
        Param("pulse_bpm", "number", 0.0, "the stars also beat lub-dub together this many times a minute (0 = never)",
              0.0, 120.0, "1/min"),
        Param("star_colour", "colour", None, "colour of the stars"),
    )

    def _build_layout(self, positions: np.ndarray) -> SimpleNamespace:
        pixels = positions.shape[0]
        count = min(pixels, max(1, round(self.density * pixels)))
        # Stars are the pixels that come first in a seeded order: more density only adds stars.
        stars = np.argsort(hash_unit(self.seed, np.arange(pixels)), kind="stable")[:count]
        sky_share = _sky_share(self.contrast)
        return read_only(SimpleNamespace(pixels=pixels, sky_share=sky_share,
                                         noise=NoiseTable(self.seed ^ 0x57A2, count, period=512),
                                         star_weight=(1.0 - sky_share) * pixels / count, star_entries=stars * 2 + 1))

    def new_scratch(self, positions: np.ndarray) -> SimpleNamespace:
        layout = self.layout(positions)
        # The sky column never changes and the stars' entries are all rewritten each frame.
        weights = np.zeros((layout.pixels, 2))
        weights[:, 0] = layout.sky_share
        colours = np.empty((2, 3))
        if self.star_colour is not None:
            colours[1] = self.star_colour
        return SimpleNamespace(layout=layout, cells=NoiseCells(), weights=weights, flat_weights=weights.reshape(-1),
                               colours=colours)

    def draw(self, frame: FrameInputs, scratch: SimpleNamespace | None = None) -> np.ndarray:
        scratch = scratch or self.new_scratch(frame.positions)
        layout = scratch.layout
        # exp(STAR_TWINKLE_LOG_RANGE * (noise - 0.5)) * star_weight, in the noise's own buffer.
        twinkle = layout.noise.sample(self.twinkle_hz * frame.t_s, scratch.cells)
        twinkle -= _HALF
        twinkle *= _TWINKLE_LOG_RANGE
        np.exp(twinkle, out=twinkle)
        star_weight = layout.star_weight
        if self.pulse_bpm > 0.0:
            star_weight *= heartbeat_factor(frame.t_s, self.pulse_bpm, STAR_PULSE_DEPTH)
        twinkle *= star_weight
        scratch.flat_weights.put(layout.star_entries, twinkle)  # weights[stars, 1] = ...
        return distribute_with_accent(scratch.weights, scratch.colours, frame.rgb, self.star_colour is None)


# Fireflies fade in and out over this long, log-linearly from exp(-10) (shapes.fade_envelope): their
# log slope is 10 / FIREFLY_FADE_S = 5.6 a second, twice that when one fades in as another holding most
# of the light fades out; so even a saturated firefly ~100 times the mean (a 144-LED ring) keeps the
# 5 ms bound.
FIREFLY_FADE_S = 1.8
# The glowing spot: (1 - (x / radius)^2)^2 of the distance x in LEDs, about one LED across at half height.
FIREFLY_SPOT_RADIUS_LEDS = 1.4
_SPOT_SUM_LEDS = 16.0 / 15.0 * FIREFLY_SPOT_RADIUS_LEDS  # its sum over the LEDs, near enough


class Fireflies(Effect):
    name = "fireflies"
    summary = "Fireflies glow softly at random places in a dim sky, go dark a while, then glow somewhere else."
    params = (
        Param("count", "integer", 3, "how many fireflies there are", 1, 12),
        Param("glow_s", "number", 3.0,
              f"seconds each glow holds at full (fading in and out takes another {FIREFLY_FADE_S:g} s each way)",
              0.5, 20.0, "s"),
        Param("colours", "colours", None, "colours the fireflies glow in, one picked at random per glow"),
        Param("contrast", "number", 0.85, "share of the light in the glowing fireflies rather than the sky",
              0.0, 1.0),
    )

    def __init__(self, values: Mapping[str, Any] | None = None, seed: int = 0):
        super().__init__(values, seed)
        glow_total = self.glow_s + 2.0 * FIREFLY_FADE_S
        slot = 2.0 * glow_total  # one glow per slot, at a random time in it: gaps of 0 to 2 glows
        lanes = np.arange(self.count)
        # Per firefly and glow: [start in its slot, place, colour choice], from the seed.
        self._timing = read_only(SimpleNamespace(
            glow_total=glow_total, slot=slot, events=EventTable(self.seed ^ 0xF1F1, self.count, 3),
            lane_phase=hash_unit(self.seed ^ 0xF1F2, lanes) * slot))
        self._palette = None if self.colours is None or len(self.colours) == 0 else colours_or_phase(self.colours, None)
        if self._palette is not None:
            self._palette.setflags(write=False)

    def _build_layout(self, positions: np.ndarray) -> SimpleNamespace:
        pixels = positions.shape[0]
        sky_share = _sky_share(self.contrast)
        return read_only(SimpleNamespace(
            pixels=pixels, sky_share=sky_share,
            positions=np.ascontiguousarray(np.broadcast_to(positions[:, None], (pixels, self.count))),
            scale=pixels / FIREFLY_SPOT_RADIUS_LEDS,
            amplitude=(1.0 - sky_share) * pixels / (self.count * _SPOT_SUM_LEDS)))

    def new_scratch(self, positions: np.ndarray) -> SimpleNamespace:
        layout = self.layout(positions)
        pixels = layout.pixels
        weights = np.empty((pixels, 1 + self.count))
        weights[:, 0] = layout.sky_share  # the sky column never changes
        # glows: what depends only on the glows' slots, kept until one of them changes.
        return SimpleNamespace(layout=layout, weights=weights, spots=weights[:, 1:],
                               scratch=np.empty((pixels, self.count)), floor=np.empty((pixels, self.count)),
                               colours=np.empty((1 + self.count, 3)), glows=SimpleNamespace(key=None))

    def draw(self, frame: FrameInputs, scratch: SimpleNamespace | None = None) -> np.ndarray:
        scratch = scratch or self.new_scratch(frame.positions)
        timing = self._timing
        layout = scratch.layout
        time = frame.t_s + timing.lane_phase
        slot = time / timing.slot
        np.floor(slot, out=slot)
        # What depends only on the glows' slots is worked out again only when one of them changes.
        glows = scratch.glows
        key = slot.tobytes()
        colours = scratch.colours
        palette = self._palette
        if glows.key != key:
            event = timing.events.get_fields(slot)  # [start in its slot, place, colour choice]
            slot *= timing.slot
            glows.slot_start, glows.place = slot, event[1]
            glows.start = event[0] * (timing.slot - timing.glow_total)
            if palette is not None:
                choice = event[2] * palette.shape[0]
                palette.take(choice.astype(np.int64), axis=0, out=colours[1:])
            glows.key = key
        since = np.subtract(time, glows.slot_start)  # time - slot * timing.slot - start in the slot
        since -= glows.start
        envelope = fade_envelope(since, timing.glow_total, FIREFLY_FADE_S)
        envelope *= layout.amplitude
        # x = signed_turns(positions, place) * scale; spot = max(1 - x * x, 0); weights = spot * spot * envelope.
        # (In a contiguous buffer, copied into the weights once: numpy is several times slower on strided views.)
        x = np.subtract(layout.positions, glows.place, out=scratch.scratch)
        x += _HALF
        floor = np.floor(x, out=scratch.floor)
        x -= floor
        x -= _HALF
        x *= layout.scale
        np.multiply(x, x, out=x)
        np.subtract(_ONE, x, out=x)
        np.maximum(x, _ZERO, out=x)
        np.multiply(x, x, out=x)
        x *= envelope
        scratch.spots[...] = x
        rgb = frame.rgb
        colours[0] = rgb
        if palette is None:
            colours[1:] = rgb
        return distribute(scratch.weights, colours, rgb)
