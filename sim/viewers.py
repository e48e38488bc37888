"""Choosing and running a viewer: the window where there is a display, else the terminal."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import IO, TYPE_CHECKING, Callable

from sim.glow import one_blas_thread
from sim.status import ViewSource

if TYPE_CHECKING:
    import tkinter


def no_display_reason() -> str | None:
    """Why no window can open here, or None if one may (Tk has the last word)."""
    if sys.platform in ("darwin", "win32"):
        return None
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return "no display ($DISPLAY is not set)"
    return None


def open_tk(notices: IO[str]) -> "tkinter.Tk | None":
    """A Tk root window, or None after a one-line notice saying why the terminal is used instead."""
    reason = no_display_reason()
    if reason is None:
        try:
            import tkinter
            return tkinter.Tk(className="emberwake")
        except Exception as error:  # ImportError without python3-tk, TclError without a usable display
            reason = f"no window ({str(error).splitlines()[0] if str(error) else type(error).__name__})"
    print(f"emberwake: {reason}; showing the ring in the terminal", file=notices)
    return None


def run_viewer(source: ViewSource, stopping: threading.Event, prefer_window: bool = True,
               notices: IO[str] | None = None, out: IO[str] | None = None) -> None:
    """Show `source` until `stopping` is set or the user quits (which sets it). Blocks; call it
    from the main thread, where Tk must live on macOS."""
    root = open_tk(notices or sys.stderr) if prefer_window else None
    with one_blas_thread():
        if root is not None:
            from sim.window import WindowViewer
            WindowViewer(root, source, stopping).run()
        else:
            from sim.terminal import TerminalViewer
            TerminalViewer(source, out).run(stopping)
    stopping.set()


def start_viewer_thread(source: ViewSource, prefer_window: bool = True) -> Callable[[], None]:
    """Show `source` from a thread of its own (for outputs opened by commands that keep the main
    thread); returns the function that closes the viewer. Keys are off: the command owns stdin."""
    stopping = threading.Event()
    owner_stopped = threading.Event()

    def show() -> None:
        root = open_tk(sys.stderr) if prefer_window else None
        with one_blas_thread():
            if root is None:
                from sim.terminal import TerminalViewer
                TerminalViewer(source, keys=False).run(stopping)
                return
            from sim.window import WindowViewer
            WindowViewer(root, source, stopping).run()
        if not owner_stopped.is_set():
            # The user closed the window: end the command the way Ctrl-C does, cleanly.
            signal.raise_signal(signal.SIGINT)

    thread = threading.Thread(target=show, name="emberwake-viewer", daemon=True)
    thread.start()

    def stop() -> None:
        owner_stopped.set()
        stopping.set()
        thread.join(2.0)

    return stop
