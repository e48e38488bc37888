"""Light that travels round the ring: ripple, bloom, shimmer, ribbons.

All four spread the phase's light (`distribute`), so however they move it about, the ring's mean
stays the phase's. Shimmer and ribbons can carry other colours than the phase's; their weights are
shaped in the log domain (see `shapes`), and sharpness gives way to speed where the two conflict.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Mapping

import numpy as np

from sequences.easing import smoothstep
from sequences.effects.base import (
    _ONE, _THREE, _TWO, _ZERO, Effect, FrameInputs, NoiseCells, NoiseTable, Param, constant, distribute, hash_unit,
    read_only, ring_distance,
)
from sequences.effects.shapes import (
    LOG_RATE_BUDGET, colours_or_phase, palette_colour,
)

TAU = 2.0 * math.pi
_HALF = constant(0.5)


class Ripple(Effect):
    name = "ripple"
    summary = "Rings on a pond: waves of light travel out both ways from a point and fade as they go."
    params = (
        Param("origin", "number", 0.0, "where the waves start, as a fraction of a turn from LED 0", 0.0, 1.0, "turn"),
        Param("waves", "integer", 2, "how many wave crests are on the ring at once", 1, 6),
        Param("speed_hz", "number", 0.2, "crests passing any one LED per second", 0.01, 2.0, "Hz"),
        Param("depth", "number", 0.6, "how bright the crests are against the troughs", 0.0, 1.0),
    )

    def _build_layout(self, positions: np.ndarray) -> SimpleNamespace:
        # Each LED's wave is Re(a * exp(-i 2 pi speed t)); a's phase grows with the distance from
        # the origin (so crests move outward) and its size falls off (the waves fade as they spread).
        distance = ring_distance(positions, self.origin)
        a = (1.0 - 0.8 * distance) * np.exp(1j * TAU * self.waves * distance)
        a -= a.mean()  # so the ring's mean weight is exactly 1 at every instant: nothing to renormalise
        a *= self.depth / np.abs(a).max()  # weights stay within 1 +- depth, never below 0
        return read_only(SimpleNamespace(cos=a.real.copy(), sin=a.imag.copy()))

    def new_scratch(self, positions: np.ndarray) -> SimpleNamespace:
        return SimpleNamespace(layout=self.layout(positions), sine_part=np.empty(positions.shape[0]))

    def draw(self, frame: FrameInputs, scratch: SimpleNamespace | None = None) -> np.ndarray:
        scratch = scratch or self.new_scratch(frame.positions)
        layout = scratch.layout
        angle = TAU * self.speed_hz * frame.t_s
        # Weight slope at most depth * 2 pi * speed_hz <= 12.6 per second: 0.063 in 5 ms.
        weights = np.multiply(layout.cos, math.cos(angle))
        weights += _ONE  # 1.0 + cos * cos(angle)
        weights += np.multiply(layout.sin, math.sin(angle), out=scratch.sine_part)
        return distribute(weights[:, None], frame.rgb[None, :], frame.rgb)


# Bloom's tendrils: the front's reach varies round the ring by a sum of a few slow waves of these
# numbers a turn, with weights 1/k and coefficients drifting with NoiseTable at BLOOM_TENDRIL_HZ.
BLOOM_TENDRIL_WAVES = (3, 5, 8, 13)
BLOOM_TENDRIL_HZ = 0.04
BLOOM_TENDRIL_REACH = 0.5  # at tendrils = 1, the front reaches from half to one and a half its mean


BLOOM_MIN_SPREAD_S = 20.0


class Bloom(Effect):
    name = "bloom"
    summary = ("Light spreads round the ring from one point as the phase goes on (taking at least 20 s), "
               "its front wavering like roots.")
    params = (
        Param("origin", "number", 0.5, "where the light starts, as a fraction of a turn from LED 0", 0.0, 1.0, "turn"),
        Param("start_width", "number", 0.05, "share of the ring lit when the phase starts", 0.0, 1.0),
        Param("end_width", "number", 1.0, "share of the ring lit when the phase ends", 0.0, 1.0),
        Param("softness", "number", 0.15, "width of the front's soft edge, as a fraction of a turn", 0.02, 0.5, "turn"),
        Param("tendrils", "number", 0.3, "how uneven and wavering the front is, like roots", 0.0, 1.0),
        Param("floor", "number", 0.05, "brightness of the unlit part, as a share of the lit part", 0.0, 1.0),
    )

    def __init__(self, values: Mapping[str, Any] | None = None, seed: int = 0):
        super().__init__(values, seed)
        self._tendril_noise = NoiseTable(self.seed ^ 0xB100, 2 * len(BLOOM_TENDRIL_WAVES), period=256)

    def _build_layout(self, positions: np.ndarray) -> SimpleNamespace:
        pixels = positions.shape[0]
        waves = np.array(BLOOM_TENDRIL_WAVES, dtype=float)
        amplitude = 1.0 / waves
        amplitude /= amplitude.sum() * math.sqrt(2.0)  # |sum of the waves| <= 1
        angles = TAU * positions[:, None] * waves[None, :]
        basis = np.concatenate([np.sin(angles) * amplitude, np.cos(angles) * amplitude], axis=1)
        return read_only(SimpleNamespace(
            distance=ring_distance(positions, self.origin), basis=basis,
            # At least 1.5 LEDs of soft edge, so some LED near the origin is always partly lit.
            softness=max(self.softness, 1.5 / pixels)))

    def new_scratch(self, positions: np.ndarray) -> SimpleNamespace:
        return SimpleNamespace(layout=self.layout(positions), cells=NoiseCells(), weights=np.empty(positions.shape[0]))

    def draw(self, frame: FrameInputs, scratch: SimpleNamespace | None = None) -> np.ndarray:
        scratch = scratch or self.new_scratch(frame.positions)
        layout = scratch.layout
        # The bloom spreads over the phase, but never faster than over BLOOM_MIN_SPREAD_S: in a
        # short phase it would sweep past LEDs too fast (and carries on into the next phase).
        length_s = frame.phase_t_s / frame.progress if frame.progress > 0.0 else BLOOM_MIN_SPREAD_S
        p = min(max(frame.phase_t_s / max(length_s, BLOOM_MIN_SPREAD_S), 0.0), 1.0)
        width = self.start_width + (self.end_width - self.start_width) * smoothstep(p)
        softness = layout.softness
        reach = width * (0.5 + 0.5 * softness)  # at width 1 the whole ring is fully lit
        # The same arithmetic in the same order, in two buffers.
        if self.tendrils > 0.0:
            coefficients = self._tendril_noise.sample(BLOOM_TENDRIL_HZ * frame.t_s, scratch.cells)
            coefficients *= _TWO
            coefficients -= _ONE
            x = layout.basis @ coefficients  # the wobble
            x *= self.tendrils * BLOOM_TENDRIL_REACH * (1.0 - width)
            x += _ONE
            x *= reach
            x -= layout.distance
        else:
            x = np.subtract(reach, layout.distance)
        x *= 1.0 / softness
        x += _HALF
        np.maximum(x, _ZERO, out=x)
        np.minimum(x, _ONE, out=x)
        floor = self.floor
        weights = np.multiply(x, x, out=scratch.weights)
        x *= _TWO
        weights *= np.subtract(_THREE, x, out=x)
        weights *= 1.0 - floor
        weights += floor
        return distribute(weights[:, None], frame.rgb[None, :], frame.rgb)


# Shimmer: highlight brightness exp(kappa * (cos(angle) - 1)) at most SHIMMER_KAPPA sharp; colours
# mixed across each highlight by a softmax of cosines at most SHIMMER_COLOUR_KAPPA sharp, drifting
# at SHIMMER_DRIFT_HZ. Each is softened as needed so its log changes within its share of the budget.
SHIMMER_KAPPA = 2.5
SHIMMER_COLOUR_KAPPA = 2.0
SHIMMER_DRIFT_HZ = 0.03
_SHIMMER_BRIGHTNESS_BUDGET = 0.5 * LOG_RATE_BUDGET
_SHIMMER_COLOUR_BUDGET = 0.4 * LOG_RATE_BUDGET


class Shimmer(Effect):
    name = "shimmer"
    summary = "Iridescent highlights circle the ring, their colours shifting across them like mother-of-pearl."
    params = (
        Param("highlights", "integer", 3, "how many highlights circle the ring", 1, 6),
        Param("speed_hz", "number", 0.05, "turns per second the highlights make", 0.005, 0.5, "Hz"),
        Param("colours", "colours", tuple(palette_colour(name) for name in ("pearl-rose", "pearl-mint", "pearl-sky")),
              "colours the highlights shift through"),
        Param("contrast", "number", 0.5, "share of the light in the highlights rather than the phase's colour",
              0.0, 1.0),
    )

    def __init__(self, values: Mapping[str, Any] | None = None, seed: int = 0):
        super().__init__(values, seed)
        count = len(self.colours) if self.colours else 1
        spin = TAU * self.highlights * self.speed_hz  # how fast each LED's angle in the pattern turns
        kappa = min(SHIMMER_KAPPA, _SHIMMER_BRIGHTNESS_BUDGET / spin)
        colour_kappa = min(SHIMMER_COLOUR_KAPPA, _SHIMMER_COLOUR_BUDGET / (2.0 * (spin + TAU * SHIMMER_DRIFT_HZ)))
        mean_highlight = math.exp(-kappa) * float(np.i0(kappa))  # mean of exp(kappa (cos - 1)) over a turn
        offsets = TAU * np.arange(count) / count
        self._shape = read_only(SimpleNamespace(
            count=count, kappa=kappa, colour_cos=colour_kappa * np.cos(offsets),
            colour_sin=colour_kappa * np.sin(offsets), highlight_scale=self.contrast / mean_highlight,
            base=max(1.0 - self.contrast, 0.0), start=TAU * hash_unit(self.seed, 0)[0]))

    def _build_layout(self, positions: np.ndarray) -> SimpleNamespace:
        # Per-LED values as columns (pixels, 1), so they broadcast against the colours without reshaping.
        return read_only(SimpleNamespace(angles=(TAU * self.highlights * positions)[:, None]))

    def new_scratch(self, positions: np.ndarray) -> SimpleNamespace:
        pixels, count = positions.shape[0], self._shape.count
        weights = np.empty((pixels, 1 + count))
        weights[:, 0] = self._shape.base  # the base column never changes
        colours = np.empty((1 + count, 3))
        if self.colours:
            colours[1:] = colours_or_phase(self.colours, None)
        return SimpleNamespace(layout=self.layout(positions), weights=weights, colours=colours,
                               highlight=np.empty((pixels, 1)), hue=np.empty((pixels, 1)),
                               highlight_scratch=np.empty((pixels, 1)),
                               logits=np.empty((pixels, count)), other=np.empty((pixels, count)))

    def draw(self, frame: FrameInputs, scratch: SimpleNamespace | None = None) -> np.ndarray:
        scratch = scratch or self.new_scratch(frame.positions)
        shape = self._shape
        turned = TAU * self.highlights * self.speed_hz * frame.t_s + shape.start
        angle = np.subtract(scratch.layout.angles, turned)
        cos = np.cos(angle)
        sin = np.sin(angle, out=angle)
        highlight = np.subtract(cos, _ONE, out=scratch.highlight)
        highlight *= shape.kappa
        np.exp(highlight, out=highlight)
        highlight *= shape.highlight_scale
        # The colour's phase runs once round the colours across each highlight and drifts with time.
        drift = TAU * SHIMMER_DRIFT_HZ * frame.t_s
        c, s = math.cos(drift), math.sin(drift)
        hue_cos = np.multiply(cos, c, out=scratch.hue)
        hue_cos -= np.multiply(sin, s, out=scratch.highlight_scratch)
        hue_sin = np.multiply(cos, s, out=cos)
        hue_sin += np.multiply(sin, c, out=sin)  # sin * c + cos * s
        logits = np.multiply(hue_cos, shape.colour_cos, out=scratch.logits)
        logits += np.multiply(hue_sin, shape.colour_sin, out=scratch.other)
        mix = np.exp(logits, out=logits)
        highlight /= np.add.reduce(mix, axis=1, keepdims=True)
        mix *= highlight
        weights = scratch.weights
        weights[:, 1:] = mix
        colours = scratch.colours
        rgb = frame.rgb
        colours[0] = rgb
        if not self.colours:
            colours[1] = rgb
        return distribute(weights, colours, rgb)


# Ribbons: each LED belongs to the bands by a softmax of -steepness * (distance to the band's centre);
# its weight in a band is that share squared, so seams between bands dip to half. The steepness is
# at most RIBBON_CRISP_PER_LED per LED, and no more than the log budget allows at the speed.
RIBBON_CRISP_PER_LED = 3.0
RIBBON_BLENDED = 2.0            # steepness (per turn) at softness 1: colours blend round the whole ring
RIBBON_WANDER_HZ = 0.03         # how fast the band centres wander (NoiseTable cells a second)
RIBBON_WANDER_SPAN = 0.45       # at wander 1 a centre strays up to this share of a band's width each way


class Ribbons(Effect):
    name = "ribbons"
    summary = "Soft bands of colour turn round the ring, their widths slowly breathing: ribbons or a river of light."
    params = (
        Param("colours", "colours", None,
              "colours of the bands, in order round the ring"),
        Param("speed_hz", "number", 0.01, "turns per second the bands make (negative: the other way)", -0.2, 0.2,
              "Hz"),
        Param("softness", "number", 0.5, "0 = crisp edges between bands, 1 = colours fully blended", 0.0, 1.0),
        Param("wander", "number", 0.3, "how much the bands' widths slowly breathe and shift", 0.0, 1.0),
    )

    def __init__(self, values: Mapping[str, Any] | None = None, seed: int = 0):
        super().__init__(values, seed)
        count = len(self.colours) if self.colours else 1
        bands = count * math.ceil(3 / count)  # at least three bands, each colour as often
        membership = np.zeros((bands, count))
        membership[np.arange(bands), np.arange(bands) % count] = 1.0
        stray = self.wander * RIBBON_WANDER_SPAN / bands
        # Speed of a band centre relative to the LEDs, at most (NoiseTable slope 1.5 a cell).
        drift = abs(self.speed_hz) + 2.0 * stray * 1.5 * RIBBON_WANDER_HZ
        self._bands = read_only(SimpleNamespace(
            bands=bands, membership=membership, stray=stray,
            # Log of a softmax share changes at most 2 * steepness * drift; squared, twice that.
            steepness_limit=LOG_RATE_BUDGET / (4.0 * drift) if drift > 0.0 else math.inf,
            noise=NoiseTable(self.seed ^ 0x21B0, bands, period=256),
            started=(np.arange(bands) + 0.5) / bands + hash_unit(self.seed, 1)[0],  # each centre, turned by the seed
            palette=None if not self.colours else colours_or_phase(self.colours, None)))
        if self._bands.palette is not None:
            self._bands.palette.setflags(write=False)

    def _build_layout(self, positions: np.ndarray) -> SimpleNamespace:
        bands = self._bands
        crisp = min(RIBBON_CRISP_PER_LED * positions.shape[0], bands.steepness_limit)
        crisp = max(crisp, RIBBON_BLENDED)
        blend = (1.0 - self.softness) ** 2
        steepness = RIBBON_BLENDED + (crisp - RIBBON_BLENDED) * blend
        pixels = positions.shape[0]
        return read_only(SimpleNamespace(
            minus_steepness=-steepness,
            spread=np.ascontiguousarray(np.broadcast_to(positions[:, None], (pixels, bands.bands)))))

    def new_scratch(self, positions: np.ndarray) -> SimpleNamespace:
        return SimpleNamespace(layout=self.layout(positions), cells=NoiseCells(),
                               floor=np.empty((positions.shape[0], self._bands.bands)))

    def draw(self, frame: FrameInputs, scratch: SimpleNamespace | None = None) -> np.ndarray:
        scratch = scratch or self.new_scratch(frame.positions)
        bands = self._bands
        layout = scratch.layout
        centres = np.add(bands.started, self.speed_hz * frame.t_s)  # centres + start + speed * t
        if bands.stray > 0.0:
            wander = bands.noise.sample(RIBBON_WANDER_HZ * frame.t_s, scratch.cells)
            wander *= _TWO
            wander -= _ONE
            wander *= bands.stray
            centres += wander
        # |signed_turns(positions, centres)|, spelt out in one buffer.
        distance = np.subtract(layout.spread, centres)
        distance += _HALF
        distance -= np.floor(distance, out=scratch.floor)
        distance -= _HALF
        np.absolute(distance, out=distance)
        distance *= layout.minus_steepness
        share = np.exp(distance, out=distance)  # >= exp(-0.5 * 432): no underflow to 0
        share /= np.add.reduce(share, axis=1, keepdims=True)
        np.multiply(share, share, out=share)
        weights = share @ bands.membership
        palette = bands.palette
        return distribute(weights, frame.rgb[None, :] if palette is None else palette, frame.rgb)
