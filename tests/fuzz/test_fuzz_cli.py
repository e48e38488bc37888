"""Fuzz the command line: `device.cli.main` in this process, on a test clock, with argument lists
built from the real sub-commands and options, holding garbage values, and shuffled.

Every case must end with exit code 0, 1 or 2 and one-line messages (no traceback), within a
bound, and a command that failed must leave the alarm store as it was. Commands that run until
stopped (run, play, preview, bench) are left out: they are not a quick answer to bad input.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from device.cli import main
from device.clock import ManualClock
from sequences.units import parse_seconds
from tests.fuzz.mutations import EXTREME_NUMBERS, bounded, examples, tricky_text
from tests.fuzz.store_state import restore_rows
from tests.device.service.conftest import make_home, store_rows

ROOT = Path(__file__).parents[2]
BUILTIN = sorted(str(p) for p in (ROOT / "sequences" / "builtin").glob("*.toml"))
BROKEN = sorted(str(p) for p in (ROOT / "tests" / "sequences" / "broken").glob("*.toml"))
CLOCK_START = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.timezone.utc)

# Each command: (words, positional arguments, options); an option's value is None for a flag.
COMMANDS = (
    (["check"], ["file", "file"], {}),
    (["list"], [], {"--sequences": "folder"}),
    (["render"], ["sequence"], {"--at": "span", "--every": "step", "--duration": "span", "--pixels": "number",
                                "--sequences": "folder"}),
    (["alarm", "add"], ["time"], {"--days": "days", "--sequence": "sequence", "--rise": "span", "--hold": "span",
                                  "--label": "text", "--disabled": None}),
    (["bedtime", "add"], ["time"], {"--days": "days", "--sequence": "sequence", "--duration": "span",
                                    "--label": "text", "--disabled": None}),
    (["alarm", "list"], [], {"--json": None}),
    (["bedtime", "list"], [], {"--json": None}),
    (["alarm", "remove"], ["id"], {}), (["alarm", "skip"], ["id"], {}), (["alarm", "enable"], ["id"], {}),
    (["bedtime", "disable"], ["id"], {}), (["bedtime", "remove"], ["id"], {}),
    (["alarm", "next"], [], {"--count": "number", "--from": "instant", "--json": None}),
    (["bedtime", "next"], [], {"--count": "number", "--from": "instant", "--json": None}),
    (["snooze"], ["number"], {}), (["dismiss"], [], {}), (["stop"], [], {}),
    (["light"], ["text"], {"--level": "number", "--kelvin": "number"}),
    (["play-now"], ["sequence"], {"--duration": "span"}), (["status"], [], {"--json": None}),
)


HOME = "{home}"  # stands for the test's home folder in a drawn argument list


def values() -> dict[str, st.SearchStrategy[str]]:
    """What goes where, by kind: mostly the right sort of thing, often not."""
    garbage = st.one_of(tricky_text, st.sampled_from(EXTREME_NUMBERS))
    paths = st.sampled_from(BUILTIN + BROKEN + [HOME, f"{HOME}/missing.toml", "/dev/null", "", "-",
                                                f"{HOME}/config.toml", f"{HOME}/sequences"])
    plausible = {
        "file": paths, "folder": st.sampled_from((f"{HOME}/sequences", f"{HOME}/missing", str(ROOT), "",
                                                  "~nobody-here/x", "/dev/null")),
        "span": st.sampled_from(("0", "1", "30s", "5m", "1h", "3h", "4h", "12:30", "-5m", "90", "0.5")),
        "number": st.sampled_from(("1", "5", "24", "200", "201", "0", "-1", "1024", "1025")),
        "time": st.sampled_from(("06:30", "7:00", "22:30", "sunset", "sunset+30m", "sunset-1h", "25:00")),
        "days": st.sampled_from(("daily", "weekdays", "weekends", "mon,wed,fri", "sat-sun", "2026-12-24",
                                 "2027-12-24", "funday")),
        "sequence": st.sampled_from(("lavender-dawn", "storm-to-firelight", "breathe", "nightlight",
                                     "tend-the-flame", "good", "broken", "lavendr-dawn") + tuple(BUILTIN[:2])),
        "id": st.sampled_from(("1", "2", "3", "99", "0")), "text": st.sampled_from(("on", "off", "work", "")),
        "instant": st.sampled_from(("2026-11-24T00:00", "2026-11-24T00:00+14:00", "2026-02-30T00:00")),
    }
    kinds = {kind: st.one_of(strategy, strategy, strategy, garbage) for kind, strategy in plausible.items()}
    kinds["step"] = kinds["span"].filter(lambda text: not _many_frames(text))
    return kinds


def _many_frames(step: str) -> bool:
    """Whether `render --every step` may print thousands of frames: a valid request that takes seconds."""
    try:
        return 0 < parse_seconds(step) < 60
    except ValueError:
        return False


@st.composite
def command_lines(draw) -> list[str]:
    words, positionals, options = draw(st.sampled_from(COMMANDS))
    value = values()
    args = list(words) + [draw(value[kind]) for kind in positionals[:draw(st.integers(0, len(positionals)))]]
    for option in draw(st.lists(st.sampled_from(sorted(options)), unique=True)) if options else []:
        args += [option] if options[option] is None else [option, draw(value[options[option]])]
    if draw(st.integers(0, 4)) == 0:  # a slip: a word dropped, doubled or out of place, or one that is not an option
        slip = draw(st.sampled_from(("drop", "repeat", "shuffle", "unknown", "dashes")))
        at = draw(st.integers(0, len(args)))
        if slip == "drop" and args:
            del args[min(at, len(args) - 1)]
        elif slip == "repeat" and args:
            args.insert(at, args[min(at, len(args) - 1)])
        elif slip == "shuffle":
            args = draw(st.permutations(args))
        elif slip == "unknown":
            args.insert(at, draw(st.sampled_from(("--frobnicate", "-x", "--", "-", "--at", "--json=1", "--h"))))
        else:
            args.insert(at, "--" + draw(tricky_text))
    prefix = draw(st.sampled_from(([], [], ["--config", f"{HOME}/config.toml"], ["--config", f"{HOME}/missing.toml"],
                                   ["--config", HOME], ["--config", BROKEN[0]], ["--home", "~nobody-here/x"],
                                   ["--home", "/dev/null"], ["--home", ""])))
    return ["--home", HOME] + prefix + list(args)


@pytest.fixture(scope="module")
def home() -> Path:
    """A home with a config, two user sequences (one broken), an alarm and a bedtime; and no service."""
    with tempfile.TemporaryDirectory() as folder:
        home = make_home(Path(folder) / "home", location=(52.52, 13.40))
        (home / "sequences").mkdir()
        (home / "sequences" / "good.toml").write_bytes((ROOT / "sequences" / "builtin" / "breathe.toml").read_bytes())
        (home / "sequences" / "broken.toml").write_bytes(Path(BROKEN[0]).read_bytes())
        previous = os.environ.get("EMBERWAKE_HOME")
        os.environ["EMBERWAKE_HOME"] = str(home)  # `--home ""` falls back to it: never the real user's folder
        assert run(["--home", str(home), "alarm", "add", "06:00", "--days", "weekdays"])[0] == 0
        assert run(["--home", str(home), "bedtime", "add", "22:30"])[0] == 0
        yield home
        if previous is None:
            del os.environ["EMBERWAKE_HOME"]
        else:
            os.environ["EMBERWAKE_HOME"] = previous


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv, clock=ManualClock(CLOCK_START))
        except SystemExit as exit_:  # argparse
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=command_lines())
# Crashes the fuzzer found: tracebacks (ValueError/RuntimeError from ~nouser, FileExistsError from a
# home that is a file, OSError from a folder name too long), lines with control characters or 5000
# characters, and a render that printed 2.5 GB for a quarter of an hour.
@example(argv=["--home", HOME, "--home", "~nobody-here/x", "list"])
@example(argv=["--home", HOME, "list", "--sequences", "~nobody-here/x"])
@example(argv=["--home", HOME, "--home", "/dev/null", "alarm", "list"])
@example(argv=["--home", HOME, "list", "--sequences", "x" * 5000])
@example(argv=["--home", HOME, "--\x1b", "list"])
@example(argv=["--home", HOME, "--" + "x" * 5000, "snooze"])
@example(argv=["--home", HOME, "render", "nightlight", "--every", "0.3", "--pixels", "1024"])
@example(argv=["--home", HOME, "render", "nightlight", "--every", "1", "--pixels", "\u00b2"])
def test_any_command_line_ends_in_an_exit_code_and_one_line_messages(home, argv):
    argv = [arg.replace(HOME, str(home)) for arg in argv]
    before = store_rows(home)
    with bounded(10.0, argv):
        code, out, err = run(argv)
    event(f"exit {code}")  # --hypothesis-show-statistics: how many got past argparse, and succeeded
    assert code in (0, 1, 2), (code, argv, err)
    assert "Traceback" not in err and "Traceback" not in out, (argv, err)
    longest = max(len(arg) for arg in argv)
    for line in err.splitlines():  # a file is named in full, as given (other values are cut short)
        assert line.isprintable() and len(line) < 600 + longest, (line, argv)
    if code:
        assert err.strip(), (code, argv)
        assert store_rows(home) == before, (argv, err)
    elif store_rows(home) != before:
        restore_rows(home, before)
