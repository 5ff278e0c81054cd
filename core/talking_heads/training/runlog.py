"""What a run leaves to look at: a JSON-lines log of the losses and PNG sample grids.

    RUN_DIR/log.jsonl                  {"step": n, "time": seconds, "loss_name": value, ...} per line
    RUN_DIR/samples/step_NNNNNNNN.png  one row per episode: sketch | target | generated
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from talking_heads import media
from talking_heads.synthesis.neural import tensor_to_images

LOG_FILE = "log.jsonl"
SAMPLES = "samples"
SAMPLE_ROWS = 4


class RunLog:
    def __init__(self, run_dir: Path, enabled: bool = True):
        self.path = run_dir / LOG_FILE
        self.samples = run_dir / SAMPLES
        self.enabled = enabled
        self.started = time.monotonic()

    def truncate_after(self, step: int) -> None:
        """Drop lines after `step` (written by a run that was stopped before its next checkpoint)."""
        if not self.enabled or not self.path.is_file():
            return
        lines = [line for line in self.path.read_text().splitlines() if line and json.loads(line)["step"] <= step]
        self.path.write_text("".join(f"{line}\n" for line in lines))

    def losses(self, step: int, values: dict[str, float]) -> None:
        if not self.enabled:
            return
        record = {"step": step, "time": round(time.monotonic() - self.started, 3), **values}
        with open(self.path, "a") as handle:
            handle.write(json.dumps(record) + "\n")

    def sample_grid(self, step: int, sketches: torch.Tensor, targets: torch.Tensor,
                    generated: torch.Tensor) -> Path | None:
        """Write the grid of the first rows of a batch; tensors (B, 3, S, S) in [-1, 1]."""
        if not self.enabled:
            return None
        columns = [tensor_to_images(t[:SAMPLE_ROWS]) for t in (sketches, targets, generated)]  # 3 x (R, S, S, 3)
        grid = np.concatenate([np.concatenate(row, axis=1) for row in zip(*columns)], axis=0)  # (R*S, 3*S, 3)
        self.samples.mkdir(exist_ok=True)
        return media.write_image(self.samples / f"step_{step:08d}.png", grid)
