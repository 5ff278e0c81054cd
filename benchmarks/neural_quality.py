"""Proof on real footage: a `small` person model trained on the first half of a clip, measured on
its held-out second half against the warp renderer and the frozen source (returned unchanged).

    .venv/bin/python benchmarks/neural_quality.py --clips d11.mp4 --steps 300 --work runs/quality
    .venv/bin/python benchmarks/neural_quality.py --clips d11.mp4 --steps 300 --work runs/quality \
        --grid docs/neural_quality_grid.png --json runs/quality/figures.json

Per clip: trains `talking-heads person CLIP --train --config small --frames 0:HALF` for --steps
(resuming a run already in --work; a person file snapshot every --every steps), then renders
--frames held-out frames of the second half (crops around their own landmarks, as `talking-heads
eval` does, at 256x256; the 128x128 model's renders are scaled up) and prints SSIM, PSNR, AKD
(dlib landmarks of render vs real, pixels at 256), the share of frames where dlib finds a face,
dlib's identity distance (median; < 0.6: same person) and frames per second; then the same for
every snapshot and the final person file: the metric against training minutes. --speed times a
few from-scratch training steps of `small` and `paper` (process CPU seconds, robust to a busy
machine, and wall seconds).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "core"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from talking_heads import media  # noqa: E402
from talking_heads.landmarks.dlib_detector import DlibDetector  # noqa: E402
from talking_heads.models.config import PRESETS  # noqa: E402
from talking_heads.models.losses import content_loss_by_name  # noqa: E402
from talking_heads.synthesis.base import Person, Shot  # noqa: E402
from talking_heads.synthesis.frozen import FrozenPerson  # noqa: E402
from talking_heads.synthesis.neural import NeuralPerson  # noqa: E402
from talking_heads.synthesis.warp import WarpRenderer  # noqa: E402
from talking_heads.training.footage import FootageFrames, load_footage  # noqa: E402
from talking_heads.training.learners import ScratchLearner, training_autocast  # noqa: E402
from talking_heads.training.person_model import FootageJob, train_person_model, training_folder  # noqa: E402
from talking_heads.evaluate.metrics import describe, reconstruction_scores  # noqa: E402

import figures  # noqa: E402  (benchmarks/figures.py)

CLIPS = ROOT.parent / "shared" / "data" / "clips"
EVAL_RESOLUTION = 256
WARP_SHOTS = 8


def describe_all(images: np.ndarray, detector: DlibDetector) -> list[tuple[np.ndarray | None, np.ndarray | None]]:
    """dlib's landmarks and identity descriptor of each image (None, None where no face)."""
    return [describe(detector, image) for image in images]


def render_at_eval_size(person: Person, resolution: int, points: np.ndarray) -> tuple[np.ndarray, float]:
    """Renders of landmarks given at EVAL_RESOLUTION, made at the person's resolution and scaled
    to EVAL_RESOLUTION; -> (frames, frames per second of the rendering alone)."""
    start = time.perf_counter()
    frames = person.render(points * (resolution / EVAL_RESOLUTION))
    fps = len(frames) / (time.perf_counter() - start)
    if resolution != EVAL_RESOLUTION:
        frames = np.stack([cv2.resize(f, (EVAL_RESOLUTION,) * 2, interpolation=cv2.INTER_CUBIC) for f in frames])
    return frames, fps


def held_out(clip: Path, half: int, count: int, detector: DlibDetector) -> FootageFrames:
    frames = load_footage([clip], detector, EVAL_RESOLUTION, (half, None))
    chosen = np.linspace(0, len(frames) - 1, min(count, len(frames))).round().astype(int)
    return FootageFrames(frames.images[chosen], frames.points[chosen], frames.sketches[chosen], frames.sources)


def train(clip: Path, half: int, args: argparse.Namespace) -> Path:
    """The person model of the clip's first half (continues a run of the same settings in --work)."""
    output = args.work / f"{clip.stem}.safetensors"
    job = FootageJob(inputs=[clip], output=output, config="small", steps=args.steps, span=(0, half),
                     content_loss=args.content_loss, augment=args.augment, sample_every=args.every, snapshots=True,
                     resume=(training_folder(output) / "state.safetensors").is_file(), backend="dlib")
    if not (output.is_file() and NeuralPerson.load(output).details.get("steps", 0) >= args.steps):
        result = train_person_model(job, detector=DlibDetector())
        print(f"{clip.name}: trained {result.steps} steps on {result.frames} frames, "
              f"{result.seconds / 60:.1f} minutes in this run", flush=True)
    return output


def grid(real: np.ndarray, columns: list[np.ndarray], rows: int, cell: int) -> np.ndarray:
    """Rows of real | each renderer's frame, `rows` frames evenly over the held-out part."""
    chosen = np.linspace(0, len(real) - 1, min(rows, len(real))).round().astype(int)
    lines = [np.concatenate([cv2.resize(image[i], (cell, cell), interpolation=cv2.INTER_AREA)
                             for image in (real, *columns)], axis=1) for i in chosen]
    return np.concatenate(lines)


def measure_clip(clip: Path, args: argparse.Namespace, detector: DlibDetector) -> tuple[dict, np.ndarray]:
    total = media.open_frame_source(clip).frame_count
    half = total // 2
    person_file = train(clip, half, args)
    real = held_out(clip, half, args.frames, detector)
    real_faces = describe_all(real.images, detector)
    sources = load_footage([clip], detector, EVAL_RESOLUTION, (0, half))
    shots = [Shot(sources.images[i], sources.points[i])
             for i in np.linspace(0, len(sources) - 1, WARP_SHOTS).round().astype(int)]
    neural = NeuralPerson.load(person_file, device="cpu")
    renderers = {"frozen": (FrozenPerson(shots[0].image), EVAL_RESOLUTION),
                 "warp": (WarpRenderer().prepare(shots), EVAL_RESOLUTION),
                 "neural": (neural, neural.resolution)}
    rows, renders = {}, {}
    for name, (person, resolution) in renderers.items():
        renders[name], fps = render_at_eval_size(person, resolution, real.points)
        rows[name] = {**reconstruction_scores(real.images, real_faces, renders[name], detector), "fps": fps}
    curve = []
    for snapshot in sorted((training_folder(person_file) / "snapshots").glob("step_*.safetensors")):
        person = NeuralPerson.load(snapshot, device="cpu")
        frames, _ = render_at_eval_size(person, person.resolution, real.points)
        curve.append({"steps": person.details["steps"], "minutes": person.details["training_minutes"],
                      **reconstruction_scores(real.images, real_faces, frames, detector)})
    details = neural.details
    if not curve or curve[-1]["steps"] != details["steps"]:  # the final person file ends the curve
        neural_row = {key: value for key, value in rows["neural"].items() if key != "fps"}
        curve.append({"steps": details["steps"], "minutes": details["training_minutes"], **neural_row})
    result = {"clip": clip.name, "trained_frames": f"0:{half}", "frames_used": details["frames"],
              "held_out": f"{half}:{total}", "evaluated": len(real), "steps": details["steps"],
              "minutes": details["training_minutes"], "content_loss": details["content_loss"], "rows": rows,
              "curve": curve}
    return result, grid(real.images, [renders["warp"], renders["neural"]], args.grid_rows, args.cell)


def print_clip(result: dict) -> None:
    print(f"\n{result['clip']}: small model trained on frames {result['trained_frames']} "
          f"({result['frames_used']} with a face) for {result['steps']} steps = {result['minutes']:.1f} minutes "
          f"on a 2-core CPU, {result['content_loss']}; {result['evaluated']} held-out frames of "
          f"{result['held_out']}")
    header = f"{'renderer':8} {'SSIM':>6} {'PSNR':>6} {'AKD':>6} {'face':>5} {'ID med':>6} {'ID<0.6':>6} {'fps':>7}"
    print(header + "\n" + "-" * len(header))
    for name, row in result["rows"].items():
        print(f"{name:8} {row['ssim']:6.3f} {row['psnr']:6.2f} {row['akd']:6.2f} {row['face_found']:5.0%} "
              f"{row['identity_distance']:6.3f} {row['identity_share']:6.0%} {row['fps']:7.1f}")
    if result["curve"]:
        print(f"\n{'steps':>6} {'minutes':>7} {'SSIM':>6} {'PSNR':>6} {'AKD':>6} {'face':>5} {'ID med':>6}")
        for point in result["curve"]:
            print(f"{point['steps']:6d} {point['minutes']:7.1f} {point['ssim']:6.3f} {point['psnr']:6.2f} "
                  f"{point['akd']:6.2f} {point['face_found']:5.0%} {point['identity_distance']:6.3f}")


def figure_texts(result: dict) -> dict[str, str]:
    """The clip's figures as the docs show them (markdown tables), keyed neural_quality.CLIP.*."""
    key = f"neural_quality.{Path(result['clip']).stem}"
    rows = ["| renderer | SSIM | PSNR (dB) | AKD (px at 256) | face found | identity distance (median) | same person (< 0.6) "
            "| frames/s |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    rows += [f"| {name} | {r['ssim']:.3f} | {r['psnr']:.2f} | {r['akd']:.2f} | {r['face_found']:.0%} | "
             f"{r['identity_distance']:.3f} | {r['identity_share']:.0%} | {r['fps']:.1f} |" for name, r in result["rows"].items()]
    curve = ["| steps | minutes | SSIM | PSNR (dB) | AKD | face found | identity distance (median) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    curve += [f"| {p['steps']} | {p['minutes']:.1f} | {p['ssim']:.3f} | {p['psnr']:.2f} | {p['akd']:.2f} | "
              f"{p['face_found']:.0%} | {p['identity_distance']:.3f} |" for p in result["curve"]]
    budget = (f"{result['steps']} steps, {result['minutes']:.0f} minutes of training on a 2-core CPU, "
              f"frames {result['trained_frames']} ({result['frames_used']} with a face), {result['content_loss']}; "
              f"{result['evaluated']} held-out frames of {result['held_out']}")
    return {f"{key}.budget": budget, f"{key}.table": "\n" + "\n".join(rows) + "\n",
            f"{key}.curve": "\n" + "\n".join(curve) + "\n"}


def training_speed(steps: int) -> None:
    """From-scratch training steps (batch 8, l1_msssim) of small and paper: CPU and wall seconds."""
    print(f"\ntraining speed from scratch, batch 8, {torch.get_num_threads()} threads")
    for name in ("small", "paper"):
        config = PRESETS[name]()
        device = torch.device("cpu")
        learner = ScratchLearner(config, content_loss_by_name("l1_msssim"), 1e-3, device, training_autocast(device))
        batch = (torch.rand(8, 3, config.resolution, config.resolution) * 2 - 1,) * 2
        learner.step(*batch)  # warm-up
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(steps):
            learner.step(*batch)
        cpu, wall = (time.process_time() - cpu) / steps, (time.perf_counter() - wall) / steps
        print(f"{name:6} {cpu:7.2f} CPU s/step ({60 / cpu * torch.get_num_threads():5.1f} steps/min if the cores "
              f"were free)  {wall:7.2f} wall s/step ({60 / wall:5.1f} steps/min measured)", flush=True)


META_CLIPS = ("d0.mp4", "d3.mp4", "d9.mp4", "d10.mp4", "d12.mp4", "d14.mp4")  # people other than d11's
UNSEEN = "d11.mp4"


def heldout_error(render, frames: FootageFrames) -> float:
    """Mean absolute pixel error (0-255) of renders of the frames' landmarks."""
    with torch.no_grad():
        generated = render(torch.from_numpy(frames.sketches).movedim(-1, 1).float() / 127.5 - 1)
    images = torch.from_numpy(frames.images).movedim(-1, 1).float() / 127.5 - 1
    return float((generated - images).abs().mean() * 127.5)


def finetune_curve(learner, shots: FootageFrames, held: FootageFrames, steps: int, every: int) -> list[float]:
    """Held-out error before training and after every `every` steps on the 8 shots (all in each batch)."""
    target = torch.from_numpy(shots.images).movedim(-1, 1).float() / 127.5 - 1
    sketch = torch.from_numpy(shots.sketches).movedim(-1, 1).float() / 127.5 - 1
    errors = [heldout_error(learner.render, held)]
    for step in range(1, steps + 1):
        learner.step(target, sketch)
        if step % every == 0:
            errors.append(heldout_error(learner.render, held))
    return errors


def meta_versus_scratch(args: argparse.Namespace, detector: DlibDetector) -> dict:
    """The paper's claim at small scale: meta-learn `tiny` on other people's clips, then fine-tune on
    8 frames of an unseen clip; held-out error against fine-tuning steps, from the meta-learned
    start and from scratch."""
    from talking_heads.models import ModelConfig, OptimConfig
    from talking_heads.synthesis.neural import NeuralRenderer
    from talking_heads.training import distributed
    from talking_heads.training.config import TrainConfig
    from talking_heads.training.learners import MetaLearner
    from talking_heads.training.prepare import PrepareConfig, prepare_dataset
    from talking_heads.training.trainer import train as meta_train

    config = ModelConfig.tiny()
    dataset = args.work / "meta_dataset"
    prepare_dataset([CLIPS / name for name in META_CLIPS], dataset, detector, PrepareConfig(32, config.resolution))
    optim = OptimConfig(lr_generator=5e-4, lr_discriminator=2e-3)  # 10x the paper's: a tiny model, few steps
    train_config = TrainConfig(steps=args.meta_steps, batch=4, k=4, content_loss="l1_msssim", workers=0,
                               checkpoint_every=args.meta_steps, log_every=50, optim=optim)
    start = time.perf_counter()
    run = meta_train(dataset, args.work / "meta_run", config, train_config, distributed.start("cpu"),
                     resume=(args.work / "meta_run" / "run.json").is_file())
    meta_minutes = (time.perf_counter() - start) / 60
    total = media.open_frame_source(CLIPS / UNSEEN).frame_count
    footage = load_footage([CLIPS / UNSEEN], detector, config.resolution, (0, total // 2))
    picks = np.linspace(0, len(footage) - 1, 8).round().astype(int)
    shots = FootageFrames(footage.images[picks], footage.points[picks], footage.sketches[picks], footage.sources)
    held = load_footage([CLIPS / UNSEEN], detector, config.resolution, (total // 2, None))
    frozen = float(np.abs(shots.images[:1].astype(np.float64) - held.images).mean())
    renderer = NeuralRenderer(checkpoint=run.final, device="cpu")
    shot_list = [Shot(i, p) for i, p in zip(shots.images, shots.points)]
    curves = {
        "meta": finetune_curve(MetaLearner(renderer, shot_list, "l1_msssim", "cpu", optim), shots, held,
                               args.finetune_steps, args.finetune_every),
        "scratch": finetune_curve(ScratchLearner(config, content_loss_by_name("l1_msssim"), 1e-3,
                                                 torch.device("cpu"), training_autocast(torch.device("cpu"))),
                                  shots, held, args.finetune_steps, args.finetune_every)}
    print(f"\nmeta-learning at small scale: tiny model meta-learned {args.meta_steps} steps on "
          f"{len(META_CLIPS)} clips ({meta_minutes:.1f} minutes in this run), fine-tuned on 8 frames of the unseen "
          f"{UNSEEN}; held-out error (mean |pixel| 0-255, {len(held)} frames; frozen source: {frozen:.1f})")
    print(f"{'steps':>6} " + " ".join(f"{name:>8}" for name in curves))
    for index in range(len(curves["meta"])):
        print(f"{index * args.finetune_every:6d} " + " ".join(f"{curves[name][index]:8.1f}" for name in curves))
    for name, errors in curves.items():
        reached = next((i * args.finetune_every for i, e in enumerate(errors) if e <= frozen), None)
        print(f"{name}: {'never' if reached is None else reached} steps to beat the frozen source")
    return {"meta_steps": args.meta_steps, "meta_minutes": meta_minutes, "frozen": frozen,
            "every": args.finetune_every, "curves": curves}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", nargs="*", default=["d11.mp4"], help="shared clips (default: d11.mp4)")
    parser.add_argument("--steps", type=int, default=300, help="training steps per clip (default: 300)")
    parser.add_argument("--every", type=int, default=50, help="steps between snapshots (default: 50)")
    parser.add_argument("--content-loss", default="l1_msssim")
    parser.add_argument("--no-augment", dest="augment", action="store_false",
                        help="train without the random shifts and zooms")
    parser.add_argument("--frames", type=int, default=32, help="held-out frames evaluated (default: 32)")
    parser.add_argument("--work", type=Path, default=Path("runs/neural_quality"), help="person files and snapshots")
    parser.add_argument("--grid", type=Path, help="write the real | warp | neural grid of the first clip here")
    parser.add_argument("--grid-rows", type=int, default=6)
    parser.add_argument("--cell", type=int, default=160)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--record", action="store_true", help="record the figures in docs/figures.json and the docs")
    parser.add_argument("--speed", type=int, default=0, help="also time this many training steps of small and paper")
    parser.add_argument("--meta-steps", type=int, default=0,
                        help="also meta-learn tiny this many steps and compare fine-tuning from it with scratch")
    parser.add_argument("--finetune-steps", type=int, default=200)
    parser.add_argument("--finetune-every", type=int, default=20)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    detector = DlibDetector()
    results = []
    if args.meta_steps:
        results.append(meta_versus_scratch(args, detector))
    for index, name in enumerate(args.clips):
        result, picture = measure_clip(CLIPS / name, args, detector)
        print_clip(result)
        results.append(result)
        if args.record:
            figures.record(figure_texts(result), " ".join([".venv/bin/python", "benchmarks/neural_quality.py",
                                                          *sys.argv[1:]]))
        if args.grid is not None and index == 0:
            media.write_image(args.grid, picture)
            print(f"grid (real | warp | neural): {args.grid}")
    if args.speed:
        training_speed(args.speed)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
