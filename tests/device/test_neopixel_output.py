"""The real NeoPixel code path, run on Blinka's generic board with `neopixel_write` captured."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("BLINKA_OS_AGNOSTIC", "1")  # before anything imports `board`
neopixel = pytest.importorskip("neopixel", reason="Blinka's generic board is not available")

from device.neopixel_output import NeoPixelOutput, default_pin_name  # noqa: E402
from device.output import OutputError  # noqa: E402
from device.output import PixelOutput  # noqa: E402
from device.pipeline import OutputSettings, Pipeline, frame_current_mA  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def wire(monkeypatch):
    """Every buffer handed to neopixel_write, as bytes."""
    sent: list[bytes] = []
    monkeypatch.setattr(neopixel, "neopixel_write", lambda pin, buffer: sent.append(bytes(buffer)))
    return sent


def test_the_generic_board_defaults_to_its_neopixel_pin():
    assert default_pin_name() == "NEOPIXEL"


def test_it_satisfies_the_output_seam(wire):
    assert isinstance(NeoPixelOutput(3), PixelOutput)


@pytest.mark.parametrize("order, expected", [
    ("GRB", [2, 1, 3, 5, 4, 6]),
    ("RGB", [1, 2, 3, 4, 5, 6]),
    ("BRG", [3, 1, 2, 6, 4, 5]),
    ("GRBW", [2, 1, 3, 9, 5, 4, 6, 8]),
    ("RGBW", [1, 2, 3, 9, 4, 5, 6, 8]),
])
def test_bytes_reach_the_wire_in_the_rings_order(wire, order, expected):
    output = NeoPixelOutput(2, pixel_order=order)
    codes = np.array([[1, 2, 3, 9], [4, 5, 6, 8]], dtype=np.uint8)[:, :len(order)]
    output.show(codes)
    assert list(wire[-1]) == expected
    assert output.channels == len(order)


def test_rgbw_frames_use_the_white_channel(wire):
    output = NeoPixelOutput(4, pixel_order="GRBW")
    pipeline = Pipeline(OutputSettings(white_rgb=(1.0, 0.75, 0.5), budget_mA=1e6), 4, channels=4)
    output.show(pipeline.process(np.tile([1.0, 0.75, 0.5], (4, 1))))
    sent = np.frombuffer(wire[-1], dtype=np.uint8).reshape(4, 4)
    assert np.all(sent[:, 3] == 255) and np.all(sent[:, :3] == 0)  # all white light on W


def test_the_power_limit_holds_on_the_wire(wire):
    settings = OutputSettings(budget_mA=500.0)
    output = NeoPixelOutput(24)
    pipeline = Pipeline(settings, 24)
    for _ in range(50):
        output.show(pipeline.process(np.ones((24, 3))))
    for buffer in wire:
        codes = np.frombuffer(buffer, dtype=np.uint8).reshape(24, 3)
        assert frame_current_mA(codes, settings) <= 500.0
    assert frame_current_mA(codes, settings) > 450.0  # limited, not blacked out


def test_close_blanks_the_ring(wire):
    output = NeoPixelOutput(5)
    output.show(np.full((5, 3), 200, dtype=np.uint8))
    output.close()
    assert wire[-1] == bytes(15)
    with pytest.raises(RuntimeError):
        output.show(np.zeros((5, 3), dtype=np.uint8))


def test_a_wrong_pin_is_one_line_that_says_what_to_do():
    with pytest.raises(OutputError) as caught:
        NeoPixelOutput(5, pin_name="D99")
    message = str(caught.value)
    assert "\n" not in message and "D99" in message and "D18" in message


CAPTURING_PLAY = textwrap.dedent("""
    import os, sys
    os.environ["BLINKA_OS_AGNOSTIC"] = "1"
    import neopixel
    log = open(sys.argv[1], "a")
    def capture(pin, buffer):
        log.write(bytes(buffer).hex() + "\\n"); log.flush()
    neopixel.neopixel_write = capture
    from device.cli import main
    sys.exit(main(sys.argv[2:]))
""")


def test_sigterm_blanks_the_ring_and_exits_cleanly(tmp_path):
    log = tmp_path / "wire.log"
    args = [sys.executable, "-c", CAPTURING_PLAY, str(log), "--home", str(tmp_path),
            "play", "storm-to-firelight", "--from", "29m", "--output", "neopixel"]
    process = subprocess.Popen(args, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not log.exists() or log.read_text().count("\n") < 20):
        time.sleep(0.05)
    frames = log.read_text().splitlines()
    assert len(frames) >= 20, process.stderr.read() if process.poll() is not None else "no frames"
    assert any(int(frame, 16) for frame in frames), "the ring never lit"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0, process.stderr.read()
    assert log.read_text().splitlines()[-1] == "00" * 72  # the last thing on the wire: dark


def test_the_pwm_driver_without_root_says_to_run_as_root_or_use_spi(monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("ws2811_init failed with code -5 (mmap() failed): Can't open /dev/mem: Permission denied")
    monkeypatch.setattr(neopixel, "NeoPixel", refuse)
    with pytest.raises(OutputError) as caught:
        NeoPixelOutput(5)
    message = str(caught.value)
    assert "\n" not in message and "needs root" in message and 'driver = "spi"' in message
