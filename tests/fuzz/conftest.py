"""The fuzzers' summary: at the end of a run, one line of JSON with the cases each target ran (a
target is a test_fuzz_*.py file: loader, config, api, cli, ...), each test's, and the tests that
failed. `make fuzz` prints it after 100 000 cases a test; CI after its few hundred."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis.statistics import collector

_CASES = pytest.StashKey[Counter]()
_FAILED = pytest.StashKey[list]()


def _target(nodeid: str) -> str:
    return Path(nodeid.split("::")[0]).stem.removeprefix("test_fuzz_")


@pytest.hookimpl(hookwrapper=True, trylast=True)  # inside Hypothesis's own wrapper, which sets its collector
def pytest_runtest_call(item: pytest.Item):
    outer = collector.value
    cases = item.config.stash.setdefault(_CASES, Counter())

    def count(statistics: dict) -> None:
        """Cases that ran the test to its end (valid) or failed it (interesting), in every phase;
        not those Hypothesis threw away before the test could run them (invalid, overrun)."""
        cases[item.nodeid] += sum(case["status"] in ("valid", "interesting") for name, phase in statistics.items()
                                  if name.endswith("-phase") for case in phase.get("test-cases", ()))
        if outer is not None:
            outer(statistics)

    with collector.with_value(count):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = (yield).get_result()
    if report.failed:
        item.config.stash.setdefault(_FAILED, []).append(item.nodeid)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    cases = config.stash.get(_CASES, Counter())
    if not cases:
        return
    targets = Counter()
    for nodeid, count in cases.items():
        targets[_target(nodeid)] += count
    terminalreporter.write_line(json.dumps({"fuzz_cases": dict(sorted(targets.items())),
                                            "tests": dict(sorted(cases.items())),
                                            "failed": sorted(set(config.stash.get(_FAILED, [])))}))
