"""SIGTERM and SIGINT set the stop event, whenever they land."""

import os
import signal

import pytest

from device.signals import stop_on_signals


@pytest.mark.timeout(10)
def test_a_signal_landing_while_the_main_thread_holds_the_events_lock_still_stops():
    # The main thread waits on the event in short slices (emberwake run); Event.wait holds the
    # event's own lock for an instant at each. A handler that set the event itself would then
    # wait for a lock its own thread holds, for ever: STOPPING never sent, the ring never dark.
    with stop_on_signals() as stopping:
        with stopping._cond:  # noqa: SLF001 - the instant inside Event.wait, held on purpose
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, in this thread
        assert stopping.wait(5)
