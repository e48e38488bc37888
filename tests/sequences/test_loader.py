"""Loading validates everything: each problem is one line naming the file, line, phase and key.

`tests/sequences/broken/` holds one realistic mistake per file. Each file's first line says what loading it
must report, relative to the file: `# expect: 21: phase 'canopy' effect: unknown effect ...`
stands for the line `tests/sequences/broken/x.toml:21: phase 'canopy' effect: ...`; without a leading line
number the message has no line (`# expect: title: is missing`). A file may carry several expect
lines, and must report exactly those. Files that cannot hold a comment are listed in NO_COMMENT.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from sequences.loader import MAX_PHASES, SequenceLoadError, load_file, load_text
from sequences.tomlfile import MAX_PROBLEMS
from sequences.model import Sequence
from sequences.sourcemap import SourceMap
from sequences.units import Share

BROKEN = Path(__file__).parent / "broken"
BROKEN_FILES = sorted(BROKEN.glob("*.toml"))

NO_COMMENT = {
    "empty.toml": ["title: is missing", "description: is missing", "kind: is missing", "duration: is missing",
                   "phase: is missing: a sequence needs at least one [[phase]]"],
    "binary.toml": ["1: file is not UTF-8 text (byte 0x89); save it as UTF-8"],  # a PNG saved as .toml
}

# The well-formed file each broken one was made from by a single mistake.
GOOD = '''name = "forest-dawn"
title = "Forest dawn"
description = "First light through pines: ember to gold to daylight."
kind = "wake"
duration = "30m"

[[phase]]
name = "embers"
caption = "Coals in a grate, barely glowing."
duration = "40%"
start = { colour = "ember", level = 2 }
end = { colour = 1900, level = 20 }
easing = "ease-in"

[[phase]]
name = "canopy"
caption = "Light breaking through the trees."
duration = "60%"
end = { colour = "2700K", level = 60 }
effect = "breathe"
params = { bpm = 6, depth = 0.2 }
'''


def expected_lines(file: Path) -> list[str]:
    if file.name in NO_COMMENT:
        relative = NO_COMMENT[file.name]
    else:
        text = file.read_bytes().decode("utf-8", errors="replace")
        relative = [line.removeprefix("# expect: ") for line in text.splitlines() if line.startswith("# expect: ")]
    return [f"{file}:{r}" if re.match(r"\d+: ", r) else f"{file}: {r}" for r in relative]


def in_phase_block(text: str, line: int) -> bool:
    """Whether `line` (1-based) lies under a [[phase]] or [phase.x] header."""
    header = ""
    for raw in text.split("\n")[:line]:
        if raw.lstrip().startswith("["):
            header = raw.strip()
    return header == "[[phase]]" or header.startswith("[phase.")


def problems_of(text: str, source: str = "x.toml") -> list[str]:
    with pytest.raises(SequenceLoadError) as caught:
        load_text(text, source=source)
    return [str(p) for p in caught.value.problems]


def test_the_corpus_is_large_and_every_file_says_what_it_expects():
    assert len(BROKEN_FILES) >= 30
    for file in BROKEN_FILES:
        assert expected_lines(file), f"{file.name} has no '# expect:' line"


@pytest.mark.parametrize("file", BROKEN_FILES, ids=lambda p: p.stem)
def test_broken_file_gives_exactly_its_one_line_errors(file: Path):
    with pytest.raises(SequenceLoadError) as caught:  # any other exception fails the test
        load_file(file)
    problems = caught.value.problems
    lines = [str(p) for p in problems]
    for line in lines:
        assert "\n" not in line and "\r" not in line and line.isprintable()
        assert line.startswith(f"{file}:") and "Traceback" not in line
    assert lines == expected_lines(file)
    assert str(caught.value) == "\n".join(lines)

    text = file.read_bytes().decode("utf-8", errors="replace")
    for problem in problems:
        file_level = problem.message.startswith(("not valid TOML", "file "))
        assert problem.key or file_level, f"{problem} names no key"
        if problem.line and not file_level and not (problem.key == "phase" and not problem.where):
            assert problem.where.startswith("phase ") == in_phase_block(text, problem.line), str(problem)


def _utf8(file: Path) -> bool:
    try:
        return bool(file.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        return False


@pytest.mark.parametrize("file", [f for f in BROKEN_FILES if _utf8(f)], ids=lambda p: p.stem)
def test_broken_text_never_yields_a_sequence(file: Path):
    text = file.read_text(encoding="utf-8")
    try:
        result = load_text(text, source="t.toml")
    except SequenceLoadError as error:
        assert error.problems
    else:
        pytest.fail(f"{file.name} loaded as {result!r}")


def test_the_good_file_loads_and_so_does_the_builtin_nightlight():
    sequence = load_text(GOOD, source="good.toml")
    assert isinstance(sequence, Sequence)
    assert [p.name for p in sequence.phases] == ["embers", "canopy"]
    assert sequence.phases[0].duration == Share(40.0)
    assert sequence.phases[1].start == sequence.phases[0].end  # a phase starts where the last ended
    assert sequence.default_duration_s == 1800.0
    assert load_file(Path(__file__).parents[2] / "sequences" / "builtin" / "nightlight.toml").name == "nightlight"


def test_color_is_colour_and_a_byte_order_mark_is_fine(tmp_path):
    assert load_text(GOOD.replace("colour", "color")).phases[0].start.colour.label == "ember"
    file = tmp_path / "bom.toml"
    file.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_file(file).name == "forest-dawn"


def test_several_problems_in_one_file_are_all_reported_one_line_each():
    text = (GOOD.replace('kind = "wake"', 'kind = "dawn"')
            .replace("level = 2 }", "level = 150 }")
            .replace('effect = "breathe"', 'effect = "breth"')
            .replace('easing = "ease-in"', 'easing = "ease-in"\nspeed = 3'))
    assert problems_of(text) == [
        "x.toml:4: kind: unknown value 'dawn'; expected one of: wake, dusk, ambient, cue",
        "x.toml:11: phase 'embers' start.level: 150 is outside 0-100 L*",
        "x.toml:14: phase 'embers' speed: unknown key; expected one of: name, caption, duration, start, end, "
        "easing, effect, params, crossfade",
        "x.toml:21: phase 'canopy' effect: unknown effect 'breth'; did you mean 'breathe'?",
    ]


def test_a_broken_phase_causes_no_follow_on_problems_in_the_next():
    # The first phase's light is unreadable; the second inherits it and must not be blamed too.
    text = GOOD.replace('start = { colour = "ember", level = 2 }', 'start = { colour = "embr", level = 2 }') \
               .replace('end = { colour = 1900, level = 20 }\n', '')
    assert problems_of(text) == ["x.toml:11: phase 'embers' start.colour: unknown colour 'embr'; did you mean 'ember'?"]


def test_a_problem_in_the_last_phase_still_refuses_the_whole_file():
    text = GOOD.replace("depth = 0.2", "depth = 2")
    assert problems_of(text) == ["x.toml:21: phase 'canopy' params.depth: 2 is outside 0-1"]


def test_names_with_line_breaks_still_give_one_line():
    text = GOOD.replace('name = "canopy"', 'name = "can\\nopy"').replace('colour = "ember"', 'colour = "em\\rber"')
    lines = problems_of(text)
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert "x.toml:16: phase 'can\\nopy' name: 'can\\nopy' must be lower-case letters" in lines[1]


LINES = '''name = "lines"
title = "Line numbers"
description = """A description over
[[phase]]
several lines that look like keys = 1
"""
kind = "dusk"
duration = "20m"

[[phase]]
name = "one"
caption = "One."
duration = "2m"
start = { colour = 2200, level = 40 }

[[phase]]
name = "two"
caption = "Two."
duration = "50%"
end.level = 500
effect = "breathe"

[phase.params]
bpm = 6
depth = -1

[[phase]]
name = "three"
caption = "Three \\" with [brackets] # and a hash"
duration = "50%"
end = { colour = "sunrise", level = "dim" }
crossfade = "12 sec"
'''


def test_line_numbers_are_right_for_phases_params_inline_tables_and_dotted_keys():
    assert problems_of(LINES, "l.toml") == [
        "l.toml:3: description: must be one line of at most 200 characters",
        "l.toml:20: phase 'two' end.level: 500 is outside 0-100 L*",
        "l.toml:25: phase 'two' params.depth: -1 is outside 0-1",
        "l.toml:31: phase 'three' end.level: expected a number, got 'dim'",
        "l.toml:32: phase 'three' crossfade: cannot read '12 sec' as a duration; did you mean '12s'?",
    ]


def test_source_map_addresses_keys_by_their_path():
    lines = SourceMap(LINES)
    assert lines.line_of(("kind",)) == 7
    assert lines.line_of(("phase",)) == 10  # the array: its first table
    assert lines.line_of(("phase", 1)) == 16
    assert lines.line_of(("phase", 1, "params")) == 23
    assert lines.line_of(("phase", 1, "params", "bpm")) == 24
    assert lines.line_of(("phase", 2, "end", "colour")) == 31  # inside an inline table: its key's line
    assert lines.line_of(("phase", 2, "no-such-key")) == 27  # unknown: the enclosing table
    assert lines.line_of(("nothing",)) is None
    crlf = SourceMap(LINES.replace("\n", "\r\n"))
    assert crlf.line_of(("phase", 2, "crossfade")) == 32
    assert SourceMap('a = "x\u2028y"\nb = 1\n').line_of(("b",)) == 2  # only LF ends a TOML line
    assert SourceMap('"quoted.key" = 1\n\'lit\'.x = 2\n').line_of(("lit", "x")) == 2


def test_every_problem_is_reported_but_the_list_is_capped():
    text = GOOD + "".join(f"extra{i} = {i}\n" for i in range(200))
    lines = problems_of(text)
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[-1] == f"x.toml: and {200 - MAX_PROBLEMS} more problems"


TOO_LONG = "cannot read '9999999999999999999999999999999999999999...' as a duration: it is too long"


@pytest.mark.parametrize("value, message", [
    ("1e308", "duration 1e+308 is longer than 24 hours"),
    ("-1e308", "duration -1e+308 is negative"),
    ("1" + "0" * 400, "duration ~1e+400 is longer than 24 hours"),
    ('"' + "9" * 5000 + 's"', TOO_LONG),
    ('"' + "9" * 5000 + ':00"', TOO_LONG),
    ("inf", "duration inf is longer than 24 hours"),
    ("nan", "duration nan is not a number"),
])
def test_huge_numbers_are_errors_not_hangs(value, message):
    started = time.perf_counter()
    assert problems_of(GOOD.replace('"30m"', value)) == [f"x.toml:5: duration: {message}"]
    assert time.perf_counter() - started < 1.0


def test_huge_numbers_anywhere_are_short_messages():
    big = "1" + "0" * 400
    text = (GOOD.replace("colour = 1900", f"colour = {big}").replace("bpm = 6", f"bpm = {big}")
            .replace("level = 60", "level = -1e308").replace('duration = "30m"', f'duration = "30m"\nseed = {big}'))
    lines = problems_of(text)
    assert lines == [
        "x.toml:6: seed: ~1e+400 is outside 0-9223372036854775807",
        "x.toml:13: phase 'embers' end.colour: colour temperature ~1e+400 K is outside 1000-6500 K",
        "x.toml:20: phase 'canopy' end.level: -1e+308 is outside 0-100 L*",
        "x.toml:22: phase 'canopy' params.bpm: ~1e+400 is outside 1-30 1/min",
    ]


def test_absurd_files_are_refused_quickly(tmp_path):
    header = GOOD[: GOOD.index("[[phase]]")]
    phase = ('[[phase]]\nname = "p{0}"\ncaption = "Phase {0}."\nduration = "1s"\n'
             'start = {{ colour = 2700, level = 5 }}\n\n')
    text = header + "".join(phase.format(i) for i in range(2500))
    assert 200_000 < len(text.encode()) < 256_000
    file = tmp_path / "many.toml"
    file.write_text(text)
    cases = {
        file: f"{file}:7: phase: there must be 1 to {MAX_PHASES} phases, not 2500",
        tmp_path / "big.toml": f"{tmp_path / 'big.toml'}: file is larger than 256 kB: not a sequence",
        tmp_path / "digits.toml": f"{tmp_path / 'digits.toml'}: not valid TOML: a number has too many digits",
        tmp_path / "deep.toml": f"{tmp_path / 'deep.toml'}: not valid TOML: arrays or tables nested too deeply",
    }
    (tmp_path / "big.toml").write_text(text + "# padding\n" * 10_000)
    (tmp_path / "digits.toml").write_text("seed = " + "9" * 5000 + "\n")
    (tmp_path / "deep.toml").write_text("seed = " + "[" * 100_000 + "]" * 100_000 + "\n")
    for path, expected in cases.items():
        started = time.perf_counter()
        with pytest.raises(SequenceLoadError) as caught:
            load_file(path)
        assert [str(p) for p in caught.value.problems] == [expected]
        assert time.perf_counter() - started < 2.0, path.name


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_not_read_to_its_end():
    started = time.perf_counter()
    with pytest.raises(SequenceLoadError, match="larger than"):
        load_file("/dev/zero")
    assert time.perf_counter() - started < 1.0


def test_missing_and_unreadable_paths_are_one_line(tmp_path):
    for path, message in [(tmp_path / "gone.toml", "no such file or directory"), (tmp_path, "is a directory")]:
        with pytest.raises(SequenceLoadError) as caught:
            load_file(path)
        assert [str(p) for p in caught.value.problems] == [f"{path}: {message}"]
