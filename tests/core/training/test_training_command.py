"""`talking-heads train`: a tiny run end to end, resuming with changed and fixed settings, bad values and
saved settings refused by name, missing weights."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from talking_heads import manifest
from talking_heads.cli import main
from talking_heads.errors import InputError
from talking_heads.models import ModelConfig, OptimConfig
from talking_heads.training import checkpoints
from talking_heads.training.config import TrainConfig

TINY_RUN = ["--config", "tiny", "--batch", "2", "--k", "2", "--content-loss", "l1", "--workers", "0",
            "--checkpoint-every", "2", "--device", "cpu"]


def saved_train_config(run_dir: Path, step: int) -> dict:
    return json.loads((checkpoints.step_folder(run_dir, step) / "model.json").read_text())["train"]


def test_train_and_resume(tmp_path, tiny_dataset, capsys):
    run_dir = tmp_path / "run"
    resume = ["-q", "train", str(tiny_dataset), "-o", str(run_dir), "--resume"]
    assert main(["-q", "train", str(tiny_dataset), "-o", str(run_dir), "--steps", "2", *TINY_RUN]) == 0
    assert checkpoints.saved_steps(run_dir) == [2] and (run_dir / "meta.safetensors").is_file()
    assert main([*resume, "--steps", "3"]) == 0
    assert checkpoints.saved_steps(run_dir) == [2, 3]
    assert json.loads((run_dir / "meta.json").read_text())["step"] == 3
    # the flags not given keep the run's settings, not the defaults
    assert saved_train_config(run_dir, 3) == {**saved_train_config(run_dir, 2), "steps": 3}

    assert main([*resume, "--steps", "4", "--batch", "4"]) == 1
    assert "keeps its settings; these differ: --batch 4 (the run has 2)" in capsys.readouterr().err
    assert main([*resume, "--steps", "4", "--variant", "ff", "--lr-generator", "0.001"]) == 1
    error = capsys.readouterr().err
    assert "--variant ff (the run has ft)" in error and "--lr-generator 0.001 (the run has 5e-05)" in error
    assert main([*resume, "--steps", "4", "--config", "small"]) == 1
    assert "resume without --config" in capsys.readouterr().err
    assert checkpoints.saved_steps(run_dir) == [2, 3]  # refused before any step

    # a fixed setting given with the run's own value, and the changes a resumed run allows
    assert main([*resume, "--steps", "4", "--batch", "2", "--config", "tiny", "--log-every", "1"]) == 0
    assert saved_train_config(run_dir, 4) == {**saved_train_config(run_dir, 2), "steps": 4, "log_every": 1}

    assert main(["-q", "train", str(tiny_dataset), "-o", str(run_dir), "--steps", "2", *TINY_RUN]) == 1
    assert "--resume" in capsys.readouterr().err


@pytest.mark.parametrize("flag, value, message", [
    ("--steps", "0", "must be at least 1, got 0"),
    ("--steps", "1.5", "expected a whole number, got '1.5'"),
    ("--batch", "0", "must be at least 1, got 0"),
    ("--batch", "100000", "must be at most 4096"),
    ("--k", "0", "must be at least 1, got 0"),
    ("--checkpoint-every", "0", "must be at least 1, got 0"),
    ("--log-every", "-3", "must be at least 1, got -3"),
    ("--workers", "-1", "must be at least 0, got -1"),
    ("--seed", "-1", "must be at least 0, got -1"),
    ("--lr-generator", "nan", "must be a finite number"),
    ("--lr-discriminator", "-0.1", "must be at least 0, got -0.1"),
    ("--adam-eps", "0", "must be above 0, got 0"),
    ("--variant", "fx", "must be one of ff, ft, got 'fx'"),
    ("--content-loss", "vgg16", "must be one of auto, vgg"),
    ("--config", "huge", "must be one of paper, small, tiny"),
    ("--device", "gpu", "unknown device 'gpu'"),
])
def test_bad_values_are_refused_naming_the_option(tmp_path, flag, value, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["train", str(tmp_path), "-o", str(tmp_path / "run"), flag, value])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert f"argument {flag}: {message}" in error
    assert not (tmp_path / "run").exists()


def test_saved_settings_are_read_strictly(tmp_path, capsys):
    """A run's config.json is read by the same declaration as the flags, and so is a config made in Python."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    settings = {"model": ModelConfig.tiny().to_dict(), "train": {**TrainConfig().to_dict(), "k": 0}, "videos": []}
    (run_dir / "config.json").write_text(json.dumps(settings))
    assert main(["-q", "train", str(tmp_path), "-o", str(run_dir), "--resume"]) == 1
    assert "k must be at least 1, got 0" in capsys.readouterr().err
    with pytest.raises(InputError, match="batch must be at least 1, got 0"):
        TrainConfig(batch=0)
    with pytest.raises(InputError, match="optim.eps must be above 0"):
        TrainConfig(optim=OptimConfig(eps=-1.0))


def test_missing_content_weights_stop_training(tmp_path, tiny_dataset, capsys, monkeypatch):
    monkeypatch.setattr(manifest, "search_dirs", lambda: [tmp_path / "no-weights"])
    options = [option for option in TINY_RUN if option != "l1"]
    options[options.index("--content-loss")] = "--content-loss=vgg"
    assert main(["-q", "train", str(tiny_dataset), "-o", str(tmp_path / "run"), "--steps", "1", *options]) == 1
    error = capsys.readouterr().err
    assert "vgg19" in error and "--content-loss l1 or l1_ssim or l1_msssim or none" in error  # the weight-free ones
    assert not (tmp_path / "run").exists()


def test_not_a_dataset(tmp_path, capsys):
    assert main(["-q", "train", str(tmp_path), "-o", str(tmp_path / "run"), *TINY_RUN]) == 1
    assert "prepare-data" in capsys.readouterr().err


def test_a_checkpoint_trained_here_animates_through_the_whole_pipeline(tmp_path, tiny_dataset, portraits_dir):
    """Train a tiny model on real frames, then render a portrait with it: crop, paste-back, MP4."""
    import numpy as np

    from talking_heads import media
    from talking_heads.pipeline import AnimateJob, animate

    run_dir = tmp_path / "run"
    assert main(["-q", "train", str(tiny_dataset), "-o", str(run_dir), "--steps", "2", *TINY_RUN]) == 0
    portrait = portraits_dir / "s42.jpg"
    out = tmp_path / "neural.mp4"
    result = animate(AnimateJob([portrait], "motion:talk", out, checkpoint=run_dir / "meta.safetensors",
                                motion_duration=0.4, device="cpu"))
    image = media.read_image(portrait)
    assert result.renderer == "neural" and result.frames == 10 and result.size == (image.shape[1], image.shape[0])
    info = media.probe_video(out)
    assert (info.frame_count, info.size) == (10, result.size)
    frame = next(iter(media.VideoReader(out))).astype(int)
    difference = np.abs(frame - image.astype(int)).mean(axis=-1)
    assert difference[200:330, 190:320].mean() > 10, "the face was not replaced by the generator's render"
    assert difference[:60, :60].mean() < 4 and difference[-60:, -60:].mean() < 4, "the background changed"
