"""Contact sheet of the warp renderer's mouth interior and eyelids on the shared portraits.

    python benchmarks/mouth_and_eyelids.py [--out docs/mouth_and_eyelids.png] [--size 512] [--cell 120]
                                           [--frames 100]

Each row is one portrait (photos, paintings, an old photo, a cartoon, one photo turned to black
and white, and scikit-image's astronaut, whose own teeth show), each column one expression built
from the portrait's own landmarks (the mouth opened by a third, two thirds and fully; the eyes half
and fully closed, then closed in a face scaled to a third); the first column is the source, the
top row the driver's sketch of the first portrait, labelled. The face is zoomed from the brows to the chin.

Then prints what the painting costs per frame: the warp renderer at --size with the mouth
interior and eyelids painted against the same renderer without them, on the first portrait driven
by its own procedural `talk` and `blink` motions (mouth opening, blinks), the two alternated, best
and median wall-clock time of several runs and the best CPU time of the process.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from talking_heads import media
from talking_heads.landmarks import crop_for_points, detect_largest_face, make_detector
from talking_heads.landmarks.action_units import action_units
from talking_heads.landmarks.motions import procedural_motion
from talking_heads.landmarks.sketch import draw_sketch
from talking_heads.synthesis.base import Shot
from talking_heads.synthesis.warp import WarpConfig, WarpRenderer

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "portraits"
PORTRAITS = ("s42.jpg", "s1.jpg", "s4.jpg", "s5.jpg", "s9.jpg", "s12.jpg", "s7.jpg", "s42.jpg:grey", "astronaut")
# (label, jaw_open, blink, face size as a share of the crop's)
EXPRESSIONS = (("source", 0.0, 0.0, 1.0), ("open 1/3", 0.33, 0.0, 1.0), ("open 2/3", 0.66, 0.0, 1.0),
               ("open full", 1.0, 0.0, 1.0), ("blink 1/2", 0.0, 0.5, 1.0), ("blink", 0.0, 1.0, 1.0),
               ("blink, small", 0.3, 1.0, 0.35))


def load_shot(name: str, size: int, detector) -> Shot:
    """A portrait ("file", "file:grey", or "astronaut": scikit-image's, smiling with its teeth
    showing) cropped around its face to size x size."""
    file, _, variant = name.partition(":")
    if file == "astronaut":
        from skimage import data

        image = data.astronaut()
    else:
        image = media.read_image(DATA / file)
    if variant == "grey":
        image = np.repeat(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    points = detect_largest_face(detector, image).points
    crop = crop_for_points(points, size)
    return Shot(crop.crop(image), crop.to_crop(points).astype(np.float32))


def shrunk(shot: Shot, share: float) -> Shot:
    """The same crop with the picture scaled down by `share` about its centre (a smaller face)."""
    size = shot.image.shape[0]
    matrix = cv2.getRotationMatrix2D((size / 2, size / 2), 0.0, share)
    image = cv2.warpAffine(shot.image, matrix, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)
    return Shot(image, (shot.points @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32))


def face_zoom(image: np.ndarray, points: np.ndarray, cell: int) -> np.ndarray:
    """The square from above the brows to under the chin, resized to cell x cell."""
    top, bottom = float(points[17:27, 1].min()), float(points[8, 1])
    side = 1.15 * (bottom - top)
    centre = np.array([points[:, 0].mean(), (top + bottom) / 2])
    scale = cell / side
    matrix = np.array([[scale, 0, cell / 2 - scale * centre[0]], [0, scale, cell / 2 - scale * centre[1]]])
    return cv2.warpAffine(image, matrix, (cell, cell), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def target(points: np.ndarray, jaw: float, blink: float) -> np.ndarray:
    units = action_units(points)
    return (points + jaw * units["jaw_open"] + blink * units["blink"]).astype(np.float32)


def label(image: np.ndarray, text: str) -> np.ndarray:
    image = image.copy()
    cv2.putText(image, text, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, text, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1, cv2.LINE_AA)
    return image


def contact_sheet(size: int, cell: int, detector) -> np.ndarray:
    """The sheet described above: (rows * cell, columns * cell, 3) uint8."""
    painted = WarpRenderer()
    rows = []
    for index, name in enumerate(PORTRAITS):
        shot = load_shot(name, size, detector)
        cells, sketches = [], []
        for text, jaw, blink, share in EXPRESSIONS:
            source = shrunk(shot, share) if share != 1.0 else shot
            points = target(source.points, jaw, blink)
            frame = painted.prepare([source]).render(points[None])[0]
            cells.append(face_zoom(frame, points, cell))
            sketches.append(label(face_zoom(draw_sketch(points, size), points, cell), text))
        if index == 0:
            rows.append(np.hstack(sketches))
        rows.append(np.hstack([label(cells[0], name.partition(":")[0].removesuffix(".jpg")
                                     + (" grey" if name.endswith(":grey") else "")), *cells[1:]]))
    return np.vstack(rows)


def painting_cost(shot: Shot, track: np.ndarray, repeats: int = 9) -> dict[str, tuple[float, float, float]]:
    """Per-frame render seconds (best wall, median wall, best CPU) of a track (T, 68, 2) with and
    without the painted mouth and lids, the two alternated."""
    people = {"painted": WarpRenderer().prepare([shot]),
              "plain": WarpRenderer(WarpConfig(mouth_cavity=False, eyelids=False)).prepare([shot])}
    wall: dict[str, list[float]] = {name: [] for name in people}
    cpu: dict[str, list[float]] = {name: [] for name in people}
    for _ in range(repeats):
        for name, person in people.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            person.render(track)
            wall[name].append((time.perf_counter() - start) / len(track))
            cpu[name].append((time.process_time() - start_cpu) / len(track))
    return {name: (min(wall[name]), statistics.median(wall[name]), min(cpu[name])) for name in people}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/mouth_and_eyelids.png"))
    parser.add_argument("--size", type=int, default=512, help="side of the crops rendered")
    parser.add_argument("--cell", type=int, default=120, help="side of one picture on the sheet")
    parser.add_argument("--frames", type=int, default=100, help="frames of each motion timed")
    args = parser.parse_args()

    detector = make_detector("dlib")
    sheet = contact_sheet(args.size, args.cell, detector)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    media.write_image(args.out, sheet)
    print(f"wrote {args.out} ({sheet.shape[1]}x{sheet.shape[0]})")

    shot = load_shot(PORTRAITS[0], args.size, detector)
    motions = np.concatenate([procedural_motion(name, shot.points, fps=25.0, duration=args.frames / 25.0,
                                                image_size=(args.size, args.size)).points
                              for name in ("talk", "blink")])
    widest = np.repeat(target(shot.points, 1.0, 1.0)[None], args.frames // 2, axis=0)
    print(f"| warp render {args.size}x{args.size}, per frame | best ms | median ms | cpu ms |")
    print("| --- | --- | --- | --- |")
    for what, track in (("talk + blink motions", motions), ("mouth wide open, eyes shut", widest)):
        cost = painting_cost(shot, track)
        for name, (best, median, cpu) in cost.items():
            print(f"| {what}: {name} | {1000 * best:.2f} | {1000 * median:.2f} | {1000 * cpu:.2f} |")

if __name__ == "__main__":
    main()
