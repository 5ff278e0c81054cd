"""Speed of the generator at the paper's 256x256, and the memory of one training step.

    python benchmarks/generator.py                   # all figures (a few minutes on 2 CPU cores)
    python benchmarks/generator.py --threads 1 --cpu-time   # per-core figures, robust to other load
    python benchmarks/generator.py --device cuda      # GPU: float32 and float16

The CPU runs (the first two forms, at least 3 rounds) record their figures in docs/figures.json
(see benchmarks/figures.py), from which the README and docs/models.md take them.

Prints milliseconds per frame at batch 1 and 8, FLOPs per frame, the achieved FLOP/s as a
fraction of a large 3x3 convolution's FLOP/s measured in the same run, the reduced-precision
path's speed-up and PSNR against float32, and the peak memory of one training step (batch 1,
K = 8 shots, both content networks, both optimiser steps). Weights are random: speed does not
depend on their values. Each time is the best of interleaved rounds (other load only slows runs).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from talking_heads.models import Discriminator, Embedder, Generator, ModelConfig, OptimConfig  # noqa: E402
from talking_heads.devices import cpu_has_native_bfloat16  # noqa: E402
from talking_heads.models import losses, vgg  # noqa: E402

import figures  # noqa: E402  (benchmarks/figures.py)

REFERENCE = (256, 64, 3)  # channels, side, kernel of the reference convolution (batch 1)
CONV_REPEATS = 16


def count_flops(fn) -> float:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def model_flops(generator: Generator) -> tuple[float, float]:
    """FLOPs per frame of the paper's architecture and of the inference copy (on the meta device)."""
    meta = dataclasses.replace(generator.config, spectral_norm=False)
    with torch.device("meta"):
        plain = Generator(meta).eval()
        sketch, psi = torch.empty(1, 3, 256, 256), torch.empty(1, plain.num_adain_params)
    fast = generator.inference_copy(device="meta")
    return count_flops(lambda: plain(sketch, psi)), count_flops(lambda: fast(sketch, psi))


class Timer:
    """Best-of-rounds wall (or process CPU) time of named workloads, measured interleaved."""

    def __init__(self, device: torch.device, cpu_time: bool):
        self.device, self.clock = device, time.process_time if cpu_time else time.perf_counter
        self.best: dict[str, float] = {}

    def run(self, name: str, fn, repeats: int = 1) -> None:
        """Time `repeats` calls as one block; keep the best block's time per call."""
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        start = self.clock()
        for _ in range(repeats):
            fn()
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        self.best[name] = min(self.best.get(name, math.inf), (self.clock() - start) / repeats)


def reference_conv(device: torch.device, dtype: torch.dtype):
    channels, side, k = REFERENCE
    x = torch.randn(1, channels, side, side, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randn(channels, channels, k, k, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    flops = 2 * k * k * channels * channels * side * side
    return (lambda: F.conv2d(x, w, padding=k // 2)), flops


def build_generator(device: torch.device) -> tuple[Generator, torch.Tensor, torch.Tensor]:
    """A paper-size generator with attention switched on, one person's psi and 8 sketches."""
    torch.manual_seed(0)
    config = ModelConfig()
    generator = Generator(config).eval()
    with torch.no_grad():
        for module in generator.modules():
            if hasattr(module, "gamma"):
                module.gamma.fill_(0.5)
        frames = torch.rand(1, 2, 3, 256, 256) * 2 - 1
        e = Embedder(config).eval()(frames, frames)
        psi = generator.project(e)
    sketches = torch.rand(8, 3, 256, 256) * 2 - 1
    return generator, psi.to(device), sketches.to(device)


def measure_speed(args: argparse.Namespace) -> dict:
    device = torch.device(args.device)
    low = torch.float16 if device.type == "cuda" else torch.bfloat16
    generator, psi, sketches = build_generator(device)
    paths = {"float32": generator.inference_copy(torch.float32, device),
             str(low).removeprefix("torch."): generator.inference_copy(low, device)}
    conv, conv_flops = reference_conv(device, torch.float32)
    low_conv, _ = reference_conv(device, low)
    timer = Timer(device, args.cpu_time)
    with torch.inference_mode():
        for fast in paths.values():  # warm-up: weight packing, kernel selection, allocator
            fast(sketches[:1], psi)
            fast(sketches, psi)
        for _ in range(args.rounds):
            timer.run("conv", conv, repeats=CONV_REPEATS)  # a block as long as a frame: same exposure to load
            timer.run("low conv", low_conv, repeats=CONV_REPEATS)
            timer.run("module b1", lambda: generator(sketches[:1], psi))  # the trained module, for comparison
            for name, fast in paths.items():
                timer.run(f"{name} b1", lambda: fast(sketches[:1], psi))
                timer.run(f"{name} b8", lambda: fast(sketches, psi))
        frames = {name: fast(sketches, psi) for name, fast in paths.items()}
    reference = frames["float32"]
    low_name = str(low).removeprefix("torch.")
    mse = ((frames[low_name] - reference) ** 2).mean().item()
    flops, executed = model_flops(generator)
    return {"device": str(device), "threads": torch.get_num_threads(), "clock": "cpu" if args.cpu_time else "wall",
            "conv_flops_per_s": conv_flops / timer.best["conv"], "model_flops": flops, "executed_flops": executed,
            "times": timer.best, "low": low_name, "psnr": 10 * math.log10(4 / max(mse, 1e-20)),
            "max_abs_diff": (frames[low_name] - reference).abs().max().item(),
            "output_std": reference.std().item(), "hardware": bfloat16_hardware(device)}


def bfloat16_hardware(device: torch.device) -> str:
    if device.type != "cpu":
        return torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
    return ("this CPU computes bfloat16 natively" if cpu_has_native_bfloat16()
            else "this CPU has no bfloat16 arithmetic: emulated")


def training_step_memory() -> dict:
    """Peak resident memory of one meta-learning step at the paper's configuration, batch 1, K = 8."""
    torch.manual_seed(0)
    config, optim, loss_config = ModelConfig(), OptimConfig(), losses.LossConfig()
    E, G, D = Embedder(config), Generator(config), Discriminator(config, num_videos=100)
    content = losses.ContentLoss([
        losses.PerceptualLoss(vgg.VGGFeatures(vgg.VGG19_PLAN, loss_config.vgg19_layers, vgg.IMAGENET_TORCHVISION),
                              loss_config.vgg19_weight),
        losses.PerceptualLoss(vgg.VGGFeatures(vgg.VGG16_PLAN, loss_config.vggface_layers, vgg.VGGFACE_MATCONVNET),
                              loss_config.vggface_weight)])  # random weights: the same memory as the real ones
    opt_g = torch.optim.Adam([*E.parameters(), *G.parameters()], optim.lr_generator, optim.betas, optim.eps)
    opt_d = torch.optim.Adam(D.parameters(), optim.lr_discriminator, optim.betas, optim.eps)
    shots, shot_sketches = torch.rand(1, 8, 3, 256, 256) * 2 - 1, torch.rand(1, 8, 3, 256, 256) * 2 - 1
    target, target_sketch, video = torch.rand(1, 3, 256, 256) * 2 - 1, torch.rand(1, 3, 256, 256) * 2 - 1, torch.tensor([3])
    before = rss_bytes()
    start = time.perf_counter()
    e = E(shots, shot_sketches)
    fake = G(target_sketch, G.project(e))
    fake_score, fake_acts = D(fake, target_sketch, video)
    _, real_acts = D(target, target_sketch, video)
    loss_g = content(target, fake) + loss_config.adversarial_weight * losses.generator_adversarial_loss(fake_score) \
        + loss_config.feature_matching_weight * losses.feature_matching_loss(real_acts, fake_acts) \
        + losses.embedding_match_loss(D.W(video), e, loss_config)
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    real_score, _ = D(target, target_sketch, video)
    fake_score, _ = D(fake.detach(), target_sketch, video)
    opt_d.zero_grad(set_to_none=True)
    losses.discriminator_hinge_loss(real_score, fake_score).backward()
    opt_d.step()
    return {"rss_before": before, "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "seconds": time.perf_counter() - start}


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def speed_table(r: dict) -> list[str]:
    """The markdown table of the speed figures."""
    conv = r["conv_flops_per_s"]
    rows = ["| path | batch | ms/frame | paper GFLOP/s | x conv | executed GFLOP/s | x conv |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for name in ("float32", r["low"]):
        for batch in (1, 8):
            seconds = r["times"][f"{name} b{batch}"] / batch
            paper, executed = r["model_flops"] / seconds, r["executed_flops"] / seconds
            rows.append(f"| inference copy, {name} | {batch} | {seconds * 1e3:.1f} | {paper / 1e9:.0f} | "
                        f"{paper / conv:.2f} | {executed / 1e9:.0f} | {executed / conv:.2f} |")
    module = r["times"]["module b1"]
    rows.append(f"| the trained module (eval, no rewrites), float32 | 1 | {module * 1e3:.1f} | "
                f"{r['model_flops'] / module / 1e9:.0f} | {r['model_flops'] / module / conv:.2f} | | |")
    return rows


def speedups(r: dict) -> tuple[float, float]:
    """The reduced-precision path's speed over float32's at batch 1 and 8, measured in the same run."""
    return tuple(r["times"][f"float32 b{batch}"] / r["times"][f"{r['low']} b{batch}"] for batch in (1, 8))


def conv_speedup(r: dict) -> float:
    """The reference convolution's speed in the reduced precision over float32's."""
    return r["times"]["conv"] / r["times"]["low conv"]


def print_speed(r: dict) -> None:
    print(f"Generator at 256x256 (paper configuration), {r['device']}, {r['threads']} threads, "
          f"{r['clock']} clock, best of interleaved rounds; {r['hardware']}")
    print(f"reference conv3x3 {REFERENCE[0]}->{REFERENCE[0]} at {REFERENCE[1]}x{REFERENCE[1]}, batch 1, float32: "
          f"{r['conv_flops_per_s'] / 1e9:.0f} GFLOP/s")
    print(f"the same convolution in {r['low']}: {r['conv_flops_per_s'] * conv_speedup(r) / 1e9:.0f} GFLOP/s, "
          f"{conv_speedup(r):.2f}x float32's (the most a whole network could gain)")
    print(f"FLOPs per frame: {r['model_flops'] / 1e9:.2f} G as the paper's architecture computes them; "
          f"{r['executed_flops'] / 1e9:.2f} G executed by the inference copy (exact rewrites)\n")
    print("\n".join(speed_table(r)))
    for batch, speedup in zip((1, 8), speedups(r)):
        full, low = (r["times"][f"{name} b{batch}"] / batch * 1e3 for name in ("float32", r["low"]))
        print(f"\n{r['low']} speed-up over float32 at batch {batch}: {speedup:.2f}x "
              f"({full:.1f} vs {low:.1f} ms per frame)", end="")
    print(f"\n{r['low']} frames against float32: PSNR {r['psnr']:.1f} dB, max |diff| {r['max_abs_diff']:.4f} "
          f"(outputs in [-1, 1], std {r['output_std']:.3f}, random weights)")


def speed_figures(r: dict, mode: str) -> dict[str, str]:
    """The figures the README and docs show, keyed under `generator.MODE.`."""
    ms = [r["times"][f"float32 b{batch}"] / batch * 1e3 for batch in (1, 8)]
    paper = [r["model_flops"] / (m / 1e3) / r["conv_flops_per_s"] for m in ms]
    executed = [r["executed_flops"] / (m / 1e3) / r["conv_flops_per_s"] for m in ms]
    low = speedups(r)
    return {
        f"generator.{mode}.table": "\n" + "\n".join(speed_table(r)) + "\n",
        f"generator.{mode}.conv": f"{r['conv_flops_per_s'] / 1e9:.0f} GFLOP/s",
        f"generator.{mode}.float32": f"{ms[0]:.0f} / {ms[1]:.0f} ms per frame",
        f"generator.{mode}.share": f"{paper[0]:.2f} / {paper[1]:.2f} counting the paper's "
                                   f"{r['model_flops'] / 1e9:.2f} GFLOPs; {executed[0]:.2f} / {executed[1]:.2f} "
                                   f"counting the {r['executed_flops'] / 1e9:.2f} GFLOPs the inference copy executes",
        f"generator.{mode}.{r['low']}": f"{low[0]:.2f}x / {low[1]:.2f}x the float32 speed at batch 1 / 8 "
                                        f"({r['hardware']}; a large convolution alone: {conv_speedup(r):.2f}x); "
                                        f"frames {r['psnr']:.1f} dB PSNR from float32's",
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (default: torch's choice)")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved timing rounds (best is kept)")
    parser.add_argument("--cpu-time", action="store_true", help="process CPU time instead of wall time (--threads 1)")
    parser.add_argument("--skip-memory", action="store_true", help="do not measure the training step")
    parser.add_argument("--training-step-memory", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.training_step_memory:
        print(json.dumps(training_step_memory()))
        return
    if args.cpu_time and torch.get_num_threads() != 1:
        sys.exit("--cpu-time measures one thread: add --threads 1")
    speed = measure_speed(args)
    print_speed(speed)
    mode = recorded_mode(args)
    found = speed_figures(speed, mode) if mode else {}
    if not args.skip_memory:
        command = [sys.executable, __file__, "--training-step-memory", "--threads", str(torch.get_num_threads())]
        step = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        print(f"\nOne training step (batch 1, K = 8, VGG19 + VGG-Face content loss, Adam), float32 on the CPU: "
              f"peak resident memory {step['peak'] / 2**30:.2f} GiB ({step['rss_before'] / 2**30:.2f} GiB "
              f"before the step: models, optimisers, inputs); {step['seconds']:.1f} s")
        if mode:
            found[f"generator.{mode}.training_step"] = f"peak {step['peak'] / 2**30:.2f} GiB, {step['seconds']:.1f} s"
    if found:
        figures.record(found, " ".join(["python", "benchmarks/generator.py", *sys.argv[1:]]))


def recorded_mode(args: argparse.Namespace) -> str | None:
    """Which documented set of figures this run measures: both cores' wall time, one core's CPU
    time, or none (other devices and thread counts print their figures only)."""
    if args.device != "cpu" or args.rounds < 3:
        return None
    if args.cpu_time and args.threads == 1:
        return "per_core"
    return "wall" if not args.threads and not args.cpu_time else None

if __name__ == "__main__":
    main()
