"""Cross-identity figures of the warp renderer beside the frozen floor, on shared portraits
driven by shared clips with head motion.

    .venv/bin/python benchmarks/cross_identity.py [--frames 0:100] [--sheet cross_identity.png]

Four portraits (a photo, a painting, an old photo, a young woman's photo) are each driven by three
clips whose heads move (d3: turns and nods, d11: a child moving, d12: a man drifting sideways by
more than an eye distance). Prints the table of every pair and, per renderer, the medians over
the pairs of the figures the project aims at: head integrity (>= 0.75), mouth correlation (>= 0.9),
identity distance (< 0.35) and sharpness (>= 0.5 of the portrait's), and records them in
docs/figures.json (the README shows them from there).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from talking_heads import media
from talking_heads.evaluate import CrossConfig, evaluate_cross_identity
from talking_heads.evaluate.cross_identity import CrossRow, format_summary, format_table, summary
from talking_heads.evaluate.sheets import contact_sheet

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PORTRAITS = [DATA / "portraits" / name for name in ("s1.jpg", "s4.jpg", "s12.jpg", "s42.jpg")]
DRIVERS = [DATA / "clips" / name for name in ("d3.mp4", "d11.mp4", "d12.mp4")]


def figure_text(rows: list[CrossRow], renderer: str) -> str:
    """The README's words for one renderer's medians over the pairs (and the spread of head integrity)."""
    medians = summary(rows)[renderer]
    heads = [row.head_integrity for row in rows if row.renderer == renderer]
    return (f"head integrity {medians['head_integrity']:.2f} ({min(heads):.2f}-{max(heads):.2f} per pair), "
            f"mouth correlation {medians['mouth']:.2f}, identity distance {medians['identity_distance']:.2f}, "
            f"sharpness {medians['sharpness']:.2f} of the portrait's; eyes {medians['eyes']:.2f}, "
            f"head pose {medians['pose']:.2f}")


def main() -> None:
    import figures  # benchmarks/figures.py

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
    measured = {f"cross_identity.{renderer}": figure_text(report.rows, renderer) for renderer in ("warp", "frozen")}
    figures.record(measured, " ".join(["python", "benchmarks/cross_identity.py", *sys.argv[1:]]))
    if args.sheet is not None:
        media.write_image(args.sheet, contact_sheet(report))
        print(f"\ncontact sheet: {args.sheet}")


if __name__ == "__main__":
    main()
