"""THEADS_OT_render_all_shots: render the scene's shots one after another."""
from __future__ import annotations

import bpy
from bpy.props import StringProperty

from ..blender.runtime import RUNTIME
from ..blender.shot_job import PreparedShot, prepare_shot
from ..blender.tasks import show_failure
from ..logic.errors import UserError
from .common import OperatorResult, WatchesJobs, report_all, user_errors


class THEADS_OT_render_all_shots(WatchesJobs, bpy.types.Operator):
    """Render every shot of the scene in turn; a bad shot is reported and the others go on.
    Esc cancels the running shot and those waiting; the frames written are kept"""

    bl_idname = "theads.render_all_shots"
    bl_label = "Render All Shots"
    bl_options = {"REGISTER"}

    shots: StringProperty(name="Shots", description="Names of the shots to render, comma separated; empty: all")

    _problems: tuple[str, ...] = ()

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        self._start(context)
        if bpy.app.background:
            return report_all(self, RUNTIME.wait(), list(self._problems))
        for problem in self._problems:
            self.report({"ERROR"}, problem)
        return {"FINISHED"}

    @user_errors
    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> OperatorResult:
        if bpy.app.background or context.window is None:
            return self.execute(context)
        self._start(context)
        return self.watch(context)

    def jobs_ended(self) -> OperatorResult:
        return report_all(self, RUNTIME.finished, list(self._problems))

    def _start(self, context: bpy.types.Context) -> None:
        """Prepare every shot first (a bad one is noted), then start the good ones."""
        RUNTIME.worker_python(context)  # fail early when the generator is not installed
        prepared, problems = self._prepare(context)
        self._problems = tuple(problems)
        if not prepared:
            raise UserError("no shot could be rendered: " + "; ".join(self._problems))
        RUNTIME.animate(context, prepared)

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
                for warning in prepared[-1].warnings:
                    self.report({"WARNING"}, f"{name}: {warning}")
            except UserError as error:
                problems.append(f"{name}: {error}")
                if shot is not None:
                    show_failure(shot, str(error))
        return prepared, problems


OPERATOR = THEADS_OT_render_all_shots
