"""Putting the alarm store back as it was after a fuzz case that changed it (a request or command
that succeeded), so that every case starts from the same alarms and ids; read with
tests.device.service.conftest.store_rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def restore_rows(home: Path, rows: tuple[list, list]) -> None:
    """Write `rows` (store_rows' alarms and occurrences) back, in one transaction, behind the store's back."""
    alarms, occurrences = rows
    with sqlite3.connect(home / "alarms.db", timeout=10.0) as db:
        db.execute("DELETE FROM alarms")
        db.execute("DELETE FROM occurrences")
        if alarms:
            db.executemany(f"INSERT INTO alarms VALUES ({', '.join('?' * len(alarms[0]))})", alarms)
        if occurrences:
            db.executemany(f"INSERT INTO occurrences VALUES ({', '.join('?' * len(occurrences[0]))})", occurrences)
