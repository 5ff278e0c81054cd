"""The add-on's copy of the job options (blender_addon/logic/job_args.py, which cannot import the
library) equals the library's declarations: names, choices and defaults, and every job it builds
is read by the library's strict reader."""
from __future__ import annotations

import dataclasses
import inspect
import sys
from pathlib import Path

import pytest

from talking_heads.landmarks.motions import MOTIONS
from talking_heads.landmarks.retarget import RetargetConfig
from talking_heads.models.losses import CONTENT_LOSSES
from talking_heads.pipeline import DEVICES, PRECISIONS, AnimateJob
from talking_heads.synthesis import RENDERERS
from talking_heads.models.config import PRESETS
from talking_heads.training.person import PersonJob
from talking_heads.training.person_model import MIN_SCRATCH_FRAMES, FootageJob, check_footage_job, training_folder

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))  # the add-on's pure logic imports without Blender
from blender_addon.logic import job_args  # noqa: E402


def spec(cls: type, name: str):
    return next(item for item in dataclasses.fields(cls) if item.name == name).metadata["option"]


def default(cls: type, name: str):
    item = next(item for item in dataclasses.fields(cls) if item.name == name)
    return item.default if item.default_factory is dataclasses.MISSING else item.default_factory()


def test_choices_equal_the_library_ones():
    assert job_args.RENDERERS == RENDERERS == spec(AnimateJob, "renderer").choices
    assert job_args.MOTIONS == MOTIONS
    assert job_args.DEVICES == DEVICES and "mps" in DEVICES
    assert job_args.PRECISIONS == PRECISIONS == spec(AnimateJob, "precision").choices
    assert job_args.CONTENT_LOSSES == CONTENT_LOSSES == spec(PersonJob, "content_loss").choices
    assert job_args.CONTENT_LOSSES == spec(FootageJob, "content_loss").choices
    assert job_args.MODEL_SIZES == tuple(PRESETS) == spec(FootageJob, "config").choices


def test_defaults_equal_the_library_ones():
    for item in dataclasses.fields(job_args.Retarget):
        assert item.default == default(RetargetConfig, item.name), item.name
    for item in dataclasses.fields(job_args.Compute):
        assert item.default == default(AnimateJob, item.name), item.name
    animate = inspect.signature(job_args.animate_job).parameters
    for name in ("renderer", "full_frame", "fps", "frames", "motion_duration", "motion_intensity"):
        assert animate[name].default == default(AnimateJob, name), name
    person = inspect.signature(job_args.person_job).parameters
    for name in ("content_loss", "device"):
        assert person[name].default == default(PersonJob, name), name
    train = inspect.signature(job_args.train_person_job).parameters
    for name in ("config", "steps", "minutes", "span", "content_loss", "device", "resume"):
        assert train[name].default == default(FootageJob, name), name
    assert train["checkpoint"].default == "" and default(FootageJob, "checkpoint") is None  # "": none


def test_where_training_runs_are_saved_and_how_much_footage_they_need(tmp_path):
    person = tmp_path / "people" / "anna.safetensors"
    assert job_args.training_folder(str(person)) == training_folder(person)
    assert job_args.MIN_SCRATCH_FRAMES == MIN_SCRATCH_FRAMES


@pytest.fixture
def portrait(tmp_path):
    path = tmp_path / "face.jpg"
    path.write_bytes(b"not read here")
    return str(path)


def test_the_jobs_it_builds_are_read_by_the_strict_reader(portrait, tmp_path):
    job = job_args.animate_job(sources=[portrait], driver="motion:nod", output=str(tmp_path / "out"), fps=24.0,
                               frames=(2, 10), retarget=job_args.Retarget(expression=0.5, follow_scale=False),
                               compute=job_args.Compute("mps", "bfloat16", 4))
    read = AnimateJob.from_dict(job)
    assert (read.fps, read.frames, read.device, read.batch_size) == (24.0, (2, 10), "mps", 4)
    assert read.retarget == RetargetConfig(expression=0.5, follow_scale=False)
    person = job_args.person_job(sources=[portrait], output=str(tmp_path / "anna.safetensors"), finetune_steps=5,
                                 content_loss="l1")
    assert PersonJob.from_dict(person).content_loss == "l1"


def test_the_train_jobs_it_builds_are_read_by_the_strict_reader(portrait, tmp_path):
    meta = tmp_path / "meta.safetensors"
    meta.write_bytes(b"not read here")
    job = job_args.train_person_job(footage=[portrait, str(tmp_path)], output=str(tmp_path / "anna.safetensors"),
                                    config="tiny", checkpoint=str(meta), minutes=2.5, span=(10, 200),
                                    content_loss="l1_msssim", device="cpu", resume=False)
    read = FootageJob.from_dict(job)
    assert (read.config, read.checkpoint, read.steps, read.minutes, read.span) == ("tiny", meta, None, 2.5, (10, 200))
    assert read.inputs == [Path(portrait), tmp_path] and check_footage_job(read) == tmp_path / "anna.safetensors"
    scratch = FootageJob.from_dict(job_args.train_person_job(footage=[portrait], output=str(tmp_path / "b.safetensors"),
                                                             steps=40))
    assert (scratch.config, scratch.checkpoint, scratch.steps, scratch.minutes, scratch.span) == \
        (None, None, 40, None, (0, None))
