"""The loaded, validated form of a sequence: plain frozen data, built only by `sequences.loader`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sequences.units import Share

if TYPE_CHECKING:
    from sequences.effects.base import Effect

# A cue is a short answer on the ring (the button's acknowledgements): 1 s to a minute.
Kind = Literal["wake", "dusk", "ambient", "cue"]
KINDS: tuple[str, ...] = ("wake", "dusk", "ambient", "cue")


@dataclass(frozen=True)
class Colour:
    """A hue and saturation: linear RGB with its brightest channel at 1.0.

    `kelvin` is set when the colour was given as a blackbody temperature, so that fades
    between two temperatures can follow the blackbody curve.
    """

    rgb: tuple[float, float, float]
    kelvin: float | None = None
    label: str = ""


@dataclass(frozen=True)
class Light:
    """A colour at a level: the CIE L* (0-100) of the ring's mean luminance."""

    colour: Colour
    level_lstar: float


@dataclass(frozen=True)
class Phase:
    """One image of the dream: a fade from `start` to `end` light, shaped by an effect."""

    name: str
    caption: str
    duration: float | Share  # seconds, or a share of the whole sequence
    start: Light
    end: Light
    easing: str
    effect: "Effect"
    crossfade_s: float | None  # blend from the previous phase; None = automatic, 0 = cut


@dataclass(frozen=True)
class Sequence:
    """A whole sequence as loaded from one TOML file."""

    name: str
    title: str
    description: str
    kind: Kind
    default_duration_s: float
    seed: int
    phases: tuple[Phase, ...]
    source: str  # the file it came from, for messages
