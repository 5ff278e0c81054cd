"""The neural renderer (the paper): a person model paints frames from landmark sketches.

    renderer = NeuralRenderer()                    # the configured meta-learned checkpoint
    person = renderer.prepare(shots)               # feed-forward: psi = P e, e = mean of E(shots)
    frames = person.render(landmarks)              # (B, 68, 2) crop px -> (B, S, S, 3) uint8
    person.save("anna.safetensors"); NeuralPerson.load("anna.safetensors")

A person file (kind "person") holds the generator with spectral norm folded into its weights,
psi, and the architecture; it renders without the embedder. Fine-tuned persons (FT) come from
`talking_heads.training.finetune` and are saved the same way.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.nn.utils import parametrize

from talking_heads.devices import resolve_device, resolve_precision
from talking_heads.errors import InputError, WeightsError
from talking_heads.landmarks import draw_sketches
from talking_heads.models import Embedder, Generator, ModelConfig
from talking_heads.models.config import PRESETS, preset_name
from talking_heads.synthesis import CHECKPOINT_VARIABLE, configured_checkpoint
from talking_heads.synthesis.base import Person, Renderer, Shot
from talking_heads.weights import load_checkpoint, load_state, save_checkpoint

META_KIND = "meta"
PERSON_KIND = "person"
CUSTOM_PRESET = "custom"  # the configuration name of a person file whose architecture is no preset
TRAIN_HINT = ("train one with `talking-heads train DATASET -o RUN` (see docs/training.md) and copy "
              "RUN/meta.safetensors and RUN/meta.json into the weights/ folder")


def images_to_tensor(images: np.ndarray) -> Tensor:
    """uint8 (..., S, S, 3) -> float (..., 3, S, S) in [-1, 1]."""
    tensor = torch.from_numpy(np.array(images, dtype=np.uint8))  # a writable copy (inputs may be memory-mapped)
    return tensor.movedim(-1, -3).float().div(127.5).sub(1.0)


def tensor_to_images(tensor: Tensor) -> np.ndarray:
    """float (..., 3, S, S) in [-1, 1] -> uint8 (..., S, S, 3)."""
    scaled = tensor.detach().float().clamp(-1.0, 1.0).add(1.0).mul(127.5).round()
    return scaled.to(torch.uint8).movedim(-3, -1).cpu().numpy()


def split_prefix(tensors: dict[str, Tensor], prefix: str) -> dict[str, Tensor]:
    """The tensors under `prefix.`, with the prefix removed."""
    head = f"{prefix}."
    return {key[len(head):]: value for key, value in tensors.items() if key.startswith(head)}


def find_meta_checkpoint(path: str | Path | None = None) -> Path:
    """The meta-learned checkpoint to use: `path`, or the configured one; a clear error without one."""
    path = path if path is not None else configured_checkpoint()
    if path is None:
        raise WeightsError(f"the neural renderer needs a meta-learned checkpoint and none is configured; {TRAIN_HINT} "
                           f"(or set {CHECKPOINT_VARIABLE}), or use the warp renderer, which needs no weights")
    return Path(path)


def read_meta(path: str | Path) -> tuple[dict[str, Tensor], dict, ModelConfig]:
    """A meta-learned checkpoint: (tensors, its JSON config, the architecture)."""
    tensors, config = load_checkpoint(path, kind=META_KIND)
    return tensors, config, ModelConfig.from_dict(config["architecture"])


def fold_spectral_norm(generator: Generator) -> Generator:
    """A copy without spectral norm whose weights are the normalised ones (W / sigma, stored vectors)."""
    was_training = generator.training
    generator.eval()  # read W / sigma without a power iteration
    with torch.no_grad():
        state = {key: value for key, value in generator.state_dict().items() if ".parametrizations." not in key}
        for name, module in generator.named_modules():
            if parametrize.is_parametrized(module, "weight"):
                state[f"{name}.weight"] = module.weight.detach().clone()
    generator.train(was_training)
    plain = Generator(replace(generator.config, spectral_norm=False))
    return load_state(plain, state, "generator").eval()


def check_preset(path: str | Path, name: object, architecture: ModelConfig) -> None:
    """A person file names the configuration it was made with (small, paper, tiny, or custom):
    a name this version does not know, or one its architecture does not match, is a WeightsError."""
    if name is None or name == CUSTOM_PRESET:
        return
    if name not in PRESETS:
        raise WeightsError(f"{path}: the person file was made with the model configuration {name!r}, which this "
                           f"Talking Heads does not know ({', '.join(PRESETS)}); update Talking Heads or make the "
                           "person file again")
    if preset_name(architecture) != name:
        raise WeightsError(f"{path}: the person file says configuration {name!r} but its architecture is another; "
                           "the file was edited or damaged: make it again")


@torch.inference_mode()
def embed_shots(embedder: Embedder, shots: list[Shot]) -> Tensor:
    """e (E,): the mean of the embedder's vectors of the shots (eval mode, float32)."""
    if not shots:
        raise InputError("a person needs at least one shot (a cropped image of the face)")
    device = next(embedder.parameters()).device
    images = images_to_tensor(np.stack([shot.image for shot in shots])).to(device)  # (K, 3, S, S)
    size = images.shape[-1]
    sketches = images_to_tensor(draw_sketches(np.stack([shot.points for shot in shots]), size)).to(device)
    return embedder.eval()(images[None], sketches[None])[0]


class NeuralPerson(Person):
    """A generator (spectral norm folded) and the person's psi; renders batches of sketches."""

    def __init__(self, generator: Generator, psi: Tensor, device: str = "auto", precision: str = "auto",
                 batch_size: int = 16, details: dict | None = None):
        if generator.config.spectral_norm:
            raise ValueError("fold the generator's spectral norm first (fold_spectral_norm)")
        self.generator, self.psi = generator, psi.detach().float().cpu()  # psi (P,)
        self.resolution = generator.config.resolution
        self.device = resolve_device(device)
        self.dtype = resolve_precision(precision, self.device)
        self.batch_size = batch_size
        self.details = details or {}
        self._fast = generator.inference_copy(self.dtype, self.device)
        self._psi = self.psi[None].to(self.device)  # (1, P)

    def render(self, landmarks: np.ndarray) -> np.ndarray:
        """landmarks (B, 68, 2) float32 in crop pixels -> frames (B, S, S, 3) uint8 RGB."""
        landmarks = np.asarray(landmarks, np.float32)
        if landmarks.ndim != 3 or landmarks.shape[1:] != (68, 2):
            raise InputError(f"landmarks must have shape (B, 68, 2), got {landmarks.shape}")
        frames = []
        with torch.inference_mode():
            for start in range(0, len(landmarks), self.batch_size):
                sketches = draw_sketches(landmarks[start:start + self.batch_size], self.resolution)
                images = self._fast(images_to_tensor(sketches).to(self.device), self._psi)  # (b, 3, S, S)
                frames.append(tensor_to_images(images))
        return np.concatenate(frames) if frames else np.zeros((0, self.resolution, self.resolution, 3), np.uint8)

    def save(self, path: str | Path) -> Path:
        """PATH.safetensors + PATH.json (kind "person")."""
        tensors = {"psi": self.psi, **{f"generator.{k}": v for k, v in self.generator.state_dict().items()}}
        config = {"kind": PERSON_KIND, "architecture": self.generator.config.to_dict(),
                  "resolution": self.resolution, "config": preset_name(self.generator.config) or CUSTOM_PRESET,
                  **self.details}
        return save_checkpoint(path, tensors, config)

    @classmethod
    def load(cls, path: str | Path, device: str = "auto", precision: str = "auto") -> NeuralPerson:
        """A person file; clear WeightsErrors for a missing, corrupt or foreign file."""
        tensors, config = load_checkpoint(path, kind=PERSON_KIND)
        try:
            architecture = ModelConfig.from_dict(config["architecture"])
        except (KeyError, TypeError, InputError) as error:
            raise WeightsError(f"{path}: the person file's architecture is unusable ({error})") from None
        check_preset(path, config.get("config"), architecture)
        generator = Generator(architecture)
        load_state(generator, split_prefix(tensors, "generator"), path)
        if "psi" not in tensors or tensors["psi"].shape != (generator.num_adain_params,):
            raise WeightsError(f"{path}: psi is missing or does not fit the generator; make the person file again")
        own = ("kind", "architecture", "resolution", "format", "version")  # "config" stays in the details
        details = {key: value for key, value in config.items() if key not in own}
        return cls(generator.eval(), tensors["psi"], device, precision, details=details)


class NeuralRenderer(Renderer):
    """Persons from a person file, or feed-forward from a meta-learned checkpoint (by default the
    configured one: weights/meta.safetensors or $TALKING_HEADS_CHECKPOINT)."""

    name = "neural"

    def __init__(self, person_file: str | Path | None = None, checkpoint: str | Path | None = None,
                 device: str = "auto", precision: str = "auto"):
        self.device, self.precision = device, precision
        self.person = None if person_file is None else NeuralPerson.load(person_file, device, precision)
        if self.person is not None:
            self.resolution = self.person.resolution
            return
        self.checkpoint = find_meta_checkpoint(checkpoint)
        tensors, self.meta_config, self.model_config = read_meta(self.checkpoint)
        self.resolution = self.model_config.resolution
        self.embedder = load_state(Embedder(self.model_config), split_prefix(tensors, "embedder"), self.checkpoint)
        self.generator = load_state(Generator(self.model_config), split_prefix(tensors, "generator"), self.checkpoint)
        self.embedder.to(resolve_device(device)).eval()
        self.generator.eval()

    def check_shots(self, shots: list[Shot]) -> None:
        for shot in shots:
            if shot.image.shape != (self.resolution, self.resolution, 3):
                raise InputError(f"shots must be {self.resolution}x{self.resolution} crops for this model, "
                                 f"got {shot.image.shape}")

    def embed(self, shots: list[Shot]) -> tuple[Tensor, Tensor]:
        """The feed-forward identity of the shots: e (E,), the mean embedding, and psi = P e (P,)."""
        self.check_shots(shots)
        e = embed_shots(self.embedder, shots).cpu()
        with torch.inference_mode():
            return e, self.generator.project(e[None])[0]

    def prepare(self, shots: list[Shot]) -> NeuralPerson:
        """The person file's person, or the feed-forward person of the shots."""
        if self.person is not None:
            return self.person
        details = {"stage": "feed-forward", "shots": len(shots), "meta_checkpoint": self.checkpoint.name}
        _, psi = self.embed(shots)
        return NeuralPerson(fold_spectral_norm(self.generator), psi, self.device, self.precision, details=details)
