"""THEADS_OT_render_all_shots: render the scene's shots one after another."""
from __future__ import annotations

import bpy
from bpy.props import StringProperty

from ..blender.runtime import RUNTIME
from ..blender.shot_job import PreparedShot, prepare_shot
from ..logic.errors import UserError
from ..logic.job_state import JobStatus
from .common import OperatorResult, user_errors


class THEADS_OT_render_all_shots(bpy.types.Operator):
    """Render every shot of the scene in turn; a bad shot is reported and the others go on"""

    bl_idname = "theads.render_all_shots"
    bl_label = "Render All Shots"
    bl_options = {"REGISTER"}

    shots: StringProperty(name="Shots", description="Names of the shots to render, comma separated; empty: all")

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        prepared, problems = self._prepare(context)
        if prepared:
            RUNTIME.animate(context, prepared)
        if not bpy.app.background:
            for problem in problems:
                self.report({"ERROR"}, problem)
            return {"FINISHED"} if prepared else {"CANCELLED"}
        finished = RUNTIME.wait() if prepared else []
        problems += [f"{task.prepared.shot}: {task.state.message}" for task in finished
                     if task.state.status is not JobStatus.DONE]
        done = [task.prepared.shot for task in finished if task.state.status is JobStatus.DONE]
        if done:
            self.report({"INFO"}, f"rendered {len(done)} shot(s): {', '.join(done)}")
        if problems:
            self.report({"ERROR"}, "; ".join(problems))
            return {"CANCELLED"}
        return {"FINISHED"}

    def _prepare(self, context: bpy.types.Context) -> tuple[list[PreparedShot], list[str]]:
        shots = context.scene.theads.shots
        names = [name.strip() for name in self.shots.split(",") if name.strip()] or [shot.name for shot in shots]
        if not names:
            raise UserError("no shots to render: add one with + in the Shots list")
        prepared: list[PreparedShot] = []
        problems: list[str] = []
        for name in names:
            shot = shots.get(name)
            try:
                if shot is None:
                    raise UserError(f"no shot named '{name}'")
                prepared.append(prepare_shot(context, context.scene, shot))
            except UserError as error:
                problems.append(f"{name}: {error}")
        return prepared, problems


OPERATOR = THEADS_OT_render_all_shots
