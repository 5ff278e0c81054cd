"""Meta-learning episodes: a video i, K frames of it for the embedder, another frame as the target.

Episode n of a run is a pure function of (seed, n): videos are visited in a fresh random order
each epoch and the frames are drawn from a generator seeded by (seed, n). So a run's data
position is just the number of episodes drawn, and any process can build any episode, which is
what makes resuming and splitting a batch over processes exact.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np
import torch

from talking_heads.errors import InputError
from talking_heads.landmarks import draw_sketch
from talking_heads.synthesis.neural import images_to_tensor
from talking_heads.training.dataset import Dataset, load_dataset


@dataclass(frozen=True)
class EpisodeSpec:
    video: int  # index of the video in the dataset
    frames: np.ndarray  # (K,) frame indices for the embedder
    target: int  # frame index of the target, not among `frames` when the video is long enough


@dataclass
class Episodes:
    """A batch of episodes as model tensors in [-1, 1]."""

    target: torch.Tensor  # (B, 3, S, S) the image to reconstruct
    target_sketch: torch.Tensor  # (B, 3, S, S) its sketch, the generator's input
    video: torch.Tensor  # (B,) int64 video indices (rows of the discriminator's W)
    frames: torch.Tensor | None = None  # (B, K, 3, S, S) images for the embedder (not in fine-tuning)
    frame_sketches: torch.Tensor | None = None  # (B, K, 3, S, S) their landmark sketches

    def to(self, device: torch.device) -> Episodes:
        return Episodes(**{f.name: None if getattr(self, f.name) is None else
                           getattr(self, f.name).to(device, non_blocking=True) for f in fields(self)})

    def __len__(self) -> int:
        return len(self.video)


class EpisodeSampler:
    """Episode n -> (video, K frames, target), deterministic in (seed, n)."""

    def __init__(self, frame_counts: list[int], k: int, seed: int = 0):
        self.frame_counts = frame_counts
        self.k = k
        self.seed = seed

    def video_of(self, n: int) -> int:
        epoch, position = divmod(n, len(self.frame_counts))
        order = np.random.default_rng([self.seed, epoch]).permutation(len(self.frame_counts))
        return int(order[position])

    def __call__(self, n: int) -> EpisodeSpec:
        video = self.video_of(n)
        rng = np.random.default_rng([self.seed, n, 1])
        count = self.frame_counts[video]
        order = rng.permutation(count)
        target, others = int(order[0]), order[1:]
        frames = others[: self.k] if len(others) >= self.k else rng.choice(others, self.k, replace=True)
        return EpisodeSpec(video, frames, target)


class EpisodeDataset(torch.utils.data.Dataset):
    """Episode n of the dataset as tensors (map-style, for a DataLoader)."""

    def __init__(self, dataset: Dataset, k: int, seed: int = 0):
        self.dataset = dataset
        self.sampler = EpisodeSampler([len(video) for video in dataset.videos], k, seed)

    def __getstate__(self) -> dict:  # worker processes reopen the memory-mapped arrays
        return {"path": self.dataset.path, "k": self.sampler.k, "seed": self.sampler.seed}

    def __setstate__(self, state: dict) -> None:
        self.__init__(load_dataset(state["path"]), state["k"], state["seed"])

    def __len__(self) -> int:
        return 2**62  # endless: indices come from StepBatches

    def __getitem__(self, n: int) -> dict[str, torch.Tensor]:
        spec = self.sampler(n)
        clip = self.dataset.videos[spec.video]
        size = self.dataset.resolution
        indices = [*spec.frames.tolist(), spec.target]
        images = np.asarray(clip.frames[indices])  # (K+1, S, S, 3)
        sketches = np.stack([draw_sketch(clip.landmarks[i], size) for i in indices])
        images, sketches = images_to_tensor(images), images_to_tensor(sketches)
        return {"frames": images[:-1], "frame_sketches": sketches[:-1], "target": images[-1],
                "target_sketch": sketches[-1], "video": torch.tensor(spec.video)}


def collate_episodes(items: list[dict[str, torch.Tensor]]) -> Episodes:
    return Episodes(**{name: torch.stack([item[name] for item in items]) for name in items[0]})


class StepBatches(torch.utils.data.Sampler):
    """Episode indices of this process's share of each step's batch, from `start_step` on.

    Step s uses episodes [s * B, (s + 1) * B); process r of W takes the r-th of W equal slices.
    """

    def __init__(self, batch: int, rank: int = 0, world_size: int = 1, start_step: int = 0):
        if batch % world_size:
            raise InputError(f"the batch ({batch} episodes) must split evenly over {world_size} processes")
        self.batch, self.rank, self.world_size, self.start_step = batch, rank, world_size, start_step

    def __iter__(self) -> Iterator[list[int]]:
        share = self.batch // self.world_size
        step = self.start_step
        while True:
            first = step * self.batch + self.rank * share
            yield list(range(first, first + share))
            step += 1
