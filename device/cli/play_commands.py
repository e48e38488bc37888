"""`emberwake play`: one sequence on the ring (or the simulator), then dark."""

from __future__ import annotations

import argparse
import sys

from device.cli.sequence_commands import _seconds, add_sequences_option, positive_seconds, renderer_or_report
from device.frame_loop import FrameLoop
from device.output import OutputError
from device.output import DEFAULT_OUTPUT, open_output
from device.pipeline import Pipeline
from device.player import Player, Program
from device.signals import stop_on_signals


def register(commands: argparse._SubParsersAction) -> None:
    play = commands.add_parser("play", help="play one sequence on the LEDs, then go dark")
    play.add_argument("sequence", metavar="NAME_OR_FILE")
    play.add_argument("--duration", type=positive_seconds, metavar="D", help="play length (default: the file's)")
    play.add_argument("--from", dest="from_s", type=_seconds, default=0.0, metavar="T",
                      help="start this far into the sequence")
    play.add_argument("--output", default=DEFAULT_OUTPUT, metavar="NAME",
                      help="where the light goes: neopixel (the LEDs, the default), sim, terminal, null")
    add_sequences_option(play)
    play.set_defaults(run=run_play)


def run_play(args: argparse.Namespace) -> int:
    config = args.settings
    renderer = renderer_or_report(args, args.sequence, config.ring.pixels)
    if renderer is None:
        return 1
    sequence = renderer.sequence
    if args.from_s > renderer.duration_s:
        print(f"emberwake: --from is past the end of {sequence.name} ({renderer.duration_s:g}s)", file=sys.stderr)
        return 2
    try:
        output = open_output(args.output, config, title=sequence.title)
    except OutputError as error:
        print(f"emberwake: {error}", file=sys.stderr)
        return 1
    pipeline = Pipeline(config.output, output.pixel_count, output.channels)
    player = Player(FrameLoop(output, pipeline, args.clock, config.fps)).start()
    with stop_on_signals() as stopping:
        player.play(Program(renderer.frames(), args.from_s, label=sequence.name, on_end=stopping.set))
        stopping.wait()  # until the sequence ends, or SIGTERM / SIGINT
    player.shutdown()
    return 0
