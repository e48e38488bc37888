"""The renderer: how phases are laid out in time, how they join, what a frame holds."""

import numpy as np
import pytest

from sequences.colour import luminance, luminance_to_lstar, correlated_colour_temperature
from sequences.engine import Renderer, layout
from sequences.loader import SequenceLoadError, load_text


def sequence(phases: str, duration: str = "10m", kind: str = "wake"):
    head = f'title = "T"\ndescription = "D"\nkind = "{kind}"\nduration = "{duration}"\n'
    return load_text(head + phases, source="test.toml")


TWO_STEADY = """
[[phase]]
name = "a"
caption = "a"
duration = "{a}"
start = {{ colour = 2000, level = 0 }}
end = {{ level = 40 }}
[[phase]]
name = "b"
caption = "b"
duration = "{b}"
end = {{ colour = 3000, level = 80 }}
{extra}
"""


def two(a="50%", b="50%", extra="", duration="10m"):
    return sequence(TWO_STEADY.format(a=a, b=b, extra=extra), duration)


def ring_lstar(frame: np.ndarray) -> float:
    return float(luminance_to_lstar(luminance(frame).mean()))


def test_shares_divide_the_duration_and_stretch_to_any_rise_time():
    seq = two("25%", "75%")
    assert layout(seq) == [(0, 150), (150, 600)]
    assert layout(seq, 1200) == [(0, 300), (300, 1200)]


def test_fixed_phases_keep_their_length_and_shares_take_the_rest():
    seq = two("2m", "100%")
    assert layout(seq, 600) == [(0, 120), (120, 600)]
    with pytest.raises(SequenceLoadError, match="not longer than the fixed-length phases"):
        layout(seq, 100)


def test_all_fixed_phases_stretch_in_proportion():
    assert layout(two("1m", "3m", duration="4m"), 480) == [(0, 120), (120, 480)]


def test_level_ramps_linearly_in_lstar_within_a_phase():
    renderer = Renderer(two("5m", "5m", duration="10m", extra="crossfade = 0"), pixels=12)
    for t_s, expected in [(0, 0), (75, 10), (150, 20), (299, 40 * 299 / 300), (450, 60)]:
        assert ring_lstar(renderer.frame(t_s)) == pytest.approx(expected, abs=0.01)


def test_before_the_start_and_after_the_end_the_light_holds():
    renderer = Renderer(two(), pixels=8)
    assert np.array_equal(renderer.frame(-5), renderer.frame(0))
    assert np.allclose(renderer.frame(600), renderer.frame(10_000))
    assert renderer.phase_at(-1).name == "a" and renderer.phase_at(10_000).name == "b"


def test_end_at_level_100_is_the_brightest_that_colour_gets():
    text = TWO_STEADY.format(a="50%", b="50%", extra="").replace("level = 80", "level = 100")
    frame = Renderer(sequence(text), pixels=24).frame(600)
    assert np.allclose(frame.max(axis=1), 1.0)
    assert correlated_colour_temperature(frame.mean(axis=0)) == pytest.approx(3000, rel=0.01)


def test_phases_join_without_a_jump():
    # b starts at a different colour and level than a ends: the cross-fade carries it over.
    text = TWO_STEADY.format(a="50%", b="50%", extra="").replace('end = { colour = 3000', 'start = { colour = "ember", level = 70 }\nend = { colour = 3000')
    renderer = Renderer(sequence(text), pixels=4)
    times = np.arange(280, 320, 0.005)
    frames = np.array([renderer.frame(t) for t in times])
    assert np.abs(np.diff(frames, axis=0)).max() < 0.01
    assert renderer.cuts_s == []


def test_crossfade_zero_is_a_cut_and_is_reported():
    text = TWO_STEADY.format(a="50%", b="50%", extra="crossfade = 0").replace(
        'end = { colour = 3000', 'start = { level = 60 }\nend = { colour = 3000')
    renderer = Renderer(sequence(text), pixels=4)
    assert renderer.cuts_s == [300]
    assert ring_lstar(renderer.frame(299.999)) == pytest.approx(40, abs=0.01)
    assert ring_lstar(renderer.frame(300)) == pytest.approx(60, abs=0.01)


def test_crossfade_keeps_the_total_light_between_the_two_phases():
    # A breathing phase into a steady one at the same level: the blend's light never dips
    # below the lower of the two, as a per-pixel OKLab mix alone would let it.
    text = TWO_STEADY.format(a="50%", b="50%", extra='crossfade = "20s"').replace(
        'caption = "a"', 'caption = "a"\neffect = "breathe"\nparams = { bpm = 12, depth = 0.8 }')
    renderer = Renderer(sequence(text), pixels=6)
    for t_s in np.arange(290, 310, 0.25):
        before = luminance(renderer._render(renderer.placed[0], None, t_s)).mean()
        after = luminance(renderer._render(renderer.placed[1], None, t_s)).mean()
        got = luminance(renderer.frame(t_s)).mean()
        assert min(before, after) - 1e-9 <= got <= max(before, after) + 1e-9


def test_kelvin_fades_follow_the_blackbody_curve():
    renderer = Renderer(two("5m", "5m", extra="crossfade = 0"), pixels=4)
    temperatures = [correlated_colour_temperature(renderer.frame(t).mean(axis=0)) for t in np.arange(301, 600, 30)]
    assert np.all(np.diff(temperatures) >= 0)
    assert temperatures[0] == pytest.approx(2000, rel=0.02)


def test_frames_are_pure_functions_of_time():
    seq = two(extra='effect = "breathe"')
    first, second = Renderer(seq, pixels=24), Renderer(seq, pixels=24)
    for t_s in (0.0, 1.234, 299.5, 301.0, 599.0):
        assert np.array_equal(first.frame(t_s), second.frame(t_s))
    # order of calls does not matter: no state carried between frames
    assert np.array_equal(first.frame(1.234), Renderer(seq, pixels=24).frame(1.234))


def test_bad_pixel_counts_are_refused():
    with pytest.raises(ValueError, match="pixels"):
        Renderer(two(), pixels=0)
