"""The effects a phase can use, by the name sequence files give them."""

from __future__ import annotations

from sequences.effects.base import Effect, FrameInputs, Param
from sequences.effects.pulses import Breathe, Steady

EFFECTS: dict[str, type[Effect]] = {cls.name: cls for cls in (Steady, Breathe)}

__all__ = ["EFFECTS", "Effect", "FrameInputs", "Param"]
