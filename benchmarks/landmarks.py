"""Landmark tracking speed and memory on the shared clips.

    .venv/bin/python benchmarks/landmarks.py [--backend auto]

Prints frames per second with tracking (decode + detect + landmarks + smoothing) on a 512x512
clip, and the peak memory of tracking a short and a long clip, each in a fresh process so the
figures do not mix. Targets (2 CPU cores): >= 25 frames/s, < 500 MB for the longest clip.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from memory import peak_resident_mb

CLIPS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "clips"


def measure(clip: Path, backend: str) -> dict:
    """Track one clip in this process; returns frames, seconds and peak resident memory."""
    from talking_heads.landmarks import make_detector, track_input

    detector = make_detector(backend)
    start = time.perf_counter()
    track, report = track_input(clip, detector)
    seconds = time.perf_counter() - start
    peak_mb = peak_resident_mb()
    return {"clip": clip.name, "frames": len(track), "seconds": seconds, "peak_mb": peak_mb,
            "backend": report.backend, "without_face": report.without_face}


def measure_in_subprocess(clip: Path, backend: str) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import landmarks; "
            f"print(json.dumps(landmarks.measure(__import__('pathlib').Path({str(clip)!r}), {backend!r})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    import figures  # benchmarks/figures.py

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="auto")
    args = parser.parse_args()
    rows = [measure_in_subprocess(CLIPS / name, args.backend) for name in ("d0.mp4", "d10.mp4", "d6.mp4")]
    print(f"{'clip':8} {'frames':>6} {'size':>8} {'frames/s':>9} {'peak MB':>8}  backend")
    from talking_heads.media import probe_video

    for row in rows:
        width, height = probe_video(CLIPS / row["clip"]).size
        print(f"{row['clip']:8} {row['frames']:6d} {f'{width}x{height}':>8} {row['frames'] / row['seconds']:9.1f} "
              f"{row['peak_mb']:8.0f}  {row['backend']}")
    short, long = rows[0], rows[-1]
    print(f"memory growth from {short['frames']} to {long['frames']} frames: "
          f"{long['peak_mb'] - short['peak_mb']:+.0f} MB ({long['peak_mb'] / short['peak_mb'] - 1:+.1%})")
    rates = [row["frames"] / row["seconds"] for row in rows]
    backend = short["backend"]
    figures.record({
        f"landmarks.{backend}.frames_per_s": f"{min(rates[1:]):.0f}-{max(rates[1:]):.0f} frames/s",
        f"landmarks.{backend}.short_clip": f"{rates[0]:.0f} frames/s",
        f"landmarks.{backend}.peak": f"{short['peak_mb']:.0f} MB for {short['frames']} frames, "
                                     f"{long['peak_mb']:.0f} MB for {long['frames']} frames",
    }, " ".join(["python", "benchmarks/landmarks.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
