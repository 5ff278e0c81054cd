"""`talking-heads <command>`: one module per command, each with `add_parser` and `run`."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from talking_heads import __version__
from talking_heads.errors import Cancelled, TalkingHeadsError

# command name -> module under talking_heads.cli
COMMANDS = {
    "demo": "demo",
    "animate": "animate",
    "landmarks": "landmarks",
    "eval": "evaluate",
    "batch": "batch",
    "prepare-data": "prepare_data",
    "train": "train",
    "person": "person",
    "verify": "verify",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talking-heads", description="Animate portraits from facial landmarks.")
    parser.add_argument("--version", action="version", version=f"talking-heads {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars or information messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"talking_heads.cli.{module_name}")
        sub = module.add_parser(commands, name)
        sub.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                         help="no progress bars or information messages")
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        return args.run(args) or 0
    except Cancelled as stop:
        print(f"stopped: {stop}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("stopped by Ctrl-C", file=sys.stderr)
        return 130
    except TalkingHeadsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
