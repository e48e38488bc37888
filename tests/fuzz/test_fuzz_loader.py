"""Fuzz the sequence loader (what `emberwake check FILE` runs) with mutated built-ins and broken examples.

Every case must end in a Sequence or in SequenceLoadError whose problems are each one printable
line naming the file; any other exception is a crash. A file that loads must also render.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from sequences.engine import Renderer
from sequences.loader import SequenceLoadError, load_file
from tests.fuzz.mutations import assert_problems_name_the_file, bounded, examples, mutated

ROOT = Path(__file__).parents[2]
SEED_FOLDERS = (ROOT / "sequences" / "builtin", ROOT / "tests" / "sequences" / "broken")
SEEDS = {path.relative_to(ROOT).as_posix(): path.read_bytes()
         for folder in SEED_FOLDERS for path in sorted(folder.glob("*.toml"))}


@pytest.fixture(scope="module")
def scratch() -> Path:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "fuzzed.toml"


def check_file(file: Path, data: bytes) -> None:
    file.write_bytes(data)
    try:
        sequence = load_file(file)
    except SequenceLoadError as error:
        assert_problems_name_the_file(error, file)
        return
    renderer = Renderer(sequence, None, 12)
    for t_s in (0.0, renderer.duration_s / 3, renderer.duration_s):
        frame = renderer.frame(t_s)
        assert np.all(np.isfinite(frame)) and math.isfinite(float(frame.min())), (t_s, frame)


def test_the_seeds_are_every_builtin_and_every_broken_example():
    assert sum(name.startswith("sequences/builtin/") for name in SEEDS) >= 5
    assert sum(name.startswith("tests/sequences/broken/") for name in SEEDS) >= 30


@settings(max_examples=examples(2000), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                             HealthCheck.too_slow])
@given(case=mutated(SEEDS))
def test_a_mutated_sequence_file_loads_or_gives_one_line_errors(scratch, case):
    name, data = case
    with bounded(3.0, (name, data[:200])):
        check_file(scratch, data)
