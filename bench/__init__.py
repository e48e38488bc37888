"""Emberwake's benchmark: how fast, how steady, how smooth and how true the light is, measured in one run.

`emberwake bench --json` (or `python -m bench --json`) prints one JSON object: a group per
measurement (frame_cost, loop with the sunrise's CPU per second of light and the flicker at the
loop's own pace, ramp, flicker, colour), each figure's key naming its unit, the machine it ran on,
and `targets_met`. The full run takes about two minutes on a 2-core machine;
`--quick` is a ~30 s smoke run of the same code with shorter windows.

The frame-cost comparison needs adafruit-circuitpython-led-animation; it is imported only when
the benchmark runs, and its absence is a one-line error.
"""

from __future__ import annotations

from bench.runner import BenchError, run, summary_lines

__all__ = ["BenchError", "run", "summary_lines"]
