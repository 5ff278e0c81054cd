"""`python -m talking_heads.worker`: the JSON-lines job server that the Blender add-on talks to.

One JSON object per line on stdin (commands) and on stdout (events); stdout carries nothing
else (logging and stray prints go to stderr). The worker stays alive between jobs and keeps the
prepared persons, so a second render of the same portrait starts at once.

Commands (each but quit with an "id" chosen by the caller):
    {"cmd": "animate", "id": ID, "job": {AnimateJob.to_dict()}}   queued; one job runs at a time
    {"cmd": "person", "id": ID, "job": {PersonJob.to_dict()}}     make (fine-tune) and save a person file
    {"cmd": "train_person", "id": ID, "job": {FootageJob.to_dict()}}  train a person model on footage and save it;
                                                                  `config` null: the checkpoint's, else
                                                                  paper on a CUDA GPU and small elsewhere
    {"cmd": "landmarks", "id": ID, "image": PATH}                 68 landmarks of the largest face
    {"cmd": "cancel", "id": ID}                                   stop job ID (finished frames stay,
                                                                  a cancelled person writes nothing,
                                                                  a cancelled train_person saves what it has);
                                                                  an error event when no job ID is
                                                                  queued or running
    {"cmd": "ping", "id": ID}                                     answered at once, even during a job
    {"cmd": "quit"}                                               cancel what runs, then exit
Events, each with the id of the command it answers:
    {"event": "ready", "version": ..., "protocol": 1, "pid": ...}  once, at start
    {"event": "progress", "id": ID, "done": N, "total": N|null, "stage": "landmarks"|"render"|"fine-tuning"}
    {"event": "progress", "id": ID, "done": STEP, "total": N|null, "stage": "training", "losses": {...},
     "seconds": S, "budget_seconds": S|null, "seconds_left": S|null}    train_person, after training steps
    {"event": "frame", "id": ID, "index": N, "path": PATH|null}    after frame N (1-based) is written
    {"event": "done", "id": ID, "result": {...}}                   the command's result
    {"event": "error", "id": ID|null, "type": NAME, "message": TEXT, "frames": N}
A cancelled job ends with an error of type "Cancelled", except a train_person that trained a
step: it saves the person file and its training state (a job with "resume": true continues them)
and ends with done, as a finished one does: {"output", "start", "steps", "frames", "seconds",
"stopped"}. Every command with an id ends with exactly one done or error event. A malformed line
gets an error event (id null when it had none) and the worker carries on.
"""
from __future__ import annotations

import functools
import json
import logging
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from talking_heads import __version__
from talking_heads.errors import Cancelled, InputError, TalkingHeadsError
from talking_heads.progress import CancelFn, ProgressFn

if TYPE_CHECKING:  # imported where used: the worker starts before torch loads
    from talking_heads.training.person_model import ReportFn, TrainStatus

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
PROGRESS_INTERVAL_S = 0.1  # progress events of one stage at most this often (the last one always)


class ProtocolError(InputError):
    """A command line that is not a valid command."""

    def __init__(self, message: str, job_id: str | None = None):
        super().__init__(message)
        self.job_id = job_id


@dataclass
class Command:
    cmd: str
    job_id: str | None
    fields: dict[str, Any] = field(default_factory=dict)


def parse_command(line: str) -> Command:
    """A command from one input line; ProtocolError (with the id when one was readable) if not."""
    try:
        message = json.loads(line)
    except json.JSONDecodeError as error:
        raise ProtocolError(f"malformed command line (not JSON: {error.msg}): {line[:200]!r}") from None
    except RecursionError:
        raise ProtocolError(f"malformed command line (nested too deeply): {line[:200]!r}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"malformed command line (not a JSON object): {line[:200]!r}")
    job_id = message.pop("id", None)
    command = Command(str(message.pop("cmd", "")), None if job_id is None else str(job_id), message)
    if command.cmd not in HANDLERS:
        raise ProtocolError(f"unknown command {command.cmd!r}: use one of {', '.join(HANDLERS)}", command.job_id)
    if command.job_id is None and command.cmd != "quit":
        raise ProtocolError(f"the {command.cmd!r} command needs an \"id\"")
    return command


class EventWriter:
    """Writes events as JSON lines; safe to call from the reader and the job thread."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.lock = threading.Lock()

    def __call__(self, event: str, job_id: str | None = None, **fields: Any) -> None:
        line = json.dumps({"event": event, "id": job_id, **fields}, default=str, separators=(",", ":"))
        with self.lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def error(self, job_id: str | None, error: BaseException, frames: int = 0) -> None:
        self("error", job_id, type=_error_type(error), message=_error_message(error), frames=frames)


def _error_type(error: BaseException) -> str:
    if _is_out_of_memory(error):
        return "OutOfMemory"
    return type(error).__name__ if isinstance(error, TalkingHeadsError) else "InternalError"


def _error_message(error: BaseException) -> str:
    if isinstance(error, TalkingHeadsError):
        return str(error)
    if _is_out_of_memory(error):
        return ("out of GPU memory: lower the batch size in the add-on's preferences (or --batch), "
                "or use the CPU")
    return f"internal error {type(error).__name__}: {error} (the traceback is in the worker's log)"


def _is_out_of_memory(error: BaseException) -> bool:
    return type(error).__name__ == "OutOfMemoryError" or "out of memory" in str(error).lower()


class Throttle:
    """Passes a progress update when its stage changed, it is the last, or enough time passed."""

    def __init__(self, interval: float = PROGRESS_INTERVAL_S):
        self.interval = interval
        self.last: tuple[str, float] = ("", 0.0)

    def __call__(self, done: int, total: int | None, stage: str) -> bool:
        now = time.monotonic()
        if stage != self.last[0] or done == total or now - self.last[1] >= self.interval:
            self.last = (stage, now)
            return True
        return False


def preload() -> None:
    """Import the heavy modules on the main thread, before the job thread starts: torch's own
    imports are not safe to run from two threads at once (a ping while the first job loads)."""
    import torch.hub  # noqa: F401

    from talking_heads import pipeline  # noqa: F401
    from talking_heads.landmarks import dlib_detector, fan_detector  # noqa: F401
    from talking_heads.training import person, person_model  # noqa: F401


class Worker:
    """Reads commands, runs jobs one at a time on a job thread, writes events."""

    def __init__(self, emit: EventWriter):
        preload()
        from talking_heads.pipeline import PersonCache

        self.emit = emit
        self.people = PersonCache()
        self.jobs: queue.Queue[Command | None] = queue.Queue()
        self.cancelled: set[str] = set()
        self.pending: set[str] = set()  # ids of the jobs queued or running
        self.lock = threading.Lock()  # guards `pending` and `cancelled` together
        self.running: str | None = None
        self.quitting = False
        self._detector: Any = None
        self.thread = threading.Thread(target=self._run_jobs, name="talking-heads-jobs", daemon=True)

    def serve(self, lines: Iterable[str]) -> int:
        """Answer commands until `quit` or the end of input; returns the exit status."""
        self.thread.start()
        self.emit("ready", version=__version__, protocol=PROTOCOL_VERSION, pid=os.getpid())
        for line in lines:
            if line.strip() and not self.handle(line):
                break
        self.stop()
        return 0

    def handle(self, line: str) -> bool:
        """One command line; False when it was `quit`. No line ends the worker otherwise."""
        try:
            command = parse_command(line)
        except ProtocolError as error:
            self.emit.error(error.job_id, error)
            return True
        except Exception as error:  # anything else a line could provoke is reported, not fatal
            log.exception("reading a command line failed")
            self.emit.error(None, error)
            return True
        return HANDLERS[command.cmd](self, command)

    def stop(self) -> None:
        """Cancel the running and queued jobs, then let the job thread end."""
        self.quitting = True
        if self.running is not None:
            self.cancelled.add(self.running)
        self.jobs.put(None)
        self.thread.join()

    # -- commands ---------------------------------------------------------------------------------

    def _queue(self, command: Command) -> bool:
        with self.lock:
            self.pending.add(str(command.job_id))
        self.jobs.put(command)
        return True

    def _cancel(self, command: Command) -> bool:
        job_id = str(command.job_id)
        with self.lock:
            known = job_id in self.pending
            if known:
                self.cancelled.add(job_id)
        if not known:
            self.emit.error(job_id, InputError(f"cancel: no job {job_id!r} is queued or running "
                                               "(it may have finished already)"))
        return True

    def _ping(self, command: Command) -> bool:
        try:
            self.emit("done", command.job_id, result={**describe_environment(), "busy": self.running})
        except Exception as error:  # a broken installation is reported, not fatal
            log.exception("ping failed")
            self.emit.error(command.job_id, error)
        return True

    def _quit(self, command: Command) -> bool:
        return False

    # -- the job thread ---------------------------------------------------------------------------

    def _warm_up(self) -> None:
        """Load the landmark detector's models before the first job asks for them."""
        from talking_heads.landmarks import make_detector

        started = time.monotonic()
        try:
            self._detector = make_detector("auto")
        except Exception:  # the job that needs it will report the problem
            log.exception("warming up the landmark detector failed")
            return
        log.info("warm: landmark detector %s ready in %.1f s", self._detector.name, time.monotonic() - started)

    def _run_jobs(self) -> None:
        self._warm_up()
        while (command := self.jobs.get()) is not None:
            job_id = str(command.job_id)
            if self.quitting or job_id in self.cancelled:
                self.emit.error(job_id, Cancelled("cancelled before it started"))
            else:
                self.running = job_id
                try:
                    JOBS[command.cmd](self, command)
                except Exception as error:  # a handler's own failure still ends the job with an event
                    self._failed(job_id, error, 0)
                finally:
                    self.running = None
            with self.lock:
                self.pending.discard(job_id)
                self.cancelled.discard(job_id)

    def _progress(self, job_id: str) -> ProgressFn:
        """A progress callback that sends throttled `progress` events of the job."""
        throttle = Throttle()

        def progress(done: int, total: int | None, stage: str) -> None:
            if throttle(done, total, stage):
                self.emit("progress", job_id, done=done, total=total, stage=stage)

        return progress

    def _cancel_check(self, job_id: str) -> CancelFn:
        return lambda: self.quitting or job_id in self.cancelled

    def _animate(self, command: Command) -> None:
        from talking_heads.pipeline import AnimateJob, animate

        job_id = str(command.job_id)
        written = 0

        def on_frame(index: int, path: Path | None) -> None:
            nonlocal written
            written = index
            self.emit("frame", job_id, index=index, path=None if path is None else str(path))

        try:
            job = AnimateJob.from_dict(_job_fields(command))
            log.info("job %s: %s -> %s", job_id, job.driver, job.output)
            result = animate(job, progress=self._progress(job_id), cancelled=self._cancel_check(job_id),
                             on_frame=on_frame, people=self.people,
                             detector=self._detector if job.backend == "auto" else None)
        except Exception as error:  # every failure becomes an event; the worker lives on
            self._failed(job_id, error, written)
            return
        self.emit("done", job_id, result={"output": str(result.output), "frames": result.frames,
                                          "renderer": result.renderer, "fps": result.fps,
                                          "size": list(result.size)})

    def _person(self, command: Command) -> None:
        from talking_heads.training.person import PersonJob, make_person

        self._make_person_file(command, PersonJob, make_person, lambda result: {
            "stage": result.stage, "shots": result.shots, "finetune_steps": result.finetune_steps})

    def _train_person(self, command: Command) -> None:
        from talking_heads.training.person_model import FootageJob, train_person_model

        train = functools.partial(train_person_model, report=self._training_report(str(command.job_id)))
        self._make_person_file(command, FootageJob, train, lambda result: {
            "start": result.start, "steps": result.steps, "frames": result.frames,
            "seconds": round(result.seconds, 1), "stopped": result.stopped})

    def _make_person_file(self, command: Command, job_type: type, make: Callable[..., Any],
                          fields: Callable[[Any], dict]) -> None:
        """Run a job that writes a person file, `make(job, progress=, cancelled=, detector=)`, and
        end it with done (the output and `fields(result)`) or error; kept people are dropped after."""
        from talking_heads.pipeline import PersonCache

        job_id = str(command.job_id)
        try:
            job = job_type.from_dict(_job_fields(command))
            log.info("job %s: %s on %d input(s) -> %s", job_id, command.cmd, len(job.inputs), job.output)
            result = make(job, progress=self._progress(job_id), cancelled=self._cancel_check(job_id),
                          detector=self._detector if job.backend == "auto" else None)
        except Exception as error:  # every failure becomes an event; the worker lives on
            self._failed(job_id, error, 0)
            return
        self.people = PersonCache()  # a kept person may come from the person file just replaced
        self.emit("done", job_id, result={"output": str(result.output), **fields(result)})

    def _training_report(self, job_id: str) -> ReportFn:
        """A report callback that sends throttled `progress` events of the training steps, with
        the losses and the time left."""
        throttle = Throttle()
        first_step: list[int] = []  # the step this run started after (a resumed run starts late)

        def report(status: TrainStatus) -> None:
            if not first_step:
                first_step.append(status.step - 1)
            if throttle(status.step, status.total_steps, "training"):
                self.emit("progress", job_id, done=status.step, total=status.total_steps, stage="training",
                          losses=status.losses, seconds=round(status.seconds, 1),
                          budget_seconds=status.budget_seconds,
                          seconds_left=time_left(status, status.step - first_step[0]))

        return report

    def _landmarks(self, command: Command) -> None:
        from talking_heads import media
        from talking_heads.landmarks import detect_largest_face, make_detector

        try:
            image_field = command.fields.get("image")
            if not isinstance(image_field, str) or not image_field:
                raise InputError(f"the landmarks command needs \"image\": a path, got {image_field!r}")
            path = Path(image_field)
            image = media.read_image(path)
            self._detector = self._detector or make_detector("auto")
            face = detect_largest_face(self._detector, image, path.name)
        except Exception as error:
            self._failed(str(command.job_id), error, 0)
            return
        self.emit("done", command.job_id, result={"points": face.points.tolist(), "box": face.box.tolist(),
                                                  "size": [image.shape[1], image.shape[0]],
                                                  "backend": self._detector.name})

    def _failed(self, job_id: str, error: Exception, frames: int) -> None:
        if not isinstance(error, TalkingHeadsError):
            log.error("job %s failed:\n%s", job_id, "".join(traceback.format_exception(error)))
        self.emit.error(job_id, error, frames)


def describe_environment() -> dict[str, Any]:
    """What `ping` reports: device, renderers and weights found, and what is missing with the fix."""
    import platform

    import torch

    from talking_heads.devices import resolve_device
    from talking_heads.landmarks import fan_detector
    from talking_heads.synthesis import CHECKPOINT_VARIABLE, WEIGHTS_FOLDER, configured_checkpoint

    device = resolve_device("auto")
    info: dict[str, Any] = {"type": device.type, "name": platform.processor() or platform.machine()}
    if device.type == "cuda":
        properties = torch.cuda.get_device_properties(0)
        info.update(name=properties.name, memory_gb=round(properties.total_memory / 2**30, 1))
    checkpoint = configured_checkpoint()
    fan = fan_detector.weights_available()
    missing = []
    if checkpoint is None:
        missing.append({"what": "neural renderer weights (the warp renderer works without them)",
                        "fix": f"put a meta-learned checkpoint (made by `talking-heads train`) at "
                               f"{WEIGHTS_FOLDER / 'meta.safetensors'}, or set {CHECKPOINT_VARIABLE} to one"})
    if not fan:
        missing.append({"what": "FAN landmark weights (dlib finds the landmarks meanwhile)",
                        "fix": f"{sys.executable} -c \"import face_alignment as f; "
                               f"f.FaceAlignment(f.LandmarksType.TWO_D, device='cpu')\""})
    return {"version": __version__, "python": platform.python_version(), "executable": sys.executable,
            "torch": torch.__version__, "device": info, "renderers": {"warp": True, "neural": checkpoint is not None},
            "weights": {"neural checkpoint": None if checkpoint is None else str(checkpoint),
                        "FAN landmarks": str(fan_detector.weights_folder()) if fan else None},
            "missing": missing}


def time_left(status: TrainStatus, steps_this_run: int) -> float | None:
    """Seconds until the run stops: its time budget or its last step, whichever comes first
    (the steps at this run's pace); None when neither bounds it."""
    left = []
    if status.budget_seconds is not None:
        left.append(status.budget_seconds - status.seconds)
    if status.total_steps is not None and steps_this_run > 0:
        left.append((status.total_steps - status.step) * status.seconds / steps_this_run)
    return round(max(0.0, min(left)), 1) if left else None


def _job_fields(command: Command) -> dict[str, Any]:
    job = command.fields.get("job")
    if not isinstance(job, dict):
        kind = {"animate": "AnimateJob", "person": "PersonJob", "train_person": "FootageJob"}[command.cmd]
        raise InputError(f"the {command.cmd} command needs a \"job\" object ({kind}.to_dict())")
    return job


HANDLERS: dict[str, Callable[[Worker, Command], bool]] = {
    "animate": Worker._queue, "person": Worker._queue, "train_person": Worker._queue, "landmarks": Worker._queue,
    "cancel": Worker._cancel, "ping": Worker._ping, "quit": Worker._quit,
}
JOBS: dict[str, Callable[[Worker, Command], None]] = {"animate": Worker._animate, "person": Worker._person,
                                                      "train_person": Worker._train_person,
                                                      "landmarks": Worker._landmarks}


def protocol_stream() -> TextIO:
    """The real stdout for protocol lines; file descriptor 1 and sys.stdout then go to stderr,
    so that no print (ours, a library's or C code's) can corrupt the protocol."""
    stream = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return stream


def main() -> int:
    out = protocol_stream()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    return Worker(EventWriter(out)).serve(sys.stdin)


if __name__ == "__main__":
    sys.exit(main())
