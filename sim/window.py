"""The simulator's window (Tk): the ring glowing through its diffuser, the phase and its caption,
the sequence clock and the simulated wall clock, play/pause, a timeline to scrub and the speed.

It redraws at REDRAW_FPS from Tk's own timer (no busy loop) and paints the average of the codes
the ring was shown since the last redraw, which is what an eye makes of dithered LEDs; a switch
shows the pipeline's ideal floats instead. It only repaints the ring when the light changed.
"""

from __future__ import annotations

import math
import threading
import time
import tkinter as tk

import numpy as np

from sequences.colour import srgb_codes
from sim.glow import BACKGROUND_LINEAR, RingPainter
from sim.status import BUTTON, SLIDER_MAX_X, SLIDER_MIN_X, PAUSE, SEEK, SPEED, Status, ViewSource, clock_text, speed_text

SPACE_REPEAT_MS = 40  # a release followed this soon by a press is the key repeating

REDRAW_FPS = 40.0
BG = "#%02x%02x%02x" % tuple(srgb_codes(np.array(BACKGROUND_LINEAR)))  # the ring picture's own background
PANEL = "#16161d"
FG = "#ece4d8"
DIM = "#8d877c"
ACCENT = "#f3b56b"
WARN = "#ff9a7a"
STRIP_H = 26


def ppm(picture: np.ndarray) -> bytes:
    """An sRGB uint8 picture (height, width, 3) as binary PPM, the format Tk reads fastest."""
    height, width = picture.shape[:2]
    return b"P6 %d %d 255 " % (width, height) + np.ascontiguousarray(picture).tobytes()


class WindowViewer:
    """The window on one ViewSource. `run()` blocks in Tk's main loop until the window is closed or
    `stopping` is set; closing the window sets `stopping`."""

    def __init__(self, root: tk.Tk, source: ViewSource, stopping: threading.Event, ring_px: int = 420):
        self.root = root
        self.source = source
        self.stopping = stopping
        self.painter = RingPainter(source.ring.pixel_count, ring_px)
        self.shown_linear: np.ndarray | None = None  # the LED colours of the last redraw, linear RGB
        self.show_ideal = tk.BooleanVar(root, value=False)
        self._status: Status | None = None
        self._strip_for = None
        self._texts: dict[str, str] = {}
        root.title("Emberwake simulator")
        root.configure(bg=BG)
        root.protocol("WM_DELETE_WINDOW", self.close)
        self._build(ring_px)
        self._space_release = None  # a space release waiting to see if it was the key's auto-repeat
        self._bind_keys()

    # -- layout -------------------------------------------------------------------------------

    def _label(self, parent: tk.Misc, font: tuple, fg: str = FG, **options) -> tk.Label:
        return tk.Label(parent, bg=BG, fg=fg, font=font, **options)

    def _build(self, ring_px: int) -> None:
        width_px = ring_px + 40
        self.title = self._label(self.root, ("Helvetica", 17, "bold"))
        self.title.pack(pady=(14, 0))
        self.ring_canvas = tk.Canvas(self.root, width=ring_px, height=ring_px, bg=BG, highlightthickness=0, bd=0)
        self.ring_canvas.pack(padx=20)
        self.photo = tk.PhotoImage(master=self.root, width=ring_px, height=ring_px)
        self.ring_canvas.create_image(0, 0, image=self.photo, anchor="nw")
        self.wall = self.ring_canvas.create_text(ring_px / 2, ring_px / 2 - 8, fill=FG, font=("Helvetica", 26))
        self.wall_caption = self.ring_canvas.create_text(ring_px / 2, ring_px / 2 + 20, fill=DIM,
                                                         font=("Helvetica", 10), text="simulated clock")
        self.phase = self._label(self.root, ("Helvetica", 14, "bold"), ACCENT)
        self.phase.pack()
        self.caption = self._label(self.root, ("Helvetica", 11, "italic"), DIM, wraplength=width_px - 40,
                                   justify="center", height=2)
        self.caption.pack(pady=(2, 8))
        self.timeline = tk.Canvas(self.root, width=width_px - 40, height=STRIP_H + 22, bg=BG, highlightthickness=0)
        self.timeline.pack()
        self.strip_photo = tk.PhotoImage(master=self.root, width=width_px - 40, height=STRIP_H)
        self.timeline.create_image(0, 0, image=self.strip_photo, anchor="nw")
        for event in ("<Button-1>", "<B1-Motion>"):
            self.timeline.bind(event, self._scrub)
        self.lstar_line = self.timeline.create_line(0, 0, 0, 0, fill="#ffffff", width=1, stipple="gray50")
        self.playhead = self.timeline.create_line(0, 0, 0, STRIP_H + 4, fill=FG, width=2)
        self.clock = self.timeline.create_text(0, STRIP_H + 12, anchor="w", fill=FG, font="TkFixedFont")
        self.total = self.timeline.create_text(width_px - 40, STRIP_H + 12, anchor="e", fill=DIM, font="TkFixedFont")
        self._build_controls(width_px)
        self.notice = self._label(self.root, ("Helvetica", 10), WARN, wraplength=width_px - 20)
        self.notice.pack(pady=(4, 10))

    def _build_controls(self, width_px: int) -> None:
        row = tk.Frame(self.root, bg=BG)
        row.pack(pady=(8, 0), fill="x", padx=20)
        button = dict(bg=PANEL, fg=FG, activebackground="#26262f", activeforeground=FG, relief="flat",
                      highlightthickness=0, bd=0, font=("Helvetica", 11), padx=10, pady=3)
        self.play_button = tk.Button(row, text="pause", width=6, command=self.source.toggle_pause, **button)
        self.speed_label = self._label(row, ("Helvetica", 11, "bold"), FG, width=6)
        self.speed = tk.Scale(row, from_=0.0, to=math.log10(SLIDER_MAX_X), resolution=0.005, orient="horizontal",
                              showvalue=False, bg="#77705f", troughcolor=PANEL, highlightthickness=0, bd=0,
                              sliderrelief="flat", activebackground=ACCENT, length=150, width=10,
                              sliderlength=16, command=self._speed_moved)
        self.ideal = tk.Checkbutton(row, text="ideal floats", variable=self.show_ideal, bg=BG, fg=DIM,
                                    selectcolor=PANEL, activebackground=BG, activeforeground=FG,
                                    highlightthickness=0, bd=0, font=("Helvetica", 10))
        controls = self.source.controls
        # The bedside button: press and hold it with the mouse, or with the space bar.
        self.bedside_button = tk.Button(row, text="\u25c9 button", width=8, **button)
        self.bedside_button.bind("<ButtonPress-1>", lambda e: self.source.press_button())
        self.bedside_button.bind("<ButtonRelease-1>", lambda e: self.source.release_button())
        if BUTTON in controls:
            self.bedside_button.pack(side="left", padx=(0, 10))
        if PAUSE in controls:
            self.play_button.pack(side="left")
        if SPEED in controls:
            self.speed.set(math.log10(min(max(self.source.status().speed_x, SLIDER_MIN_X), SLIDER_MAX_X)))
            self.speed.pack(side="left", padx=(14, 4))
        self.speed_label.pack(side="left")
        self.ideal.pack(side="right")

    def _bind_keys(self) -> None:
        if BUTTON in self.source.controls:
            self.root.bind("<KeyPress-space>", self._space_down)
            self.root.bind("<KeyRelease-space>", self._space_up)
        else:
            self.root.bind("<space>", lambda e: self.source.toggle_pause())
        self.root.bind("p", lambda e: self.source.toggle_pause())
        self.root.bind("<Left>", lambda e: self._nudge(-1))
        self.root.bind("<Right>", lambda e: self._nudge(+1))
        self.root.bind("i", lambda e: self.show_ideal.set(not self.show_ideal.get()))
        for key in ("q", "<Escape>"):
            self.root.bind(key, lambda e: self.close())

    # -- controls -----------------------------------------------------------------------------

    def _space_down(self, event) -> None:
        if self._space_release is not None:  # X repeats a held key as release+press: not a new press
            self.root.after_cancel(self._space_release)
            self._space_release = None
            return
        self.source.press_button()

    def _space_up(self, event) -> None:
        def released() -> None:
            self._space_release = None
            self.source.release_button()
        self._space_release = self.root.after(SPACE_REPEAT_MS, released)

    def _speed_moved(self, value: str) -> None:
        speed_x = float(f"{10 ** float(value):.2g}")
        if self._status is not None and abs(speed_x - self._status.speed_x) > 1e-9:
            self.source.set_speed(speed_x)

    def _scrub(self, event: tk.Event) -> None:
        status = self._status
        if status is None or status.duration_s is None or SEEK not in self.source.controls:
            return
        share = min(max(event.x / int(self.timeline["width"]), 0.0), 1.0)
        self.source.seek(share * status.duration_s)

    def _nudge(self, direction: int) -> None:
        status = self._status
        if status is not None and status.sequence_s is not None and SEEK in self.source.controls:
            self.source.seek(status.sequence_s + direction * 5.0 * status.speed_x)  # 5 s of watching

    def close(self) -> None:
        self.stopping.set()

    # -- drawing ------------------------------------------------------------------------------

    def run(self) -> None:
        self._tick()
        self.root.mainloop()

    def _tick(self) -> None:
        if self.stopping.is_set():
            self.root.destroy()
            return
        started = time.monotonic()
        self.redraw()
        spent_ms = (time.monotonic() - started) * 1000.0
        self.root.after(max(5, int(1000.0 / REDRAW_FPS - spent_ms)), self._tick)

    def redraw(self) -> None:
        """One screen frame: the ring, the words and the timeline."""
        source = self.source
        source.poll()
        status = source.status()
        ideal = source.ideal_codes() if self.show_ideal.get() else None
        codes = source.ring.take_average() if ideal is None else ideal
        linear = source.appearance.to_linear(codes)
        if self.shown_linear is None or not np.array_equal(linear, self.shown_linear):
            self.photo.configure(data=ppm(self.painter.paint(linear)), format="ppm")
            self.shown_linear = linear
        self._draw_words(status)
        self._draw_timeline(status)
        self._status = status

    def _draw_words(self, status: Status) -> None:
        old = self._status
        if old is None or old.title != status.title:
            self.title.configure(text=status.title)
            self.root.title(f"{status.title} \u2014 Emberwake simulator")
        if old is None or (old.phase, old.caption) != (status.phase, status.caption):
            self.phase.configure(text=status.phase.replace("-", " "))
            self.caption.configure(text=status.caption)
        self._set("wall", "" if status.wall is None else f"{status.wall:%H:%M:%S}",
                  lambda text: self.ring_canvas.itemconfigure(self.wall, text=text))
        self._set("speed", speed_text(status.speed_x), lambda text: self.speed_label.configure(text=text))
        self._set("play", "play" if status.paused else "pause", lambda text: self.play_button.configure(text=text))
        if old is None or old.notice != status.notice:
            self.notice.configure(text=status.notice)

    def _set(self, key: str, text: str, apply) -> None:
        """Tk calls cost more than the comparison: make them only for a changed text."""
        if self._texts.get(key) != text:
            self._texts[key] = text
            apply(text)

    def _draw_timeline(self, status: Status) -> None:
        width_px = int(self.timeline["width"])
        strip = self.source.timeline()
        if strip is not self._strip_for:
            self._strip_for = strip
            if strip is not None:
                columns = np.minimum((np.arange(width_px) * len(strip.colours)) // width_px, len(strip.colours) - 1)
                self.strip_photo.configure(data=ppm(np.repeat(strip.colours[columns][None], STRIP_H, axis=0)),
                                           format="ppm")
                points = [(x, STRIP_H - 2 - strip.lstar[c] / 100.0 * (STRIP_H - 4)) for x, c in enumerate(columns)]
                self.timeline.coords(self.lstar_line, *[v for point in points[::4] for v in point])
                self.timeline.delete("phase")
                for start_s in strip.phase_starts_s[1:]:
                    x = start_s / strip.duration_s * width_px
                    self.timeline.create_line(x, 0, x, STRIP_H, fill=BG, width=1, tags="phase")
        if status.sequence_s is None or status.duration_s is None:
            self._set("clock", "idle" if status.wall is not None else "",
                      lambda text: self.timeline.itemconfigure(self.clock, text=text))
            self._set("total", speed_text(status.speed_x) + " clock",
                      lambda text: self.timeline.itemconfigure(self.total, text=text))
            self._set("playhead", "", lambda text: self.timeline.coords(self.playhead, -10, 0, -10, 0))
            return
        x = round(status.sequence_s / status.duration_s * width_px)
        self._set("playhead", str(x), lambda text: self.timeline.coords(self.playhead, x, 0, x, STRIP_H + 3))
        self._set("clock", clock_text(status.sequence_s),
                  lambda text: self.timeline.itemconfigure(self.clock, text=text))
        self._set("total", clock_text(status.duration_s), lambda text: self.timeline.itemconfigure(self.total, text=text))
