#!/usr/bin/env bash
# GPU readiness in one run (under 8 minutes on one modern GPU), from the project root:
#
#     bash benchmarks/gpu_check.sh [RUN_FOLDER]        # default folder: runs/gpu_check
#
# 1. CUDA correctness of rendering: the paper generator's float16 and bfloat16 frames against
#    float32 (PSNR, dB), and float32 CUDA against float32 CPU.
# 2. Generator throughput (frames per second) at batch 1, 8 and 32, float16.
# 3. One from-scratch training step of the paper model at 256x256 (batch 8): time and peak memory.
# 4. A short person model (small, 600 steps) on the first half of a shared clip, then
#    `talking-heads eval` on its held-out second half against the warp renderer.
# Prints every figure; the README's GPU figures come from this script.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
RUN=${1:-runs/gpu_check}
CLIP=../shared/data/clips/d11.mp4
mkdir -p "$RUN"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

"$PYTHON" - <<'EOF'
import dataclasses, time
import torch
from talking_heads.models import Generator, ModelConfig
from talking_heads.models.losses import content_loss_by_name
from talking_heads.training.learners import ScratchLearner, training_autocast

assert torch.cuda.is_available(), "no CUDA device: this script checks a GPU"
cuda = torch.device("cuda")
print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
torch.manual_seed(0)
generator = Generator(dataclasses.replace(ModelConfig(), spectral_norm=False)).eval()
psi = torch.randn(1, generator.num_adain_params) * 0.5 + 1
sketch = torch.rand(8, 3, 256, 256) * 2 - 1

def psnr(a, b):
    return (10 * torch.log10(4 / ((a.float() - b.float()) ** 2).mean())).item()

with torch.inference_mode():
    reference_cpu = generator.inference_copy(torch.float32, "cpu")(sketch, psi)
    results = {}
    for dtype in (torch.float32, torch.float16, torch.bfloat16):
        fast = generator.inference_copy(dtype, cuda)
        results[dtype] = fast(sketch.to(cuda), psi.to(cuda)).float().cpu()
    print(f"1. PSNR vs float32 CUDA: float16 {psnr(results[torch.float16], results[torch.float32]):.1f} dB, "
          f"bfloat16 {psnr(results[torch.bfloat16], results[torch.float32]):.1f} dB; "
          f"float32 CUDA vs CPU {psnr(results[torch.float32], reference_cpu):.1f} dB")
    fast = generator.inference_copy(torch.float16, cuda)
    line = []
    for batch in (1, 8, 32):
        x = (torch.rand(batch, 3, 256, 256, device=cuda) * 2 - 1)
        for _ in range(3):
            fast(x, psi.to(cuda))
        torch.cuda.synchronize()
        start, repeats = time.perf_counter(), 10
        for _ in range(repeats):
            fast(x, psi.to(cuda))
        torch.cuda.synchronize()
        line.append(f"batch {batch}: {batch * repeats / (time.perf_counter() - start):.0f} fps")
    print("2. generator float16 throughput at 256x256: " + ", ".join(line))

learner = ScratchLearner(ModelConfig(), content_loss_by_name("l1_msssim"), 1e-3, cuda, training_autocast(cuda))
batch = (torch.rand(8, 3, 256, 256, device=cuda) * 2 - 1,) * 2
learner.step(*batch)
torch.cuda.synchronize()
torch.cuda.reset_peak_memory_stats()
start = time.perf_counter()
for _ in range(5):
    learner.step(*batch)
torch.cuda.synchronize()
print(f"3. paper training step from scratch (batch 8, {training_autocast(cuda)} autocast): "
      f"{(time.perf_counter() - start) / 5 * 1000:.0f} ms, peak memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
EOF

echo "4. small person model on $CLIP frames 0:112 (600 steps), evaluated on 112:225"
rm -rf "$RUN/person.training"
start=$(date +%s)
"$PYTHON" -m talking_heads.cli -q person "$CLIP" -o "$RUN/person.safetensors" --train --config small \
    --frames 0:112 --steps 600 --sample-every 200 --backend dlib --device cuda
echo "   trained in $(( $(date +%s) - start )) s (footage loading included)"
"$PYTHON" -m talking_heads.cli -q eval "$CLIP" --renderer neural warp --person "$RUN/person.safetensors" \
    --shots 8 --frames 32 --device cuda --json "$RUN/eval.json"
