"""The effects a phase can use, by the name sequence files give them."""

from __future__ import annotations

from sequences.effects.base import Effect, FrameInputs, Param
from sequences.effects.flame import Fire
from sequences.effects.pulses import Breathe, Heartbeat, Steady
from sequences.effects.sparkles import Fireflies, Stars
from sequences.effects.waves import Bloom, Ribbons, Ripple, Shimmer
from sequences.effects.weather import Lightning, Rain

EFFECTS: dict[str, type[Effect]] = {
    cls.name: cls
    for cls in (Steady, Breathe, Heartbeat, Stars, Fireflies, Ripple, Bloom, Shimmer, Ribbons, Fire, Rain, Lightning)
}

__all__ = ["EFFECTS", "Effect", "FrameInputs", "Param"]
