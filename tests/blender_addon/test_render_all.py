"""Render All Shots: the shots render in turn, a bad one is reported and the others finish."""
import bpy
import pytest
from blender_addon.blender import compat


def test_all_shots_render_and_a_bad_one_is_reported(make_shot, tmp_path):
    bpy.context.scene.frame_end = 4
    make_shot("One")
    make_shot("Bad").portraits[0].filepath = str(tmp_path / "nobody.jpg")
    make_shot("Two").motion = "blink"
    with pytest.raises(RuntimeError, match="Bad: portrait image not found"):
        bpy.ops.theads.render_all_shots()
    plates = {strip.name: strip.frame_final_duration for strip in compat.all_strips(bpy.context.scene.sequence_editor)}
    assert plates == {"TH One": 4, "TH Two": 4}


def test_named_shots_only(make_shot):
    bpy.context.scene.frame_end = 2
    make_shot("A")
    make_shot("B")
    assert bpy.ops.theads.render_all_shots(shots="B") == {"FINISHED"}
    assert [strip.name for strip in compat.all_strips(bpy.context.scene.sequence_editor)] == ["TH B"]
    with pytest.raises(RuntimeError, match="no shot could be rendered: C: no shot named 'C'"):
        bpy.ops.theads.render_all_shots(shots="C")
