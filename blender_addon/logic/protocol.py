"""The worker's JSON-lines protocol, seen from the add-on: commands out, events in.

One JSON object per line. Commands: animate, person, train_person, cancel, ping, landmarks, quit.
Events: ready, progress, frame, done, error, each with the id of the command it answers (ready has
none).
The client adds one event of its own, `exit`, when the worker process ends.
"""
from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass, field
from typing import Any

EVENTS = ("ready", "progress", "frame", "done", "error")
EXIT = "exit"  # made by the client when the worker's output ends, never sent by the worker

_ids = itertools.count(1)


class ProtocolError(ValueError):
    """A line from the worker is not a protocol event."""


@dataclass(frozen=True)
class Event:
    kind: str  # one of EVENTS, or EXIT
    job_id: str | None
    data: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def new_id(prefix: str = "job") -> str:
    """A command id unique within this Blender session."""
    return f"{prefix}-{os.getpid()}-{next(_ids)}"


def command(cmd: str, job_id: str | None = None, **fields: Any) -> str:
    """One command line (without the newline)."""
    message: dict[str, Any] = {"cmd": cmd}
    if job_id is not None:
        message["id"] = job_id
    message.update(fields)
    return json.dumps(message, separators=(",", ":"))


def parse_event(line: str) -> Event:
    """An event from one line of the worker's output; ProtocolError when it is not one."""
    try:
        message = json.loads(line)
    except json.JSONDecodeError as error:
        raise ProtocolError(f"not JSON ({error.msg}): {line[:200]!r}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"not a JSON object: {line[:200]!r}")
    kind = message.pop("event", None)
    if kind not in EVENTS:
        raise ProtocolError(f"unknown event {kind!r}: {line[:200]!r}")
    job_id = message.pop("id", None)
    return Event(kind, None if job_id is None else str(job_id), message)


def exit_event(returncode: int | None, log: list[str]) -> Event:
    return Event(EXIT, None, {"returncode": returncode, "log": list(log)})
