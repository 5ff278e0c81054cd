"""Meta-learning throughput: one full training step (E+G update, D update) and the data it eats.

    python benchmarks/train.py                          # tiny and paper configs on the CPU
    python benchmarks/train.py --device cuda --batch 8  # GPU, float16 mixed precision
    python benchmarks/train.py --configs tiny --threads 1

Prepares a small dataset from the shared clips (../shared/data) at each config's resolution,
then prints per config: milliseconds per step (best of the timed steps), episodes per second,
milliseconds to build one episode (memory-mapped frames + K+1 sketches), and the ratio of data
time to step time, which says how many loader processes (--workers) keep the step fed.
The content loss is pixel L1 unless --content-loss vgg (needs the VGG weight files).
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "core"))

from talking_heads.landmarks import make_detector  # noqa: E402
from talking_heads.training import distributed  # noqa: E402
from talking_heads.training.config import TrainConfig, model_preset  # noqa: E402
from talking_heads.training.dataset import load_dataset  # noqa: E402
from talking_heads.training.episodes import EpisodeDataset, collate_episodes  # noqa: E402
from talking_heads.training.meta import MetaLearner  # noqa: E402
from talking_heads.training.prepare import PrepareConfig, prepare_dataset  # noqa: E402

CLIPS = ("d0.mp4", "d11.mp4", "d12.mp4")


def best_time(fn, repeats: int, device: torch.device) -> float:
    best = math.inf
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def measure(config_name: str, args: argparse.Namespace, folder: Path) -> dict:
    model_config = model_preset(config_name)
    data_dir = folder / config_name
    clips = ROOT.parent / "shared" / "data" / "clips"
    prepare_dataset([clips / name for name in CLIPS], data_dir, make_detector("dlib"),
                    PrepareConfig(frames=args.k + 2, resolution=model_config.resolution))
    dataset = load_dataset(data_dir)
    episodes = EpisodeDataset(dataset, args.k)
    config = TrainConfig(batch=args.batch, k=args.k, content_loss=args.content_loss, workers=0)
    processes = distributed.start(args.device)
    learner = MetaLearner(model_config, config, len(dataset.videos), processes, mixed_precision=True)
    batch = collate_episodes([episodes[n] for n in range(args.batch)])
    learner.train_step(batch)  # warm-up
    step = best_time(lambda: learner.train_step(batch), args.steps, processes.device)
    data = best_time(lambda: episodes[0], 5, torch.device("cpu"))
    if processes.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
        learner.train_step(batch)
    memory = torch.cuda.max_memory_allocated() / 2**30 if processes.device.type == "cuda" else float("nan")
    return {"config": config_name, "res": model_config.resolution, "step_ms": 1e3 * step,
            "episodes_s": args.batch / step, "data_ms": 1e3 * data, "data_ratio": data * args.batch / step,
            "gpu_gib": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=["tiny", "paper"], choices=["tiny", "paper"])
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3, help="timed steps (the best counts)")
    parser.add_argument("--content-loss", default="l1")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"device {args.device}, {torch.get_num_threads()} CPU threads, batch {args.batch}, K {args.k}, "
          f"content loss {args.content_loss}")
    print(f"{'config':8} {'res':>4} {'ms/step':>9} {'episodes/s':>10} {'data ms/ep':>10} {'data/step':>9} "
          f"{'GPU GiB':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.configs:
            row = measure(name, args, Path(folder))
            print(f"{row['config']:8} {row['res']:4d} {row['step_ms']:9.1f} {row['episodes_s']:10.2f} "
                  f"{row['data_ms']:10.2f} {row['data_ratio']:9.3f} {row['gpu_gib']:7.2f}")


if __name__ == "__main__":
    main()
