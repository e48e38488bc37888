"""Fuzz every JSON API endpoint: `Api.handle` in-process (methods, paths, queries and bodies), and
a running ApiServer over real HTTP on 127.0.0.1 (headers, garbage bodies, huge or false
Content-Length, invalid JSON, wrong Content-Type).

Every answer must be JSON with a known status (never 500) whose error is one line, within a
bound; and a request that was refused must leave the store's alarms and occurrences unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from device.clock import ManualClock
from device.config import load_config
from device.output import NullOutput
from device.service import Service, build_service
from device.settings import EDITABLE
from device.web.gate import static_files
from device.web.preview import EventStream
from sequences.catalog import builtin_names
from tests.fuzz.mutations import EXTREME_NUMBERS, bounded, examples, json_scalars, json_values, tricky_text
from tests.fuzz.store_state import restore_rows
from tests.device.service.conftest import make_home, store_rows

# 401/403/429: the web gate (no pairing, a foreign Host, a locked pairing); 503: a control with no service
STATUSES = {200, 201, 400, 401, 403, 404, 415, 429, 503}
ALARM_FIELDS = ("kind", "time", "days", "sequence", "rise", "hold", "label", "enabled")
CONTROLS = ("status", "snooze", "dismiss", "stop", "light", "play")



# ISO times near the ends of what datetime holds, and in the zones' far offsets.
instants = st.builds(lambda when, offset: when.isoformat(timespec="minutes") + offset,
                     st.datetimes(), st.sampled_from(("", "+14:00", "-12:00", "Z", "+00:00")))


alarm_ids = st.one_of(st.sampled_from(("1", "2", "3", "99", "0", "00000000001")), tricky_text)


@st.composite
def paths(draw) -> str:
    shape = draw(st.sampled_from(("alarms", "alarm", "alarm-action", "next", "control", "garbage")))
    if shape == "alarms":
        path = "/api/alarms"
    elif shape == "alarm":
        path = f"/api/alarms/{draw(alarm_ids)}"
    elif shape == "alarm-action":
        action = draw(st.one_of(st.sampled_from(("skip", "enable", "disable")), st.text(max_size=8)))
        path = f"/api/alarms/{draw(alarm_ids)}/{action}"
    elif shape == "next":
        path = "/api/next"
    elif shape == "control":
        path = f"/api/{draw(st.sampled_from(CONTROLS))}"
    else:
        path = "/" + "/".join(draw(st.lists(st.one_of(st.sampled_from(("api", "alarms", "")), st.text(max_size=6)),
                                            max_size=5)))
    return path + draw(st.sampled_from(("", "", "/", "//")))


queries = st.dictionaries(st.one_of(st.sampled_from(("kind", "count", "from")), st.text(max_size=6)),
                          st.one_of(tricky_text, st.sampled_from(EXTREME_NUMBERS)), max_size=3)


@st.composite
def bodies(draw):
    """Mostly objects with the API's own fields, holding anything; sometimes anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    fields = draw(st.lists(st.sampled_from(ALARM_FIELDS + ("minutes", "on", "sequence", "duration")), max_size=6))
    value = st.one_of(tricky_text, json_values)
    body = {name: draw(value) for name in fields}
    if draw(st.booleans()):
        body.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2)))
    return body


def check_answer(status: int, answer, request) -> None:
    assert status in STATUSES, (status, answer, request)
    if isinstance(answer, EventStream):  # a preview, not yet open: the server streams it (tests/device/web)
        assert status == 200, request
        return
    text = json.dumps(answer)
    assert text
    if status >= 300:
        message = answer["error"]
        assert isinstance(message, str) and message.isprintable() and len(message) < 600, (message, request)


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Service:
    home = make_home(tmp_path_factory.mktemp("home"), location=(52.52, 13.40))
    clock = ManualClock(dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.timezone.utc))
    running = build_service(load_config(home), NullOutput(12), clock=clock, port=0).start()
    running.book.add("wake", "06:00", "weekdays", label="work")
    running.book.add("bedtime", "22:30")
    running.book.add("wake", "09:00", "2026-12-24", enabled=False)
    yield running
    running.shutdown()


def undo(service: Service, before: tuple[list, list]) -> None:
    """Put back the alarms a request that succeeded changed, and tell the service."""
    if store_rows(service.config.home) != before:
        restore_rows(service.config.home, before)
        service.changed()


def handle(service: Service, method: str, path: str, query: dict, body) -> None:
    home = service.config.home
    before = store_rows(home)
    request = (method, path, query, body)
    with bounded(5.0, request):
        status, answer = service.api_server.api.handle(method, path, query, body)
    check_answer(status, answer, request)
    if status >= 300 or method == "GET":
        assert store_rows(home) == before, request
    undo(service, before)


@settings(max_examples=examples(600), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(("GET", "POST", "DELETE", "PUT", "")), path=paths(), query=queries, body=bodies())
# Crashes the fuzzer found: a path or value echoed with a control character or at full length;
# digits that str.isdigit() takes and int() does not (an id, a count); more digits than int() reads.
@example(method="GET", path="/api/alarms/\x00", query={}, body=None)
@example(method="GET", path="/api/alarms", query={"kind": "x" * 5000}, body=None)
@example(method="GET", path="/api/alarms/" + "x" * 5000, query={}, body=None)
@example(method="DELETE", path="/api/alarms/\u00b2", query={}, body=None)
@example(method="GET", path="/api/next", query={"count": "\u00b2"}, body=None)
@example(method="GET", path="/api/next", query={"count": "9" * 5000}, body=None)
def test_any_request_is_answered_with_json_and_one_line(service, method, path, query, body):
    handle(service, method, path, query, body)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.dictionaries(st.sampled_from(ALARM_FIELDS), st.one_of(tricky_text, json_scalars), min_size=1))
@example(fields={"days": "9999-12-31"})  # was "already past": beyond what upcoming() looks at
@example(fields={"sequence": "a\x00.toml"})  # ValueError from open()
@example(fields={"sequence": "a" * 5000})  # OSError from Path.is_file(): the name is too long
def test_a_new_alarm_is_added_or_refused_in_one_line(service, fields):
    handle(service, "POST", "/api/alarms", {}, {"time": "06:30", **fields})


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.fixed_dictionaries({}, optional={"count": tricky_text, "from": st.one_of(tricky_text, instants),
                                                 "kind": tricky_text}))
@example(query={"from": "9999-12-31T23:59"})  # OverflowError: 400 days past the last datetime
@example(query={"from": "0001-01-01T00:00"})  # OverflowError: the day before the first
def test_coming_occurrences_are_listed_or_refused_in_one_line(service, query):
    handle(service, "GET", "/api/next", query, None)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(("GET", "POST", "DELETE")), ident=alarm_ids,
       action=st.sampled_from(("", "/skip", "/enable", "/disable")), kind=st.sampled_from(("", "wake", "bedtime", "x")))
def test_an_alarm_is_changed_or_refused_in_one_line(service, method, ident, action, kind):
    handle(service, method, f"/api/alarms/{ident}{action}", {"kind": kind}, None)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(control=st.sampled_from(CONTROLS), body=st.fixed_dictionaries({}, optional={
    "minutes": json_scalars, "on": json_scalars, "sequence": tricky_text, "duration": json_scalars}))
@example(control="snooze", body={"minutes": 10**400})  # OverflowError in math.isfinite()
@example(control="play", body={"sequence": "x\x00.toml"})  # ValueError from open()
def test_a_control_is_done_or_refused_in_one_line(service, control, body):
    handle(service, "GET" if control == "status" else "POST", f"/api/{control}", {}, body)
    service.controller.stop()  # whatever it started playing: the next case starts dark


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(st.dictionaries(st.sampled_from(sorted(EDITABLE)), st.one_of(tricky_text, json_scalars),
                                      max_size=3), json_values))
@example(body={"clock.timezone": "../../etc/passwd"})  # a zone name is a file name to zoneinfo
@example(body={"ring.led_type": "x\x00"})
@example(body={"ring.pixels": 10**400})
def test_settings_are_written_or_refused_in_one_line_and_a_refusal_leaves_config_toml(service, body):
    config = service.config.home / "config.toml"
    before = config.read_bytes()
    try:
        with bounded(5.0, body):
            status, answer = service.api_server.api.handle("POST", "/api/settings", {}, body)
        check_answer(status, answer, body)
        if status >= 300:
            assert config.read_bytes() == before, body
    finally:
        config.write_bytes(before)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(("GET", "GET", "POST")), name=st.one_of(st.sampled_from(builtin_names()), tricky_text),
       what=st.one_of(st.sampled_from(("timeline", "preview", "preview", "")), tricky_text),
       query=st.dictionaries(st.sampled_from(("speed", "from")), st.one_of(tricky_text, st.sampled_from(EXTREME_NUMBERS)),
                             max_size=2))
@example(method="GET", name="lavender-dawn", what="preview", query={"speed": "1e999"})
@example(method="GET", name="%00", what="timeline", query={})
def test_a_sequence_request_is_answered_or_refused_in_one_line(service, method, name, what, query):
    handle(service, method, f"/api/sequences/{name}/{what}".rstrip("/"), query, None)


# Over HTTP: what reaches the server is bytes, not a method and a dict.

PAGE_FILES = static_files()  # path -> (bytes, content type): a GET of one is answered with the file
HTTP_LAYER = {400, 414, 431, 501}  # http.server's own answers to a request it cannot parse (HTML, not JSON)
CONTENT_TYPES = ("application/json", "application/json; charset=utf-8", "Application/JSON", "text/plain",
                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "json", ";;;",
                 "application/json; charset=latin-1")
garbage_bodies = st.one_of(
    bodies().map(lambda body: json.dumps(body).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.sampled_from((b"", b" ", b"{", b"[1,", b"NaN", b"-Infinity", b'{"kind": "wake",}', b"\xff\xfe{}", b"\x00",
                     b"null", b"[]", b'"text"', b"1e999999", b"9" * 5000, b"[" * 5000 + b"]" * 5000,
                     b'{"a": ' * 2000 + b"1" + b"}" * 2000, '{"label": "\u00e9"}'.encode("latin-1"))),
    st.binary(max_size=64),
)


@st.composite
def http_requests(draw) -> tuple[bytes, bool]:
    """(the request's bytes, whether it is one a JSON answer is due to: a well-formed request line)."""
    method = draw(st.sampled_from(("GET", "POST", "DELETE", "POST", "PUT", "HEAD", "OPTIONS", "PATCH", "G\x00T", "")))
    path = draw(paths())
    if draw(st.booleans()):
        path += "?" + draw(st.one_of(
            queries.map(lambda query: "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())),
            st.sampled_from(("%zz", "&&=&", "count=%00", "kind=%ff", "from=%2B14%3A00", "count=1&count=2&count=x")),
            st.text(max_size=12).map(lambda text: quote(text, safe="=&%"))))
    version = draw(st.sampled_from(("HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTP/1.1x", "")))
    body = draw(garbage_bodies)
    headers = [("Host", "127.0.0.1")]
    content_type = draw(st.one_of(st.none(), st.sampled_from(CONTENT_TYPES)))
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    length = draw(st.sampled_from(("right", "right", "none", "huge", "negative", "text", "float", "short", "long",
                                   "twice", "padded")))
    lengths = {"right": str(len(body)), "huge": "99999999999999999999", "negative": "-1", "text": "many",
               "float": "1e3", "short": str(max(len(body) - 1, 0)), "long": str(len(body) + 10),
               "twice": str(len(body)), "padded": f" {len(body)} "}
    if length != "none":
        headers.append(("Content-Length", lengths[length]))
    if length == "twice":
        headers.append(("Content-Length", "0"))
    headers += draw(st.lists(st.one_of(
        st.sampled_from((("Transfer-Encoding", "chunked"), ("Expect", "100-continue"), ("Connection", "close"),
                         ("Connection", "keep-alive"), ("Origin", "http://evil.example"), ("X-" + "a" * 2000, "b"))),
        st.tuples(st.from_regex(r"[A-Za-z-]{1,12}", fullmatch=True), st.text(max_size=20))), max_size=3))
    head = f"{method} {quote(path, safe='/?&=%')} {version}".rstrip() + "\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers)
    well_formed = method in ("GET", "POST", "DELETE") and version in ("HTTP/1.1", "HTTP/1.0")
    return head.encode("utf-8", "surrogateescape") + b"\r\n" + body, well_formed


def exchange(port: int, request: bytes, timeout_s: float = 5.0) -> bytes:
    """Send the request, say it is all (so a server waiting for a body it was promised sees the
    end), and read the whole answer. A server that never answers fails on the timeout."""
    received = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        try:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
        except TimeoutError:
            raise
        except OSError:  # the server has answered and closed already (it refused the headers): read its answer
            pass
        try:
            while chunk := sock.recv(65536):
                received.append(chunk)
        except ConnectionResetError:  # it closed with some of the request unread: the answer came first
            pass
    return b"".join(received)


def first_answer(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the first final (not 1xx) answer in `raw`."""
    while True:
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = (line.partition(":") for line in lines[1:])
        headers = {name.strip().lower(): value.strip() for name, _, value in fields}
        if status >= 200:
            return status, headers, rest[:int(headers.get("content-length", len(rest)))]
        raw = rest


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=http_requests())
@example(case=(b"POST /api/stop HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: many\r\n\r\n{}", True))
@example(case=(b"POST /api/stop HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}", True))
@example(case=(b"POST /api/stop HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n"
               + b"[" * 5000 + b"]" * 5000, True))  # RecursionError in json.loads: a 500
def test_any_http_request_gets_an_answer_never_a_500(service, case):
    request, well_formed = case
    home = service.config.home
    before = store_rows(home)
    with bounded(6.0, request[:300]):
        raw = exchange(service.port, request)
    if not raw.startswith(b"HTTP/1."):  # http.server answers a request line with no (or a bad) version as HTTP/0.9 did
        assert not well_formed and b"internal error" not in raw, (raw[:200], request[:300])
        return
    status, headers, body = first_answer(raw)
    words = request.partition(b"\r\n")[0].decode("utf-8", "replace").split(" ")
    target = words[1] if len(words) > 1 else ""
    if target.startswith("//"):  # http.server reads "//x" as "/x" (no open redirect), as the page's "/" too
        target = "/" + target.lstrip("/")
    page = PAGE_FILES.get(target.split("?", 1)[0]) if well_formed and words[0] == "GET" else None
    if page is not None:  # one of the phone page's own files: the file, not JSON
        assert status == 200 and headers.get("content-type") == page[1], (status, headers, request[:300])
    elif well_formed or headers.get("content-type") == "application/json":
        assert headers.get("content-type") == "application/json", (status, body[:200], request[:300])
        check_answer(status, json.loads(body), request[:300])
    else:
        assert status in STATUSES | HTTP_LAYER, (status, body[:200], request[:300])
    if status >= 300:
        assert store_rows(home) == before, request[:300]
    undo(service, before)
    service.controller.stop()
