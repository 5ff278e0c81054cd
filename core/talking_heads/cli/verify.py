"""`talking-heads verify FILE`: read and validate a file's content credentials and watermark."""
from __future__ import annotations

import argparse
from pathlib import Path

from talking_heads.verify import verify

EXIT_INVALID = 2  # credentials present but not valid


def add_parser(commands: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help="show what a file's content credentials and watermark claim",
                                 description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("file", type=Path, nargs="+", metavar="FILE",
                        help="an image, a video, or a folder of PNG frames")
    parser.add_argument("--trust", type=Path, metavar="PEM",
                        help="certificate authorities (PEM) whose signatures count as trusted, e.g. the studio's")
    return parser


def run(args: argparse.Namespace) -> int:
    status = 0
    for path in args.file:
        report = verify(path, trust_anchors=args.trust)
        print("\n".join(report.lines()))
        if report.credentials_present and not report.credentials_valid:
            status = EXIT_INVALID
    return status
