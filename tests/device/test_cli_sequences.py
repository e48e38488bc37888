"""`emberwake check`, `list` and `render`, run in-process (and once as the installed command).

Every run passes `--home tmp_path`, so no test reads or writes the real home folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from device.cli import main
from sequences.loader import SequenceLoadError, load_file

BROKEN = Path(__file__).parents[1] / "sequences" / "broken"

GOOD = '''name = "{name}"
title = "Test dawn"
description = "{description}"
kind = "wake"
duration = "2m"

[[phase]]
name = "dark"
caption = "Night."
duration = "50%"
start = {{ colour = "ember", level = 1 }}
end = {{ colour = 1900, level = 10 }}

[[phase]]
name = "light"
caption = "Day."
duration = "50%"
end = {{ colour = "2700K", level = 50 }}
effect = "breathe"
'''


def write(folder: Path, name: str, description: str = "A short test sequence.", text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text if text is not None else GOOD.format(name=name, description=description))
    return path


def run(capsys, home: Path, *argv: str) -> tuple[int, list[str], list[str]]:
    """Exit code, stdout lines and stderr lines of `emberwake --home HOME ARGV...`."""
    try:
        code = main(["--home", str(home), *argv])
    except SystemExit as exit_:  # argparse refuses bad arguments this way
        code = exit_.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out.splitlines(), err.splitlines()


def problem_lines(path: Path) -> list[str]:
    with pytest.raises(SequenceLoadError) as caught:
        load_file(path)
    return [str(p) for p in caught.value.problems]


# --- check ---------------------------------------------------------------------------------------

def test_check_good_files_exits_0_with_an_ok_line_each(tmp_path, capsys):
    files = [write(tmp_path, "one"), write(tmp_path, "two")]
    code, out, err = run(capsys, tmp_path, "check", *map(str, files))
    assert code == 0 and err == []
    assert out == [f"{files[0]}: ok: one (wake, 2 phases, 2m)", f"{files[1]}: ok: two (wake, 2 phases, 2m)"]


def test_check_mixed_files_gives_one_stderr_line_per_problem(tmp_path, capsys):
    good = write(tmp_path, "fine")
    broken = [BROKEN / "misspelt-effect.toml", BROKEN / "empty.toml", BROKEN / "binary.toml",
              BROKEN / "syntax-unclosed-string.toml"]
    missing = tmp_path / "absent.toml"
    code, out, err = run(capsys, tmp_path, "check", str(broken[0]), str(good), *map(str, broken[1:]), str(missing))
    assert code == 1
    assert out == [f"{good}: ok: fine (wake, 2 phases, 2m)"]
    expected = [line for file in broken for line in problem_lines(file)] + [f"{missing}: no such file or directory"]
    assert err == expected
    assert len(err) == 1 + 5 + 1 + 1 + 1  # empty.toml has five problems


def test_check_reports_every_problem_of_one_file(tmp_path, capsys):
    text = GOOD.format(name="Bad Name", description="x").replace("level = 50", "level = 500").replace("2m", "5 min")
    path = write(tmp_path, "several", text=text)
    code, out, err = run(capsys, tmp_path, "check", str(path))
    assert code == 1 and out == []
    assert err == [
        f"{path}:1: name: 'Bad Name' must be lower-case letters, digits and '-', at most 40 characters",
        f"{path}:5: duration: cannot read '5 min' as a duration; did you mean '5m'?",
        f"{path}:18: phase 'light' end.level: 500 is outside 0-100 L*",
    ]


def test_check_needs_a_file(tmp_path, capsys):
    code, out, err = run(capsys, tmp_path, "check")
    assert code == 2 and len(err) == 1 and err[0].startswith("emberwake: ")


# --- list ----------------------------------------------------------------------------------------

def rows_by_name(out: list[str]) -> dict[str, str]:
    return {line.split()[0]: line for line in out}


def test_list_shows_builtins(tmp_path, capsys):
    code, out, err = run(capsys, tmp_path, "list")
    assert code == 0 and err == []
    rows = rows_by_name(out)
    assert "nightlight" in rows
    assert rows["nightlight"].split()[1] == "ambient" and rows["nightlight"].endswith("[built-in]")
    assert list(rows) == sorted(rows)


def test_list_shows_a_user_folder_an_override_and_a_broken_file(tmp_path, capsys):
    folder = tmp_path / "mine"
    write(folder, "morning", description="My own morning.")
    write(folder, "nightlight", description="My own night light.")
    broken = folder / "oops.toml"
    broken.write_bytes((BROKEN / "misspelt-effect.toml").read_bytes())
    code, out, err = run(capsys, tmp_path, "list", "--sequences", str(folder))
    assert code == 0 and err == []
    rows = rows_by_name(out)
    assert "My own morning." in rows["morning"] and rows["morning"].endswith(f"[{folder}]")
    assert "My own night light." in rows["nightlight"] and rows["nightlight"].endswith(f"[{folder}]")
    assert rows["oops"].split()[1] == "broken"
    assert problem_lines(broken)[0] in rows["oops"] and rows["oops"].endswith(f"[{folder}]")


def test_list_reads_the_sequences_folder_in_home_by_default(tmp_path, capsys):
    write(tmp_path / "sequences", "at-home")
    code, out, _ = run(capsys, tmp_path, "list")
    assert code == 0 and rows_by_name(out)["at-home"].endswith(f"[{tmp_path / 'sequences'}]")


# --- render --------------------------------------------------------------------------------------

def records(out: list[str]) -> list[dict]:
    frames = [json.loads(line) for line in out]
    for frame in frames:
        assert set(frame) == {"t", "phase", "pixels"}
        for pixel in frame["pixels"]:
            assert len(pixel) == 3 and all(isinstance(c, float) and 0.0 <= c <= 1.0 for c in pixel)
    return frames


def test_render_at_prints_one_json_frame(tmp_path, capsys):
    code, out, err = run(capsys, tmp_path, "render", "nightlight", "--at", "1:30", "--pixels", "12")
    assert code == 0 and err == []
    [frame] = records(out)
    assert frame["t"] == 90.0 and frame["phase"] == "glow" and len(frame["pixels"]) == 12


@pytest.mark.parametrize("at, seconds, phase", [
    ("0", 0.0, "dark"), ("30", 30.0, "dark"), ("1:30", 90.0, "light"), ("90s", 90.0, "light"),
    ("1m", 60.0, "light"), ("119.5", 119.5, "light"),
])
def test_render_reads_times_as_people_write_them(tmp_path, capsys, at, seconds, phase):
    path = write(tmp_path, "morning")
    code, out, _ = run(capsys, tmp_path, "render", str(path), "--at", at)
    assert code == 0
    [frame] = records(out)
    assert frame["t"] == seconds and frame["phase"] == phase and len(frame["pixels"]) == 24


def test_render_every_prints_duration_over_step_plus_one_frames(tmp_path, capsys):
    write(tmp_path / "sequences", "morning")
    code, out, _ = run(capsys, tmp_path, "render", "morning", "--every", "30s")
    assert code == 0
    frames = records(out)
    assert [f["t"] for f in frames] == [0.0, 30.0, 60.0, 90.0, 120.0]
    assert [f["phase"] for f in frames] == ["dark", "dark", "light", "light", "light"]


@pytest.mark.parametrize("duration, step, count", [("30m", "5m", 7), ("1:00", "0:15", 5), ("90", "90s", 2)])
def test_render_every_with_a_duration(tmp_path, capsys, duration, step, count):
    path = write(tmp_path, "morning")
    code, out, _ = run(capsys, tmp_path, "render", str(path), "--duration", duration, "--every", step, "--pixels", "3")
    frames = records(out)
    assert code == 0 and len(frames) == count
    times = [f["t"] for f in frames]
    assert times == sorted(set(times)) and all(len(f["pixels"]) == 3 for f in frames)


@pytest.mark.parametrize("argv, starts", [
    (["render", "nightlight", "--at", "funday"], "emberwake: argument --at: cannot read 'funday' as a duration"),
    (["render", "nightlight", "--at", "1", "--pixels", "0"], "emberwake: argument --pixels: '0' must be a whole"),
    (["render", "nightlight", "--at", "1", "--pixels", "many"], "emberwake: argument --pixels: 'many' must be"),
    (["render", "nightlight", "--every", "0"], "emberwake: argument --every: '0' must be longer than zero"),
    (["render", "nightlight", "--every", "0.01"], "emberwake: render: --every 0.01s over 8h would print"),
    (["render", "nightlight", "--at", "25h"], "emberwake: argument --at: duration '25h' is longer than 24 hours"),
    (["render", "nightlight"], "emberwake: one of the arguments --at --every is required"),
    (["render", "nightlite", "--at", "1"], "nightlite: no sequence of that name; did you mean 'nightlight'?"),
    (["render", "no-such-thing", "--at", "1"], "no-such-thing: no sequence of that name"),
    (["render", "gone.toml", "--at", "1"], "gone.toml: no such file or directory"),
])
def test_render_bad_input_is_one_line_and_non_zero(tmp_path, capsys, argv, starts):
    code, out, err = run(capsys, tmp_path, *argv)
    assert code != 0 and out == []
    assert len(err) == 1 and err[0].startswith(starts)


def test_render_of_a_broken_file_prints_its_problems(tmp_path, capsys):
    code, out, err = run(capsys, tmp_path, "render", str(BROKEN / "misspelt-kind.toml"), "--at", "0")
    assert code == 1 and out == [] and err == problem_lines(BROKEN / "misspelt-kind.toml")


def test_render_refuses_a_duration_the_fixed_phases_do_not_fit(tmp_path, capsys):
    text = GOOD.format(name="fixed", description="x").replace('duration = "50%"', 'duration = "1m"', 1)
    path = write(tmp_path, "fixed", text=text)
    code, out, err = run(capsys, tmp_path, "render", str(path), "--duration", "30s", "--at", "0")
    assert code == 1 and out == [] and len(err) == 1
    assert err[0].startswith(f"{path}: duration: duration 30s is not longer than the fixed-length phases")


# --- the installed command -----------------------------------------------------------------------

def test_the_console_script_checks_files(tmp_path):
    script = Path(sys.executable).with_name("emberwake")
    if not script.exists():
        pytest.skip(f"no console script next to {sys.executable}; run `make venv`")
    good = write(tmp_path, "fine")
    bad = BROKEN / "kelvin-500.toml"
    result = subprocess.run([str(script), "--home", str(tmp_path), "check", str(good), str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{good}: ok: fine (wake, 2 phases, 2m)"]
    assert result.stderr.splitlines() == problem_lines(bad)
