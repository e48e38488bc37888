"""`python -m bench [--json] [--quick]`: the same as `emberwake bench`."""

from __future__ import annotations

import argparse
import sys

from bench.runner import BenchError, print_result, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    parser.add_argument("--quick", action="store_true", help="a ~30 s smoke run with shorter windows")
    args = parser.parse_args(argv)
    try:
        result = run(quick=args.quick)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print_result(result, as_json=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
