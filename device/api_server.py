"""The HTTP server of the JSON API (device/api.py) and the phone page: on 127.0.0.1 for the CLI,
and with [web] listen on one more address (the LAN), every request through the web gate
(device/web/gate.py) first. A preview's event stream (device/web/preview.py) is served here too.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from device.api import DOOR_HEADER, HOST, MAX_BODY_BYTES, Api, ApiError, failure
from device.web.gate import SECURITY_HEADERS, Request as WebRequest
from device.web.preview import EventStream
from sequences.units import show


class ApiServer:
    """Api over HTTP on 127.0.0.1:port, in its own threads; with a `gate` (device/web/gate.py)
    also the phone page, and every request passes the gate first. `listen` (host, port): one more
    address to serve the same on ([web] listen, such as the LAN's 0.0.0.0:8080).

    The stdlib's ThreadingHTTPServer: a few requests a minute from one phone and the CLI, and a
    preview's event stream now and then, need no framework, and it adds no dependency to the Pi;
    each request gets its own thread (a stream keeps its own while it plays: at most
    device.web.preview.MAX_STREAMS of them)."""

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
        self.api.close()  # the previews end first: each holds a request thread
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
        # The request target is a path ("origin-form"): split by hand, as urlsplit would read
        # "//api/status" as a host "api" and a path "/status".
        path, _, query_text = self.path.partition("#")[0].partition("?")
        query = {k: v[-1] for k, v in parse_qs(query_text).items()}
        read_body = functools.cache(lambda: self._body(method))  # the gate may read it first
        try:
            door = "cli" if self.headers.get(DOOR_HEADER) == "cli" else "api"
            if self.gate is not None:
                request = WebRequest(method, path, self.headers, self.client_address[0],
                                     self.connection.getsockname()[0], door)
                passed = self.gate.before(request, read_body)
                if not isinstance(passed, str):
                    self._send(passed.status, passed.body, passed.content_type, passed.headers)
                    return
                door = passed
            body = read_body()
            status, answer = self.api.handle(method, path, query, body, door)
            if isinstance(answer, EventStream):
                answer.open(self.client_address[0])  # ApiError: too many play
                self._stream(answer)
                return
        except ApiError as error:
            status, answer = failure(error.status, error)
        except Exception as error:  # noqa: BLE001 - a bug must not take the service down; it is logged
            self.log.exception("API %s %s failed", method, path)
            status, answer = 500, {"error": f"internal error: {type(error).__name__}"}
        if method != "GET" and status < 300:
            self.log.info("API %s %s: %s", method, path, _summary(answer))
        self._send(status, json.dumps(answer).encode("utf-8"), "application/json")

    def _send(self, status: int, data: bytes, content_type: str, headers: list[tuple[str, str]] = ()) -> None:
        self._headers(status, content_type, [("Content-Length", str(len(data))), *headers])
        self.wfile.write(data)

    def _headers(self, status: int, content_type: str, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (SECURITY_HEADERS if self.gate is not None else (("Cache-Control", "no-store"),)):
            self.send_header(name, value)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def _stream(self, stream: EventStream) -> None:
        """An opened event stream: no length, so the connection ends with it."""
        self.close_connection = True
        try:
            self._headers(200, stream.content_type, [("Connection", "close")])
            stream.play(self.wfile.write)
        except OSError:  # the client went before the headers were out
            pass
        except Exception:  # noqa: BLE001 - a bug ends this stream only; the headers are out, so no 500
            self.log.exception("preview stream failed")
        finally:
            stream.close()

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
