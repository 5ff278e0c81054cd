"""Episodes: K frames and another frame of one video; deterministic; batches split over processes."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from talking_heads.errors import InputError
from talking_heads.landmarks import draw_sketch
from talking_heads.synthesis.neural import images_to_tensor
from talking_heads.training.dataset import load_dataset
from talking_heads.training.episodes import EpisodeDataset, EpisodeSampler, StepBatches, collate_episodes


def test_episode_frames_come_from_one_video_and_exclude_the_target():
    sampler = EpisodeSampler([12, 5, 30], k=4, seed=3)
    seen_videos = []
    for n in range(30):
        spec = sampler(n)
        count = [12, 5, 30][spec.video]
        assert len(spec.frames) == 4 and spec.target not in spec.frames.tolist()
        assert 0 <= spec.target < count and (spec.frames < count).all()
        if n % 3 == 2:  # every epoch visits every video once
            seen_videos.append(sorted(sampler.video_of(m) for m in range(n - 2, n + 1)))
    assert all(videos == [0, 1, 2] for videos in seen_videos)
    assert sampler(7).target == EpisodeSampler([12, 5, 30], k=4, seed=3)(7).target  # a function of (seed, n)


def test_short_video_repeats_frames_but_never_the_target():
    spec = EpisodeSampler([3], k=8, seed=0)(0)
    assert len(spec.frames) == 8 and spec.target not in spec.frames.tolist()


def test_episode_tensors(tiny_dataset):
    dataset = load_dataset(tiny_dataset)
    episodes = EpisodeDataset(dataset, k=3, seed=0)
    batch = collate_episodes([episodes[0], episodes[1]])
    assert batch.frames.shape == (2, 3, 3, 64, 64) and batch.target.shape == (2, 3, 64, 64)
    assert batch.frames.min() >= -1 and batch.frames.max() <= 1
    spec = episodes.sampler(0)
    clip = dataset.videos[spec.video]
    assert torch.equal(batch.target[0], images_to_tensor(np.asarray(clip.frames[spec.target])))
    sketch = draw_sketch(clip.landmarks[spec.target], 64)
    assert torch.equal(batch.target_sketch[0], images_to_tensor(sketch))
    assert batch.video[0] == spec.video


def test_process_slices_make_up_the_whole_batch():
    whole = iter(StepBatches(batch=4, start_step=5))
    halves = [iter(StepBatches(batch=4, rank=r, world_size=2, start_step=5)) for r in (0, 1)]
    for _ in range(3):
        assert next(whole) == next(halves[0]) + next(halves[1])
    assert next(iter(StepBatches(batch=4, start_step=7))) == [28, 29, 30, 31]
    with pytest.raises(InputError, match="split evenly"):
        StepBatches(batch=3, world_size=2)
