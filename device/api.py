"""The service's small JSON API on 127.0.0.1 (and, with [web] listen, on the LAN behind the
pairing gate of device/web/gate.py), and the clients the CLI uses.

    GET    /api/status                      what the ring shows, whether the clock is trusted
    GET    /api/alarms[?kind=wake|bedtime]  the alarms, each with its next time
    POST   /api/alarms                      {"kind", "time", "days" | "on", "sequence", "rise", "hold", "label"}
                                            ("on": "2026-12-24", a one-off that disables itself after)
    POST   /api/alarms/ID                   {"time": "07:10", "label": "work", ...}: change those fields (as
                                            for a new one; "days" and "on" replace each other); the
                                            alarm as it would be is checked as a new one is
    DELETE /api/alarms/ID                   remove
    POST   /api/alarms/ID/skip|unskip|enable|disable   (unskip: give back the skipped occurrence)
    GET    /api/sequences                   the sequences that load: name, kind (wake, dusk...), description
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
    GET    /api/devices                     the paired devices (answered by the gate): id, paired, device
    DELETE /api/devices/ID                  unpair that one: its token stops working at once

Answers are JSON; errors are {"error": "one line"} with 400 (bad input; the line starts with the
field it is about, such as "time ..." or "output.brightness: ...") or 404 (no such alarm or
path). Requests that change something must say Content-Type: application/json, which a web
page elsewhere cannot send here without a CORS preflight (which this server never grants).
`Api.handle` is the whole logic; the CLI calls it in-process (LocalClient) when no service runs.
"""

from __future__ import annotations

import functools
import http.client
import json
import logging
import socket
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from device.alarms import AlarmError
from device.book import MAX_COUNT, AlarmBook, NotFound
from device.settings import Settings, SettingsError
from device.controller import NIGHT_LIGHT_KELVIN
from device.web.gate import SECURITY_HEADERS, Request as WebRequest
from sequences.catalog import entries
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


class ApiError(Exception):
    """An answer that is not a success: `status` and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


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
    """Requests in, (status, JSON-able answer) out."""

    def __init__(self, book: AlarmBook, controls: Controls | None = None, settings: Settings | None = None,
                 log: logging.Logger | None = None):
        """`settings`: config.toml's keys for the page; None when no service runs. `log`: where the
        running light says what went wrong on its side (a full disk); None (the CLI's own path,
        which prints the answer itself): nowhere."""
        self.book = book
        self.controls = controls
        self.settings = settings
        self.log = log

    def handle(self, method: str, path: str, query: dict[str, str] | None = None, body: Any = None,
               door: str = "api") -> tuple[int, Any]:
        """`door`: where the request came from ("api", or "cli" from the CLI's client), for the log."""
        try:
            return self._route(method, path.rstrip("/"), query or {}, {} if body is None else body, door)
        except NotFound as error:
            return _failure(404, error)
        except (AlarmError, SettingsError) as error:
            return _failure(400, error)
        except ApiError as error:
            return _failure(error.status, error)
        except sqlite3.OperationalError as error:  # the disk is full, or read-only: the change rolled back
            failure = _failure(503, ApiError(503, f"the alarm store cannot be written ({error}); nothing was changed"))
            if self.log is not None:
                self.log.error("%s %s: %s", method, printable(path), failure[1]["error"])
            return failure

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
        if what == "sequences" and not rest and method == "GET":
            return 200, [{"name": e.sequence.name, "kind": e.sequence.kind, "description": e.sequence.description}
                         for e in entries(book.sequence_dirs) if e.sequence is not None]
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
        if what in ("status", "snooze", "dismiss", "stop", "light", "play", "skip-next") and not rest:
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
        if what == "status":
            if method != "GET":
                raise ApiError(404, "status is GET /api/status")
            return 200, controls.status()
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
        duration = body.get("duration")
        try:
            duration_s = None if duration in (None, "") else parse_seconds(duration, allow_zero=False)
        except ValueError as error:
            raise ApiError(400, f"duration: {error}") from None
        try:
            return 200, {"message": controls.play(name, duration_s, by=door)}
        except SequenceLoadError as error:
            raise ApiError(400, f"sequence {show(name)}: {error.problems[0].message}") from None


def _failure(status: int, error: Exception) -> tuple[int, dict]:
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


# The server

class ApiServer:
    """Api over HTTP on 127.0.0.1:port, in its own threads; with a `gate` (device/web/gate.py)
    also the phone page, and every request passes the gate first. `listen` (host, port): one more
    address to serve the same on ([web] listen, such as the LAN's 0.0.0.0:8080).

    The stdlib's ThreadingHTTPServer: a few requests a minute from one phone and the CLI need no
    framework, and it adds no dependency to the Pi; each request gets its own thread."""

    def __init__(self, api: Api, port: int, log: logging.Logger | None = None, *, gate=None,
                 listen: tuple[str, int] | None = None):
        self.api = api
        self.log = log or logging.getLogger("emberwake.api")
        handler = type("Handler", (_Handler,), {"api": api, "log": self.log, "gate": gate})
        self.servers = [ThreadingHTTPServer((HOST, port), handler)]  # OSError if the port is taken
        try:
            if listen is not None:
                self.servers.append(ThreadingHTTPServer(listen, handler))
        except BaseException:
            self.servers[0].server_close()
            raise
        self._threads = []
        for httpd, name in zip(self.servers, ("emberwake-api", "emberwake-web")):
            httpd.daemon_threads = True
            self._threads.append(threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                                  name=name, daemon=True))

    @property
    def port(self) -> int:
        return self.servers[0].server_address[1]

    @property
    def web_address(self) -> tuple[str, int] | None:
        """Where [web] listen serves (the real port when given 0), or None."""
        return self.servers[1].server_address[:2] if len(self.servers) > 1 else None

    def start(self) -> "ApiServer":
        for thread in self._threads:
            thread.start()
        return self

    def close(self) -> None:
        for httpd, thread in zip(self.servers, self._threads):
            if thread.is_alive():
                httpd.shutdown()
            httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    api: Api
    log: logging.Logger
    gate: Any  # device.web.gate.Gate, or None: the API alone
    server_version = "emberwake"
    sys_version = ""  # no Python version in the Server header
    timeout = 60  # s: a browser's idle keep-alive connection ends (and its thread with it)
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        read_body = functools.cache(lambda: self._body(method))  # the gate may read it first
        try:
            door = "cli" if self.headers.get(DOOR_HEADER) == "cli" else "api"
            if self.gate is not None:
                request = WebRequest(method, url.path, self.headers, self.client_address[0],
                                     self.connection.getsockname()[0])
                passed = self.gate.before(request, read_body)
                if not isinstance(passed, str):
                    self._send(passed.status, passed.body, passed.content_type, passed.headers)
                    return
                door = passed
            body = read_body()
            status, answer = self.api.handle(method, url.path, query, body, door)
        except ApiError as error:
            status, answer = _failure(error.status, error)
        except Exception as error:  # noqa: BLE001 - a bug must not take the service down; it is logged
            self.log.exception("API %s %s failed", method, url.path)
            status, answer = 500, {"error": f"internal error: {type(error).__name__}"}
        if method != "GET" and status < 300:
            self.log.info("API %s %s: %s", method, url.path, _summary(answer))
        self._send(status, json.dumps(answer).encode("utf-8"), "application/json")

    def _send(self, status: int, data: bytes, content_type: str, headers: list[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (SECURITY_HEADERS if self.gate is not None else (("Cache-Control", "no-store"),)):
            self.send_header(name, value)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self, method: str) -> Any:
        length = self._content_length()
        if length > MAX_BODY_BYTES:
            self.close_connection = True  # the body is left unread: the connection cannot go on
            raise ApiError(400, f"the request body is larger than {MAX_BODY_BYTES} bytes")
        raw = self.rfile.read(length) if length else b""
        if method == "GET":
            return None
        if self.headers.get_content_type() != "application/json":
            raise ApiError(415, "send JSON with Content-Type: application/json")
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "the request body is not JSON") from None
        except RecursionError:  # [[[[... 5000 deep: json's parser recurses
            raise ApiError(400, "the request body is nested too deeply") from None

    def _content_length(self) -> int:
        given = {text.strip() for text in self.headers.get_all("Content-Length") or ["0"]}
        text = given.pop() if len(given) == 1 else ", ".join(sorted(given))
        if not (text.isascii() and text.isdigit()):  # not int(): it takes "-1" (read to the end) and " 1_0 "
            self.close_connection = True  # where this body ends is unknown
            raise ApiError(400, f"Content-Length {show(text)} is not a number of bytes")
        return int(text) if len(text) <= len(str(MAX_BODY_BYTES)) else MAX_BODY_BYTES + 1

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        self.log.debug("API " + format, *args)


def _summary(answer: Any) -> str:
    if isinstance(answer, dict):
        if "message" in answer:
            return answer["message"]
        if "id" in answer:
            return f"{answer.get('kind', '')} {answer['id']} {answer.get('time') or answer.get('at', '')}".strip()
    return "ok"


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
