"""Reading and writing images, videos and frame sequences, with provenance labels.

Images at module boundaries are uint8 HxWx3 RGB numpy arrays. Videos are read frame by frame
(never the whole clip in memory). Every file this package finishes is complete: results are
written under a temporary name and renamed, so a crash never leaves a truncated file that looks
finished.

    files      existence checks, writable outputs, atomic writes
    labels     the synthetic-media label every output carries
    images     read_image / write_image
    video      probe_video, VideoReader, Mp4Writer
    sequences  numbered PNG sequences (Blender numbering), resumable
    sources    an image, a folder of images or a video, as frames
"""
from talking_heads.errors import MediaError, OutputError
from talking_heads.media.files import (IMAGE_SUFFIXES, OUTPUT_VIDEO_SUFFIXES, VIDEO_SUFFIXES, atomic_output,
                                       check_output_path, is_image_path, is_video_path)
from talking_heads.media.images import read_image, read_png_text, write_image
from talking_heads.media.labels import SyntheticLabel
from talking_heads.media.sequences import (FRAME_PATTERN, PngSequenceWriter, count_finished_frames, frame_path,
                                           is_frame_name)
from talking_heads.media.sources import FrameSource, images_in_folder, open_frame_source
from talking_heads.media.video import Mp4Writer, VideoInfo, VideoReader, probe_video, read_video_metadata

__all__ = [
    "FRAME_PATTERN", "IMAGE_SUFFIXES", "OUTPUT_VIDEO_SUFFIXES", "VIDEO_SUFFIXES", "FrameSource", "MediaError", "Mp4Writer", "OutputError",
    "PngSequenceWriter", "SyntheticLabel", "VideoInfo", "VideoReader", "atomic_output", "check_output_path",
    "count_finished_frames", "frame_path", "images_in_folder", "is_frame_name", "is_image_path", "is_video_path", "open_frame_source",
    "probe_video", "read_image", "read_png_text", "read_video_metadata", "write_image",
]
