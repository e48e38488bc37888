"""device.health: the Status screen's account of the service, on a test clock: uptime from start,
the last problems (WARNING or worse) kept newest first, bounded, one line each, stamped on the
service's clock in its zone; the handler is the service's, on its logger only while it runs."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from device.clock import ManualClock
from device.health import KEEP_PROBLEMS, MAX_MESSAGE_CHARS, Health, firmware_version
from tests.dates import local

BERLIN = ZoneInfo("Europe/Berlin")


def make_health(name: str) -> tuple[Health, ManualClock, logging.Logger]:
    clock = ManualClock(local("2026-11-23T04:00", "Europe/Berlin"))
    log = logging.getLogger(f"emberwake-health-test.{name}")
    return Health(clock, BERLIN, log), clock, log


def test_uptime_counts_from_start_on_the_services_clock():
    health, clock, _ = make_health("uptime")
    assert health.summary() == {"version": firmware_version(), "uptime_s": None, "clock_synchronized": True}
    clock.advance(30.0)
    health.start()
    clock.advance(3600.0)
    clock.set_synchronized(False)
    assert health.summary() == {"version": firmware_version(), "uptime_s": 3600.0, "clock_synchronized": False}
    health.stop()


def test_the_last_problems_are_kept_newest_first_bounded_and_one_line_each():
    health, clock, log = make_health("problems")
    log.warning("before the start: not kept")
    health.start()
    log.info("not a problem")
    log.warning("the first")
    clock.advance(60.0)
    log.error("two\nlines and a %s", "\x1b[31mcolour")
    try:
        raise OSError("no such device")
    except OSError:
        log.exception("the LEDs failed")
    log.critical("x" * 1000)
    # a malformed log call keeps its words (handed to the handler alone: pytest's own would raise)
    health.problems.handle(log.makeRecord(log.name, logging.WARNING, __file__, 1, "a %d broken %s call",
                                          ("not-a-number",), None))
    problems = health.problems.recent()
    assert [(p["level"], p["message"]) for p in problems] == [
        ("WARNING", "a %d broken %s call"),
        ("CRITICAL", "x" * (MAX_MESSAGE_CHARS - 3) + "..."),
        ("ERROR", "the LEDs failed (OSError)"),
        ("ERROR", "two / lines and a \\x1b[31mcolour"),
        ("WARNING", "the first")]
    assert problems[-1]["at"] == "2026-11-23T04:00:00+01:00" and problems[0]["at"] == "2026-11-23T04:01:00+01:00"

    for n in range(KEEP_PROBLEMS + 3):
        log.warning("problem %d", n)
    assert [p["message"] for p in health.problems.recent()] == [f"problem {n}" for n in
                                                                reversed(range(3, KEEP_PROBLEMS + 3))]
    health.stop()
    assert health.problems not in log.handlers
    log.warning("after the stop: not kept")
    assert health.problems.recent()[0]["message"] == f"problem {KEEP_PROBLEMS + 2}"
