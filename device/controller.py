"""Decides what the ring shows now: an alarm's light, a snooze, the night light, or dark.

`tick()` is idempotent: it looks at the wall clock, the alarms and what each occurrence has
done (in the store), and makes the player show what should be showing. The timers call it when
something is due and whenever the wall clock jumps; the controls (snooze, dismiss, ...) change
the store and call it. Nothing here sleeps or keeps time itself, so tests drive it with a fake
clock.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo

from device.clock import Clock
from device.player import Player, Program
from device.programs import DEFAULT_FADE_S, AtColourTemperature, Dark, FadeOut, Scaled
from device.store import Store
from device.occurrences import Location, Occurrence, active_at, occurrences_between
from sequences.catalog import find
from sequences.colour import KELVIN_MIN, correlated_colour_temperature
from sequences.engine import Renderer
from sequences.loader import SequenceLoadError

FALLBACK_SEQUENCE = {"wake": "storm-to-firelight", "bedtime": "tend-the-flame"}
NIGHT_LIGHT = "nightlight"
SNOOZE_FADE_S = 10.0
DISMISS_FADE_S = 5.0
# The colour temperatures the night light takes, in K: down to the deepest the engine shows (the
# built-in glow, night-red, is about 1050 K); up to a warm white, as bluer light at night is what a
# night light is there to avoid.
NIGHT_LIGHT_KELVIN = (int(KELVIN_MIN), 4000)
FADE_SLACK_S = 2.0  # the light's position may trail the wall clock by the time it took to start
_LIVE_STATES = (None, "started")


class Mode(str, Enum):
    """What the ring is showing, as the status says it."""

    IDLE = "idle"
    ALARM = "alarm"  # an alarm's or bedtime's light
    SNOOZE = "snooze"  # an alarm snoozed: dark until it comes back
    MANUAL = "manual"  # a sequence played on request
    LIGHT = "light"  # the night light


@dataclass(frozen=True)
class Showing:
    """What the controller has put on the ring: the mode, the occurrence (alarm, snooze) or the
    sequence's name (manual)."""

    mode: Mode = Mode.IDLE
    key: tuple[int, str] | None = None
    label: str = field(default="", compare=False)  # an alarm's kind (wake, bedtime); a sequence's name

    @property
    def of_an_alarm(self) -> bool:
        return self.mode in (Mode.ALARM, Mode.SNOOZE)


IDLE = Showing()


@dataclass(frozen=True)
class Place:
    """Where the device is and whether its clock may be trusted before NTP says so."""

    zone: ZoneInfo
    location: Location | None = None
    require_sync: bool = True

    @classmethod
    def of(cls, config) -> "Place":
        """The place a device.config.Config describes."""
        return cls(config.zone, Location(*config.location) if config.location else None, config.require_sync)


class Controller:
    """The alarm clock's brain. Thread-safe; all times are aware datetimes in UTC."""

    def __init__(self, store: Store, player: Player, pixels: int, sequence_dirs: tuple[Path, ...], place: Place,
                 clock: Clock, log: logging.Logger | None = None):
        self.store = store
        self.player = player
        self.pixels = pixels
        self.sequence_dirs = sequence_dirs
        self.place = place
        self.clock = clock
        self.log = log or logging.getLogger("emberwake")
        self._lock = threading.RLock()
        self.current = IDLE
        self._fade_from_s = float("inf")  # where the alarm playing starts its closing fade
        self._warned_untrusted = False
        self._night_light_own_kelvin: int | None = None  # its sequence's own colour: see night_light_kelvin

    # What should be showing

    def clock_trusted(self) -> bool:
        return not self.place.require_sync or self.clock.synchronized()

    def tick(self, resync: bool = False) -> None:
        """Make the ring show what it should at this moment. With `resync` (after a clock
        jump) an alarm already playing restarts at the point the new time says it has reached."""
        with self._lock:
            now = self.clock.now()
            if not self.clock_trusted():
                if not self._warned_untrusted:
                    self.log.warning("the system clock is not synchronised yet: no alarm fires until it is")
                    self._warned_untrusted = True
                return
            self._warned_untrusted = False
            self.store.set_meta("last_seen_utc", now.isoformat())
            occurrence = self._active(now)
            if occurrence is None:
                if self.current.of_an_alarm:
                    self._window_over()
                return
            state, until = self.store.occurrence_state(occurrence.key)
            if state == "snoozed":
                if until and now < until:
                    if self.current != Showing(Mode.SNOOZE, occurrence.key):
                        self.current = Showing(Mode.SNOOZE, occurrence.key, occurrence.alarm.kind)
                        self.player.play(Program(Dark(self.pixels, 1.0), label="snoozed"))
                    return
                self.store.set_occurrence_state(occurrence.key, "started")
                state = "started"
            if state not in _LIVE_STATES:
                return
            if self.current != Showing(Mode.ALARM, occurrence.key) or resync:
                self._start(occurrence, now)

    def _window_over(self) -> None:
        """The alarm showing has reached the end of its window: it is done for the day. A wake
        light in its closing fade plays it out (and ends by itself); anything else goes dark now."""
        self.store.end_occurrence(self.current.key, "done")
        position_s = self.player.position_s()
        fading = position_s is not None and position_s >= self._fade_from_s - FADE_SLACK_S
        if self.current.mode is Mode.ALARM and fading:
            return
        self.log.info("alarm window over: light off")
        self._show_idle()

    def _active(self, now: dt.datetime) -> Occurrence | None:
        """The occurrence to show now: wake alarms before bedtimes, then the one started last."""
        active = [o for alarm in self.store.alarms() if alarm.enabled
                  for o in [active_at(alarm, self.place.zone, self.place.location, now)] if o is not None]
        live = [o for o in active if self.store.occurrence_state(o.key)[0] in (*_LIVE_STATES, "snoozed")]
        if not live:
            return None
        return max(live, key=lambda o: (o.alarm.kind == "wake", o.start))

    def _start(self, occurrence: Occurrence, now: dt.datetime) -> None:
        alarm = occurrence.alarm
        renderer = Renderer(self.sequence(alarm.sequence, alarm.kind), alarm.rise_s, self.pixels)
        self._fade_from_s = alarm.rise_s + alarm.hold_s if alarm.kind == "wake" else float("inf")
        frames = renderer.frames()  # the light's thread draws in memory of its own
        source = FadeOut(frames, self._fade_from_s, DEFAULT_FADE_S) if alarm.kind == "wake" else frames
        from_s = max(0.0, occurrence.offset_s(now))
        # Remember before lighting up: a crash from here on resumes, never restarts.
        self.store.set_occurrence_state(occurrence.key, "started")
        self.current = Showing(Mode.ALARM, occurrence.key, alarm.kind)
        verb = "starts" if from_s < 1.0 else f"resumes {from_s:.0f}s in"
        self.log.info("%s %d (%s) %s: %s", alarm.kind, alarm.id, alarm.label or alarm.describe_time(), verb,
                      renderer.sequence.name)
        self.player.play(Program(source, from_s, label=f"{alarm.kind} {alarm.id}",
                                 on_end=lambda key=occurrence.key: self._ended(key)))

    def _ended(self, key: tuple[int, str]) -> None:
        with self._lock:
            self.store.end_occurrence(key, "done")
            if self.current == Showing(Mode.ALARM, key):
                self.current = IDLE
                self.log.info("alarm %d of %s done", *key)
                self._show_idle()

    def night_light_on(self) -> bool:
        return self.store.meta("light_on") == "1"

    def night_light_level(self) -> float:
        """0-1 of the night light sequence's own level (1 until one is chosen)."""
        return float(self.store.meta("light_level") or 1.0)

    def night_light_kelvin(self) -> int:
        """The night light's colour temperature in K: the one chosen, or until one is, the nearest
        to its sequence's own colour (held to NIGHT_LIGHT_KELVIN). That is worked out when the
        night light goes on (it reads and renders the sequence's file), not at every status."""
        chosen = self.store.meta("light_kelvin")
        if chosen:
            return round(float(chosen))
        if self._night_light_own_kelvin is None:
            self._night_light_own_kelvin = self._own_kelvin(self.sequence(NIGHT_LIGHT, "ambient"))
        return self._night_light_own_kelvin

    def _own_kelvin(self, night_light) -> int:
        lit = Renderer(night_light, None, self.pixels).frames().frame(0.0).sum(axis=0)
        kelvin = correlated_colour_temperature(lit)
        low, high = NIGHT_LIGHT_KELVIN
        return low if kelvin != kelvin else round(min(max(kelvin, low), high))  # nan: a dark night light

    def _show_idle(self) -> None:
        if self.night_light_on():
            self.current = Showing(Mode.LIGHT)
            night_light = self.sequence(NIGHT_LIGHT, "ambient")  # the file as it is now
            self._night_light_own_kelvin = self._own_kelvin(night_light)
            source = Renderer(night_light, None, self.pixels).frames()
            kelvin = self.store.meta("light_kelvin")
            if kelvin:
                source = AtColourTemperature(source, float(kelvin))
            self.player.play(Program(Scaled(source, self.night_light_level()), 0.0, until_s=float("inf"),
                                     label="night light"))
        else:
            self.current = IDLE
            self.player.stop()

    def sequence(self, name: str, kind: str):
        """The sequence called `name`, or (broken or missing, said in the log) the built-in for `kind`."""
        try:
            return find(name, self.sequence_dirs)
        except SequenceLoadError as error:
            fallback = name if kind == "cue" else FALLBACK_SEQUENCE.get(kind, NIGHT_LIGHT)  # a cue: the built-in
            self.log.error("sequence %s cannot be used (%s); playing %s instead",
                           name, error.problems[0], fallback)
            return find(fallback, ())

    # Controls

    def _current_occurrence(self) -> Occurrence | None:
        if not self.current.of_an_alarm:
            return None
        return self._active(self.clock.now())

    def snooze(self, minutes: float = 9.0) -> str:
        """Dim an alarm that is on, and bring it back (at full wake light) after `minutes`."""
        with self._lock:
            occurrence = self._current_occurrence()
            if occurrence is None or self.current.mode is not Mode.ALARM:
                return "no alarm is on"
            until = self.clock.now() + dt.timedelta(minutes=minutes)
            self.store.set_occurrence_state(occurrence.key, "snoozed", until)
            self._fade_current(SNOOZE_FADE_S)
            self.current = Showing(Mode.SNOOZE, occurrence.key, occurrence.alarm.kind)
            return f"snoozed until {until.astimezone(self.place.zone):%H:%M}"

    def dismiss(self) -> str:
        """Fade an alarm out now; it does not come back today."""
        with self._lock:
            occurrence = self._current_occurrence()
            if occurrence is None:
                return "no alarm is on"
            self.store.end_occurrence(occurrence.key, "dismissed")
            self._fade_current(DISMISS_FADE_S)
            self.current = IDLE
            return "dismissed"

    def stop(self, fade_s: float = 0.0) -> str:
        """Dark now, or after a fade of fade_s, whatever is on (an alarm counts as dismissed)."""
        with self._lock:
            occurrence = self._current_occurrence()
            if occurrence is not None:
                self.store.end_occurrence(occurrence.key, "dismissed")
            self.current = IDLE
            if fade_s > 0:
                self._fade_current(fade_s)
            else:
                self.player.stop()
            return "stopped"

    def light(self, on: bool, level: float | None = None, kelvin: float | None = None) -> str:
        """The night light on or off; `level` 0-1 scales the night light sequence's own level;
        `kelvin` (NIGHT_LIGHT_KELVIN) shows it in that colour temperature from now on, each LED as
        bright as before. Either left out: as last chosen."""
        if level is not None and not 0.0 < level <= 1.0:
            raise ValueError(f"night light level {level:g} is outside 0-1 (0 excluded: turn it off instead)")
        low, high = NIGHT_LIGHT_KELVIN
        if kelvin is not None and not low <= kelvin <= high:
            raise ValueError(f"night light colour temperature {kelvin:g} K is outside {low}-{high} K")
        with self._lock:
            self.store.set_meta("light_on", "1" if on else "0")
            if level is not None:
                self.store.set_meta("light_level", repr(float(level)))
            if kelvin is not None:
                self.store.set_meta("light_kelvin", repr(float(kelvin)))
            if self.current.mode in (Mode.IDLE, Mode.LIGHT):
                self._show_idle()
            return "night light on" if on else "night light off"

    def show_briefly(self, source, label: str) -> bool:
        """Show a short acknowledgement (a FrameSource) if nothing but idle or the night light is
        on, then go back to that; False (nothing shown) while anything else plays."""
        with self._lock:
            if self.current.mode not in (Mode.IDLE, Mode.LIGHT):
                return False
            self.player.play(Program(source, label=label, on_end=self._brief_ended))
            return True

    def _brief_ended(self) -> None:
        with self._lock:
            if self.current.mode in (Mode.IDLE, Mode.LIGHT):
                self._show_idle()

    def play(self, name: str, duration_s: float | None = None) -> str:
        """Play a sequence now (until an alarm needs the ring)."""
        with self._lock:
            renderer = Renderer(find(name, self.sequence_dirs), duration_s, self.pixels)
            self.current = Showing(Mode.MANUAL, label=renderer.sequence.name)
            self.player.play(Program(renderer.frames(), label=renderer.sequence.name, on_end=self._manual_ended))
            return f"playing {renderer.sequence.name}"

    def _manual_ended(self) -> None:
        with self._lock:
            if self.current.mode is Mode.MANUAL:
                self._show_idle()

    def _fade_current(self, fade_s: float) -> None:
        program, at_s = self.player.program, self.player.position_s()
        if program is None or at_s is None:
            self.player.stop()
            return
        self.player.play(Program(FadeOut(program.source, at_s, fade_s, keep_moving=False), at_s, label="fade"))

    # For the timers and the API

    def due_times(self, horizon: dt.timedelta = dt.timedelta(hours=36)) -> list[dt.datetime]:
        """Instants in the next `horizon` at which tick() must run: occurrence starts and ends,
        snooze ends (every enabled alarm's, however many there are)."""
        now = self.clock.now()
        times = set()
        for alarm in self.store.alarms():
            if not alarm.enabled:
                continue
            for occurrence in occurrences_between(alarm, self.place.zone, self.place.location, now, now + horizon):
                times.update(t for t in (occurrence.start, occurrence.end) if now < t <= now + horizon)
                state, until = self.store.occurrence_state(occurrence.key)
                if state == "snoozed" and until and now < until:
                    times.add(until)
        return sorted(times)

    def status(self) -> dict:
        with self._lock:
            state = self.player.state
            now = self.clock.now()
            return {"mode": self.current.mode.value, "playing": state.label,
                    "clock_trusted": self.clock_trusted(), "now": now.astimezone(self.place.zone).isoformat(),
                    "night_light": self.night_light_on(), "night_light_kelvin": self.night_light_kelvin()}
