"""The texture: the frames as an image sequence on a material, in step with the timeline."""
from __future__ import annotations

from pathlib import Path

import bpy

from ..logic.frames import frame_name, png_size
from ..package import PREFIX
from . import compat
from .paths import blend_relative

NODE_NAME = f"{PREFIX} Frames"


def update_texture(scene: bpy.types.Scene, shot: bpy.types.PropertyGroup, folder: Path, count: int,
                   frame_start: int, target: bpy.types.Object | None) -> bpy.types.Image | None:
    """Show frames 1..count of `folder` from scene frame `frame_start` on the shot's object: the
    one it textured before, else `target`, else a new plane at the 3D cursor."""
    if count < 1:
        return None
    image = _sequence_image(shot, folder)
    obj = shot.texture_object or target or _new_plane(scene, shot.name, png_size(folder / frame_name(1)))
    shot.texture_object = obj
    node = _texture_node(obj, shot.name)
    if node.image != image:
        node.image = image
    user = node.image_user
    user.frame_start = frame_start
    user.frame_offset = 0
    user.frame_duration = count
    user.use_auto_refresh = True
    user.use_cyclic = False
    return image


def _sequence_image(shot: bpy.types.PropertyGroup, folder: Path) -> bpy.types.Image:
    """The shot's image-sequence data-block, pointed at the frames. It is made empty and then
    switched to the files: images.load would read the first frame on the main thread."""
    first = blend_relative(folder / frame_name(1))
    image = shot.texture_image
    if image is None:
        image = bpy.data.images.new(f"{PREFIX} {shot.name}", 1, 1)
        shot.texture_image = image
    if image.source != "SEQUENCE":
        image.source = "SEQUENCE"
    if image.filepath != first:
        image.filepath = first
    image.reload()
    return image


def _new_plane(scene: bpy.types.Scene, name: str, size: tuple[int, int]) -> bpy.types.Object:
    """A vertical plane 1 unit high with the frames' aspect, facing -Y, at the 3D cursor."""
    half_w, half_h = 0.5 * size[0] / size[1], 0.5
    mesh = bpy.data.meshes.new(f"{PREFIX} {name}")
    mesh.from_pydata([(-half_w, 0, -half_h), (half_w, 0, -half_h), (half_w, 0, half_h), (-half_w, 0, half_h)],
                     [], [(0, 1, 2, 3)])
    uv = mesh.uv_layers.new(name="UVMap")
    for loop, coords in zip(uv.data, ((0, 0), (1, 0), (1, 1), (0, 1))):
        loop.uv = coords
    plane = bpy.data.objects.new(f"{PREFIX} {name}", mesh)
    plane.location = scene.cursor.location
    scene.collection.objects.link(plane)
    plane.data.materials.append(_emission_material(name))
    return plane


def _emission_material(name: str) -> bpy.types.Material:
    """An unlit material: the frames look the same in every render engine."""
    material = bpy.data.materials.new(f"{PREFIX} {name}")
    compat.use_material_nodes(material)
    nodes, links = material.node_tree.nodes, material.node_tree.links
    nodes.clear()
    output = nodes.new("ShaderNodeOutputMaterial")
    emission = nodes.new("ShaderNodeEmission")
    texture = nodes.new("ShaderNodeTexImage")
    texture.name = NODE_NAME
    emission.location, texture.location = (-200, 0), (-500, 0)
    links.new(texture.outputs["Color"], emission.inputs["Color"])
    links.new(emission.outputs["Emission"], output.inputs["Surface"])
    return material


def _texture_node(obj: bpy.types.Object, shot_name: str) -> bpy.types.ShaderNodeTexImage:
    """The add-on's image node in the object's active material, made (and wired to the base
    colour when that is free) the first time."""
    material = obj.active_material
    if material is None:
        material = bpy.data.materials.new(f"{PREFIX} {shot_name}")
        obj.data.materials.append(material)
    compat.use_material_nodes(material)
    nodes = material.node_tree.nodes
    node = nodes.get(NODE_NAME)
    if node is None:
        node = nodes.new("ShaderNodeTexImage")
        node.name = NODE_NAME
        node.location = (-500, 300)
        shader = next((n for n in nodes if n.type == "BSDF_PRINCIPLED"), None)
        if shader is not None and not shader.inputs["Base Color"].is_linked:
            material.node_tree.links.new(node.outputs["Color"], shader.inputs["Base Color"])
    return node
