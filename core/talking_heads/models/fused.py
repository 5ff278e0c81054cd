"""Inference-only layers: exact rewrites of trained layers that do less work per frame.

Each takes a trained layer (in eval mode, so that a spectrally normalised weight reads as
W / sigma without a power iteration) and bakes its effective weights in. Activations are
channels_last maps (B, C, H, W), the layout oneDNN convolutions prefer.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from talking_heads.models.blocks import INSTANCE_NORM_EPS, AdaptiveInstanceNorm, Identity, InstanceNorm

# oneDNN's packed-weight convolution (what torch's own compiler uses on the CPU); plain conv2d without it
ONEDNN_PACKING = torch.backends.mkldnn.is_available() and all(
    hasattr(torch.ops.mkldnn, op) for op in ("_reorder_convolution_weight", "_convolution_pointwise"))


class FrozenConv(nn.Module):
    """A convolution with fixed weights. On a CPU with oneDNN its weights are packed into
    oneDNN's blocked layout once (not reordered on every call), and a residual can be added
    into a tensor in place by the convolution itself (`add_to`)."""

    def __init__(self, weight: Tensor, bias: Tensor, stride: int = 1, padding: int = 0):
        super().__init__()
        self.weight = nn.Parameter(weight.detach().clone())  # (Cout, Cin, k, k)
        self.bias = nn.Parameter(bias.detach().clone())
        self.stride, self.padding = [stride, stride], [padding, padding]
        self._packed: dict[torch.dtype, Tensor] = {}

    def _apply(self, fn, recurse=True):
        self._packed.clear()  # a new device or dtype needs a new packing
        return super()._apply(fn, recurse)

    def packed_weight(self, x: Tensor) -> Tensor | None:
        if x.device.type != "cpu" or not ONEDNN_PACKING:
            return None
        if x.dtype not in self._packed:
            self._packed[x.dtype] = torch.ops.mkldnn._reorder_convolution_weight(
                self.weight, self.padding, self.stride, [1, 1], 1, list(x.shape))
        return self._packed[x.dtype]

    def forward(self, x: Tensor, add_to: Tensor | None = None) -> Tensor:
        """conv(x), or add_to += conv(x) in place."""
        packed = self.packed_weight(x)
        args = (self.bias, self.padding, self.stride, [1, 1], 1)
        if packed is None:
            out = F.conv2d(x, self.weight, self.bias, self.stride, self.padding)
            return out if add_to is None else add_to.add_(out)
        if add_to is None:
            return torch.ops.mkldnn._convolution_pointwise(x, packed, *args, "none", [], "")
        return torch.ops.mkldnn._convolution_pointwise_.binary(add_to, x, packed, *args, "add", 1.0, None, [], None)


def plain_conv(module: nn.Conv2d) -> FrozenConv:
    """A (possibly spectrally normalised) convolution with its effective weight W / sigma."""
    return FrozenConv(module.weight, module.bias, padding=module.padding[0])


def pooled_conv(module: nn.Conv2d) -> FrozenConv:
    """conv3x3 (padding 1) then avgpool2 == one conv4x4, stride 2, padding 1, whose kernel is the
    3x3 kernel summed over the four positions of the pooling window, divided by 4 (2.25x fewer FLOPs)."""
    w = module.weight.detach()  # (Cout, Cin, 3, 3)
    kernel = torch.zeros(w.shape[0], w.shape[1], 4, 4, dtype=w.dtype)
    for dy in (0, 1):
        for dx in (0, 1):
            kernel[:, :, dy:dy + 3, dx:dx + 3] += w / 4
    return FrozenConv(kernel, module.bias, stride=2, padding=1)


class Pointwise(nn.Module):
    """A 1x1 convolution as a matrix product over the channels of a channels_last map (no copies)."""

    def __init__(self, module: nn.Conv2d):
        super().__init__()
        self.weight = nn.Parameter(module.weight.detach().flatten(1).clone())  # (Cout, Cin)
        self.bias = nn.Parameter(module.bias.detach().clone())

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x.permute(0, 2, 3, 1), self.weight, self.bias).permute(0, 3, 1, 2)


# Output rows 2i+a of a conv3x3 over a nearest-upsampled map read input rows {i-1, i} (a = 0) or
# {i, i+1} (a = 1): tap t of the 3x3 kernel adds into row SUBPIXEL_ROWS[a][t] of a 2x2 kernel.
SUBPIXEL_ROWS = ((0, 1, 1), (0, 0, 1))
PHASES = ((0, 0), (0, 1), (1, 0), (1, 1))


class SubpixelUpConv(nn.Module):
    """upsample2 (nearest) then conv3x3 == one 2x2 kernel per output phase (a, b), all four run as
    one convolution at the low resolution: 2.25x fewer FLOPs, and no upsampled map is built."""

    def __init__(self, module: nn.Conv2d):
        super().__init__()
        w = module.weight.detach()  # (Cout, Cin, 3, 3)
        self.out_channels = w.shape[0]
        kernels = torch.zeros(4, w.shape[0], w.shape[1], 2, 2, dtype=w.dtype)
        for phase, (a, b) in enumerate(PHASES):
            for ty in range(3):
                for tx in range(3):
                    kernels[phase, :, :, SUBPIXEL_ROWS[a][ty], SUBPIXEL_ROWS[b][tx]] += w[:, :, ty, tx]
        self.conv = FrozenConv(kernels.flatten(0, 1), module.bias.detach().repeat(4), padding=1)

    def forward(self, x: Tensor) -> Tensor:
        b, _, h, w = x.shape
        c = self.out_channels
        phases = self.conv(x)  # (B, 4C, H+1, W+1): phase (a, b) of output pixel (i, j) sits at (i+a, j+b)
        out = torch.empty(b, c, 2 * h, 2 * w, dtype=x.dtype, device=x.device, memory_format=torch.channels_last)
        cells = out.view(b, c, h, 2, w, 2)
        for phase, (a, bb) in enumerate(PHASES):
            cells[:, :, :, a, :, bb] = phases[:, phase * c:(phase + 1) * c, a:a + h, bb:bb + w]
        return out


class NarrowConv(nn.Module):
    """A 3x3 convolution to a few channels (the RGB output): one matrix product to all nine taps'
    partial outputs, then nine shifted sums in float32 (in bfloat16 such strided sums are slow);
    about twice as fast on the CPU as a 3-channel conv. The output is float32."""

    def __init__(self, module: nn.Conv2d):
        super().__init__()
        w = module.weight.detach()  # (Cout, Cin, 3, 3)
        self.out_channels = w.shape[0]
        rows = w.permute(2, 3, 0, 1).reshape(9 * w.shape[0], w.shape[1])  # tap-major (ty, tx, c)
        padded = -rows.shape[0] % 16  # a multiple of 16 outputs suits the matrix product better
        self.weight = nn.Parameter(torch.cat([rows, rows.new_zeros(padded, rows.shape[1])]))
        self.bias = nn.Parameter(module.bias.detach().clone())

    def forward(self, x: Tensor) -> Tensor:
        b, _, h, w = x.shape
        c = self.out_channels
        taps = F.linear(x.permute(0, 2, 3, 1), self.weight).float()  # (B, H, W, >= 9 Cout)
        out = self.bias.float().expand(b, h, w, c).clone()  # (B, H, W, Cout)
        for ty, dy in enumerate((-1, 0, 1)):
            rows, src_rows = slice(max(0, -dy), h - max(0, dy)), slice(max(0, dy), h - max(0, -dy))
            for tx, dx in enumerate((-1, 0, 1)):
                cols, src_cols = slice(max(0, -dx), w - max(0, dx)), slice(max(0, dx), w - max(0, -dx))
                tap = (3 * ty + tx) * c
                out[:, rows, cols] += taps[:, src_rows, src_cols, tap:tap + c]
        return out.permute(0, 3, 1, 2)  # (B, Cout, H, W), channels_last


# torch's channels_last group norm takes a slow path on small maps (16x16: 15-60x slower than a
# batch norm of one frame, worst in bfloat16); there each frame is normalised as a batch of one.
SMALL_MAP_PIXELS = 16 * 16


class NormReLU(nn.Module):
    """ReLU(norm(x)) for instance norm (learned affine), AdaIN (affine from psi) or no norm. With
    one set of scales for the whole batch it is a group norm with one group per channel."""

    def __init__(self, norm: nn.Module):
        super().__init__()
        self.plain = isinstance(norm, Identity)
        self.adaptive = norm if isinstance(norm, AdaptiveInstanceNorm) else None
        if isinstance(norm, InstanceNorm):
            self.weight = nn.Parameter(norm.norm.weight.detach().clone())
            self.bias = nn.Parameter(norm.norm.bias.detach().clone())

    def forward(self, x: Tensor, psi: Tensor | None) -> Tensor:
        if self.plain:
            return relu_(x.clone())
        if self.adaptive is None:
            scale, bias = self.weight[None], self.bias[None]  # (1, C)
        else:
            scale, bias = self.adaptive.scale_and_bias(psi)  # (B or 1, C)
        channels = x.shape[1]
        if x.shape[2] * x.shape[3] <= SMALL_MAP_PIXELS:
            return relu_(instance_norm_by_frame(x, scale, bias))
        if scale.shape[0] == 1:
            return relu_(F.group_norm(x, channels, scale[0], bias[0], INSTANCE_NORM_EPS))
        normalised = F.group_norm(x, channels, eps=INSTANCE_NORM_EPS)
        return relu_(normalised.mul_(scale[:, :, None, None]).add_(bias[:, :, None, None]))


def instance_norm_by_frame(x: Tensor, scale: Tensor, bias: Tensor) -> Tensor:
    """x (B, C, H, W) normalised per frame and channel, then scale, bias (B or 1, C): each frame
    as a batch norm of a batch of one, whose statistics are that frame's own."""
    out = torch.empty_like(x)
    for i in range(x.shape[0]):
        row = min(i, scale.shape[0] - 1)
        out[i:i + 1] = F.batch_norm(x[i:i + 1], None, None, scale[row], bias[row], True, 0.0, INSTANCE_NORM_EPS)
    return out


def relu_(x: Tensor) -> Tensor:
    """In-place ReLU. bfloat16 goes through its int16 bit pattern (negative numbers have the sign
    bit set, so clamping at 0 zeroes exactly them): 6x faster than torch's bfloat16 ReLU on the CPU."""
    if x.dtype == torch.bfloat16 and x.device.type == "cpu":
        x.view(torch.int16).clamp_min_(0)
        return x
    return x.relu_()
