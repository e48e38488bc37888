"""The light's own thread: plays one program at a time on the ring, and sleeps dark in between.

Whoever decides what to show (the CLI, the scheduler, the API) hands the player a Program; the
player's thread runs the frame loop on it. With nothing to show it blanks the ring once and
blocks on a condition: no polling, no CPU.
"""

from __future__ import annotations

import threading
import logging
from dataclasses import dataclass, field, replace
from typing import Callable

from device.clock import Clock
from device.frame_loop import FrameLoop, FrameSource, PlayStats

OUTPUT_RETRY_S = 1.0  # after the LEDs refuse a frame, try again this much later
MAX_SILENCE_S = 5.0  # playing, but no frame out for this long: not healthy
_IDLE = "idle"
_PLAYING = "playing"


@dataclass(frozen=True)
class Program:
    """Something to play: `source` from sequence time from_s to until_s (default: its end).

    `label` says what it is in logs and the API; `on_end` is called when it ends by itself
    (not when replaced or stopped); `fps`: frames a second of the clock's time, when not the
    loop's own rate (the simulator steps a fast clock's LEDs less often).
    """

    source: FrameSource
    from_s: float = 0.0
    until_s: float | None = None
    label: str = ""
    on_end: Callable[[], None] | None = field(default=None, compare=False)
    fps: float | None = None


@dataclass(frozen=True)
class PlayerState:
    """What the player is doing, for status displays."""

    mode: str  # "idle" or "playing"
    label: str = ""
    started_at: float = 0.0  # monotonic time the program started
    from_s: float = 0.0


class Player:
    """Owns the frame loop's thread. Thread-safe: call play/stop/shutdown from anywhere."""

    def __init__(self, loop: FrameLoop):
        self.loop = loop
        self._lock = threading.Condition()
        self._pending: Program | None = None
        self._interrupt = threading.Event()
        self._closing = False
        self._state = PlayerState(_IDLE)
        self._program: Program | None = None
        self._failing = False  # the LEDs refused the last frame: said once, retrying
        self.log = logging.getLogger("emberwake")
        self.last_stats: PlayStats | None = None
        self._thread = threading.Thread(target=self._run, name="emberwake-light", daemon=True)

    @property
    def clock(self) -> Clock:
        """The clock the light runs on (its frame loop's)."""
        return self.loop.clock

    def position_s(self) -> float | None:
        """Where the program playing now has got to, in sequence seconds (a program handed over
        but not started yet: where it will start); None when idle."""
        with self._lock:
            pending, state = self._pending, self._state
        if pending is not None:
            return pending.from_s
        if state.mode != _PLAYING:
            return None
        return state.from_s + self.clock.monotonic() - state.started_at

    def start(self) -> "Player":
        self._thread.start()
        return self

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def program(self) -> Program | None:
        """The program playing now, or None when idle."""
        return self._program

    def play(self, program: Program) -> None:
        """Play `program` now, replacing whatever is playing (nothing, once shut down)."""
        self._hand_over(program)

    def stop(self) -> None:
        """Stop what is playing; the ring goes dark."""
        self._hand_over(None)

    def _hand_over(self, program: Program | None, closing: bool = False) -> None:
        with self._lock:
            if self._closing:
                return
            self._closing = closing
            self._pending = program
            self._interrupt.set()
            self._lock.notify_all()
        self.clock.wake()  # the frame loop may be asleep on the clock until its next frame

    def shutdown(self, timeout_s: float = 1.0) -> None:
        """Stop, blank the ring, close the output and end the thread. Bounded: the thread ends
        within a frame; if it is stuck (an output that blocks) it is left after `timeout_s`."""
        self._hand_over(None, closing=True)
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        else:
            self.loop.blank()
        self.loop.output.close()

    def healthy(self, silence_s: float = MAX_SILENCE_S) -> bool:
        """True while the light's thread runs and, when playing, frames really go out (one within
        `silence_s` on the clock). The service feeds systemd's watchdog only while this holds, so
        LEDs whose writes hang get the service restarted."""
        return self.trouble(silence_s) is None

    def trouble(self, silence_s: float = MAX_SILENCE_S) -> str | None:
        """Why the light is not healthy (see healthy()), in one line; None while it is."""
        if not self._thread.is_alive():
            return "the light's thread has died"
        silent_s = self.clock.monotonic() - self.loop.last_shown_s
        if self._state.mode == _PLAYING and silent_s >= silence_s:
            return f"no frame has gone out to the LEDs for {silent_s:.0f} s"
        return None

    def _recovered(self) -> None:
        self._failing = False
        self.log.warning("the LEDs take frames again")

    def _retry_after(self, error: Exception, program: Program) -> None:
        """Say once that the LEDs refuse frames; then, after OUTPUT_RETRY_S on the clock, play on
        from where the program would be by then (unless something else was asked for meanwhile)."""
        if not self._failing:
            self._failing = True
            self.log.error("the LEDs did not take a frame (%s); trying again every %g s",
                           str(error).splitlines()[0] if str(error) else type(error).__name__, OUTPUT_RETRY_S)
        self.clock.sleep(OUTPUT_RETRY_S, until=self._interrupt.is_set)
        with self._lock:
            if self._pending is None and not self._closing and not self._interrupt.is_set():
                state = self._state
                self._pending = replace(program, from_s=state.from_s + self.clock.monotonic() - state.started_at)

    def wait_for(self, condition: Callable[[PlayerState], bool], timeout_s: float = 5.0) -> bool:
        """Block until `condition(state)` holds with nothing pending (tests, and anyone who must know
        the light has taken a program); False on timeout or shutdown."""
        with self._lock:
            return self._lock.wait_for(lambda: self._closing or (self._pending is None and condition(self._state)),
                                       timeout_s) and not self._closing

    def _run(self) -> None:
        blanked = False
        while True:
            with self._lock:
                while self._pending is None and not self._closing:
                    if not blanked:
                        self._program = None
                        self.loop.blank()
                        blanked = True
                        self._state = PlayerState(_IDLE)
                        self._lock.notify_all()
                    self._lock.wait()
                if self._closing:
                    break
                program, self._pending = self._pending, None
                self._program = program
                self._interrupt.clear()
                self._state = PlayerState(_PLAYING, program.label, self.clock.monotonic(), program.from_s)
                self._lock.notify_all()
            blanked = False
            try:
                stats = self.loop.play(program.source, self._interrupt, program.from_s, program.until_s,
                                       fps=program.fps, on_first_frame=self._recovered if self._failing else None)
            except Exception as error:  # noqa: BLE001 - the LEDs refused a frame (an SPI error, say)
                self._retry_after(error, program)
                continue
            self.last_stats = stats
            ended_by_itself = not self._interrupt.is_set()
            if ended_by_itself and program.on_end is not None:
                program.on_end()
        try:
            self.loop.blank()
        except Exception:  # noqa: BLE001 - closing with LEDs that refuse: nothing more to do
            self.log.error("the LEDs did not take the last, dark frame")
        with self._lock:
            self._state = PlayerState(_IDLE)
            self._lock.notify_all()
