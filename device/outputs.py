"""Outputs by name: the real ring, the simulator's, none, or any a package registers.

An output is a function `open(config, title) -> PixelOutput` registered as a package entry point
in the group "emberwake.outputs" (pyproject.toml), the way gpiozero finds its pin factories.
Only the named one is imported, when it is opened: `device` names no higher layer, and a ring on
a Raspberry Pi never loads the simulator.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from device.config import Config
from device.output import OutputError, PixelOutput

OUTPUT_GROUP = "emberwake.outputs"
DEFAULT_OUTPUT = "neopixel"


def output_names() -> tuple[str, ...]:
    """The names of every registered output, sorted."""
    return tuple(sorted({entry.name for entry in entry_points(group=OUTPUT_GROUP)}))


def open_output(name: str, config: Config, title: str = "Emberwake") -> PixelOutput:
    """The output called `name` for the configured ring; OutputError (one line) if it cannot open."""
    found = entry_points(group=OUTPUT_GROUP, name=name)
    if not found:
        known = output_names()
        if not known:  # running from a checkout that was never installed: no entry points at all
            raise OutputError(f"unknown output {name!r}: no outputs are registered; install emberwake "
                              f"(pip install -e .) so its entry points exist")
        raise OutputError(f"unknown output {name!r}; known outputs: {', '.join(known)}")
    entry = next(iter(found))
    try:
        opener = entry.load()
    except ImportError as error:
        raise OutputError(f"output {name!r} ({entry.value}) cannot be loaded: {error}") from None
    return opener(config, title)
