"""Far dates for the tests that need one: the same local dates shifted by whole 28-year cycles.

Every 28 years (between 1901 and 2099) the Gregorian calendar repeats its weekdays, and the zones
tested keep the same daylight-saving rules, so a test written for Monday 2026-11-23 means the same
on Monday 1998-11-23 or 2082-11-23. Running the date-dependent tests at each shift proves that
nothing in them reads the real date: each date comes in through the injected clock.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

YEAR_SHIFTS = (0, -28, 28, 56)


def shifted(text: str, years: int) -> str:
    """An ISO date or date-time written for 2026 (or any year), moved by `years`."""
    return f"{int(text[:4]) + years:04d}{text[4:]}"


def local(text: str, zone: str, years: int = 0) -> dt.datetime:
    """The aware local datetime of ISO `text` in `zone`, shifted by `years`."""
    return dt.datetime.fromisoformat(shifted(text, years)).replace(tzinfo=ZoneInfo(zone))
