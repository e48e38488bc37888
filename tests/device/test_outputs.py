"""Outputs by name, through the package's entry points; `device` names no higher layer."""

import ast
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from device.config import Config
from device.output import NullOutput, OutputError
from device.outputs import OUTPUT_GROUP, open_output, output_names

ROOT = Path(__file__).resolve().parents[2]


def test_the_package_registers_the_ring_the_simulators_and_none():
    assert {"neopixel", "null", "sim", "terminal"} <= set(output_names())


def test_null_is_the_configured_rings_shape():
    output = open_output("null", Config(Path(".")))
    assert isinstance(output, NullOutput) and (output.pixel_count, output.channels) == (24, 3)


def test_an_unknown_output_is_one_line_listing_the_known_ones():
    with pytest.raises(OutputError) as caught:
        open_output("neopixle", Config(Path(".")))
    message = str(caught.value)
    assert "\n" not in message and "'neopixle'" in message and "neopixel, null, sim, terminal" in message


def test_an_output_that_cannot_import_is_one_line(monkeypatch):
    broken = EntryPoint(name="broken", value="no_such_module:open_output", group=OUTPUT_GROUP)
    monkeypatch.setattr("device.outputs.entry_points", lambda group, name=None: [broken] if name == "broken" else [])
    with pytest.raises(OutputError, match=r"^output 'broken' \(no_such_module:open_output\) cannot be loaded"):
        open_output("broken", Config(Path(".")))


def test_opening_an_output_imports_only_that_one():
    code = ("import sys; from pathlib import Path; from device.config import Config; "
            "from device.outputs import open_output; open_output('null', Config(Path('.'))).close(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sim', 'bench', 'neopixel_spi', 'neopixel')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def higher_layer_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return [f"{path.relative_to(ROOT)}: {name}" for name in names if name.split(".")[0] in ("sim", "bench")]


def test_device_imports_no_higher_layer_not_even_inside_a_function():
    modules = [path for path in (ROOT / "device").glob("*.py")]  # device/cli is the commands' layer
    assert modules and [line for path in modules for line in higher_layer_imports(path)] == []
