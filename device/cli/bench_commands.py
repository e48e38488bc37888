"""`emberwake bench`: frame cost, loop timing, CPU, ramp smoothness, flicker and colour, measured here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    bench = commands.add_parser("bench", help="measure frame cost, timing, CPU, smoothness, flicker and colour")
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    bench.add_argument("--quick", action="store_true", help="a ~20 s smoke run with shorter windows")
    bench.set_defaults(run=run_bench)


def _import_bench():
    """The `bench` package: installed, or beside `device/` in a source checkout."""
    try:
        import bench
    except ImportError:
        root = Path(__file__).resolve().parents[2]
        if not (root / "bench" / "__init__.py").is_file():
            raise
        sys.path.insert(0, str(root))
        import bench
    return bench


def run_bench(args: argparse.Namespace) -> int:
    try:
        bench = _import_bench()
    except ImportError as error:
        print(f"emberwake: the benchmark is not installed here ({error})", file=sys.stderr)
        return 1
    try:
        result = bench.run(quick=args.quick)
    except bench.BenchError as error:
        print(f"emberwake: {error}", file=sys.stderr)
        return 1
    from bench.runner import print_result
    print_result(result, as_json=args.json)
    return 0
