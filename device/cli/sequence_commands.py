"""`emberwake check`, `list` and `render`: sequences from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from device.paths import expanded
from sequences.catalog import entries, find
from sequences.engine import Renderer
from sequences.loader import SequenceLoadError, load_file
from sequences.units import format_seconds, parse_seconds, show

# `render --every`: more LED values than 100 000 frames of a 24-LED ring (~60 MB of JSON, ~20 s) is a typo,
# not a request; counted in LEDs, so that --pixels 1024 cannot make it 2.5 GB and a quarter of an hour.
MAX_LED_VALUES = 2_400_000


def register(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("check", help="validate sequence files")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(run=run_check)

    listing = commands.add_parser("list", help="built-in and user sequences")
    add_sequences_option(listing)
    listing.set_defaults(run=run_list)

    render = commands.add_parser("render", help="print frames as JSON (linear-light RGB floats)")
    render.add_argument("sequence", metavar="NAME_OR_FILE")
    when = render.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", type=_seconds, metavar="T", help="one frame at T (seconds, mm:ss, 90s, 30m)")
    when.add_argument("--every", type=positive_seconds, metavar="STEP", help="a frame every STEP, start to end")
    render.add_argument("--duration", type=positive_seconds, metavar="D", help="play length (default: the file's)")
    render.add_argument("--pixels", type=_pixels, default=24, metavar="N", help="LEDs on the ring (default 24)")
    add_sequences_option(render)
    render.set_defaults(run=run_render)


def add_sequences_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sequences", type=_folder, metavar="DIR",
                        help="folder of user sequences (default: from the config)")


def _folder(text: str) -> Path | None:
    try:
        return expanded(text) if text else None  # "": the config's folder, as if not given
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seconds(text: str) -> float:
    try:
        return parse_seconds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def positive_seconds(text: str) -> float:
    seconds = _seconds(text)
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{show(text)} must be longer than zero")
    return seconds


def _pixels(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 1024:
        raise argparse.ArgumentTypeError(f"{show(text)} must be a whole number of LEDs, 1-1024")
    return int(text)


def sequence_dirs(args: argparse.Namespace) -> tuple[Path, ...]:
    return (args.sequences,) if args.sequences else args.settings.sequence_dirs


def run_check(args: argparse.Namespace) -> int:
    failed = False
    for file in args.files:
        try:
            sequence = load_file(file)
        except SequenceLoadError as error:
            failed = True
            for problem in error.problems:
                print(problem, file=sys.stderr)
            continue
        phases = len(sequence.phases)
        print(f"{file}: ok: {sequence.name} ({sequence.kind}, {phases} phase{'' if phases == 1 else 's'}, "
              f"{format_seconds(sequence.default_duration_s)})")
    return 1 if failed else 0


def run_list(args: argparse.Namespace) -> int:
    rows = entries(sequence_dirs(args))
    width = max((len(e.name) for e in rows), default=4)
    for entry in rows:
        if entry.sequence is None:
            first = entry.error.problems[0] if entry.error else "cannot be loaded"
            print(f"{entry.name:<{width}}  {'broken':<7}  {'':>6}  {first}  [{entry.origin}]")
            continue
        seq = entry.sequence
        print(f"{seq.name:<{width}}  {seq.kind:<7}  {format_seconds(seq.default_duration_s):>6}  "
              f"{seq.description}  [{entry.origin}]")
    return 0


def renderer_or_report(args: argparse.Namespace, name: str, pixels: int) -> Renderer | None:
    """The named sequence laid out for --duration on `pixels` LEDs, or None after printing
    its problems (one line each) on stderr."""
    try:
        return Renderer(find(name, sequence_dirs(args)), args.duration, pixels)
    except SequenceLoadError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return None


def run_render(args: argparse.Namespace) -> int:
    renderer = renderer_or_report(args, args.sequence, args.pixels)
    if renderer is None:
        return 1
    if args.at is not None:
        times = [args.at]
    else:
        count = int(renderer.duration_s / args.every + 1e-9)
        if (count + 1) * args.pixels > MAX_LED_VALUES:
            print(f"emberwake: render: --every {format_seconds(args.every)} over {format_seconds(renderer.duration_s)} "
                  f"would print {count + 1} frames of {args.pixels} LEDs; at most {MAX_LED_VALUES // args.pixels} "
                  f"frames of {args.pixels}", file=sys.stderr)
            return 1
        times = [i * args.every for i in range(count + 1)]
    out = sys.stdout
    frames = renderer.frames()
    for t_s in times:
        frame = frames.frame(t_s)
        record = {"t": round(t_s, 6), "phase": renderer.phase_at(t_s).name,
                  "pixels": [[round(float(c), 6) for c in pixel] for pixel in frame]}
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
    return 0
