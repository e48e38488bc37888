"""The rules the built-in sequences are held to, checked over their whole length."""

import functools

import numpy as np
import pytest

from sequences.catalog import builtin_names, load_builtin
from sequences.colour import correlated_colour_temperature, luminance
from sequences.engine import Renderer

STEP_S = 0.25
MINUTE = int(60 / STEP_S)
WAKE = [n for n in builtin_names() if load_builtin(n).kind == "wake"]
DUSK = [n for n in builtin_names() if load_builtin(n).kind == "dusk"]


@functools.cache
def played(name: str, pixels: int = 24) -> tuple[Renderer, np.ndarray, np.ndarray]:
    """The renderer, sample times and frames (time, pixel, channel) of a built-in at its default length."""
    renderer = Renderer(load_builtin(name), None, pixels)
    times = np.arange(0.0, renderer.duration_s + STEP_S / 2, STEP_S)
    return renderer, times, np.array([renderer.frame(t) for t in times])


def minute_means(values: np.ndarray) -> np.ndarray:
    """Mean of each 60 s window, sliding by one sample, over the first axis."""
    summed = np.cumsum(np.concatenate([np.zeros((1,) + values.shape[1:]), values]), axis=0)
    return (summed[MINUTE:] - summed[:-MINUTE]) / MINUTE


def test_the_dreams_and_the_ambient_lights_are_built_in():
    assert {"storm-to-firelight", "lavender-dawn", "tend-the-flame", "breathe", "nightlight"} <= set(builtin_names())
    assert load_builtin("storm-to-firelight").default_duration_s == 30 * 60
    assert load_builtin("tend-the-flame").default_duration_s == 30 * 60


@pytest.mark.parametrize("name", builtin_names())
def test_every_phase_says_which_image_of_the_dream_it_shows(name):
    for phase in load_builtin(name).phases:
        assert len(phase.caption.split()) >= 4, f"{name}/{phase.name}: caption too thin"


@pytest.mark.parametrize("name", WAKE)
def test_wake_light_averaged_over_any_minute_never_falls(name):
    _, _, frames = played(name)
    means = minute_means(luminance(frames).mean(axis=1))
    falls = np.diff(means)
    assert falls.min() >= -1e-6 * means.max(), f"minute mean falls by {-falls.min():.2e} at sample {falls.argmin()}"


@pytest.mark.parametrize("name", WAKE)
def test_wake_ends_in_full_warm_white_at_the_wake_time(name):
    renderer, _, frames = played(name)
    last = frames[-1]
    assert np.allclose(last.max(axis=1), 1.0, atol=1e-6), "not at full light"
    assert correlated_colour_temperature(last.mean(axis=0)) >= 3000
    assert renderer.frame(renderer.duration_s) == pytest.approx(last)


@pytest.mark.parametrize("name", WAKE)
def test_the_storm_is_told_in_colour_and_motion_not_darkness(name):
    renderer, times, frames = played(name)
    for placed in renderer.placed[:-1]:
        inside = (times > placed.start_s + 10) & (times < placed.end_s - 10)
        pixels = frames[inside]
        assert np.abs(np.diff(pixels, axis=0)).max() > 1e-4, f"{placed.phase.name}: no motion"
        spread = pixels.std(axis=1).max()
        assert spread > 1e-4, f"{placed.phase.name}: the ring is uniform"


@pytest.mark.parametrize("name", DUSK)
def test_dusk_light_and_colour_temperature_never_rise_and_it_ends_dark(name):
    _, _, frames = played(name)
    means = minute_means(luminance(frames).mean(axis=1))
    assert np.diff(means).max() <= 1e-6 * means.max()
    mean_colour = minute_means(frames.mean(axis=1))
    lit = luminance(mean_colour) > 1e-5  # black has no colour temperature
    temperatures = correlated_colour_temperature(mean_colour[lit])
    # A flickering fire's colour wobbles a little even averaged over a minute; allow a fifth of
    # a mired (0.5 K at 1500 K), well under the ~1 mired that can be seen.
    rise = np.diff(temperatures).max()
    assert rise <= 0.5, f"colour temperature rises by {rise:.2f} K"
    assert np.all(frames[-1] == 0.0)


def test_tend_the_flame_has_no_blue_light():
    _, _, frames = played("tend-the-flame")
    assert frames[..., 2].max() <= 0.005 * max(frames[..., 0].max(), 1e-9)


def test_breathe_breathes_about_six_times_a_minute():
    renderer, times, frames = played("breathe")
    light = luminance(frames).mean(axis=1)
    first_minutes = light[(times > 30) & (times < 330)]
    peaks = np.sum((first_minutes[1:-1] > first_minutes[:-2]) & (first_minutes[1:-1] >= first_minutes[2:]))
    assert peaks == pytest.approx(30, abs=1)  # 5 minutes at 6 a minute
    assert np.all(frames[-1] == 0.0)


def test_nightlight_is_steady_very_dim_and_amber_red():
    renderer = Renderer(load_builtin("nightlight"), None, 24)
    frames = np.array([renderer.frame(t) for t in np.linspace(0, renderer.duration_s, 500)])
    assert np.ptp(frames, axis=0).max() == 0.0
    level = luminance(frames[0]).mean()
    assert 0 < level < 0.01  # under L* 9
    red, green, blue = frames[0, 0]
    assert blue == 0.0 and green < 0.1 * red
