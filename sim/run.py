"""`emberwake run --sim`: the firmware's light on a virtual ring, on an accelerated clock.

The same Player, FrameLoop and Pipeline as on the Pi drive a VirtualRing; a SimClock gives them
simulated time, and a viewer shows the ring with the simulated wall clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Callable, Sequence

import numpy as np

from device.button import Button
from device.config import Config
from device.frame_loop import FrameLoop
from device.pipeline import Pipeline
from device.player import Player, Program
from sequences.engine import Frames, Renderer
from sequences.timeline import TimelineStrip, timeline_strip
from sim.clock import SimClock
from sim.rings import LedAppearance, VirtualRing
from sim.session import loop_fps
from sim.status import BUTTON, PAUSE, Status
from sim.viewers import run_viewer

IDLE_CAPTION = "The ring is dark; nothing is playing."


@dataclass
class SimRuntime:
    """The running simulated device, as handed to services.

    clock: the simulated time every part must use (a device.clock.Clock); player: the light's thread;
    stopping: set when the simulator ends.
    """

    config: Config
    clock: SimClock
    ring: VirtualRing
    player: Player
    stopping: threading.Event
    button: "Button | None" = None  # the service's button logic, which the viewers press (set by the service)

    def play(self, renderer: Renderer, label: str = "", from_s: float = 0.0,
             on_end: Callable[[], None] | None = None) -> None:
        """Play a sequence now, replacing whatever plays."""
        self.player.play(Program(renderer.frames(), from_s, label=label or renderer.sequence.name, on_end=on_end))

    def stop(self) -> None:
        self.player.stop()


def _renderer_of(source) -> Renderer | None:
    """The Renderer inside a frame source (a fade wraps one in `.source`), or None (a snooze)."""
    while source is not None and not isinstance(source, (Renderer, Frames)):
        source = getattr(source, "source", None)
    return source.renderer if isinstance(source, Frames) else source


class RunSource:
    """What the viewer shows of a SimRuntime."""

    def __init__(self, runtime: SimRuntime):
        self.runtime = runtime
        self.controls = frozenset({PAUSE, BUTTON} if runtime.button is not None else {PAUSE})
        self.ring = runtime.ring
        self.appearance = LedAppearance(runtime.config.output, runtime.ring.channels)
        self._pipeline = Pipeline(runtime.config.output, runtime.ring.pixel_count, runtime.ring.channels)
        self._strip: tuple[Renderer, TimelineStrip] | None = None

    def _playing(self) -> tuple[Renderer, float] | None:
        """The sequence the player is showing (whoever started it) and how far in it is."""
        player = self.runtime.player
        program, position_s = player.program, player.position_s()
        renderer = _renderer_of(program.source) if program is not None else None
        if position_s is None or renderer is None:
            return None
        return renderer, min(max(position_s, 0.0), renderer.duration_s)

    def status(self) -> Status:
        clock = self.runtime.clock
        playing = self._playing()
        wall = clock.now().astimezone(self.runtime.config.zone)
        if playing is None:
            return Status("Emberwake (simulated)", "idle", IDLE_CAPTION, wall=wall, speed_x=clock.speed_x,
                          paused=clock.paused)
        renderer, t_s = playing
        phase = renderer.phase_at(t_s)
        return Status(renderer.sequence.title, phase.name, phase.caption, t_s, renderer.duration_s, wall,
                      clock.speed_x, clock.paused)

    def ideal_codes(self) -> np.ndarray:
        playing = self._playing()
        if playing is None:
            return np.zeros((self.ring.pixel_count, self.ring.channels))
        # In fresh memory: the light's thread draws this renderer at the same time, in its own.
        return self._pipeline.codes(playing[0].frame(playing[1]))

    def timeline(self) -> TimelineStrip | None:
        playing = self._playing()
        if playing is None:
            return None
        if self._strip is None or self._strip[0] is not playing[0]:
            self._strip = (playing[0], timeline_strip(playing[0], self.runtime.config.output.brightness))
        return self._strip[1]

    def poll(self) -> None:
        pass

    def toggle_pause(self) -> None:
        clock = self.runtime.clock
        clock.resume() if clock.paused else clock.pause()

    def set_speed(self, speed_x: float) -> None:
        pass

    def seek(self, t_s: float) -> None:
        pass

    def press_button(self) -> None:
        if self.runtime.button is not None:
            self.runtime.button.press()

    def release_button(self) -> None:
        if self.runtime.button is not None:
            self.runtime.button.release()


Service = Callable[[SimRuntime], "Callable[[], None] | None"]


def run_sim(config: Config, clock_speed_x: float, clock_start: datetime, *,
            play: Renderer | None = None, services: Sequence[Service] = (), prefer_window: bool = True,
            stopping: threading.Event | None = None, notices: IO[str] | None = None,
            out: IO[str] | None = None) -> None:
    """Run the light on a virtual ring with simulated time, until `stopping` is set or the viewer
    is closed. Blocks; call it from the main thread (the window's Tk lives there).

    clock_speed_x: simulated seconds per real second; clock_start: the simulated wall clock's
    start (aware); play: a sequence to start at once (then the ring goes dark again).

    The seam for the service (alarms, scheduler, API): each of `services` is called with the
    SimRuntime once the light is running, and may return a function to call at shutdown. A
    service must take all time from runtime.clock (a device.clock.Clock) so that it runs
    at the simulated speed, start light with runtime.play(...) (or runtime.player), and run its
    own work in its own threads; when `stopping` is set, everything is shut down in reverse order.
    """
    stopping = stopping or threading.Event()
    clock = SimClock(clock_speed_x, clock_start)
    ring = VirtualRing.for_config(config)
    pipeline = Pipeline(config.output, ring.pixel_count, ring.channels)
    player = Player(FrameLoop(ring, pipeline, clock, loop_fps(config.fps, clock_speed_x))).start()
    runtime = SimRuntime(config, clock, ring, player, stopping)
    shutdowns: list[Callable[[], None]] = []
    try:
        if play is not None:
            runtime.play(play)
        for service in services:
            shutdown = service(runtime)
            if shutdown is not None:
                shutdowns.append(shutdown)
        run_viewer(RunSource(runtime), stopping, prefer_window, notices, out)
    finally:
        stopping.set()
        for shutdown in reversed(shutdowns):
            shutdown()
        clock.resume()  # a paused clock would hold the player's last sleep
        player.shutdown()
