"""THEADS_PT_* panels: the same panels in the Sequencer sidebar and the 3D viewport sidebar."""
from __future__ import annotations

import bpy

from ..blender import compat
from ..blender.shot_job import saved_training
from ..operators.portrait_preview import PREVIEW_NAME
from .environment import draw_environment

CATEGORY = "Talking Heads"


def _shot(context: bpy.types.Context) -> bpy.types.PropertyGroup | None:
    return context.scene.theads.active()


class MainPanel:
    bl_label = "Talking Heads"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        settings = context.scene.theads
        row = layout.row()
        row.template_list("THEADS_UL_shots", "", settings, "shots", settings, "active_shot", rows=3)
        column = row.column(align=True)
        column.operator("theads.shot_add", text="", icon="ADD")
        column.operator("theads.shot_remove", text="", icon="REMOVE")
        progress = context.window_manager.theads
        if progress.busy:
            layout.progress(factor=progress.progress, text=progress.status)
            layout.operator("theads.cancel", icon="CANCEL")
        else:
            row = layout.row(align=True)
            row.operator("theads.animate", icon="RENDER_ANIMATION")
            row.operator("theads.render_all_shots", icon="SEQUENCE")
        shot = _shot(context)
        if shot is not None and shot.status:
            layout.label(text=shot.status, icon="INFO")
        if progress.environment and not progress.environment_ok:
            draw_environment(layout, context)


CONSENT_LINES = ("Animate a real person only with their consent.",
                 "Every output is marked as synthetic: content",
                 "credentials (C2PA) and an invisible watermark.")


def draw_consent(layout: bpy.types.UILayout) -> None:
    """The reminder beside the portrait list: consent, and how outputs are marked."""
    box = layout.box().column(align=True)
    for index, line in enumerate(CONSENT_LINES):
        box.label(text=line, icon="INFO" if index == 0 else "BLANK1")


class ShotPanel:
    """A sub-panel about the active shot."""

    bl_options = {"DEFAULT_CLOSED"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return _shot(context) is not None


class PortraitPanel(ShotPanel):
    bl_label = "Portrait"
    bl_options: set[str] = set()

    def draw(self, context: bpy.types.Context) -> None:
        layout, shot = self.layout, _shot(context)
        _draw_list(layout, shot, "portraits", "active_portrait", "portrait")
        draw_consent(layout)
        if 0 <= shot.active_portrait < len(shot.portraits):
            item = shot.portraits[shot.active_portrait]
            layout.template_ID(item, "image", open="image.open")
            if item.image is None:
                layout.prop(item, "filepath")
        layout.operator("theads.portrait_preview", icon="SHADERFX")
        preview = bpy.data.images.get(PREVIEW_NAME)
        if preview is not None and preview.preview is not None:
            layout.template_icon(icon_value=preview.preview.icon_id, scale=8)
        layout.prop(shot, "person_mode")
        if shot.person_mode == "PERSON_FILE":
            layout.prop(shot, "person_file")
        _draw_finetune(layout.box(), shot)


def _draw_list(layout: bpy.types.UILayout, shot: bpy.types.PropertyGroup, items: str, active: str, kind: str) -> None:
    """The shot's list `items` (UI list THEADS_UL_<items>) with its add and remove buttons (theads.<kind>_add/remove)."""
    row = layout.row()
    row.template_list(f"THEADS_UL_{items}", "", shot, items, shot, active, rows=2)
    column = row.column(align=True)
    column.operator(f"theads.{kind}_add", text="", icon="ADD")
    column.operator(f"theads.{kind}_remove", text="", icon="REMOVE")


def _draw_finetune(layout: bpy.types.UILayout, shot: bpy.types.PropertyGroup) -> None:
    """Fine-tune the person on the portraits and save it as a person file for reuse across shots."""
    row = layout.row(align=True)
    row.prop(shot, "finetune_steps")
    row.prop(shot, "finetune_loss", text="")
    layout.prop(shot, "finetune_output")
    layout.operator("theads.person_finetune", icon="USER")


class FootagePanel(ShotPanel):
    """Train the shot's person model on footage of the person (Train Person from Footage)."""

    bl_label = "Person from Footage"

    def draw(self, context: bpy.types.Context) -> None:
        layout, shot = self.layout, _shot(context)
        _draw_list(layout, shot, "footage", "active_footage", "footage")
        if 0 <= shot.active_footage < len(shot.footage):
            layout.prop(shot.footage[shot.active_footage], "filepath")
        layout.prop(shot, "train_size")
        row = layout.row(align=True)
        row.prop(shot, "train_budget", text="")
        row.prop(shot, "train_minutes" if shot.train_budget == "MINUTES" else "train_steps", text="")
        row = layout.row(align=True)
        row.prop(shot, "train_first_frame", text="From")
        row.prop(shot, "train_stop_frame", text="To")
        layout.prop(shot, "train_checkpoint")
        layout.prop(shot, "finetune_loss")
        layout.prop(shot, "finetune_output")
        row = layout.row(align=True)
        row.operator("theads.person_train", icon="USER").resume = False
        if saved_training(shot):
            row.operator("theads.person_train", text="Resume", icon="PLAY").resume = True


class DriverPanel(ShotPanel):
    bl_label = "Driver"
    bl_options: set[str] = set()

    def draw(self, context: bpy.types.Context) -> None:
        layout, shot = self.layout, _shot(context)
        layout.row().prop(shot, "driver", expand=True)
        {"VIDEO": _draw_video, "RIG": _draw_rig, "MOTION": _draw_motion}[shot.driver](layout, context, shot)


def _draw_video(layout: bpy.types.UILayout, context: bpy.types.Context, shot: bpy.types.PropertyGroup) -> None:
    layout.row().prop(shot, "video_source", expand=True)
    editor = compat.sequencer_scene(context).sequence_editor
    if shot.video_source == "STRIP":
        if editor is not None:
            layout.prop_search(shot, "video_strip", editor, "strips_all" if hasattr(editor, "strips_all")
                               else "sequences_all", icon="FILE_MOVIE")
        else:
            layout.label(text="The sequencer is empty: add a movie strip", icon="ERROR")
    else:
        layout.prop(shot, "video_path")
        layout.prop(shot, "frame_start", text="Starts at frame")
    row = layout.row(align=True)
    row.prop(shot, "frame_offset")
    row.prop(shot, "frame_count")
    layout.row().prop(shot, "clip_timing", expand=True)


def _draw_rig(layout: bpy.types.UILayout, context: bpy.types.Context, shot: bpy.types.PropertyGroup) -> None:
    layout.prop(shot, "rig")
    if shot.rig is not None:
        binding = shot.rig.theads
        bound = binding.binding != "NONE" and len(binding.points) == 68
        layout.label(text=f"Landmarks: {binding.binding.lower()}" if bound else "Not bound",
                     icon="CHECKMARK" if bound else "ERROR")
    row = layout.row(align=True)
    row.operator("theads.add_landmark_rig", icon="OUTLINER_OB_ARMATURE")
    row.operator("theads.auto_bind", icon="VIEW_CAMERA")
    if context.scene.camera is None:
        layout.label(text="The scene has no camera", icon="ERROR")
    _draw_range(layout, shot)


def _draw_motion(layout: bpy.types.UILayout, context: bpy.types.Context, shot: bpy.types.PropertyGroup) -> None:
    layout.prop(shot, "motion")
    layout.prop(shot, "motion_intensity")
    _draw_range(layout, shot)


def _draw_range(layout: bpy.types.UILayout, shot: bpy.types.PropertyGroup) -> None:
    layout.prop(shot, "use_scene_range")
    if not shot.use_scene_range:
        row = layout.row(align=True)
        row.prop(shot, "frame_start")
        row.prop(shot, "frame_end")


class RetargetPanel(ShotPanel):
    bl_label = "Retarget"

    def draw(self, context: bpy.types.Context) -> None:
        layout, shot = self.layout, _shot(context)
        layout.prop(shot, "expression", slider=True)
        layout.prop(shot, "head_motion", slider=True)
        row = layout.row()
        row.prop(shot, "follow_position")
        row.prop(shot, "follow_scale")
        layout.prop(shot, "smoothing")


class OutputPanel(ShotPanel):
    bl_label = "Output"
    bl_options: set[str] = set()

    def draw(self, context: bpy.types.Context) -> None:
        layout, shot = self.layout, _shot(context)
        layout.row().prop(shot, "output", expand=True)
        layout.prop(shot, "output_folder")
        if shot.output in ("PLATE", "BOTH"):
            layout.prop(shot, "channel")
        layout.prop(shot, "full_frame")
        layout.prop(shot, "renderer")


def _space_panels(space: str, prefix: str) -> list[type]:
    """The panel classes for one editor's sidebar."""
    main_id = f"THEADS_PT_{prefix}_main"
    common = {"bl_space_type": space, "bl_region_type": "UI", "bl_category": CATEGORY}
    classes: list[type] = [type(main_id, (MainPanel, bpy.types.Panel), {**common, "bl_idname": main_id})]
    for base in (PortraitPanel, FootagePanel, DriverPanel, RetargetPanel, OutputPanel):
        name = f"THEADS_PT_{prefix}_{base.bl_label.lower().replace(' ', '_')}"
        classes.append(type(name, (base, bpy.types.Panel), {**common, "bl_idname": name, "bl_parent_id": main_id}))
    return classes


CLASSES = (*_space_panels("SEQUENCE_EDITOR", "sequencer"), *_space_panels("VIEW_3D", "view3d"))
