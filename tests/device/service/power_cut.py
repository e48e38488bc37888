"""A pulled plug, replayed: what the disk holds if the power goes at any instant of a writer's run.

The writer runs under strace, which records each write of the store's files (pwrite64, with its
bytes), each truncation, unlink and sync (fsync, fdatasync), and each acknowledgment it writes to
its log. Replaying that record, each file's content at any instant is known two ways: what the
page cache held (what a kill leaves) and what the disk is sure to hold (the content at the file's
last sync). A power cut leaves the second plus any part of the writes made since: each 512-byte
sector of them reaches the disk or not. The -shm is memory, never synced, and SQLite rebuilds it
from the journal: a cut leaves none.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

SECTOR = 512
LOST = "-shm"  # never synced: after a cut, SQLite rebuilds it
_CALL = re.compile(r'^\d+ +(\w+)\((?:\d+<([^>]*)>|"([^"]*)")(?:, "([^"]*)")?(?:, (\d+))?(?:, (\d+))?\) = (-?\d+)')


def strace_command(trace: Path) -> list[str]:
    """strace's part of the command line: every call that changes or syncs a file, with its bytes."""
    return ["strace", "-f", "-qq", "-y", "-xx", "-s", "70000", "-o", str(trace),
            "-e", "trace=pwrite64,write,fsync,fdatasync,ftruncate,unlink"]


@dataclass(frozen=True)
class Event:
    """One traced call: a write, truncate, sync or unlink of `path`, or an acknowledgment (ack)."""

    kind: str
    path: str
    data: bytes = b""
    offset: int = 0


def _text(hex_escaped: str) -> bytes:
    return bytes.fromhex(hex_escaped.replace("\\x", ""))


def events(trace: str, folder: Path, log: Path) -> list[Event]:
    """The calls in `trace` on the files in `folder` (the store's), and the writes to `log`."""
    found = []
    for line in trace.splitlines():
        call = _CALL.match(line)
        if call is None:
            continue
        name, fd_path, named, data, first, second, result = call.groups()
        path = Path(_text(fd_path or named).decode())
        if int(result) < 0 or (path.parent != folder and path != log):
            continue
        if name == "write" and path == log:
            found.append(Event("ack", str(path), _text(data)))
        elif name == "pwrite64":
            assert int(result) == int(first), f"a short write: {line[:200]}"
            found.append(Event("write", str(path), _text(data), int(second)))
        elif name == "ftruncate":
            found.append(Event("truncate", str(path), offset=int(first)))
        elif name in ("fsync", "fdatasync"):
            found.append(Event("sync", str(path)))
        elif name == "unlink":
            found.append(Event("unlink", str(path)))
    return found


class Disk:
    """The store's files as the replay goes: what the page cache holds, what the last sync of each
    made sure of, and the writes since."""

    def __init__(self, files: dict[str, bytes]):
        self.cached = {path: bytearray(data) for path, data in files.items()}
        self.synced = dict(files)
        self.unsynced: dict[str, list[Event]] = {path: [] for path in files}
        self.acknowledged = b""

    def apply(self, event: Event) -> None:
        if event.kind == "ack":
            self.acknowledged += event.data
        elif event.kind == "sync":
            self.synced[event.path] = bytes(self.cached[event.path])
            self.unsynced[event.path] = []
        elif event.kind == "unlink":  # said at once: the harsher of what a cut may leave
            for files in (self.cached, self.synced, self.unsynced):
                files.pop(event.path, None)
        else:
            _change(self.cached.setdefault(event.path, bytearray()), event)
            self.synced.setdefault(event.path, b"")
            self.unsynced.setdefault(event.path, []).append(event)

    def page_cache(self) -> dict[str, bytes]:
        """What a kill leaves (but for the -shm)."""
        return {path: bytes(data) for path, data in self.cached.items() if not path.endswith(LOST)}

    def cut(self, rng: random.Random | None) -> dict[str, bytes]:
        """What a power cut leaves: the synced content, and (with `rng`) a random part of each
        later write, sector by sector, in the order they were made."""
        files = {}
        for path, synced in self.synced.items():
            if path.endswith(LOST):
                continue
            data = bytearray(synced)
            for event in self.unsynced[path] if rng else ():
                if event.kind == "truncate":
                    if rng.random() < 0.5:
                        _change(data, event)
                    continue
                for start in range(event.offset - event.offset % SECTOR, event.offset + len(event.data), SECTOR):
                    if rng.random() < 0.5:
                        low, high = max(start, event.offset), min(start + SECTOR, event.offset + len(event.data))
                        _change(data, Event("write", path, event.data[low - event.offset:high - event.offset], low))
            files[path] = bytes(data)
        return files


def _change(data: bytearray, event: Event) -> None:
    if event.kind == "truncate":
        del data[event.offset:]
        data.extend(bytes(max(0, event.offset - len(data))))
        return
    end = event.offset + len(event.data)
    data.extend(bytes(max(0, end - len(data))))
    data[event.offset:end] = event.data


def lay(files: dict[str, bytes], folder: Path) -> Path:
    """Write `files` (by their paths' names) into `folder`, a home of its own to open."""
    folder.mkdir(parents=True)
    for path, data in files.items():
        if data:  # an empty journal is no journal
            (folder / Path(path).name).write_bytes(data)
    return folder
