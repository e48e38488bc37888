"""Every registered effect, at random valid parameters, seeds, ring sizes, levels, colours and times.

Strategies come from each class's `params`, so a newly registered effect is tested by all the
generic tests here without any change to this file.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sequences.colour import luminance
from sequences.effects import EFFECTS
from sequences.effects.base import MAX_CHANGE_PER_5MS, FrameInputs, NoiseTable, ring_positions
from sequences.effects.pulses import heartbeat_shape
from sequences.effects.shapes import FADE_LOG_RANGE, EventTable, fade_envelope, noise_at

NAMES = sorted(EFFECTS)
SMOOTH = [name for name in NAMES if not EFFECTS[name].flashes]
# Effects that change the ring's total light on purpose; every other effect must keep the phase's mean.
MODULATING = {"breathe", "heartbeat", "lightning"}
DAY_S = 24 * 3600.0
STEP_S = 0.005

BLUE, RED, GREEN, WHITE = (0.0, 0.0, 1.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (1.0, 1.0, 1.0)

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def frame(t_s: float, pixels: int, rgb, phase_start_s: float = 0.0, duration_s: float = 600.0) -> FrameInputs:
    phase_t = max(t_s - phase_start_s, 0.0)
    return FrameInputs(t_s=t_s, phase_t_s=phase_t, progress=min(phase_t / duration_s, 1.0),
                       rgb=np.asarray(rgb, dtype=float), positions=ring_positions(pixels))


# --- strategies -------------------------------------------------------------------------------------

def _normalised(rgb):
    brightest = max(rgb)
    return tuple(c / brightest for c in rgb)


colours = st.one_of(
    st.sampled_from([BLUE, RED, GREEN, WHITE, (1.0, 0.0, 1.0), (0.0, 1.0, 1.0)]),
    st.tuples(*[st.floats(0.0, 1.0)] * 3).filter(lambda c: max(c) > 0.05).map(_normalised),
)


def param_values(param):
    if param.kind == "number":
        inside = st.floats(param.minimum, param.maximum, allow_nan=False)
        return st.one_of(st.just(float(param.minimum)), st.just(float(param.maximum)), inside)
    if param.kind == "integer":
        return st.integers(int(param.minimum), int(param.maximum))
    if param.kind == "colour":
        return st.one_of(st.none(), colours)
    if param.kind == "colours":
        return st.one_of(st.none(), st.lists(colours, min_size=1, max_size=6).map(tuple))
    if param.kind == "choice":
        return st.sampled_from(param.choices)
    raise AssertionError(f"no strategy for parameter kind {param.kind!r}: add one to test_effects.py")


def effect_params(name):
    return st.fixed_dictionaries({p.name: param_values(p) for p in EFFECTS[name].params})


def cases(names):
    """(name, params, seed) for one of `names` at random valid parameters."""
    return st.sampled_from(names).flatmap(
        lambda name: st.tuples(st.just(name), effect_params(name), st.integers(0, 2**32 - 1)))


pixel_counts = st.one_of(st.sampled_from([12, 24, 144]), st.integers(12, 144))
levels = st.one_of(st.just(1.0), st.floats(0.0, 1.0), st.floats(0.0, 0.01))
times = st.one_of(st.floats(0.0, DAY_S), st.floats(0.0, 60.0))


@st.composite
def lights(draw):
    return np.asarray(draw(colours)) * draw(levels)


# --- declarations ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_declarations(name):
    cls = EFFECTS[name]
    assert cls.name == name
    assert cls.summary and "\n" not in cls.summary
    assert len({p.name for p in cls.params}) == len(cls.params)
    for p in cls.params:
        assert p.doc and "\n" not in p.doc, p.name
        assert p.kind in {"number", "integer", "colour", "colours", "choice"}, p.name
        if p.kind in ("number", "integer"):
            assert p.minimum < p.maximum and p.minimum <= p.default <= p.maximum, p.name
        if p.kind == "choice":
            assert p.default in p.choices, p.name
        defaults = [p.default] if p.kind == "colour" else (p.default or []) if p.kind == "colours" else []
        for colour in defaults:
            if colour is not None:
                assert len(colour) == 3 and max(colour) == pytest.approx(1.0) and min(colour) >= 0.0, p.name


# --- generic properties ------------------------------------------------------------------------

@settings(max_examples=300, **SETTINGS)
@given(case=cases(NAMES), pixels=pixel_counts, rgb=lights(), t=times, progress=st.floats(0.0, 1.0))
def test_output_shape_and_range(case, pixels, rgb, t, progress):
    name, params, seed = case
    out = EFFECTS[name](params, seed=seed).draw(frame(t, pixels, rgb, phase_start_s=t - 600.0 * progress))
    assert out.shape == (pixels, 3)
    assert out.dtype == np.float64
    assert np.isfinite(out).all()
    assert out.min() >= 0.0 and out.max() <= 1.0


@settings(max_examples=100, **SETTINGS)
@given(case=cases(NAMES), pixels=pixel_counts, rgb=lights(), t=times)
def test_deterministic(case, pixels, rgb, t):
    name, params, seed = case
    effect = EFFECTS[name](params, seed=seed)
    inputs = frame(t, pixels, rgb)
    scratch = effect.new_scratch(inputs.positions)
    first = effect.draw(inputs, scratch).copy()
    effect.draw(frame(t + 1.0, 12 if pixels != 12 else 144, rgb))  # another size in between: its own tables
    effect.draw(frame(t + 37.0, pixels, rgb), scratch)  # the scratch's lookups move on, and its buffers change
    assert np.array_equal(effect.draw(inputs, scratch), first)
    assert np.array_equal(EFFECTS[name](params, seed=seed).draw(inputs), first)  # in fresh memory


@settings(max_examples=60, **SETTINGS)
@given(case=cases(NAMES), pixels=pixel_counts, rgb=lights(), t=times)
def test_a_frame_drawn_is_the_callers_to_keep(case, pixels, rgb, t):
    """The frame loop keeps frames past the next draw (keyframes): an effect never draws in one again."""
    name, params, seed = case
    effect = EFFECTS[name](params, seed=seed)
    scratch = effect.new_scratch(ring_positions(pixels))
    first = effect.draw(frame(t, pixels, rgb), scratch)
    kept = first.copy()
    for dt in (0.005, 0.04, 17.0):
        effect.draw(frame(t + dt, pixels, rgb), scratch)
    assert np.array_equal(first, kept)


@settings(max_examples=60, **SETTINGS)
@given(case=cases(NAMES), pixels=pixel_counts, rgb=lights(), t=times)
def test_drawing_never_writes_to_the_effect(case, pixels, rgb, t):
    """All an effect keeps is shared by every caller: drawing, with scratch or without, leaves it as it was."""
    name, params, seed = case
    effect = EFFECTS[name](params, seed=seed)
    positions = ring_positions(pixels)
    effect.layout(positions)  # its tables for this ring, as the Renderer builds them
    before = pickle.dumps(effect.__dict__)
    scratch = effect.new_scratch(positions)
    for dt in (0.0, 0.005, 17.0, 61.0):
        effect.draw(frame(t + dt, pixels, rgb), scratch)
        effect.draw(frame(t + dt, pixels, rgb))
    assert pickle.dumps(effect.__dict__) == before


@settings(max_examples=100, **SETTINGS)
@given(case=cases(NAMES), pixels=pixel_counts, t=times, progress=st.floats(0.0, 1.0))
def test_no_light_in_no_light_out(case, pixels, t, progress):
    name, params, seed = case
    out = EFFECTS[name](params, seed=seed).draw(frame(t, pixels, np.zeros(3), t - 600.0 * progress))
    assert out.shape == (pixels, 3) and not out.any()


@settings(max_examples=300, **SETTINGS)
@given(case=cases(SMOOTH), pixels=pixel_counts, rgb=lights(), t=times,
       progress=st.floats(0.0, 0.999), duration=st.floats(60.0, 7200.0))
def test_continuous_in_time(case, pixels, rgb, t, progress, duration):
    name, params, seed = case
    effect = EFFECTS[name](params, seed=seed)
    start = t - progress * duration
    before = effect.draw(frame(t, pixels, rgb, start, duration))
    after = effect.draw(frame(t + STEP_S, pixels, rgb, start, duration))
    assert np.abs(after - before).max() <= MAX_CHANGE_PER_5MS


def largest_step(effect, pixels, rgb, start_s, seconds, duration_s=600.0, phase_start_s=None):
    """Largest change of any pixel channel between instants 5 ms apart over `seconds` from start_s."""
    phase_start = start_s if phase_start_s is None else phase_start_s
    previous, worst = None, 0.0
    for k in range(int(round(seconds / STEP_S)) + 1):
        out = effect.draw(frame(start_s + k * STEP_S, pixels, rgb, phase_start, duration_s))
        if previous is not None:
            worst = max(worst, float(np.abs(out - previous).max()))
        previous = out
    return worst


def corner_params(cls, pick):
    """Every number and integer at one end of its range (pick(param) -> True for the maximum);
    colours saturated blue and white, the colours that push distribute hardest on a white phase."""
    values = {}
    for p in cls.params:
        if p.kind in ("number", "integer"):
            values[p.name] = p.maximum if pick(p) else p.minimum
        elif p.kind == "colour":
            values[p.name] = BLUE
        elif p.kind == "colours":
            values[p.name] = (BLUE, WHITE)
        elif p.kind == "choice":
            values[p.name] = p.choices[-1]
    return values


@pytest.mark.parametrize("name", SMOOTH)
def test_continuous_at_extremes(name):
    """Full level, 12 and 144 pixels, all-max / all-min / mixed corners, scanned every 5 ms."""
    cls = EFFECTS[name]
    rng = np.random.default_rng(5)
    picks = [lambda p: True, lambda p: False] + [lambda p, r=rng.random(len(cls.params)): r[cls.params.index(p)] < 0.5
                                                 for _ in range(2)]
    for i, pick in enumerate(picks):
        effect = cls(corner_params(cls, pick), seed=100 + i)
        for pixels, rgb in ((144, WHITE), (12, BLUE)):
            start = 3600.0 * (i + 1) + 0.37
            assert largest_step(effect, pixels, rgb, start, 1.0) <= MAX_CHANGE_PER_5MS, (pixels, rgb, effect)


# The hardest cases found while tuning: a saturated blue accent on a white phase at full level, where a
# pixel's blue channel is 14 times its share of the mean weight, on the largest ring.
WORST_CASES = [
    ("heartbeat", dict(bpm=120.0, depth=1.0), 2.0),
    ("ripple", dict(origin=0.3, waves=1, speed_hz=2.0, depth=1.0), 1.0),
    ("stars", dict(density=0.02, twinkle_hz=2.0, contrast=0.5, pulse_bpm=120.0, star_colour=BLUE), 3.0),
    ("fireflies", dict(count=2, glow_s=0.5, colours=(BLUE,), contrast=1.0), 20.0),
    ("fireflies", dict(count=12, glow_s=0.5, colours=(BLUE, WHITE), contrast=1.0), 6.0),
    ("shimmer", dict(highlights=1, speed_hz=0.5, colours=(BLUE, RED), contrast=1.0), 2.0),
    ("ribbons", dict(colours=(BLUE, WHITE, RED), speed_hz=-0.2, softness=0.0, wander=1.0), 2.0),
    ("fire", dict(flicker_hz=2.0, depth=1.0, ember_colour=BLUE), 3.0),
    ("rain", dict(drops=2, speed_lps=12.0, tail_leds=6.0, drop_colour=BLUE, contrast=1.0), 20.0),
    ("rain", dict(drops=1, speed_lps=5.0, tail_leds=0.0, drop_colour=BLUE, contrast=1.0), 10.0),
]


@pytest.mark.parametrize("name,params,seconds", WORST_CASES)
def test_continuous_in_worst_cases(name, params, seconds):
    effect = EFFECTS[name](params, seed=1)
    assert largest_step(effect, 144, WHITE, 1000.0, seconds) <= MAX_CHANGE_PER_5MS


def test_bloom_continuous_in_a_one_minute_phase():
    # Bloom moves with the phase's progress: its front is fastest in short phases, with a crisp edge,
    # no floor and all of the light near the origin early on.
    effect = EFFECTS["bloom"](dict(start_width=0.0, end_width=1.0, softness=0.02, tendrils=1.0, floor=0.0), seed=3)
    for offset in (0.0, 3.0, 15.0, 40.0):
        assert largest_step(effect, 144, WHITE, 500.0 + offset, 1.0, duration_s=60.0,
                            phase_start_s=500.0) <= MAX_CHANGE_PER_5MS


@settings(max_examples=200, **SETTINGS)
@given(case=cases([n for n in NAMES if n not in MODULATING]), pixels=pixel_counts, t=times, colour=colours,
       level=st.floats(1e-6, 1e-4), progress=st.floats(0.0, 1.0))
def test_mean_luminance_is_the_phases(case, pixels, t, colour, level, progress):
    name, params, seed = case
    rgb = np.asarray(colour) * level
    out = EFFECTS[name](params, seed=seed).draw(frame(t, pixels, rgb, t - 600.0 * progress))
    if out.max() < 1.0:  # nothing clipped
        assert float(luminance(out).mean()) == pytest.approx(float(luminance(rgb)), rel=1e-9)


@pytest.mark.parametrize("name", [n for n in NAMES if n not in MODULATING])
def test_mean_luminance_unclipped_at_defaults(name):
    rgb = np.array([1.0, 0.55, 0.2]) * 1e-3
    effect = EFFECTS[name]({}, seed=9)
    for t in (0.0, 17.3, 5000.0):
        out = effect.draw(frame(t, 144, rgb, 0.0, 60.0))
        assert out.max() < 1.0
        assert float(luminance(out).mean()) == pytest.approx(float(luminance(rgb)), rel=1e-9)


# --- shared shapes ------------------------------------------------------------------------------

def test_noise_at_is_noise_table_sample():
    table = NoiseTable(5, 3, period=64)
    for x in (0.0, 0.3, 63.99, 64.2, 1e5 + 0.7, 86400.0 * 6 + 0.123, -2.5):
        assert [noise_at(table, lane, x) for lane in range(3)] == table.sample(x).tolist()


def test_fade_envelope_is_zero_outside_one_inside_and_fades_gently():
    fade = 2.0
    u = np.linspace(-1.0, 12.0, 130001)
    e = fade_envelope(u, 10.0, fade)
    assert e[u <= 0.0].max() == 0.0 and e[u >= 10.0].max() == 0.0
    assert e[(u >= fade) & (u <= 10.0 - fade)].min() == 1.0
    # The value changes at most (FADE_LOG_RANGE / fade) * (value + exp(-FADE_LOG_RANGE)) a second.
    slope = np.abs(np.diff(e)) / np.diff(u)
    bound = FADE_LOG_RANGE / fade * (np.maximum(e[1:], e[:-1]) + 1.0 / math.expm1(FADE_LOG_RANGE))
    assert (slope <= bound * 1.001).all()


def test_event_table_is_seeded_and_uniform():
    first, again, other = EventTable(3, 4, 2), EventTable(3, 4, 2), EventTable(4, 4, 2)
    slots = np.array([0, 5, 1023, 1024])
    assert np.array_equal(first.get(slots), again.get(slots))
    assert not np.array_equal(first.get(slots), other.get(slots))
    assert first.get(slots).shape == (4, 2)
    assert 0.0 <= first.values.min() and first.values.max() < 1.0 and abs(first.values.mean() - 0.5) < 0.01


# --- particular effects -------------------------------------------------------------------------

@pytest.mark.parametrize("name,params", [
    ("breathe", dict(bpm=6.0, depth=1.0)), ("breathe", dict(bpm=23.0, depth=0.4)),
    ("heartbeat", dict(bpm=30.0, depth=1.0)), ("heartbeat", dict(bpm=61.0, depth=0.5)),
    ("heartbeat", dict(bpm=120.0, depth=1.0)),
])
def test_pulse_mean_over_a_period_is_the_level(name, params):
    rgb = np.array([0.3, 0.2, 0.1])  # low enough that nothing clips at twice the level
    period = 60.0 / params["bpm"]
    effect = EFFECTS[name](params)
    steps = 4000
    total = sum(float(luminance(effect.draw(frame(123.4 + period * k / steps, 24, rgb))).mean())
                for k in range(steps))
    assert total / steps == pytest.approx(float(luminance(rgb)), rel=1e-4)
    swing = [float(luminance(effect.draw(frame(123.4 + period * k / 50, 24, rgb))).mean()) for k in range(50)]
    assert max(swing) - min(swing) > 0.3 * params["depth"] * float(luminance(rgb))


def test_heartbeat_has_a_lub_and_a_smaller_dub():
    beat = [heartbeat_shape(k / 1000.0, 60.0) for k in range(1000)]
    lub, dub = max(beat[:250]), max(beat[250:600])
    assert lub == pytest.approx(1.0, abs=1e-3) and 0.4 < dub < 0.8
    assert max(beat[600:]) == 0.0


def star_count(pixels, density, seed):
    effect = EFFECTS["stars"](dict(density=density, contrast=0.8, star_colour=BLUE), seed=seed)
    out = effect.draw(frame(100.0, pixels, np.array(RED) * 0.001))  # stars show as the only blue
    return int((out[:, 2] > 0).sum())


@settings(max_examples=50, **SETTINGS)
@given(pixels=pixel_counts, seed=st.integers(0, 2**32 - 1))
def test_stars_always_at_least_one_and_density_adds_stars(pixels, seed):
    assert star_count(pixels, 0.02, seed) >= 1
    sparse, dense = star_count(pixels, 0.25, seed), star_count(pixels, 1.0, seed)
    assert dense == pixels and sparse == max(1, round(0.25 * pixels)) < dense


@settings(max_examples=40, **SETTINGS)
@given(origin=st.floats(0.0, 0.999), tendrils=st.floats(0.0, 1.0), softness=st.floats(0.02, 0.5),
       pixels=st.sampled_from([12, 24, 60, 144]), seed=st.integers(0, 2**32 - 1), t=times)
def test_bloom_starts_near_the_origin_and_ends_everywhere(origin, tendrils, softness, pixels, seed, t):
    effect = EFFECTS["bloom"](dict(origin=origin, tendrils=tendrils, softness=softness), seed=seed)
    rgb = np.array([1.0, 0.7, 0.4]) * 0.001
    start = luminance(effect.draw(frame(t, pixels, rgb, t, 600.0)))
    positions = ring_positions(pixels)
    distance = np.abs((positions - origin + 0.5) % 1.0 - 0.5)
    near = start[distance <= max(0.1, 1.0 / pixels)].mean()
    far = start[distance >= 0.3].mean()
    assert near > 4.0 * far
    end = luminance(effect.draw(frame(t + 600.0, pixels, rgb, t, 600.0)))
    assert end.max() == pytest.approx(end.min(), rel=1e-6)


@pytest.mark.parametrize("origin_pixel,seed", [(0, 1), (37, 2), (100, 3)])
def test_ripple_crests_move_outward(origin_pixel, seed):
    pixels, waves, speed = 144, 2, 0.2
    effect = EFFECTS["ripple"](dict(origin=origin_pixel / pixels, waves=waves, speed_hz=speed, depth=1.0), seed=seed)
    shift = 4  # LEDs the crests travel in dt
    dt = shift / pixels * waves / speed
    rgb = np.full(3, 0.001)
    for t in (10.0, 31.7, 8000.0):
        before = luminance(effect.draw(frame(t, pixels, rgb)))
        after = luminance(effect.draw(frame(t + dt, pixels, rgb)))
        for way in (1, -1):  # both sides of the origin
            side = (origin_pixel + way * np.arange(pixels // 2)) % pixels
            b, a = before[side], after[side]
            inner = np.arange(10, 60)
            errors = {s: float(((a[inner] - b[inner - s]) ** 2).sum()) for s in range(-8, 9)}
            assert min(errors, key=errors.get) == shift, (t, way)


@pytest.mark.parametrize("direction,seed", [("clockwise", 1), ("anticlockwise", 2), ("clockwise", 3),
                                            ("anticlockwise", 4)])
def test_rain_drops_move_in_their_direction(direction, seed):
    pixels, speed = 48, 2.0
    effect = EFFECTS["rain"](dict(drops=1, speed_lps=speed, direction=direction, tail_leds=1.0,
                                  drop_colour=BLUE, contrast=1.0), seed=seed)
    rgb = np.array(RED) * 0.001
    moves = []
    for k in range(200):  # a drop is alive most of the time; look at the moments it is bright
        t = 50.0 + 0.5 * k
        now, later = (effect.draw(frame(t + dt, pixels, rgb))[:, 2] for dt in (0.0, 1.0))
        if now.max() > 0.3 * later.max() > 0 and later.max() > 0.3 * now.max():
            moves.append((int(later.argmax()) - int(now.argmax()) + pixels // 2) % pixels - pixels // 2)
    assert len(moves) > 50
    expected = speed if direction == "clockwise" else -speed
    assert np.median(moves) == pytest.approx(expected, abs=1)


def test_lightning_is_the_phase_light_between_flashes_and_flashes_often_at_rate_10():
    effect = EFFECTS["lightning"](dict(rate_per_min=10.0, strength=1.0), seed=11)
    rgb = np.array([0.2, 0.15, 0.1])
    phase_light = np.broadcast_to(rgb, (24, 3))
    flashing = []
    for k in range(int(180.0 / 0.01)):
        t = 5000.0 + 0.01 * k
        out = effect.draw(frame(t, 24, rgb))
        same = np.array_equal(out, phase_light)
        if not same:
            assert (out >= phase_light).all()
        flashing.append(not same)
    flashing = np.array(flashing)
    flashes = int((flashing[1:] & ~flashing[:-1]).sum())
    assert 10 <= flashes <= 60  # 30 expected in 3 minutes
    assert flashing.mean() < 0.2  # and the flashes are short


def test_lightning_rises_fast_and_decays():
    effect = EFFECTS["lightning"](dict(rate_per_min=10.0, strength=1.0, flash_colour=WHITE), seed=12)
    rgb = np.array([0.05, 0.05, 0.05])
    t = 7000.0
    while np.array_equal(effect.draw(frame(t, 24, rgb)), np.broadcast_to(rgb, (24, 3))):
        t += 0.001
    brightness = [float(effect.draw(frame(t + k * 0.001, 24, rgb)).max()) for k in range(1000)]
    assert int(np.argmax(brightness)) < 10  # peak within 10 ms of the first light
    assert brightness[400] < 0.5 * max(brightness)  # mostly gone after 400 ms
    assert brightness[-1] == pytest.approx(0.05)  # and over within a second


@pytest.mark.parametrize("name", [n for n in NAMES if EFFECTS[n].flashes])
def test_flashing_effects_leave_the_phase_light_most_of_the_time(name):
    cls = EFFECTS[name]
    effect = cls({}, seed=4)
    rgb = np.array([0.1, 0.2, 0.3])
    calm = sum(np.array_equal(effect.draw(frame(100.0 + 7.3 * k, 24, rgb)), np.broadcast_to(rgb, (24, 3)))
               for k in range(200))
    assert calm > 150
