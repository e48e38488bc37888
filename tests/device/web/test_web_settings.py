"""The settings and the paired devices over HTTP, as a paired phone reaches them (emberwake.local
on the loopback, so the gate applies): the settings from the running config, a change written to
config.toml with what applies at once applied to the running light; the paired devices listed
(never a hash) and one revoked, whose token then stops working at once."""

from __future__ import annotations

import datetime as dt
import sqlite3

from device.store import _SCHEMA_V1, MIGRATIONS, Store
from tests.dates import local
from tests.device.web.conftest import BERLIN, PHONE_AGENT


def test_the_settings_are_the_running_config_and_a_change_applies_at_once_or_on_restart(light):
    token = light.pair()
    answer = light.request("GET", "/api/settings", token=token)
    assert answer.status == 200 and answer.body["problem"] is None and answer.body["restart"] == []
    assert answer.body["values"]["clock.timezone"] == BERLIN and answer.body["values"]["location.latitude"] == 52.52
    assert answer.body["values"]["ring.pixels"] == 24 and answer.body["values"]["output.brightness"] == 1.0
    pipeline = light.service.player.loop.pipeline
    gains_before = pipeline.gains.copy()

    changed = light.request("POST", "/api/settings", {"output.brightness": 0.5, "button.snooze_minutes": 5,
                                                      "ring.pixels": 60}, token=token)
    assert changed.status == 200, changed.body
    assert changed.body["message"] == ("saved; applies now: output.brightness, button.snooze_minutes; "
                                       "applies when the light restarts: ring.pixels")
    assert changed.body["restart"] == ["ring.pixels"]
    text = (light.cli.home / "config.toml").read_text(encoding="utf-8")
    assert "brightness = 0.5" in text and "pixels = 60" in text and "snooze_minutes = 5" in text
    assert list(pipeline.gains) == [g * 0.5 for g in gains_before]  # the next frame is half as bright
    assert light.service.controls.snooze_minutes == 5 and light.service.config.output.brightness == 0.5
    assert light.service.config.ring.pixels == 24  # the running ring is as it was built


def test_a_bad_setting_is_400_in_one_line_naming_the_key_and_config_toml_is_untouched(light):
    token = light.pair()
    before = (light.cli.home / "config.toml").read_bytes()
    for body, start in (({"output.brightness": 2}, "output.brightness: "),
                        ({"clock.timezone": "Nowhere/Land"}, "clock.timezone: "),
                        ({"output.fps": 100}, "unknown field 'output.fps'")):
        answer = light.request("POST", "/api/settings", body, token=token)
        assert answer.status == 400 and answer.body["error"].startswith(start), answer.body
        assert (light.cli.home / "config.toml").read_bytes() == before
    assert light.service.player.loop.pipeline.settings.brightness == 1.0


def test_the_paired_devices_are_listed_without_their_hashes_and_one_can_be_revoked(light):
    phone = light.request("POST", "/api/pair", {"code": light.code()}, headers={"User-Agent": PHONE_AGENT}).body["token"]
    light.clock.advance(3600)
    tablet = light.request("POST", "/api/pair", {"code": light.code()},
                           headers={"User-Agent": "tablet\x1b[31m" + "x" * 300}).body["token"]
    listed = light.request("GET", "/api/devices", token=phone)
    assert listed.status == 200
    assert listed.body == [
        {"id": 1, "paired": local("2026-11-23T04:00", BERLIN).astimezone(dt.timezone.utc).isoformat(),
         "device": PHONE_AGENT, "this": True},
        {"id": 2, "paired": local("2026-11-23T05:00", BERLIN).astimezone(dt.timezone.utc).isoformat(),
         "device": ("tablet\\x1b[31m" + "x" * 300)[:200], "this": False}]
    with sqlite3.connect(light.cli.home / "alarms.db") as db:
        hashes = [row[0] for row in db.execute("SELECT token_sha256 FROM web_tokens")]
    db.close()
    assert not any(h in str(listed.body) for h in hashes) and phone not in str(listed.body)
    assert [d["this"] for d in light.request("GET", "/api/devices", host="127.0.0.1").body] == [False, False]

    revoked = light.request("DELETE", "/api/devices/2", token=phone)
    assert revoked.status == 200 and revoked.body == {"id": 2, "revoked": True}
    assert light.request("GET", "/api/status", token=tablet).status == 401  # at once
    assert light.request("GET", "/api/status", token=phone).status == 200
    assert [d["id"] for d in light.request("GET", "/api/devices", token=phone).body] == [1]


def test_revoking_no_such_device_or_with_fields_is_refused_and_changes_nothing(light):
    token = light.pair()
    for path, body, status in (("/api/devices/7", None, 404), ("/api/devices/x", None, 404),
                               ("/api/devices/%C2%B2", None, 404), ("/api/devices/1/2", None, 404),
                               ("/api/devices/1", {"all": True}, 400)):
        answer = light.request("DELETE", path, body, token=token)
        assert answer.status == status and list(answer.body) == ["error"], (path, answer.body)
    assert light.request("POST", "/api/devices/1", token=token).status == 404
    assert light.request("GET", "/api/status", token=token).status == 200


def test_a_store_of_schema_3_keeps_its_pairings_with_no_device_name(tmp_path):
    path = tmp_path / "alarms.db"
    with sqlite3.connect(path) as db:
        for script in (_SCHEMA_V1, MIGRATIONS[1], MIGRATIONS[2]):
            db.executescript(script)
        db.execute("INSERT INTO meta VALUES ('schema_version', '3')")
        db.execute("INSERT INTO web_tokens (token_sha256, paired_utc) VALUES ('ab12', '2026-11-23T03:00:00+00:00')")
    db.close()
    store = Store(path)
    try:
        assert store.meta("schema_version") == "4"
        assert store.web_tokens() == [(1, "ab12", dt.datetime(2026, 11, 23, 3, tzinfo=dt.timezone.utc), "")]
    finally:
        store.close()
