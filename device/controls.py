"""The controls: the one way anything outside changes what the light does.

The button, the CLI (through the JSON API), the JSON API itself, and later the web page and MQTT
all call these methods, so a snooze means the same thing from every door. Each action is logged
in one line with the door it came through (`by`: "button", "api", "cli", "web", "mqtt", "sim").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from device.book import AlarmBook
from device.controller import Controller, Mode
from device.occurrences import Occurrence
from device.programs import OneLed, clock_position
from device.web.pairing import Pairing
from sequences.engine import Frames, Renderer

DEFAULT_SNOOZE_MINUTES = 9.0
WIND_DOWN = "breathe"  # what a double press plays when idle
NEXT_WAKE_CUE, SKIP_CUE, PAIR_CUE = "ack-next-wake", "ack-skip", "ack-pair"


@dataclass(frozen=True)
class Now:
    """What the ring shows now, as the button and the status see it."""

    mode: Mode
    kind: str  # for an alarm: "wake" or "bedtime"; else ""
    night_light: bool


class Controls:
    """Snooze, dismiss, stop, night light, play now, skip next; what shows now and what comes next.

    replan: called after a change that moves the timers (the service's timers.rebuild);
    pairing: the phone page's (device/web/pairing.py), whose requests a hold of the button
    approves; None without the page."""

    def __init__(self, controller: Controller, book: AlarmBook, replan=lambda: None,
                 snooze_minutes: float = DEFAULT_SNOOZE_MINUTES, log: logging.Logger | None = None,
                 pairing: Pairing | None = None):
        self.controller = controller
        self.book = book
        self.replan = replan
        self.snooze_minutes = snooze_minutes
        self.log = log or logging.getLogger("emberwake")
        self.pairing = pairing

    def _done(self, action: str, by: str, answer: str) -> str:
        self.log.info("%s by %s: %s", action, by, answer)
        return answer

    # What shows, what comes

    def now(self) -> Now:
        showing = self.controller.current
        return Now(showing.mode, showing.label if showing.of_an_alarm else "", self.controller.night_light_on())

    def next_wake(self) -> Occurrence | None:
        """The next wake alarm to come (skipped ones are not next)."""
        return self.book.next_one("wake")

    def status(self) -> dict:
        status = {"service": "emberwake", **self.controller.status()}
        coming = self.book.next_one()
        status["next"] = self.book.occurrence_json(coming) if coming else None
        return status

    # Actions

    def snooze(self, minutes: float | None = None, *, by: str) -> str:
        answer = self.controller.snooze(self.snooze_minutes if minutes is None else minutes)
        self.replan()
        return self._done("snooze", by, answer)

    def dismiss(self, *, by: str) -> str:
        answer = self.controller.dismiss()
        self.replan()
        return self._done("dismiss", by, answer)

    def stop(self, *, by: str, fade_s: float = 0.0) -> str:
        """Dark (after a fade of fade_s), whatever is on; an alarm counts as dismissed."""
        answer = self.controller.stop(fade_s)
        self.replan()
        return self._done("stop", by, answer)

    def light(self, on: bool, level: float | None = None, kelvin: float | None = None, *, by: str) -> str:
        """The night light on or off; level 0-1 of the night light sequence's own level (never more);
        kelvin: its colour temperature (device.controller.NIGHT_LIGHT_KELVIN). Left out: as last chosen.
        Raises ValueError for a level or kelvin out of range."""
        answer = self.controller.light(on, level, kelvin)
        if kelvin is not None:
            answer += f" at {kelvin:g} K"
        return self._done("night light", by, answer)

    def play(self, name: str, duration_s: float | None = None, *, by: str) -> str:
        return self._done("play", by, self.controller.play(name, duration_s))

    def skip_next(self, *, by: str) -> str:
        """Skip the next wake alarm, or give back the one skipped if the next is already skipped."""
        coming = self.book.upcoming(1, kind="wake")  # the very next, skipped or not
        if not coming:
            return self._done("skip", by, "no alarm to skip")
        occurrence = coming[0]
        if self.book.is_skipped(occurrence):
            self.book.unskip(occurrence.alarm.id)
            answer = f"wake {occurrence.alarm.id} on again for {self._local(occurrence)}"
        else:
            self.book.skip(occurrence.alarm.id)
            answer = f"wake {occurrence.alarm.id} skipped for {self._local(occurrence)}"
        return self._done("skip", by, answer)

    def approve_pairing(self, *, by: str) -> bool:
        """Let in the phone waiting to be paired by the button (device/web/pairing.py), if one
        waits; False (nothing done) if none does."""
        if self.pairing is None or not self.pairing.approve_waiting():
            return False
        self._done("pairing", by, "the phone waiting was let in")
        return True

    # Answers on the ring (cues: short sequences users can read and change)

    def show_next_wake(self) -> bool:
        """One faint LED at the next wake time's place on a clock face (the ack-next-wake cue);
        False (the ring stays dark) when no alarm is set."""
        coming = self.next_wake()
        if coming is None:
            return False
        at = coming.at.astimezone(self.controller.place.zone)
        pixels = self.controller.pixels
        return self.controller.show_briefly(OneLed(self._cue(NEXT_WAKE_CUE),
                                                   clock_position(at.hour, at.minute, pixels)), NEXT_WAKE_CUE)

    def acknowledge_skip(self) -> bool:
        """A short sweep (the ack-skip cue): the skip, or its undoing, was heard."""
        return self.controller.show_briefly(self._cue(SKIP_CUE), SKIP_CUE)

    def cue_pairing(self) -> bool:
        """Two slow dim pulses (the ack-pair cue): a phone waits for a hold of the button."""
        return self.controller.show_briefly(self._cue(PAIR_CUE), PAIR_CUE)

    def _cue(self, name: str) -> Frames:
        """The frames of the cue sequence `name`, on the ring's pixels."""
        return Renderer(self.controller.sequence(name, "cue"), None, self.controller.pixels).frames()

    def _local(self, occurrence: Occurrence) -> str:
        return f"{occurrence.at.astimezone(self.controller.place.zone):%a %H:%M}"
