"""Fuzz config.toml (device/config.py load_config) with mutations of valid full configs.

Every case must end in a Config or in ConfigError whose problems are each one printable line
naming the file; any other exception is a crash (the service would die on a bad config).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from device.config import ConfigError, load_config
from tests.fuzz.mutations import assert_problems_name_the_file, bounded, examples, mutated

SEEDS = {path.name: path.read_bytes() for path in sorted((Path(__file__).parent / "seeds").glob("*config.toml"))}
FULL = SEEDS["full-config.toml"]


@pytest.fixture(scope="module")
def home() -> Path:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def check_config(home: Path, data: bytes) -> None:
    file = home / "config.toml"
    file.write_bytes(data)
    try:
        config = load_config(home)
    except ConfigError as error:
        assert_problems_name_the_file(error, file)
        return
    assert config.zone.key == config.timezone
    assert 1 <= config.ring.pixels <= 1024 and 1024 <= config.port <= 65535


def test_the_seeds_are_full_configs_that_load(home):
    assert len(SEEDS) >= 2
    for data in SEEDS.values():
        (home / "config.toml").write_bytes(data)
        assert load_config(home).location is not None


@settings(max_examples=examples(1500), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                             HealthCheck.too_slow])
@given(case=mutated(SEEDS))
# Crashes the fuzzer found (each was an OSError traceback from ZoneInfo):
@example(case=("full-config.toml", FULL.replace(b"Europe/Berlin", b"Europe")))  # a folder of zones
@example(case=("full-config.toml", FULL.replace(b"Europe/Berlin", b"x" * 300)))  # a name too long for a file
# ... and a RuntimeError from pathlib's expanduser:
@example(case=("full-config.toml", FULL.replace(b"~/my-sequences", b"~nobody-here/x")))  # no such user
def test_a_mutated_config_loads_or_gives_one_line_errors(home, case):
    name, data = case
    with bounded(3.0, (name, data[:200])):
        check_config(home, data)
