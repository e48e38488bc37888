"""Parsing of durations as people write them: 90, "90s", "5m", "1h30m", "12:30", "20%"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MAX_DURATION_S = 24 * 3600.0  # longest thing a bedside light plays in one go

_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_COMPOUND = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$")
_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class Share:
    """A phase length given as a percentage (0-100] of the whole sequence."""

    percent: float


def parse_seconds(value: object, *, allow_zero: bool = True) -> float:
    """Seconds from a number (seconds) or text: '90s', '5m', '1h30m', '250ms', 'mm:ss', 'h:mm:ss'.

    Raises ValueError with a message fit to show a user; the range is 0 to 24 h.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_text(value.strip().lower().replace(" ", ""))
    else:
        raise ValueError(f"expected a duration such as 90, '90s', '5m' or '12:30', got {value!r}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"duration {value!r} must be a positive number of seconds")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"duration {value!r} is longer than 24 hours")
    if seconds == 0 and not allow_zero:
        raise ValueError(f"duration {value!r} must be longer than zero")
    return seconds


def parse_duration(value: object) -> float | Share:
    """Like parse_seconds, but also accepts a share of the whole: '20%' -> Share(20.0)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number = value.strip()[:-1].strip()
        try:
            percent = float(number)
        except ValueError:
            raise ValueError(f"share {value!r} is not a number followed by '%'") from None
        if not 0 < percent <= 100 or not math.isfinite(percent):
            raise ValueError(f"share {value!r} must be more than 0% and at most 100%")
        return Share(percent)
    return parse_seconds(value, allow_zero=False)


def format_seconds(seconds: float) -> str:
    """Short human form: 1800 -> '30m', 95 -> '1m35s', 2.5 -> '2.5s'."""
    whole = round(seconds)
    if abs(seconds - whole) > 1e-9:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


def _parse_text(text: str) -> float:
    if not text:
        raise ValueError("expected a duration, got an empty string")
    try:
        return float(text)
    except ValueError:
        pass
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = clock.groups()
        if float(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            raise ValueError(f"duration {text!r} has a field of 60 or more")
        return int(hours or 0) * 3600.0 + int(minutes) * 60.0 + float(seconds)
    compound = _COMPOUND.match(text)
    if compound and any(compound.groups()):
        return sum(float(amount) * unit for amount, unit in zip(compound.groups(), _UNIT_SECONDS.values())
                   if amount is not None)
    raise ValueError(f"cannot read {text!r} as a duration; write e.g. 90, '90s', '5m', '1h30m' or '12:30'")
