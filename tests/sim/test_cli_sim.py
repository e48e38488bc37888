"""`emberwake run --sim` and `emberwake preview` from the command line, as a user runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from device.cli import main
from tests.device.service.conftest import make_home

EMBERWAKE = [sys.executable, "-c", "import sys; from device.cli import main; sys.exit(main())"]


def run_for(args: list[str], seconds: float, environment: dict[str, str]) -> tuple[int, str, str]:
    """Run emberwake for a while, then stop it as systemd or Ctrl-C would."""
    # errors="replace": a frame cut off mid-character by the signal must not hide what the test reads
    process = subprocess.Popen(EMBERWAKE + args, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, errors="replace")
    time.sleep(seconds)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    return process.returncode, out, err


def no_display() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}


def test_run_sim_without_a_display_says_so_and_runs_in_the_terminal(tmp_path):
    make_home(tmp_path)  # a free port for the API: another emberwake may be running
    code, out, err = run_for(["--home", str(tmp_path), "run", "--sim", "--clock-start", "06:30",
                              "--clock-speed", "60"], 3.0, no_display())
    assert code == 0, err
    assert err == "emberwake: no display ($DISPLAY is not set); showing the ring in the terminal\n"
    assert "\x1b[38;2;" in out and "idle" in out and "The ring is dark" in out
    shown_times = re.findall(r"(06:3\d:\d\d)   60\u00d7", out)
    assert len(set(shown_times)) >= 5 and shown_times[-1] > "06:30:59"  # the simulated clock ticks at 60x
    assert out.endswith("\x1b[0m\x1b[?25h\n")  # the cursor is given back


def test_preview_in_the_terminal_shows_the_phase_and_its_caption(tmp_path, solid_file):
    code, out, err = run_for(["--home", str(tmp_path), "preview", str(solid_file), "--terminal"], 2.0, no_display())
    assert code == 0 and err == ""
    assert "Test solid" in out and "red" in out and "All red." in out


def test_bad_arguments_are_one_line_errors(tmp_path, capsys):
    for wrong in (["run", "--sim", "--clock-start", "7am"], ["run", "--sim", "--clock-speed", "0"],
                  ["preview", "x", "--speed", "fast"]):
        try:
            main(["--home", str(tmp_path), *wrong])
        except SystemExit as stop:
            assert stop.code == 2
        assert capsys.readouterr().err.count("\n") == 1


def test_preview_of_an_unknown_sequence_names_the_nearest(tmp_path, capsys):
    assert main(["--home", str(tmp_path), "preview", "lavendr-dawn", "--terminal"]) == 1
    assert "did you mean 'lavender-dawn'?" in capsys.readouterr().err


def test_run_sim_fires_an_alarm_on_the_accelerated_clock(tmp_path):
    # `make run`: the demo alarm's sunrise starts five simulated minutes in; at 600x that is 0.5 s.
    make_home(tmp_path)
    code, out, err = run_for(["--home", str(tmp_path), "run", "--sim", "--clock-start", "06:00",
                              "--clock-speed", "600", "--demo"], 6.0, no_display())
    assert code == 0, err
    assert "demo alarm set for 06:35 (simulated); its sunrise starts at 06:05" in err
    assert "Storm to Firelight" in out and "playing" in out
    assert "obsidian sky" in out.replace("-", " ")  # the first image of the dream is shown
    code, out, err = run_for(["--home", str(tmp_path), "alarm", "list"], 2.0, no_display())
    assert "06:35" in out and "demo" in out  # the alarm is an ordinary one, in the simulator's store
