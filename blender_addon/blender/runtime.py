"""The add-on's one worker and the commands in flight, driven by a timer on the main thread.

Interactive Blender: `bpy.app.timers` calls `tick`, which drains the events (for at most a few
milliseconds), updates the progress shown in the UI and the plates and textures. Background
mode (`blender -b`, the bpy module) has no timers: `wait` calls the same `tick` in a loop and
prints progress to the console.
"""
from __future__ import annotations

import os
import queue
import sys
import time
from collections.abc import Callable
from pathlib import Path

import bpy

from ..logic.environment import (CHECKPOINT_VARIABLE, SIGNING_VARIABLES, WorkerPython, check_library,
                                 choose_worker_python, worker_environment)
from ..logic.errors import UserError
from ..logic.job_state import JobState, JobStatus
from ..logic.protocol import Event, command
from ..logic.worker_client import WorkerClient
from ..package import ADDON_DIR
from ..props.preferences import preferences
from .shot_job import PreparedPerson, PreparedShot
from .tasks import AnimateTask, JobTask, PersonTask, RequestTask, Task

TICK_INTERVAL_S = 0.1
TICK_BUDGET_S = 0.008  # longest a tick keeps draining events before giving the UI back
WAIT_INTERVAL_S = 0.02
REDRAW_AREAS = {"SEQUENCE_EDITOR", "VIEW_3D", "STATUSBAR", "PREFERENCES", "PROPERTIES"}


class Runtime:
    def __init__(self) -> None:
        self.client: WorkerClient | None = None
        self.setup: tuple | None = None  # the running worker's python, checkpoint and signing files
        self.tasks: list[Task] = []
        self.pending: list[PreparedShot] = []  # shots waiting for the current one (Render All Shots)
        self.finished: list[AnimateTask] = []  # finished jobs not yet reported by an operator
        self.stop_requested = False  # set by a headless batch's signal handler: `wait` cancels and returns

    # -- the worker -----------------------------------------------------------------------------

    def worker_python(self, context: bpy.types.Context) -> WorkerPython:
        """The generator's python and where it was chosen; UserError with the fix when it is not found."""
        return choose_worker_python(preferences(context).python_env, ADDON_DIR)

    def worker(self, context: bpy.types.Context) -> WorkerClient:
        """The running worker; (re)started when it is not running or its environment (python,
        meta-learned checkpoint) changed. A python without the library is refused by name."""
        python = self.worker_python(context)
        prefs = preferences(context)
        env = worker_environment(os.environ, prefs.checkpoint,
                                 {"certificate": prefs.signing_cert, "key": prefs.signing_key})
        setup = (python.path, env.get(CHECKPOINT_VARIABLE), *(env.get(v) for v in SIGNING_VARIABLES.values()))
        if self.client is not None and self.client.alive and setup == self.setup:
            return self.client
        self.stop_worker()
        check_library(python, env)
        self.client, self.setup = WorkerClient(python.path, env=env), setup
        self.client.start()
        return self.client

    def stop_worker(self) -> None:
        if self.client is not None:
            self.client.stop()
        self.client = None

    # -- commands -------------------------------------------------------------------------------

    @property
    def job(self) -> JobTask | None:
        """The long job running (animate or person), if any."""
        return next((task for task in self.tasks if isinstance(task, JobTask)), None)

    def animate(self, context: bpy.types.Context, shots: list[PreparedShot]) -> AnimateTask:
        """Start the first shot now and the others one after another."""
        self._check_idle()
        client = self.worker(context)
        self.finished = []
        first, *rest = shots
        task = self._submit_animate(client, first)
        self.pending = rest
        self._ensure_timer()
        return task

    def person(self, context: bpy.types.Context, prepared: PreparedPerson) -> PersonTask:
        """Start making a person file: fine-tuning on portraits or training on footage (`prepared.command`)."""
        self._check_idle()
        client = self.worker(context)
        prepared.path.parent.mkdir(parents=True, exist_ok=True)
        job_id, route = client.submit(prepared.command, job=prepared.job)
        task = PersonTask(job_id, route, prepared)
        self.tasks.append(task)
        self._ensure_timer()
        return task

    def _check_idle(self) -> None:
        if self.job is not None or self.pending:
            raise UserError("a job is already running: wait for it, or cancel it (Esc or Cancel)")

    def request(self, context: bpy.types.Context, cmd: str, on_result: Callable[[Event], None],
                **fields: object) -> RequestTask:
        job_id, route = self.worker(context).submit(cmd, **fields)
        task = RequestTask(job_id, route, on_result)
        self.tasks.append(task)
        self._ensure_timer()
        return task

    def ask(self, context: bpy.types.Context, cmd: str, timeout: float, **fields: object) -> dict:
        """Send a command and wait for its result (blocking: for short setup work); UserError on failure."""
        client = self.worker(context)
        event = client.request(cmd, timeout=timeout, **fields)
        if event.kind == "done":
            return dict(event.get("result") or {})
        if event.kind == "error":
            raise UserError(str(event.get("message", f"the generator could not do '{cmd}'")))
        self.client = None
        lines = [line for line in event.get("log", []) if line.strip()][-6:]
        raise UserError(f"the generator process stopped (exit code {event.get('returncode')}): " + "\n".join(lines))

    def cancel(self) -> bool:
        """Stop the running job (its frames stay) and the shots waiting after it."""
        self.pending.clear()
        task = self.job
        if task is None or self.client is None:
            return False
        try:
            self.client.send(command("cancel", task.job_id))
        except UserError:
            return False
        task.cancel_sent = True
        return True

    def _submit_animate(self, client: WorkerClient, prepared: PreparedShot) -> AnimateTask:
        folders = [prepared.folder.parent] + ([Path(prepared.job["track_cache"]).parent]
                                               if prepared.job.get("track_cache") else [])
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        job_id, route = client.submit("animate", job=prepared.job)
        task = AnimateTask(job_id, route, prepared)
        self.tasks.append(task)
        return task

    # -- the main-thread loop -------------------------------------------------------------------

    def tick(self) -> float | None:
        """The timer callback: drain events within a time budget; None when nothing is left."""
        started = time.perf_counter()
        for task in list(self.tasks):
            self._drain(task, started)
            task.refresh()
            if task.finished:
                self._retire(task)
        self._start_next()
        self._show_progress()
        return TICK_INTERVAL_S if self.tasks or self.pending else None

    def _drain(self, task: Task, started: float) -> None:
        while not task.finished and time.perf_counter() - started < TICK_BUDGET_S:
            try:
                task.handle(task.route.get_nowait())
            except queue.Empty:
                return

    def _retire(self, task: Task) -> None:
        self.tasks.remove(task)
        if self.client is not None:
            self.client.unsubscribe(task.job_id)
        if task.worker_died:
            self.client = None  # restarted on the next job
        task.finish()
        if isinstance(task, AnimateTask):
            self.finished.append(task)
        if isinstance(task, JobTask):
            print(f"[Talking Heads] {task.state.status_text()}", file=sys.stderr)

    def _start_next(self) -> None:
        if self.job is not None or not self.pending:
            return
        prepared = self.pending.pop(0)
        try:
            client = self.client if self.client is not None and self.client.alive else self.worker(bpy.context)
            self._submit_animate(client, prepared)
        except UserError as error:
            failed = AnimateTask("", queue.Queue(), prepared)
            failed.state.status, failed.state.message = JobStatus.FAILED, str(error)
            self.finished.append(failed)
            if (shot := failed.shot()) is not None:
                failed.show_status(shot)

    def _ensure_timer(self) -> None:
        if not bpy.app.background and not bpy.app.timers.is_registered(_timer):
            bpy.app.timers.register(_timer, first_interval=TICK_INTERVAL_S, persistent=True)

    def _show_progress(self) -> None:
        task = self.job
        state = task.state if task is not None else None
        for manager in bpy.data.window_managers:
            settings = manager.theads
            busy, status = state is not None, state.status_text() if state is not None else settings.status
            fraction = state.fraction if state is not None else settings.progress
            if (settings.busy, settings.status, settings.progress) != (busy, status, fraction):
                settings.busy, settings.status, settings.progress = busy, status, fraction
                _redraw(manager)

    # -- background mode ------------------------------------------------------------------------

    def wait(self, report: Callable[[str], None] = print) -> list[AnimateTask]:
        """Run the loop until every command and queued shot is done (blocking); Ctrl-C, or
        `stop_requested` (a batch's signal handler), cancels: the frames written are kept."""
        last = ""
        try:
            while self.tasks or self.pending:
                if self.stop_requested and (self.pending or self.job is not None and not self.job.cancel_sent):
                    self.cancel()
                running = self.job
                self.tick()
                task = self.job or running  # a job that ended in this tick shows its last progress (100%)
                line = _progress_line(task.state) if task is not None else ""
                if line and line != last:
                    report(line)
                    last = line
                time.sleep(WAIT_INTERVAL_S)
        except KeyboardInterrupt:
            self.cancel()
            while self.tasks:
                self.tick()
                time.sleep(WAIT_INTERVAL_S)
            raise
        finished, self.finished = self.finished, []
        return finished

    def shutdown(self) -> None:
        self.cancel()
        self.stop_worker()
        self.tasks.clear()
        if bpy.app.timers.is_registered(_timer):
            bpy.app.timers.unregister(_timer)


def _progress_line(state: JobState) -> str:
    """A console line each 10 % (or stage), so a farm log stays short."""
    tenth = int(state.fraction * 10)
    return f"[Talking Heads] {state.label}: {state.stage} {tenth * 10}%"


def _redraw(manager: bpy.types.WindowManager) -> None:
    for window in manager.windows:
        for area in window.screen.areas:
            if area.type in REDRAW_AREAS:
                area.tag_redraw()


def _timer() -> float | None:
    """The function registered with bpy.app.timers (one object, so it is registered once)."""
    return RUNTIME.tick()


RUNTIME = Runtime()
