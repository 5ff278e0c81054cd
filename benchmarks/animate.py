"""Speed and memory of the whole animate pipeline on the shared footage.

    .venv/bin/python benchmarks/animate.py

Prints frames per second of the whole pipeline (driver landmarks, retarget, render, paste-back,
MP4 write) for the warp renderer at 512x512 full-frame output; of retarget + render + paste-back
alone (landmarks cached); of the neural renderer at the paper's 256x256 (untrained paper-size
weights: speed only); and the peak memory of a 300-frame and a 1000-frame driver, each in a
fresh process. Targets (2 CPU cores): warp >= 25 frames/s whole, >= 100 frames/s without
landmarks and writing; the 1000-frame driver's peak memory at most 10% above the 300-frame one's.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PORTRAIT = DATA / "portraits" / "s42.jpg"  # 512x512
CLIP = DATA / "clips" / "d3.mp4"  # 512x512, 354 frames
LONG_CLIP = DATA / "clips" / "d6.mp4"  # 1008 frames


def whole_pipeline(folder: Path) -> tuple[int, float]:
    from talking_heads.pipeline import AnimateJob, animate

    start = time.perf_counter()
    result = animate(AnimateJob([PORTRAIT], str(CLIP), folder / "whole.mp4", renderer="warp"))
    return result.frames, time.perf_counter() - start


def without_landmarks_and_writing(folder: Path) -> tuple[int, float]:
    """Retarget + render + paste-back, the driver's landmarks already tracked and cached."""
    from talking_heads.landmarks import make_detector
    from talking_heads.landmarks.driver import DriverSpec, driver_motion
    from talking_heads.pipeline import load_portrait, render_frames
    from talking_heads.synthesis import create_renderer

    detector = make_detector("dlib")
    cache = folder / "track.npz"
    renderer = create_renderer("warp")
    portrait = load_portrait([PORTRAIT], renderer.resolution, detector)
    size = (portrait.image.shape[1], portrait.image.shape[0])
    driver_motion(DriverSpec.parse(str(CLIP)), portrait.points, size, detector=lambda: detector, track_cache=cache)
    person = renderer.prepare(portrait.shots)
    start = time.perf_counter()
    motion = driver_motion(DriverSpec.parse(str(CLIP)), portrait.points, size, detector=lambda: detector,
                           track_cache=cache)
    count = sum(1 for _ in render_frames(person, portrait, motion.points, motion.fps, True, 8, 0, lambda: False))
    return count, time.perf_counter() - start


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
        neural = neural_frames_per_second(folder)
    print(f"{'stage':52} {'frames':>6} {'seconds':>8} {'frames/s':>9}")
    print(f"{'warp, whole pipeline (landmarks .. MP4), 512x512':52} {whole[0]:6d} {whole[1]:8.2f} {whole[0] / whole[1]:9.1f}")
    print(f"{'warp, retarget + render + paste-back, 512x512':52} {alone[0]:6d} {alone[1]:8.2f} {alone[0] / alone[1]:9.1f}")
    print(f"{'neural, render at 256x256 (paper size, batch 8)':52} {16:6d} {16 / neural:8.2f} {neural:9.2f}")
    short, long = peak_memory(300), peak_memory(1000)
    print(f"peak memory: 300-frame driver {short:.0f} MB, 1000-frame driver {long:.0f} MB ({long / short - 1:+.1%})")
    figures.record({"animate.warp_whole": f"{whole[0] / whole[1]:.1f} frames/s",
                    "animate.warp_alone": f"{alone[0] / alone[1]:.0f} frames/s",
                    "animate.peak": f"{short:.0f} MB vs {long:.0f} MB ({long / short - 1:+.1%})",
                    "animate.neural": f"{neural:.1f} frames/s"}, "python benchmarks/animate.py")


if __name__ == "__main__":
    main()
