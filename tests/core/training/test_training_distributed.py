"""Distributed training: two gloo processes with half the batch each match one process with all of it.

What makes them match: every process builds the same episodes (a function of the step) and takes
its slice; DDP starts both from rank 0's weights and averages the gradients, which equals the
whole batch's gradient because every loss is a mean over equal slices; instance norm is per
sample; the spectral-norm vectors stay equal because each process runs the same power
iterations on the same weights (and DDP broadcasts rank 0's buffers on each forward).

Tolerance: float32 sums in another order round differently, and Adam (beta1 = 0) divides each
gradient by its own magnitude, so with its default epsilon a gradient that is mathematically zero
(conv biases before instance norm) turns its rounding noise into a full step of size lr in a
random direction. The test therefore runs Adam with epsilon 1e-3, where a rounding-sized gradient
moves its weight by a rounding-sized step. What rounding still moves (measured: about 70 of
211,000 elements, the most by 1e-5, in the generator's first, 8-channel instance-normed block)
stays within the bounds below: at most 0.1% of the elements differ by more than 1e-6, and none
by more than a tenth of the three steps' movement (3 x 5e-5 / 10). Without the gradient
averaging, about 96% of the elements differ.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import torch

import talking_heads
from talking_heads.models import ModelConfig, OptimConfig
from talking_heads.training.trainer import train
from talking_heads.weights import load_checkpoint
from training_helpers import tiny_train_config

STEPS, BATCH = 3, 4
ADAM_EPS = 1e-3
CLOSE, MOST = 1e-6, 0.001  # at most this share of the elements may differ by more than CLOSE
WORST = 0.1 * STEPS * OptimConfig().lr_generator


def torchrun(dataset: Path, run_dir: Path, processes: int) -> None:
    core = Path(talking_heads.__file__).parents[1]
    env = {**os.environ, "PYTHONPATH": str(core), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
               "-m", "talking_heads.training", str(dataset), "-o", str(run_dir), "--config", "tiny",
               "--steps", str(STEPS), "--batch", str(BATCH), "--k", "2", "--content-loss", "l1", "--workers", "0",
               "--log-every", "1", "--checkpoint-every", str(STEPS), "--device", "cpu", "--adam-eps", str(ADAM_EPS)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def first_losses(run_dir: Path) -> dict[str, float]:
    line = json.loads((run_dir / "log.jsonl").read_text().splitlines()[0])
    return {k: v for k, v in line.items() if k not in ("step", "time")}


def test_two_processes_match_one(tmp_path, tiny_dataset, cpu_process):
    torchrun(tiny_dataset, tmp_path / "two", processes=2)
    config = tiny_train_config(steps=STEPS, batch=BATCH, checkpoint_every=STEPS, optim=OptimConfig(eps=ADAM_EPS))
    train(tiny_dataset, tmp_path / "one", ModelConfig.tiny(), config, cpu_process)

    one, two = (first_losses(tmp_path / name) for name in ("one", "two"))
    assert one.keys() == two.keys()
    for name in one:  # same start, same episodes: the first step's losses (averaged over processes) agree
        assert math.isclose(one[name], two[name], rel_tol=1e-5, abs_tol=1e-6), name

    a, _ = load_checkpoint(tmp_path / "one" / "meta", kind="meta")
    b, _ = load_checkpoint(tmp_path / "two" / "meta", kind="meta")
    assert a.keys() == b.keys()
    differences = torch.cat([(a[k].double() - b[k].double()).abs().flatten() for k in a])
    share = (differences > CLOSE).double().mean().item()
    assert share <= MOST, f"{share:.2%} of the weight elements differ by more than {CLOSE}"
    assert differences.max().item() <= WORST, f"an element differs by {differences.max().item():.2e}"
    spectral = [k for k in a if k.endswith("._u")]
    assert spectral and all(torch.allclose(a[k], b[k], atol=1e-5) for k in spectral)
