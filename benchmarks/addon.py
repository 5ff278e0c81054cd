"""The Blender add-on's speed: rig projection, the worker's start-up and latency, UI timer cost.

    .venv-blender/bin/python benchmarks/addon.py [--frames 250] [--job-frames 50]

Runs in headless Blender (the bpy module of .venv-blender); the worker runs in the library's
environment (.venv, or $TALKING_HEADS_PYTHON), as in a user's setup. Prints:
- the time to project the 68-point landmark rig (keyframed shape keys and head bone) through
  the scene camera for 250 frames (target: under 1 s);
- the worker's start-up time (process start to `ready`) and its first-frame latency, cold (the
  first job of a fresh worker) and warm (the same portrait again);
- the longest and mean time Blender's main thread spends in one timer callback while a job runs
  and its plate and texture grow (target: no callback over 20 ms). Background Blender runs no
  timers, so the benchmark calls the add-on's timer callback itself at the timer's interval;
- the check that the chosen Python has the library (once per worker start);
- Auto-bind of a mesh painted with a portrait: the whole of it, its start (a copy of the blend
  file saved for the render) and its longest modal step on Blender's main thread (target: under
  20 ms, like a timer callback).
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bpy

PROJECT = Path(__file__).resolve().parents[1]
PORTRAIT = PROJECT.parent / "shared" / "data" / "portraits" / "s42.jpg"
sys.path.insert(0, str(PROJECT))

from blender_addon.blender import compat  # noqa: E402
from blender_addon.blender.runtime import RUNTIME, TICK_INTERVAL_S  # noqa: E402
from blender_addon.logic.environment import PYTHON_VARIABLE, venv_python  # noqa: E402
from blender_addon.logic.protocol import EXIT  # noqa: E402
from blender_addon.logic.worker_client import WorkerClient  # noqa: E402

PROJECTION_TARGET_S = 1.0
TIMER_TARGET_MS = 20.0


def library_python() -> Path:
    python = Path(os.environ.get(PYTHON_VARIABLE) or venv_python(PROJECT / ".venv"))
    if not python.is_file():
        sys.exit(f"the library environment was not found at {python}: run `python install.py` "
                 f"or set {PYTHON_VARIABLE}")
    os.environ[PYTHON_VARIABLE] = str(python)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT / "core"), os.environ.get("PYTHONPATH")]))
    return python


def enable_addon() -> None:
    import addon_utils

    addon_utils.enable("blender_addon", default_set=True, handle_error=None)
    bpy.ops.wm.read_homefile(use_empty=True)


def rig_projection(frames: int) -> float:
    """Seconds to sample the keyframed landmark rig over `frames` frames."""
    from blender_addon.blender.rig_sampler import sample_rig

    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, frames
    bpy.ops.theads.add_landmark_rig()
    armature = bpy.context.active_object
    mesh = next(child for child in armature.children if child.type == "MESH")
    for frame, value in ((1, 0.0), (frames // 2, 1.0), (frames, 0.2)):
        for key in ("jaw_open", "smile", "blink_left"):
            block = mesh.data.shape_keys.key_blocks[key]
            block.value = value
            block.keyframe_insert("value", frame=frame)
        bone = armature.pose.bones["head"]
        bone.rotation_mode = "XYZ"
        bone.rotation_euler = (0.1 * value, 0.0, 0.2 * value)
        bone.keyframe_insert("rotation_euler", frame=frame)
    started = time.perf_counter()
    track = sample_rig(bpy.context, mesh, 1, frames)
    seconds = time.perf_counter() - started
    assert track.valid.all()
    return seconds


def first_frame(client: WorkerClient, output: Path, seconds: float) -> float:
    """Seconds from sending an animate job to its first frame event."""
    job = {"sources": [str(PORTRAIT)], "driver": "motion:talk", "output": str(output), "renderer": "warp",
           "fps": 25.0, "motion_duration": seconds}
    started = time.perf_counter()
    _, route = client.submit("animate", job=job)
    latency = None
    while True:
        event = route.get(timeout=300)
        if event.kind == "frame" and latency is None:
            latency = time.perf_counter() - started
        if event.kind in ("done", "error", EXIT):
            if event.kind != "done":
                sys.exit(f"the benchmark job failed: {event.data}")
            return latency


def worker_latency(python: Path, folder: Path) -> dict[str, float]:
    started = time.perf_counter()
    client = WorkerClient(python)
    client.start()
    ready = client.wait_ready(300)
    startup = time.perf_counter() - started
    if ready.kind != "ready":
        sys.exit(f"the worker did not start: {ready.data}")
    try:
        cold = first_frame(client, folder / "cold", 0.4)
        warm = first_frame(client, folder / "warm", 0.4)
    finally:
        client.stop()
    return {"startup": startup, "cold": cold, "warm": warm}


def timer_callbacks(folder: Path, frames: int) -> list[float]:
    """Durations (s) of every timer callback while a job renders into a plate and a texture."""
    from blender_addon.blender.shot_job import prepare_shot

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end, scene.render.fps = 1, frames, 25
    bpy.ops.theads.shot_add()
    shot = scene.theads.active()
    shot.portraits.add().filepath = str(PORTRAIT)
    shot.driver, shot.renderer, shot.output, shot.output_folder = "MOTION", "warp", "BOTH", str(folder / "timer")
    RUNTIME.worker(bpy.context).wait_ready(300)
    task = RUNTIME.animate(bpy.context, [prepare_shot(bpy.context, scene, shot)])
    durations = []
    while RUNTIME.tasks:
        started = time.perf_counter()
        RUNTIME.tick()
        durations.append(time.perf_counter() - started)
        time.sleep(TICK_INTERVAL_S)
    assert task.state.frames_written == frames, task.state.message
    return durations


def library_check(python: Path) -> float:
    """Seconds to check that `python` has the library, as the add-on does before starting a worker."""
    from blender_addon.logic.environment import WorkerPython, check_library

    started = time.perf_counter()
    check_library(WorkerPython(python, f"${PYTHON_VARIABLE}"), dict(os.environ))
    return time.perf_counter() - started


def auto_bind_steps(folder: Path) -> tuple[float, tuple[float, str], float]:
    """Auto-bind of a portrait-painted grid, driven as its modal operator drives it: its start
    (seconds: it saves a copy of the blend file for the render), its longest modal step (seconds,
    during which stage) and the whole (seconds)."""
    from blender_addon.blender.autobind import AutoBind

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.resolution_x = scene.render.resolution_y = 512
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    camera.location, camera.rotation_euler = (0.0, -1.4, 0.0), (math.radians(90), 0.0, 0.0)
    scene.collection.objects.link(camera)
    scene.camera = camera
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=128, y_subdivisions=128, size=1.0, rotation=(math.radians(90), 0, 0))
    face = bpy.context.active_object
    material = bpy.data.materials.new("Portrait")
    compat.use_material_nodes(material)
    nodes, links = material.node_tree.nodes, material.node_tree.links
    nodes.clear()
    texture, emission = nodes.new("ShaderNodeTexImage"), nodes.new("ShaderNodeEmission")
    texture.image = bpy.data.images.load(str(PORTRAIT))
    links.new(texture.outputs["Color"], emission.inputs["Color"])
    links.new(emission.outputs["Emission"], nodes.new("ShaderNodeOutputMaterial").inputs["Surface"])
    face.data.materials.append(material)
    bpy.ops.wm.save_as_mainfile(filepath=str(folder / "face.blend"))
    steps = []  # (seconds, stage)
    started = time.perf_counter()
    job = AutoBind(bpy.context, face)
    start = time.perf_counter() - started
    while True:
        step, stage = time.perf_counter(), job.stage
        done = job.poll(bpy.context)
        RUNTIME.tick()
        steps.append((time.perf_counter() - step, stage))
        if done:
            break
        time.sleep(TICK_INTERVAL_S)
    assert job.stage == "bound", job.error
    return start, max(steps), time.perf_counter() - started


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import figures  # benchmarks/figures.py

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=250, help="frames of rig projection (default 250)")
    parser.add_argument("--job-frames", type=int, default=50, help="frames of the timer benchmark's job")
    args = parser.parse_args(sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[1:])
    python = library_python()
    enable_addon()
    projection = rig_projection(args.frames)
    with tempfile.TemporaryDirectory(prefix="theads-bench-") as folder:
        latency = worker_latency(python, Path(folder))
        ticks = timer_callbacks(Path(folder), args.job_frames)
        check = library_check(python)
        bind_start, bind_step, bind_total = auto_bind_steps(Path(folder))
    RUNTIME.shutdown()
    longest_ms, mean_ms = max(ticks) * 1000, statistics.mean(ticks) * 1000
    rows = [
        (f"rig projection, {args.frames} frames", f"{projection:.3f} s", f"< {PROJECTION_TARGET_S:.0f} s",
         f"{projection / PROJECTION_TARGET_S:.2f}x of target"),
        ("worker start-up (to ready)", f"{latency['startup']:.2f} s", "", ""),
        ("first frame, cold worker", f"{latency['cold']:.2f} s", "", "after ready"),
        ("first frame, warm (same portrait)", f"{latency['warm']:.2f} s", "",
         f"{latency['cold'] / latency['warm']:.1f}x faster than cold"),
        (f"timer callback, longest ({len(ticks)} calls)", f"{longest_ms:.2f} ms", f"< {TIMER_TARGET_MS:.0f} ms",
         f"{longest_ms / TIMER_TARGET_MS:.2f}x of target"),
        ("timer callback, mean", f"{mean_ms:.2f} ms", "", ""),
        ("library check of the chosen Python", f"{check * 1000:.0f} ms", "", "once per worker start"),
        ("Auto-bind, whole (render + landmarks + rays)", f"{bind_total:.1f} s", "", "in the background"),
        ("Auto-bind, start (saves a copy of the blend)", f"{bind_start * 1000:.1f} ms", "", "once"),
        ("Auto-bind, longest modal step", f"{bind_step[0] * 1000:.1f} ms", f"< {TIMER_TARGET_MS:.0f} ms",
         f"{bind_step[0] * 1000 / TIMER_TARGET_MS:.2f}x of target (while {bind_step[1]})"),
    ]
    print(f"Blender {bpy.app.version_string}, worker {python}")
    width = max(len(row[0]) for row in rows)
    print(f"{'measure':<{width}}  {'value':>10}  {'target':>8}  note")
    for name, value, target, note in rows:
        print(f"{name:<{width}}  {value:>10}  {target:>8}  {note}")
    figures.record({"addon.projection": rows[0][1], "addon.startup": f"{latency['startup']:.1f} s",
                    "addon.cold": f"{latency['cold']:.1f} s", "addon.warm": f"{latency['warm']:.2f} s",
                    "addon.longest_tick": f"{longest_ms:.1f} ms", "addon.mean_tick": f"{mean_ms:.1f} ms",
                    "addon.library_check": rows[6][1], "addon.autobind_total": rows[7][1],
                    "addon.autobind_start": f"{bind_start * 1000:.0f} ms",
                    "addon.autobind_step": f"{bind_step[0] * 1000:.0f} ms"},
                   "python benchmarks/addon.py (in .venv-blender)")


if __name__ == "__main__":
    main()
