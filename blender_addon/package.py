"""Who the add-on is: its module name (its id in Blender's preferences) and its folder."""
from pathlib import Path

ADDON_ID = __package__  # e.g. "bl_ext.user_default.talking_heads_blender" when installed as an extension
ADDON_DIR = Path(__file__).resolve().parent
PREFIX = "TH"  # names of the data-blocks the add-on creates start with it
