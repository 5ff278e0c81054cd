"""One definition per option: argparse, JSON and shot-list keys all read the same declaration."""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from talking_heads.errors import InputError
from talking_heads.landmarks.retarget import RetargetConfig
from talking_heads.models import ModelConfig, OptimConfig
from talking_heads.models.losses import LossConfig
from talking_heads.options import Options, add_arguments, from_args, from_keys, option
from talking_heads.pipeline import AnimateJob
from talking_heads.training.config import TrainConfig
from talking_heads.training.person import PersonJob


@dataclass(frozen=True)
class Inner(Options):
    strength: float = option(1.0, at_least=0, at_most=2, help="how strong")
    keep: bool = option(True, help="keep it")


@dataclass(frozen=True)
class Job(Options):
    paths: list[Path] = option(flag="path", help="inputs")
    rate: float | None = option(None, above=0, at_most=100, help="a rate")
    count: int = option(3, flag="n", at_least=1, help="how many")
    kind: str = option("a", choices=("a", "b"), help="which")
    inner: Inner = option(default_factory=Inner, flatten=True, help="nested")
    pair: tuple[int, int] | None = option(None, parse=lambda t: tuple(map(int, t.split(":"))), help="two numbers")


def parse(*argv: str) -> Job:
    parser = argparse.ArgumentParser()
    add_arguments(parser, Job)
    return from_args(Job, parser.parse_args(argv))


def test_flags_keys_and_json_read_one_declaration():
    from_cli = parse("--path", "a.png", "b.png", "--rate", "25", "--n", "2", "--strength", "0.5", "--no-keep",
                     "--pair", "1:4")
    from_table = from_keys(Job, {"path": ["a.png", "b.png"], "rate": 25, "n": 2, "strength": 0.5, "keep": False,
                                 "pair": "1:4"})
    from_json = Job.from_dict(json.loads(json.dumps(from_cli.to_dict())))
    assert from_cli == from_table == from_json
    assert from_cli == Job([Path("a.png"), Path("b.png")], 25.0, 2, "a", Inner(0.5, False), (1, 4))
    assert parse("--path", "x") == Job([Path("x")])  # the defaults are the declaration's


@pytest.mark.parametrize("data, message", [
    ({"paths": ["a"], "colour": 1}, "unknown option colour"),
    ({}, "paths is missing"),
    ({"paths": "a"}, "paths must be a list of paths"),
    ({"paths": [5]}, r"paths\[0\] must be a path"),
    ({"paths": ["a"], "rate": "fast"}, "rate must be a number, got 'fast'"),
    ({"paths": ["a"], "rate": float("nan")}, "rate must be a finite number"),
    ({"paths": ["a"], "rate": 0}, "rate must be above 0"),
    ({"paths": ["a"], "rate": 1e9}, "rate must be at most 100"),
    ({"paths": ["a"], "count": 2.5}, "count must be a whole number"),
    ({"paths": ["a"], "count": True}, "count must be a whole number"),
    ({"paths": ["a"], "kind": "c"}, "kind must be one of a, b"),
    ({"paths": ["a"], "inner": {"strength": 3}}, "inner.strength must be at most 2"),
    ({"paths": ["a"], "inner": {"keep": "yes"}}, "inner.keep must be true or false"),
    ({"paths": ["a"], "inner": {"other": 1}}, "unknown option inner.other"),
    ({"paths": ["a"], "inner": [1]}, "inner must be an object"),
    ({"paths": ["a"], "pair": [1]}, "pair must be a list of 2 whole numbers"),
])
def test_the_strict_reader_names_the_field(data, message):
    with pytest.raises(InputError, match=message):
        Job.from_dict(data)


def test_shot_list_keys_name_the_key_and_accept_one_value_for_a_list():
    assert from_keys(Job, {"path": "a.png"}).paths == [Path("a.png")]
    with pytest.raises(InputError, match="shot 'x': n must be a whole number, got '8'"):
        from_keys(Job, {"path": "a", "n": "8"}, where="shot 'x': ")
    with pytest.raises(InputError, match="unknown option count"):
        from_keys(Job, {"path": "a", "count": 2})  # the key is the flag's name
    with pytest.raises(InputError, match="missing path"):
        from_keys(Job, {"n": 2})


def test_flags_are_checked_as_json_is(capsys):
    for argv in (["--rate", "nan"], ["--rate", "-1"], ["--rate", "inf"], ["--n", "0"], ["--kind", "c"]):
        with pytest.raises(SystemExit):
            parse("--path", "x", *argv)
    assert "must be at least 1" in capsys.readouterr().err


def test_flags_given_over_a_saved_object_change_only_those_fields():
    parser = argparse.ArgumentParser()
    add_arguments(parser, Job, only_given=True)
    saved = Job([Path("a.png")], rate=5.0, count=7, kind="b", inner=Inner(0.5, False))
    args = parser.parse_args(["--path", "b.png", "--n", "3", "--strength", "2"])
    assert vars(args) == {"path": [Path("b.png")], "n": 3, "strength": 2.0}
    assert from_args(Job, args, base=saved) == Job([Path("b.png")], 5.0, 3, "b", Inner(2.0, False))
    assert from_args(Job, args) == Job([Path("b.png")], count=3, inner=Inner(strength=2.0))  # no base: defaults
    assert "(default: 3)" in parser.format_help()  # the help still names the declared default
    with pytest.raises(SystemExit):
        parser.parse_args(["--n", "0"])  # and the flags are checked as without only_given


@pytest.mark.parametrize("config", [ModelConfig.tiny(), OptimConfig(), LossConfig(), TrainConfig(), RetargetConfig()])
def test_configs_round_trip_through_json(config):
    assert type(config).from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_configs_reject_wrong_types_by_name():
    with pytest.raises(InputError, match="optim.betas must be a list of 2 numbers"):
        TrainConfig.from_dict({"optim": {"betas": 0.5}})
    with pytest.raises(InputError, match=r"optim.betas: Adam's betas must be in \[0, 1\)"):
        TrainConfig.from_dict({"optim": {"betas": [0.5, 1.0]}})
    with pytest.raises(InputError, match="attention_resolutions.embedder must be a whole number"):
        ModelConfig.from_dict({"attention_resolutions": {"embedder": "32"}})
    with pytest.raises(InputError, match="unknown option stepz"):
        TrainConfig.from_dict({"stepz": 3})


def test_absurd_architectures_are_refused_before_allocating():
    with pytest.raises(InputError, match="channels at most 4096"):
        ModelConfig.from_dict({"max_channels": 300_000})


def test_jobs_made_in_python_are_checked_too(tmp_path):
    from talking_heads.pipeline import check_job

    portrait = tmp_path / "face.png"
    portrait.write_bytes(b"x")
    for change, message in [({"fps": float("nan")}, "fps must be a finite number"),
                            ({"batch_size": "8"}, "batch_size must be a whole number"),
                            ({"retarget": RetargetConfig(expression=float("nan"))}, "retarget.expression"),
                            ({"motion_duration": 1e12}, "motion_duration must be at most")]:
        job = AnimateJob([portrait], "motion:talk", tmp_path / "out", **change)
        with pytest.raises(InputError, match=message):
            check_job(job)


def test_person_job_wrong_types_name_the_field(tmp_path):
    with pytest.raises(InputError, match="inputs must be a list of paths"):
        PersonJob.from_dict({"inputs": "/path", "output": "x.safetensors"})
    with pytest.raises(InputError, match="finetune_steps must be a whole number"):
        PersonJob.from_dict({"inputs": ["a.jpg"], "output": "x.safetensors", "finetune_steps": "8"})
