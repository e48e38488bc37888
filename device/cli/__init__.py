"""The `emberwake` command: one sub-command per job, each in the module that does it."""

from __future__ import annotations

import argparse
import re
import sys

from importlib.metadata import entry_points

from device.cli import alarm_commands, play_commands, sequence_commands, service_commands, web_commands
from device.clock import Clock, RealClock
from device.config import ConfigError, load_config, load_service_config
from device.paths import expanded, home_dir
from sequences.tomlfile import printable


COMMANDS_GROUP = "emberwake.commands"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and exit 2, no usage dump
        # an argument is echoed as given: cut a long one short, and escape its control characters
        message = re.sub(r"[^\s']{60,}", lambda long: long.group()[:40] + "...", message)
        self.exit(2, f"emberwake: {printable(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="emberwake", description="Emberwake: a sleep-and-wake light for a NeoPixel ring.")
    parser.add_argument("--home", metavar="DIR", help="state folder (default: $EMBERWAKE_HOME or the user data folder)")
    parser.add_argument("--config", metavar="FILE", help="config file (default: config.toml in the state folder)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for core in (sequence_commands, play_commands, alarm_commands, service_commands, web_commands):
        core.register(commands)
    # Other packages' commands (the simulator's, the benchmark's), found by name as gpiozero finds
    # pin factories; they come after the core ones, so they may extend them (`run --sim`).
    for plugin in sorted(entry_points(group=COMMANDS_GROUP), key=lambda entry: entry.name):
        plugin.load()(commands)
    return parser


def main(argv: list[str] | None = None, clock: Clock | None = None) -> int:
    """Run one command; `clock` is the time it runs on (default: the real clock; tests give theirs)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.clock = clock or RealClock()
    try:
        home = home_dir(args.home)
        config_file = None if args.config is None else expanded(args.config)
        args.config_file = config_file  # the file a running light's settings are written back to
    except ValueError as error:  # ~nouser
        print(f"emberwake: {printable(str(error))}", file=sys.stderr)
        return 2
    try:
        if args.command == "run":  # the light runs on its last good config rather than not at all
            args.settings, said = load_service_config(home, config_file)
            for line in said:
                print(f"emberwake: {line}", file=sys.stderr)
        else:
            args.settings = load_config(home, config_file)
        return int(args.run(args) or 0)
    except ConfigError as error:
        print(error, file=sys.stderr)  # one line per problem, each naming the file and line
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `emberwake render ... | head` is fine
        return 0

