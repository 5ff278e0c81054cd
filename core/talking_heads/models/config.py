"""Configuration of the paper's networks and of their optimiser (Zakharov et al. 2019 defaults)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from talking_heads.errors import InputError
from talking_heads.options import Options, option

FINAL_RESOLUTION = 4  # the embedder and discriminator bodies end at 4x4 (paper)
# Limits that a saved configuration must respect before any network is allocated
MAX_RESOLUTION = 2048
MAX_CHANNELS = 4096
MAX_BLOCKS = 64


@dataclass(frozen=True)
class AttentionResolutions(Options):
    """Feature-map sides at which a self-attention layer is inserted (paper: 32, 32, 64, 32)."""

    embedder: int = 32
    generator_down: int = 32
    generator_up: int = 64
    discriminator: int = 32


@dataclass(frozen=True)
class ModelConfig(Options):
    """Architecture of the embedder, generator and discriminator; defaults are the paper's."""

    resolution: int = 256  # side S of the square images and sketches
    base_channels: int = 64  # channels after the first downsampling block (paper: minimum 64)
    max_channels: int = 512  # channel ceiling (paper: 512)
    embedding_dim: int = 512  # E, the size of e and of V (paper: 512)
    bottleneck_blocks: int = 5  # residual AdaIN blocks at the generator's bottleneck
    bottleneck_resolution: int = 16  # generator bottleneck side (paper: 256 -> 16x16x512)
    attention_resolutions: AttentionResolutions = field(default_factory=AttentionResolutions)
    spectral_norm: bool = True  # on every convolution and linear layer (paper)

    def __post_init__(self) -> None:
        self._validate()

    def _validate(self) -> None:
        def power_of_two(n: int) -> bool:
            return n > 0 and n & (n - 1) == 0

        if not power_of_two(self.resolution) or self.resolution < 2 * FINAL_RESOLUTION:
            raise InputError(f"resolution {self.resolution} must be a power of two, at least {2 * FINAL_RESOLUTION}")
        if not power_of_two(self.bottleneck_resolution) or self.bottleneck_resolution >= self.resolution:
            raise InputError(f"bottleneck_resolution {self.bottleneck_resolution} must be a power of two "
                             f"below the resolution {self.resolution}")
        if min(self.base_channels, self.max_channels, self.embedding_dim) < 1 or self.bottleneck_blocks < 0:
            raise InputError("channel counts must be positive and bottleneck_blocks non-negative")
        if self.resolution > MAX_RESOLUTION or max(self.base_channels, self.max_channels, self.embedding_dim) > \
                MAX_CHANNELS or self.bottleneck_blocks > MAX_BLOCKS:
            raise InputError(f"an architecture beyond any trained model (resolution at most {MAX_RESOLUTION}, "
                             f"channels at most {MAX_CHANNELS}, bottleneck_blocks at most {MAX_BLOCKS}): "
                             f"resolution {self.resolution}, channels {self.base_channels}..{self.max_channels}, "
                             f"embedding {self.embedding_dim}, {self.bottleneck_blocks} blocks")
        for name, side in asdict(self.attention_resolutions).items():
            if side and not (power_of_two(side) and side <= self.resolution):
                raise InputError(f"attention resolution {name}={side} must be 0 (none) or a power of two "
                                 f"no larger than the resolution {self.resolution}")

    def channels(self, level: int) -> int:
        """Channels of a feature map after `level` halvings of the resolution (level >= 0)."""
        return min(self.base_channels * 2 ** max(level - 1, 0), self.max_channels)

    @property
    def body_levels(self) -> int:
        """Downsampling blocks of the embedder and discriminator bodies (256 -> 4: six)."""
        return (self.resolution // FINAL_RESOLUTION).bit_length() - 1

    @property
    def generator_levels(self) -> int:
        """Downsampling (and upsampling) blocks of the generator (256 -> 16: four)."""
        return (self.resolution // self.bottleneck_resolution).bit_length() - 1

    @classmethod
    def tiny(cls) -> ModelConfig:
        """A small model for tests: 64x64, 8..32 channels, one bottleneck block."""
        return cls(resolution=64, base_channels=8, max_channels=32, embedding_dim=32, bottleneck_blocks=1,
                   bottleneck_resolution=4,
                   attention_resolutions=AttentionResolutions(embedder=8, generator_down=8,
                                                              generator_up=16, discriminator=8))

    @classmethod
    def small(cls) -> ModelConfig:
        """A person model that learns on a laptop CPU: 128x128, 32..256 channels, a 16x16
        bottleneck with three blocks, no self-attention (1.35M generator parameters, 1.94M with P)."""
        return cls(resolution=128, base_channels=32, max_channels=256, embedding_dim=256, bottleneck_blocks=3,
                   bottleneck_resolution=16,
                   attention_resolutions=AttentionResolutions(embedder=0, generator_down=0, generator_up=0,
                                                              discriminator=0))


PRESETS = {"paper": ModelConfig, "small": ModelConfig.small, "tiny": ModelConfig.tiny}  # --config names


def default_preset(device_type: str) -> str:
    """The configuration a person model trains with from scratch when none is chosen: the paper's
    on a CUDA GPU; elsewhere `small`, which learns at a useful speed on a CPU."""
    return "paper" if device_type == "cuda" else "small"


def preset_name(config: ModelConfig) -> str | None:
    """The name of the preset `config` is (spectral norm aside: person files fold it), or None."""
    for name, make in PRESETS.items():
        if replace(make(), spectral_norm=config.spectral_norm) == config:
            return name
    return None


def _check_betas(betas: tuple[float, float]) -> str | None:
    return None if all(0 <= beta < 1 for beta in betas) else f"Adam's betas must be in [0, 1), got {betas}"


@dataclass(frozen=True)
class OptimConfig(Options):
    """Adam settings of the paper: lr 5e-5 for the embedder and generator, 2e-4 for the discriminator."""

    lr_generator: float = option(5e-5, at_least=0, at_most=1, help="Adam lr of E and G (and the projection P)")
    lr_discriminator: float = option(2e-4, at_least=0, at_most=1, help="Adam lr of D")
    betas: tuple[float, float] = option((0.0, 0.999), check=_check_betas, cli=False)
    eps: float = option(1e-8, flag="adam-eps", above=0, at_most=1, help="Adam epsilon")
