"""Per-object settings: how an object's 68 facial landmarks are bound to it."""
from __future__ import annotations

import bpy
from bpy.props import CollectionProperty, EnumProperty, IntProperty, PointerProperty, StringProperty

BINDING_ITEMS = [
    ("NONE", "Not bound", "The object has no landmarks"),
    ("VERTICES", "Vertices", "68 vertex indices of this mesh"),
    ("BONES", "Bones", "68 bones of this armature (their heads)"),
    ("EMPTIES", "Empties", "68 empties (their locations)"),
]


class THeadsLandmarkPoint(bpy.types.PropertyGroup):
    vertex: IntProperty(name="Vertex", default=-1, min=-1)
    bone: StringProperty(name="Bone")
    empty: PointerProperty(name="Empty", type=bpy.types.Object)


class THeadsObjectSettings(bpy.types.PropertyGroup):
    binding: EnumProperty(name="Landmarks", items=BINDING_ITEMS, default="NONE")
    points: CollectionProperty(type=THeadsLandmarkPoint)

    def bind_vertices(self, indices: list[int]) -> None:
        self._reset("VERTICES", len(indices))
        for point, index in zip(self.points, indices):
            point.vertex = int(index)

    def bind_bones(self, names: list[str]) -> None:
        self._reset("BONES", len(names))
        for point, name in zip(self.points, names):
            point.bone = name

    def bind_empties(self, empties: list[bpy.types.Object]) -> None:
        self._reset("EMPTIES", len(empties))
        for point, empty in zip(self.points, empties):
            point.empty = empty

    def _reset(self, binding: str, count: int) -> None:
        self.points.clear()
        for _ in range(count):
            self.points.add()
        self.binding = binding


CLASSES = (THeadsLandmarkPoint, THeadsObjectSettings)
