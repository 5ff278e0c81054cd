"""Facial landmarks: topology, detection, tracking, smoothing, crops, sketches."""
from talking_heads.landmarks.crop import CropConfig, CropTransform, PasteBack, crop_for_points, stable_crops
from talking_heads.landmarks.detect import Face, LandmarkDetector, detect_largest_face, make_detector
from talking_heads.landmarks.sketch import draw_sketch, draw_sketches
from talking_heads.landmarks.smoothing import LandmarkSmoothing, OneEuroConfig
from talking_heads.landmarks.track import LandmarkTrack, TrackerConfig, TrackingReport, track_frames, track_input

__all__ = [
    "CropConfig", "CropTransform", "Face", "PasteBack", "LandmarkDetector", "LandmarkSmoothing", "LandmarkTrack",
    "OneEuroConfig", "TrackerConfig",
    "TrackingReport", "crop_for_points", "detect_largest_face", "draw_sketch", "draw_sketches", "make_detector",
    "stable_crops", "track_frames", "track_input",
]
