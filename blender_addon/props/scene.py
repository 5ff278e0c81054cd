"""Per-scene settings: the list of shots, each a complete job (portrait, driver, range, output)."""
from __future__ import annotations

import bpy
from bpy.props import (BoolProperty, CollectionProperty, EnumProperty, FloatProperty, IntProperty,
                       PointerProperty, StringProperty)

from ..blender.compat import BLEND_RELATIVE_PATH
from ..logic.job_args import CONTENT_LOSSES, MIN_SCRATCH_FRAMES, MODEL_SIZES, MOTIONS

DRIVER_ITEMS = [("VIDEO", "Video clip", "The face in a video clip drives the portrait"),
                ("RIG", "Face rig", "A landmark rig in the scene, seen through the scene camera"),
                ("MOTION", "Built-in motion", "A procedural motion made from the portrait itself")]
VIDEO_SOURCE_ITEMS = [("FILE", "File", "A video file"), ("STRIP", "Movie strip", "A movie strip in the sequencer")]
MOTION_ITEMS = [(name, name.title(), "") for name in MOTIONS]
CLIP_TIMING_ITEMS = [("RESAMPLE", "Scene rate", "A clip whose frame rate differs from the scene's is resampled to "
                                              "the scene's rate: the plate lasts as long as the clip and its sound"),
                     ("FRAMES", "Clip frames", "One plate frame per clip frame, whatever the rates: a clip faster "
                                               "or slower than the scene plays slower or faster than its sound")]
PERSON_ITEMS = [("FEED_FORWARD", "Feed-forward", "The person model made from the portraits at once"),
                ("PERSON_FILE", "Person file", "A person model (.safetensors) saved earlier, e.g. by Fine-tune Person")]
CONTENT_LOSS_NAMES = {"auto": ("Best available", "The paper's perceptual loss when its weights are installed, "
                                                 "else pixels + MS-SSIM (needs no download)"),
                      "vgg": ("Perceptual (paper)", "VGG19 and VGGFace features, as in the paper; needs their "
                                                    "weights (python install.py --weights)"),
                      "vgg19": ("VGG19", "VGG19 features only; needs its weights"),
                      "vggface": ("VGGFace", "VGGFace features only; needs its weights"),
                      "l1": ("Pixels (L1)", "Pixel differences; needs no extra weights"),
                      "l1_ssim": ("Pixels + SSIM", "Pixel differences and structural similarity; no extra weights"),
                      "l1_msssim": ("Pixels + MS-SSIM", "Pixel differences and multi-scale structural similarity; "
                                                        "no extra weights"),
                      "none": ("None", "Adversarial and feature-matching losses only")}
CONTENT_LOSS_ITEMS = [(name, *CONTENT_LOSS_NAMES[name]) for name in CONTENT_LOSSES]
MODEL_SIZE_NAMES = {"paper": ("Paper", "The paper's 256x256 model: for a GPU"),
                    "small": ("Small", "128x128 with fewer channels: learns at a useful speed on a CPU"),
                    "tiny": ("Tiny", "64x64: trains in seconds, to try the workflow; not for final frames")}
MODEL_SIZE_ITEMS = [("AUTO", "Auto", "Paper on a CUDA GPU, small on the CPU; with a meta-learned checkpoint, its size"),
                    *((name, *MODEL_SIZE_NAMES[name]) for name in MODEL_SIZES)]
BUDGET_ITEMS = [("MINUTES", "Minutes", "Train for a time: the run stops when it is up"),
                ("STEPS", "Steps", "Train for a number of steps")]
OUTPUT_ITEMS = [("PLATE", "Plate", "An image strip in the Video Sequence Editor"),
                ("TEXTURE", "Texture", "An image-sequence texture on a material"),
                ("BOTH", "Both", "A plate and a texture")]
RENDERER_ITEMS = [("auto", "Auto", "Neural when its weights are found, else warp"),
                  ("neural", "Neural", "The paper's generator (needs weights)"),
                  ("warp", "Warp", "A classical landmark-driven warp, no weights needed")]


class THeadsPortrait(bpy.types.PropertyGroup):
    image: PointerProperty(name="Image", type=bpy.types.Image, description="An image data-block of the person")
    filepath: StringProperty(name="File", subtype="FILE_PATH", options=BLEND_RELATIVE_PATH,
                             description="An image file of the person")


class THeadsFootage(bpy.types.PropertyGroup):
    filepath: StringProperty(name="Footage", subtype="FILE_PATH", options=BLEND_RELATIVE_PATH,
                             description="A video file of the person, or a folder of images of them")


class THeadsShot(bpy.types.PropertyGroup):
    # name: the shot's name (PropertyGroup.name)
    portraits: CollectionProperty(type=THeadsPortrait)
    active_portrait: IntProperty()
    person_mode: EnumProperty(name="Person model", items=PERSON_ITEMS, default="FEED_FORWARD")
    person_file: StringProperty(name="Person file", subtype="FILE_PATH", options=BLEND_RELATIVE_PATH)
    finetune_steps: IntProperty(name="Steps", default=40, min=1, soft_max=1000,
                                description="Fine-tuning steps on the portraits (the paper's FT)")
    finetune_loss: EnumProperty(name="Content loss", items=CONTENT_LOSS_ITEMS, default="auto",
                                description="The content loss of fine-tuning and of training on footage")
    finetune_output: StringProperty(name="Save as", subtype="FILE_PATH", options=BLEND_RELATIVE_PATH,
                                    description="Where Fine-tune Person and Train Person from Footage save the person "
                                                "file (.safetensors); empty: talking_heads/people/<shot name>"
                                                ".safetensors beside the blend file")
    footage: CollectionProperty(type=THeadsFootage)
    active_footage: IntProperty()
    train_size: EnumProperty(name="Model size", items=MODEL_SIZE_ITEMS, default="AUTO",
                             description="The size of the person model trained on the footage")
    train_budget: EnumProperty(name="Budget", items=BUDGET_ITEMS, default="MINUTES",
                               description="What stops the training: a time or a number of steps")
    train_minutes: FloatProperty(name="Minutes", default=30.0, min=0.01, soft_max=600.0,
                                 description="Training time of this run (more is better; Esc stops early and saves)")
    train_steps: IntProperty(name="Steps", default=2000, min=1, soft_max=100_000,
                             description="Training steps in all, earlier runs of a resumed training included")
    train_first_frame: IntProperty(name="First frame", default=0, min=0,
                                   description="First frame of each video trained on (from 0)")
    train_stop_frame: IntProperty(name="Stop frame", default=0, min=0,
                                  description="Frame of each video where training data stops (not included); 0: "
                                              "the video's end")
    train_checkpoint: StringProperty(name="Start from", subtype="FILE_PATH", options=BLEND_RELATIVE_PATH,
                                     description="A meta-learned checkpoint to fine-tune on the footage (a few "
                                                 "frames are enough); empty: train from scratch, which needs at "
                                                 f"least {MIN_SCRATCH_FRAMES} frames of the person (about four "
                                                 "seconds)")

    driver: EnumProperty(name="Driver", items=DRIVER_ITEMS, default="MOTION")
    video_source: EnumProperty(name="Video", items=VIDEO_SOURCE_ITEMS, default="FILE")
    video_path: StringProperty(name="Video file", subtype="FILE_PATH", options=BLEND_RELATIVE_PATH)
    video_strip: StringProperty(name="Movie strip", description="Name of a movie strip in the sequencer")
    frame_offset: IntProperty(name="Frame offset", min=0, description="Clip frames skipped at its start")
    frame_count: IntProperty(name="Frames", min=0, description="Clip frames used; 0: to the clip's end")
    clip_timing: EnumProperty(name="Timing", items=CLIP_TIMING_ITEMS, default="RESAMPLE",
                              description="How a clip whose frame rate differs from the scene's is timed")
    rig: PointerProperty(name="Rig", type=bpy.types.Object, description="An object with bound landmarks")
    motion: EnumProperty(name="Motion", items=MOTION_ITEMS, default="talk")
    motion_intensity: FloatProperty(name="Intensity", default=1.0, min=0.0, soft_max=2.0)
    use_scene_range: BoolProperty(name="Scene range", default=True,
                                  description="Use the scene's frame range (rig and motion drivers)")
    frame_start: IntProperty(name="Start", default=1, description="Scene frame where the result starts")
    frame_end: IntProperty(name="End", default=250, description="Last scene frame (rig and motion drivers)")

    expression: FloatProperty(name="Expression", default=1.0, min=0.0, soft_max=2.0,
                              description="Strength of the driver's expressions on the portrait")
    head_motion: FloatProperty(name="Head motion", default=1.0, min=0.0, soft_max=2.0,
                               description="Strength of the driver's head rotation")
    follow_position: BoolProperty(name="Follow position", default=True,
                                  description="The head follows the driver's movement in the frame")
    follow_scale: BoolProperty(name="Follow scale", default=True,
                               description="The head follows the driver's distance to the camera")
    smoothing: FloatProperty(name="Smoothing", default=0.0, min=0.0, soft_max=0.5, subtype="TIME_ABSOLUTE",
                             unit="TIME_ABSOLUTE", description="Seconds of smoothing over time (0: none)")

    output: EnumProperty(name="Output", items=OUTPUT_ITEMS, default="PLATE")
    output_folder: StringProperty(name="Folder", subtype="DIR_PATH", options=BLEND_RELATIVE_PATH,
                                  description="Where the frames go; empty: a folder beside the blend file")
    channel: IntProperty(name="Channel", default=2, min=1, max=128)
    full_frame: BoolProperty(name="Full frame", default=True,
                             description="Paste the head back into the portrait; off: the square crop")
    renderer: EnumProperty(name="Renderer", items=RENDERER_ITEMS, default="auto")

    plate_strip: StringProperty(description="The plate strip this shot made (updated in place)")
    texture_image: PointerProperty(type=bpy.types.Image, description="The texture this shot made")
    texture_object: PointerProperty(type=bpy.types.Object, description="The object showing the texture")
    status: StringProperty(name="Last result")


class THeadsSceneSettings(bpy.types.PropertyGroup):
    shots: CollectionProperty(type=THeadsShot)
    active_shot: IntProperty(name="Active shot")

    def active(self) -> THeadsShot | None:
        if 0 <= self.active_shot < len(self.shots):
            return self.shots[self.active_shot]
        return None

    def add_shot(self, name: str = "Shot") -> THeadsShot:
        shot = self.shots.add()
        existing = {s.name for s in self.shots}
        shot.name = unique_name(name, existing)
        self.active_shot = len(self.shots) - 1
        return shot


def unique_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    index = 1
    while f"{name}.{index:03d}" in taken:
        index += 1
    return f"{name}.{index:03d}"


CLASSES = (THeadsPortrait, THeadsFootage, THeadsShot, THeadsSceneSettings)
