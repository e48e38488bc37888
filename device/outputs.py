"""Opening the output a command asked for: the real ring, the simulator's, or none."""

from __future__ import annotations

from device.config import Config
from device.neopixel_output import NeoPixelOutput, OutputError
from device.output import NullOutput, PixelOutput

OUTPUT_KINDS = ("neopixel", "sim", "terminal", "null")


def open_output(kind: str, config: Config, title: str = "Emberwake") -> PixelOutput:
    """An output of `kind` for the configured ring; OutputError (one line) if it cannot open."""
    ring = config.ring
    if kind == "neopixel":
        return NeoPixelOutput(ring.pixels, ring.pin, ring.order)
    if kind == "null":
        return NullOutput(ring.pixels, len(ring.order), ring.order)
    if kind in ("sim", "terminal"):
        from sim.rings import open_sim_output  # the desktop simulator, only when asked for
        return open_sim_output(kind, config, title)
    raise OutputError(f"unknown output {kind!r}; expected one of {', '.join(OUTPUT_KINDS)}")
