"""The service's small JSON API, and the clients the CLI uses. device/api_server.py serves it over
HTTP on 127.0.0.1 (and, with [web] listen, on the LAN behind the pairing gate of device/web/gate.py).

    GET    /api/status                      what the ring shows, whether the clock is trusted; with
                                            the service's version, uptime_s, clock_synchronized
    GET    /api/log                         the last problems logged (WARNING or worse), newest first
    GET    /api/alarms[?kind=wake|bedtime]  the alarms, each with its next time
    POST   /api/alarms                      {"kind", "time", "days" | "on", "sequence", "rise", "hold", "label"}
                                            ("on": "2026-12-24", a one-off that disables itself after)
    POST   /api/alarms/ID                   {"time": "07:10", "label": "work", ...}: change those fields (as
                                            for a new one; "days" and "on" replace each other); the
                                            alarm as it would be is checked as a new one is
    DELETE /api/alarms/ID                   remove
    POST   /api/alarms/ID/skip|unskip|enable|disable   (unskip: give back the skipped occurrence)
    GET    /api/sequences                   every sequence: name, title, kind (wake, dusk...),
                                            description, duration_s, origin; a broken file: its error
    GET    /api/sequences/NAME/timeline     its light over time, for the page to draw
    GET    /api/sequences/NAME/preview?speed=60&from=0   played at 1-600x as server-sent events
                                            (device/web/gallery.py, device/web/preview.py)
    GET    /api/pauses                      the pauses not over yet
    POST   /api/pause {"from": "2026-12-24", "to": "2026-12-28", "id": 3}   no wake light those
                                            local dates (without "id": every repeating wake alarm)
    POST   /api/resume {"id": 3}            end the pauses now (without "id": all of them)
    GET    /api/next?count=&from=&kind=     coming occurrences, in the configured zone
    POST   /api/snooze {"minutes": 9} (default: the configured snooze), /api/dismiss, /api/stop
    POST   /api/skip-next                   skip the next wake alarm, or undo that skip
    POST   /api/light {"on": true, "level": 0.5, "kelvin": 2700}  the night light; level 0-1 of its
                                            own, kelvin 1000-4000 (each optional: as last chosen)
    POST   /api/play {"sequence": "breathe", "duration": "20m"}
    GET    /api/settings                    config.toml's keys the page edits ("output.brightness"...),
                                            and which wait for a restart (device/settings.py)
    POST   /api/settings {"output.brightness": 0.6}   write them to config.toml (the whole file checked
                                            first; null removes a key); the answer says what applies now
    POST   /api/pair {"code": "123456"}     a token for the phone page (device/web/gate.py), also
                                            as a cookie; /api/pair/code (a new code) and
                                            /api/pair/forget (unpair all) from the loopback only
    POST   /api/pair {"confirm": "button"}  while a code is open: wait for a hold of the light's
                                            button instead; 202 {"request": ID, "wait_s"}; 409 with
                                            no code open (device/web/pairing.py)
    POST   /api/pair {"confirm": "button", "request": ID}   the asking phone polls: 202 while it
                                            waits, then the token and cookie as for a code; 403
                                            once it no longer waits (expired, replaced)
    GET    /api/devices                     the paired devices (answered by the gate): id, paired, device
    DELETE /api/devices/ID                  unpair that one: its token stops working at once

Answers are JSON (but a preview's event stream); errors are {"error": "one line"} with 400
(bad input; the line starts with the field it is about, such as "time ..." or
"output.brightness: ...") or 404 (no such alarm or path). Requests that change something must
say Content-Type: application/json, which a web page elsewhere cannot send here without a CORS
preflight (which this server never grants).
`Api.handle` is the whole logic; the CLI calls it in-process (LocalClient) when no service runs.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import sqlite3
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from device.alarms import AlarmError
from device.api_error import ApiError
from device.book import MAX_COUNT, AlarmBook, NotFound
from device.controller import NIGHT_LIGHT_KELVIN
from device.health import Health
from device.settings import Settings, SettingsError
from device.web.gallery import Gallery
from sequences.catalog import entry as catalog_entry
from sequences.loader import SequenceLoadError
from sequences.tomlfile import printable
from sequences.units import parse_seconds, show

HOST = "127.0.0.1"
MAX_BODY_BYTES = 64_000
MAX_SNOOZE_MIN = 120.0
DOOR_HEADER = "X-Emberwake-Door"  # the CLI says it is the CLI, so the log can say so
_ALARM_ACTIONS = {"skip", "unskip", "enable", "disable"}
_ALARM_FIELDS = ("kind", "time", "days", "on", "sequence", "rise", "hold", "label", "enabled")
# The fields each control takes; any other is refused, so that a misspelt one is not ignored.
_NOT_RUNNING = "the service is not running (start it: sudo systemctl start emberwake, or emberwake run)"
_CONTROL_FIELDS = {"status": (), "snooze": ("minutes",), "dismiss": (), "stop": (), "light": ("on", "level", "kelvin"),
                   "play": ("sequence", "duration"), "skip-next": ()}


class Controls(Protocol):
    """What the API needs of the running light (device.controls.Controls); None when no service
    runs. `by` names the door a request came through, for the log."""

    def status(self) -> dict: ...
    def snooze(self, minutes: float | None = None, *, by: str) -> str: ...
    def dismiss(self, *, by: str) -> str: ...
    def stop(self, *, by: str, fade_s: float = 0.0) -> str: ...
    def light(self, on: bool, level: float | None = None, kelvin: float | None = None, *, by: str) -> str: ...
    def play(self, name: str, duration_s: float | None = None, *, by: str) -> str: ...
    def skip_next(self, *, by: str) -> str: ...


class Api:
    """Requests in, (status, JSON-able answer or an EventStream) out. `gallery`: the sequences
    (default: the book's, with no previews); `health`: the service's own account (None: no service)."""

    def __init__(self, book: AlarmBook, controls: Controls | None = None, settings: Settings | None = None,
                 gallery: Gallery | None = None, health: Health | None = None, log: logging.Logger | None = None):
        """`settings`: config.toml's keys for the page; None when no service runs. `log`: where the
        running light says what went wrong on its side (a full disk); None (the CLI's own path,
        which prints the answer itself): nowhere."""
        self.book = book
        self.controls = controls
        self.settings = settings
        self.gallery = gallery or Gallery(book.sequence_dirs)
        self.health = health
        self.log = log

    def close(self) -> None:
        """End the previews streaming (the server stops)."""
        if self.gallery.previews is not None:
            self.gallery.previews.close()

    def handle(self, method: str, path: str, query: dict[str, str] | None = None, body: Any = None,
               door: str = "api") -> tuple[int, Any]:
        """`door`: where the request came from ("api", or "cli" from the CLI's client), for the log."""
        try:
            return self._route(method, path.rstrip("/"), query or {}, {} if body is None else body, door)
        except NotFound as error:
            return failure(404, error)
        except (AlarmError, SettingsError) as error:
            return failure(400, error)
        except ApiError as error:
            return failure(error.status, error)
        except sqlite3.OperationalError as error:  # the disk is full, or read-only: the change rolled back
            answer = failure(503, ApiError(503, f"the alarm store cannot be written ({error}); nothing was changed"))
            if self.log is not None:
                self.log.error("%s %s: %s", method, printable(path), answer[1]["error"])
            return answer

    def _route(self, method: str, path: str, query: dict[str, str], body: Any, door: str) -> tuple[int, Any]:
        book = self.book
        parts = path.split("/")[1:]  # "/api/alarms/3/skip" -> ["api", "alarms", "3", "skip"]
        if parts[:1] != ["api"] or len(parts) < 2:
            raise ApiError(404, f"no such path {show(path)}")
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be a JSON object")
        what, rest = parts[1], parts[2:]
        kind = _kind(query.get("kind") or body.get("kind"))
        if what == "alarms" and not rest and method == "GET":
            return 200, [book.alarm_json(a) for a in book.alarms(kind)]
        if what == "alarms" and not rest and method == "POST":
            _known_fields(body, _ALARM_FIELDS)
            return 201, book.alarm_json(book.add(**body))
        if what == "alarms" and len(rest) == 1 and method == "POST":
            _known_fields(body, _ALARM_FIELDS)
            changes = {key: value for key, value in body.items() if key != "kind"}
            return 200, book.alarm_json(book.update(rest[0], kind, **changes))
        if what == "alarms" and len(rest) == 1 and method == "DELETE":
            _known_fields(body, ("kind",))
            return 200, book.alarm_json(book.remove(rest[0], kind))
        if what == "alarms" and len(rest) == 2 and rest[1] in _ALARM_ACTIONS and method == "POST":
            _known_fields(body, ("kind",))
            if rest[1] in ("skip", "unskip"):
                change = book.skip if rest[1] == "skip" else book.unskip
                return 200, book.occurrence_json(change(rest[0], kind))
            return 200, book.alarm_json(book.set_enabled(rest[0], rest[1] == "enable", kind))
        if what == "next" and not rest and method == "GET":
            count = _count(query.get("count", "5"))
            after = book.parse_instant(query["from"]) if query.get("from") else None
            return 200, [book.occurrence_json(o) for o in book.upcoming(count, after, kind)]
        if what == "sequences":
            return self.gallery.handle(method, rest, query)
        if what == "pauses" and not rest and method == "GET":
            return 200, [book.pause_json(p) for p in book.pauses()]
        if what in ("pause", "resume") and not rest and method == "POST":
            allowed = ("from", "to", "id") if what == "pause" else ("id",)
            unknown = sorted(set(body) - set(allowed))
            if unknown:
                raise ApiError(400, f"unknown field {show(unknown[0])}")
            if what == "pause":
                return 201, book.pause_json(book.pause(body.get("from"), body.get("to"), body.get("id")))
            return 200, [book.pause_json(p) for p in book.resume(body.get("id"))]
        if what in ("status", "log", "snooze", "dismiss", "stop", "light", "play", "skip-next") and not rest:
            return self._control(method, what, body, door)
        if what == "settings" and not rest and method in ("GET", "POST"):
            return self._settings(method, body)
        raise ApiError(404, f"no such request {printable(method)[:10]} {printable(path)[:200]}")

    def _settings(self, method: str, body: dict) -> tuple[int, Any]:
        if self.settings is None:
            raise ApiError(503, _NOT_RUNNING)
        if method == "GET":
            return 200, self.settings.read()
        try:
            answer = self.settings.change(body)
        except OSError as error:
            raise ApiError(503, f"{self.settings.path} cannot be written ({error.strerror or error}); "
                                "nothing was changed") from None
        return 200, answer  # the server logs its "message": what changed, what applies when

    def _control(self, method: str, what: str, body: dict, door: str) -> tuple[int, Any]:
        if self.controls is None:
            raise ApiError(503, _NOT_RUNNING)
        controls = self.controls
        if what in ("status", "log"):
            if method != "GET":
                raise ApiError(404, f"{what} is GET /api/{what}")
            if what == "log":
                return 200, self.health.problems.recent() if self.health else []
            return 200, {**controls.status(), **(self.health.summary() if self.health else {})}
        if method != "POST":
            raise ApiError(404, f"{what} is POST /api/{what}")
        _known_fields(body, _CONTROL_FIELDS[what])
        if what == "snooze":
            minutes = body.get("minutes")  # none given: the configured snooze
            # compared, not converted: nan and inf fail the range, and an int of 400 digits has no float
            if minutes is not None and not (_is_number(minutes) and 1 <= minutes <= MAX_SNOOZE_MIN):
                raise ApiError(400, f"snooze minutes must be a number 1-{MAX_SNOOZE_MIN:g}, got {show(minutes)}")
            return 200, {"message": controls.snooze(None if minutes is None else float(minutes), by=door)}
        if what == "dismiss":
            return 200, {"message": controls.dismiss(by=door)}
        if what == "stop":
            return 200, {"message": controls.stop(by=door)}
        if what == "skip-next":
            return 200, {"message": controls.skip_next(by=door)}
        if what == "light":
            on, level, kelvin = body.get("on"), body.get("level"), body.get("kelvin")
            if not isinstance(on, bool):
                raise ApiError(400, 'light needs {"on": true} or {"on": false}')
            # compared, not converted: nan fails the range, and an int of 400 digits has no float
            if level is not None and not (_is_number(level) and 0 < level <= 1):
                raise ApiError(400, f"light level must be a number above 0, up to 1, got {show(level)}")
            low, high = NIGHT_LIGHT_KELVIN
            if kelvin is not None and not (_is_number(kelvin) and low <= kelvin <= high):
                raise ApiError(400, f"light kelvin must be a number {low}-{high}, got {show(kelvin)}")
            return 200, {"message": controls.light(on, None if level is None else float(level),
                                                   None if kelvin is None else float(kelvin), by=door)}
        name = body.get("sequence")
        if not isinstance(name, str) or not name:
            raise ApiError(400, 'play needs {"sequence": "NAME"}')
        # A phone names a sequence from the list; a file path (the CLI's `play FILE`) is for the
        # light itself, not for whoever paired a phone on the LAN.
        if door == "web" and catalog_entry(name, self.book.sequence_dirs) is None:
            raise ApiError(400, f"sequence: no sequence named {show(name)} (the phone page plays sequences "
                                "by their names in the list)")
        duration = body.get("duration")
        try:
            duration_s = None if duration in (None, "") else parse_seconds(duration, allow_zero=False)
        except ValueError as error:
            raise ApiError(400, f"duration: {error}") from None
        try:
            return 200, {"message": controls.play(name, duration_s, by=door)}
        except SequenceLoadError as error:
            raise ApiError(400, f"sequence {show(name)}: {error.problems[0].message}") from None


def failure(status: int, error: Exception) -> tuple[int, dict]:
    """An error answer: one line, whatever the request held (a path may carry control characters)."""
    return status, {"error": printable(str(error))}


def _is_number(value: Any) -> bool:
    """A JSON number (true and false are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _known_fields(body: dict, known: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise ApiError(400, f"unknown field {show(unknown[0])}")


def _kind(value: Any) -> str | None:
    if value in (None, "", "all"):
        return None
    if value not in ("wake", "bedtime"):
        raise ApiError(400, f"kind {show(value)} is not wake or bedtime")
    return value


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()):  # isdigit() alone takes '²', which int() does not
        raise ApiError(400, f"count {show(text)} is not a whole number")
    if len(text) > len(str(MAX_COUNT)):  # before int(): 5000 digits are more than int() reads
        raise ApiError(400, f"count {show(text)} is outside 1-{MAX_COUNT}")
    return int(text)


# The clients

class HttpClient:
    """Talks to a running service."""

    def __init__(self, port: int, timeout_s: float = 10.0):
        self.port = port
        self.timeout_s = timeout_s

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout_s)
        try:
            data = None if method == "GET" else json.dumps(body or {}).encode("utf-8")
            headers = {DOOR_HEADER: "cli"} if data is None else {"Content-Type": "application/json", DOOR_HEADER: "cli"}
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise ApiError(503, f"the service on port {self.port} did not answer ({error})") from None
        finally:
            connection.close()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            raise ApiError(502, f"something on port {self.port} answered, but not as emberwake") from None


class LocalClient:
    """The same requests, handled in this process (no service running)."""

    def __init__(self, api: Api):
        self.api = api

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        url = urlsplit(path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        return self.api.handle(method, url.path, query, body)


def service_running(port: int, timeout_s: float = 0.3) -> bool:
    """Is something listening on 127.0.0.1:port? (The service, if anything.)"""
    try:
        with socket.create_connection((HOST, port), timeout=timeout_s):
            return True
    except OSError:
        return False
