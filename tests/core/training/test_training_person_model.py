"""Person models trained on footage (`talking-heads person CLIP --train`): from scratch on a real
clip's first half, measured on its held-out second half, rendered through animate and eval."""
from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from talking_heads import media
from talking_heads.cli import main
from talking_heads.errors import InputError, WeightsError
from talking_heads.models import Generator, ModelConfig
from talking_heads.models.config import default_preset
from talking_heads.synthesis.neural import NeuralPerson
from talking_heads.training import person_model
from talking_heads.training.footage import load_footage
from talking_heads.training.learners import initial_psi
from talking_heads.training.meta import Networks
from talking_heads.training.person_model import FootageJob, train_person_model

CLIP = "d11.mp4"  # 225 frames: the model learns from 0:112, the evaluation holds out 112:225
TRAINED = (0, 112)
HELD_OUT = (150, 182)
STEPS = 40


@pytest.fixture(scope="module")
def clip(clips_dir: Path) -> Path:
    return clips_dir / CLIP


@pytest.fixture(scope="module")
def footage(clip, detector):
    return load_footage([clip], detector, 64, TRAINED)


@pytest.fixture(scope="module")
def held_out(clip, detector):
    return load_footage([clip], detector, 64, HELD_OUT)


@pytest.fixture(scope="module")
def trained_person(tmp_path_factory, clip) -> Path:
    """A tiny person model trained from scratch by the command on the clip's first half."""
    output = tmp_path_factory.mktemp("person") / "child.safetensors"
    assert main(["-q", "person", str(clip), "-o", str(output), "--train", "--config", "tiny", "--frames",
                 f"{TRAINED[0]}:{TRAINED[1]}", "--steps", str(STEPS), "--lr", "3e-3", "--sample-every", "20",
                 "--content-loss", "l1_msssim", "--backend", "dlib", "--device", "cpu"]) == 0
    return output


def error_on(person: NeuralPerson, frames) -> float:
    """Mean absolute pixel error (0-255) of the person's renders of the frames' landmarks."""
    return float(np.abs(person.render(frames.points).astype(np.float64) - frames.images).mean())


def test_training_from_scratch_learns_the_held_out_frames(trained_person, held_out):
    untrained = Generator(dataclasses.replace(ModelConfig.tiny(), spectral_norm=False))
    before = error_on(NeuralPerson(untrained.eval(), initial_psi(untrained), "cpu"), held_out)
    after = error_on(NeuralPerson.load(trained_person, device="cpu"), held_out)
    assert after < before / 3, (before, after)  # measured: 53.5 -> 10.6 (0-255 scale)


def test_the_person_file_records_its_configuration_and_footage(trained_person):
    config = json.loads(trained_person.with_suffix(".json").read_text())
    assert config["config"] == "tiny" and config["stage"] == "trained from scratch" and config["steps"] == STEPS
    assert config["footage"] == [{"file": CLIP, "first": 0, "stop": 112, "frames_read": 112,
                                  "frames_used": config["frames"]}]
    samples = sorted((trained_person.parent / "child.training" / "samples").iterdir())
    assert [path.name for path in samples] == ["step_000020.png", "step_000040.png"]
    assert Image.open(samples[-1]).size == (3 * 64, 4 * 64)  # rows of real | sketch | generated


def test_a_trained_person_renders_through_animate(trained_person, clip, tmp_path):
    source = tmp_path / "source.png"
    media.write_image(source, next(media.open_frame_source(clip).frames(0, 1)))
    output = tmp_path / "frames"
    assert main(["-q", "animate", "--source", str(source), "--driver", str(clip), "--frames", "120:130",
                 "--person", str(trained_person), "--crop", "-o", str(output), "--device", "cpu"]) == 0
    frames = sorted(output.glob("*.png"))
    assert len(frames) == 10 and all(Image.open(path).size == (64, 64) for path in frames)


def test_eval_measures_the_person_on_held_out_frames_only(trained_person, clip, tmp_path, capsys):
    report = tmp_path / "eval.json"
    assert main(["-q", "eval", str(clip), "--renderer", "neural", "--person", str(trained_person), "--shots", "1",
                 "--frames", "6", "--json", str(report)]) == 0
    rows = {row["renderer"]: row for row in json.loads(report.read_text())["rows"]}
    assert rows.keys() == {"frozen", "neural"} and rows["neural"]["frames"] == 6 and 0 < rows["neural"]["ssim"] < 1
    leaky = tmp_path / "leaky.safetensors"
    shutil.copy(trained_person, leaky)
    config = json.loads(trained_person.with_suffix(".json").read_text())
    config["footage"][0]["stop"] = 200  # as if trained on most of the clip
    leaky.with_suffix(".json").write_text(json.dumps(config))
    assert main(["-q", "eval", str(clip), "--renderer", "neural", "--person", str(leaky), "--shots", "1"]) == 1
    assert "was trained on frames 0:200 of d11.mp4, which include" in capsys.readouterr().err


def test_resume_after_a_stop_continues_the_same_run(tmp_path, clip, footage, monkeypatch):
    monkeypatch.setattr(person_model, "load_footage", lambda *args, **kwargs: footage)
    common = dict(inputs=[clip], config="tiny", steps=4, sample_every=2, device="cpu", content_loss="l1")
    straight = train_person_model(FootageJob(output=tmp_path / "a.safetensors", **common))
    stops: list[int] = []
    stopped = train_person_model(FootageJob(output=tmp_path / "b.safetensors", **common),
                                 report=lambda status: stops.append(status.step), cancelled=lambda: len(stops) >= 3)
    assert stopped.stopped and stopped.steps == 3
    assert NeuralPerson.load(tmp_path / "b.safetensors").details["steps"] == 3  # Ctrl-C saved the person
    with pytest.raises(InputError, match="--resume"):
        train_person_model(FootageJob(output=tmp_path / "b.safetensors", **common))
    resumed = train_person_model(FootageJob(output=tmp_path / "b.safetensors", resume=True, **common))
    assert straight.steps == resumed.steps == 4
    a, b = (NeuralPerson.load(tmp_path / f"{name}.safetensors") for name in "ab")
    assert torch.equal(a.psi, b.psi)
    assert all(torch.equal(x, y) for x, y in zip(a.generator.state_dict().values(), b.generator.state_dict().values()))
    with pytest.raises(InputError, match="nothing to resume"):
        train_person_model(FootageJob(output=tmp_path / "c.safetensors", resume=True, **common))


def test_a_job_without_a_size_trains_the_size_for_its_device(tmp_path):
    job = FootageJob(inputs=[tmp_path], output=tmp_path / "p.safetensors", device="cpu")
    assert person_model.scratch_preset(job) == "small"
    assert person_model.scratch_preset(dataclasses.replace(job, config="tiny")) == "tiny"
    assert (default_preset("cuda"), default_preset("mps")) == ("paper", "small")


def test_fine_tuning_a_meta_checkpoint_on_footage(tmp_path, clip, footage, monkeypatch):
    few = person_model.FootageFrames(footage.images[:8], footage.points[:8], footage.sketches[:8],
                                     footage.sources)
    monkeypatch.setattr(person_model, "load_footage", lambda *args, **kwargs: few)
    meta = tmp_path / "meta"
    Networks.build(ModelConfig.tiny(), num_videos=1, seed=0).save(meta, step=0, variant="ft", videos=["v"])
    result = train_person_model(FootageJob(inputs=[clip], output=tmp_path / "p.safetensors", checkpoint=meta,
                                           steps=2, device="cpu", content_loss="l1", batch=4))
    assert result.start == "meta" and result.frames == 8  # a meta-learned start needs no long footage
    person = NeuralPerson.load(tmp_path / "p.safetensors")
    assert person.details["stage"] == "fine-tuned" and person.details["config"] == "tiny"
    with pytest.raises(InputError, match="tiny configuration, not --config small"):
        train_person_model(FootageJob(inputs=[clip], output=tmp_path / "q.safetensors", checkpoint=meta,
                                      config="small", device="cpu"))


@pytest.mark.parametrize("arguments, message", [
    (["--frames", "0:40"], "needs at least 100"),
    (["--frames", "9:3"], "FIRST:STOP"),
])
def test_bad_footage_is_a_clear_error(arguments, message, clip, tmp_path, capsys):
    code = main(["-q", "person", str(clip), "-o", str(tmp_path / "p.safetensors"), "--train", "--config", "tiny",
                 "--backend", "dlib", "--device", "cpu", *arguments])
    assert code == 1 and message in capsys.readouterr().err
    assert not (tmp_path / "p.safetensors").exists()


@pytest.mark.parametrize("arguments, message", [
    (["--minutes", "0"], "argument --minutes: must be above 0"),
    (["--minutes", "-2"], "argument --minutes: must be above 0"),
    (["--steps", "0"], "argument --steps: must be at least 1"),
    (["--config", "huge"], "argument --config: must be one of paper, small, tiny"),
])
def test_bad_training_options_are_refused_before_any_work(arguments, message, clip, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["-q", "person", str(clip), "-o", str(tmp_path / "p.safetensors"), "--train", *arguments])
    assert stop.value.code == 2 and message in capsys.readouterr().err
    with pytest.raises(InputError, match="minutes"):  # the same checks for jobs made in Python
        train_person_model(FootageJob(inputs=[clip], output=tmp_path / "p.safetensors", minutes=-1.0))


def test_training_options_without_train_are_an_error(clip, tmp_path, capsys):
    assert main(["-q", "person", str(clip), "-o", str(tmp_path / "p.safetensors"), "--steps", "5"]) == 1
    assert "--steps belong to training on footage: add --train" in capsys.readouterr().err


def test_a_clip_without_a_face_is_a_clear_error(tmp_path, capsys):
    clip = tmp_path / "wall.mp4"
    with media.Mp4Writer(clip, fps=25) as writer:
        for shade in range(10):
            writer.write(np.full((64, 64, 3), 100 + shade, np.uint8))
    assert main(["-q", "person", str(clip), "-o", str(tmp_path / "p.safetensors"), "--train",
                 "--backend", "dlib", "--device", "cpu"]) == 1
    assert "no face found" in capsys.readouterr().err


def test_a_person_file_of_an_unknown_configuration_is_refused(trained_person, tmp_path):
    copy = tmp_path / "odd.safetensors"
    shutil.copy(trained_person, copy)
    config = json.loads(trained_person.with_suffix(".json").read_text())
    copy.with_suffix(".json").write_text(json.dumps({**config, "config": "huge"}))
    with pytest.raises(WeightsError, match="'huge', which this Talking Heads does not know"):
        NeuralPerson.load(copy)
    copy.with_suffix(".json").write_text(json.dumps({**config, "config": "small"}))
    with pytest.raises(WeightsError, match="architecture is another"):
        NeuralPerson.load(copy)
