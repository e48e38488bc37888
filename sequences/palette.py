"""Colours as sequence files write them: kelvin (2700, "2700K"), "#rrggbb", or a palette name."""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import tomllib

from sequences.color import KELVIN_MAX, KELVIN_MIN, hex_to_linear_rgb, kelvin_to_linear_rgb
from sequences.model import Colour


@functools.cache
def palette() -> dict[str, Colour]:
    """The named colours of `sequences/palette.toml`."""
    text = importlib.resources.files("sequences").joinpath("palette.toml").read_text(encoding="utf-8")
    return {name: _colour_from_entry(name, entry) for name, entry in tomllib.loads(text).items()}


def _colour_from_entry(name: str, entry: dict) -> Colour:
    if "kelvin" in entry:
        return from_kelvin(entry["kelvin"], label=name)
    return from_linear_rgb(hex_to_linear_rgb(entry["hex"]), label=name)


def from_kelvin(kelvin: float, label: str = "") -> Colour:
    """A blackbody colour; raises ValueError outside 1000-6500 K."""
    if not KELVIN_MIN <= kelvin <= KELVIN_MAX:
        raise ValueError(f"colour temperature {kelvin:g} K is outside {KELVIN_MIN:g}-{KELVIN_MAX:g} K")
    return Colour(kelvin_to_linear_rgb(kelvin), float(kelvin), label or f"{kelvin:g}K")


def from_linear_rgb(rgb: tuple[float, float, float], label: str = "") -> Colour:
    """A colour from linear RGB, rescaled so its brightest channel is 1 (black is refused)."""
    brightest = max(rgb)
    if brightest <= 0:
        raise ValueError(f"colour {label or rgb!r} is black: it has no hue; use level = 0 for darkness")
    return Colour(tuple(float(c) / brightest for c in rgb), None, label)


def resolve_colour(value: object) -> Colour:
    """Read a colour as written in a file; raises ValueError with a one-line, hinted message."""
    if isinstance(value, bool):
        raise ValueError(f"expected a colour, got {value!r}")
    if isinstance(value, (int, float)):
        return from_kelvin(float(value))
    if not isinstance(value, str):
        raise ValueError(f"expected a colour (kelvin, '#rrggbb' or a palette name), got {value!r}")
    text = value.strip()
    if text.startswith("#"):
        return from_linear_rgb(hex_to_linear_rgb(text), label=text)
    if text[:-1].replace(".", "", 1).isdigit() and text[-1:] in ("K", "k"):
        return from_kelvin(float(text[:-1]))
    colours = palette()
    if text in colours:
        return colours[text]
    close = difflib.get_close_matches(text, colours, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else "; use kelvin (2700), '#rrggbb' or a palette name"
    raise ValueError(f"unknown colour '{text}'{hint}")
