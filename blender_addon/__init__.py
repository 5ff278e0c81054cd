"""Talking Heads for Blender: animate a portrait from a video, a face rig or a built-in motion.

The generator runs in its own Python environment (the `.venv` that install.py makes) as a worker
process; this add-on never imports torch. See docs/blender.md in the Talking Heads folder.
"""
from __future__ import annotations

bl_info = {  # for the legacy add-on zip; Blender 4.2+ extensions read blender_manifest.toml
    "name": "Talking Heads",
    "author": "Talking Heads contributors",
    "version": (0, 1, 0),
    "blender": (4, 2, 0),
    "location": "Sequencer > Sidebar > Talking Heads; 3D Viewport > Sidebar > Talking Heads",
    "description": "Animate portraits from a video, a face rig or a built-in motion (few-shot talking heads)",
    "category": "Animation",
}


def register() -> None:
    from . import operators, props, ui
    from .blender import paths

    props.register()
    operators.register()
    ui.register()
    paths.register()


def unregister() -> None:
    from . import operators, props, ui
    from .blender import paths
    from .blender.runtime import RUNTIME

    paths.unregister()
    RUNTIME.shutdown()
    ui.unregister()
    operators.unregister()
    props.unregister()
