"""Fixtures for the simulator's tests: a config in a temporary home, a small solid-colour
sequence with known light, and a private X display (Xvfb) for the window."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from device.config import default_config

SOLID = '''name = "test-solid"
title = "Test solid"
description = "Red, then blue."
kind = "ambient"
duration = "{duration}"

[[phase]]
name = "red"
caption = "All red."
duration = "50%"
start = {{ colour = "#ff0000", level = 50 }}
end = {{ level = 50 }}
effect = "steady"

[[phase]]
name = "blue"
caption = "All blue."
duration = "50%"
start = {{ colour = "#0000ff", level = 30 }}
end = {{ level = 30 }}
effect = "steady"
crossfade = 0
'''


def need(condition: bool, reason: str) -> None:
    """Skip when a tool is missing on a developer's machine; in CI, where .ci/apt-packages installs
    everything, a missing tool is a failure, not a skip."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI installs it from .ci/apt-packages)")
    pytest.skip(reason)


@pytest.fixture
def config(tmp_path):
    return default_config(tmp_path)


@pytest.fixture
def solid_file(tmp_path) -> Path:
    path = tmp_path / "test-solid.toml"
    path.write_text(SOLID.format(duration="20s"), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def xdisplay():
    """A display name such as ':5' of an Xvfb started for these tests, which it picks itself."""
    xvfb = shutil.which("Xvfb")
    need(xvfb is not None, "Xvfb is not installed (apt-get install xvfb)")
    read_end, write_end = os.pipe()
    process = subprocess.Popen([xvfb, "-displayfd", str(write_end), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                               pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as numbers:
        number = numbers.readline().strip()  # Xvfb writes it once it accepts connections
    if not number:
        process.kill()
        pytest.fail("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        process.terminate()
        process.wait(5)


@pytest.fixture
def tk_root(xdisplay):
    try:
        import tkinter
    except ImportError:
        need(False, "this Python has no tkinter")
    root = tkinter.Tk(screenName=xdisplay)
    yield root
    root.destroy()
