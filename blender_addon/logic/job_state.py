"""What the add-on knows about a running job, built from the worker's events."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from .protocol import EXIT, Event

CRASH_LOG_LINES = 8  # lines of the worker's output shown when it dies


class JobStatus(enum.Enum):
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass
class JobState:
    """Progress, frames written and the outcome of one job."""

    job_id: str
    label: str = ""  # what the user calls it, e.g. the shot name
    status: JobStatus = JobStatus.RUNNING
    stage: str = "starting"
    done: int = 0
    total: int | None = None
    frames_written: int = 0
    last_frame: str | None = None
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    worker_died: bool = False

    @property
    def finished(self) -> bool:
        return self.status is not JobStatus.RUNNING

    @property
    def fraction(self) -> float:
        if self.status is JobStatus.DONE:
            return 1.0
        return min(1.0, self.done / self.total) if self.total else 0.0

    def apply(self, event: Event) -> None:
        """Update from one event of this job (or the worker's exit)."""
        if self.finished:
            return
        handler = _HANDLERS.get(event.kind)
        if handler is not None:
            handler(self, event)

    def done_message(self) -> str:
        return f"{self.frames_written} frames written ({self.result.get('renderer', '?')} renderer)"

    def kept(self) -> str:
        """What stays after a cancel or a crash."""
        return f"the {self.frames_written} frames written are kept"

    def status_text(self) -> str:
        name = f"{self.label}: " if self.label else ""
        if self.status is JobStatus.RUNNING:
            count = f" {self.done}/{self.total}" if self.total else (f" {self.done}" if self.done else "")
            return f"{name}{self.stage}{count}"
        return f"{name}{self.message}"


@dataclass
class PersonState(JobState):
    """A person job (fine-tune and save a person file): nothing is written unless it finishes."""

    def done_message(self) -> str:
        steps = self.result.get("finetune_steps", "?")
        return f"person file saved ({self.result.get('stage', '?')}, {steps} steps): {self.result.get('output', '?')}"

    def kept(self) -> str:
        return "no person file was written"


@dataclass
class TrainingState(JobState):
    """A train_person job: landmarks of the footage, then training steps with their losses and the
    time left. A cancel after the first step saves the person file and its training state (the
    worker's done event with `stopped`): the job ends CANCELLED, with the file saved."""

    losses: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0  # training time of this run so far
    budget_seconds: float | None = None
    seconds_left: float | None = None

    def apply(self, event: Event) -> None:
        if self.finished:
            return
        super().apply(event)
        if event.kind == "progress" and self.stage == "training":
            self.losses = {str(k): float(v) for k, v in (event.get("losses") or {}).items()}
            self.seconds = float(event.get("seconds", self.seconds))
            self.budget_seconds = event.get("budget_seconds")
            self.seconds_left = event.get("seconds_left")
        if self.status is JobStatus.DONE and self.result.get("stopped"):
            self.status = JobStatus.CANCELLED

    @property
    def fraction(self) -> float:
        if self.status is JobStatus.DONE or self.stage != "training":
            return super().fraction
        by_steps = self.done / self.total if self.total else 0.0
        by_time = self.seconds / self.budget_seconds if self.budget_seconds else 0.0
        return min(1.0, max(by_steps, by_time))

    def done_message(self) -> str:
        result = self.result
        saved = f"person file saved ({result.get('start', '?')} start, {result.get('steps', '?')} steps, " \
                f"{result.get('frames', '?')} frames): {result.get('output', '?')}"
        return f"stopped at step {result.get('steps', '?')}, Resume continues; {saved}" if result.get("stopped") \
            else saved

    def kept(self) -> str:
        return "nothing new was saved (a run saved earlier stays: Resume continues it)"

    def status_text(self) -> str:
        if self.status is not JobStatus.RUNNING or self.stage != "training":
            return super().status_text()
        parts = [f"training step {self.done}" + (f"/{self.total}" if self.total else "")]
        if self.losses:
            name, value = ("content", self.losses["content"]) if "content" in self.losses \
                else next(iter(self.losses.items()))
            parts.append(f"{name} loss {value:.4f}")
        if self.seconds_left is not None:
            parts.append(f"{duration_text(self.seconds_left)} left")
        return (f"{self.label}: " if self.label else "") + ", ".join(parts)


def duration_text(seconds: float) -> str:
    """A duration as people say it: '45 s', '3 min 20 s', '2 h 5 min'."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _on_progress(state: JobState, event: Event) -> None:
    state.stage = str(event.get("stage", state.stage))
    state.done = int(event.get("done", state.done))
    total = event.get("total")
    state.total = int(total) if total is not None else None


def _on_frame(state: JobState, event: Event) -> None:
    state.frames_written = max(state.frames_written, int(event.get("index", state.frames_written + 1)))
    state.last_frame = event.get("path") or state.last_frame


def _on_done(state: JobState, event: Event) -> None:
    state.result = dict(event.get("result") or {})
    state.frames_written = int(state.result.get("frames", state.frames_written))
    state.status = JobStatus.DONE
    state.message = state.done_message()


def _on_error(state: JobState, event: Event) -> None:
    state.frames_written = int(event.get("frames", state.frames_written))
    if event.get("type") == "Cancelled":
        state.status = JobStatus.CANCELLED
        state.message = f"cancelled; {state.kept()}"
    else:
        state.status = JobStatus.FAILED
        state.message = str(event.get("message", "the generator failed"))


def _on_exit(state: JobState, event: Event) -> None:
    state.status = JobStatus.FAILED
    state.worker_died = True
    code = event.get("returncode")
    log = [line for line in event.get("log", []) if line.strip()][-CRASH_LOG_LINES:]
    tail = ("; its last lines:\n" + "\n".join(log)) if log else ""
    state.message = (f"the generator process stopped unexpectedly (exit code {code}); it is restarted "
                     f"on the next job and {state.kept()}{tail}")


_HANDLERS = {"progress": _on_progress, "frame": _on_frame, "done": _on_done, "error": _on_error, EXIT: _on_exit}
