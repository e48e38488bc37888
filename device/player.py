"""The light's own thread: plays one program at a time on the ring, and sleeps dark in between.

Whoever decides what to show (the CLI, the scheduler, the API) hands the player a Program; the
player's thread runs the frame loop on it. With nothing to show it blanks the ring once and
blocks on a condition: no polling, no CPU.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

from device.clock import Clock
from device.frame_loop import FrameLoop, FrameSource, PlayStats

_IDLE = "idle"
_PLAYING = "playing"


@dataclass(frozen=True)
class Program:
    """Something to play: `source` from sequence time from_s to until_s (default: its end).

    `label` says what it is in logs and the API; `on_end` is called when it ends by itself
    (not when replaced or stopped).
    """

    source: FrameSource
    from_s: float = 0.0
    until_s: float | None = None
    label: str = ""
    on_end: Callable[[], None] | None = field(default=None, compare=False)


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
        self.last_stats: PlayStats | None = None
        self._thread = threading.Thread(target=self._run, name="emberwake-light", daemon=True)

    @property
    def clock(self) -> Clock:
        """The clock the light runs on (its frame loop's)."""
        return self.loop.clock

    def position_s(self) -> float | None:
        """Where the program playing now has got to, in sequence seconds; None when idle."""
        state = self._state
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
    def alive(self) -> bool:
        """True while the light's thread runs (the service's watchdog asks)."""
        return self._thread.is_alive()

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
            stats = self.loop.play(program.source, self._interrupt, program.from_s, program.until_s)
            self.last_stats = stats
            ended_by_itself = not self._interrupt.is_set()
            if ended_by_itself and program.on_end is not None:
                program.on_end()
        self.loop.blank()
        with self._lock:
            self._state = PlayerState(_IDLE)
            self._lock.notify_all()
