"""The worker: the JSON-lines job server the Blender add-on talks to (tests/core: no bpy needed)."""
from __future__ import annotations

import dataclasses
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from talking_heads import synthesis
from talking_heads.models import Generator, ModelConfig
from talking_heads.models.config import PRESETS
from talking_heads.models.losses import CONTENT_LOSSES
from talking_heads.pipeline import AnimateJob
from talking_heads.synthesis.neural import NeuralPerson
from talking_heads.synthesis.warp import WarpRenderer
from talking_heads.training.learners import initial_psi
from talking_heads.training.meta import Networks
from talking_heads.landmarks import make_detector
from talking_heads.training import person_model
from talking_heads.training.footage import load_footage
from talking_heads.training.person import PersonJob, check_person_job
from talking_heads.training.person_model import FootageJob, TrainStatus
from talking_heads.worker import EventWriter, Worker, time_left

PROJECT = Path(__file__).resolve().parents[2]
TIMEOUT = 120


class Events:
    """A stream the worker writes to; each line is checked to be one JSON event."""

    def __init__(self) -> None:
        self.queue: queue.Queue[dict] = queue.Queue()
        self.buffer = ""

    def write(self, text: str) -> None:
        self.buffer += text
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            self.queue.put(json.loads(line))

    def flush(self) -> None:
        pass

    def next(self, job_id: str | None = None, kinds: tuple[str, ...] = ()) -> dict:
        while True:
            event = self.queue.get(timeout=TIMEOUT)
            if (job_id is None or event["id"] == job_id) and (not kinds or event["event"] in kinds):
                return event

    def until_end(self, job_id: str) -> list[dict]:
        """Every event of `job_id` up to its done or error."""
        seen = []
        while not seen or seen[-1]["event"] not in ("done", "error"):
            seen.append(self.next(job_id))
        return seen


class Session:
    """A worker in this process, fed line by line from a test."""

    def __init__(self) -> None:
        self.events = Events()
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.worker = Worker(EventWriter(self.events))
        self.thread = threading.Thread(target=self.worker.serve, args=(iter(self.lines.get, None),))
        self.thread.start()
        assert self.events.next(kinds=("ready",))["protocol"] == 1

    def send(self, **message) -> None:
        self.lines.put(json.dumps(message))

    def close(self) -> None:
        self.send(cmd="quit")
        self.thread.join(TIMEOUT)


@pytest.fixture
def session():
    running = Session()
    yield running
    running.close()


@pytest.fixture
def motion_job(portraits_dir, tmp_path):
    def make(name: str, seconds: float = 0.4, **extra) -> dict:
        return {"sources": [str(portraits_dir / "s42.jpg")], "driver": "motion:talk", "output": str(tmp_path / name),
                "renderer": "warp", "fps": 25.0, "motion_duration": seconds, **extra}
    return make


@pytest.fixture(scope="module")
def meta_checkpoint(tmp_path_factory) -> Path:
    """Freshly initialised tiny (64x64) networks saved as a meta-learned checkpoint."""
    path = tmp_path_factory.mktemp("weights") / "meta"
    Networks.build(ModelConfig.tiny(), num_videos=1, seed=0).save(path, step=0, variant="ft", videos=["v"])
    return path.with_suffix(".safetensors")


@pytest.fixture
def one_thread():
    """Tiny models gain nothing from threads, and on a busy CPU threads make each step many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def person_job(portraits_dir, meta_checkpoint, tmp_path, one_thread):
    def make(steps: int = 2, **extra) -> dict:
        return {"inputs": [str(portraits_dir / "s42.jpg")], "output": str(tmp_path / "anna.safetensors"),
                "checkpoint": str(meta_checkpoint), "finetune_steps": steps, "content_loss": "l1",
                "device": "cpu", **extra}
    return make


def test_an_animate_job_reports_progress_and_each_frame_then_its_result(session, motion_job, tmp_path):
    session.send(cmd="animate", id="a", job=motion_job("out"))
    events = session.events.until_end("a")
    frames = [event for event in events if event["event"] == "frame"]
    done = events[-1]
    assert done["event"] == "done", done
    assert [event["index"] for event in frames] == list(range(1, 11))
    assert all(Path(event["path"]).is_file() for event in frames)
    assert done["result"]["frames"] == 10 and done["result"]["renderer"] == "warp"
    assert sorted(path.name for path in (tmp_path / "out").iterdir())[-1] == "frame_000010.png"
    progress = [event for event in events if event["event"] == "progress"]
    assert progress and progress[-1]["done"] == progress[-1]["total"] == 10


def test_a_second_render_of_the_same_portrait_reuses_the_prepared_person(session, motion_job, monkeypatch):
    prepared = []
    original = WarpRenderer.prepare
    monkeypatch.setattr(WarpRenderer, "prepare", lambda self, shots: prepared.append(1) or original(self, shots))
    for job_id in ("first", "second"):
        session.send(cmd="animate", id=job_id, job=motion_job(job_id, seconds=0.12))
        assert session.events.until_end(job_id)[-1]["event"] == "done"
    assert len(prepared) == 1


@pytest.mark.parametrize("preset", ["tiny", "small"])
def test_person_files_of_either_configuration_render_in_the_worker(session, motion_job, tmp_path, preset, one_thread):
    config = dataclasses.replace(PRESETS[preset](), spectral_norm=False)
    generator = Generator(config).eval()
    NeuralPerson(generator, initial_psi(generator), "cpu").save(tmp_path / f"{preset}.safetensors")
    session.send(cmd="animate", id=preset, job=motion_job(preset, seconds=0.12, renderer="neural", full_frame=False,
                                                          person=str(tmp_path / f"{preset}.safetensors")))
    events = session.events.until_end(preset)
    assert events[-1]["event"] == "done" and events[-1]["result"]["renderer"] == "neural", events[-1]
    frames = [event["path"] for event in events if event["event"] == "frame"]
    assert len(frames) == 3 and {Image.open(path).size for path in frames} == {(config.resolution,) * 2}


def test_ping_is_answered_while_a_job_runs(session, motion_job):
    session.send(cmd="animate", id="long", job=motion_job("long", seconds=2.0))
    session.events.next("long", ("frame",))
    session.send(cmd="ping", id="p")
    answer = session.events.next("p")
    assert answer["event"] == "done" and answer["result"]["busy"] == "long"
    result = answer["result"]
    assert result["device"]["type"] in ("cpu", "cuda", "mps") and result["renderers"]["warp"] is True
    assert all(item["fix"] for item in result["missing"])
    session.send(cmd="cancel", id="long")
    assert session.events.until_end("long")[-1]["event"] == "error"


def test_cancel_mid_job_keeps_the_finished_frames(session, motion_job, tmp_path):
    session.send(cmd="animate", id="c", job=motion_job("cancelled", seconds=4.0))
    session.events.next("c", ("frame",))
    session.send(cmd="cancel", id="c")
    events = session.events.until_end("c")
    end = events[-1]
    assert end["event"] == "error" and end["type"] == "Cancelled"
    written = sorted((tmp_path / "cancelled").glob("frame_*.png"))
    assert 1 <= end["frames"] == len(written) < 100
    assert written[-1].name == f"frame_{end['frames']:06d}.png"


@pytest.mark.parametrize("line, job_id, message", [
    ("this is not json", None, "not JSON"),
    ("[1, 2, 3]", None, "not a JSON object"),
    ('{"cmd": "explode", "id": "x"}', "x", "unknown command 'explode'"),
    ('{"cmd": "ping"}', None, 'needs an "id"'),
    ('{"cmd": "animate", "id": "y"}', "y", 'needs a "job" object'),
    ('{"cmd": "animate", "id": "z", "job": {"sources": [], "driver": "motion:talk", "output": "o", "colour": 1}}',
     "z", "unknown option colour"),
    ('{"cmd": "person", "id": "q"}', "q", 'the person command needs a "job" object'),
    ('{"cmd": "person", "id": "r", "job": {"inputs": [], "output": "p.safetensors", "steps": 3}}',
     "r", "unknown option steps"),
])
def test_malformed_lines_get_an_error_event_and_the_worker_carries_on(session, line, job_id, message):
    session.lines.put(line)
    error = session.events.next(kinds=("error",))
    assert error["id"] == job_id and message in error["message"], error
    session.send(cmd="ping", id="still-alive")
    assert session.events.next("still-alive")["event"] == "done"


def test_a_bad_job_is_an_error_with_the_pipelines_message(session, motion_job):
    session.send(cmd="animate", id="bad", job=motion_job("x", driver="/nowhere/clip.mp4"))
    error = session.events.until_end("bad")[-1]
    assert error["event"] == "error" and error["type"] == "InputError" and "/nowhere/clip.mp4" in error["message"]


def test_landmarks_of_a_portrait(session, portraits_dir):
    session.send(cmd="landmarks", id="l", image=str(portraits_dir / "s42.jpg"))
    result = session.events.next("l")["result"]
    assert len(result["points"]) == 68 and result["size"] == [512, 512]
    xs = [point[0] for point in result["points"]]
    assert 0 < min(xs) < max(xs) < 512


def test_the_addons_jobs_are_jobs_the_pipeline_accepts(portraits_dir, tmp_path):
    sys.path.insert(0, str(PROJECT))
    try:
        from blender_addon.logic.job_args import Compute, Retarget, animate_job
    finally:
        sys.path.remove(str(PROJECT))
    job = animate_job(sources=[str(portraits_dir / "s1.jpg")], driver="motion:nod", output=str(tmp_path / "o"),
                      renderer="warp", fps=24.0, frames=(0, 12), track_cache=str(tmp_path / "t.npz"),
                      retarget=Retarget(expression=0.5, follow_position=False, smoothing=0.1),
                      compute=Compute("cpu", "float32", 4))
    parsed = AnimateJob.from_dict(job)
    assert parsed.retarget.expression == 0.5 and parsed.retarget.follow_position is False
    assert parsed.frames == (0, 12) and parsed.track_cache == tmp_path / "t.npz" and parsed.batch_size == 4


def test_the_addons_person_jobs_are_jobs_the_library_accepts(portraits_dir, tmp_path):
    sys.path.insert(0, str(PROJECT))
    try:
        from blender_addon.logic.job_args import CONTENT_LOSSES as ADDON_LOSSES, person_job
    finally:
        sys.path.remove(str(PROJECT))
    job = person_job(sources=[str(portraits_dir / "s1.jpg")], output=str(tmp_path / "p.safetensors"),
                     finetune_steps=40, content_loss="l1", device="cpu")
    parsed = PersonJob.from_dict(job)
    assert parsed.finetune_steps == 40 and parsed.content_loss == "l1" and parsed.checkpoint is None
    assert check_person_job(parsed) == tmp_path / "p.safetensors" and ADDON_LOSSES == CONTENT_LOSSES


def test_the_worker_process_keeps_stdout_for_protocol_lines(motion_job):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT / "core"), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen([sys.executable, "-m", "talking_heads.worker"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def send(*commands: dict) -> None:
        process.stdin.write("".join(json.dumps(command) + "\n" for command in commands))
        process.stdin.flush()

    send({"cmd": "ping", "id": "p"}, {"cmd": "animate", "id": "a", "job": motion_job("proc", seconds=0.12)},
         {"cmd": "landmarks", "id": "l", "image": "/nowhere.png"})
    events, ends = [], {}
    while len(ends) < 3:
        events.append(json.loads(process.stdout.readline()))  # every line is an event
        if events[-1]["event"] in ("done", "error"):
            ends[events[-1]["id"]] = events[-1]["event"]
    send({"cmd": "animate", "id": "late", "job": motion_job("late", seconds=4.0)}, {"cmd": "quit"})
    rest = [json.loads(line) for line in process.stdout]
    assert process.wait(TIMEOUT) == 0
    assert events[0]["event"] == "ready" and ends == {"p": "done", "a": "done", "l": "error"}
    assert rest[-1]["id"] == "late" and rest[-1]["type"] == "Cancelled"  # quit cancels what is left
    assert "job a" in process.stderr.read()  # the log went to stderr


def test_a_person_job_fine_tunes_with_progress_per_step_and_saves_the_person_file(session, person_job, tmp_path):
    session.send(cmd="person", id="p", job=person_job(steps=2))
    events = session.events.until_end("p")
    done = events[-1]
    assert done["event"] == "done", done
    assert done["result"] == {"output": str(tmp_path / "anna.safetensors"), "stage": "fine-tuned", "shots": 1,
                              "finetune_steps": 2}
    steps = [(event["done"], event["total"]) for event in events if event["event"] == "progress"]
    assert steps == [(1, 2), (2, 2)] and {event["stage"] for event in events[:-1]} == {"fine-tuning"}
    person = NeuralPerson.load(tmp_path / "anna.safetensors", device="cpu")
    assert person.details["stage"] == "fine-tuned" and person.details["finetune_steps"] == 2
    assert person.render(np.full((1, 68, 2), 32, np.float32)).shape == (1, 64, 64, 3)


def test_cancel_mid_fine_tune_writes_no_person_file(session, person_job, tmp_path):
    session.send(cmd="person", id="c", job=person_job(steps=500))
    assert session.events.next("c", ("progress",))["done"] == 1
    session.send(cmd="cancel", id="c")
    end = session.events.until_end("c")[-1]
    assert end["event"] == "error" and end["type"] == "Cancelled"
    assert [path.name for path in tmp_path.iterdir()] == []  # no person file, no .json, no partial file


def test_a_person_job_without_a_meta_checkpoint_says_how_to_get_one(session, person_job, tmp_path, monkeypatch):
    monkeypatch.delenv(synthesis.CHECKPOINT_VARIABLE, raising=False)
    monkeypatch.setattr(synthesis, "WEIGHTS_FOLDER", tmp_path / "weights")  # nothing configured
    session.send(cmd="person", id="n", job=person_job(checkpoint=None))
    error = session.events.until_end("n")[-1]
    assert error["event"] == "error" and error["type"] == "WeightsError"
    assert "talking-heads train" in error["message"] and synthesis.CHECKPOINT_VARIABLE in error["message"]
    assert not (tmp_path / "anna.safetensors").exists()


@pytest.fixture(scope="module")
def footage(clips_dir):
    """104 frames of a real clip at 64x64, read once for the module."""
    return load_footage([clips_dir / "d11.mp4"], make_detector("dlib"), 64, (0, 104))


@pytest.fixture
def train_job(footage, clips_dir, tmp_path, one_thread, monkeypatch):
    """A train_person job of a tiny model on the clip (its landmarks read once, by the fixture above)."""
    monkeypatch.setattr(person_model, "load_footage", lambda *args, **kwargs: footage)

    def make(**extra) -> dict:
        return FootageJob(inputs=[clips_dir / "d11.mp4"], output=tmp_path / "anna.safetensors", config="tiny",
                          content_loss="l1", device="cpu", **extra).to_dict()
    return make


def test_a_train_person_job_reports_its_losses_and_time_left_and_a_stop_saves_what_it_has(session, train_job,
                                                                                             tmp_path):
    session.send(cmd="train_person", id="t", job=train_job(steps=500))
    progress = session.events.next("t", ("progress",))
    while progress["stage"] != "training" or progress["done"] < 2:
        progress = session.events.next("t", ("progress",))
    assert progress["total"] == 500 and progress["losses"]["content"] > 0 and progress["budget_seconds"] is None
    assert 0 < progress["seconds_left"] and progress["seconds"] > 0
    session.send(cmd="cancel", id="t")
    stopped = session.events.until_end("t")[-1]
    assert stopped["event"] == "done" and stopped["result"]["stopped"] and stopped["result"]["start"] == "scratch"
    steps = stopped["result"]["steps"]
    assert NeuralPerson.load(tmp_path / "anna.safetensors").details["steps"] == steps >= 2

    session.send(cmd="train_person", id="r", job=train_job(steps=steps + 2, resume=True))
    resumed = session.events.until_end("r")
    assert resumed[-1]["event"] == "done" and not resumed[-1]["result"]["stopped"], resumed[-1]
    assert resumed[-1]["result"]["steps"] == steps + 2 and resumed[-1]["result"]["output"] == \
        str(tmp_path / "anna.safetensors")
    assert [event["done"] for event in resumed if event.get("stage") == "training"][-1] == steps + 2
    session.send(cmd="train_person", id="again", job=train_job(steps=4))
    refused = session.events.until_end("again")[-1]
    assert refused["event"] == "error" and "holds an earlier training run" in refused["message"]


def test_time_left_is_the_nearer_of_the_time_budget_and_the_last_step():
    status = TrainStatus(step=30, total_steps=100, seconds=20.0, budget_seconds=None, losses={})
    assert time_left(status, steps_this_run=10) == 140.0  # 70 steps at this run's 2 s a step
    assert time_left(TrainStatus(30, 100, 20.0, 60.0, {}), 10) == 40.0
    assert time_left(TrainStatus(30, None, 70.0, 60.0, {}), 10) == 0.0
    assert time_left(TrainStatus(30, None, 20.0, None, {}), 10) is None


def test_no_line_ends_the_worker_deeply_nested_json_included(session):
    session.lines.put('{"cmd": "ping", "id": "deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    error = session.events.next(kinds=("error",))
    assert error["type"] == "ProtocolError" and "nested too deeply" in error["message"]
    session.send(cmd="ping", id="still-alive")
    assert session.events.next("still-alive")["event"] == "done"


def test_a_cancel_for_an_unknown_id_is_answered_and_does_not_poison_a_later_job(session, motion_job):
    session.send(cmd="cancel", id="later")
    answer = session.events.next("later")
    assert answer["event"] == "error" and "no job 'later' is queued or running" in answer["message"]
    session.send(cmd="animate", id="later", job=motion_job("later", seconds=0.12))
    assert session.events.until_end("later")[-1]["event"] == "done"


@pytest.mark.parametrize("change, message", [
    ({"batch_size": "8"}, "batch_size must be a whole number, got '8'"),
    ({"sources": "/path"}, "sources must be a list of paths, got '/path'"),
    ({"driver": 5}, "driver must be a text, got 5"),
    ({"fps": -1}, "fps must be above 0"),
    ({"retarget": {"expression": "strong"}}, "retarget.expression must be a number"),
])
def test_jobs_with_wrong_types_are_input_errors_naming_the_field(session, motion_job, change, message):
    session.send(cmd="animate", id="typed", job=motion_job("typed", **change))
    error = session.events.until_end("typed")[-1]
    assert error["event"] == "error" and error["type"] == "InputError" and message in error["message"], error


@pytest.mark.parametrize("failure, kind, message", [
    (RuntimeError("index out of range in the generator"), "InternalError", "the traceback is in the worker's log"),
    (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), "OutOfMemory", "lower the batch size"),
])
def test_unexpected_failures_are_error_events_and_the_worker_carries_on(session, motion_job, monkeypatch, failure,
                                                                        kind, message):
    from talking_heads import pipeline

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(pipeline, "animate", fail)
    session.send(cmd="animate", id="boom", job=motion_job("boom"))
    error = session.events.until_end("boom")[-1]
    assert error["event"] == "error" and error["type"] == kind and message in error["message"], error
    monkeypatch.undo()
    session.send(cmd="animate", id="after", job=motion_job("after", seconds=0.12))
    assert session.events.until_end("after")[-1]["event"] == "done"
