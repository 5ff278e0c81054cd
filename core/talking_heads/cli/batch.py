"""`talking-heads batch SHOTS.toml`: render a list of shots; a failing shot does not stop the others."""
from __future__ import annotations

import argparse
from pathlib import Path

from talking_heads.batch import run_shots, summary_table
from talking_heads.progress import cancel_on_interrupt


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="render the shots of a TOML shot list in order",
                                 description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("shots", type=Path, help="the shot list (.toml), one table per shot")
    parser.add_argument("--shot", action="append", help="render only this shot (repeatable)")
    parser.add_argument("--force", action="store_true", help="render finished shots again")
    parser.add_argument("--allow-outside", action="store_true",
                        help="let shots write outputs outside the shot list's folder")
    return parser


def run(args: argparse.Namespace) -> int:
    with cancel_on_interrupt() as cancelled:
        outcomes = run_shots(args.shots, only=args.shot, force=args.force, allow_outside=args.allow_outside,
                             cancelled=cancelled)
    print(summary_table(outcomes))
    return 1 if any(outcome.status == "failed" for outcome in outcomes) else 0
