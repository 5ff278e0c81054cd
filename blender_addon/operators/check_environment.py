"""THEADS_OT_check_environment: which Python runs the worker (and why), and what the worker found
(device, renderers, weights)."""
from __future__ import annotations

import functools

import bpy

from ..blender.runtime import RUNTIME
from ..logic.environment import describe_ping
from ..logic.errors import UserError
from ..logic.protocol import Event
from .common import OperatorResult

PING_TIMEOUT_S = 120


class THEADS_OT_check_environment(bpy.types.Operator):
    """Start the generator and show its Python (and where that choice came from), its device (GPU or
    CPU), renderers and weights, and what is missing"""

    bl_idname = "theads.check_environment"
    bl_label = "Check Environment"

    def execute(self, context: bpy.types.Context) -> OperatorResult:
        settings = context.window_manager.theads
        chosen = []
        try:
            chosen.append(f"Python: {RUNTIME.worker_python(context).describe()}")
            if bpy.app.background:
                show(settings, chosen + describe_ping(RUNTIME.ask(context, "ping", PING_TIMEOUT_S)), ok=True)
            else:
                RUNTIME.request(context, "ping", functools.partial(show_event, chosen))
                show(settings, chosen + ["Starting the generator..."], ok=False)
        except UserError as error:
            show(settings, chosen + [str(error)], ok=False)
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        for line in settings.environment.splitlines():
            self.report({"INFO"}, line)
        return {"FINISHED"}


def show(settings: bpy.types.PropertyGroup, lines: list[str], ok: bool) -> None:
    settings.environment = "\n".join(lines)
    settings.environment_ok = ok


def show_event(chosen: list[str], event: Event) -> None:
    """The ping's answer after the python chosen, shown in the preferences and panel (run later,
    by the timer)."""
    settings = bpy.data.window_managers[0].theads
    if event.kind == "done":
        show(settings, chosen + describe_ping(event.get("result") or {}), ok=True)
    elif event.kind == "error":
        show(settings, chosen + [str(event.get("message"))], ok=False)
    else:
        log = [line for line in event.get("log", []) if line.strip()][-6:]
        show(settings, chosen + [f"The generator stopped (exit code {event.get('returncode')}):", *log], ok=False)


OPERATOR = THEADS_OT_check_environment
