"""Faults in a running light: LEDs that refuse a frame or hang, a full disk, a corrupt store, a
broken config at start. Each is said in one line and the light goes on."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

import numpy as np
import pytest

from device.clock import ManualClock
from device.frame_loop import FrameLoop
from device.output import CaptureOutput
from device.pipeline import OutputSettings, Pipeline
from device.player import OUTPUT_RETRY_S, Player, Program
from tests.logs import keeping_messages

START = dt.datetime(2030, 1, 7, 6, 0, tzinfo=dt.timezone.utc)


class Steady:
    duration_s = 3600.0

    def frame(self, t_s: float) -> np.ndarray:
        return np.full((4, 3), 0.5)


class FlakyOutput(CaptureOutput):
    """Refuses `failures` frames (as an SPI write that errors), then works; or hangs when told."""

    def __init__(self, failures: int):
        super().__init__(4)
        self.failures = failures
        self.hang = threading.Event()
        self.hanging = threading.Event()
        self.release = threading.Event()

    def show(self, codes: np.ndarray) -> None:
        if self.hang.is_set():
            self.hanging.set()
            self.release.wait(10)
        if self.failures and codes.any():
            self.failures -= 1
            raise OSError("SPI transfer failed")
        super().show(codes)


def test_leds_that_refuse_frames_are_said_once_retried_and_the_light_goes_on(caplog):
    clock = ManualClock(START)
    output = FlakyOutput(failures=6)
    player = Player(FrameLoop(output, Pipeline(OutputSettings(), 4), clock, 10.0)).start()
    try:
        with caplog.at_level(logging.INFO, logger="emberwake"):
            player.play(Program(Steady(), label="steady"))
            for refusal in range(6):  # each refusal waits OUTPUT_RETRY_S on the clock, then plays on
                assert clock.wait_for_sleepers(1)
                # No frame out for MAX_SILENCE_S: the watchdog is not fed.
                assert player.healthy() == (refusal < 5)
                clock.advance(OUTPUT_RETRY_S)
            assert clock.wait_for_sleepers(1)
            with output.changed:
                assert output.changed.wait_for(lambda: output.last is not None and output.last.any(), 5)
            assert player.state.label == "steady" and player.healthy()
        said = [r.getMessage() for r in caplog.records if "LEDs" in r.getMessage()]
        assert said == ["the LEDs did not take a frame (SPI transfer failed); trying again every 1 s",
                        "the LEDs take frames again"]
    finally:
        player.shutdown()


def test_leds_whose_writes_hang_make_the_light_unhealthy_until_they_take_frames_again():
    clock = ManualClock(START)
    output = FlakyOutput(failures=0)
    player = Player(FrameLoop(output, Pipeline(OutputSettings(), 4), clock, 10.0)).start()
    try:
        player.play(Program(Steady(), label="steady"))
        assert clock.wait_for_sleepers(1) and player.healthy()
        output.hang.set()
        clock.advance(0.1)  # the next frame's write hangs
        assert output.hanging.wait(5)
        clock.advance(10.0)
        assert not player.healthy() and player.trouble() == "no frame has gone out to the LEDs for 10 s"
        output.hang.clear()
        output.release.set()  # the write comes back: frames go out again, from where the light is by now
        assert clock.wait_for_sleepers(1) and player.healthy() and player.state.label == "steady"
        assert output.last is not None and output.last.any()
    finally:
        output.release.set()
        player.shutdown()


def test_a_full_disk_when_an_alarm_is_added_is_one_line_and_the_alarms_stay(tmp_path, caplog):
    from device.config import load_config
    from device.output import NullOutput
    from device.service import build_service
    from tests.device.service.conftest import make_home
    service = build_service(load_config(make_home(tmp_path / "home")), NullOutput(12), clock=ManualClock(START),
                            port=0, gpio=False).start()
    try:
        api = service.api_server.api
        assert api.handle("POST", "/api/alarms", {}, {"time": "06:30"})[0] == 201
        pages = service.store._db.execute("PRAGMA page_count").fetchone()[0]
        service.store._db.execute(f"PRAGMA max_page_count={pages}")  # the disk is full: no page more
        before = api.handle("GET", "/api/alarms")
        with caplog.at_level(logging.INFO, logger="emberwake"):
            for index in range(400):  # until a new page is needed
                body = {"kind": "bedtime", "time": f"{index // 60:02d}:{index % 60:02d}", "sequence": "tend-the-flame",
                        "label": f"bedtime number {index} with a long label"}
                status, answer = api.handle("POST", "/api/alarms", {}, body)
                if status != 201:
                    break
        assert status == 503 and "full" in answer["error"] and "nothing was changed" in answer["error"]
        assert "\n" not in answer["error"]
        said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert said == [f"POST /api/alarms: {answer['error']}"]  # the log says it too, in one line
        after = api.handle("GET", "/api/alarms")[1]
        assert after[0] == before[1][0] and len(after) == index + 1  # the alarms as they were, all of them
        service.store._db.execute(f"PRAGMA max_page_count={2 * pages}")  # room again: the light goes on
        assert api.handle("POST", "/api/alarms", {}, body)[0] == 201
    finally:
        service.shutdown()


def test_a_corrupt_store_at_start_is_kept_aside_and_the_light_starts(tmp_path, caplog):
    from device.config import load_config
    from device.output import NullOutput
    from device.service import build_service
    from tests.device.service.conftest import make_home
    home = make_home(tmp_path / "home")
    (home / "alarms.db").write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    with caplog.at_level(logging.ERROR, logger="emberwake"):
        service = build_service(load_config(home), NullOutput(12), clock=ManualClock(START), serve_api=False).start()
    try:
        assert service.store.alarms() == []
        service.book.add("wake", "06:30")  # and it takes alarms again
    finally:
        service.shutdown()
    kept = sorted(path.name for path in home.iterdir() if ".corrupt-" in path.name)
    assert kept == ["alarms.db.corrupt-20300107T060000Z"]
    assert (home / kept[0]).read_bytes().startswith(b"this is not a database")
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and "kept aside as alarms.db.corrupt-20300107T060000Z" in said[0]


@pytest.mark.timeout(120)
def test_a_store_damaged_in_any_page_is_kept_aside_what_can_be_read_back_is_and_the_light_starts(tmp_path):
    """Each page of a store in turn, zeroed or garbled in part, as a failing SD card leaves it: the
    service starts every time. SQLite's integrity check finds the damage at start, the file is kept
    aside (said in one line) and the tables that still read whole come back; or, where the damage
    is in space nothing uses, it runs on the file as it is. Never a crash, never half an alarm."""
    import random
    import shutil
    from device.config import load_config
    from device.output import NullOutput
    from device.service import build_service
    from tests.device.service.conftest import make_home, store_rows
    rng = random.Random(20300107)
    clock = ManualClock(START)
    original = make_home(tmp_path / "original")
    with (original / "config.toml").open("a") as config:
        config.write("\n[button]\nenabled = false\n")
    service = build_service(load_config(original), NullOutput(12), clock=clock, serve_api=False).start()
    for time in ("06:30", "07:30", "08:30"):
        service.book.add("wake", time, label=f"at {time}")
    service.book.skip(3)
    service.shutdown()  # checkpointed: all of it in alarms.db
    alarms, occurrences = store_rows(original)
    size = (original / "alarms.db").stat().st_size
    outcomes = set()
    for page in range(size // 4096):
        for damage in ("zeroed", "garbled"):
            home = shutil.copytree(original, tmp_path / f"page-{page}-{damage}")
            data = bytearray((home / "alarms.db").read_bytes())
            at = page * 4096 + (100 if page == 0 else 0)  # page 1 starts with the file's 100-byte header
            data[at:at + 600] = bytes(600) if damage == "zeroed" else rng.randbytes(600)
            (home / "alarms.db").write_bytes(data)
            log = logging.getLogger(f"emberwake.damaged.{page}.{damage}")
            with keeping_messages(log, logging.INFO) as kept:
                service = build_service(load_config(home), NullOutput(12), clock=clock, serve_api=False,
                                        log=log).start()
                try:
                    now_alarms, now_occurrences = store_rows(home)
                    service.book.add("wake", "09:30")  # and it takes alarms
                finally:
                    service.shutdown()
            errors = [line for line in kept.messages if "alarm store" in line]
            assert now_alarms in ([], alarms), (page, damage)  # all of them, as they were, or none
            if errors:
                assert len(errors) == 1 and "\n" not in errors[0], errors
                if "occurrences" in errors[0]:
                    assert now_occurrences == occurrences, (page, damage)
                else:  # not read back: only what this start has done since
                    assert all(state == "started" for _, _, state, _ in now_occurrences), (page, damage)
                assert "kept aside as alarms.db.corrupt-20300107T060000Z; starting with " in errors[0], errors
                assert (home / "alarms.db.corrupt-20300107T060000Z").exists()
                outcomes.add("read back" if now_alarms else "lost")
            else:
                assert (now_alarms, now_occurrences) == (alarms, occurrences), (page, damage)
                outcomes.add("unharmed")
    assert {"lost", "read back"} <= outcomes, outcomes


def test_a_broken_config_at_start_keeps_the_last_good_one(tmp_path):
    from device.config import LAST_GOOD_NAME, load_service_config
    from tests.device.service.conftest import make_home
    home = make_home(tmp_path / "home")
    with (home / "config.toml").open("a") as config:
        config.write("\n[ring]\npixels = 16\n")
    good, said = load_service_config(home)
    assert good.ring.pixels == 16 and said == [] and (home / LAST_GOOD_NAME).exists()
    (home / "config.toml").write_text("[ring]\npixels = 'sixteen'\n")
    kept, said = load_service_config(home)
    assert kept.ring.pixels == 16 and kept.zone.key == "Europe/Berlin"  # as it was
    assert said[0].endswith("ring.pixels: expected a whole number, got 'sixteen'") and "\n" not in said[0]
    assert said[-1].endswith("config.toml is broken: running on the last good config")


BREAKS = {
    "deleted": lambda path: path.unlink(),
    "garbled": lambda path: path.write_bytes(path.read_bytes()[:200] + b"\xff\x00[[[ = \n"),
    "emptied": lambda path: path.write_text(""),
    "wrong": lambda path: path.write_text(path.read_text().replace('kind = "wake"', 'kind = "sunrise"')),
}


@pytest.mark.parametrize("damage", sorted(BREAKS))
def test_an_alarm_whose_sequence_file_is_deleted_or_broken_still_wakes_with_the_built_in_sunrise(
        tmp_path, caplog, damage):
    from device.config import load_config
    from device.output import NullOutput
    from device.service import build_service
    from tests.device.service.conftest import make_home
    home = make_home(tmp_path / "home")
    folder = home / "sequences"
    folder.mkdir(exist_ok=True)
    builtin = Path(__file__).resolve().parents[2] / "sequences" / "builtin" / "lavender-dawn.toml"
    (folder / "my-dawn.toml").write_text(builtin.read_text().replace('name = "lavender-dawn"', 'name = "my-dawn"'))
    clock = ManualClock(START)  # 07:00 in Berlin
    service = build_service(load_config(home), NullOutput(12), clock=clock, serve_api=False).start()
    try:
        service.book.add("wake", "08:00", "daily", "my-dawn", rise="30m")
        BREAKS[damage](folder / "my-dawn.toml")  # after it was set
        assert service.timers.wait_caught_up()
        with caplog.at_level(logging.INFO, logger="emberwake"):
            clock.advance_to(START + dt.timedelta(minutes=30))  # 07:30 local: the rise starts
            assert service.timers.wait_caught_up()
            assert service.player.wait_for(lambda state: state.label == "wake 1")
        said = [r.getMessage() for r in caplog.records]
        why = [line for line in said if line.startswith("sequence my-dawn cannot be used (")]
        assert len(why) == 1 and why[0].endswith("playing storm-to-firelight instead") and "\n" not in why[0], said
        assert any(line.startswith("wake 1 (") and line.endswith("starts: storm-to-firelight") for line in said)
    finally:
        service.shutdown()
