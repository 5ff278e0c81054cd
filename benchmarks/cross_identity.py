"""Cross-identity figures of the warp renderer beside the frozen floor, on shared portraits
driven by shared clips with head motion.

    .venv/bin/python benchmarks/cross_identity.py [--frames 0:100] [--sheet cross_identity.png]

Four portraits (a photo, a painting, an old photo, a young woman's photo) are each driven by three
clips whose heads move (d3: turns and nods, d11: a child moving, d12: a man drifting sideways by
more than an eye distance). Prints the table of every pair and, per renderer, the medians over
the pairs of the figures the project aims at: head integrity (>= 0.75), mouth correlation (>= 0.9),
identity distance (< 0.35) and sharpness (>= 0.5 of the portrait's).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from talking_heads import media
from talking_heads.evaluate import CrossConfig, evaluate_cross_identity
from talking_heads.evaluate.cross_identity import format_summary, format_table
from talking_heads.evaluate.sheets import contact_sheet

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PORTRAITS = [DATA / "portraits" / name for name in ("s1.jpg", "s4.jpg", "s12.jpg", "s42.jpg")]
DRIVERS = [DATA / "clips" / name for name in ("d3.mp4", "d11.mp4", "d12.mp4")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", default="0:100", help="frames START:STOP of every driver (default: 0:100)")
    parser.add_argument("--sheet", type=Path, help="also write the contact sheet (PNG)")
    args = parser.parse_args()
    start, stop = (int(value) for value in args.frames.split(":"))
    began = time.perf_counter()
    report = evaluate_cross_identity(PORTRAITS, DRIVERS, ["warp"], CrossConfig(frames=(start, stop)))
    print(format_table(report.rows))
    print(f"\n{len(PORTRAITS)} portraits x {len(DRIVERS)} drivers, frames {start}:{stop}, "
          f"{time.perf_counter() - began:.0f} s on this machine\n")
    print(format_summary(report.rows))
    if args.sheet is not None:
        media.write_image(args.sheet, contact_sheet(report))
        print(f"\ncontact sheet: {args.sheet}")


if __name__ == "__main__":
    main()
