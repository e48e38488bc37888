"""Weather: rain, lightning.

Rain spreads the phase's light (`distribute`) between a sky and drops drifting round the ring, each
drop fading in and out over a random lifetime. Lightning adds light on top of the phase's in rare,
fast flashes: it is the one effect allowed to change faster than MAX_CHANGE_PER_5MS.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Mapping

import numpy as np

from sequences.easing import smoothstep
from sequences.colour import luminance, luminance_to_lstar
from sequences.effects.base import Effect, FrameInputs, Param, constant, clip_ufunc, hash_unit, read_only, uniform
from sequences.effects.shapes import (
    FADE_LOG_RANGE, LOG_RATE_BUDGET, EventTable, distribute_with_accent, fade_envelope, signed_turns,
)

# A drop lives RAIN_LIFE_S[0]-RAIN_LIFE_S[1] seconds, fading in and out over RAIN_FADE_S (log slope
# 10 / RAIN_FADE_S = 4 a second); one life per slot of RAIN_SLOT_S, at a random time in it.
RAIN_FADE_S = 2.5
RAIN_LIFE_S = (6.0, 12.0)
RAIN_SLOT_S = 15.0
# The drop's brightness falls by exp(-steepness) per LED ahead of it and exp(-1 / tail_leds) per
# LED behind; ahead at most RAIN_HEAD_PER_LED, and no steeper than the rest of the log budget
# allows at the speed (the log of an LED's weight changes by steepness * speed_lps a second).
RAIN_HEAD_PER_LED = 2.5
_RAIN_MOTION_BUDGET = LOG_RATE_BUDGET - FADE_LOG_RANGE / RAIN_FADE_S  # 4: a drop's whole log slope <= 8
RAIN_MIN_SKY_SHARE = 0.02


class Rain(Effect):
    name = "rain"
    summary = "Raindrops with soft tails drift round the ring, each fading in and out over its own lifetime."
    params = (
        Param("drops", "integer", 4, "how many raindrops there are", 1, 12),
        Param("speed_lps", "number", 2.0, "how fast the drops drift, LEDs per second", 0.2, 12.0, "LED/s"),
        Param("direction", "choice", "clockwise", "which way the drops drift (clockwise: the way LED numbers go up)",
              choices=("clockwise", "anticlockwise")),
        Param("tail_leds", "number", 2.0, "length of the fading tail behind each drop, in LEDs", 0.0, 6.0, "LED"),
        Param("drop_colour", "colour", None, "colour of the drops"),
        Param("contrast", "number", 0.7, "share of the light in the drops rather than the sky", 0.0, 1.0),
    )

    def __init__(self, values: Mapping[str, Any] | None = None, seed: int = 0):
        super().__init__(values, seed)
        ahead = min(RAIN_HEAD_PER_LED, _RAIN_MOTION_BUDGET / self.speed_lps)
        behind = min(ahead, 1.0 / max(self.tail_leds, 1e-3))
        # The drop's weight summed over the LEDs, near enough: two geometric tails and the head.
        total = 1.0 / -math.expm1(-ahead) + 1.0 / -math.expm1(-behind) - 1.0
        sky = max(1.0 - self.contrast, RAIN_MIN_SKY_SHARE)
        self._shape = read_only(SimpleNamespace(
            ahead=ahead, behind=behind, sky=sky, amplitude=(1.0 - sky) / (self.drops * total),
            step=(1.0 if self.direction == "clockwise" else -1.0) * self.speed_lps,
            phase=hash_unit(self.seed ^ 0x2A0, np.arange(self.drops)) * RAIN_SLOT_S,  # each drop's own slots
            # Per drop and life: [start in the slot, lifetime, place], from the seed.
            events=EventTable(self.seed ^ 0x2A1, self.drops, 3)))

    def _build_layout(self, positions: np.ndarray) -> SimpleNamespace:
        pixels = positions.shape[0]
        shape = self._shape
        way = 1.0 if shape.step > 0 else -1.0
        return read_only(SimpleNamespace(
            pixels=pixels, amplitude=shape.amplitude * pixels, head_leds_per_turn=way * pixels,
            behind_at_head=shape.behind * pixels, pixels_constant=constant(float(pixels)),
            # Each LED's place in LEDs, counted the drops' way, once per drop.
            leds_spread=np.ascontiguousarray(np.broadcast_to((way * pixels) * positions[:, None],
                                                             (pixels, self.drops))),
            minus_ahead=-shape.ahead))

    def new_scratch(self, positions: np.ndarray) -> SimpleNamespace:
        layout = self.layout(positions)
        pixels = layout.pixels
        colours = np.empty((2, 3))
        if self.drop_colour is not None:
            colours[1] = self.drop_colour
        # weights: the sky column never changes. lives: what depends only on the drops' slots, kept
        # until one of them changes.
        return SimpleNamespace(layout=layout, weights=np.full((pixels, 2), self._shape.sky),
                               ahead=np.empty((pixels, self.drops)), behind=np.empty((pixels, self.drops)),
                               colours=colours, lives=SimpleNamespace(key=None))

    def draw(self, frame: FrameInputs, scratch: SimpleNamespace | None = None) -> np.ndarray:
        scratch = scratch or self.new_scratch(frame.positions)
        shape = self._shape
        layout = scratch.layout
        time = frame.t_s + shape.phase
        slot = time * (1.0 / RAIN_SLOT_S)
        np.floor(slot, out=slot)
        # What depends only on the drops' slots is worked out again only when one of them changes.
        lives = scratch.lives
        key = slot.tobytes()
        if lives.key != key:
            event = shape.events.get_fields(slot)  # [start in the slot, lifetime, place]
            slot *= RAIN_SLOT_S
            life = event[1] * (RAIN_LIFE_S[1] - RAIN_LIFE_S[0])
            life += RAIN_LIFE_S[0]
            start = np.subtract(RAIN_SLOT_S, life)
            start *= event[0]
            lives.slot_start, lives.life, lives.start = slot, life, start
            lives.head = event[2] * layout.head_leds_per_turn
            lives.key = key
        since_slot = np.subtract(time, lives.slot_start)  # time - slot * RAIN_SLOT_S
        start = np.subtract(since_slot, lives.start)
        envelope = fade_envelope(start, lives.life, RAIN_FADE_S)
        envelope *= layout.amplitude
        head = np.multiply(since_slot, abs(shape.step), out=since_slot)
        head += lives.head  # event[2] * head_leds_per_turn + speed * since_slot: in LEDs, the drops' way
        # LEDs from each drop's head to each LED, 0 to `pixels` going the drops' way; behind it, pixels - ahead.
        ahead = np.subtract(layout.leds_spread, head, out=scratch.ahead)
        np.remainder(ahead, layout.pixels_constant, out=ahead)
        behind = np.multiply(ahead, shape.behind, out=scratch.behind)
        behind -= layout.behind_at_head
        ahead *= layout.minus_ahead
        np.maximum(ahead, behind, out=ahead)
        np.exp(ahead, out=ahead)
        weights = scratch.weights
        weights[:, 1] = ahead @ envelope
        return distribute_with_accent(weights, scratch.colours, frame.rgb, self.drop_colour is None)


LIGHTNING_FLASH_S = 0.8     # a flash is over (exactly) this long after it strikes
LIGHTNING_RISE_S = 0.006    # it reaches its peak this fast
LIGHTNING_DECAY_S = 0.15    # then decays with this time constant
LIGHTNING_FLICKER_DEPTH = 0.6  # dips of this depth, 7-14 a second, as the stroke re-strikes
LIGHTNING_EDGE = 0.08       # soft edge of the lit part of the ring, a fraction of a turn
_DECAY_END = math.exp(-LIGHTNING_FLASH_S / LIGHTNING_DECAY_S)


class Lightning(Effect):
    name = "lightning"
    summary = "Now and then lightning flashes across part of the ring; otherwise the phase's light, unchanged."
    flashes = True
    params = (
        Param("rate_per_min", "number", 2.0, "flashes per minute, on average (at random times)", 0.2, 10.0, "1/min"),
        Param("strength", "number", 0.6, "light a flash adds at its peak, as a share of full duty, "
              "scaled by the phase's lightness", 0.0, 1.0),
        Param("flash_colour", "colour", None, "colour of the flashes"),
    )

    def __init__(self, values: Mapping[str, Any] | None = None, seed: int = 0):
        super().__init__(values, seed)
        # Per slot (one flash each): [time in the slot, centre, half-width, flicker rate].
        self._events = EventTable(self.seed ^ 0x11647, 1, 4)

    def new_scratch(self, positions: np.ndarray) -> SimpleNamespace:
        return SimpleNamespace(slot=None, event=None)  # the last slot's flash, looked up again in the next slot

    def draw(self, frame: FrameInputs, scratch: SimpleNamespace | None = None) -> np.ndarray:
        scratch = scratch or self.new_scratch(frame.positions)
        slot_s = 60.0 / self.rate_per_min
        slot = math.floor(frame.t_s / slot_s)
        if scratch.slot == slot:
            event = scratch.event
        else:
            event = self._events.get(np.array([slot]))[0]
            scratch.slot, scratch.event = slot, event
        since = frame.t_s - slot * slot_s - float(event[0]) * (slot_s - LIGHTNING_FLASH_S)
        if not 0.0 <= since < LIGHTNING_FLASH_S or self.strength <= 0.0:
            return uniform(frame)
        decay = (math.exp(-since / LIGHTNING_DECAY_S) - _DECAY_END) / (1.0 - _DECAY_END)
        flicker_hz = 7.0 + 7.0 * float(event[3])
        flicker = 1.0 - LIGHTNING_FLICKER_DEPTH * (0.5 - 0.5 * math.cos(2.0 * math.pi * flicker_hz * since))
        lightness = float(luminance_to_lstar(float(luminance(frame.rgb)))) / 100.0
        peak = self.strength * lightness * min(1.0, since / LIGHTNING_RISE_S) * decay * flicker
        half_width = 0.1 + 0.2 * float(event[2])
        inside = half_width - np.abs(signed_turns(frame.positions, float(event[1])))
        x = clip_ufunc(inside / LIGHTNING_EDGE + 0.5, 0.0, 1.0)
        region = smoothstep(x)
        if self.flash_colour is None:
            colour = frame.rgb / max(float(np.max(frame.rgb)), 1e-12)  # the phase's colour, brightest channel 1
        else:
            colour = np.asarray(self.flash_colour, dtype=float)
        return clip_ufunc(frame.rgb + (peak * region)[:, None] * colour, 0.0, 1.0)
