"""Train Person from Footage: a tiny person model trained from scratch through the worker on a
shared clip; the person file is saved beside the blend file and the shot renders with it; Esc
stops the training and saves what it has, Resume continues the same run; bad input says what to
do and changes nothing."""
import json
import threading
import time

import bpy
import pytest

from addon_helpers import finished_frames

CLIP = "d11.mp4"
FRAMES = (0, 104)  # 104 frames with the face: from scratch needs at least 100


@pytest.fixture
def footage_shot(make_shot, clips_dir, one_thread_worker):
    """A shot whose footage is the shared clip's first 104 frames, a tiny model, the pixel loss."""
    shot = make_shot("Anna")
    shot.footage.add().filepath = str(clips_dir / CLIP)
    shot.train_size, shot.train_budget, shot.train_steps, shot.finetune_loss = "tiny", "STEPS", 4, "l1"
    shot.train_first_frame, shot.train_stop_frame = FRAMES
    return shot


def stop_after(runtime, steps: int) -> threading.Thread:
    """Presses Esc (cancels the job) once it has trained `steps` steps."""

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = runtime.job
            if job is not None and job.state.stage == "training" and job.state.done >= steps:
                runtime.cancel()
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    return watcher


def details(person) -> dict:
    return json.loads(person.with_suffix(".json").read_text())


def test_a_stopped_training_is_saved_and_resumed_then_the_shot_renders_it(footage_shot, runtime, tmp_path, capsys):
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "film.blend"))
    shot = bpy.context.scene.theads.active()  # the same shot, in the file just saved
    shot.train_steps = 500
    watcher = stop_after(runtime, 2)
    assert bpy.ops.theads.person_train() == {"FINISHED"}  # stopping is not an error
    watcher.join()
    console = capsys.readouterr().out
    assert "Anna: landmarks" in console and "Anna: training" in console  # progress in background mode
    person = tmp_path / "talking_heads" / "people" / "Anna.safetensors"  # the default: beside the blend file
    stopped = details(person)
    assert 2 <= stopped["steps"] < 500 and stopped["config"] == "tiny" and stopped["stage"] == "trained from scratch"
    assert stopped["footage"][0]["file"] == CLIP and stopped["footage"][0]["stop"] == FRAMES[1]
    assert shot.person_mode == "PERSON_FILE" and shot.person_file == "//talking_heads/people/Anna.safetensors"
    assert shot.renderer == "neural" and shot.status.startswith(f"stopped at step {stopped['steps']}, Resume continues")

    with pytest.raises(RuntimeError, match="holds an earlier training run of this person file: Resume continues it"):
        bpy.ops.theads.person_train()
    shot.train_steps = stopped["steps"] + 2
    assert bpy.ops.theads.person_train(resume=True) == {"FINISHED"}
    resumed = details(person)
    assert resumed["steps"] == stopped["steps"] + 2 and resumed["training_minutes"] >= stopped["training_minutes"]
    assert shot.status.startswith(f"person file saved (scratch start, {resumed['steps']} steps, ")

    bpy.context.scene.frame_end = 3
    assert bpy.ops.theads.animate() == {"FINISHED"}
    assert shot.status == "3 frames written (neural renderer)" and finished_frames(tmp_path / "Anna") == 3


def test_a_time_budget_stops_the_training(footage_shot, tmp_path):
    footage_shot.train_budget, footage_shot.train_minutes = "MINUTES", 0.02
    footage_shot.finetune_output = str(tmp_path / "people" / "anna.safetensors")
    assert bpy.ops.theads.person_train() == {"FINISHED"}
    trained = details(tmp_path / "people" / "anna.safetensors")
    assert trained["steps"] >= 1 and 0 < trained["training_minutes"] < 0.2
    assert footage_shot.status.startswith("person file saved (scratch start")


def train_fails(shot, message: str, **options) -> None:
    before = (shot.person_mode, shot.person_file, shot.renderer, shot.status)
    with pytest.raises(RuntimeError, match=message):
        bpy.ops.theads.person_train(**options)
    assert (shot.person_mode, shot.person_file, shot.renderer, shot.status) == before


def test_bad_input_says_what_to_do_and_changes_nothing(footage_shot, tmp_path):
    shot = footage_shot
    train_fails(shot, "the blend file is not saved, so there is no folder beside it for the person file")
    shot.finetune_output = str(tmp_path / "people" / "anna.safetensors")
    train_fails(shot, "nothing to resume: .*anna.training holds no training run", resume=True)
    shot.train_first_frame, shot.train_stop_frame = 50, 20
    train_fails(shot, "empty frame range 50..20")
    shot.train_first_frame, shot.train_stop_frame = 0, 30
    shot.train_checkpoint = str(tmp_path / "nowhere" / "meta.safetensors")
    train_fails(shot, "meta-learned checkpoint not found: .*nowhere")
    shot.train_checkpoint = ""
    shot.footage[0].filepath = str(tmp_path / "missing.mp4")
    train_fails(shot, "footage not found: .*missing.mp4")
    shot.footage.clear()
    train_fails(shot, "no footage: add video files or image folders of the person")
    assert not (tmp_path / "people").exists()


def test_too_little_footage_names_the_minimum(footage_shot, clips_dir, tmp_path):
    footage_shot.footage[0].filepath = str(clips_dir / CLIP)
    footage_shot.train_first_frame, footage_shot.train_stop_frame = 0, 30
    footage_shot.finetune_output = str(tmp_path / "people" / "anna.safetensors")
    with pytest.raises(RuntimeError, match=r"only \d+ usable frames .* needs at least 100"):
        bpy.ops.theads.person_train()
    assert footage_shot.status.startswith("Failed: only") and footage_shot.person_mode == "FEED_FORWARD"
    assert not (tmp_path / "people" / "anna.safetensors").exists()


def test_footage_is_added_as_video_files_or_an_image_folder_and_removed(make_shot, clips_dir, portraits_dir):
    shot = make_shot("Anna")
    assert bpy.ops.theads.footage_add(directory=str(clips_dir), files=[{"name": "d11.mp4"}, {"name": "d12.mp4"}]) \
        == {"FINISHED"}
    assert bpy.ops.theads.footage_add(directory=str(portraits_dir), files=[{"name": ""}]) == {"FINISHED"}
    assert [item.filepath for item in shot.footage] == [str(clips_dir / "d11.mp4"), str(clips_dir / "d12.mp4"),
                                                        str(portraits_dir)]
    assert shot.active_footage == 2
    assert bpy.ops.theads.footage_remove() == {"FINISHED"}
    assert [item.filepath for item in shot.footage][-1] == str(clips_dir / "d12.mp4") and shot.active_footage == 1
