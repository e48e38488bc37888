"""SIGTERM (systemctl stop) and SIGINT (Ctrl-C) end the program cleanly: the ring goes dark."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """Within the block, SIGTERM and SIGINT set the yielded event instead of killing the process.

    The main thread should wait on the event (or check it) and then shut down in order.
    """
    stopping = threading.Event()

    def handle(signum, frame):  # noqa: ARG001 - signal handler signature
        # Not stopping.set() here: the handler runs in the main thread between two bytecodes,
        # which may be inside stopping.wait() while it holds the event's own lock, and set()
        # would wait for that lock for ever. A thread sets it once the main thread lets go.
        threading.Thread(target=stopping.set, name="stop-signal", daemon=True).start()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stopping
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
