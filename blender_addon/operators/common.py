"""What the operators share: user errors shown as reports, the shot an operator works on,
watching running jobs (Esc cancels) until they end, and starting one job the same way in the UI
and in background mode."""
from __future__ import annotations

import functools
from collections.abc import Callable

import bpy

from ..blender.runtime import RUNTIME
from ..blender.tasks import AnimateTask, JobTask
from ..logic.errors import UserError
from ..logic.job_state import JobStatus

OperatorResult = set[str]
WATCH_INTERVAL_S = 0.2


def user_errors(method: Callable[..., OperatorResult]) -> Callable[..., OperatorResult]:
    """Run `execute(self, context)` or `invoke(self, context, event)`; a UserError becomes an
    error report and changes nothing. (Blender checks the argument count, so no *args.)"""

    def reported(self: bpy.types.Operator, error: UserError) -> OperatorResult:
        self.report({"ERROR"}, str(error))
        return {"CANCELLED"}

    if method.__code__.co_argcount == 3:
        @functools.wraps(method)
        def guarded_invoke(self: bpy.types.Operator, context: bpy.types.Context, event: bpy.types.Event) -> OperatorResult:
            try:
                return method(self, context, event)
            except UserError as error:
                return reported(self, error)

        return guarded_invoke

    @functools.wraps(method)
    def guarded(self: bpy.types.Operator, context: bpy.types.Context) -> OperatorResult:
        try:
            return method(self, context)
        except UserError as error:
            return reported(self, error)

    return guarded


def shot_named(context: bpy.types.Context, name: str = "") -> bpy.types.PropertyGroup:
    """The shot called `name`, or the active shot; UserError when there is none."""
    settings = context.scene.theads
    shot = settings.shots.get(name) if name else settings.active()
    if shot is None:
        raise UserError(f"no shot named '{name}' in the scene '{context.scene.name}'" if name else
                        "no shot: add one with + in the Shots list of the Talking Heads panel")
    return shot


def remove_active(owner: bpy.types.PropertyGroup, items: str, active: str) -> None:
    """Remove the active item of the collection `owner.<items>` and keep `owner.<active>` in range."""
    collection = getattr(owner, items)
    collection.remove(getattr(owner, active))
    setattr(owner, active, max(0, min(getattr(owner, active), len(collection) - 1)))


class RemovesActiveItem:
    """Removes the active item of one of the active shot's lists (mix in before bpy.types.Operator)."""

    items: str  # the shot's collection property
    active: str  # its active-index property
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        shot = context.scene.theads.active()
        return shot is not None and len(getattr(shot, cls.items)) > 0

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        remove_active(shot_named(context), self.items, self.active)
        return {"FINISHED"}


def report_outcome(operator: bpy.types.Operator, task: JobTask) -> OperatorResult:
    """Report how a finished job ended: info, warning (cancelled) or error."""
    status = task.state.status
    if status is JobStatus.FAILED:
        operator.report({"ERROR"}, task.outcome())
        return {"CANCELLED"}
    operator.report({"INFO"} if status is JobStatus.DONE else {"WARNING"}, task.outcome())
    return {"FINISHED"}


def report_all(operator: bpy.types.Operator, finished: list[AnimateTask], problems: list[str]) -> OperatorResult:
    """Report a run of several shots: those rendered, and every problem."""
    problems = problems + [f"{task.prepared.shot}: {task.state.message}" for task in finished
                           if task.state.status is JobStatus.FAILED]
    done = [task.prepared.shot for task in finished if task.state.status is not JobStatus.FAILED]
    if done:
        operator.report({"INFO"}, f"rendered {len(done)} shot(s): {', '.join(done)}")
    if problems:
        operator.report({"ERROR"}, "; ".join(problems))
        return {"CANCELLED"}
    return {"FINISHED"}


class WatchesJobs:
    """Mix-in for operators that start jobs: in the UI they stay modal, passing every event on,
    so that Esc cancels; `jobs_ended` reports once the runtime has nothing left to render."""

    _timer: bpy.types.Timer | None = None

    def watch(self, context: bpy.types.Context) -> OperatorResult:
        manager = context.window_manager
        self._timer = manager.event_timer_add(WATCH_INTERVAL_S, window=context.window)
        manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> OperatorResult:
        if event.type == "ESC" and event.value == "PRESS":
            RUNTIME.cancel()
        if RUNTIME.job is not None or RUNTIME.pending:
            return {"PASS_THROUGH"}
        context.window_manager.event_timer_remove(self._timer)
        return self.jobs_ended()

    def jobs_ended(self) -> OperatorResult:
        raise NotImplementedError


class StartsJob(WatchesJobs):
    """Mix-in for an operator that starts one job (`start`): in the UI it stays modal until the
    job ends (Esc cancels); in background mode it blocks, printing progress to the console."""

    doing = "working"  # what the report says happens in the background

    _task: JobTask | None = None

    @user_errors
    def execute(self, context: bpy.types.Context) -> OperatorResult:
        task = self.start(context)
        if bpy.app.background:
            RUNTIME.wait()
            return report_outcome(self, task)
        self.report({"INFO"}, f"{task.state.label}: {self.doing} in the background; Cancel stops it")
        return {"FINISHED"}

    @user_errors
    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> OperatorResult:
        if bpy.app.background or context.window is None:
            return self.execute(context)
        self._task = self.start(context)
        return self.watch(context)

    def jobs_ended(self) -> OperatorResult:
        return report_outcome(self, self._task)

    def start(self, context: bpy.types.Context) -> JobTask:
        raise NotImplementedError
