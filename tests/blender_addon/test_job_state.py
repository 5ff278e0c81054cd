"""A job's state as the add-on sees it, built from the worker's events."""
from blender_addon.logic.job_state import JobState, JobStatus, PersonState
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
