"""A job's state as the add-on sees it, built from the worker's events."""
from blender_addon.logic.job_state import JobState, JobStatus, PersonState, TrainingState, duration_text
from blender_addon.logic.protocol import Event, exit_event


def events(state, *items):
    for kind, data in items:
        state.apply(Event(kind, state.job_id, data))
    return state


def test_a_job_that_finishes():
    state = events(JobState("j", label="Shot"),
                   ("progress", {"done": 0, "total": 4, "stage": "render"}),
                   ("frame", {"index": 1, "path": "/o/frame_000001.png"}),
                   ("progress", {"done": 2, "total": 4, "stage": "render"}))
    assert state.status is JobStatus.RUNNING and state.fraction == 0.5
    assert state.status_text() == "Shot: render 2/4"
    events(state, ("done", {"result": {"frames": 4, "renderer": "warp"}}))
    assert state.finished and state.status is JobStatus.DONE and state.fraction == 1.0
    assert state.frames_written == 4 and "4 frames written (warp renderer)" in state.status_text()


def test_a_cancelled_job_keeps_its_frames():
    state = events(JobState("j"), ("frame", {"index": 1}), ("frame", {"index": 2}),
                   ("error", {"type": "Cancelled", "message": "cancelled after 2 of 9 frames", "frames": 2}))
    assert state.status is JobStatus.CANCELLED and state.frames_written == 2
    assert "2 frames written are kept" in state.message


def test_a_failed_job_shows_the_workers_message():
    state = events(JobState("j"), ("error", {"type": "NoFaceError", "message": "no face found in s7.jpg"}))
    assert state.status is JobStatus.FAILED and state.message == "no face found in s7.jpg"


def test_a_dead_worker_is_reported_with_its_last_lines():
    state = JobState("j")
    state.apply(Event("frame", "j", {"index": 5}))
    state.apply(exit_event(-9, ["loading", "", "CUDA error: out of memory"]))
    assert state.status is JobStatus.FAILED and state.worker_died
    assert "exit code -9" in state.message and "CUDA error: out of memory" in state.message
    assert "5 frames written are kept" in state.message


def test_events_after_the_end_change_nothing():
    state = events(JobState("j"), ("done", {"result": {"frames": 3}}), ("error", {"message": "late"}),
                   ("frame", {"index": 9}))
    assert state.status is JobStatus.DONE and state.frames_written == 3


def test_a_person_job_names_its_file_and_writes_nothing_when_stopped():
    state = events(PersonState("p", label="Anna", total=40),
                   ("progress", {"done": 10, "total": 40, "stage": "fine-tuning"}))
    assert state.status_text() == "Anna: fine-tuning 10/40" and state.fraction == 0.25
    events(state, ("done", {"result": {"output": "/people/anna.safetensors", "stage": "fine-tuned", "shots": 2,
                                       "finetune_steps": 40}}))
    assert state.message == "person file saved (fine-tuned, 40 steps): /people/anna.safetensors"
    cancelled = events(PersonState("p"), ("error", {"type": "Cancelled", "message": "cancelled", "frames": 0}))
    assert cancelled.status is JobStatus.CANCELLED and cancelled.message == "cancelled; no person file was written"
    crashed = PersonState("p")
    crashed.apply(exit_event(-9, ["Killed"]))
    assert crashed.worker_died and "no person file was written" in crashed.message and "Killed" in crashed.message


def test_a_training_job_shows_its_loss_and_time_left_and_a_stop_keeps_the_person_file():
    state = events(TrainingState("t", label="Anna"), ("progress", {"done": 40, "total": 104, "stage": "landmarks"}))
    assert state.status_text() == "Anna: landmarks 40/104"
    events(state, ("progress", {"done": 50, "total": 200, "stage": "training", "losses": {"content": 0.12345},
                                "seconds": 30.0, "budget_seconds": None, "seconds_left": 95.0}))
    assert state.status_text() == "Anna: training step 50/200, content loss 0.1235, 1 min 35 s left"
    assert state.fraction == 0.25
    events(state, ("done", {"result": {"output": "/p/anna.safetensors", "start": "scratch", "steps": 51,
                                       "frames": 104, "seconds": 31.0, "stopped": True}}))
    assert state.status is JobStatus.CANCELLED  # reported as stopped, not as finished
    assert state.message == ("stopped at step 51, Resume continues; person file saved (scratch start, 51 steps, "
                             "104 frames): /p/anna.safetensors")


def test_a_training_job_with_a_time_budget_and_its_endings():
    state = events(TrainingState("t"), ("progress", {"done": 7, "total": None, "stage": "training",
                                                     "losses": {"hinge": 1.5}, "seconds": 45.0,
                                                     "budget_seconds": 60.0, "seconds_left": 15.0}))
    assert state.fraction == 0.75 and state.status_text() == "training step 7, hinge loss 1.5000, 15 s left"
    events(state, ("done", {"result": {"output": "/p/a.safetensors", "start": "meta", "steps": 9, "frames": 8,
                                       "stopped": False}}))
    assert state.status is JobStatus.DONE and state.message.startswith("person file saved (meta start, 9 steps")
    early = events(TrainingState("t"), ("error", {"type": "Cancelled", "message": "stopped before the first step"}))
    assert early.status is JobStatus.CANCELLED and "nothing new was saved" in early.message


def test_durations_read_as_people_say_them():
    assert [duration_text(s) for s in (0.4, 45, 200, 7500)] == ["0 s", "45 s", "3 min 20 s", "2 h 5 min"]
