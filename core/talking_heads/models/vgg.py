"""VGG19 (ImageNet) and VGG-Face feature extractors in plain torch, loaded from published files.

Each network is fed the input format it was trained on (`InputSpec`): torchvision's VGG19 takes
RGB in [0, 1] normalised by the ImageNet mean and std; VGG-Face takes 0-255 values minus its mean,
in the channel order of the converted file (Caffe files: BGR; the MatConvNet-derived file of the
manifest: RGB, its first layer was flipped on import).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import Tensor, nn

from talking_heads.errors import WeightsError
from talking_heads.manifest import INSTALL_HINT, find_file, manifest_entry

POOL = 0  # marks a 2x2 max-pooling layer in a plan
VGG16_PLAN = (64, 64, POOL, 128, 128, POOL, 256, 256, 256, POOL, 512, 512, 512, POOL, 512, 512, 512, POOL)
VGG19_PLAN = (64, 64, POOL, 128, 128, POOL, 256, 256, 256, 256, POOL, 512, 512, 512, 512, POOL,
              512, 512, 512, 512, POOL)


@dataclass(frozen=True)
class InputSpec:
    """How a network wants its images: value scale, channel order, per-channel mean and std
    (mean and std in the network's channel order, on the scaled values)."""

    scale: float
    channel_order: Literal["rgb", "bgr"]
    mean: tuple[float, float, float]
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)

    def apply(self, images: Tensor) -> Tensor:
        """images (B, 3, H, W) RGB in [-1, 1] -> the network's input (B, 3, H, W)."""
        x = (images + 1) * (self.scale / 2)  # RGB in [0, scale]
        if self.channel_order == "bgr":
            x = x.flip(1)
        mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        return (x - mean) / std


IMAGENET_TORCHVISION = InputSpec(scale=1.0, channel_order="rgb", mean=(0.485, 0.456, 0.406),
                                 std=(0.229, 0.224, 0.225))
VGGFACE_MATCONVNET = InputSpec(scale=255.0, channel_order="rgb",
                               mean=(129.186279296875, 104.76238250732422, 93.59396362304688))
VGGFACE_CAFFE = InputSpec(scale=255.0, channel_order="bgr", mean=(93.5940, 104.7624, 129.1863))


def conv_indices(plan: tuple[int, ...]) -> list[int]:
    """Indices of the convolutions in the torchvision-style `features` Sequential of a plan."""
    indices, index = [], 0
    for width in plan:
        if width != POOL:
            indices.append(index)
        index += 1 if width == POOL else 2  # conv + ReLU, or a pool
    return indices


class VGGFeatures(nn.Module):
    """A VGG's convolutional body, cut after its last tapped layer; frozen, always in eval mode.

    Layer indices follow torchvision's `features` (conv, ReLU, ..., pool), so taps (1, 6, 11, 20,
    29) of VGG19 are relu1_1 .. relu5_1, and taps (1, 6, 11, 18, 25) of VGG16 likewise.
    """

    def __init__(self, plan: tuple[int, ...], taps: tuple[int, ...], spec: InputSpec):
        super().__init__()
        self.spec, self.taps = spec, tuple(sorted(taps))
        layers: list[nn.Module] = []
        channels = 3
        for width in plan:
            if width == POOL:
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
                channels = width
        self.features = nn.Sequential(*layers[:self.taps[-1] + 1])
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> VGGFeatures:
        return super().train(False)

    def forward(self, images: Tensor) -> list[Tensor]:
        """images (B, 3, H, W) RGB in [-1, 1] -> the activations at the taps."""
        x, out = self.spec.apply(images), []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in self.taps:
                out.append(x)
        return out


def read_state_dict(path: Path) -> dict[str, Tensor]:
    """A published .pth state dict, read with torch's tensors-only loader (no code is run)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many kinds for a bad file; all mean the same to a user
        raise WeightsError(f"{path} could not be read as a PyTorch state dict ({type(error).__name__}: "
                           f"{error}); delete it and run `{INSTALL_HINT}`") from error
    if not isinstance(state, dict):
        raise WeightsError(f"{path} holds a {type(state).__name__}, not a state dict")
    return state


def load_features(network: VGGFeatures, state: dict[str, Tensor], names: list[str], source: Path) -> VGGFeatures:
    """Copy conv weights into `network`: names[i] is the file's prefix of the i-th convolution."""
    convs = [m for m in network.features if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        for conv, prefix in zip(convs, names):
            for part in ("weight", "bias"):
                tensor = state.get(f"{prefix}.{part}")
                target = getattr(conv, part)
                if tensor is None or tensor.shape != target.shape:
                    found = None if tensor is None else tuple(tensor.shape)
                    raise WeightsError(f"{source} is not the expected file: {prefix}.{part} should be "
                                       f"{tuple(target.shape)}, found {found}")
                target.copy_(tensor)
    return network


def vgg19(path: Path, taps: tuple[int, ...]) -> VGGFeatures:
    """torchvision's ImageNet VGG19 from its state-dict file (keys features.N.weight)."""
    network = VGGFeatures(VGG19_PLAN, taps, IMAGENET_TORCHVISION)
    names = [f"features.{i}" for i in conv_indices(VGG19_PLAN)]
    return load_features(network, read_state_dict(path), names, path)


def vggface(path: Path, taps: tuple[int, ...], spec: InputSpec = VGGFACE_MATCONVNET) -> VGGFeatures:
    """VGG-Face (VGG16 body) from the converted state dict (keys conv1_1.weight .. conv5_3.bias)."""
    network = VGGFeatures(VGG16_PLAN, taps, spec)
    blocks = (2, 2, 3, 3, 3)
    names = [f"conv{b + 1}_{i + 1}" for b, count in enumerate(blocks) for i in range(count)]
    return load_features(network, read_state_dict(path), names, path)


def load_published(name: str, taps: tuple[int, ...], dirs: list[Path] | None = None) -> VGGFeatures:
    """"vgg19" or "vggface" from its manifest file, found in the weights folders."""
    loaders = {"vgg19": vgg19, "vggface": vggface}
    path = find_file(manifest_entry(name), dirs)
    return loaders[name](path, taps)
