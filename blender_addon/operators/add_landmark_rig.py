"""THEADS_OT_add_landmark_rig: a ready 68-point face rig an animator keyframes directly."""
from __future__ import annotations

import bpy
from bpy.props import BoolProperty

from ..blender.landmark_rig import add_camera_for, add_landmark_rig, frame_in_camera
from .common import OperatorResult


class THEADS_OT_add_landmark_rig(bpy.types.Operator):
    """Add a 68-point landmark face with shape keys (jaw, smile, blinks, brows, lips) on a head bone,
    framed in the scene camera (or with a camera of its own when the scene has none); the active
    shot is driven by it"""

    bl_idname = "theads.add_landmark_rig"
    bl_label = "Add Landmark Rig"
    bl_options = {"REGISTER", "UNDO"}

    add_camera: BoolProperty(name="Add camera when missing", default=True,
                             description="Add a scene camera looking at the face when the scene has none")
    frame_in_camera: BoolProperty(name="Frame in the scene camera", default=True,
                                  description="When the scene has a camera, put the face in front of it, facing it "
                                              "and filling 40% of the frame height, so the camera sees it clearly")

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return context.mode == "OBJECT"

    def execute(self, context: bpy.types.Context) -> OperatorResult:
        armature, mesh = add_landmark_rig(context)
        note = ""
        camera = context.scene.camera
        if camera is not None and camera.type == "CAMERA" and self.frame_in_camera:
            fraction = frame_in_camera(context, armature, mesh, camera)
            note = f" in front of the camera '{camera.name}' ({100 * fraction:.0f}% of the frame high)"
        elif self.add_camera and camera is None:
            add_camera_for(context, armature)
            note = " and a camera looking at it"
        shot = context.scene.theads.active()
        if shot is not None:
            shot.driver, shot.rig = "RIG", mesh
        self.report({"INFO"}, f"added the face rig '{armature.name}'{note}: keyframe the shape keys of "
                              f"'{mesh.name}' and the bone 'head'")
        return {"FINISHED"}


OPERATOR = THEADS_OT_add_landmark_rig
