"""Parsing of durations as people write them: 90, "90s", "5m", "1h30m", "12:30", "20%"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MAX_DURATION_S = 24 * 3600.0  # longest thing a bedside light plays in one go

_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_COMPOUND = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$")
_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")
_PLAIN_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_WORDED = re.compile(r"^(\d+(?:\.\d+)?)(milliseconds?|msecs?|seconds?|secs?|minutes?|mins?|hours?|hrs?)$")


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
    if isinstance(value, int):
        if value > MAX_DURATION_S:  # before float(): an int past 1e308 cannot become one
            raise ValueError(f"duration {show(value)} is longer than 24 hours")
        if value < 0:
            raise ValueError(f"duration {show(value)} is negative")
        seconds = float(value)
    elif isinstance(value, float):
        seconds = value
    elif isinstance(value, str):
        seconds = _parse_text(value)
    else:
        raise ValueError(f"expected a duration such as 90, '90s', '5m' or '12:30', got {show(value)}")
    if math.isnan(seconds):
        raise ValueError(f"duration {show(value)} is not a number")
    if seconds < 0:
        raise ValueError(f"duration {show(value)} is negative")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"duration {show(value)} is longer than 24 hours")
    if seconds == 0 and not allow_zero:
        raise ValueError(f"duration {show(value)} must be longer than zero")
    return seconds


def parse_duration(value: object) -> float | Share:
    """Like parse_seconds, but also accepts a share of the whole: '20%' -> Share(20.0)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number = value.strip()[:-1].strip()
        if not _PLAIN_NUMBER.match(number[1:] if number.startswith("-") else number):
            raise ValueError(f"share {show(value)} is not a number followed by '%'")
        percent = float(number)
        if not 0 < percent <= 100:
            raise ValueError(f"share {show(value)} must be more than 0% and at most 100%")
        return Share(percent)
    return parse_seconds(value, allow_zero=False)


def show(value: object, limit: int = 40) -> str:
    """repr() of a value for a message, cut short so that no message runs on."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        sign = "-" if value < 0 else ""
        return f"{value:.3g}" if value.bit_length() < 1000 else f"{sign}~1e+{int(value.bit_length() * 0.30103)}"
    if isinstance(value, str):
        text = repr(value[:limit])
        if len(value) <= limit and len(text) <= limit + 2:
            return text
        return text[: min(len(text) - 1, limit + 1)] + "..." + text[0]  # escapes count towards the limit
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def format_seconds(seconds: float) -> str:
    """Short human form: 1800 -> '30m', 95 -> '1m35s', 2.5 -> '2.5s'."""
    if not math.isfinite(seconds):
        return str(seconds)
    if seconds < 0:
        return "-" + format_seconds(-seconds)
    whole = round(seconds)
    if abs(seconds - whole) > 1e-9:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


def _parse_text(original: str) -> float:
    text = original.strip().lower().replace(" ", "")
    if not text:
        raise ValueError("expected a duration, got an empty string")
    if text.startswith("-") and len(text) > 1:
        raise ValueError(f"duration {show(original)} is negative")
    if len(text) > 40:
        raise ValueError(f"cannot read {show(original)} as a duration: it is too long")
    if _PLAIN_NUMBER.match(text):
        return float(text)
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = clock.groups()
        if float(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            raise ValueError(f"duration {show(original)} has a field of 60 or more")
        return int(hours or 0) * 3600.0 + int(minutes) * 60.0 + float(seconds)
    compound = _COMPOUND.match(text)
    if compound and any(compound.groups()):
        return sum(float(amount) * unit for amount, unit in zip(compound.groups(), _UNIT_SECONDS.values())
                   if amount is not None)
    worded = _WORDED.match(text)
    if worded:
        amount, word = worded.groups()
        unit = "ms" if word.startswith(("milli", "ms")) else word[0]
        raise ValueError(f"cannot read {show(original)} as a duration; did you mean '{amount}{unit}'?")
    raise ValueError(f"cannot read {show(original)} as a duration; write e.g. 90, '90s', '5m', '1h30m' or '12:30'")
