"""`emberwake run`: the light as a service (alarms, timers, API) until SIGTERM or Ctrl-C.

Under systemd (Type=notify) it says READY=1 once running, feeds the watchdog while the light is
healthy (its thread alive and, while it plays, frames going out), and says STOPPING=1 on SIGTERM;
then the ring goes dark and it exits 0 (1 if the light was not healthy then).
Another package may add a way to run: an option that stores a function in `run_mode` (the
simulator's `--sim` does), which then runs instead of the service.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys

from device.output import OutputError
from device.output import DEFAULT_OUTPUT, open_output
from device.sdnotify import Notifier
from device.signals import stop_on_signals

IDLE_CHECK_S = 5.0


def register(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="run the light: alarms, timers and the API, until stopped")
    run.add_argument("--output", default=DEFAULT_OUTPUT, metavar="NAME",
                     help="where the light goes: neopixel (the LEDs, the default), sim, terminal, null")

    run.set_defaults(run=_dispatch, run_mode=None)


def _dispatch(args: argparse.Namespace) -> int:
    return args.run_mode(args) if args.run_mode is not None else run_service(args)


def run_service(args: argparse.Namespace) -> int:
    from device.service import configure_logging

    handler = configure_logging()
    try:
        return _run_service(args)
    finally:
        logging.getLogger().removeHandler(handler)


def _run_service(args: argparse.Namespace) -> int:
    from device.service import build_service

    log = logging.getLogger("emberwake")
    config = args.settings
    try:
        output = open_output(args.output, config, title="Emberwake")
    except OutputError as error:
        print(f"emberwake: {error}", file=sys.stderr)
        return 1
    try:
        service = build_service(config, output, clock=args.clock, config_file=args.config_file)
    except OSError as error:
        output.close()
        where = f"127.0.0.1:{config.port}" + (" or {}:{}".format(*config.web.listen) if config.web.listen else "")
        print(f"emberwake: cannot serve the API on {where} ({error.strerror}); "
              "is emberwake already running? (set [service] port or [web] listen in config.toml)", file=sys.stderr)
        return 1
    except sqlite3.Error as error:
        output.close()
        print(f"emberwake: cannot open the alarm store in {config.home}: {error}", file=sys.stderr)
        return 1
    notifier = Notifier()
    with stop_on_signals() as stopping:
        service.start()
        notifier.ready(f"running; API on 127.0.0.1:{service.port}")
        interval_s = notifier.watchdog_interval_s or IDLE_CHECK_S
        trouble = None
        while not stopping.wait(interval_s):
            seen = service.trouble()
            if seen is None:
                notifier.watchdog()
                if trouble is not None:
                    log.warning("the light is well again: feeding the watchdog again")
            elif trouble is None:
                log.critical("%s; %s", seen, "the watchdog will restart the service unless it recovers"
                             if notifier.watchdog_interval_s else "stopping")
                if not notifier.watchdog_interval_s:
                    trouble = seen
                    break
            trouble = seen
        notifier.stopping()
        log.info("stopping")
        service.shutdown()
    return 1 if trouble is not None else 0
