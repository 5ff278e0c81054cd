"""One process or many: the process group that `torchrun` sets up, and DDP wrapping.

Under `torchrun` (WORLD_SIZE > 1) every process joins a group (NCCL on CUDA, gloo on the CPU);
run directly, the same code runs as a group of one without any collective calls.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from talking_heads.devices import resolve_device


@dataclass(frozen=True)
class Processes:
    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def start(device_name: str = "auto") -> Processes:
    """Join the torchrun process group when there is one; each process gets its own GPU."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    device = resolve_device(device_name)
    if world_size == 1:
        return Processes(0, 1, device)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        if device.type == "cuda":
            dist.init_process_group("nccl", device_id=device)
        else:
            dist.init_process_group("gloo")
    return Processes(dist.get_rank(), dist.get_world_size(), device)


def stop(processes: Processes) -> None:
    if processes.distributed and dist.is_initialized():
        dist.destroy_process_group()


def wrap(module: nn.Module, processes: Processes) -> nn.Module:
    """DDP around a full model (one forward and one backward per step) when distributed."""
    if not processes.distributed:
        return module
    device_ids = [processes.device.index] if processes.device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=device_ids)


def mean_over_processes(values: dict[str, float], processes: Processes) -> dict[str, float]:
    """Average scalar values (the losses to log) over all processes."""
    if not processes.distributed or not values:
        return values
    stacked = torch.tensor(list(values.values()), dtype=torch.float64, device=processes.device)
    dist.all_reduce(stacked)
    return dict(zip(values, (stacked / processes.world_size).tolist()))


def any_process(flag: bool, processes: Processes) -> bool:
    """True on every process when it is true on one (e.g. a stop request), so all stop together."""
    if not processes.distributed:
        return flag
    tensor = torch.tensor([float(flag)], device=processes.device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item())


def barrier(processes: Processes) -> None:
    if processes.distributed:
        dist.barrier()
