"""What a logger said, kept for a test: a handler that keeps each record's message, and
keeping_messages(), which attaches one to a logger for a `with` block and takes it off again."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator


class KeptMessages(logging.Handler):
    """The messages (record.getMessage()) of the records that reach this handler, in order.
    Services log from their own threads: the list is guarded by a Condition, which each new
    message notifies, so a test can wait for a message instead of polling."""

    def __init__(self, level: int = logging.NOTSET):
        super().__init__(level)
        self._messages: list[str] = []
        self._added = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        with self._added:
            self._messages.append(message)
            self._added.notify_all()

    @property
    def messages(self) -> list[str]:
        """A copy of the messages kept so far, oldest first."""
        with self._added:
            return list(self._messages)

    def wait_for(self, text: str, timeout_s: float) -> bool:
        """Whether a message containing `text` has been kept, waiting up to `timeout_s` seconds
        for one."""
        with self._added:
            return self._added.wait_for(lambda: any(text in message for message in self._messages), timeout_s)


@contextlib.contextmanager
def keeping_messages(log: logging.Logger, level: int = logging.NOTSET) -> Iterator[KeptMessages]:
    """A KeptMessages handler (of `level`) on `log` for the `with` block, removed after it."""
    kept = KeptMessages(level)
    log.addHandler(kept)
    try:
        yield kept
    finally:
        log.removeHandler(kept)
