"""Fine-tune Person: the shot's portraits fine-tune a person through the worker, the person file is
saved beside the blend file and the shot uses it, so Animate renders it with the neural renderer;
cancelling writes nothing, and bad input changes nothing."""
import json
import os
import subprocess
import threading
import time

import bpy
import pytest

from addon_helpers import finished_frames

from blender_addon.blender import compat

TINY_CHECKPOINT = """
import sys
from talking_heads.models import ModelConfig
from talking_heads.training.meta import Networks
Networks.build(ModelConfig.tiny(), num_videos=1, seed=0).save(sys.argv[1], step=0, variant="ft", videos=["v"])
"""


@pytest.fixture(scope="module")
def meta_checkpoint(tmp_path_factory, worker_python):
    """Freshly initialised tiny (64x64) networks saved as a meta-learned checkpoint (by the library's python)."""
    path = tmp_path_factory.mktemp("weights") / "meta"
    subprocess.run([str(worker_python), "-c", TINY_CHECKPOINT, str(path)], check=True, env=dict(os.environ),
                   timeout=300)
    return path.with_suffix(".safetensors")


@pytest.fixture
def person_shot(make_shot, prefs, meta_checkpoint, one_thread_worker):
    """A shot with a shared portrait, 2 fine-tuning steps with the pixel loss, and the tiny checkpoint
    chosen in the preferences."""
    shot = make_shot("Anna")
    shot.finetune_steps, shot.finetune_loss = 2, "l1"
    prefs.checkpoint = str(meta_checkpoint)
    yield shot
    prefs.checkpoint = ""


def test_fine_tune_person_then_animate_with_the_neural_renderer(person_shot, tmp_path, capsys):
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "film.blend"))
    shot = bpy.context.scene.theads.active()  # the same shot, in the file just saved
    assert bpy.ops.theads.person_finetune() == {"FINISHED"}
    assert "Anna: fine-tuning 100%" in capsys.readouterr().out  # progress on the console in background mode
    person = tmp_path / "talking_heads" / "people" / "Anna.safetensors"  # the default: beside the blend file
    details = json.loads(person.with_suffix(".json").read_text())
    assert details["stage"] == "fine-tuned" and details["finetune_steps"] == 2 and details["kind"] == "person"
    assert shot.person_mode == "PERSON_FILE" and shot.person_file == "//talking_heads/people/Anna.safetensors"
    assert shot.renderer == "neural" and shot.status.startswith("person file saved (fine-tuned, 2 steps)")

    bpy.context.scene.frame_end = 3
    assert bpy.ops.theads.animate() == {"FINISHED"}
    assert shot.status == "3 frames written (neural renderer)"
    assert finished_frames(tmp_path / "Anna") == 3
    assert compat.all_strips(bpy.context.scene.sequence_editor)[shot.plate_strip].frame_final_duration == 3


def test_cancelling_a_fine_tune_writes_no_person_file(person_shot, runtime, tmp_path):
    person_shot.finetune_steps = 500
    person_shot.finetune_output = str(tmp_path / "people" / "anna.safetensors")

    def press_esc_after_a_step() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = runtime.job
            if job is not None and job.state.done >= 1:
                runtime.cancel()
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=press_esc_after_a_step)
    watcher.start()
    assert bpy.ops.theads.person_finetune() == {"FINISHED"}  # cancelling is not an error
    watcher.join()
    assert list((tmp_path / "people").iterdir()) == []
    assert person_shot.person_mode == "FEED_FORWARD" and person_shot.person_file == ""
    assert person_shot.status == "cancelled; no person file was written"


def finetune_fails(shot, message: str) -> None:
    before = (shot.person_mode, shot.person_file, shot.renderer, shot.status, len(bpy.data.images))
    with pytest.raises(RuntimeError, match=message):
        bpy.ops.theads.person_finetune()
    assert (shot.person_mode, shot.person_file, shot.renderer, shot.status, len(bpy.data.images)) == before


def test_bad_input_says_what_to_do_and_changes_nothing(person_shot, prefs, tmp_path):
    finetune_fails(person_shot, "the blend file is not saved, so there is no folder beside it for the person file")
    person_shot.finetune_output = str(tmp_path / "people" / "anna.safetensors")
    prefs.checkpoint = str(tmp_path / "nowhere" / "meta.safetensors")
    finetune_fails(person_shot, "the meta-learned checkpoint .*nowhere.* was not found")
    prefs.checkpoint = ""
    person_shot.finetune_output = str(tmp_path / "people" / "anna.png")
    finetune_fails(person_shot, "a person file ends in .safetensors")
    person_shot.finetune_output = str(tmp_path / "people" / "anna.safetensors")
    person_shot.portraits.clear()
    finetune_fails(person_shot, "no portrait: add one or more images of the person")
    prefs.python_env = str(tmp_path / "nowhere" / ".venv")
    try:
        finetune_fails(person_shot, "no Python found at .*nowhere")
    finally:
        prefs.python_env = ""
    assert not (tmp_path / "people").exists()
