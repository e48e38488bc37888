"""Groups 3-5: what the light itself does, on simulated time (no sleeping), through the real
Renderer, Pipeline (power limit and dithering) and frame loop (its pace) of a 24-LED RGB ring at
up to 200 fps: the light the LEDs hold in each 5 ms (bench/shown.py).

ramp: the low end of a 30-minute wake ramp linear in L*, as the LEDs show it (the production
      frame loop's pacing: bench/shown.py): first light, and the steps in L* of the ring's total
      light between consecutive 100 ms windows;
flicker: the ring's summed light at constant low levels, per 5 ms, over 10 ms, and the spectrum
         of the light the LEDs hold (each component against the IEEE 1789-2015 limits);
paced_flicker: flicker's IEEE 1789 figures at brighter levels (L* 15-100), where the loop paces
               the light at its lowest rates; reported in the loop group, beside the sunrise;
colour: how far (OKLab) the time-averaged light the LEDs show (the loop's pacing, as the ramp)
        lands from the light that was asked for.
"""

from __future__ import annotations

import time

import numpy as np

from bench.shown import ConstantFrame, ShownLight
from bench.stats import r, ring_light
from device.pipeline import MAX_CODE, OutputSettings, Pipeline
from sequences.colour import LUMA_WEIGHTS, linear_rgb_to_oklab, luminance, luminance_to_lstar
from sequences.engine import Renderer, light_rgb
from sequences.loader import load_text
from sequences.palette import resolve_colour

FPS = 200
PIXELS = 24
FULL_RING = PIXELS * MAX_CODE  # the ring's summed light at full white, in codes
RAMP_CHUNK_S = 30.0  # the ramp is played this much at a time, so it can stop when its time is up

RAMP_TOML = """
title = "Benchmark ramp"
description = "Linear in L* from dark to full over 30 minutes, steady on every LED."
kind = "wake"
duration = "30m"
[[phase]]
name = "ramp"
caption = "A steady ramp."
duration = "100%"
start = { colour = 3000, level = 0 }
end = { level = 100 }
effect = "steady"
"""


def ramp(quick: bool, budget_s: float) -> dict:
    """The whole 30 minutes if it fits in budget_s of this machine's time, else as much from the
    start (where the low end is) as fits; `simulated_s` says which."""
    renderer = Renderer(load_text(RAMP_TOML, source="bench-ramp"), None, PIXELS)
    shown = ShownLight(Pipeline(OutputSettings(), PIXELS), FPS)
    source = renderer.frames()
    wanted_s = 60.0 if quick else renderer.duration_s
    frames = int(round(wanted_s * FPS)) + 1
    chunk = int(RAMP_CHUNK_S * FPS)
    codes = np.empty((frames, PIXELS, 3), dtype=np.uint8)
    started = time.perf_counter()
    done = 0
    while done < frames:
        until = min(done + chunk, frames) - 1
        codes[done:until + 1] = shown.play(source, done / FPS, until / FPS)
        done = until + 1
        if time.perf_counter() - started > budget_s:
            break
    elapsed = time.perf_counter() - started
    codes = codes[:done]

    lit = codes.reshape(done, -1).any(axis=1)
    first_light_s = float(np.argmax(lit)) / FPS if lit.any() else None
    y = ring_light(codes) / FULL_RING
    per_window = FPS // 10  # 100 ms
    windows = done // per_window
    window_y = y[:windows * per_window].reshape(windows, per_window).mean(axis=1)
    window_lstar = luminance_to_lstar(window_y)
    steps = np.abs(np.diff(window_lstar))
    worst = int(np.argmax(steps))
    centres_s = (np.arange(windows) * per_window + (per_window - 1) / 2) / FPS
    intended_lstar = np.array([float(luminance_to_lstar(float(luminance(renderer.light_at(float(t))))))
                               for t in centres_s])
    deviation = np.abs(window_lstar - intended_lstar)
    return {
        "sequence": "one steady phase, 3000 K, L* 0 -> 100 linear over 30 min, 24 LEDs",
        "simulated_s": r(done / FPS, 2),
        "whole_ramp_simulated": done == int(round(renderer.duration_s * FPS)) + 1,
        "frames": done,
        "simulation_wall_s": r(elapsed, 2),
        "first_light_s": r(first_light_s, 3),
        "largest_step_lstar": r(float(steps.max()), 4),
        "largest_step_at_s": r(float(centres_s[worst + 1]), 2),
        "largest_step_from_lstar": r(float(window_lstar[worst]), 3),
        "steps_over_1_lstar": int((steps > 1.0).sum()),
        "steps_over_0_5_lstar": int((steps > 0.5).sum()),
        "intended_step_lstar": r(100.0 / (renderer.duration_s * 10), 4),
        "max_deviation_from_intended_lstar": r(float(deviation.max()), 4),
        "max_deviation_at_s": r(float(centres_s[int(np.argmax(deviation))]), 2),
    }


def _warm(kelvin: float = 2700.0) -> np.ndarray:
    return np.asarray(resolve_colour(kelvin).rgb, dtype=float)


# IEEE 1789-2015's recommended limits on modulation (%) at frequency f (Hz), as (up to Hz, slope):
# below 90 Hz low risk is 0.025 f and no observable effect 0.01 f; from 90 Hz 0.08 f up to
# 1250 Hz and 0.0333 f up to 3000 Hz; above each curve's end, none.
IEEE_1789_LOW_RISK = ((90.0, 0.025), (1250.0, 0.08))
IEEE_1789_NO_EFFECT = ((90.0, 0.01), (3000.0, 0.0333))
# The LEDs hold each frame's light until the next: the light is a staircase, read here with each
# frame held for this many samples, to 3200 Hz (past both curves' ends).
HOLD_SAMPLES = 32
LOWEST_HZ = 1.0  # below this, a few seconds of light hold too few periods to call anything flicker


def flicker_seconds(quick: bool) -> float:
    """How much light the flicker group analyses per level: 8 s (0.125 Hz bins), so that a flat-top
    window's main lobe (5 bins either side) around DC ends at 0.625 Hz, below LOWEST_HZ; --quick
    takes 4 s, whose lowest bins (to 1.25 Hz) still hold what is slower."""
    return 4.0 if quick else 8.0


def ieee_1789_limit_percent(curve: tuple[tuple[float, float], ...], hz: np.ndarray) -> np.ndarray:
    """The curve's most modulation (%) at each frequency; infinite beyond its last band."""
    limit = np.full(hz.shape, np.inf)
    for upper_hz, slope in reversed(curve):
        limit = np.where(hz < upper_hz, slope * hz, limit)
    return limit


def _flat_top(n: int) -> np.ndarray:
    k = np.arange(n) * (2.0 * np.pi / (n - 1))
    return (0.21557895 - 0.41663158 * np.cos(k) + 0.277263158 * np.cos(2 * k)
            - 0.083578947 * np.cos(3 * k) + 0.006947368 * np.cos(4 * k))


def flicker_components(light: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frequency Hz, modulation %) of each component, DC left out, of the light the LEDs show when
    given one level per frame (at FPS): IEEE 1789's modulation (max - min) / (max + min) of each
    sinusoid, its amplitude over the mean.

    The light is the frames held, a staircase: a frame-to-frame alternation is the 100 Hz square
    wave it is (its fundamental 4/pi of the frames' own 100 Hz bin), a tone at f in the frames
    reaches the eye as sinc(f / FPS) of it, and its images above 100 Hz are there too. A flat-top
    window reads each tone's amplitude to within 0.1 % wherever it falls between bins (a plain FFT
    reads a tone between two bins up to 36 % low); the window's own weighted mean is taken out, so
    nothing of DC leaks into the lowest bins."""
    held = np.repeat(np.asarray(light, dtype=float), HOLD_SAMPLES)
    window = _flat_top(held.size)
    mean = float(held.mean())
    varying = held - float(held @ window) / float(window.sum())
    spectrum = np.abs(np.fft.rfft(varying * window)) / window.sum()
    spectrum[1:] *= 2.0  # one-sided: a tone's power sits at +f and -f ...
    if held.size % 2 == 0:
        spectrum[-1] /= 2.0  # ... except at Nyquist, which has only one
    freqs = np.fft.rfftfreq(held.size, 1.0 / (FPS * HOLD_SAMPLES))
    return freqs[1:], (100.0 * spectrum[1:] / mean if mean > 0 else np.zeros(freqs.size - 1))


def ieee_1789(light: np.ndarray) -> dict:
    """The worst component from LOWEST_HZ up against each IEEE 1789 curve, as modulation / limit
    (< 1 is within). Both limits fall to zero at 0 Hz."""
    hz, modulation = flicker_components(light)
    hz, modulation = hz[hz >= LOWEST_HZ], modulation[hz >= LOWEST_HZ]
    result = {}
    for name, curve in (("low_risk", IEEE_1789_LOW_RISK), ("no_effect", IEEE_1789_NO_EFFECT)):
        ratio = modulation / ieee_1789_limit_percent(curve, hz)
        worst = int(np.argmax(ratio))
        result[f"ieee1789_{name}_worst_ratio"] = r(float(ratio[worst]), 3)
        result[f"ieee1789_{name}_worst_hz"] = r(float(hz[worst]), 2)
        result[f"ieee1789_{name}_worst_modulation_percent"] = r(float(modulation[worst]), 3)
    return result


def _lstar_levels(lstars: tuple[float, ...]) -> list[tuple[str, np.ndarray]]:
    chroma = _warm()
    return [(f"L* {lstar:g}", light_rgb(chroma, lstar)) for lstar in lstars]


def flicker_levels() -> list[tuple[str, np.ndarray]]:
    """The flicker group's constant levels of a warm (2700 K) light, as (label, linear RGB)."""
    chroma = _warm()
    levels = [(f"{codes:g} codes", chroma * (codes / MAX_CODE)) for codes in (0.5, 1.0, 2.0, 5.0, 20.0)]
    return levels + _lstar_levels((1.0, 5.0, 10.0))


def paced_flicker_levels() -> list[tuple[str, np.ndarray]]:
    """Brighter levels of the same light, L* 15-100, where the loop paces the light at its lowest
    rates (device/pacing.py), as (label, linear RGB)."""
    return _lstar_levels((15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 80.0, 100.0))


def _shown_constant(rgb: np.ndarray, frames: int, settle_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(wanted float codes (pixels, 3), the codes the LEDs hold in each of `frames` periods (frames,
    pixels, 3)) for linear `rgb` on every LED, shown at the loop's pace (bench/shown.py) after
    settle_s seconds of it (to settle the dither and the pace)."""
    pipeline = Pipeline(OutputSettings(), PIXELS)
    frame = np.broadcast_to(rgb, (PIXELS, 3)).copy()
    shown = ShownLight(pipeline, FPS)
    source = ConstantFrame(frame, settle_s + frames / FPS)
    if settle_s > 0.0:
        shown.play(source, 0.0, settle_s - 1.0 / FPS)
    return pipeline.codes(frame), shown.play(source, settle_s, settle_s + (frames - 1) / FPS)


def ring_light_at(rgb: np.ndarray, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """(wanted float codes, the ring's summed light in each of `frames` periods) for a constant
    level as the LEDs show it (the loop's pace: bench/shown.py), after a second to settle the
    dither and the pace."""
    wanted, held = _shown_constant(rgb, frames, settle_s=1.0)
    return wanted, ring_light(held)


def flicker(quick: bool) -> dict:
    """Peak-to-peak and spectrum of the ring's summed light at constant levels of a warm light."""
    seconds = flicker_seconds(quick)
    frames = int(seconds * FPS)
    results = {}
    for label, rgb in flicker_levels():
        wanted, light = ring_light_at(rgb, frames)
        mean = float(light.mean())
        over_10ms = light.reshape(-1, FPS // 100).mean(axis=1)
        hz, modulation = flicker_components(light)
        analysed = hz >= LOWEST_HZ
        strong = np.nonzero(analysed & (modulation > 1.0))[0]
        lowest_hz = float(hz[strong[0]]) if strong.size else None
        below_50 = modulation[analysed & (hz < 50.0)]
        lit = wanted.sum(axis=0) > 0
        one_code = float(LUMA_WEIGHTS[lit].min()) if lit.any() else 0.0  # one LED's dimmest code
        results[label] = {
            "brightest_channel_mean_code": r(float(wanted.max(axis=1).mean()), 3),
            "lstar": r(float(luminance_to_lstar(mean / FULL_RING)), 3),
            "ring_light_mean_codes": r(mean, 4),
            "target_applies": mean >= one_code,
            "p2p_per_frame_percent": r(100.0 * float(light.max() - light.min()) / mean, 2) if mean else None,
            "p2p_10ms_percent": r(100.0 * float(over_10ms.max() - over_10ms.min()) / mean, 2) if mean else None,
            "lowest_component_over_1_percent_hz": r(lowest_hz, 2),
            "largest_component_under_50hz_percent": r(float(below_50.max()), 3) if mean else None,
            **ieee_1789(light),
        }
    applies = [v for v in results.values() if v["target_applies"]]
    return {
        "colour": "2700 K on all 24 LEDs", "seconds_analysed": seconds, "fps": FPS,
        "bin_hz": 1.0 / seconds, "lowest_hz_judged": LOWEST_HZ, "analysed_to_hz": FPS * HOLD_SAMPLES / 2,
        "light_model": "each frame held until the next (a staircase); the LEDs' own PWM is not modelled",
        "levels": results,
        "worst_p2p_per_frame_percent": max((v["p2p_per_frame_percent"] for v in applies), default=None),
        "worst_p2p_10ms_percent": max((v["p2p_10ms_percent"] for v in applies), default=None),
        "ieee1789_low_risk_worst_ratio": max((v["ieee1789_low_risk_worst_ratio"] for v in applies), default=None),
        "ieee1789_no_effect_worst_ratio_from_lstar_5": max(
            (v["ieee1789_no_effect_worst_ratio"] for v in applies if v["lstar"] >= 5.0), default=None),
        "lowest_component_over_1_percent_hz": min(
            (v["lowest_component_over_1_percent_hz"] for v in applies
             if v["lowest_component_over_1_percent_hz"] is not None), default=None),
    }


def paced_flicker(quick: bool) -> dict:
    """The flicker group's IEEE 1789 figures at paced_flicker_levels: each component of the light
    the LEDs show against both curves, per level and the worst over them."""
    seconds = flicker_seconds(quick)
    levels = {label: ieee_1789(ring_light_at(rgb, int(seconds * FPS))[1]) for label, rgb in paced_flicker_levels()}
    return {
        "colour": "2700 K on all 24 LEDs", "seconds_analysed": seconds, "levels": levels,
        "ieee1789_low_risk_worst_ratio": max(v["ieee1789_low_risk_worst_ratio"] for v in levels.values()),
        "ieee1789_no_effect_worst_ratio": max(v["ieee1789_no_effect_worst_ratio"] for v in levels.values()),
    }


COLOURS = (1800, 2700, 4000, 6500, "gold", "honey", "rose", "indigo", "sapphire", "pond", "midnight", "moonlight")
COLOUR_LEVELS = (2.0, 5.0, 10.0, 20.0, 50.0)


def colour(quick: bool) -> dict:
    """OKLab distance between the light asked for and the time-averaged light shown, in the
    LED's own linear space (codes / 255, white balance not undone: both sides are codes)."""
    frames = (1 if quick else 2) * FPS
    cases = []
    for name in COLOURS:
        chroma = np.asarray(resolve_colour(name).rgb, dtype=float)
        for level in COLOUR_LEVELS:
            wanted, shown = _shown_constant(light_rgb(chroma, level), frames)
            intended = wanted / MAX_CODE
            averaged = shown.mean(axis=0) / MAX_CODE
            per_pixel = np.linalg.norm(linear_rgb_to_oklab(intended) - linear_rgb_to_oklab(averaged), axis=-1)
            ring = float(np.linalg.norm(linear_rgb_to_oklab(intended.mean(axis=0))
                                        - linear_rgb_to_oklab(averaged.mean(axis=0))))
            cases.append((str(name), level, float(per_pixel.max()), ring))
    worst = max(cases, key=lambda case: case[2])
    by_level = {f"L* {level:g}": r(max(c[2] for c in cases if c[1] == level), 5) for level in COLOUR_LEVELS}
    return {
        "colours": [str(c) for c in COLOURS], "levels_lstar": list(COLOUR_LEVELS),
        "seconds_averaged": frames / FPS,
        "max_pixel_distance_oklab": r(worst[2], 5),
        "max_ring_distance_oklab": r(max(c[3] for c in cases), 5),
        "worst_case": {"colour": worst[0], "level_lstar": worst[1], "pixel_distance_oklab": r(worst[2], 5)},
        "max_pixel_distance_by_level_oklab": by_level,
    }
