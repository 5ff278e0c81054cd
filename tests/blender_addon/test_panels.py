"""The panels, lists, preferences and status bar draw only properties and operators that exist,
in every state of a shot (headless Blender has no UI, so they draw into a checking layout)."""
import types

import bpy
import pytest

from blender_addon.ui.panels import CLASSES as PANELS
from blender_addon.ui.panels import CONSENT_LINES
from blender_addon.ui.statusbar import draw_progress


class CheckingLayout:
    """Stands in for UILayout: fails on a property, operator or list that does not exist."""

    def __init__(self) -> None:
        self.drawn: list[str] = []

    def _same(self, *args, **kwargs) -> "CheckingLayout":
        return self

    row = column = box = split = _same

    def prop(self, data, name: str, **kwargs) -> None:
        assert name in data.bl_rna.properties, f"{type(data).__name__} has no property {name!r}"
        self.drawn.append(name)

    def operator(self, idname: str, **kwargs) -> types.SimpleNamespace:
        module, name = idname.split(".")
        assert getattr(getattr(bpy.ops, module), name).get_rna_type() is not None
        self.drawn.append(idname + (f":{kwargs['text']}" if "text" in kwargs and kwargs["text"] else ""))
        return types.SimpleNamespace()  # the operator's properties, set by the panel

    def template_list(self, list_type, list_id, data, prop, active_data, active_prop, **kwargs) -> None:
        assert hasattr(bpy.types, list_type) and prop in data.bl_rna.properties
        assert active_prop in active_data.bl_rna.properties
        self.drawn.append(list_type)

    def template_ID(self, data, prop, **kwargs) -> None:
        self.prop(data, prop)

    def prop_search(self, data, prop, search_data, search_prop, **kwargs) -> None:
        self.prop(data, prop)
        assert search_prop in search_data.bl_rna.properties

    def progress(self, **kwargs) -> None:
        self.drawn.append("progress")

    def label(self, **kwargs) -> None:
        self.drawn.append(kwargs.get("text", ""))

    def template_icon(self, **kwargs) -> None:
        self.drawn.append("icon")


def draw_all(context) -> list[str]:
    drawn = []
    for cls in PANELS:
        assert getattr(bpy.types, cls.__name__, None) is not None, f"{cls.__name__} is not registered"
        panel = types.SimpleNamespace(layout=CheckingLayout())
        if not hasattr(cls, "poll") or cls.poll(context):
            cls.draw(panel, context)
        drawn += panel.layout.drawn
    return drawn


@pytest.mark.parametrize("driver", ["VIDEO", "RIG", "MOTION"])
@pytest.mark.parametrize("output", ["PLATE", "BOTH"])
def test_every_panel_draws_in_every_state(blank, driver, output):
    assert len(PANELS) == 12 and {cls.bl_space_type for cls in PANELS} == {"SEQUENCE_EDITOR", "VIEW_3D"}
    assert "theads.shot_add" in draw_all(bpy.context)  # no shot yet: the list and its + button
    bpy.ops.theads.shot_add()
    shot = blank.theads.active()
    shot.driver, shot.output, shot.use_scene_range, shot.person_mode = driver, output, False, "PERSON_FILE"
    shot.portraits.add().filepath = "face.jpg"
    drawn = draw_all(bpy.context)
    assert {"theads.animate", "expression", "renderer", "person_file", "theads.person_finetune", "finetune_steps",
            "finetune_loss", "finetune_output", *CONSENT_LINES, "THEADS_UL_footage", "theads.footage_add",
            "train_size", "train_budget", "train_minutes", "train_first_frame", "train_stop_frame",
            "train_checkpoint", "theads.person_train"} <= set(drawn)
    if driver == "VIDEO":
        shot.video_source = "STRIP"
        blank.sequence_editor_create()
        assert "video_strip" in draw_all(bpy.context)
    if driver == "RIG":
        bpy.ops.theads.add_landmark_rig()
        assert "Landmarks: vertices" in draw_all(bpy.context)
    settings = bpy.context.window_manager.theads
    settings.busy, settings.environment, settings.environment_ok = True, "the environment was not found", False
    try:
        drawn = draw_all(bpy.context)
        assert "progress" in drawn and "theads.cancel" in drawn and "the environment was not found" in drawn
    finally:
        settings.busy, settings.environment = False, ""


def test_lists_preferences_and_status_bar_draw(blank, prefs):
    bpy.ops.theads.shot_add()
    shot = blank.theads.active()
    portrait = shot.portraits.add()
    for ui_list, item in ((bpy.types.THEADS_UL_shots, shot), (bpy.types.THEADS_UL_portraits, portrait)):
        layout = CheckingLayout()
        ui_list.draw_item(None, bpy.context, layout, None, item, 0, None, "", 0)
        assert layout.drawn
    holder = types.SimpleNamespace(layout=CheckingLayout(), bl_rna=prefs.bl_rna)
    type(prefs).draw(holder, bpy.context)
    assert {"python_env", "checkpoint", "device", "precision", "batch_size", "signing_cert", "signing_key",
            "theads.check_environment"} <= set(holder.layout.drawn)
    bar = types.SimpleNamespace(layout=CheckingLayout())
    bpy.context.window_manager.theads.busy = True
    try:
        draw_progress(bar, bpy.context)
    finally:
        bpy.context.window_manager.theads.busy = False
    assert bar.layout.drawn == ["progress"]


def test_the_footage_panel_offers_resume_when_a_training_run_was_saved(blank, tmp_path):
    bpy.ops.theads.shot_add()
    shot = blank.theads.active()
    shot.footage.add().filepath = str(tmp_path / "anna.mp4")
    shot.train_budget, shot.finetune_output = "STEPS", str(tmp_path / "anna.safetensors")
    drawn = draw_all(bpy.context)
    assert "train_steps" in drawn and "train_minutes" not in drawn and "filepath" in drawn
    assert "theads.person_train" in drawn and "theads.person_train:Resume" not in drawn
    (tmp_path / "anna.training").mkdir()
    (tmp_path / "anna.training" / "state.safetensors").write_bytes(b"saved by an earlier run")
    assert "theads.person_train:Resume" in draw_all(bpy.context)
    layout = CheckingLayout()
    bpy.types.THEADS_UL_footage.draw_item(None, bpy.context, layout, None, shot.footage[0], 0, None, "", 0)
    assert layout.drawn == ["anna.mp4"]
