"""`emberwake web pair|unpair`: let a phone use the page, or no phone any more.

Both ask the running service over the loopback API (which needs no pairing): the codes live
in the service, so that only someone at the light (or logged in to it) can hand one out.
"""

from __future__ import annotations

import argparse
import sys

from device.api import ApiError, HttpClient
from device.web.pairing import CODE_VALID_S


def register(commands: argparse._SubParsersAction) -> None:
    web = commands.add_parser("web", help="the phone page: pair a phone, or unpair them all")
    actions = web.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    pair = actions.add_parser("pair", help=f"print a one-time code (valid {CODE_VALID_S / 60:g} min) "
                                           "to type into the phone page")
    pair.set_defaults(run=_pair)
    unpair = actions.add_parser("unpair", help="forget every paired phone (each must pair again)")
    unpair.set_defaults(run=_unpair)


def _ask(args: argparse.Namespace, path: str) -> dict | None:
    try:
        status, answer = HttpClient(args.settings.port).request("POST", path)
    except ApiError as error:
        print(f"emberwake: {error}; is the service running? (sudo systemctl start emberwake, or emberwake run)",
              file=sys.stderr)
        return None
    if status != 200:
        print(f"emberwake: {answer.get('error', status)}", file=sys.stderr)
        return None
    return answer


def _pair(args: argparse.Namespace) -> int:
    answer = _ask(args, "/api/pair/code")
    if answer is None:
        return 1
    print(f"pairing code: {answer['code']}  (valid {answer['valid_s'] // 60} min, once; "
          f"type it into the phone page, or hold the light's button when the page asks)")
    return 0


def _unpair(args: argparse.Namespace) -> int:
    answer = _ask(args, "/api/pair/forget")
    if answer is None:
        return 1
    print(f"unpaired {answer['forgotten']} phone(s)")
    return 0
