"""A simulated month: the whole service on the test clock, day after day, with a ledger of every
occurrence. Weekday, weekend and one-off alarms, a bedtime at sunset, snoozes and skips through
the controls, alarm edits, restarts (clean ones, and kills at random instants, some in the middle
of a rise or a snooze) and clock jumps; in two zones, across their DST changes.

CI runs a week in each zone (SOAK_DAYS, default 7); `make soak` runs the month and prints the
ledger's totals as JSON. Every occurrence that should fire fires exactly once, its light starting
within 1 s of its planned start; none that should not fire does; after every restart the alarms,
what each occurrence has done (skips, snoozes) and what the light shows are as they were; threads
and memory stay flat.
"""

from __future__ import annotations

import gc
import datetime as dt
import json
import logging
import os
import random
import re
import threading

import pytest

from device.alarms import Alarm
from device.clock import ManualClock
from device.config import load_config
from device.output import NullOutput
from device.service import build_service
from device.occurrences import Location, occurrences_between
from tests.dates import local
from tests.device.service.conftest import make_home, settle, store_rows

DAYS = int(os.environ.get("SOAK_DAYS", "7"))
ZONES = {"Europe/Berlin": (52.52, 13.40), "America/New_York": (40.71, -74.01)}
START = "2026-10-20T00:30"  # both zones' autumn DST changes fall in the month after
STARTED = re.compile(r"^(wake|bedtime) (\d+) \(.*\) starts: ")


def rss_kb() -> int:
    """This process's resident memory, after a full garbage collection."""
    gc.collect()
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


class Month:
    """The service on a ManualClock, moved from one planned instant to the next."""

    def __init__(self, home, zone: str):
        self.home, self.zone = home, zone
        self.clock = ManualClock(local(START, zone))
        self.config = load_config(home)
        self.starts: list[tuple[str, int, dt.datetime]] = []  # (kind, alarm id, when the light started)
        self.handler = _Starts(self)
        self.logger = logging.getLogger("emberwake")
        self.level = self.logger.level
        self.logger.setLevel(logging.INFO)  # the controller says "starts" at INFO
        self.logger.addHandler(self.handler)
        self.service = self._start()

    def _start(self):
        service = build_service(self.config, NullOutput(24), clock=self.clock, serve_api=False).start()
        settle(service, self.clock)
        return service

    def restart(self) -> None:
        """A clean restart (systemctl restart): shutdown, then start again."""
        self.service.shutdown()
        self.service = self._start()

    def kill(self) -> None:
        """kill -9, or the plug pulled, and start again. The dead service does nothing more: its
        threads stay asleep on its own clock, which never moves again, and none of its shutdown
        runs (no dark frame; the store is not closed, so its journal is left for the new one to
        recover). The new one starts on a clock at the same wall time whose monotonic time begins
        again (a reboot). Only then do the dead one's threads end, touching nothing they share."""
        dead = self.service
        self.clock = ManualClock(self.clock.now(), self.clock.synchronized())
        self.service = self._start()
        dead.timers.stop()
        dead.player.shutdown()  # its own ring, which no one sees any more
        dead.store.close()  # not the last connection: no checkpoint

    def state(self) -> tuple:
        """What a restart must keep: the alarms, what each occurrence has done (skips, snoozes, a
        one-off's end), and what the light shows: which alarm is lit, or snoozed (dark, however
        it got dark), or none (a closing fade, its occurrence done, is not taken up again)."""
        alarms, occurrences = store_rows(self.home)
        current = self.service.controller.current
        if current.key is not None and self.service.store.occurrence_state(current.key)[0] in ("done", "dismissed"):
            return alarms, occurrences, "idle", None, ""
        lit = self.service.player.state.label if current.mode.value == "alarm" else ""
        return alarms, occurrences, current.mode.value, current.key, lit

    def settle(self) -> None:
        settle(self.service, self.clock)

    def run_until(self, until: dt.datetime, events: list[tuple[dt.datetime, object]]) -> None:
        """Move the clock on, planned instant by planned instant, doing each event at its time."""
        events = sorted(events, key=lambda event: event[0])
        while True:
            planned = [t for t in self.service.timers.planned() if t > self.clock.now()]
            step = min([*planned[:1], until, *(t for t, _ in events[:1])])
            self.clock.advance_to(step)
            self.settle()
            while events and events[0][0] <= self.clock.now():
                events.pop(0)[1]()
                self.settle()
            if self.clock.now() >= until:
                return

    def close(self) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self.level)
        self.service.shutdown()


class _Starts(logging.Handler):
    def __init__(self, month: Month):
        super().__init__()
        self.month = month

    def emit(self, record: logging.LogRecord) -> None:
        found = STARTED.match(record.getMessage())
        if found:
            self.month.starts.append((found[1], int(found[2]), self.month.clock.now()))


def soak(tmp_path, zone: str, seed: int) -> dict:
    rng = random.Random(seed)
    home = make_home(tmp_path / zone.replace("/", "-"), zone, ZONES[zone])
    with (home / "config.toml").open("a") as config:
        config.write("\n[button]\nenabled = false\n")  # no button on this bedside: the soak drives the controls
    month = Month(home, zone)
    try:
        book = month.service.book
        begin = month.clock.now()
        end = begin + dt.timedelta(days=DAYS)
        versions: dict[int, list[tuple[dt.datetime, Alarm]]] = {}  # each alarm as it was, from when

        def took_effect(alarm: Alarm) -> None:
            versions.setdefault(alarm.id, []).append((month.clock.now(), alarm))

        took_effect(book.add("wake", "06:30", "weekdays", "storm-to-firelight", rise="30m", hold="20m", label="work"))
        took_effect(book.add("wake", "08:15", "weekends", "lavender-dawn", rise="20m", hold="30m"))
        one_off_day = (begin + dt.timedelta(days=3)).astimezone(month.clock.now().tzinfo).date()
        took_effect(book.add("wake", "05:10", None, "storm-to-firelight", rise="15m", hold="10m",
                             on=one_off_day.isoformat()))
        took_effect(book.add("bedtime", "sunset+4h", "daily", "tend-the-flame", rise="20m"))
        skipped: set[tuple[int, dt.date]] = set()
        events: list[tuple[dt.datetime, object]] = []
        ledger = {"snoozes": 0, "skips": 0, "edits": 0, "restarts": 0, "kills": 0, "jumps": 0}
        killed_while = {"idle": 0, "alarm": 0, "snooze": 0}  # what the light showed at each kill
        changed_by_restart: list[str] = []
        rss_daily_kb: list[int] = []

        def skip_next() -> None:
            coming = next(iter(month.service.book.upcoming(1, kind="wake")), None)  # what the control skips
            if coming is not None and coming.start > month.clock.now() + dt.timedelta(minutes=1) \
                    and not month.service.book.is_skipped(coming):  # (it would give back a skip)
                month.service.controls.skip_next(by="soak")
                skipped.add((coming.alarm.id, coming.day))
                ledger["skips"] += 1

        def snooze() -> None:
            if month.service.controls.now().mode.value == "alarm" and month.service.controls.now().kind == "wake":
                month.service.controls.snooze(1.0, by="soak")
                ledger["snoozes"] += 1

        def edit() -> None:
            """Through the alarm book: the work alarm moved (its rise, hold or snooze still holding
            06:10), the bedtime's rise changed, or the weekend alarm switched off or on."""
            book = month.service.book
            what = rng.choice(("move", "rise", "switch"))
            if what == "move":
                took_effect(book.update(1, time=f"06:{rng.randrange(0, 41, 5):02d}"))
            elif what == "rise":
                took_effect(book.update(4, rise=f"{rng.randrange(10, 41, 5)}m"))
            else:
                took_effect(book.set_enabled(2, not book.get(2).enabled))
            ledger["edits"] += 1

        def restart(kill: bool) -> None:
            before = month.state()
            month.kill() if kill else month.restart()
            ledger["kills" if kill else "restarts"] += 1
            if kill:
                killed_while[before[2]] += 1
            if month.state() != before:
                changed_by_restart.append(f"{month.clock.now().isoformat()}: {before[2:]} -> {month.state()[2:]}")

        def jump() -> None:  # NTP nudges the clock: a minute either way, well away from any start
            month.clock.jump(dt.timedelta(minutes=rng.choice((-1, 1))))
            ledger["jumps"] += 1

        for day in range(DAYS):
            morning = begin + dt.timedelta(days=day)
            events.append((morning + dt.timedelta(hours=5, minutes=rng.randrange(0, 50)), snooze))
            if day % 3 == 1:
                events.append((morning + dt.timedelta(hours=rng.randrange(9, 12)), skip_next))
            events.append((morning + dt.timedelta(hours=13, minutes=rng.randrange(60)), edit))
            events.append((morning + dt.timedelta(hours=rng.randrange(1, 4)), lambda: restart(kill=False)))
            events.append((morning + dt.timedelta(seconds=rng.randrange(86400)), lambda: restart(kill=True)))
            events.append((morning + dt.timedelta(hours=15, minutes=rng.randrange(60)), jump))
            events.append((morning + dt.timedelta(days=1, seconds=-1), lambda: rss_daily_kb.append(rss_kb())))
        # Snoozes must land inside a rise to mean anything: add some at the weekday rise itself;
        # and kills there, every other day, from its start to past its closing fade.
        for day in range(DAYS):
            rise = local(START[:10] + "T06:10", zone) + dt.timedelta(days=day)
            events.append((rise, snooze))
            if day % 2 == 0:
                events.append((rise + dt.timedelta(seconds=rng.randrange(-600, 3000)), lambda: restart(kill=True)))
            else:  # inside the minute's snooze
                events.append((rise + dt.timedelta(seconds=rng.randrange(5, 55)), lambda: restart(kill=True)))
        threads_before = threading.active_count()
        month.run_until(end, events)
        threads_after = threading.active_count()

        location = Location(*ZONES[zone])
        # Each alarm as it was from each edit to the next (the one-off as it was set: it switches
        # itself off after firing, which is no edit).
        expected = sorted((o.alarm.kind, o.alarm.id, o.start) for history in versions.values()
                          for (since, alarm), (until, _) in zip(history, [*history[1:], (end, None)])
                          if alarm.enabled
                          for o in occurrences_between(alarm, month.config.zone, location, since, until)
                          if max(since, begin + dt.timedelta(minutes=1)) <= o.start < until
                          and (o.alarm.id, o.day) not in skipped)
        fired: dict[tuple[str, int, dt.datetime], list[dt.datetime]] = {key: [] for key in expected}
        unexpected = []
        for kind, alarm_id, at in month.starts:
            match = [key for key in expected if key[1] == alarm_id and abs((at - key[2]).total_seconds()) < 3600]
            if match:
                fired[match[0]].append(at)
            else:
                unexpected.append((kind, alarm_id, at.isoformat()))
        late = [key for key, times in fired.items() if times and abs((times[0] - key[2]).total_seconds()) > 1.0]
        return {"zone": zone, "days": DAYS, "expected": len(expected),
                "fired": sum(1 for times in fired.values() if times), "late": len(late),
                "double": sum(1 for times in fired.values() if len(times) > 1),
                "missed": sum(1 for times in fired.values() if not times), "unexpected": len(unexpected),
                **ledger, "killed_while": killed_while, "changed_by_restart": len(changed_by_restart),
                "threads": [threads_before, threads_after],
                # after the first day (its imports and caches) and at the end; and each day's
                "rss_kb": [rss_daily_kb[0], rss_daily_kb[-1]], "rss_daily_kb": rss_daily_kb,
                "missed_list": [(k, i, t.isoformat()) for (k, i, t), times in fired.items() if not times][:5],
                "unexpected_list": unexpected[:5], "changed_list": changed_by_restart[:5]}
    finally:
        month.close()


@pytest.mark.timeout(900)
@pytest.mark.parametrize("zone", sorted(ZONES))
def test_a_simulated_month_fires_every_occurrence_once_and_on_time(tmp_path, zone):
    totals = soak(tmp_path, zone, seed=sorted(ZONES).index(zone))
    print(json.dumps(totals))
    assert totals["expected"] >= DAYS  # at least one a day: the soak did soak
    assert (totals["missed"], totals["double"], totals["late"], totals["unexpected"]) == (0, 0, 0, 0), totals
    assert totals["changed_by_restart"] == 0, totals
    assert totals["killed_while"]["alarm"] > 0 and totals["killed_while"]["snooze"] > 0, totals  # kills that matter
    assert totals["threads"][0] == totals["threads"][1]
    assert totals["rss_kb"][1] - totals["rss_kb"][0] < 20_000  # flat: no growth a day would show
