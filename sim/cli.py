"""The simulator's commands, found by the CLI through the `emberwake.commands` entry point:
`emberwake preview` (one sequence on the desktop simulator, or exported as GIF/PNG) and
`emberwake run --sim` (the firmware on a virtual ring with an accelerated clock: `--sim` fills
the `run` command's `run_mode` seam)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path

from device.cli.sequence_commands import add_sequences_option, positive_seconds, renderer_or_report, sequence_dirs
from device.signals import stop_on_signals
from sequences.catalog import find
from sequences.engine import Renderer
from sequences.units import show
from sim.clock import MAX_SPEED_X, time_of_day, wall_start_at
from sim.status import SLIDER_MAX_X

def _speed(text: str) -> float:
    try:
        speed_x = float(text.rstrip("xX"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{show(text)} is not a speed such as 60 or 60x") from None
    if not 1.0 <= speed_x <= MAX_SPEED_X:
        raise argparse.ArgumentTypeError(f"speed {show(text)} must be 1-{MAX_SPEED_X:g}x")
    return speed_x


def _hh_mm(text: str):
    try:
        return time_of_day(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _size(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 32 <= int(text) <= 1024:
        raise argparse.ArgumentTypeError(f"{show(text)} must be a size in pixels, 32-1024")
    return int(text)


def register(commands: argparse._SubParsersAction) -> None:
    preview = commands.add_parser("preview", help="watch a sequence on the desktop simulator, or export it")
    preview.add_argument("sequence", metavar="NAME_OR_FILE")
    preview.add_argument("--duration", type=positive_seconds, metavar="D", help="play length (default: the file's)")
    preview.add_argument("--speed", type=_speed, metavar="X",
                         help="times real time, 1-600 in the viewers (default 1; a GIF: the whole sequence in 6 s)")
    preview.add_argument("--terminal", action="store_true", help="draw in this terminal, not a window")
    preview.add_argument("--export", metavar="FILE", help="write FILE.gif (the ring) or FILE.png (the timeline)")
    preview.add_argument("--size", type=_size, metavar="PX", help="GIF width and height (default 240)")
    add_sequences_option(preview)
    preview.set_defaults(run=run_preview)

    run = commands.choices["run"]  # the service's command (device.cli.service_commands)
    run.add_argument("--sim", dest="run_mode", action="store_const", const=run_run,
                     help="a virtual ring and a simulated clock instead of the LEDs")
    run.add_argument("--clock-speed", type=_speed, default=1.0, metavar="X", help="simulated seconds a second")
    run.add_argument("--clock-start", type=_hh_mm, metavar="HH:MM", help="simulated time to start at (default: now)")
    run.add_argument("--play", metavar="NAME_OR_FILE", help="start this sequence at once")
    run.add_argument("--duration", type=positive_seconds, metavar="D", help="its play length (default: the file's)")
    run.add_argument("--terminal", action="store_true", help="draw in this terminal, not a window")
    run.add_argument("--demo", action="store_true",
                     help="with no alarms set, set one whose sunrise starts five simulated minutes from now")
    add_sequences_option(run)


def _renderer(args: argparse.Namespace, name: str) -> Renderer:
    return Renderer(find(name, sequence_dirs(args)), args.duration, args.settings.ring.pixels)


def run_preview(args: argparse.Namespace) -> int:
    from sim.export import ExportError, export
    from sim.session import PreviewSession, SequenceWatcher
    from sim.viewers import run_viewer

    renderer = renderer_or_report(args, args.sequence, args.settings.ring.pixels)
    if renderer is None:
        return 1
    if args.export:
        try:
            print(export(Path(args.export), renderer, args.settings, args.speed, args.size))
        except (ExportError, OSError) as error:
            print(f"emberwake: {error}", file=sys.stderr)
            return 1
        except ImportError as error:  # Pillow comes with the sim extra
            print(f"emberwake: exports need the sim extra: pip install 'emberwake[sim]' ({error})", file=sys.stderr)
            return 1
        return 0
    source = Path(renderer.sequence.source)
    watcher = SequenceWatcher(source, lambda: _renderer(args, str(source))) if source.is_file() else None
    session = PreviewSession(renderer, args.settings, min(args.speed or 1.0, SLIDER_MAX_X), watcher=watcher).start()
    try:
        with stop_on_signals() as stopping:
            run_viewer(session, stopping, prefer_window=not args.terminal)
    finally:
        session.close()
    return 0


def run_run(args: argparse.Namespace) -> int:
    from device.service import service_for_sim
    from sim.run import run_sim

    play = None
    if args.play:
        play = renderer_or_report(args, args.play, args.settings.ring.pixels)
        if play is None:
            return 1
    today = args.clock.now().astimezone(args.settings.zone)  # the simulation starts from the real time
    start = wall_start_at(args.clock_start, today) if args.clock_start else today
    if args.demo:
        _add_demo_alarm(args.settings, start)
    with stop_on_signals() as stopping:
        run_sim(args.settings, args.clock_speed, start, play=play, prefer_window=not args.terminal,
                stopping=stopping, services=[service_for_sim])
    return 0


def _add_demo_alarm(config, start: datetime) -> None:
    """A daily wake alarm whose 30-minute sunrise starts five simulated minutes after `start`,
    unless the store already has alarms (then those are the demo)."""
    from device.book import AlarmBook, store_path
    from device.controller import Place
    from device.store import Store
    from device.clock import ManualClock

    store = Store(store_path(config.home))
    try:
        if not store.alarms():
            wake_at = start.astimezone(config.zone) + timedelta(minutes=35)
            # The book judges the new alarm at the simulated start, where it will be used.
            AlarmBook(store, Place(config.zone, None, False), ManualClock(start), config.sequence_dirs).add(
                "wake", wake_at.strftime("%H:%M"), "daily", "storm-to-firelight", label="demo")
            print(f"emberwake: demo alarm set for {wake_at:%H:%M} (simulated); its sunrise starts at "
                  f"{wake_at - timedelta(minutes=30):%H:%M}", file=sys.stderr)
    finally:
        store.close()