"""device.api: Api.handle in-process on a real AlarmBook and Store (the far-date clock of
tests.device.service.conftest: 04:00 on Monday 2026-11-23 in Berlin, 28 years on) with fake
Controls, every route and its refusals; then a few requests over real HTTP to an ApiServer."""

from __future__ import annotations

import http.client
import inspect
import json
import socket
import sqlite3

import pytest

from device.api import MAX_BODY_BYTES, Api, Controls, HttpClient, LocalClient, service_running
from device.api_server import ApiServer
from device.book import MAX_COUNT
from sequences.loader import SequenceLoadError
from sequences.tomlfile import Problem
from tests.dates import shifted


class FakeControls:
    """The running light, as far as the API sees it: it records each call."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.doors: list[str] = []  # the `by` of each action

    def status(self) -> dict:
        self.calls.append(("status",))
        return {"showing": "nothing", "clock_trusted": True}

    def snooze(self, minutes: float | None = None, *, by: str) -> str:
        self.calls.append(("snooze", minutes))
        self.doors.append(by)
        return "snoozed" if minutes is None else f"snoozed {minutes:g} minutes"

    def dismiss(self, *, by: str) -> str:
        self.calls.append(("dismiss",))
        self.doors.append(by)
        return "dismissed"

    def stop(self, *, by: str, fade_s: float = 0.0) -> str:
        self.calls.append(("stop",))
        self.doors.append(by)
        return "stopped"

    def light(self, on: bool, level: float | None = None, kelvin: float | None = None, *, by: str) -> str:
        self.calls.append(("light", on, *(value for value in (level, kelvin) if value is not None)))
        self.doors.append(by)
        return "light on" if on else "light off"

    def play(self, name: str, duration_s: float | None = None, *, by: str) -> str:
        if name == "missing":
            raise SequenceLoadError([Problem(name, None, "", "", "no sequence of that name")])
        self.calls.append(("play", name, duration_s))
        self.doors.append(by)
        return f"playing {name}"

    def skip_next(self, *, by: str) -> str:
        self.calls.append(("skip-next",))
        self.doors.append(by)
        return "skipped"


def test_the_fake_has_every_method_of_the_protocol_with_its_parameters():
    """So that the fake follows when Controls changes."""
    wanted = {name: inspect.signature(method).parameters.keys()
              for name, method in vars(Controls).items() if callable(method) and not name.startswith("_")}
    assert wanted and {name: inspect.signature(getattr(FakeControls, name)).parameters.keys()
                       for name in wanted} == wanted


@pytest.fixture
def years() -> int:
    """One far date is enough here (test_book runs the book at every shift)."""
    return 28


@pytest.fixture
def controls() -> FakeControls:
    return FakeControls()


@pytest.fixture
def api(book, controls) -> Api:
    return Api(book, controls)


def state(api: Api) -> tuple:
    """All the API could have changed: the store's rows and the calls made on the light."""
    with sqlite3.connect(api.book.store.path) as db:
        rows = tuple(db.execute(f"SELECT * FROM {t}").fetchall() for t in ("alarms", "occurrences", "meta"))
    return rows, tuple(api.controls.calls) if api.controls else ()


def added(api: Api, **body) -> dict:
    status, answer = api.handle("POST", "/api/alarms", {}, body)
    assert status == 201, answer
    return answer


# The alarm routes

def test_post_alarms_adds_one_and_answers_its_json(api, years):
    answer = added(api, time="06:45", days="weekdays", rise="20m", hold="5m", label="work")
    assert answer == {"id": 1, "kind": "wake", "time": "06:45", "days": "weekdays", "sequence": "storm-to-firelight",
                      "rise": "20m", "rise_s": 1200.0, "hold": "5m", "hold_s": 300.0, "label": "work",
                      "enabled": True, "skipped": None, "next": shifted("2026-11-23T06:45:00+01:00", years),
                      "on": None, "paused": []}
    bedtime = added(api, kind="bedtime", time="22:00", sequence="tend-the-flame", enabled=False)
    assert (bedtime["kind"], bedtime["enabled"], bedtime["next"]) == ("bedtime", False, None)
    assert api.book.store.alarm(1).label == "work"


def test_get_alarms_lists_them_all_or_one_kind(api):
    wake, bedtime = added(api, time="07:00"), added(api, kind="bedtime", time="22:00")
    assert api.handle("GET", "/api/alarms") == (200, [wake, bedtime])
    assert api.handle("GET", "/api/alarms/", {"kind": "wake"}) == (200, [wake])  # a trailing / is the same
    assert api.handle("GET", "/api/alarms", {"kind": "bedtime"}) == (200, [bedtime])
    assert api.handle("GET", "/api/alarms", {"kind": "all"}) == (200, [wake, bedtime])


def test_delete_removes_and_answers_what_was_removed(api):
    wake = added(api, time="07:00")
    assert api.handle("DELETE", f"/api/alarms/{wake['id']}") == (200, wake)
    assert api.book.alarms() == []
    assert api.handle("DELETE", "/api/alarms/1") == (404, {"error": "there is no alarm or bedtime 1"})


def test_skip_enable_and_disable(api, years):
    wake = added(api, time="07:00")
    status, skipped = api.handle("POST", "/api/alarms/1/skip", {"kind": "wake"})
    assert status == 200 and skipped["skipped"] is True and skipped["at"] == shifted("2026-11-23T07:00:00+01:00", years)
    assert api.handle("GET", "/api/alarms")[1][0]["next"] == shifted("2026-11-24T07:00:00+01:00", years)
    assert api.handle("POST", "/api/alarms/1/disable") == (200, {**wake, "enabled": False, "next": None})
    status, enabled = api.handle("POST", "/api/alarms/1/enable")
    assert status == 200 and enabled["enabled"] is True


def test_next_lists_what_is_coming_in_the_configured_zone(api, years):
    added(api, time="07:00", days="mon,tue")
    added(api, kind="bedtime", time="22:00", days="mon")
    status, coming = api.handle("GET", "/api/next", {"count": "3"})
    assert status == 200
    assert [(o["kind"], o["at"]) for o in coming] == [
        ("wake", shifted("2026-11-23T07:00:00+01:00", years)), ("bedtime", shifted("2026-11-23T22:00:00+01:00", years)),
        ("wake", shifted("2026-11-24T07:00:00+01:00", years))]
    assert len(api.handle("GET", "/api/next")[1]) == 5  # count defaults to 5
    status, later = api.handle("GET", "/api/next", {"count": "1", "from": shifted("2026-11-23T07:00", years),
                                                     "kind": "wake"})
    assert (status, later[0]["at"]) == (200, shifted("2026-11-24T07:00:00+01:00", years))


# The controls

@pytest.mark.parametrize("path, body, message, call", [
    ("/api/snooze", {"minutes": 9}, "snoozed 9 minutes", ("snooze", 9.0)),
    ("/api/snooze", {}, "snoozed", ("snooze", None)),  # none given: the configured snooze
    ("/api/snooze", None, "snoozed", ("snooze", None)),
    ("/api/snooze", {"minutes": 1}, "snoozed 1 minutes", ("snooze", 1.0)),
    ("/api/snooze", {"minutes": 120.0}, "snoozed 120 minutes", ("snooze", 120.0)),
    ("/api/dismiss", {}, "dismissed", ("dismiss",)),
    ("/api/stop", None, "stopped", ("stop",)),
    ("/api/light", {"on": True}, "light on", ("light", True)),
    ("/api/light", {"on": False}, "light off", ("light", False)),
    ("/api/light", {"on": True, "level": 0.5, "kelvin": 2700}, "light on", ("light", True, 0.5, 2700.0)),
    ("/api/light", {"on": True, "level": None, "kelvin": 1000}, "light on", ("light", True, 1000.0)),
    ("/api/play", {"sequence": "breathe"}, "playing breathe", ("play", "breathe", None)),
    ("/api/play", {"sequence": "breathe", "duration": "20m"}, "playing breathe", ("play", "breathe", 1200.0)),
    ("/api/play", {"sequence": "breathe", "duration": 90}, "playing breathe", ("play", "breathe", 90.0)),
    ("/api/play", {"sequence": "breathe", "duration": ""}, "playing breathe", ("play", "breathe", None)),
])
def test_each_control_is_passed_to_the_light(api, controls, path, body, message, call):
    assert api.handle("POST", path, {}, body) == (200, {"message": message})
    assert controls.calls == [call]


def test_status_is_the_lights_own_answer(api, controls):
    assert api.handle("GET", "/api/status") == (200, {"showing": "nothing", "clock_trusted": True})


@pytest.mark.parametrize("method, path", [("GET", "/api/status"), ("POST", "/api/snooze"), ("POST", "/api/dismiss"),
                                          ("POST", "/api/stop"), ("POST", "/api/light"), ("POST", "/api/play"),
                                          ("GET", "/api/settings"), ("POST", "/api/settings")])
def test_without_a_running_service_the_controls_answer_503(book, method, path):
    status, answer = Api(book, None).handle(method, path, {}, {"on": True, "sequence": "breathe"}
                                            if path in ("/api/light", "/api/play") else {})
    assert status == 503 and answer["error"].startswith("the service is not running")
    assert Api(book, None).handle("GET", "/api/alarms") == (200, [])  # the alarms need no service


# Refusals: status, one line, nothing changed

REFUSED = [  # (method, path, query, body, status, the one line)
    ("GET", "/", {}, None, 404, "no such path ''"),
    ("GET", "/status", {}, None, 404, "no such path '/status'"),
    ("GET", "/api", {}, None, 404, "no such path '/api'"),
    ("GET", "/api/nothing", {}, None, 404, "no such request GET /api/nothing"),
    ("PUT", "/api/alarms", {}, {}, 404, "no such request PUT /api/alarms"),
    ("DELETE", "/api/alarms", {}, {}, 404, "no such request DELETE /api/alarms"),
    ("GET", "/api/alarms/1", {}, None, 404, "no such request GET /api/alarms/1"),
    ("POST", "/api/alarms/1/snooze", {}, {}, 404, "no such request POST /api/alarms/1/snooze"),
    ("GET", "/api/alarms/1/skip", {}, None, 404, "no such request GET /api/alarms/1/skip"),
    ("POST", "/api/alarms/1/skip/now", {}, {}, 404, "no such request POST /api/alarms/1/skip/now"),
    ("POST", "/api/status", {}, {}, 404, "status is GET /api/status"),
    ("GET", "/api/snooze", {}, None, 404, "snooze is POST /api/snooze"),
    ("DELETE", "/api/light", {}, {}, 404, "light is POST /api/light"),
    ("POST", "/api/next", {}, {}, 404, "no such request POST /api/next"),
    ("GET", "/api/status/more", {}, None, 404, "no such request GET /api/status/more"),
    ("POST", "/api/alarms", {}, [], 400, "the request body must be a JSON object"),
    ("POST", "/api/alarms", {}, "07:00", 400, "the request body must be a JSON object"),
    ("POST", "/api/snooze", {}, 9, 400, "the request body must be a JSON object"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "snooze": 9}, 400, "unknown field 'snooze'"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "Time": "08:00"}, 400, "unknown field 'Time'"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "id": 5}, 400, "unknown field 'id'"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "kind": "nap"}, 400, "kind 'nap' is not wake or bedtime"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "kind": ["wake"]}, 400, "kind ['wake'] is not wake or bedtime"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "kind": "all"}, 400, "kind 'all' is not one of wake, bedtime"),
    ("POST", "/api/alarms", {}, {"time": 700}, 400, "time must be text, got 700"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "days": ["mon"]}, 400, "days must be text, got ['mon']"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "rise": True}, 400, "rise must be a duration such as '30m'"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "hold": {}}, 400, "hold must be a duration such as '30m'"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "label": 3}, 400, "label must be text, got 3"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "enabled": "true"}, 400, "enabled must be true or false"),
    ("POST", "/api/alarms", {}, {"time": "07:00", "sequence": None, "rise": "2m"}, 400, "overlaps alarm 1's"),
    ("GET", "/api/alarms", {"kind": "nap"}, None, 400, "kind 'nap' is not wake or bedtime"),
    ("DELETE", "/api/alarms/2", {}, {}, 404, "there is no alarm or bedtime 2"),
    ("DELETE", "/api/alarms/x", {}, {}, 404, "'x' is not an alarm number"),
    ("DELETE", "/api/alarms/1", {"kind": "bedtime"}, {}, 404, "there is no bedtime 1 (1 is an alarm"),
    ("DELETE", "/api/alarms/1", {}, {"force": True}, 400, "unknown field 'force'"),
    ("POST", "/api/alarms/1/disable", {}, {"enabled": False}, 400, "unknown field 'enabled'"),
    ("POST", "/api/alarms/²/skip", {}, {}, 404, "'²' is not an alarm number"),
    ("POST", "/api/alarms/9/enable", {}, {}, 404, "there is no alarm or bedtime 9"),
    ("GET", "/api/next", {"count": "many"}, None, 400, "count 'many' is not a whole number"),
    ("GET", "/api/next", {"count": "-1"}, None, 400, "count '-1' is not a whole number"),
    ("GET", "/api/next", {"count": "²"}, None, 400, "count '²' is not a whole number"),
    ("GET", "/api/next", {"count": "0"}, None, 400, f"count 0 is outside 1-{MAX_COUNT}"),
    ("GET", "/api/next", {"count": str(MAX_COUNT + 1)}, None, 400, f"count {MAX_COUNT + 1} is outside"),
    ("GET", "/api/next", {"from": "tomorrow"}, None, 400, "from 'tomorrow' is not an ISO time"),
    ("GET", "/api/next", {"kind": "dusk"}, None, 400, "kind 'dusk' is not wake or bedtime"),
    ("POST", "/api/snooze", {}, {"minutes": 0}, 400, "snooze minutes must be a number 1-120, got 0"),
    ("POST", "/api/snooze", {}, {"minutes": 120.5}, 400, "snooze minutes must be a number 1-120, got 120.5"),
    ("POST", "/api/snooze", {}, {"minutes": "9"}, 400, "snooze minutes must be a number 1-120, got '9'"),
    ("POST", "/api/snooze", {}, {"minutes": True}, 400, "snooze minutes must be a number 1-120, got True"),
    ("POST", "/api/snooze", {}, {"minutes": float("nan")}, 400, "snooze minutes must be a number 1-120, got nan"),
    ("POST", "/api/snooze", {}, {"minutes": float("inf")}, 400, "snooze minutes must be a number 1-120, got inf"),
    ("POST", "/api/snooze", {}, {"minuts": 5}, 400, "unknown field 'minuts'"),
    ("POST", "/api/dismiss", {}, {"now": True}, 400, "unknown field 'now'"),
    ("POST", "/api/light", {}, {}, 400, 'light needs {"on": true} or {"on": false}'),
    ("POST", "/api/light", {}, {"on": 1}, 400, 'light needs {"on": true} or {"on": false}'),
    ("POST", "/api/light", {}, {"on": "true"}, 400, 'light needs {"on": true} or {"on": false}'),
    ("POST", "/api/light", {}, {"on": True, "brightness": 1}, 400, "unknown field 'brightness'"),
    ("POST", "/api/light", {}, {"on": True, "level": 0}, 400, "light level must be a number above 0, up to 1"),
    ("POST", "/api/light", {}, {"on": True, "level": 1.5}, 400, "light level must be a number above 0, up to 1"),
    ("POST", "/api/light", {}, {"on": True, "kelvin": 6500}, 400, "light kelvin must be a number 1000-4000, got 6500"),
    ("POST", "/api/light", {}, {"on": True, "kelvin": "2700"}, 400, "light kelvin must be a number 1000-4000"),
    ("POST", "/api/light", {}, {"on": True, "kelvin": True}, 400, "light kelvin must be a number 1000-4000"),
    ("POST", "/api/light", {}, {"on": True, "kelvin": 10**400}, 400, "light kelvin must be a number 1000-4000"),
    ("POST", "/api/play", {}, {}, 400, 'play needs {"sequence": "NAME"}'),
    ("POST", "/api/play", {}, {"sequence": ""}, 400, 'play needs {"sequence": "NAME"}'),
    ("POST", "/api/play", {}, {"sequence": 5}, 400, 'play needs {"sequence": "NAME"}'),
    ("POST", "/api/play", {}, {"sequence": "breathe", "duration": 0}, 400, "duration: duration 0 must be longer"),
    ("POST", "/api/play", {}, {"sequence": "breathe", "duration": "soon"}, 400, "duration: "),
    ("POST", "/api/play", {}, {"sequence": "breathe", "duration": [5]}, 400, "duration: expected a duration"),
    ("POST", "/api/play", {}, {"sequence": "breathe", "duration": "25h"}, 400, "longer than 24 hours"),
    ("POST", "/api/play", {}, {"sequence": "missing"}, 400, "sequence 'missing': no sequence of that name"),
    ("POST", "/api/play", {}, {"sequence": "breathe", "speed": 2}, 400, "unknown field 'speed'"),
]


@pytest.mark.parametrize("method, path, query, body, status, message", REFUSED,
                         ids=[f"{m} {p} {q or ''} {b!r}"[:70] for m, p, q, b, *_ in REFUSED])
def test_a_refused_request_answers_its_status_and_one_line_and_changes_nothing(api, method, path, query, body,
                                                                                status, message):
    added(api, time="07:00")
    before = state(api)
    got_status, answer = api.handle(method, path, query, body)
    assert got_status == status
    assert list(answer) == ["error"] and message in answer["error"] and "\n" not in answer["error"]
    assert state(api) == before


def test_a_refused_alarm_leaves_the_alarms_as_they_were_and_the_next_is_accepted(api):
    first = added(api, time="07:00")
    assert api.handle("POST", "/api/alarms", {}, {"time": "25:00"})[0] == 400
    second = added(api, time="08:00")
    assert api.handle("GET", "/api/alarms") == (200, [first, second])


def test_the_local_client_splits_the_query_from_the_path(api):
    client = LocalClient(api)
    client.request("POST", "/api/alarms", {"time": "07:00"})
    client.request("POST", "/api/alarms", {"kind": "bedtime", "time": "22:00"})
    status, answer = client.request("GET", "/api/alarms?kind=bedtime&kind=wake")  # the last one counts
    assert status == 200 and [a["kind"] for a in answer] == ["wake"]


# Over HTTP

@pytest.fixture
def server(api):
    running = ApiServer(api, 0).start()
    yield running
    running.close()


def raw_request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), json.loads(response.read())
    finally:
        connection.close()


def test_over_http_a_get_and_a_change_work_and_answer_json(server, years):
    client = HttpClient(server.port, timeout_s=5)
    assert client.request("GET", "/api/alarms") == (200, [])
    status, alarm = client.request("POST", "/api/alarms", {"time": "07:00", "label": "over http"})
    assert status == 201 and alarm["label"] == "over http"
    assert client.request("GET", "/api/next?count=1")[1][0]["at"] == shifted("2026-11-23T07:00:00+01:00", years)
    assert client.request("GET", "/api/status") == (200, {"showing": "nothing", "clock_trusted": True})
    assert raw_request(server.port, "GET", "/api/alarms?kind=wake")[:2] == (200, "application/json")
    assert client.request("DELETE", "/api/alarms/1")[0] == 200
    assert service_running(server.port)


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "text/plain"},
                                     {"Content-Type": "application/x-www-form-urlencoded"}])
def test_over_http_a_change_must_say_it_is_json(server, api, headers):
    before = state(api)
    status, content_type, answer = raw_request(server.port, "POST", "/api/alarms", b'{"time": "07:00"}', headers)
    assert (status, content_type) == (415, "application/json")
    assert answer == {"error": "send JSON with Content-Type: application/json"}
    assert state(api) == before


def test_over_http_json_with_a_charset_is_json(server, api):
    status, _, _ = raw_request(server.port, "POST", "/api/alarms", b'{"time": "07:00"}',
                               {"Content-Type": "application/json; charset=utf-8"})
    assert status == 201 and len(api.book.alarms()) == 1


@pytest.mark.parametrize("body, message", [
    (b"{time: 07:00}", "the request body is not JSON"),
    (b"\xff\xfe", "the request body is not JSON"),
    (b"[1, 2]", "the request body must be a JSON object"),
    (b'{"time": "07:00", "rise": true}', "rise must be a duration"),
    (b"x" * (MAX_BODY_BYTES + 1), f"the request body is larger than {MAX_BODY_BYTES} bytes"),
])
def test_over_http_a_bad_body_is_refused_in_one_line_and_changes_nothing(server, api, body, message):
    before = state(api)
    status, _, answer = raw_request(server.port, "POST", "/api/alarms", body, {"Content-Type": "application/json"})
    assert status == 400 and message in answer["error"] and "\n" not in answer["error"]
    assert state(api) == before


@pytest.mark.parametrize("length", ["-1", "ten", "1e3"])
def test_over_http_a_malformed_content_length_is_refused_not_waited_on(server, api, length):
    before = state(api)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(f"POST /api/alarms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {length}\r\n\r\n{{}}".encode())
        reply = b""
        while chunk := sock.recv(4096):  # the server answers, then closes: no read(-1) waiting for us
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body) == {"error": f"Content-Length {length!r} is not a number of bytes"}
    assert state(api) == before


def test_over_http_a_bug_is_a_500_with_one_line_and_the_server_goes_on(server, api, controls, caplog):
    def broken() -> dict:
        raise RuntimeError("a bug")
    controls.status = broken
    status, _, answer = raw_request(server.port, "GET", "/api/status")
    assert (status, answer) == (500, {"error": "internal error: RuntimeError"})
    assert "API GET /api/status failed" in caplog.text
    assert raw_request(server.port, "GET", "/api/alarms")[0] == 200


def test_the_server_closes_cleanly_and_stops_listening(api):
    server = ApiServer(api, 0).start()
    port = server.port
    assert port > 0 and HttpClient(port, timeout_s=5).request("GET", "/api/alarms") == (200, [])
    server.close()
    assert not any(thread.is_alive() for thread in server._threads)  # noqa: SLF001 - the serving threads ended
    assert not service_running(port)
    ApiServer(api, 0).close()  # a server never started closes too


def test_a_taken_port_is_an_oserror(server, api):
    with pytest.raises(OSError):
        ApiServer(api, server.port)
