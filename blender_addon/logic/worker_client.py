"""The add-on's side of the process boundary: starts the worker and talks to it.

A reader thread turns each line of the worker's stdout into an Event and routes it to the
queue of whoever waits for that id (a job, a ping), or to the general queue. Nothing here
touches bpy: Blender's main thread drains the queues from a timer.
"""
from __future__ import annotations

import collections
import os
import queue
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import UserError
from .protocol import EXIT, Event, ProtocolError, command, exit_event, new_id, parse_event

WORKER_MODULE = "talking_heads.worker"
STDERR_LINES = 40  # lines of the worker's stderr kept for crash reports


class WorkerClient:
    """One worker process: `start`, `send`, `subscribe`/`request`, `stop`."""

    def __init__(self, python: str | Path, *, env: dict[str, str] | None = None,
                 args: Sequence[str] = ("-m", WORKER_MODULE)):
        self.python = str(python)
        self.args = list(args)
        self.env = env
        self.events: queue.Queue[Event] = queue.Queue()  # events nobody subscribed to
        self._routes: dict[str, queue.Queue[Event]] = {}
        self._routes_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._process: subprocess.Popen[str] | None = None
        self._exited = threading.Event()
        self._stderr_done = threading.Event()

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        env = dict(os.environ if self.env is None else self.env, PYTHONUNBUFFERED="1")
        # Its own process group: Ctrl-C in Blender's terminal reaches Blender, which cancels the job;
        # the worker ends when Blender closes its stdin.
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        try:
            self._process = subprocess.Popen(
                [self.python, *self.args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", bufsize=1,
                env=env, creationflags=flags, start_new_session=os.name != "nt")
        except OSError as error:
            raise UserError(f"could not start the generator with {self.python}: {error}. "
                            "Check the Python environment in the add-on's preferences.") from None
        threading.Thread(target=self._read_stdout, name="theads-worker-out", daemon=True).start()
        threading.Thread(target=self._read_stderr, name="theads-worker-err", daemon=True).start()

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None and not self._exited.is_set()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def stop(self, timeout: float = 3.0) -> None:
        """Ask the worker to quit; kill it when it does not within `timeout` seconds."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            try:
                self.send(command("quit"))
                process.wait(timeout)
            except (UserError, subprocess.TimeoutExpired):
                process.kill()
                process.wait(timeout)
        self._exited.wait(timeout)

    def stderr_tail(self) -> list[str]:
        return list(self._stderr)

    # -- messages -----------------------------------------------------------------------------

    def send(self, line: str) -> None:
        """Write one command line; UserError when the worker is gone."""
        process = self._process
        if process is None or process.stdin is None or process.poll() is not None:
            raise UserError("the generator process is not running")
        try:
            with self._write_lock:
                process.stdin.write(line + "\n")
                process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise UserError("the generator process stopped before it could take the command") from None

    def subscribe(self, job_id: str) -> queue.Queue[Event]:
        """A queue that receives the events of `job_id` (and the exit event)."""
        route: queue.Queue[Event] = queue.Queue()
        with self._routes_lock:
            self._routes[job_id] = route
        if self._exited.is_set():
            route.put(exit_event(self.returncode, self.stderr_tail()))
        return route

    def unsubscribe(self, job_id: str) -> None:
        with self._routes_lock:
            self._routes.pop(job_id, None)

    def submit(self, cmd: str, **fields: object) -> tuple[str, queue.Queue[Event]]:
        """Send a command with a fresh id; its events arrive on the returned queue."""
        job_id = new_id(cmd)
        route = self.subscribe(job_id)
        try:
            self.send(command(cmd, job_id, **fields))
        except UserError:
            self.unsubscribe(job_id)
            raise
        return job_id, route

    def request(self, cmd: str, timeout: float = 60.0, **fields: object) -> Event:
        """Send a command and wait for its `done` or `error` (or the worker's exit)."""
        job_id, route = self.submit(cmd, **fields)
        try:
            while True:
                try:
                    event = route.get(timeout=timeout)
                except queue.Empty:
                    raise UserError(f"the generator did not answer '{cmd}' within {timeout:.0f} s") from None
                if event.kind in ("done", "error", EXIT):
                    return event
        finally:
            self.unsubscribe(job_id)

    def wait_ready(self, timeout: float = 120.0) -> Event:
        """The worker's `ready` event, or its exit event when it failed to start."""
        event = self._first_general(("ready", EXIT), timeout)
        if event is None:
            raise UserError(f"the generator did not start within {timeout:.0f} s")
        return event

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    # -- threads ------------------------------------------------------------------------------

    def _first_general(self, kinds: tuple[str, ...], timeout: float) -> Event | None:
        deadline = time.monotonic() + timeout
        held: list[Event] = []
        try:
            while (left := deadline - time.monotonic()) > 0:
                try:
                    event = self.events.get(timeout=left)
                except queue.Empty:
                    return None
                if event.kind in kinds:
                    return event
                held.append(event)
            return None
        finally:
            for event in held:
                self.events.put(event)

    def _route(self, event: Event) -> None:
        with self._routes_lock:
            if event.kind == EXIT:
                targets = [*self._routes.values(), self.events]
            else:
                targets = [self._routes.get(event.job_id or "", self.events)]
        for target in targets:
            target.put(event)

    def _read_stdout(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            if not line.strip():
                continue
            try:
                self._route(parse_event(line))
            except ProtocolError as error:
                self._stderr.append(f"[not a protocol line] {error}")
        try:
            returncode = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            returncode = None
        self._stderr_done.wait(2)
        self._exited.set()
        self._route(exit_event(returncode, self.stderr_tail()))

    def _read_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line.rstrip("\n"))
        self._stderr_done.set()
