"""`emberwake bench --json --quick`: one JSON object with every group, sane types, and targets judged.

This checks the benchmark's shape, not this machine's speed.
"""

import io
import json
import math
import sys

import numpy as np
import pytest

from bench.light import FPS, LOWEST_HZ, flicker_components, flicker_seconds, ieee_1789
from device.cli import main

GROUPS = ("frame_cost", "loop", "ramp", "flicker", "colour")


def _numbers(value, path=""):
    """Every number in a JSON value, with its path."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, (int, float)):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{path}[{index}]")


@pytest.fixture(scope="module")
def quick_result(tmp_path_factory):
    pytest.importorskip("adafruit_led_animation", reason="the benchmark compares against adafruit_led_animation")
    capture = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("home")
    out = io.StringIO()
    capture.setattr(sys, "stdout", out)
    try:
        code = main(["--home", str(home), "bench", "--json", "--quick"])
    finally:
        capture.undo()
    assert code == 0
    return json.loads(out.getvalue())  # the whole of stdout is one JSON object


def test_quick_bench_prints_every_group_and_the_machine(quick_result):
    for group in GROUPS:
        assert isinstance(quick_result[group], dict), group
    machine = quick_result["machine"]
    assert isinstance(machine["cpu_model"], str) and machine["cores"] >= 1
    assert isinstance(machine["python"], str) and isinstance(machine["numpy"], str)
    assert quick_result["quick"] is True


def test_every_figure_is_a_finite_number_and_targets_are_judged(quick_result):
    numbers = list(_numbers(quick_result))
    assert len(numbers) > 50
    assert all(math.isfinite(value) for _, value in numbers)
    met = quick_result["targets_met"]
    assert met and all(isinstance(value, bool) for value in met.values())
    assert set(met) == set(quick_result["targets"])


def test_the_figures_asked_for_are_there_with_their_units(quick_result):
    cost = quick_result["frame_cost"]["by_leds"]
    assert set(cost) == {"12", "24", "60", "144"}
    for entry in cost.values():
        assert entry["ours_p50_us"] > 0 and entry["pulse_p50_us"] > 0
        assert entry["ours_p99_us"] >= entry["ours_p50_us"]
        assert entry["pulse_drew_every_call"] is True
        assert entry["share_of_wire_time_p50_percent"] > 0
    assert len(cost["24"]["by_phase_p50_us"]) >= 7  # every phase of storm-to-firelight, and its cross-fades
    whole = quick_result["frame_cost"]["whole_sequence_24_leds"]
    assert whole["frames_timed"] > 1800 * 12.5  # every frame of the 30 minutes, at least the lowest rate's
    assert whole["ratio_ours_to_pulse_p50"] == quick_result["targets"]["frame_cost_24_leds_at_most_1x_pulse"]["value"]
    loop = quick_result["loop"]
    for key in ("lateness_p50_ms", "lateness_p99_ms", "lateness_max_ms", "drift_ms",
                "playing_cpu_percent", "idle_cpu_percent"):
        assert isinstance(loop[key], float), key
    assert isinstance(loop["dropped_frames"], int) and loop["frames_shown"] > 0
    assert loop["idle_mode"] == "idle" and loop["idle_frames_shown"] == 0
    sunrise = loop["sunrise"]  # CPU per second of light, over the sunrise at 60x (quick: its two ends)
    assert sunrise["speed_x"] == 60.0 and sunrise["light_s"] == 360.0
    assert 0 < sunrise["cpu_percent_of_a_core"] <= 100 * quick_result["machine"]["cores"]
    assert 0 < sunrise["frames_written_per_real_s"] <= sunrise["frames_shown_per_real_s"] <= 201
    paced = loop["paced_flicker"]["levels"]
    assert len(paced) == 8 and all(level["ieee1789_no_effect_worst_ratio"] >= 0 for level in paced.values())
    ramp = quick_result["ramp"]
    assert ramp["first_light_s"] is not None and ramp["simulated_s"] > 0
    assert isinstance(ramp["steps_over_1_lstar"], int) and ramp["largest_step_lstar"] >= 0
    levels = quick_result["flicker"]["levels"]
    assert len(levels) >= 8
    assert all(level["p2p_per_frame_percent"] >= level["p2p_10ms_percent"] >= 0 for level in levels.values())
    assert 0 <= quick_result["colour"]["max_pixel_distance_oklab"] < 1


def test_without_the_comparison_library_it_says_so_in_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "adafruit_led_animation", None)  # import fails
    assert main(["--home", str(tmp_path), "bench", "--json", "--quick"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "adafruit-circuitpython-led-animation" in lines[0]


@pytest.mark.parametrize("hz, percent, low_risk, no_effect", [
    (30.3, 2.0, 0.025, 0.01),  # below 90 Hz: 0.025 f and 0.01 f
    (95.0, 5.0, 0.08, 0.0333),  # from 90 Hz: 0.08 f and 0.0333 f
])
def test_ieee_1789_reads_a_tone_between_bins_against_both_curves(hz, percent, low_risk, no_effect):
    seconds = np.arange(4 * FPS) / FPS
    figures = ieee_1789(100.0 * (1.0 + percent / 100.0 * np.sin(2.0 * np.pi * hz * seconds)))
    # The LEDs hold each frame until the next, so a tone in the frames reaches the eye as the
    # fundamental of that staircase: sinc(f / fps) of it.
    shown = percent * np.sinc(hz / FPS)
    assert figures["ieee1789_low_risk_worst_hz"] == pytest.approx(hz, abs=0.25)
    assert figures["ieee1789_low_risk_worst_modulation_percent"] == pytest.approx(shown, rel=0.01)
    assert figures["ieee1789_low_risk_worst_ratio"] == pytest.approx(shown / (low_risk * hz), rel=0.02)
    assert figures["ieee1789_no_effect_worst_ratio"] == pytest.approx(shown / (no_effect * hz), rel=0.02)


def test_frames_that_alternate_are_a_100_hz_square_wave():
    light = 100.0 + 2.0 * (-1.0) ** np.arange(4 * FPS)  # +-2 % frame to frame
    hz, modulation = flicker_components(light)
    assert hz[np.argmax(modulation)] == pytest.approx(100.0)
    assert modulation.max() == pytest.approx(2.0 * 4.0 / np.pi, rel=0.01)  # not the frames' 2 %
    assert modulation[np.argmin(np.abs(hz - 300.0))] == pytest.approx(2.0 * 4.0 / (3.0 * np.pi), rel=0.01)


def test_light_slower_than_the_lowest_frequency_judged_does_not_read_as_flicker_there():
    seconds = np.arange(int(flicker_seconds(quick=False) * FPS)) / FPS
    drift = 100.0 * (1.0 + 0.01 * np.sin(2.0 * np.pi * 0.3 * seconds + 1.0))  # 1 % at 0.3 Hz
    hz, modulation = flicker_components(drift)
    # Nothing of it from LOWEST_HZ to 100 Hz (held frames put 0.0015 % of it at 200 Hz, truly).
    assert modulation[(hz >= LOWEST_HZ) & (hz < 100.0)].max() < 1e-4


def test_the_light_shown_holds_each_frame_written_until_the_next():
    from bench.shown import ConstantFrame, ShownLight
    from device.frame_loop import REFRESH_S
    from device.pipeline import OutputSettings, Pipeline

    shown = ShownLight(Pipeline(OutputSettings(), 24), FPS)
    whole = np.full((24, 3), 128.0 / 255.0)  # a whole code everywhere: every frame the same
    held = shown.play(ConstantFrame(whole, 3.0), 0.0, 3.0)
    assert held.shape == (3 * FPS + 1, 24, 3) and (held == 128).all()
    assert len(shown.output.times) == int(3.0 / REFRESH_S)  # the first, then a refresh each second
    # A fraction of a code: the loop shows it at its low rate, and what the LEDs hold averages to it.
    fraction = np.full((24, 3), 100.4 / 255.0)
    held = shown.play(ConstantFrame(fraction, 3.0), 0.0, 3.0)
    assert len(shown.output.times) < held.shape[0] / 8
    assert held.mean() == pytest.approx(100.4, abs=0.02)
