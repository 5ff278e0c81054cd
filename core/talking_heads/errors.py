"""The one exception family for user-facing errors.

Every message says what was wrong and what to do about it. The CLI prints these without a
traceback, the worker sends them as `error` events, the Blender add-on shows them in its UI.
"""
from __future__ import annotations

from pathlib import Path


class TalkingHeadsError(Exception):
    """Base of all errors a user can act on."""


class InputError(TalkingHeadsError):
    """A file, folder or option given by the user cannot be used."""


class MediaError(InputError):
    """An image or video file is missing, unreadable or corrupt."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        super().__init__(f"{path}: {problem}")


class NoFaceError(InputError):
    """No face was found where one is needed."""


class OutputError(TalkingHeadsError):
    """A result cannot be written where the user asked."""


class WeightsError(TalkingHeadsError):
    """Model weights are missing, corrupt or of another architecture."""


class Cancelled(TalkingHeadsError):
    """The user stopped the work; what was finished is kept."""

    def __init__(self, message: str = "cancelled by the user"):
        super().__init__(message)
