"""Renders one object of a blend file from its scene camera with Cycles on the CPU.

Run in its own process, so that a renderer which cannot start (no GPU driver) cannot take the
user's Blender down:
    blender -b FILE.blend --factory-startup -P render_child.py -- OUT.png OBJECT LONGEST_SIDE
    python render_child.py -- FILE.blend OUT.png OBJECT LONGEST_SIDE      (the bpy module)
"""
from __future__ import annotations

import sys

import bpy

SAMPLES = 16


def arguments() -> list[str]:
    return sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []


def isolate(scene: bpy.types.Scene, keep: bpy.types.Object) -> None:
    """Only the object and the lights render; a grey world and a light at the camera help detection."""
    for obj in scene.objects:
        if obj.type not in ("LIGHT", "CAMERA") and obj != keep:
            obj.hide_render = True
    keep.hide_render = False
    if not any(obj.type == "LIGHT" for obj in scene.objects):
        light = bpy.data.objects.new("render light", bpy.data.lights.new("render light", "SUN"))
        light.matrix_world = scene.camera.matrix_world
        light.data.energy = 3.0
        scene.collection.objects.link(light)
    if scene.world is None:
        scene.world = bpy.data.worlds.new("render world")
    scene.world.color = (0.5, 0.5, 0.5)


def render(out: str, object_name: str, longest: int) -> None:
    scene = bpy.context.scene
    isolate(scene, bpy.data.objects[object_name])
    settings = scene.render
    scale = longest / max(settings.resolution_x, settings.resolution_y)
    settings.resolution_percentage = max(1, min(100, round(100 * scale)))
    settings.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = SAMPLES
    scene.cycles.use_denoising = False
    settings.image_settings.file_format = "PNG"
    settings.filepath = out
    bpy.ops.render.render(write_still=True)


def main() -> None:
    args = arguments()
    if len(args) == 4:  # the bpy module: open the file ourselves
        bpy.ops.wm.open_mainfile(filepath=args.pop(0))
    out, object_name, longest = args
    render(out, object_name, int(longest))


if __name__ == "__main__":
    main()
