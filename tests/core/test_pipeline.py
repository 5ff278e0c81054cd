"""animate(): the whole job on real portraits and clips, with the warp renderer."""
from __future__ import annotations

import numpy as np
import pytest

from talking_heads import media
from talking_heads.errors import Cancelled, InputError, NoFaceError, OutputError
from talking_heads.landmarks import LandmarkTrack, detect_largest_face, make_detector
from talking_heads.pipeline import AnimateJob, PersonCache, animate


@pytest.fixture(scope="module")
def portrait(portraits_dir):
    return portraits_dir / "s42.jpg"


@pytest.fixture(scope="module")
def portrait_points(portrait):
    return detect_largest_face(make_detector("dlib"), media.read_image(portrait)).points


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255 ** 2 / max(mse, 1e-10))


def test_a_still_driver_of_the_portraits_own_landmarks_reproduces_it(tmp_path, portrait, portrait_points):
    image = media.read_image(portrait)
    track = LandmarkTrack(np.repeat(portrait_points[None], 6, 0), np.ones(6, bool),
                          (image.shape[1], image.shape[0]), 25.0, "still")
    driver = track.save(tmp_path / "still.npz")
    result = animate(AnimateJob([portrait], str(driver), tmp_path / "frames", renderer="warp"))
    assert result.frames == 6 and result.size == (image.shape[1], image.shape[0]) and result.renderer == "warp"
    for index in (1, 6):
        frame = media.read_image(media.frame_path(tmp_path / "frames", index))
        assert _psnr(frame, image) > 32


def test_a_clip_drives_the_portrait_into_a_labelled_full_frame_mp4(tmp_path, portrait, clips_dir):
    out = tmp_path / "talk.mp4"
    frames_seen = []
    result = animate(AnimateJob([portrait], str(clips_dir / "d0.mp4"), out, renderer="auto", frames=(10, 40)),
                     on_frame=lambda index, path: frames_seen.append(index))
    info = media.probe_video(out)
    image = media.read_image(portrait)
    assert (info.frame_count, info.size, info.fps) == (30, (image.shape[1], image.shape[0]), 25.0)
    assert frames_seen == list(range(1, 31)) and result.renderer == "warp"
    tags = media.read_video_metadata(out)
    assert tags["synthetic"] == "true" and tags["renderer"] == "warp"
    first, last = list(media.VideoReader(out).frames(0, 1))[0], list(media.VideoReader(out).frames(29, 30))[0]
    assert np.abs(first.astype(int) - last.astype(int)).mean() > 0.5, "the portrait does not move"


def test_crop_output_fps_and_png_labels(tmp_path, portrait):
    result = animate(AnimateJob([portrait], "motion:talk", tmp_path / "crops", renderer="warp", full_frame=False,
                                motion_duration=0.4, fps=20))
    # The warp's crop: the whole moving head at the portrait's own pixel size (larger than s42's face crop).
    assert result.frames == 8 and result.size[0] == result.size[1] > 256 and result.fps == 20
    text = media.read_png_text(media.frame_path(tmp_path / "crops", 1))
    assert text["synthetic"] == "true" and text["renderer"] == "warp" and "Synthetic media" in text["Description"]


def test_cancel_keeps_the_frames_and_resume_finishes_the_sequence(tmp_path, portrait):
    job = AnimateJob([portrait], "motion:nod", tmp_path / "seq", renderer="warp", motion_duration=1.0,
                     batch_size=4, resume=True)
    written = []
    with pytest.raises(Cancelled, match="cancelled after 8 of 25 frames"):
        animate(job, on_frame=lambda index, path: written.append(path), cancelled=lambda: len(written) >= 8)
    assert media.count_finished_frames(tmp_path / "seq") == 8 and all(p.is_file() for p in written)
    kept = (tmp_path / "seq" / "frame_000003.png").stat().st_mtime_ns
    rendered = []
    result = animate(job, on_frame=lambda index, path: rendered.append(index))
    assert result.frames == 25 and rendered[0] == 9
    assert (tmp_path / "seq" / "frame_000003.png").stat().st_mtime_ns == kept


def test_cancelled_mp4_is_finalised_with_its_frames(tmp_path, portrait):
    written = []
    with pytest.raises(Cancelled):
        animate(AnimateJob([portrait], "motion:blink", tmp_path / "cut.mp4", renderer="warp", motion_duration=1.0,
                           batch_size=2), on_frame=lambda i, p: written.append(i), cancelled=lambda: len(written) >= 6)
    assert media.probe_video(tmp_path / "cut.mp4").frame_count == 6


def test_person_cache_prepares_once(tmp_path, portrait):
    people = PersonCache()
    for name in ("a", "b"):
        animate(AnimateJob([portrait], "motion:smile", tmp_path / f"{name}.mp4", renderer="warp",
                           motion_duration=0.2), people=people)
    assert len(people._people) == 1


def test_neural_without_weights_says_how_to_get_them(tmp_path, portrait, monkeypatch):
    monkeypatch.delenv("TALKING_HEADS_CHECKPOINT", raising=False)
    with pytest.raises(InputError, match="talking-heads train") as error:
        animate(AnimateJob([portrait], "motion:talk", tmp_path / "x.mp4", renderer="neural"))
    assert "--person" in str(error.value) and not (tmp_path / "x.mp4").exists()


def test_portrait_without_a_face(tmp_path):
    wall = media.write_image(tmp_path / "wall.png", np.full((300, 300, 3), 120, np.uint8))
    with pytest.raises(NoFaceError, match="wall.png"):
        animate(AnimateJob([wall], "motion:talk", tmp_path / "x.mp4", renderer="warp"))


def test_several_faces_use_the_largest_and_say_so(tmp_path, portrait, caplog):
    image = media.read_image(portrait)
    pair = np.zeros((512, 776, 3), np.uint8)
    pair[:, :512] = image
    pair[:256, 520:] = image[::2, ::2]
    source = media.write_image(tmp_path / "pair.png", pair)
    result = animate(AnimateJob([source], "motion:blink", tmp_path / "pair.mp4", renderer="warp", motion_duration=0.2))
    assert result.size == (776, 512)
    assert "pair.png: 2 faces found, using the largest" in caplog.text


def test_driver_frames_without_a_face_are_interpolated_and_reported(tmp_path, portrait, clips_dir, caplog):
    clip = tmp_path / "gap.mp4"
    with media.Mp4Writer(clip, fps=25) as writer:
        for index, frame in enumerate(media.VideoReader(clips_dir / "d12.mp4").frames(0, 40)):
            writer.write(np.zeros_like(frame) if 15 <= index < 19 else frame)
    result = animate(AnimateJob([portrait], str(clip), tmp_path / "gap_out.mp4", renderer="warp"))
    assert result.frames == 40
    assert "frames had no face" in caplog.text and "interpolated" in caplog.text


@pytest.mark.parametrize("driver,message", [
    ("motion:dance", "unknown motion dance: built-in motions are talk"),
    ("missing.mp4", "no such file"),
])
def test_bad_drivers(tmp_path, portrait, driver, message):
    with pytest.raises(InputError, match=message):
        animate(AnimateJob([portrait], driver, tmp_path / "x.mp4"))


def test_unwritable_outputs_fail_before_any_work(tmp_path, portrait, clips_dir):
    cache = tmp_path / "track.npz"
    with pytest.raises(OutputError, match="does not exist"):
        animate(AnimateJob([portrait], str(clips_dir / "d0.mp4"), tmp_path / "missing" / "x.mp4", track_cache=cache))
    assert not cache.exists(), "the driver was tracked before the output was checked"
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError):
        animate(AnimateJob([portrait], "motion:talk", blocker / "frames"))


def test_job_round_trips_through_json_objects(tmp_path, portrait):
    job = AnimateJob([portrait], "motion:talk", tmp_path / "x", frames=(2, 9), track_cache=tmp_path / "t.npz")
    again = AnimateJob.from_dict(job.to_dict())
    assert again == job
    with pytest.raises(InputError, match="unknown option colour"):
        AnimateJob.from_dict({**job.to_dict(), "colour": "red"})
