"""The layers: imports run downward only (sim/bench -> device -> sequences), and the core install
pulls only what the light needs."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from tests.device.service.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
# What each package may not import, not even inside a function.
FORBIDDEN = {"sequences": {"device", "sim", "bench"}, "device": {"sim", "bench"}}
NOT_FOR_THE_PI = ("pillow", "threadpoolctl", "adafruit-circuitpython-led-animation")


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value).split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_lower_layer_imports_a_higher_one(package):
    wrong = {str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
             for path in sorted((ROOT / package).rglob("*.py"))}
    assert {path: names for path, names in wrong.items() if names} == {}


def test_the_walker_sees_an_import_inside_a_function(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from sim.rings import VirtualRing\n    import bench.runner\n")
    assert imported_packages(sample) == {"sim", "bench"}


def core_dependencies() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def test_the_core_install_has_nothing_the_pi_does_not_use():
    names = {dependency.split(">")[0].split("=")[0].split("<")[0].split(";")[0].strip().lower()
             for dependency in core_dependencies()}
    assert names.isdisjoint(NOT_FOR_THE_PI), names & set(NOT_FOR_THE_PI)


@pytest.mark.timeout(600)
def test_a_fresh_core_install_runs_the_light_and_sets_alarms(tmp_path):
    """`pip install .` with no extras, in a clean venv: `emberwake alarm add` and `emberwake run
    --output null` work, and none of the simulator's or the benchmark's packages came along."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(ROOT)], capture_output=True,
                             text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    installed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True,
                               text=True, check=True).stdout.lower()
    assert not [name for name in NOT_FOR_THE_PI if f"{name}==" in installed]
    home = tmp_path / "home"
    emberwake = str(venv / "bin" / "emberwake")
    environment = {**os.environ, "PYTHONPATH": ""}
    added = subprocess.run([emberwake, "--home", str(home), "alarm", "add", "06:30", "--days", "weekdays"],
                           capture_output=True, text=True, cwd=tmp_path, env=environment)
    assert added.returncode == 0, added.stderr
    (home / "config.toml").write_text(f"[clock]\nrequire_sync = false\n\n[service]\nport = {free_port()}\n")
    process = subprocess.Popen([emberwake, "--home", str(home), "run", "--output", "null"], cwd=tmp_path,
                               env=environment, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    lines = []
    for line in process.stderr:  # wait for the service to say it runs, then stop it as systemd would
        lines.append(line)
        if "next: wake 1" in line or time.monotonic() - started > 60:
            break
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, "".join(lines) + rest
    assert any("next: wake 1" in line for line in lines), "".join(lines)
