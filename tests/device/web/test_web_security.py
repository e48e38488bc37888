"""The pairing gate, over HTTP (no browser): every change refuses a missing or wrong token, a
foreign Host and another site's Origin, and changes nothing; reads off the loopback need the token
too; codes are one-time, expire, and wrong ones lock pairing out for longer and longer (on the
service's clock); the store keeps only hashes; no log line carries a code or a token; the page's
URL (for Home Assistant's link) names the light by a name the gate allows."""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import sqlite3

import pytest

from device.web import gate
from device.web.pairing import CODE_VALID_S, FIRST_LOCKOUT_S, FREE_ATTEMPTS

# Every request that changes something, with a body that would be accepted.
CHANGES = [
    ("POST", "/api/alarms", {"kind": "wake", "time": "06:30", "days": "weekdays"}),
    ("POST", "/api/alarms/1", {"time": "06:30", "label": "work"}),
    ("DELETE", "/api/alarms/1", None),
    ("POST", "/api/alarms/1/skip", None),
    ("POST", "/api/alarms/1/unskip", None),
    ("POST", "/api/alarms/1/disable", None),
    ("POST", "/api/alarms/1/enable", None),
    ("POST", "/api/pause", {"from": "2026-12-24", "to": "2026-12-26"}),
    ("POST", "/api/resume", {}),
    ("POST", "/api/snooze", {}),
    ("POST", "/api/dismiss", {}),
    ("POST", "/api/stop", {}),
    ("POST", "/api/skip-next", {}),
    ("POST", "/api/light", {"on": True, "level": 0.5}),
    ("POST", "/api/play", {"sequence": "breathe", "duration": "1m"}),
    ("POST", "/api/settings", {"output.brightness": 0.5}),
    ("DELETE", "/api/devices/1", None),
    ("POST", "/api/pair/code", {}),
    ("POST", "/api/pair/forget", {}),
]
READS = ["/api/status", "/api/alarms", "/api/next", "/api/pauses", "/api/sequences", "/api/sequences/breathe/timeline",
         "/api/log", "/api/settings", "/api/devices"]


def snapshot(light) -> tuple:
    """Everything a change could touch: the alarms and their next times, the pauses, what shows,
    the settings (and config.toml itself), the paired devices."""
    trusted = "127.0.0.1"
    paths = ("/api/alarms", "/api/pauses", "/api/status", "/api/settings", "/api/devices")
    config = (light.cli.home / "config.toml").read_bytes()
    return (*(light.request("GET", path, host=trusted).body for path in paths), config)


@pytest.mark.parametrize("method, path, body", CHANGES, ids=[f"{m} {p}" for m, p, _ in CHANGES])
def test_a_change_without_the_right_token_host_and_origin_is_refused_and_changes_nothing(light, method, path, body):
    assert light.request("POST", "/api/alarms", {"kind": "wake", "time": "07:00", "days": "daily"},
                         host="127.0.0.1").status == 201
    token = light.pair()
    before = snapshot(light)
    refusals = {
        "no token": light.request(method, path, body),
        "a wrong token": light.request(method, path, body, token=token[:-2] + ("AA" if token[-2:] != "AA" else "BB")),
        "a foreign Host": light.request(method, path, body, token=token, host="attacker.example"),
        "a rebound name": light.request(method, path, body, token=token, host="emberwake.attacker.example"),
        "another site's Origin": light.request(method, path, body, token=token,
                                               headers={"Origin": "http://attacker.example"}),
        "a cross-site fetch": light.request(method, path, body, token=token, headers={"Sec-Fetch-Site": "cross-site"}),
        "a form post": light.request(method, path, body, token=token, headers={"Content-Type": "text/plain"}),
    }
    for what, answer in refusals.items():
        assert answer.status in (401, 403, 415), f"{what}: {answer.status} {answer.body}"
        assert "access-control-allow-origin" not in answer.headers, what
        assert snapshot(light) == before, f"{what} changed something"
    if not path.startswith("/api/pair/"):  # the same request, done right, goes through (so the refusals mean something)
        origin = {"Origin": f"http://emberwake.local:{light.port}"}
        answer = light.request(method, path, body, token=token, headers=origin)
        assert answer.status < 400 or answer.status == 400 and "error" in answer.body, answer.body
        assert answer.status not in (401, 403, 415)


def test_reads_off_the_loopback_need_the_token_and_the_page_itself_is_open(light):
    for path in READS:
        assert light.request("GET", path).status == 401, path
        assert light.request("GET", path, host="127.0.0.1").status == 200, path  # the CLI, on the light
    token = light.pair()
    for path in READS:
        assert light.request("GET", path, token=token).status == 200, path
        assert light.request("GET", path, token=token, host="evil.example").status == 403, path
    page = light.request("GET", "/")
    assert page.status == 200 and b"/static/app.js" in page.body
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert b"<script>" not in page.body and not re.search(rb"\son[a-z]+=", page.body)  # no inline script
    assert light.request("GET", "/", host="attacker.example").status == 403
    assert light.request("GET", "/static/../pairing.py").status == 404


def test_the_cookie_is_httponly_and_strict_and_works_like_the_bearer_token(light):
    answer = light.request("POST", "/api/pair", {"code": light.code()})
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    pair = cookie.split(";", 1)[0]
    assert pair == f"emberwake_token={answer.body['token']}"
    assert light.request("GET", "/api/status", headers={"Cookie": pair}).status == 200
    assert light.request("POST", "/api/light", {"on": True}, headers={"Cookie": pair}).status == 200
    assert light.request("GET", "/api/status", headers={"Cookie": "emberwake_token=guess"}).status == 401


def test_a_code_works_once_and_not_after_five_minutes(light):
    code = light.code()
    assert light.request("POST", "/api/pair", {"code": code}).status == 200
    assert light.request("POST", "/api/pair", {"code": code}).status == 403  # used up
    code = light.code()
    light.clock.advance(CODE_VALID_S + 1)
    assert light.request("POST", "/api/pair", {"code": code}).status == 403  # expired


def test_a_new_code_replaces_the_last(light):
    first = light.code()
    second = light.code()
    if first != second:  # one in a million they are the same
        assert light.request("POST", "/api/pair", {"code": first}).status == 403
    assert light.request("POST", "/api/pair", {"code": second}).status == 200


def test_wrong_codes_lock_pairing_out_for_longer_and_longer_on_the_service_clock(light):
    code = light.code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(FREE_ATTEMPTS):
        assert light.request("POST", "/api/pair", {"code": wrong}).status == 403
    locked = light.request("POST", "/api/pair", {"code": code})  # even the right code, while locked
    assert locked.status == 429 and "locked" in locked.body["error"] and int(locked.headers["retry-after"]) > 0
    light.clock.advance(FIRST_LOCKOUT_S - 1)
    assert light.request("POST", "/api/pair", {"code": code}).status == 429
    light.clock.advance(1.5)
    assert light.request("POST", "/api/pair", {"code": wrong}).status == 403  # the sixth wrong one: twice as long
    light.clock.advance(FIRST_LOCKOUT_S + 1)
    assert light.request("POST", "/api/pair", {"code": code}).status == 429
    light.clock.advance(FIRST_LOCKOUT_S)
    assert light.request("POST", "/api/pair", {"code": code}).status == 200  # and a success clears the count
    assert light.request("POST", "/api/pair", {"code": "not a code"}).status == 403


def test_tokens_are_stored_only_as_hashes_and_unpair_forgets_them(light):
    tokens = [light.pair(), light.pair()]
    light.service.store.set_meta("checkpoint", "1")  # the WAL may hold the rows: look at every file
    raw = b"".join(p.read_bytes() for p in light.cli.home.glob("alarms.db*"))
    for token in tokens:
        assert token.encode() not in raw
    with sqlite3.connect(light.cli.home / "alarms.db") as db:
        stored = sorted(row[0] for row in db.execute("SELECT token_sha256 FROM web_tokens"))
    db.close()
    assert stored == sorted(hashlib.sha256(t.encode()).hexdigest() for t in tokens)
    assert "unpaired 2" in light.cli.ok("web", "unpair")
    assert light.request("GET", "/api/status", token=tokens[0]).status == 401


def test_no_log_line_carries_a_code_or_a_token(light, caplog):
    caplog.set_level(logging.DEBUG)
    code = light.code()
    light.request("POST", "/api/pair", {"code": "999999" if code != "999999" else "888888"})
    token = light.request("POST", "/api/pair", {"code": code}).body["token"]
    light.request("POST", "/api/light", {"on": True}, token=token)
    light.request("GET", "/api/status", token=token)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "a phone was paired" in text and "night light by web" in text
    assert code not in text and token not in text


def test_web_pair_without_a_running_service_says_so_in_one_line(tmp_path, capsys):
    from tests.device.service.conftest import Cli, make_home
    code, out, err = Cli(make_home(tmp_path / "home"), capsys)("web", "pair")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and "service" in err


def test_web_listen_serves_the_same_gate_on_one_more_address(tmp_path, capsys, web_clock):
    from device.config import load_config
    from device.output import NullOutput
    from device.service import build_service
    from tests.device.service.conftest import make_home
    home = make_home(tmp_path / "home")
    with (home / "config.toml").open("a") as config:
        config.write('\n[web]\nlisten = "127.0.0.1:0"\nhosts = ["Bedside.lan"]\n')
    service = build_service(load_config(home), NullOutput(12), clock=web_clock).start()
    try:
        from tests.device.web.conftest import Light
        from tests.device.service.conftest import Cli
        light = Light(service, Cli(home, capsys, web_clock), web_clock)
        web_port = service.api_server.web_address[1]
        assert web_port != service.port
        assert light.request("GET", "/api/status", port=web_port).status == 401
        token = light.pair()
        assert light.request("GET", "/api/status", token=token, port=web_port, host="bedside.lan").status == 200
        assert light.request("GET", "/api/status", token=token, port=web_port, host="other.lan").status == 403
    finally:
        service.shutdown()


@pytest.mark.parametrize("text, problem", [('listen = "8080"', "web.listen"), ('listen = "0.0.0.0:80"', "1024-65535"),
                                           ('hosts = "x"', "web.hosts"), ('port = 1', "web.port")])
def test_a_bad_web_section_is_one_line_naming_the_key(tmp_path, text, problem):
    from device.config import ConfigError, load_config
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(f"[web]\n{text}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(home)
    assert len(str(error.value).splitlines()) == 1 and problem in str(error.value), str(error.value)


def test_host_names_are_read_without_case_port_or_brackets(light):
    assert light.request("GET", "/api/status", host="[::1]").status == 200  # the loopback, by its IPv6 name
    assert light.request("GET", "/api/status", host="EmberWake.LOCAL").status == 401  # known, but needs the token
    assert light.request("GET", "/api/status", host="[::2]").status == 403
    assert light.request("GET", "/api/status", host="127.0.0.1.attacker.example").status == 403


@pytest.mark.parametrize("address, hosts, machine, url", [
    (("192.168.1.20", 8080), ("bedside.lan",), "pi", "http://192.168.1.20:8080/"),
    (("fe80::1", 8080), (), "pi", "http://[fe80::1]:8080/"),
    (("0.0.0.0", 8080), ("bedside.lan",), "pi", "http://bedside.lan:8080/"),
    (("0.0.0.0", 8080), (), "Bedside", "http://bedside.local:8080/"),  # mDNS answers a bare name as NAME.local
    (("::", 8081), (), "pi.home.lan", "http://pi.home.lan:8081/"),
])
def test_the_phone_pages_url_names_the_light_as_the_gate_allows_it(monkeypatch, address, hosts, machine, url):
    monkeypatch.setattr(gate.socket, "gethostname", lambda: machine)
    monkeypatch.setattr(gate.socket, "getaddrinfo", lambda *args: [])  # no resolver asked in a test
    assert gate.page_url(address, hosts) == url
    host = url.split("//")[1].rsplit(":", 1)[0].strip("[]")
    assert host in gate.allowed_hosts(hosts) or host == address[0]  # an address is allowed as the one reached


@pytest.mark.parametrize("kind", ["code", "confirm by the button"])
def test_pairing_refuses_a_foreign_host_and_another_sites_request_and_counts_none_of_them(light, kind):
    code = light.code()
    body = {"code": code} if kind == "code" else {"confirm": "button"}
    refusals = {
        "a foreign Host": light.request("POST", "/api/pair", body, host="attacker.example"),
        "a rebound name": light.request("POST", "/api/pair", body, host="emberwake.attacker.example"),
        "another site's Origin": light.request("POST", "/api/pair", body, headers={"Origin": "http://attacker.example"}),
        "a cross-site fetch": light.request("POST", "/api/pair", body, headers={"Sec-Fetch-Site": "cross-site"}),
        "a form post": light.request("POST", "/api/pair", body, headers={"Content-Type": "text/plain"}),
        "a GET": light.request("GET", "/api/pair"),
    }
    for what, answer in refusals.items():
        assert answer.status in (401, 403, 404, 405, 415), f"{what}: {answer.status} {answer.body}"
        assert "token" not in answer.body and "request" not in answer.body, what
        assert "access-control-allow-origin" not in answer.headers, what
    assert len(refusals) > FREE_ATTEMPTS  # had any reached the pairing, it would now be locked out
    answer = light.request("POST", "/api/pair", body)  # the code is still open, and nothing was counted
    assert answer.status == (200 if kind == "code" else 202), answer.body


@pytest.mark.parametrize("listen, euid, warned", [("0.0.0.0:0", 0, True), ("0.0.0.0:0", 1000, False),
                                                  ("127.0.0.1:0", 0, False)],
                         ids=["root off the loopback", "a user off the loopback", "root on the loopback"])
def test_root_serving_the_page_off_the_loopback_says_so_in_one_warning_at_start(tmp_path, web_clock, monkeypatch,
                                                                                  caplog, listen, euid, warned):
    from device import service as service_module
    from device.config import load_config
    from device.output import NullOutput
    from tests.device.service.conftest import make_home
    monkeypatch.setattr(service_module.os, "geteuid", lambda: euid)  # no test runs as root
    home = make_home(tmp_path / "home")
    with (home / "config.toml").open("a") as config:
        config.write(f'\n[web]\nlisten = "{listen}"\n')
    caplog.set_level(logging.INFO)
    running = service_module.build_service(load_config(home), NullOutput(12), clock=web_clock, gpio=False).start()
    running.shutdown()
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "root" in r.getMessage()]
    assert len(lines) == warned, lines
    if warned:
        assert "0.0.0.0" in lines[0] and "emberwake user" in lines[0] and "\n" not in lines[0]


def test_the_page_is_sent_gzipped_to_a_browser_that_takes_it_and_whole_to_one_that_does_not(light):
    from device.web.gate import static_files
    files = static_files()
    for path in ("/", "/static/app.js", "/static/app.css"):
        plain = light.request("GET", path)
        packed = light.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert plain.status == packed.status == 200
        assert "content-encoding" not in plain.headers and plain.body == files[path][0]
        assert packed.headers["content-encoding"] == "gzip" and gzip.decompress(packed.body) == files[path][0]
        assert len(packed.body) < len(plain.body) / 2
