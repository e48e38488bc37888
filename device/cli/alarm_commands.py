"""`emberwake alarm ...`, `bedtime ...` and the controls (snooze, dismiss, stop, skip-next, light, play-now,
status), which act through the running service's Controls (device/controls.py), as the button does.

With the service running (something answers on 127.0.0.1 at the configured port) every command
goes through its API, so it reschedules at once; without it, alarm changes go straight to the
store through the same code (device.api.Api in this process), and the controls, which need the
light, say that the service is not running. Bad input: one line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
from typing import Any
from urllib.parse import urlencode

from device.api import Api, ApiError, HttpClient, LocalClient, service_running
from device.book import AlarmBook, store_path
from device.controller import FALLBACK_SEQUENCE, NIGHT_LIGHT_KELVIN, Place
from device.store import Store

_NOUNS = {"wake": "alarm", "bedtime": "bedtime"}


def register(commands: argparse._SubParsersAction) -> None:
    for kind, noun in _NOUNS.items():
        group = commands.add_parser(noun, help=f"set, list and change {noun}s" + (
            " (wake-up lights)" if kind == "wake" else " (dusk sequences at a time or at sunset)"))
        actions = group.add_subparsers(dest="action", metavar="ACTION")
        actions.required = True
        add = actions.add_parser("add", help=f"a new {noun}")
        if kind == "wake":
            add.add_argument("time", metavar="HH:MM", help="the wake time: full light then")
        else:
            add.add_argument("time", metavar="HH:MM|sunset[+-D]", help="when the dusk starts, e.g. 22:30 or sunset+1h")
        add.add_argument("--days", metavar="SPEC",
                         help="daily, weekdays, weekends, mon,wed,fri or sat-sun (default daily)")
        add.add_argument("--on", metavar="DATE",
                         help="once, on this date (2026-12-24); it switches itself off after")
        add.add_argument("--sequence", metavar="NAME",
                         help=f"a {'wake' if kind == 'wake' else 'dusk'} sequence (default: {FALLBACK_SEQUENCE[kind]})")
        if kind == "wake":
            add.add_argument("--rise", metavar="D",
                             help="the light starts this long before the wake time (default 30m, at most 3h)")
            add.add_argument("--hold", metavar="D", help="full light this long after it, then fades (default 30m)")
        else:
            add.add_argument("--duration", dest="rise", metavar="D", help="how long the dusk plays (default 30m)")
        add.add_argument("--label", default="", metavar="TEXT")
        add.add_argument("--disabled", action="store_true", help="store it switched off")
        add.set_defaults(run=run_add, kind=kind)

        listing = actions.add_parser("list", help=f"the {noun}s and when each comes next")
        listing.add_argument("--json", action="store_true")
        listing.set_defaults(run=run_list, kind=kind)

        for action, text in (("remove", "delete"), ("skip", "skip the next one only"),
                             ("unskip", "undo the skip of"), ("enable", "switch on"),
                             ("disable", "switch off")):
            one = actions.add_parser(action, help=f"{text} a {noun}")
            one.add_argument("id", metavar="ID")
            one.set_defaults(run=run_change, kind=kind)

        coming = actions.add_parser("next", help=f"the coming {noun} times, in the configured zone")
        coming.add_argument("--count", type=int, default=5, metavar="N", help="how many (default 5)")
        coming.add_argument("--from", dest="after", metavar="ISO-TIME", help="after this time (default now)")
        coming.add_argument("--json", action="store_true")
        coming.set_defaults(run=run_next, kind=kind)
        if kind == "wake":
            _register_pause(actions)

    snooze = commands.add_parser("snooze", help="dim the alarm that is on; it comes back after MINUTES")
    snooze.add_argument("minutes", nargs="?", type=float, metavar="MINUTES",
                        help="default: [button] snooze_minutes, 9")
    snooze.set_defaults(run=run_control, control="snooze")
    for control, text in (("dismiss", "fade the alarm that is on out now"), ("stop", "dark now, whatever is on"),
                          ("skip-next", "skip the next wake alarm, or undo that skip (as a 5 s hold of the button)")):
        commands.add_parser(control, help=text).set_defaults(run=run_control, control=control)
    light = commands.add_parser("light", help="the night light")
    light.add_argument("state", choices=("on", "off"))
    light.add_argument("--level", type=float, metavar="0-1", help="of the night light's own level (default: as last)")
    light.add_argument("--kelvin", type=float, metavar="K",
                       help="its colour temperature, {}-{} K (default: as last; at first, its sequence's colour)"
                       .format(*NIGHT_LIGHT_KELVIN))
    light.set_defaults(run=run_control, control="light")
    play = commands.add_parser("play-now", help="play a sequence now on the running light")
    play.add_argument("sequence", metavar="NAME")
    play.add_argument("--duration", metavar="D", help="play length (default: the file's)")
    play.set_defaults(run=run_control, control="play")
    status = commands.add_parser("status", help="what the running light is doing")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=run_control, control="status")


def _register_pause(actions: argparse._SubParsersAction) -> None:
    pause = actions.add_parser("pause", help="no alarm from one date to another (a vacation); they come back "
                                             "by themselves after")
    pause.add_argument("id", nargs="?", metavar="ID", help="only this alarm (default: every repeating alarm)")
    pause.add_argument("--from", dest="first", required=True, metavar="DATE", help="the first day off, 2026-12-24")
    pause.add_argument("--to", dest="last", required=True, metavar="DATE", help="the last day off (included)")
    pause.set_defaults(run=run_pause)
    resume = actions.add_parser("resume", help="end a pause now")
    resume.add_argument("id", nargs="?", metavar="ID", help="only this alarm's own pause (default: every pause)")
    resume.set_defaults(run=run_pause)


# Talking to the service, or to the store

class _Session:
    def __init__(self, args: argparse.Namespace):
        self.config = args.settings
        self.store: Store | None = None
        if service_running(self.config.port):
            self.client = HttpClient(self.config.port)
        else:
            config = self.config
            self.store = Store(store_path(config.home))
            book = AlarmBook(self.store, Place.of(config), args.clock, config.sequence_dirs)
            self.client = LocalClient(Api(book))

    def __enter__(self) -> "_Session":
        return self

    def __exit__(self, *exc) -> None:
        if self.store is not None:
            self.store.close()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.client.request(method, path, body)
        if status >= 300:
            message = answer.get("error", f"HTTP {status}") if isinstance(answer, dict) else f"HTTP {status}"
            raise ApiError(status, message)
        return answer


def _run(args: argparse.Namespace, work) -> int:
    try:
        with _Session(args) as session:
            return int(work(session) or 0)
    except ApiError as error:
        print(f"emberwake: {error}", file=sys.stderr)
        return 2 if error.status in (400, 404, 415) else 1
    except (sqlite3.Error, OSError) as error:  # OSError: the home is a file, or not ours to write
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        print(f"emberwake: cannot use the alarm store in {args.settings.home}: {reason}", file=sys.stderr)
        return 1


# The commands

def run_add(args: argparse.Namespace) -> int:
    body = {"kind": args.kind, "time": args.time, "days": args.days, "on": args.on, "sequence": args.sequence,
            "rise": args.rise, "label": args.label, "enabled": not args.disabled}
    if args.kind == "wake":
        body["hold"] = args.hold

    def work(session: _Session) -> None:
        alarm = session.call("POST", "/api/alarms", body)
        print(f"added {_NOUNS[alarm['kind']]} {alarm['id']}: {_describe(alarm, args.settings.zone)}")
    return _run(args, work)


def run_list(args: argparse.Namespace) -> int:
    def work(session: _Session) -> None:
        alarms = session.call("GET", f"/api/alarms?kind={args.kind}")
        if args.json:
            print(json.dumps(alarms, indent=2))
            return
        if not alarms:
            print(f"no {_NOUNS[args.kind]}s (add one: emberwake {_NOUNS[args.kind]} add HH:MM)")
        for alarm in alarms:
            print(f"{alarm['id']:>3}  {_describe(alarm, args.settings.zone)}")
    return _run(args, work)


def run_change(args: argparse.Namespace) -> int:
    noun = _NOUNS[args.kind]
    ident = args.id

    def work(session: _Session) -> None:
        if args.action == "remove":
            alarm = session.call("DELETE", f"/api/alarms/{ident}?kind={args.kind}")
            print(f"removed {noun} {alarm['id']} ({alarm['time']} {alarm['days']})")
        elif args.action in ("skip", "unskip"):
            occurrence = session.call("POST", f"/api/alarms/{ident}/{args.action}?kind={args.kind}")
            verb = "skips" if args.action == "skip" else "is back on"
            print(f"{noun} {occurrence['id']} {verb} {_when(occurrence['at'], args.settings.zone)}")
        else:
            alarm = session.call("POST", f"/api/alarms/{ident}/{args.action}?kind={args.kind}")
            print(f"{noun} {alarm['id']}: {_describe(alarm, args.settings.zone)}")
    return _run(args, work)


def run_next(args: argparse.Namespace) -> int:
    query = {"kind": args.kind, "count": str(args.count)}
    if args.after:
        query["from"] = args.after

    def work(session: _Session) -> None:
        coming = session.call("GET", "/api/next?" + urlencode(query))
        if args.json:
            print(json.dumps(coming, indent=2))
            return
        if args.kind == "wake":
            for pause in session.call("GET", "/api/pauses"):
                print(_describe_pause(pause))
        if not coming:
            print(f"no {_NOUNS[args.kind]} is coming")
        zone = args.settings.zone
        for occurrence in coming:
            start = dt.datetime.fromisoformat(occurrence["start"]).astimezone(zone)
            light = f"light from {start:%H:%M}" if occurrence["kind"] == "wake" else f"until " \
                f"{dt.datetime.fromisoformat(occurrence['end']).astimezone(zone):%H:%M}"
            label = f"  {occurrence['label']}" if occurrence["label"] else ""
            skipped = "  (skipped)" if occurrence["skipped"] else ""
            print(f"{_when(occurrence['at'], zone)}  {light}  {_NOUNS[occurrence['kind']]} {occurrence['id']} "
                  f"{occurrence['sequence']}{label}{skipped}")
    return _run(args, work)


def run_pause(args: argparse.Namespace) -> int:
    def work(session: _Session) -> None:
        body: dict[str, Any] = {} if args.id is None else {"id": args.id}
        if args.action == "pause":
            print(_describe_pause(session.call("POST", "/api/pause", {**body, "from": args.first, "to": args.last})))
        else:
            for pause in session.call("POST", "/api/resume", body):
                print(f"resumed: {_whose(pause)} no longer paused {pause['from']} to {pause['to']}")
    return _run(args, work)


def run_control(args: argparse.Namespace) -> int:
    control = args.control

    def work(session: _Session) -> None:
        if control == "status":
            status = session.call("GET", "/api/status")
            if args.json:
                print(json.dumps(status, indent=2))
                return
            playing = f": {status['playing']}" if status.get("playing") else ""
            light = f"on at {status['night_light_kelvin']} K" if status["night_light"] else "off"
            line = f"{status['mode']}{playing}; night light {light}"
            if not status["clock_trusted"]:
                line += "; the clock is not synchronised yet (no alarm fires)"
            print(line)
            if status.get("next"):
                print(f"next: {_when(status['next']['at'], args.settings.zone)} "
                      f"{_NOUNS[status['next']['kind']]} {status['next']['id']}")
            return
        body: dict[str, Any] = {}
        if control == "snooze" and args.minutes is not None:
            body = {"minutes": args.minutes}
        elif control == "light":
            chosen = {"level": args.level, "kelvin": args.kelvin}
            body = {"on": args.state == "on", **{key: value for key, value in chosen.items() if value is not None}}
        elif control == "play":
            body = {"sequence": args.sequence, "duration": args.duration}
        print(session.call("POST", f"/api/{control}", body)["message"])
    return _run(args, work)


# Formatting

def _when(iso: str, zone) -> str:
    return f"{dt.datetime.fromisoformat(iso).astimezone(zone):%a %Y-%m-%d %H:%M %Z}"


def _whose(pause: dict) -> str:
    return "every alarm" if pause["alarm"] is None else f"alarm {pause['alarm']}"


def _describe_pause(pause: dict) -> str:
    return f"paused {pause['from']} to {pause['to']}: {_whose(pause)} (back by itself after)"


def _describe(alarm: dict, zone) -> str:
    parts = [alarm["time"], f"once on {alarm['on']}" if alarm["on"] else alarm["days"], alarm["sequence"]]
    if alarm["kind"] == "wake":
        parts.append(f"rise {alarm['rise']}, hold {alarm['hold']}")
    else:
        parts.append(f"for {alarm['rise']}")
    if alarm["label"]:
        parts.append(repr(alarm["label"]))
    if not alarm["enabled"]:
        parts.append("disabled")
    else:
        parts.extend(f"paused {pause['from']} to {pause['to']}" for pause in alarm["paused"])
        if alarm["skipped"]:
            parts.append(f"skips {_when(alarm['skipped'], zone)}")
        parts.append(f"next {_when(alarm['next'], zone)}" if alarm["next"] else "not coming again")
    return "  ".join(parts)
