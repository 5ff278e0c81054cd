"""The paper's networks (embedder, generator, discriminator), their blocks and losses."""
from talking_heads.models.config import AttentionResolutions, ModelConfig, OptimConfig
from talking_heads.models.discriminator import Discriminator
from talking_heads.models.embedder import Embedder
from talking_heads.models.generator import Generator

__all__ = ["AttentionResolutions", "Discriminator", "Embedder", "Generator", "ModelConfig", "OptimConfig"]
