"""The Sequences screen's API over HTTP, as a phone on the LAN reaches it: the gallery and its
timelines; a preview's event stream (the engine's frames, paced on the service's clock, ended by
the sequence, by a new stream from the same client, by the client going, or by the service
stopping; at most MAX_STREAMS at once); its refusals, each one line; the pairing gate in front
of it; and the Status screen's /api/status fields and /api/log."""

from __future__ import annotations

import http.client
import json
import logging
import shutil
import threading
from pathlib import Path

import pytest

from device.controller import Mode
from device.health import KEEP_PROBLEMS, firmware_version
from device.web.gallery import TIMELINE_COLUMNS
from device.web.preview import MAX_STREAMS, STREAM_THREAD
from sequences.catalog import builtin_names, load_builtin
from sequences.colour import srgb_codes
from sequences.engine import Renderer
from sequences.timeline import timeline_strip
from tests.device.service.conftest import settle
from tests.device.web.conftest import LAN_HOST, advance_until, wait_until

SEQUENCE = "lavender-dawn"
PREVIEW = f"/api/sequences/{SEQUENCE}/preview"
BROKEN = Path(__file__).resolve().parents[2] / "sequences" / "broken" / "duration-negative.toml"


class Stream:
    """A preview's event stream, read one event at a time as the browser's EventSource reads it."""

    def __init__(self, light, path: str, token: str | None = None, *, client: str = "127.0.0.1",
                 host: str = LAN_HOST, headers: dict[str, str] | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", light.port, timeout=10, source_address=(client, 0))
        sent = {"Host": f"{host}:{light.port}", "Accept": "text/event-stream", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        self.connection.request("GET", path, headers=sent)
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.content_type = self.response.getheader("Content-Type", "")

    def error(self) -> dict:
        """The JSON answer of a request that got no stream."""
        assert not self.content_type.startswith("text/event-stream"), self.content_type
        return json.loads(self.response.read())

    def event(self) -> tuple[str, dict] | None:
        """The next event, (its type, its data), or None once the stream has ended."""
        kind, data = "message", None
        while True:
            line = self.response.fp.readline().decode("utf-8")
            if not line:
                return None
            line = line.rstrip("\n")
            if not line:
                if data is not None:
                    return kind, json.loads(data)
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                kind = value
            elif field == "data":
                data = value

    def close(self) -> None:
        self.response.close()  # its file holds the socket open too
        self.connection.close()


def engine_rgb(light, name: str, t_s: float) -> str:
    """The colours the engine gives the ring at t_s, as an event carries them."""
    frame = Renderer(load_builtin(name), None, light.service.controller.pixels).frame(t_s)
    return srgb_codes(frame).tobytes().hex()


def previews(light):
    return light.service.api_server.api.gallery.previews


@pytest.fixture
def token(light) -> str:
    return light.pair()


def test_a_preview_streams_the_engines_frames_on_the_clock_and_ends_with_the_sequence(light, token):
    settle(light.service, light.clock)
    quiet = light.clock.asleep()
    stream = Stream(light, f"{PREVIEW}?speed=600", token)
    assert (stream.status, stream.content_type) == (200, "text/event-stream")
    assert "frame-ancestors 'none'" in stream.response.getheader("Content-Security-Policy")
    assert stream.event() == ("message", {"t_s": 0.0, "rgb": engine_rgb(light, SEQUENCE, 0.0)})
    assert STREAM_THREAD in {thread.name for thread in threading.enumerate()}

    # Nothing more until the clock moves: the frame due 1/30 s on shows the sequence 20 s on (600x).
    assert light.clock.wait_for_sleepers(quiet + 1)
    light.clock.advance(1.0)
    assert stream.event() == ("message", {"t_s": 20.0, "rgb": engine_rgb(light, SEQUENCE, 20.0)})

    # Past the end (30 min at 600x is 3 s): a late frame, the last one at the end itself, then `end`.
    assert light.clock.wait_for_sleepers(quiet + 1)
    light.clock.advance(5.0)
    events = []
    while (event := stream.event()) is not None:
        events.append(event)
    *frames, end = events
    assert end == ("end", {})
    assert [f["t_s"] for _, f in frames] == sorted(f["t_s"] for _, f in frames) and len(frames) <= 2
    assert frames[-1] == ("message", {"t_s": 1800.0, "rgb": engine_rgb(light, SEQUENCE, 1800.0)})
    wait_until(lambda: previews(light).playing() == 0, "the stream closed")
    assert STREAM_THREAD not in {thread.name for thread in threading.enumerate()}


def test_a_preview_from_a_moment_on(light, token):
    stream = Stream(light, f"{PREVIEW}?speed=1&from=900.5", token)
    kind, frame = stream.event()
    assert frame == {"t_s": 900.5, "rgb": engine_rgb(light, SEQUENCE, 900.5)}
    stream.close()


@pytest.mark.parametrize("path, status, error", [
    ("/api/sequences/nope/preview", 404, "no sequence 'nope'"),
    ("/api/sequences/lavender%2Ddawn%2F..%2F..%2Fconfig/preview", 404, "no sequence 'lavender-dawn/../../config'"),
    ("/api/sequences/breathe/timeline/more", 404, "no such request GET /api/sequences/breathe/timeline/more"),
    ("/api/sequences/breathe/play", 404, "no such request GET /api/sequences/breathe/play"),
    (f"{PREVIEW}?speed=0", 400, "speed must be a number 1-600x, got '0'"),
    (f"{PREVIEW}?speed=601", 400, "speed must be a number 1-600x, got '601'"),
    (f"{PREVIEW}?speed=fast", 400, "speed must be a number 1-600x, got 'fast'"),
    (f"{PREVIEW}?speed=nan", 400, "speed must be a number 1-600x, got 'nan'"),
    (f"{PREVIEW}?speed=inf", 400, "speed must be a number 1-600x, got 'inf'"),
    (f"{PREVIEW}?from=-1", 400, "from must be a number 0-1800 s, got '-1'"),
    (f"{PREVIEW}?from=1800.1", 400, "from must be a number 0-1800 s, got '1800.1'"),
])
def test_a_bad_preview_request_gets_one_line_and_no_stream(light, token, path, status, error):
    answer = light.request("GET", path, token=token)
    assert (answer.status, answer.body) == (status, {"error": error})
    assert previews(light).playing() == 0


def test_a_sequence_of_yours_that_does_not_load_is_listed_with_why_and_cannot_play(light, token):
    folder = light.service.config.sequence_dirs[0]
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(BROKEN, folder / "mine.toml")
    listed = {s["name"]: s for s in light.request("GET", "/api/sequences", token=token).body}
    assert listed["mine"]["origin"] == "yours"
    assert listed["mine"]["error"].startswith(f"{folder / 'mine.toml'}:")  # the file, and the line
    for what in ("preview", "timeline"):
        answer = light.request("GET", f"/api/sequences/mine/{what}", token=token)
        assert answer.status == 400 and answer.body["error"].startswith(f"sequence 'mine' does not load: {folder}")
        assert "\n" not in answer.body["error"]


def test_a_phone_plays_sequences_by_name_never_a_file_path_which_stays_the_lights_own(light, token, tmp_path):
    own = tmp_path / "elsewhere.toml"
    shutil.copy(Path(__file__).resolve().parents[3] / "sequences" / "builtin" / "breathe.toml", own)
    refused = light.request("POST", "/api/play", {"sequence": str(own)}, token=token)
    assert refused.status == 400 and refused.body["error"].startswith("sequence: no sequence named")
    assert light.service.controls.now().mode is not Mode.MANUAL
    assert light.request("POST", "/api/play", {"sequence": "breathe"}, token=token).status == 200
    assert light.service.controls.now().mode is Mode.MANUAL
    light.request("POST", "/api/stop", {}, token=token)
    on_the_light = light.request("POST", "/api/play", {"sequence": str(own)}, host="127.0.0.1")  # the CLI's door
    assert on_the_light.status == 200, on_the_light.body


def test_a_preview_is_behind_the_pairing_gate(light, token):
    refusals = {
        "no token": Stream(light, PREVIEW),
        "a wrong token": Stream(light, PREVIEW, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")),
        "a foreign Host": Stream(light, PREVIEW, token, host="attacker.example"),
        "another site's Origin": Stream(light, PREVIEW, token, headers={"Origin": "http://attacker.example"}),
        "a cross-site request": Stream(light, PREVIEW, token, headers={"Sec-Fetch-Site": "cross-site"}),
    }
    assert {why: stream.status for why, stream in refusals.items()} == {
        "no token": 401, "a wrong token": 401, "a foreign Host": 403, "another site's Origin": 403,
        "a cross-site request": 403}
    assert all(len(stream.error()["error"].splitlines()) == 1 for stream in refusals.values())
    assert previews(light).playing() == 0
    trusted = Stream(light, PREVIEW, host="127.0.0.1")  # the CLI's door, on the light itself: no pairing
    assert trusted.status == 200 and trusted.event()[0] == "message"
    trusted.close()


def test_one_stream_a_client_at_most_max_streams_and_none_once_the_service_stops(light, token):
    first = Stream(light, PREVIEW, token, client="127.0.0.2")
    assert first.event()[0] == "message"
    again = Stream(light, PREVIEW, token, client="127.0.0.2")  # the same phone starts another
    assert again.event()[0] == "message"
    assert first.event() is None  # the first ended, without `end`: it did not finish
    others = [Stream(light, PREVIEW, token, client=f"127.0.0.{3 + n}") for n in range(MAX_STREAMS - 1)]
    assert all(other.event()[0] == "message" for other in others)
    assert previews(light).playing() == MAX_STREAMS
    refused = Stream(light, PREVIEW, token, client="127.0.0.100")
    assert (refused.status, refused.error()) == (
        503, {"error": f"{MAX_STREAMS} previews are playing already; close one and try again"})

    light.service.api_server.api.close()  # as the service's shutdown does first
    assert all(stream.event() is None for stream in (again, *others))
    late = Stream(light, PREVIEW, token, client="127.0.0.2")
    assert (late.status, late.error()) == (503, {"error": "the light is stopping"})


def test_a_stream_ends_when_its_client_goes(light, token):
    stream = Stream(light, PREVIEW, token)
    assert stream.event()[0] == "message"
    stream.close()
    advance_until(light.clock, lambda: previews(light).playing() == 0, "the stream noticing its client gone",
                  1 / 30)


def test_the_gallery_lists_every_sequence_and_draws_timelines_from_the_engine(light, token):
    listed = light.request("GET", "/api/sequences", token=token).body
    assert [s["name"] for s in listed] == builtin_names()
    sequence = load_builtin(SEQUENCE)
    assert next(s for s in listed if s["name"] == SEQUENCE) == {
        "name": SEQUENCE, "title": sequence.title, "kind": "wake", "description": sequence.description,
        "duration_s": 1800.0, "origin": "built-in"}
    timeline = light.request("GET", f"/api/sequences/{SEQUENCE}/timeline", token=token).body
    strip = timeline_strip(Renderer(sequence, None, light.service.controller.pixels), columns=TIMELINE_COLUMNS)
    assert timeline["colours"] == strip.colours.tobytes().hex()
    assert timeline["levels"] == [round(float(v)) for v in strip.lstar] and timeline["levels"][0] < timeline["levels"][-1]
    assert [p["name"] for p in timeline["phases"]] == [p.name for p in sequence.phases]
    assert timeline["duration_s"] == 1800.0 and timeline["phases"][0]["start_s"] == 0.0
    assert len(json.dumps(timeline)) < 2000  # bytes a sequence: the page draws it, no picture is sent


def test_status_says_version_uptime_and_sync_and_the_log_keeps_the_last_problems(light, token):
    light.clock.advance(90.0)
    status = light.request("GET", "/api/status", token=token).body
    assert (status["version"], status["uptime_s"], status["clock_synchronized"]) == (firmware_version(), 90.0, True)
    light.clock.set_synchronized(False)
    assert light.request("GET", "/api/status", token=token).body["clock_synchronized"] is False

    log = logging.getLogger("emberwake.test")
    log.info("not a problem")
    for n in range(KEEP_PROBLEMS + 5):
        log.warning("problem %d", n)
    problems = light.request("GET", "/api/log", token=token).body
    assert [p["message"] for p in problems] == [f"problem {n}" for n in reversed(range(5, KEEP_PROBLEMS + 5))]
    assert problems[0]["at"] == "2026-11-23T04:01:30+01:00" and problems[0]["level"] == "WARNING"
    assert light.request("POST", "/api/log", {}, token=token).status == 404


def test_a_preview_leaves_the_light_playing_its_own_frames(light, token):
    light.service.controls.play("breathe", by="test")
    settle(light.service, light.clock)
    quiet = light.clock.asleep()
    first = Stream(light, PREVIEW, token)
    assert first.event()[0] == "message"
    second = Stream(light, PREVIEW, token)  # ending the first wakes every sleeper on the clock, the light's too
    assert second.event()[0] == "message" and first.event() is None
    assert light.clock.wait_for_sleepers(quiet + 1)
    light.clock.advance(1.0)
    assert second.event()[0] == "message"
    wait_until(lambda: light.service.player.loop.last_shown_s == light.clock.monotonic(), "the light's frame, on time")
    assert light.service.controls.status()["playing"] == "breathe" and light.service.player.healthy()
