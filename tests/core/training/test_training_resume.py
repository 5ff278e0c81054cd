"""Checkpoints: round trip, exact resume, stopping, and bad checkpoints."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import talking_heads
from talking_heads.errors import Cancelled, InputError, OutputError, WeightsError
from talking_heads.models import ModelConfig
from talking_heads.models.losses import LossConfig
from talking_heads.training import checkpoints
from talking_heads.training.dataset import load_dataset
from talking_heads.training.trainer import Run, train
from talking_heads.weights import load_checkpoint
from training_helpers import tiny_train_config

TINY = ModelConfig.tiny()


def log_lines(run_dir: Path) -> dict[int, dict]:
    lines = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    return {line["step"]: {k: v for k, v in line.items() if k != "time"} for line in lines}


def final_tensors(run_dir: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(run_dir / "meta", kind="meta")[0]


def assert_same_tensors(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    different = [name for name in a if not torch.equal(a[name], b[name])]
    assert not different, f"differ: {different[:5]}"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, tiny_dataset, cpu_process) -> Path:
    """Four steps in one go, checkpoints every two."""
    run_dir = tmp_path_factory.mktemp("runs") / "whole"
    train(tiny_dataset, run_dir, TINY, tiny_train_config(), cpu_process)
    return run_dir


def test_run_folder(uninterrupted):
    assert checkpoints.saved_steps(uninterrupted) == [2, 4]
    assert sorted(log_lines(uninterrupted)) == [1, 2, 3, 4]
    assert (uninterrupted / "samples" / "step_00000004.png").is_file()
    config = json.loads((uninterrupted / "config.json").read_text())
    assert ModelConfig.from_dict(config["model"]) == TINY and config["videos"] == ["d0", "d11", "d12"]
    losses = LossConfig.from_dict(config["losses"])  # the run's loss settings, weights included
    assert losses == tiny_train_config().losses and losses.content == tiny_train_config().content_loss


def test_checkpoint_round_trip(uninterrupted, tiny_dataset, cpu_process):
    run = Run(load_dataset(tiny_dataset), uninterrupted, TINY, tiny_train_config(), cpu_process)
    checkpoint = run.resume()
    assert run.step == 4
    assert_same_tensors(run.learner.networks.tensors(), checkpoint.model)
    state_tensors, state_meta = run.learner.step.state()
    assert state_meta == checkpoint.state_config["optim"]
    assert_same_tensors(state_tensors, {k: v for k, v in checkpoint.state.items() if not k.startswith("rng.")})


def test_resume_continues_exactly(tmp_path, uninterrupted, tiny_dataset, cpu_process):
    run_dir = tmp_path / "halves"
    train(tiny_dataset, run_dir, TINY, tiny_train_config(steps=2), cpu_process)
    train(tiny_dataset, run_dir, TINY, tiny_train_config(), cpu_process, resume=True)
    assert_same_tensors(final_tensors(run_dir), final_tensors(uninterrupted))
    assert log_lines(run_dir) == log_lines(uninterrupted)


def test_stop_saves_a_checkpoint_and_resume_continues_exactly(tmp_path, uninterrupted, tiny_dataset, cpu_process):
    run_dir = tmp_path / "stopped"
    asked = iter([False, False, False, True])  # a stop request before the fourth step
    with pytest.raises(Cancelled, match="step 3.*--resume"):
        train(tiny_dataset, run_dir, TINY, tiny_train_config(), cpu_process, cancelled=lambda: next(asked))
    assert checkpoints.saved_steps(run_dir) == [2, 3]
    train(tiny_dataset, run_dir, TINY, tiny_train_config(), cpu_process, resume=True)
    assert_same_tensors(final_tensors(run_dir), final_tensors(uninterrupted))
    assert log_lines(run_dir) == log_lines(uninterrupted)


def test_used_run_folder_and_missing_checkpoint(tmp_path, uninterrupted, tiny_dataset, cpu_process):
    with pytest.raises(OutputError, match="--resume"):
        train(tiny_dataset, uninterrupted, TINY, tiny_train_config(), cpu_process)
    with pytest.raises(InputError, match="not a training run"):
        train(tiny_dataset, tmp_path / "new", TINY, tiny_train_config(), cpu_process, resume=True)


def copy_run(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def test_corrupt_checkpoint(tmp_path, uninterrupted, tiny_dataset, cpu_process):
    run_dir = copy_run(uninterrupted, tmp_path / "corrupt")
    model = checkpoints.step_folder(run_dir, 4) / "model.safetensors"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    with pytest.raises(WeightsError, match="corrupt or truncated"):
        train(tiny_dataset, run_dir, TINY, tiny_train_config(steps=5), cpu_process, resume=True)


def test_checkpoint_of_another_architecture(tmp_path, uninterrupted, tiny_dataset, cpu_process):
    other = dataclasses.replace(TINY, base_channels=4)
    with pytest.raises(WeightsError, match="another architecture"):
        checkpoints.load(checkpoints.latest(uninterrupted), other.to_dict())
    run_dir = copy_run(uninterrupted, tmp_path / "renamed")  # the JSON claims `other`, the tensors disagree
    folder = checkpoints.step_folder(run_dir, 4)
    for name in ("model.json", "state.json"):
        config = json.loads((folder / name).read_text())
        (folder / name).write_text(json.dumps({**config, "architecture": other.to_dict()}))
    run = Run(load_dataset(tiny_dataset), run_dir, other, tiny_train_config(), cpu_process)
    with pytest.raises(WeightsError, match="another architecture"):
        run.resume()


def test_ctrl_c_saves_and_exits_cleanly(tmp_path, tiny_dataset):
    """The command under a real SIGINT: a checkpoint of the last finished step, exit code 130."""
    run_dir = tmp_path / "interrupted"
    core = Path(talking_heads.__file__).parents[1]
    env = {**os.environ, "PYTHONPATH": str(core), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "talking_heads.training", str(tiny_dataset), "-o", str(run_dir),
               "--config", "tiny", "--steps", "100000", "--batch", "2", "--k", "2", "--content-loss", "l1",
               "--workers", "0", "--log-every", "1", "--checkpoint-every", "100000", "--device", "cpu"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    log = run_dir / "log.jsonl"
    deadline = time.monotonic() + 120
    while not (log.is_file() and log.read_text().count("\n") >= 2) and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 130, errors
    assert "checkpoint saved" in errors and "Traceback" not in errors
    steps = checkpoints.saved_steps(run_dir)
    assert len(steps) == 1 and steps[0] >= 2
