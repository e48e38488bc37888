"""A preview: one sequence played on a virtual ring by the real frame loop and pipeline, on a
simulated clock that can run fast, pause, and jump, and that picks up edits to the sequence's file.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

import numpy as np

from device.config import Config
from device.frame_loop import MAX_FPS, FrameLoop
from device.player import Player, Program
from device.pipeline import Pipeline
from sequences.engine import Renderer
from sequences.loader import SequenceLoadError
from sequences.timeline import TimelineStrip, timeline_strip
from sim.clock import PREVIEW_DAY, SimClock
from sim.rings import LedAppearance, VirtualRing
from sim.status import PAUSE, SEEK, SPEED, Status, clock_text

# The frame loop runs at the configured rate on the simulated clock, but fast-forwarding would
# need hundreds of thousands of frames a real second; past this many it steps the simulated
# LEDs less often instead (each frame still a real, dithered frame of the pipeline).
MAX_REAL_FRAMES_PER_S = 400.0
RELOAD_CHECK_S = 0.3
WAKE_TIME = (7, 0)  # a wake sequence previews as if it ends at 07:00; others start at 22:00
EVENING_TIME = (22, 0)


def loop_fps(config_fps: float, speed_x: float) -> float:
    """Frames per simulated second for a frame loop on a clock running speed_x times real time."""
    return min(max(min(config_fps, MAX_REAL_FRAMES_PER_S / speed_x), 1.0), MAX_FPS)


def one_line(error: SequenceLoadError) -> str:
    """The first problem of a load error, and how many more there are."""
    problems = [str(p) for p in error.problems] or [str(error)]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0] + more


class SequenceWatcher:
    """Notices when a sequence file changes and loads it again."""

    def __init__(self, path: Path, load: Callable[[], Renderer]):
        self.path = path
        self.load = load
        self._seen = self._signature()

    def _signature(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def check(self) -> Renderer | SequenceLoadError | None:
        """A new renderer if the file changed and loads, its error if it changed and does not, else None."""
        signature = self._signature()
        if signature == self._seen or signature is None:
            return None
        self._seen = signature
        try:
            return self.load()
        except SequenceLoadError as error:
            return error


class PreviewSession:
    """Plays `renderer` on `ring` through the firmware's own Player (the light's thread and frame
    loop) on a SimClock; all methods are thread-safe."""

    controls = frozenset({PAUSE, SEEK, SPEED})

    def __init__(self, renderer: Renderer, config: Config, speed_x: float = 1.0, ring: VirtualRing | None = None,
                 watcher: SequenceWatcher | None = None):
        self.config = config
        self.ring = ring or VirtualRing.for_config(config)
        self.appearance = LedAppearance(config.output, self.ring.channels)
        self.pipeline = Pipeline(config.output, self.ring.pixel_count, self.ring.channels)
        self.clock = SimClock(speed_x, PREVIEW_DAY)
        self.player = Player(FrameLoop(self.ring, self.pipeline, self.clock, config.fps))
        self.watcher = watcher
        self.notice = ""
        self._renderer = renderer
        self._strip: TimelineStrip | None = None
        self._lock = threading.Lock()  # the renderer and the end-held flag change together
        self._at_end = False
        self._next_check_s = 0.0

    def start(self) -> "PreviewSession":
        self.player.start()
        self._play_from(0.0)
        return self

    @property
    def renderer(self) -> Renderer:
        return self._renderer

    def position_s(self) -> float:
        """Where the sequence clock is now, 0 to the duration."""
        position_s = self.player.position_s()
        return min(max(position_s or 0.0, 0.0), self._renderer.duration_s)

    def _play_from(self, t_s: float) -> None:
        with self._lock:
            renderer = self._renderer
            self._at_end = False
            self.player.play(Program(renderer.frames(), min(max(t_s, 0.0), renderer.duration_s), label=renderer.sequence.name,
                                     on_end=lambda: self._hold_end(renderer),
                                     fps=loop_fps(self.config.fps, self.clock.speed_x)))

    def _hold_end(self, renderer: Renderer) -> None:
        """The end: hold the last frame, as the LEDs would, with the clock stopped there."""
        with self._lock:
            if renderer is not self._renderer:
                return
            self.clock.pause()
            self._at_end = True
            # On a paused clock this shows the last frame once and then sleeps: no CPU.
            self.player.play(Program(renderer.frames(), renderer.duration_s, float("inf"), renderer.sequence.name))

    def seek(self, t_s: float) -> None:
        """Jump to t_s on the sequence clock; while paused, the ring shows that moment at once."""
        self._play_from(t_s)

    def toggle_pause(self) -> None:
        if self._at_end:
            self._play_from(0.0)
            self.clock.resume()
        elif self.clock.paused:
            self.clock.resume()
        else:
            self.clock.pause()

    def set_speed(self, speed_x: float) -> None:
        position_s = self.position_s()
        self.clock.set_speed(speed_x)
        self._play_from(position_s)  # so the frame loop's rate suits the new speed

    def replace(self, renderer: Renderer) -> None:
        """Play an edited sequence from the same place on the clock."""
        position_s = self.position_s()
        with self._lock:
            self._renderer = renderer
            self._strip = None
        self._play_from(position_s)

    def press_button(self) -> None:
        pass  # a preview has no alarms: no button

    def release_button(self) -> None:
        pass

    def poll(self) -> None:
        """Reload the file if it changed (called from the viewer's loop, a few times a second)."""
        now_s = time.monotonic()  # the viewer's real time: a paused preview still reloads
        if self.watcher is None or now_s < self._next_check_s:
            return
        self._next_check_s = now_s + RELOAD_CHECK_S
        result = self.watcher.check()
        if isinstance(result, SequenceLoadError):
            self.notice = f"{one_line(result)}; showing the last good version"
        elif result is not None:
            self.replace(result)
            self.notice = f"reloaded {self.watcher.path.name} at {clock_text(self.position_s())} into the sequence"

    def close(self) -> None:
        self.player.shutdown()  # ends the light's thread and closes the ring

    def wall_at(self, t_s: float) -> datetime:
        """The wall clock a preview shows: a wake sequence ends at 07:00, anything else starts at 22:00."""
        sequence = self._renderer.sequence
        midnight = PREVIEW_DAY.replace(tzinfo=None)
        if sequence.kind == "wake":
            start = midnight + timedelta(hours=WAKE_TIME[0], minutes=WAKE_TIME[1], seconds=-self._renderer.duration_s)
        else:
            start = midnight + timedelta(hours=EVENING_TIME[0], minutes=EVENING_TIME[1])
        return start + timedelta(seconds=t_s)

    def status(self) -> Status:
        renderer = self._renderer
        t_s = self.position_s()
        phase = renderer.phase_at(t_s)
        return Status(renderer.sequence.title, phase.name, phase.caption, t_s, renderer.duration_s, self.wall_at(t_s),
                      self.clock.speed_x, self.clock.paused, self.notice)

    def ideal_codes(self) -> np.ndarray:
        """The light now as float codes before quantising and dithering (the pipeline's ideal)."""
        # In fresh memory: the frame loop's thread draws this renderer at the same time, in its own.
        return self.pipeline.codes(self._renderer.frame(self.position_s()))

    def timeline(self) -> TimelineStrip:
        if self._strip is None:
            self._strip = timeline_strip(self._renderer, self.config.output.brightness)
        return self._strip
