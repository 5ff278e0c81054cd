"""The add-on's preferences: the generator's Python environment and how it computes."""
from __future__ import annotations

import bpy
from bpy.props import EnumProperty, IntProperty, StringProperty

from ..logic.job_args import Compute
from ..package import ADDON_ID

DEVICE_ITEMS = [("auto", "Auto", "A CUDA GPU when there is one, then an Apple GPU, else the CPU"),
                ("cuda", "CUDA", "An NVIDIA GPU"), ("mps", "Apple GPU", "Apple silicon's GPU (Metal)"),
                ("cpu", "CPU", "The processor (slow for the neural renderer)")]
PRECISION_ITEMS = [("auto", "Auto", "Half precision on GPUs, float32 on the CPU"),
                   ("float32", "Float32", ""), ("float16", "Float16", "GPUs only"), ("bfloat16", "BFloat16", "")]


class THeadsPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    python_env: StringProperty(
        name="Python environment", subtype="FILE_PATH",
        description="The .venv folder that `python install.py` made in the Talking Heads folder, or its "
                    "python executable. Empty: found automatically when the add-on was installed from there")
    checkpoint: StringProperty(
        name="Meta-learned checkpoint", subtype="FILE_PATH",
        description="The meta.safetensors that `talking-heads train` wrote, for the neural renderer and "
                    "Fine-tune Person. Empty: $TALKING_HEADS_CHECKPOINT, else weights/meta.safetensors of the "
                    "Talking Heads folder")
    device: EnumProperty(name="Device", items=DEVICE_ITEMS, default="auto")
    precision: EnumProperty(name="Precision", items=PRECISION_ITEMS, default="auto")
    batch_size: IntProperty(name="Batch size", default=8, min=1, max=256,
                            description="Frames rendered at once; lower it when the GPU runs out of memory")
    signing_cert: StringProperty(
        name="Signing certificate", subtype="FILE_PATH",
        description="The studio's certificate chain (PEM) that signs the content credentials of every output. "
                    "Empty: $TALKING_HEADS_SIGNING_CERT, else this installation's own key (not a trusted signer)")
    signing_key: StringProperty(
        name="Signing key", subtype="FILE_PATH",
        description="The private key (PEM) of the signing certificate. Empty: $TALKING_HEADS_SIGNING_KEY")

    def draw(self, context: bpy.types.Context) -> None:
        from ..ui.environment import draw_environment

        layout = self.layout
        layout.prop(self, "python_env")
        layout.prop(self, "checkpoint")
        row = layout.row()
        row.prop(self, "device")
        row.prop(self, "precision")
        row.prop(self, "batch_size")
        credentials = layout.box()
        credentials.label(text="Content credentials (every output is signed and marked as synthetic)")
        credentials.prop(self, "signing_cert")
        credentials.prop(self, "signing_key")
        draw_environment(layout, context)


class DefaultPreferences:
    """Preferences when the add-on runs without being enabled in Blender (e.g. a batch script)."""

    python_env = ""
    checkpoint = ""
    device = "auto"
    precision = "auto"
    batch_size = 8
    signing_cert = ""
    signing_key = ""


def preferences(context: bpy.types.Context) -> THeadsPreferences | DefaultPreferences:
    addon = context.preferences.addons.get(ADDON_ID)
    return addon.preferences if addon is not None and addon.preferences is not None else DefaultPreferences()


def compute(context: bpy.types.Context) -> Compute:
    prefs = preferences(context)
    return Compute(device=prefs.device, precision=prefs.precision, batch_size=prefs.batch_size)


CLASSES = (THeadsPreferences,)
