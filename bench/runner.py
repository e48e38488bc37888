"""Runs every measurement once, on this machine, and judges the figures against the targets."""

from __future__ import annotations

import json
import os
import platform
import time
from importlib import metadata

import numpy as np

from bench import frame_cost, light, loop

TOTAL_BUDGET_S = 170.0  # the full run stays under three minutes on a 2-core machine
QUICK_RAMP_BUDGET_S = 5.0


class BenchError(Exception):
    """The benchmark cannot run here (a missing dependency); the message is one line."""


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu_model": _cpu_model(), "cores": os.cpu_count(), "usable_cores": usable,
        "arch": platform.machine(), "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(), "python_implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "adafruit_led_animation": _version("adafruit-circuitpython-led-animation"),
        "adafruit_pixelbuf": _version("adafruit-circuitpython-pixelbuf"),
        "load_average_1_5_15_min_at_start": load,
    }


def judge(result: dict) -> dict:
    """{target: {"value", "limit", "met"}} from the measured groups."""
    cost24 = result["frame_cost"]["by_leds"]["24"]
    whole = result["frame_cost"]["whole_sequence_24_leds"]
    timing = result["loop"]
    ramp, flick, colour = result["ramp"], result["flicker"], result["colour"]
    lowest_hz = flick["lowest_component_over_1_percent_hz"]
    sunrise, paced = timing["sunrise"], timing["paced_flicker"]
    checks = {
        "frame_cost_24_leds_at_most_1x_pulse": (whole["ratio_ours_to_pulse_p50"],
                                                "<= 1.0 (p50 ratio, every frame of the whole sequence)",
                                                whole["ratio_ours_to_pulse_p50"] <= 1.0),
        "frame_cost_24_leds_under_5_percent_of_wire_time": (
            cost24["share_of_wire_time_p50_percent"], "< 5 % (p50; 5 % is 50 us)",
            cost24["share_of_wire_time_p50_percent"] < 5.0),
        "lateness_p99_under_0.5_ms": (timing["lateness_p99_ms"], "< 0.5 ms", timing["lateness_p99_ms"] < 0.5),
        "no_drift": (timing["drift_ms"], "|drift| < 1 ms over the run (median lateness, last second less first)", abs(timing["drift_ms"]) < 1.0),
        "idle_cpu_under_0.1_percent": (timing["idle_cpu_percent"], "< 0.1 %", timing["idle_cpu_percent"] < 0.1),
        "sunrise_cpu_under_3_percent": (sunrise["cpu_percent_of_a_core"],
                                        "< 3 % of one core at 24 LEDs, over the whole sunrise",
                                        sunrise["cpu_percent_of_a_core"] < 3.0),
        # The light: no worse than before the loop was paced by it (issue 11: 0.085 s, 0.084 L*, 0.00024).
        "first_light_within_0.085_s": (ramp["first_light_s"], "<= 0.085 s",
                                       ramp["first_light_s"] is not None and ramp["first_light_s"] <= 0.085),
        "no_ramp_step_over_1_lstar": (ramp["steps_over_1_lstar"], "0 steps > 1 L*", ramp["steps_over_1_lstar"] == 0),
        "largest_ramp_step_at_most_0.084_lstar": (ramp["largest_step_lstar"], "<= 0.084 L*",
                                                  ramp["largest_step_lstar"] <= 0.084),
        "flicker_under_15_percent_p2p": (flick["worst_p2p_per_frame_percent"],
                                         "< 15 % per frame, at every level of at least one LED's lowest code",
                                         (flick["worst_p2p_per_frame_percent"] or 0.0) < 15.0),
        "no_flicker_component_under_50_hz": (lowest_hz, "none > 1 % of the mean below 50 Hz",
                                             lowest_hz is None or lowest_hz >= 50.0),
        "ieee1789_low_risk_at_every_level": (
            flick["ieee1789_low_risk_worst_ratio"],
            "every flicker component's modulation / IEEE 1789 low-risk limit < 1, at every level",
            (flick["ieee1789_low_risk_worst_ratio"] or 0.0) < 1.0),
        "ieee1789_no_effect_from_lstar_5": (
            flick["ieee1789_no_effect_worst_ratio_from_lstar_5"],
            "every component's modulation / IEEE 1789 no-observable-effect limit < 1, at L* 5 and up",
            (flick["ieee1789_no_effect_worst_ratio_from_lstar_5"] or 0.0) < 1.0),
        "ieee1789_no_effect_at_the_loops_pace": (
            paced["ieee1789_no_effect_worst_ratio"],
            "the same, L* 15-100 as the loop paces them (below its full rate)",
            paced["ieee1789_no_effect_worst_ratio"] < 1.0),
        "oklab_distance_at_most_0.00024": (colour["max_pixel_distance_oklab"], "<= 0.00024 (worst pixel, every case)",
                                           colour["max_pixel_distance_oklab"] <= 0.00024),
    }
    return {name: {"value": value, "limit": limit, "met": bool(met)} for name, (value, limit, met) in checks.items()}


def run(quick: bool = False) -> dict:
    """Every measurement, once; a dict ready for JSON (see the package's docstring)."""
    try:
        frame_cost.import_led_animation()  # fail in a second, not after two minutes
    except frame_cost.MissingDependency as error:
        raise BenchError(str(error)) from None
    started = time.monotonic()
    result: dict = {"benchmark": "emberwake", "quick": quick, "machine": machine()}
    groups = {
        "frame_cost": lambda: frame_cost.measure(quick),
        # the flicker at the loop's pace is simulated (bench/light.py) but reported with the loop
        "loop": lambda: {**loop.measure(quick), "paced_flicker": light.paced_flicker(quick)},
        "flicker": lambda: light.flicker(quick),
        "colour": lambda: light.colour(quick),
        # the ramp takes what is left of the time budget (it simulates as much as fits)
        "ramp": lambda: light.ramp(quick, QUICK_RAMP_BUDGET_S if quick else
                                   max(10.0, TOTAL_BUDGET_S - (time.monotonic() - started) - 3.0)),
    }
    timings = {}
    for name, measure in groups.items():
        mark = time.monotonic()
        result[name] = measure()
        timings[name] = time.monotonic() - mark
    targets = judge(result)
    result["targets"] = targets
    result["targets_met"] = {name: target["met"] for name, target in targets.items()}
    result["all_targets_met"] = all(result["targets_met"].values())
    try:
        result["machine"]["load_average_1_5_15_min_at_end"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    result["group_wall_s"] = {name: round(seconds, 2) for name, seconds in timings.items()}
    result["bench_wall_s"] = round(time.monotonic() - started, 2)
    return result


def summary_lines(result: dict) -> list[str]:
    m = result["machine"]
    cost = result["frame_cost"]["by_leds"]
    t = result["loop"]
    lines = [f"emberwake bench{' (quick)' if result['quick'] else ''} on {m['cpu_model']}, {m['cores']} cores, "
             f"Python {m['python']}, numpy {m['numpy']}; load {m['load_average_1_5_15_min_at_start']}",
             "frame cost (render+limit+dither+pack), p50/p99 us, vs adafruit Pulse:"]
    whole = result["frame_cost"]["whole_sequence_24_leds"]
    lines.append(f"  the whole sequence, 24 LEDs ({whole['frames_timed']} frames): {whole['ours_p50_us']:.1f}/"
                 f"{whole['ours_p99_us']:.0f} us, Pulse {whole['pulse_p50_us']:.1f}, "
                 f"ratio {whole['ratio_ours_to_pulse_p50']:.2f}")
    lines.append("  in windows of each phase and cross-fade:")
    for leds, c in cost.items():
        lines.append(f"  {leds:>3} LEDs: {c['ours_p50_us']:.0f}/{c['ours_p99_us']:.0f} us, Pulse {c['pulse_p50_us']:.0f}, "
                     f"ratio {c['ratio_ours_to_pulse_p50']:.2f}, {c['share_of_wire_time_p50_percent']:.1f}% of wire "
                     f"time; worst phase {c['worst_phase']} {c['worst_phase_p50_us']:.0f} us")
    lines.append(f"loop: lateness p50/p99/max {t['lateness_p50_ms']}/{t['lateness_p99_ms']}/{t['lateness_max_ms']} ms, "
                 f"dropped {t['dropped_frames']}, drift {t['drift_ms']} ms, CPU playing (the sunrise sampled at real "
                 f"speed) {t['playing_cpu_percent']}%, idle {t['idle_cpu_percent']}%; a bare 200 Hz sleep here: lateness p99 {t['sleep_only_lateness_p99_ms']} ms")
    sunrise, paced = t["sunrise"], t["paced_flicker"]
    lines.append(f"sunrise at {sunrise['speed_x']:g}x: {sunrise['cpu_percent_of_a_core']}% of a core (its CPU per "
                 f"second of light), {sunrise['frames_shown_per_real_s']} frames/s; "
                 f"flicker at the loop's pace: IEEE 1789 worst ratio no-effect {paced['ieee1789_no_effect_worst_ratio']}")
    ramp = result["ramp"]
    lines.append(f"ramp ({ramp['simulated_s']} s simulated): first light {ramp['first_light_s']} s, largest step "
                 f"{ramp['largest_step_lstar']} L*, steps > 1 L*: {ramp['steps_over_1_lstar']}")
    f = result["flicker"]
    lines.append(f"flicker: worst p2p {f['worst_p2p_per_frame_percent']}% per frame, {f['worst_p2p_10ms_percent']}% "
                 f"over 10 ms; lowest component > 1%: {f['lowest_component_over_1_percent_hz']} Hz; IEEE 1789 "
                 f"worst ratio low-risk {f['ieee1789_low_risk_worst_ratio']}, no-effect (L* >= 5) "
                 f"{f['ieee1789_no_effect_worst_ratio_from_lstar_5']}")
    lines.append(f"colour: worst OKLab distance {result['colour']['max_pixel_distance_oklab']}")
    for name, target in result["targets"].items():
        lines.append(f"  {'met ' if target['met'] else 'MISS'} {name}: {target['value']} (target {target['limit']})")
    lines.append(f"{result['bench_wall_s']} s")
    return lines


def print_result(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2, allow_nan=False))
    else:
        print("\n".join(summary_lines(result)))
