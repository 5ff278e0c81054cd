"""Dataset preparation from real clips: format, landmarks, resuming, bad input."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from talking_heads.cli import main
from talking_heads.errors import InputError, OutputError
from talking_heads.training import dataset as fmt
from talking_heads.training.prepare import PrepareConfig, find_videos, prepare_dataset, sample_indices

from training_helpers import CLIPS, FRAMES, RESOLUTION


def test_prepared_dataset_format(tiny_dataset):
    index = json.loads((tiny_dataset / fmt.INDEX_FILE).read_text())
    assert index["videos"] == sorted(name.removesuffix(".mp4") for name in CLIPS)
    assert index["resolution"] == RESOLUTION
    data = fmt.load_dataset(tiny_dataset)
    for video in data.videos:
        assert video.frames.dtype == np.uint8 and video.frames.shape[1:] == (RESOLUTION, RESOLUTION, 3)
        assert len(video) >= FRAMES - 2  # a frame or two without a detected face may be dropped
        record = json.loads((tiny_dataset / video.name / fmt.VIDEO_FILE).read_text())
        assert record["frames"] == len(video) and len(record["frame_numbers"]) == len(video)
        # landmarks are in crop pixels: the face fills the middle of the crop
        points = np.asarray(video.landmarks)
        assert points.min() > -2 and points.max() < RESOLUTION + 2
        extent = points.max(axis=1) - points.min(axis=1)  # (N, 2)
        assert (extent.max(axis=1) > RESOLUTION / 3).all()
        # frames are distinct (evenly sampled over the clip), not one frame repeated
        assert np.abs(np.diff(video.frames.astype(np.int16), axis=0)).mean() > 1


def test_even_sampling():
    assert sample_indices(100, 5).tolist() == [0, 25, 50, 74, 99]
    assert sample_indices(3, 8).tolist() == [0, 1, 2]


def test_rerun_skips_finished_and_redoes_interrupted(tmp_path, tiny_dataset, clips_dir, detector):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_dataset, copy)
    redo = "d0"  # the shortest clip: interrupted, only its partial folder remains
    shutil.rmtree(copy / redo)
    (copy / f".{redo}.partial").mkdir()
    report = prepare_dataset([clips_dir / name for name in CLIPS], copy, detector, PrepareConfig(FRAMES, RESOLUTION))
    assert report.prepared == [redo] and sorted(report.skipped) == sorted(set(fmt.load_dataset(copy).names) - {redo})
    assert not (copy / f".{redo}.partial").exists()
    assert np.array_equal(np.load(copy / redo / fmt.FRAMES_FILE), np.load(tiny_dataset / redo / fmt.FRAMES_FILE))


def test_damaged_video_is_not_complete(tmp_path, tiny_dataset):
    settings = {"frames_requested": FRAMES, "resolution": RESOLUTION}
    folder = tmp_path / "d0"
    shutil.copytree(tiny_dataset / "d0", folder)
    assert fmt.video_is_complete(folder, settings)
    assert not fmt.video_is_complete(folder, {**settings, "frames_requested": FRAMES + 1})
    frames = np.load(folder / fmt.FRAMES_FILE)
    frames[0, 0, 0] ^= 255  # one flipped pixel: the checksum no longer matches
    np.save(folder / fmt.FRAMES_FILE, frames)
    assert not fmt.video_is_complete(folder, settings)
    (folder / fmt.LANDMARKS_FILE).write_bytes(b"garbage")
    assert not fmt.video_is_complete(folder, settings)


def test_folder_without_usable_videos(tmp_path, detector):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no videos here")
    with pytest.raises(InputError, match="no videos found"):
        prepare_dataset([empty], tmp_path / "out", detector)
    (empty / "broken.mp4").write_bytes(b"\x00" * 1000)
    with pytest.raises(InputError, match="none of the 1 videos"):
        prepare_dataset([empty], tmp_path / "out", detector)
    with pytest.raises(InputError, match="no usable videos|not a prepared dataset"):
        fmt.load_dataset(tmp_path / "out")


def test_not_a_dataset(tmp_path):
    with pytest.raises(InputError, match="prepare-data"):
        fmt.load_dataset(tmp_path)


def test_other_resolution_is_refused(tiny_dataset, clips_dir, detector):
    with pytest.raises(OutputError, match="--resolution 64"):
        prepare_dataset([clips_dir / CLIPS[0]], tiny_dataset, detector, PrepareConfig(FRAMES, 128))


def test_video_names_are_unique(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "clip.mp4").write_bytes(b"x")
    names = find_videos([tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4"])
    assert len(names) == 2 and all(name.startswith("clip-") for name in names)
    assert sorted(find_videos([tmp_path])) == ["a_clip", "b_clip"]


def test_prepare_data_command(tmp_path, clips_dir, capsys):
    output = tmp_path / "data"
    code = main(["-q", "prepare-data", str(clips_dir / "d0.mp4"), "-o", str(output), "--frames", "2",
                 "--resolution", "64", "--backend", "dlib"])
    assert code == 0
    assert fmt.load_dataset(output).names == ["d0"]
    assert main(["prepare-data", str(tmp_path / "missing.mp4"), "-o", str(output)]) == 1
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize("flag, value, message", [
    ("--frames", "0", "must be at least 1, got 0"),
    ("--frames", "20000", "must be at most 10000"),
    ("--resolution", "100", "the crop side must be a power of two"),
    ("--resolution", "4", "must be at least 8, got 4"),
])
def test_prepare_data_refuses_bad_values_by_name(tmp_path, flag, value, message, capsys):
    with pytest.raises(SystemExit):
        main(["prepare-data", str(tmp_path), "-o", str(tmp_path / "data"), flag, value])
    assert f"argument {flag}: {message}" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()
