"""The bedside button: one push button, read in the dark by someone half asleep.

Edges come in (gpiozero's callbacks on a Pi, the simulator's window or space bar on a desktop),
each stamped with the Clock's monotonic time; `GestureReader` turns them into gestures (a press,
a double press, a 2-second hold, a 5-second hold) with the configured timings; the button's thread
acts on each through the Controls, by what the ring is showing:

| showing             | press                     | double press    | hold 2 s      | hold 5 s             |
| ------------------- | ------------------------- | --------------- | ------------- | -------------------- |
| a wake alarm        | snooze                    | snooze          | dismiss       |                      |
| a dusk or sequence  | stop, with a short fade   | stop            | stop          |                      |
| idle or night light | night light on/off (off: the next wake shown) | the breathe wind-down | | skip the next alarm, or undo the skip |

But while a phone waits to be paired by the button (the phone page asked, with a code from
`emberwake web pair` open: device/web/pairing.py), a hold (2 s, or 5 s) only lets that phone
in, whatever the ring shows; the next hold is the button's own again.

Thread: `emberwake-button` sleeps on the Clock until an edge comes or a gesture falls due; it
takes `_lock` only to move edges and flags, never while it calls the Controls.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections import deque
from dataclasses import dataclass
from enum import Enum

from device.clock import Clock
from device.controller import Mode
from device.controls import WIND_DOWN, Controls

STOP_FADE_S = 3.0  # a press stops a dusk sequence with a fade this long
IDLE_WAIT_S = 3600.0  # with nothing due, the button's thread looks again this seldom (an edge wakes it)


class Gesture(Enum):
    PRESS = "press"
    DOUBLE_PRESS = "double press"
    HOLD = "hold"
    LONG_HOLD = "long hold"


@dataclass(frozen=True)
class ButtonTimings:
    """Seconds: a hold, a long hold, and the longest gap between the two presses of a double press."""

    hold_s: float = 2.0
    long_hold_s: float = 5.0
    double_press_s: float = 0.4


class GestureReader:
    """Edges in, gestures out, at times in seconds on one monotonic clock. Pure: no thread, no clock.

    A hold is reported when it reaches its time, while the button is still down; a press is
    reported once the double-press gap has passed without a second press."""

    def __init__(self, timings: ButtonTimings = ButtonTimings()):
        self.timings = timings
        self._down_at: float | None = None
        self._holds: set[Gesture] = set()  # the holds this press has reached
        self._second = False  # this press came within the gap after a short one
        self._released_at: float | None = None  # a short press waiting to see if a second comes

    def pressed(self, t_s: float) -> list[Gesture]:
        gestures = self.due(t_s)
        self._second = self._released_at is not None
        self._released_at = None
        self._down_at, self._holds = t_s, set()
        return gestures

    def released(self, t_s: float) -> list[Gesture]:
        if self._down_at is None:
            return []
        gestures = self.due(t_s)
        held = bool(self._holds)
        self._down_at = None
        if held:
            return gestures
        if self._second:
            self._second = False
            return [*gestures, Gesture.DOUBLE_PRESS]
        self._released_at = t_s
        return gestures

    def due(self, t_s: float) -> list[Gesture]:
        """Gestures that have fallen due by t_s."""
        gestures = []
        if self._down_at is not None:
            for gesture, after_s in ((Gesture.HOLD, self.timings.hold_s), (Gesture.LONG_HOLD, self.timings.long_hold_s)):
                if gesture not in self._holds and t_s - self._down_at >= after_s:
                    self._holds.add(gesture)
                    gestures.append(gesture)
        elif self._released_at is not None and t_s - self._released_at > self.timings.double_press_s:
            self._released_at = None
            gestures.append(Gesture.PRESS)
        return gestures

    def next_due_s(self) -> float | None:
        """When the next gesture may fall due without another edge; None: only an edge can bring one."""
        if self._down_at is not None:
            waits = [self._down_at + after_s for gesture, after_s in
                     ((Gesture.HOLD, self.timings.hold_s), (Gesture.LONG_HOLD, self.timings.long_hold_s))
                     if gesture not in self._holds]
            return min(waits) if waits else None
        if self._released_at is not None:
            return self._released_at + self.timings.double_press_s + 1e-6
        return None


class Button:
    """One button's gestures acted on through the Controls, on the Clock, in its own thread.
    press() and release() may be called from any thread (gpiozero's, the simulator's)."""

    def __init__(self, controls: Controls, clock: Clock, timings: ButtonTimings = ButtonTimings(),
                 log: logging.Logger | None = None):
        self.controls = controls
        self.clock = clock
        self.reader = GestureReader(timings)
        self.log = log or logging.getLogger("emberwake")
        self._lock = threading.Condition()
        self._edges: deque[tuple[bool, float]] = deque()
        self._stopping = False
        self._asleep = False
        self._sleep_until_s = 0.0
        self._acted = False  # this press has done something already: its later holds do nothing
        self._thread = threading.Thread(target=self._run, name="emberwake-button", daemon=True)

    def start(self) -> "Button":
        self._thread.start()
        return self

    def retime(self, timings: ButtonTimings) -> None:
        """Read gestures with new timings from now on (settings changed while running)."""
        self.reader.timings = timings  # one attribute, swapped whole: the button's thread sees old or new
        self.clock.wake()  # what is due next may have moved

    def press(self) -> None:
        self._edge(True)

    def release(self) -> None:
        self._edge(False)

    def _edge(self, down: bool) -> None:
        with self._lock:
            self._edges.append((down, self.clock.monotonic()))
        self.clock.wake()

    def stop(self, timeout_s: float = 2.0) -> None:
        with self._lock:
            self._stopping = True
        self.clock.wake()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)

    def wait_caught_up(self, timeout_s: float = 5.0) -> bool:
        """Block until every edge so far and every gesture due by the clock's time now has been
        acted on, and the thread sleeps (tests move a ManualClock, then wait on this)."""
        with self._lock:
            return self._lock.wait_for(lambda: self._asleep and not self._edges
                                       and self.clock.monotonic() < self._sleep_until_s, timeout_s)

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                self._asleep = False
                edges, self._edges = list(self._edges), deque()
            for down, t_s in edges:
                if down:
                    self._act_all(self.reader.pressed(t_s))
                    self._acted = False
                else:
                    self._act_all(self.reader.released(t_s))
            now_s = self.clock.monotonic()
            self._act_all(self.reader.due(now_s))
            due_s = self.reader.next_due_s()
            with self._lock:
                self._sleep_until_s = now_s + IDLE_WAIT_S if due_s is None else due_s
                self._asleep = True
                self._lock.notify_all()
            # Counted from now_s: if the clock moved on while acting, the sleep is that much shorter.
            self.clock.sleep(max(0.0, self._sleep_until_s - self.clock.monotonic()),
                             until=lambda: bool(self._edges) or self._stopping)

    def _act_all(self, gestures: list[Gesture]) -> None:
        for gesture in gestures:
            if gesture in (Gesture.HOLD, Gesture.LONG_HOLD) and self._acted:
                continue
            try:
                acted = self.act(gesture)
            except Exception:  # noqa: BLE001 - a failing control must not kill the button
                self.log.exception("button %s failed", gesture.value)
                continue
            self._acted = self._acted or acted

    def act(self, gesture: Gesture) -> bool:
        """Do what `gesture` means now (the module docstring); True if it did something."""
        if gesture in (Gesture.HOLD, Gesture.LONG_HOLD) and self.controls.approve_pairing(by="button"):
            return True  # and nothing else: the later long hold of this press is skipped as acted on
        now = self.controls.now()
        if now.mode in (Mode.ALARM, Mode.SNOOZE) and now.kind == "wake":
            if gesture in (Gesture.PRESS, Gesture.DOUBLE_PRESS):
                self.controls.snooze(by="button")
                return True
            if gesture is Gesture.HOLD:
                self.controls.dismiss(by="button")
                return True
            return False
        if now.mode in (Mode.ALARM, Mode.SNOOZE, Mode.MANUAL):
            if gesture is Gesture.LONG_HOLD:
                return False
            self.controls.stop(by="button", fade_s=STOP_FADE_S)
            return True
        if gesture is Gesture.PRESS:
            self.controls.light(not now.night_light, by="button")
            if now.night_light:  # the light went off: show where the next wake time is, if any
                self.controls.show_next_wake()
            return True
        if gesture is Gesture.DOUBLE_PRESS:
            self.controls.play(WIND_DOWN, by="button")
            return True
        if gesture is Gesture.LONG_HOLD:
            self.controls.skip_next(by="button")
            self.controls.acknowledge_skip()
            return True
        return False


def attach_gpio_button(pin: int, button: Button, bounce_s: float, log: logging.Logger) -> object | None:
    """gpiozero's Button on GPIO `pin` (pulled up; the switch to ground), its edges fed to `button`.
    The pin factory is gpiozero's choice (GPIOZERO_PIN_FACTORY; lgpio on a Pi 5). Where there is
    no button (no GPIO on a desktop, the pin busy) this logs one line and returns None."""
    try:
        from gpiozero import Button as GpioButton
        with warnings.catch_warnings():  # gpiozero warns once per pin library it tries: one line says it all
            warnings.simplefilter("ignore")
            device = GpioButton(pin, pull_up=True, bounce_time=bounce_s or None)
    except Exception as error:  # noqa: BLE001 - any failure here means: no button, the light runs on
        log.warning("no button on GPIO%d (%s): the light runs without it", pin,
                    str(error).splitlines()[0] if str(error) else type(error).__name__)
        return None
    device.when_pressed = lambda *_: button.press()
    device.when_released = lambda *_: button.release()
    log.info("button on GPIO%d", pin)
    return device
