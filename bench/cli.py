"""`emberwake bench` (found by the CLI through the `emberwake.commands` entry point): frame cost,
loop timing, CPU, ramp smoothness, flicker and colour, measured here."""

from __future__ import annotations

import argparse
import sys


def register(commands: argparse._SubParsersAction) -> None:
    bench = commands.add_parser("bench", help="measure frame cost, timing, CPU, smoothness, flicker and colour")
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    bench.add_argument("--quick", action="store_true", help="a ~30 s smoke run with shorter windows")
    bench.set_defaults(run=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    try:
        import bench
        from bench.runner import print_result
    except ImportError as error:  # the bench extra (led-animation) is not installed
        print(f"emberwake: the benchmark needs the bench extra: pip install 'emberwake[bench]' ({error})",
              file=sys.stderr)
        return 1
    try:
        result = bench.run(quick=args.quick)
    except bench.BenchError as error:
        print(f"emberwake: {error}", file=sys.stderr)
        return 1
    print_result(result, as_json=args.json)
    return 0
