"""The add-on's user-facing error: a message that says what was wrong and what to do."""
from __future__ import annotations


class UserError(Exception):
    """Bad input or setup that the user can fix; shown in Blender, and nothing is changed."""
