"""Colours as sequence files write them: kelvin (2700, "2700K"), "#rrggbb", or a palette name."""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import math
import re
import tomllib

from sequences.colour import KELVIN_MAX, KELVIN_MIN, hex_to_linear_rgb, kelvin_to_linear_rgb
from sequences.model import Colour
from sequences.units import show

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_KELVIN = re.compile(r"^(\d+(?:\.\d+)?)\s*[kK]$")


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
    if isinstance(kelvin, int) and not KELVIN_MIN <= kelvin <= KELVIN_MAX:  # before float(): 10**400 has none
        raise ValueError(f"colour temperature {show(kelvin)} K is outside {KELVIN_MIN:g}-{KELVIN_MAX:g} K")
    kelvin = float(kelvin)
    if math.isnan(kelvin):
        raise ValueError("colour temperature nan is not a number")
    if not KELVIN_MIN <= kelvin <= KELVIN_MAX:
        raise ValueError(f"colour temperature {kelvin:g} K is outside {KELVIN_MIN:g}-{KELVIN_MAX:g} K")
    return Colour(kelvin_to_linear_rgb(kelvin), kelvin, label or f"{kelvin:g}K")


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
        return from_kelvin(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a colour (kelvin, '#rrggbb' or a palette name), got {show(value)}")
    text = value.strip()
    if text.startswith("#"):
        if not _HEX.match(text):
            raise ValueError(f"colour {show(text)} is not of the form '#rrggbb'")
        return from_linear_rgb(hex_to_linear_rgb(text), label=text)
    kelvin = _KELVIN.match(text)
    if kelvin:
        if len(kelvin.group(1)) > 10:
            raise ValueError(f"colour temperature {show(text)} is outside {KELVIN_MIN:g}-{KELVIN_MAX:g} K")
        return from_kelvin(float(kelvin.group(1)))
    colours = palette()
    if text in colours:
        return colours[text]
    if text.isdigit():
        hint = f"; write a temperature as {text} or '{text}K'"
    else:
        lower = text.lower()
        close = [name for name in colours if name == lower] or difflib.get_close_matches(lower, colours, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "; use kelvin (2700), '#rrggbb' or a palette name"
    raise ValueError(f"unknown colour {show(text)}{hint}")
