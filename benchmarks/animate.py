"""Speed and memory of the whole animate pipeline on the shared footage.

    .venv/bin/python benchmarks/animate.py

Prints frames per second of the whole pipeline (driver landmarks, retarget, render, paste-back,
MP4 write) for the warp renderer at 512x512 full-frame output; of retarget + render + paste-back
alone (landmarks cached), for that portrait and for a 2048x2048 one (the warp works at the
portrait's own pixel size, on a square around the whole moving head), also per second of CPU
time (which a busy machine's waiting does not count); of the neural renderer at the paper's
256x256 (untrained paper-size weights: speed only); and the peak memory of a 300-frame and a 1000-frame driver, each in a
fresh process. Targets (2 CPU cores): warp >= 25 frames/s whole; the 2048x2048 portrait's speed
is stated; the 1000-frame driver's peak memory at most 10% above the 300-frame one's.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PORTRAIT = DATA / "portraits" / "s42.jpg"  # 512x512
CLIP = DATA / "clips" / "d3.mp4"  # 512x512, 354 frames
LONG_CLIP = DATA / "clips" / "d6.mp4"  # 1008 frames
LARGE_SOURCE = DATA / "portraits" / "s1.jpg"  # 1145x1145, scaled up to 2048x2048


def whole_pipeline(folder: Path) -> tuple[int, float, float]:
    """(frames, wall seconds, CPU seconds of this process's threads) of `animate` with the warp."""
    from talking_heads.pipeline import AnimateJob, animate

    start, start_cpu = time.perf_counter(), time.process_time()
    result = animate(AnimateJob([PORTRAIT], str(CLIP), folder / "whole.mp4", renderer="warp"))
    return result.frames, time.perf_counter() - start, time.process_time() - start_cpu


def without_landmarks_and_writing(folder: Path, portrait_path: Path = PORTRAIT,
                                  frames: int | None = None) -> tuple[int, float, float, int]:
    """Retarget + render + paste-back, the driver's landmarks already tracked and cached.
    Returns (frames, wall seconds, CPU seconds, the side of the warp's crop)."""
    from talking_heads.landmarks import make_detector
    from talking_heads.landmarks.driver import DriverSpec, driver_motion
    from talking_heads.pipeline import load_portrait, render_frames
    from talking_heads.synthesis import create_renderer

    detector = make_detector("dlib")
    cache = folder / "track.npz"
    renderer = create_renderer("warp")
    portrait = load_portrait([portrait_path], renderer, detector)
    size = (portrait.image.shape[1], portrait.image.shape[0])
    driver_motion(DriverSpec.parse(str(CLIP)), portrait.points, size, detector=lambda: detector, track_cache=cache)
    person = renderer.prepare(portrait.shots)
    start, start_cpu = time.perf_counter(), time.process_time()
    motion = driver_motion(DriverSpec.parse(str(CLIP)), portrait.points, size, detector=lambda: detector,
                           track_cache=cache)
    points = motion.points[:frames]
    count = sum(1 for _ in render_frames(person, portrait, points, motion.fps, True, 8, 0, lambda: False))
    return count, time.perf_counter() - start, time.process_time() - start_cpu, portrait.crop.size


def large_portrait(folder: Path, side: int = 2048) -> Path:
    """The shared 1145-pixel photo scaled up to `side` x `side` (the shared data has no larger one)."""
    import cv2

    from talking_heads import media

    path = folder / f"portrait_{side}.png"
    media.write_image(path, cv2.resize(media.read_image(LARGE_SOURCE), (side, side), interpolation=cv2.INTER_CUBIC))
    return path


def neural_frames_per_second(folder: Path, frames: int = 16, batch: int = 8) -> float:
    """The neural renderer at the paper's configuration (freshly initialised weights: the speed
    does not depend on training), rendering the portrait's own landmarks in batches."""
    import numpy as np

    from talking_heads.landmarks import make_detector
    from talking_heads.models import ModelConfig
    from talking_heads.pipeline import load_portrait
    from talking_heads.synthesis.neural import NeuralRenderer
    from talking_heads.training.meta import Networks

    checkpoint = folder / "paper"
    Networks.build(ModelConfig(), num_videos=1, seed=0).save(checkpoint, step=0, variant="ff", videos=["v"])
    renderer = NeuralRenderer(checkpoint=checkpoint.with_suffix(".safetensors"), device="cpu")
    shots = load_portrait([PORTRAIT], renderer.resolution, make_detector("dlib")).shots
    person = renderer.prepare(shots)
    landmarks = np.repeat(shots[0].points[None], batch, 0)  # (B, 68, 2)
    person.render(landmarks)  # warm-up
    start = time.perf_counter()
    for _ in range(frames // batch):
        person.render(landmarks)
    return frames / (time.perf_counter() - start)


def peak_memory(frames: int) -> float:
    """Peak resident MB of `talking-heads animate` over `frames` driver frames, in a fresh process."""
    with tempfile.TemporaryDirectory() as folder:
        code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); from memory import peak_resident_mb; "
                "from talking_heads.cli import main; "
                f"main(['-q', 'animate', '--source', {str(PORTRAIT)!r}, '--driver', {str(LONG_CLIP)!r}, "
                f"'--frames', '0:{frames}', '--renderer', 'warp', '-o', {folder + '/out.mp4'!r}, "
                f"'--track-cache', {folder + '/t.npz'!r}]); "
                "print(peak_resident_mb())")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    import figures  # benchmarks/figures.py

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        whole = whole_pipeline(folder)
        alone = without_landmarks_and_writing(folder)
        large = without_landmarks_and_writing(folder, large_portrait(folder), frames=60)
        neural = neural_frames_per_second(folder)
    print(f"{'stage':62} {'frames':>6} {'seconds':>8} {'frames/s':>9} {'per CPU s':>10}")
    rows = [("warp, whole pipeline (landmarks .. MP4), 512x512", *whole),
            (f"warp, retarget + render + paste-back, 512x512 (crop {alone[3]})", *alone[:3]),
            (f"warp, retarget + render + paste-back, 2048x2048 (crop {large[3]})", *large[:3]),
            ("neural, render at 256x256 (paper size, batch 8)", 16, 16 / neural, None)]
    for name, count, seconds, cpu in rows:
        per_cpu = "" if cpu is None else f"{count / cpu:.1f}"
        print(f"{name:62} {count:6d} {seconds:8.2f} {count / seconds:9.2f} {per_cpu:>10}")
    print("(per CPU s: frames per second of CPU time of this process's threads, which waiting for a busy "
          "machine's cores does not count; the MP4 encoder's process is not included)")
    short, long = peak_memory(300), peak_memory(1000)
    print(f"peak memory: 300-frame driver {short:.0f} MB, 1000-frame driver {long:.0f} MB ({long / short - 1:+.1%})")
    per_cpu = lambda count, seconds, cpu: f"{count / cpu:.1f} frames per CPU second ({count / seconds:.1f} wall-clock)"  # noqa: E731
    figures.record({"animate.warp_whole": per_cpu(*whole),
                    "animate.warp_alone": per_cpu(*alone[:3]),
                    "animate.warp_2048": per_cpu(*large[:3]),
                    "animate.peak": f"{short:.0f} MB vs {long:.0f} MB ({long / short - 1:+.1%})",
                    "animate.neural": f"{neural:.1f} frames/s"}, "python benchmarks/animate.py")


if __name__ == "__main__":
    main()
