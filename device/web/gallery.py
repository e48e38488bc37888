"""The Sequences screen's requests: the gallery, each sequence's timeline, and its live preview.

    GET /api/sequences                      every sequence: name, title, kind, description,
                                            duration_s, origin ("built-in" or "yours"); a file of
                                            yours that does not load: name, origin and its error
    GET /api/sequences/NAME/timeline        the timeline the page draws (below)
    GET /api/sequences/NAME/preview?speed=60&from=0   the sequence played at `speed` (1-600x)
                                            from `from` seconds, as server-sent events (preview.py)

The timeline is data, not a picture (no image library on the Pi; about 1.3 kB a sequence): the
simulator's scrub-bar strip (sequences/timeline.py) in TIMELINE_COLUMNS columns, each the phases'
light as sRGB hex (what a flat swatch of it looks like) and its level in CIE L*, and the phases'
names and starts. It costs a few milliseconds, so it is not kept.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import unquote

from device.api_error import ApiError
from device.web.preview import Previews
from sequences.catalog import Entry, entries, entry
from sequences.engine import Renderer
from sequences.timeline import timeline_strip
from sequences.tomlfile import printable
from sequences.units import show

TIMELINE_COLUMNS = 120  # about 2.5 CSS pixels a column on a phone
MIN_SPEED_X, MAX_SPEED_X = 1.0, 600.0
DEFAULT_SPEED_X = 60.0


class Gallery:
    """The sequences in `sequence_dirs` and the built-ins, as the page shows them on a ring of
    `pixels` LEDs; `previews` streams them (None: no service runs, so no preview). Holds no state
    of its own: any thread may ask."""

    def __init__(self, sequence_dirs: Iterable[Path] = (), pixels: int = 24, previews: Previews | None = None):
        self.sequence_dirs = tuple(sequence_dirs)
        self.pixels = pixels
        self.previews = previews

    def handle(self, method: str, rest: list[str], query: dict[str, str]) -> tuple[int, Any]:
        """GET /api/sequences/`rest`... -> (status, answer); ApiError for a refusal."""
        if method != "GET":
            raise ApiError(404, "sequences are read with GET /api/sequences")
        if not rest:
            return 200, [_listed(e) for e in entries(self.sequence_dirs)]
        if len(rest) != 2 or rest[1] not in ("timeline", "preview"):
            raise ApiError(404, f"no such request GET /api/sequences/{printable('/'.join(rest))[:200]}")
        found = self._entry(unquote(rest[0]))  # the page encodes the name (a file of yours may be "my dawn")
        if rest[1] == "timeline":
            return 200, self.timeline(found)
        if self.previews is None:
            raise ApiError(503, "previews need the service running (emberwake run)")
        renderer = Renderer(found.sequence, None, self.pixels)
        speed_x = _number(query, "speed", DEFAULT_SPEED_X, MIN_SPEED_X, MAX_SPEED_X, "x")
        from_s = _number(query, "from", 0.0, 0.0, renderer.duration_s, " s")
        return 200, self.previews.stream(renderer, speed_x, from_s)

    def _entry(self, name: str) -> Entry:
        found = entry(name, self.sequence_dirs)
        if found is None:
            raise ApiError(404, f"no sequence {show(name)}")
        if found.sequence is None:
            raise ApiError(400, f"sequence {show(name)} does not load: {_first_problem(found)}")
        return found

    def timeline(self, found: Entry) -> dict:
        """{"duration_s", "colours": 6 hex digits a column, "levels": L* a column (whole numbers
        0-100), "phases": [{"name", "start_s"}]} of a loaded entry."""
        renderer = Renderer(found.sequence, None, self.pixels)
        strip = timeline_strip(renderer, columns=TIMELINE_COLUMNS)
        return {"duration_s": strip.duration_s, "colours": strip.colours.tobytes().hex(),
                "levels": [round(float(level)) for level in strip.lstar],
                "phases": [{"name": p.phase.name, "start_s": p.start_s} for p in renderer.placed]}


def _listed(found: Entry) -> dict:
    origin = "built-in" if found.origin == "built-in" else "yours"
    sequence = found.sequence
    if sequence is None:
        return {"name": found.name, "origin": origin, "error": _first_problem(found)}
    return {"name": found.name, "title": sequence.title, "kind": sequence.kind,
            "description": sequence.description, "duration_s": sequence.default_duration_s, "origin": origin}


def _first_problem(found: Entry) -> str:
    """Why an entry does not load, in one line (the first problem; how many more there are)."""
    problems = found.error.problems if found.error else []
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (str(problems[0]) if problems else "it does not load") + more


def _number(query: dict[str, str], name: str, default: float, low: float, high: float, unit: str) -> float:
    text = query.get(name)
    if text is None or text == "":
        return default
    try:
        value = float(text[:40])
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # nan and inf fail too
        raise ApiError(400, f"{name} must be a number {low:g}-{high:g}{unit}, got {show(text[:40])}")
    return value
