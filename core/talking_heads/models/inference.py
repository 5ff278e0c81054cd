"""A frozen, fast copy of the generator for rendering: `Generator.inference_copy(dtype, device)`.

Every change is an exact rewrite of the trained network (equal up to rounding):
- spectral norm is folded into plain weights once (no power iteration, no W / sigma per frame);
- conv3x3 + 2x2 average pooling is one 4x4 stride-2 convolution, nearest upsampling + conv3x3 is
  one sub-pixel convolution at the low resolution (each 2.25x fewer FLOPs); 1x1 convolutions and
  the RGB output convolution are matrix products over channels (see `fused.py`);
- skip branches are added in place, the up-blocks' skip without building its upsampled map;
- instance norm and AdaIN with one psi for the batch are a group norm plus an in-place ReLU;
- attention takes q, k, v from one matrix product, has gamma folded into its output weights and
  runs in chunks of query rows; activations stay channels_last under torch.inference_mode;
- on the CPU the high-resolution layers run one micro-batch at a time, so that no activation
  outgrows the allocator's reusable heap (a fresh large block costs a page fault per 4 KiB).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from talking_heads.models.blocks import OutputHead, ResBlock, ResBlockDown, ResBlockUp, SelfAttention
from talking_heads.models.fused import (NarrowConv, NormReLU, Pointwise, SubpixelUpConv, plain_conv,
                                        pooled_conv)

ATTENTION_CHUNK = 256  # query rows at a time: the slice of the attention matrix stays in cache
CHUNKED_SIDE = 64  # layers whose input is at least this wide run per micro-batch
CPU_MICRO_BATCH = 1


class FastDown(nn.Module):
    def __init__(self, block: ResBlockDown):
        super().__init__()
        self.preactivate = block.preactivate
        self.norm1, self.norm2 = NormReLU(block.norm1), NormReLU(block.norm2)
        self.conv1, self.conv2 = plain_conv(block.conv1), pooled_conv(block.conv2)
        self.skip = Pointwise(block.skip)

    def forward(self, x: Tensor, psi: Tensor | None) -> Tensor:
        h = self.norm1(x, psi) if self.preactivate else x
        skip = self.skip(F.avg_pool2d(x, 2))  # (B, Cout, H/2, W/2)
        return self.conv2(self.norm2(self.conv1(h), psi), add_to=skip)


class FastUp(nn.Module):
    def __init__(self, block: ResBlockUp):
        super().__init__()
        self.norm1, self.norm2 = NormReLU(block.norm1), NormReLU(block.norm2)
        self.conv1, self.conv2 = SubpixelUpConv(block.conv1), plain_conv(block.conv2)
        self.skip = Pointwise(block.skip)

    def forward(self, x: Tensor, psi: Tensor | None) -> Tensor:
        skip = F.interpolate(self.skip(x), scale_factor=2, mode="nearest")  # (B, Cout, 2H, 2W)
        return self.conv2(self.norm2(self.conv1(self.norm1(x, psi)), psi), add_to=skip)


class FastRes(nn.Module):
    def __init__(self, block: ResBlock):
        super().__init__()
        self.norm1, self.norm2 = NormReLU(block.norm1), NormReLU(block.norm2)
        self.conv1, self.conv2 = plain_conv(block.conv1), plain_conv(block.conv2)

    def forward(self, x: Tensor, psi: Tensor | None) -> Tensor:
        return self.conv2(self.norm2(self.conv1(self.norm1(x, psi)), psi), add_to=x)


class FastAttention(nn.Module):
    """x + gamma * out(softmax(q k^T) v), with q, k, v from one matrix product and gamma folded."""

    def __init__(self, layer: SelfAttention):
        super().__init__()
        self.split = (layer.key_channels, layer.key_channels, layer.value_channels)
        parts = [Pointwise(m) for m in (layer.query, layer.key, layer.value)]
        self.qkv_weight = nn.Parameter(torch.cat([p.weight for p in parts]))  # (2Ck + Cv, C)
        self.qkv_bias = nn.Parameter(torch.cat([p.bias for p in parts]))
        out = Pointwise(layer.out)
        self.out_weight = nn.Parameter(out.weight * layer.gamma.detach())  # (C, Cv)
        self.out_bias = nn.Parameter(out.bias * layer.gamma.detach())

    def forward(self, x: Tensor, psi: Tensor | None) -> Tensor:
        b, c, h, w = x.shape
        tokens = x.permute(0, 2, 3, 1).reshape(b, h * w, c)  # (B, N, C), a view of channels_last x
        q, k, v = F.linear(tokens, self.qkv_weight, self.qkv_bias).split(self.split, dim=-1)
        k_t = k.transpose(1, 2)  # (B, Ck, N)
        attended = torch.empty(b, h * w, self.split[2], dtype=x.dtype, device=x.device)
        for start in range(0, h * w, ATTENTION_CHUNK):
            rows = slice(start, start + ATTENTION_CHUNK)
            weights = torch.softmax(torch.bmm(q[:, rows], k_t), dim=-1)  # (B, chunk, N)
            torch.bmm(weights, v, out=attended[:, rows])
        out = F.linear(attended, self.out_weight, self.out_bias).add_(tokens)  # (B, N, C)
        return out.view(b, h, w, c).permute(0, 3, 1, 2)


class FastHead(nn.Module):
    def __init__(self, head: OutputHead):
        super().__init__()
        self.norm = NormReLU(head.norm)
        self.conv = NarrowConv(head.conv)

    def forward(self, x: Tensor, psi: Tensor | None) -> Tensor:
        return self.conv(self.norm(x, psi)).tanh_()


FAST_LAYERS = {ResBlockDown: FastDown, ResBlockUp: FastUp, ResBlock: FastRes, SelfAttention: FastAttention,
               OutputHead: FastHead}


def input_sides(generator: nn.Module) -> list[int]:
    """The side of the feature map each generator layer reads."""
    sides, side = [], generator.config.resolution
    for layer in generator.layers:
        sides.append(side)
        side = side // 2 if isinstance(layer, ResBlockDown) else side * 2 if isinstance(layer, ResBlockUp) else side
    return sides


class InferenceGenerator(nn.Module):
    """The generator frozen for rendering. `project(e)` once per person, then `forward(sketch, psi)`
    per batch of frames; inputs are cast to the module's dtype, outputs are float32 in [-1, 1]."""

    def __init__(self, generator: nn.Module, dtype: torch.dtype, device: torch.device, micro_batch: int | None):
        super().__init__()
        self.num_adain_params = generator.num_adain_params
        self.dtype, self.micro_batch = dtype, micro_batch
        self.layers = nn.ModuleList(FAST_LAYERS[type(layer)](layer) for layer in generator.layers)
        self.chunked = [side >= CHUNKED_SIDE for side in input_sides(generator)]
        self.projection = nn.Linear(generator.projection.in_features, self.num_adain_params, bias=False)
        with torch.no_grad():
            self.projection.weight.copy_(generator.projection.weight)
        self.requires_grad_(False)
        self.to(device=device, dtype=dtype, memory_format=torch.channels_last).eval()

    @torch.inference_mode()
    def project(self, e: Tensor) -> Tensor:
        """e (B, E) -> psi (B, P)."""
        return self.projection(e.to(self.dtype))

    @torch.inference_mode()
    def forward(self, sketch: Tensor, psi: Tensor) -> Tensor:
        """sketch (B, 3, S, S) in [-1, 1], psi (1, P) or (B, P) -> image (B, 3, S, S) float32."""
        if psi.shape[-1] != self.num_adain_params:
            raise ValueError(f"psi has {psi.shape[-1]} values, the generator needs {self.num_adain_params}")
        h = sketch.to(self.dtype).contiguous(memory_format=torch.channels_last)
        psi = psi.to(self.dtype)
        pieces: list[tuple[Tensor, Tensor]] | None = None  # micro-batches (x, psi) while chunked
        for layer, chunked in zip(self.layers, self.chunked):
            if chunked:
                pieces = [(layer(x, p), p) for x, p in pieces or split_batch(h, psi, self.micro_batch)]
            else:
                h = layer(h if pieces is None else join_batch(pieces), psi)
                pieces = None
        return (h if pieces is None else join_batch(pieces)).float()


def split_batch(h: Tensor, psi: Tensor, size: int | None) -> list[tuple[Tensor, Tensor]]:
    """Micro-batches of `size` frames, each with its rows of psi (or the one shared psi)."""
    parts = h.split(size or h.shape[0])
    psis = psi.split(size or h.shape[0]) if psi.shape[0] > 1 else [psi] * len(parts)
    return list(zip(parts, psis))


def join_batch(pieces: list[tuple[Tensor, Tensor]]) -> Tensor:
    return pieces[0][0] if len(pieces) == 1 else torch.cat([x for x, _ in pieces])
