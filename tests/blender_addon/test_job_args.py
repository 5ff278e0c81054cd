"""The animate and person jobs the add-on sends: checked before anything is sent."""
import pytest

from blender_addon.logic.errors import UserError
from blender_addon.logic.job_args import Compute, Retarget, animate_job, person_job


@pytest.fixture
def portrait(tmp_path):
    path = tmp_path / "face.jpg"
    path.write_bytes(b"not read here")
    return str(path)


def test_a_good_job_has_every_field_the_pipeline_reads(portrait, tmp_path):
    job = animate_job(sources=[portrait], driver="motion:nod", output=str(tmp_path / "out"), renderer="warp",
                      fps=24.0, frames=(2, 10), retarget=Retarget(expression=0.5, follow_scale=False),
                      compute=Compute("cpu", "float32", 4))
    assert job["sources"] == [portrait] and job["driver"] == "motion:nod" and job["frames"] == [2, 10]
    assert job["retarget"] == {"expression": 0.5, "head_motion": 1.0, "follow_position": True,
                               "follow_scale": False, "smoothing": 0.0}
    assert (job["device"], job["precision"], job["batch_size"], job["person"]) == ("cpu", "float32", 4, None)


@pytest.mark.parametrize("change, message", [
    ({"sources": []}, "no portrait"),
    ({"sources": ["/nowhere/face.jpg"]}, "portrait image not found"),
    ({"driver": "/nowhere/clip.mp4"}, "driver file not found"),
    ({"driver": "motion:dance"}, "unknown built-in motion"),
    ({"driver": ""}, "no driver"),
    ({"renderer": "magic"}, "unknown renderer"),
    ({"output": "//relative/out"}, "not a full path"),
    ({"frames": (5, 5)}, "empty frame range"),
    ({"person": "/nowhere/person.safetensors"}, "person file not found"),
])
def test_bad_values_are_refused_with_what_to_do(portrait, tmp_path, change, message):
    values = {"sources": [portrait], "driver": "motion:talk", "output": str(tmp_path / "out"), **change}
    with pytest.raises(UserError, match=message):
        animate_job(**values)


def test_a_good_person_job(portrait, tmp_path):
    job = person_job(sources=[portrait], output=str(tmp_path / "anna.safetensors"), finetune_steps=40,
                     content_loss="l1", device="cpu")
    assert job == {"inputs": [portrait], "output": str(tmp_path / "anna.safetensors"), "finetune_steps": 40,
                   "content_loss": "l1", "device": "cpu"}


@pytest.mark.parametrize("change, message", [
    ({"sources": []}, "no portrait"),
    ({"output": "//people/anna.safetensors"}, "not a full path: save the blend file first"),
    ({"output": "/people/anna.pt"}, "a person file ends in .safetensors"),
    ({"finetune_steps": 0}, "at least 1 step"),
    ({"content_loss": "lpips"}, "unknown content loss 'lpips'"),
    ({"device": "tpu"}, "unknown device"),
])
def test_bad_person_jobs_are_refused_with_what_to_do(portrait, tmp_path, change, message):
    values = {"sources": [portrait], "output": str(tmp_path / "anna.safetensors"), "finetune_steps": 2, **change}
    with pytest.raises(UserError, match=message):
        person_job(**values)


def test_the_preferences_offer_exactly_the_devices_and_precisions_of_the_jobs():
    from blender_addon.logic.job_args import DEVICES, PRECISIONS
    from blender_addon.props.preferences import DEVICE_ITEMS, PRECISION_ITEMS

    assert tuple(item[0] for item in DEVICE_ITEMS) == DEVICES
    assert tuple(item[0] for item in PRECISION_ITEMS) == PRECISIONS
