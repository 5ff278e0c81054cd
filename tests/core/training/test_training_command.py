"""`talking-heads train`: a tiny run end to end, resuming with changed and fixed settings, missing weights."""
from __future__ import annotations

import json

from talking_heads import manifest
from talking_heads.cli import main
from talking_heads.training import checkpoints

TINY_RUN = ["--config", "tiny", "--batch", "2", "--k", "2", "--content-loss", "l1", "--workers", "0",
            "--checkpoint-every", "2", "--device", "cpu"]


def test_train_and_resume(tmp_path, tiny_dataset, capsys):
    run_dir = tmp_path / "run"
    assert main(["-q", "train", str(tiny_dataset), "-o", str(run_dir), "--steps", "2", *TINY_RUN]) == 0
    assert checkpoints.saved_steps(run_dir) == [2] and (run_dir / "meta.safetensors").is_file()
    assert main(["-q", "train", str(tiny_dataset), "-o", str(run_dir), "--resume", "--steps", "3"]) == 0
    assert checkpoints.saved_steps(run_dir) == [2, 3]
    assert json.loads((run_dir / "meta.json").read_text())["step"] == 3
    assert main(["-q", "train", str(tiny_dataset), "-o", str(run_dir), "--resume", "--steps", "4", "--batch", "4"]) == 1
    assert "keeps its settings" in capsys.readouterr().err
    assert main(["-q", "train", str(tiny_dataset), "-o", str(run_dir), "--steps", "2", *TINY_RUN]) == 1
    assert "--resume" in capsys.readouterr().err


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
