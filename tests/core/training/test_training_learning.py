"""Learning: a tiny model trained on real frames gets better at what each of its losses asks.

Margins (measured on this tiny setup: 64x64, batch 2, K = 2, pixel-L1 content loss, 10x the
paper's learning rates):
- reconstruction: L1 error of G(sketch, P E(frames)) on held-out episodes of the training
  videos falls by at least 30% in 100 steps (measured: about 50%);
- discriminator: with the generator held still (its lr 0), the median hinge loss of steps 21-30
  falls below half the median of the first three (measured: from about 1.9 to 0.3-0.7);
- embedding match (FT): 80 |W_i - e_i|_1 falls below a fifth of its start within 20 steps
  (measured: about 1/400).
Each fails when the step of that side, or its loss term, is broken; `test_each_loss_term_*`
checks that every term reaches exactly the networks it trains.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from talking_heads.models import ModelConfig, OptimConfig
from talking_heads.training.dataset import load_dataset
from talking_heads.training.episodes import EpisodeDataset, Episodes, collate_episodes
from talking_heads.training.meta import MetaLearner
from training_helpers import fast_optim, tiny_train_config

K = 2


def episodes(dataset, count: int, seed: int, first: int = 0) -> Episodes:
    source = EpisodeDataset(dataset, K, seed)
    return collate_episodes([source[n] for n in range(first, first + count)])


def train(learner: MetaLearner, dataset, steps: int) -> list[dict[str, float]]:
    logs = []
    for step in range(steps):
        result = learner.train_step(episodes(dataset, 2, seed=0, first=2 * step))
        logs.append({name: value.item() for name, value in result.losses.items()})
    return logs


def reconstruction_error(learner: MetaLearner, batch: Episodes) -> float:
    networks = learner.networks
    networks.embedder.eval(), networks.generator.eval()
    with torch.no_grad():
        e = networks.embedder(batch.frames, batch.frame_sketches)
        generated = networks.generator(batch.target_sketch, networks.generator.project(e))
    return (generated - batch.target).abs().mean().item()


def learner_for(dataset, cpu_process, **overrides) -> MetaLearner:
    config = tiny_train_config(k=K, **overrides)
    return MetaLearner(ModelConfig.tiny(), config, len(dataset.videos), cpu_process)


def test_tiny_model_learns_on_real_frames(tiny_dataset, cpu_process):
    dataset = load_dataset(tiny_dataset)
    held_out = episodes(dataset, 12, seed=99)  # other frame choices of the same videos

    learner = learner_for(dataset, cpu_process, variant="ff", optim=fast_optim())
    before = reconstruction_error(learner, held_out)
    train(learner, dataset, 100)
    after = reconstruction_error(learner, held_out)
    assert after < 0.7 * before, f"reconstruction error {before:.3f} -> {after:.3f}, expected a 30% drop"

    held = learner_for(dataset, cpu_process, variant="ff",
                       optim=OptimConfig(lr_generator=0.0, lr_discriminator=fast_optim().lr_discriminator))
    hinge = [log["hinge"] for log in train(held, dataset, 30)]
    # Medians: a single adversarial spike must not decide the outcome.
    assert np.median(hinge[-10:]) < 0.5 * np.median(hinge[:3]), f"discriminator hinge {hinge}"

    ft = learner_for(dataset, cpu_process, variant="ft", optim=fast_optim())
    match = [log["embedding_match"] for log in train(ft, dataset, 20)]
    assert match[-1] < 0.2 * match[0], f"embedding match {match}"


# loss term -> (full model, networks it must train)
TERMS = {
    "content": ("generator", {"embedder", "generator"}),
    "feature_matching": ("generator", {"embedder", "generator", "discriminator"}),
    "adversarial": ("generator", {"embedder", "generator", "discriminator", "W"}),
    "embedding_match": ("generator", {"embedder"}),
    "hinge": ("discriminator", {"discriminator", "W"}),
    "embedding_match_d": ("discriminator", {"W"}),
}


def gradient_owners(loss: torch.Tensor, learner: MetaLearner) -> set[str]:
    """The networks whose parameters get a nonzero gradient from `loss` (W: the video columns)."""
    groups = {"embedder": list(learner.networks.embedder.parameters()),
              "generator": list(learner.networks.generator.parameters()),
              "discriminator": [p for n, p in learner.networks.discriminator.named_parameters() if n != "W.weight"],
              "W": [learner.networks.discriminator.W.weight]}
    everything = [p for params in groups.values() for p in params]
    grads = dict(zip(map(id, everything), torch.autograd.grad(loss, everything, retain_graph=True,
                                                               allow_unused=True)))
    return {name for name, params in groups.items()
            if any(grads[id(p)] is not None and grads[id(p)].abs().sum() > 0 for p in params)}


@pytest.mark.parametrize("term", TERMS)
def test_each_loss_term_trains_its_networks(term, tiny_dataset, cpu_process):
    dataset = load_dataset(tiny_dataset)
    learner = learner_for(dataset, cpu_process, variant="ft")
    batch = episodes(dataset, 2, seed=0)
    step = learner.step
    g_losses, generated, e = step.generator_model(batch)
    d_losses, _ = step.discriminator_model(batch, generated.detach(), e.detach())
    model, owners = TERMS[term]
    loss = (g_losses if model == "generator" else d_losses)[term]
    assert torch.isfinite(loss) and loss.item() != 0
    assert gradient_owners(loss, learner) == owners


def test_a_step_updates_every_network(tiny_dataset, cpu_process):
    dataset = load_dataset(tiny_dataset)
    learner = learner_for(dataset, cpu_process, variant="ft")
    before = {name: tensor.clone() for name, tensor in learner.networks.tensors().items()}
    learner.train_step(episodes(dataset, 2, seed=0))
    after = learner.networks.tensors()
    for network in ("embedder", "generator", "discriminator"):
        changed = [name for name in before if name.startswith(network) and not torch.equal(before[name], after[name])]
        assert any(name.endswith(".original") for name in changed), f"{network} weights did not change"
        assert any(name.endswith("._u") for name in changed), f"{network} spectral norm did not iterate"
