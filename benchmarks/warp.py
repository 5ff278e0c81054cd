"""Speed of retargeting, procedural motions and the warp renderer on this machine.

    python benchmarks/warp.py [--frames 1000] [--portrait ../shared/data/portraits/s42.jpg]

Prints one table. Wall-clock times are the best of several runs (the least disturbed by other
work on the machine) with the median beside it, and the best CPU time of the process (all its
threads), which other busy processes disturb less; the last column relates the render time to one
`cv2.remap` of a crop of the same size measured in the same run, the floor of any remap-based
renderer.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from talking_heads import media
from talking_heads.landmarks import detect_largest_face, make_detector
from talking_heads.landmarks.motions import procedural_motion
from talking_heads.landmarks.retarget import retarget
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.warp import WarpConfig, WarpRenderer

DEFAULT_PORTRAIT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "portraits" / "s42.jpg"


def timed(work: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """(best wall, median wall, best CPU) seconds of `repeats` runs, after one warm-up run."""
    work()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), statistics.median(wall), min(cpu)


def remap_floor(size: int, repeats: int) -> float:
    image = np.random.default_rng(0).integers(0, 255, (size, size, 3), np.uint8)
    grid_x, grid_y = np.meshgrid(np.arange(size, dtype=np.float32) + 0.3, np.arange(size, dtype=np.float32) + 0.3)
    return timed(lambda: cv2.remap(image, grid_x, grid_y, cv2.INTER_LINEAR), repeats)[0]


def closed_mouths(track: np.ndarray) -> np.ndarray:
    """The track (T, 68, 2) with the lower inner lip pressed onto the upper one: a source that
    shows its teeth (like s42.jpg) has them squeezed away, the renderer's most expensive mouth."""
    closed = np.array(track, np.float32)
    closed[:, [67, 66, 65]] = closed[:, [61, 62, 63]]
    return closed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1000, help="length of the driver track")
    parser.add_argument("--portrait", type=Path, default=DEFAULT_PORTRAIT)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    image = media.read_image(args.portrait)
    points = detect_largest_face(make_detector("dlib"), image).points
    fps = 25.0
    driver = procedural_motion("talk", points, fps=fps, duration=args.frames / fps, image_size=image.shape[1::-1])
    rows = []

    times = timed(lambda: procedural_motion("talk", points, fps=fps, duration=args.frames / fps,
                                            image_size=image.shape[1::-1]), args.repeats)
    rows.append((f"procedural talk, {args.frames} frames", *times, None))
    times = timed(lambda: retarget(points, driver), args.repeats)
    rows.append((f"retarget, {args.frames} frames", *times, None))

    talk = retarget(points, driver)[:100]
    for size, step, what, track in ((256, 2, "", talk), (256, 1, "", talk), (512, 2, "", talk), (1024, 2, "", talk),
                                    (256, 2, ", lips shut", closed_mouths(talk))):
        config = WarpConfig(max_resolution=size, map_step=step)
        renderer = WarpRenderer(config)
        crop = renderer.crop(points)
        person = renderer.prepare([Shot(crop.crop(image), crop.to_crop(points))])
        landmarks = crop.to_crop(track)
        best, median, cpu = (t / len(landmarks) for t in timed(lambda: person.render(landmarks),
                                                                max(2, args.repeats // 2)))
        floor = remap_floor(crop.size, args.repeats)
        rows.append((f"warp render {crop.size}x{crop.size}, map_step {person.maps.step}{what}, per frame", best,
                     median, cpu, best / floor))

    print(f"{'what':<56} {'best ms':>9} {'median ms':>10} {'cpu ms':>8} {'x one remap':>12}")
    for name, best, median, cpu, ratio in rows:
        print(f"{name:<56} {best * 1e3:>9.2f} {median * 1e3:>10.2f} {cpu * 1e3:>8.2f} "
              f"{'' if ratio is None else f'{ratio:.1f}':>12}")
    render = rows[2][3]
    print(f"\nwarp render of the whole head at 256x256: {1 / render:.0f} frames per CPU second in one process "
          f"(retarget adds {rows[1][1] / args.frames * 1e3:.3f} ms per frame)")


if __name__ == "__main__":
    main()
