"""Pure logic of the add-on: no bpy, no torch, only the standard library and numpy.

Everything here is tested without Blender's UI: the worker protocol and its client, job state,
job arguments, frame naming, strip layout, camera projection and the 68-point rig geometry.
"""
