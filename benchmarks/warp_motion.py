"""How the warp moves a whole head: head integrity and contact sheets on shared portraits and clips.

    .venv/bin/python benchmarks/warp_motion.py [--out sheets/] [--frames 60] [--tracks TRACK_FOLDER]

Each portrait is driven by each clip (clips whose head moves); per pair it prints the head
integrity (`evaluate.metrics.head_integrity`: each result frame mapped back onto the portrait by
the similarity of its rigid landmarks, then SSIM of the hair, forehead and ears around the face;
the frozen portrait scores 1), taking the landmarks the warp was given instead of detecting them
(quicker than `benchmarks/cross_identity.py`, which detects), and writes a contact sheet: for the
frames where the head moved farthest, the driver, the still portrait, the result, the result's
face zoomed and the portrait's.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np

from talking_heads import media
from talking_heads.landmarks import make_detector
from talking_heads.landmarks.driver import DriverSpec, driver_motion
from talking_heads.evaluate.metrics import head_integrity
from talking_heads.landmarks.face_model import face_scale, rigid_centre
from talking_heads.pipeline import load_portrait, render_frames
from talking_heads.synthesis.warp import WarpRenderer

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PORTRAITS = ("s1.jpg", "s4.jpg", "s12.jpg", "s42.jpg")  # as benchmarks/cross_identity.py
CLIPS = ("d3.mp4", "d11.mp4", "d12.mp4")
TILE = 256


def zoomed_face(frame: np.ndarray, points: np.ndarray) -> np.ndarray:
    centre, side = rigid_centre(points), 3.2 * float(face_scale(points))
    zoom = TILE / side
    matrix = np.array([[zoom, 0, TILE / 2 - centre[0] * zoom], [0, zoom, TILE / 2 - centre[1] * zoom]])
    return cv2.warpAffine(frame, matrix, (TILE, TILE), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def tile(image: np.ndarray) -> np.ndarray:
    scale = TILE / max(image.shape[:2])
    small = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((TILE, TILE, 3), np.uint8)
    canvas[:small.shape[0], :small.shape[1]] = small
    return canvas


def drive(portrait_path: Path, clip: Path, frames: int, tracks: Path, detector) -> dict:
    renderer = WarpRenderer()
    portrait = load_portrait([portrait_path], renderer, detector)
    person = renderer.prepare(portrait.shots)
    size = (portrait.image.shape[1], portrait.image.shape[0])
    motion = driver_motion(DriverSpec.parse(str(clip)), portrait.points, size, detector=lambda: detector,
                           track_cache=tracks / f"{clip.stem}.npz")
    picked = np.linspace(0, len(motion.points) - 1, min(frames, len(motion.points))).round().astype(int)
    points = motion.points[picked]
    results = list(render_frames(person, portrait, points, motion.fps, True, 8, 0, lambda: False))
    integrity = [head_integrity(frame, p, portrait.image, portrait.points) for frame, p in zip(results, points)]
    moved = np.linalg.norm(rigid_centre(points) - rigid_centre(portrait.points), axis=-1)
    return {"picked": picked, "points": points, "results": results, "integrity": np.array(integrity),
            "moved": moved, "portrait": portrait, "driver_points": motion.driver_points[picked]}


def sheet(run: dict, clip: Path, rows: int = 3) -> np.ndarray:
    """Rows for the frames that moved most: driver | still portrait | result | result's face | still face."""
    order = np.argsort(-run["moved"])[:rows]
    portrait = run["portrait"]
    lines = []
    with media.VideoReader(clip) as reader:
        driver_frames = list(reader.frames())
    for index in sorted(order):
        frame = run["results"][index]
        lines.append(np.concatenate([tile(driver_frames[run["picked"][index]]), tile(portrait.image), tile(frame),
                                     zoomed_face(frame, run["points"][index]),
                                     zoomed_face(portrait.image, portrait.points)], axis=1))
    return np.concatenate(lines, axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the contact sheets (PNG)")
    parser.add_argument("--frames", type=int, default=40, help="frames per clip, spread evenly over it")
    parser.add_argument("--tracks", type=Path, default=None, help="folder caching the clips' landmark tracks")
    parser.add_argument("--portraits", nargs="*", default=PORTRAITS)
    parser.add_argument("--clips", nargs="*", default=CLIPS)
    args = parser.parse_args()
    detector = make_detector("dlib")
    with tempfile.TemporaryDirectory() as scratch:
        tracks = args.tracks or Path(scratch)
        tracks.mkdir(parents=True, exist_ok=True)
        medians = []
        print(f"{'portrait':10} {'clip':8} {'head integrity median':>22} {'min':>6} {'frozen':>7}")
        for name in args.portraits:
            for clip_name in args.clips:
                clip = DATA / "clips" / clip_name
                run = drive(DATA / "portraits" / name, clip, args.frames, tracks, detector)
                portrait = run["portrait"]
                frozen = head_integrity(portrait.image, portrait.points, portrait.image, portrait.points)
                medians.append(float(np.median(run["integrity"])))
                print(f"{name:10} {clip_name:8} {medians[-1]:22.3f} {run['integrity'].min():6.3f} {frozen:7.3f}")
                if args.out:
                    args.out.mkdir(parents=True, exist_ok=True)
                    media.write_image(args.out / f"{Path(name).stem}_{clip.stem}.png", sheet(run, clip))
        print(f"head integrity, median over pairs: {np.median(medians):.3f}")


if __name__ == "__main__":
    main()
