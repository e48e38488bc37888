"""How the service itself is doing, for the Status screen: its version, how long it has run (on
the service's clock), whether the clock is synchronised, and the last problems it logged.

The problems are kept by a logging handler the service owns: attached to its logger ("emberwake",
whose children every part logs on) at start and taken off at shutdown, it holds the last
KEEP_PROBLEMS records of WARNING or worse (older ones fall off), each one line (the lines of a
message joined by " / "). The log never carries a secret (pairing codes and tokens are never
logged), so showing it to a paired phone gives nothing away.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Callable

from device.clock import Clock
from sequences.tomlfile import printable

KEEP_PROBLEMS = 20
MAX_MESSAGE_CHARS = 300


def firmware_version() -> str:
    """The installed emberwake's version, or "unknown" (run from a folder that was never installed)."""
    try:
        return version("emberwake")
    except PackageNotFoundError:
        return "unknown"


class RecentProblems(logging.Handler):
    """The last `keep` WARNING-or-worse records, newest first, timed on `now` (the service's clock
    in its zone, not the record's own real-time stamp). The handler's lock guards the ring; it is a
    leaf but for the clock's own lock, taken inside it to read the time."""

    def __init__(self, now: Callable[[], dt.datetime], keep: int = KEEP_PROBLEMS):
        super().__init__(logging.WARNING)
        self.now = now
        self._records: collections.deque[dict] = collections.deque(maxlen=keep)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed log call must not lose the record
            message = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            message += f" ({type(record.exc_info[1]).__name__})"
        line = printable(" / ".join(message.splitlines()))
        if len(line) > MAX_MESSAGE_CHARS:
            line = line[:MAX_MESSAGE_CHARS - 3] + "..."
        self._records.append({"at": self.now().isoformat(timespec="seconds"), "level": record.levelname,
                              "message": line})

    def recent(self) -> list[dict]:
        """The problems kept, newest first."""
        with self.lock:
            return list(reversed(self._records))


class Health:
    """The service's account of itself. start() when the service starts, stop() when it stops."""

    def __init__(self, clock: Clock, zone: dt.tzinfo, log: logging.Logger):
        self.clock = clock
        self.log = log
        self.problems = RecentProblems(lambda: clock.now().astimezone(zone))
        self.version = firmware_version()
        self._started_s: float | None = None

    def start(self) -> None:
        self._started_s = self.clock.monotonic()
        self.log.addHandler(self.problems)

    def stop(self) -> None:
        self.log.removeHandler(self.problems)

    def summary(self) -> dict:
        """{"version", "uptime_s" (None before start), "clock_synchronized"}."""
        uptime_s = None if self._started_s is None else round(self.clock.monotonic() - self._started_s, 1)
        return {"version": self.version, "uptime_s": uptime_s, "clock_synchronized": self.clock.synchronized()}
