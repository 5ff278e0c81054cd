"""Loss terms on known inputs; VGG input formats; VGG weight files found, loaded or missing."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from talking_heads.errors import InputError, WeightsError
from talking_heads.manifest import ManifestEntry
from talking_heads.models import losses, vgg
from talking_heads.models.losses import (LossConfig, content_loss_by_name, discriminator_hinge_loss,
                                         embedding_match_loss, feature_matching_loss, generator_adversarial_loss)


def test_paper_weights_are_the_defaults():
    config = LossConfig()
    assert (config.vgg19_weight, config.vggface_weight) == (1e-2, 2e-3)
    assert (config.feature_matching_weight, config.embedding_match_weight) == (10.0, 80.0)
    assert config.vgg19_layers == (1, 6, 11, 20, 29) and config.vggface_layers == (1, 6, 11, 18, 25)
    assert LossConfig.from_dict(config.to_dict()) == config


def test_hinge_loss_on_known_scores():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 1.0])
    # mean(relu(1 - real)) = (0 + 0.5 + 2) / 3, mean(relu(1 + fake)) = (0 + 1 + 2) / 3
    assert discriminator_hinge_loss(real, fake).item() == pytest.approx(2.5 / 3 + 1.0)
    assert discriminator_hinge_loss(torch.full((4,), 1.0), torch.full((4,), -1.0)).item() == 0.0


def test_generator_adversarial_loss_is_minus_the_score():
    assert generator_adversarial_loss(torch.tensor([1.0, 3.0])).item() == -2.0


def test_feature_matching_is_zero_for_identical_activations_and_l1_otherwise():
    acts = [torch.randn(2, 4, 8, 8), torch.randn(2, 8, 4, 4)]
    assert feature_matching_loss(acts, [a.clone() for a in acts]).item() == 0.0
    shifted = [acts[0] + 0.5, acts[1] - 0.25]
    assert feature_matching_loss(acts, shifted).item() == pytest.approx(0.75)


def test_feature_matching_sends_no_gradient_into_the_real_side():
    real = [torch.randn(2, 3, requires_grad=True)]
    fake = [torch.randn(2, 3, requires_grad=True)]
    feature_matching_loss(real, fake).backward()
    assert real[0].grad is None and fake[0].grad is not None


def test_embedding_match_is_80_times_the_l1_distance():
    W, e = torch.tensor([[1.0, -1.0, 0.0]]), torch.tensor([[0.5, 0.0, 0.0]])
    assert embedding_match_loss(W, e).item() == pytest.approx(80 * 1.5)
    assert embedding_match_loss(W, e, LossConfig(embedding_match_weight=2.0)).item() == pytest.approx(3.0)


def first_layer_input(network: vgg.VGGFeatures, images: torch.Tensor) -> torch.Tensor:
    seen = []
    hook = network.features[0].register_forward_hook(lambda m, args, out: seen.append(args[0]))
    network(images)
    hook.remove()
    return seen[0]


def test_vgg19_gets_rgb_normalised_by_the_imagenet_mean_and_std():
    network = vgg.VGGFeatures(vgg.VGG19_PLAN, (1, 6), vgg.IMAGENET_TORCHVISION)
    images = torch.rand(1, 3, 8, 8) * 2 - 1
    unit = (images + 1) / 2
    mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
    expected = (unit - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
    assert torch.allclose(first_layer_input(network, images), expected, atol=1e-6)


def test_vggface_gets_0_to_255_minus_its_mean_in_the_files_channel_order():
    images = torch.rand(1, 3, 8, 8) * 2 - 1
    pixels = (images + 1) * 127.5  # RGB 0-255
    rgb = vgg.VGGFeatures(vgg.VGG16_PLAN, (1,), vgg.VGGFACE_MATCONVNET)
    mean_rgb = torch.tensor([129.186279296875, 104.76238250732422, 93.59396362304688]).view(1, 3, 1, 1)
    assert torch.allclose(first_layer_input(rgb, images), pixels - mean_rgb, atol=1e-4)
    caffe = vgg.VGGFeatures(vgg.VGG16_PLAN, (1,), vgg.VGGFACE_CAFFE)
    mean_bgr = torch.tensor([93.5940, 104.7624, 129.1863]).view(1, 3, 1, 1)
    assert torch.allclose(first_layer_input(caffe, images), pixels.flip(1) - mean_bgr, atol=1e-4)


def test_taps_are_the_relu_outputs_and_the_network_is_frozen():
    network = vgg.VGGFeatures(vgg.VGG19_PLAN, (1, 6, 11, 20, 29), vgg.IMAGENET_TORCHVISION)
    assert [type(network.features[i]) for i in (1, 6, 11, 20, 29)] == [nn.ReLU] * 5
    assert [network.features[i - 1].out_channels for i in (1, 6, 11, 20, 29)] == [64, 128, 256, 512, 512]
    assert len(network.features) == 30 and not any(p.requires_grad for p in network.parameters())
    network.train()
    assert not network.training


def save_state(path: Path, prefixes: list[str], shapes: list[tuple[int, int]]) -> dict[str, torch.Tensor]:
    state = {}
    for prefix, (cin, cout) in zip(prefixes, shapes):
        state[f"{prefix}.weight"] = torch.randn(cout, cin, 3, 3)
        state[f"{prefix}.bias"] = torch.randn(cout)
    state["classifier.0.weight"] = torch.randn(2, 2)  # extra entries of the file are ignored
    torch.save(state, path)
    return state


def test_loads_the_torchvision_vgg19_file_format(tmp_path):
    path = tmp_path / "vgg19.pth"
    state = save_state(path, ["features.0", "features.2", "features.5"], [(3, 64), (64, 64), (64, 128)])
    network = vgg.vgg19(path, taps=(1, 6))
    assert torch.equal(network.features[5].weight, state["features.5.weight"])
    assert torch.equal(network.features[0].bias, state["features.0.bias"])


def test_loads_the_converted_vggface_file_format(tmp_path):
    path = tmp_path / "vgg_face_dag.pth"
    state = save_state(path, ["conv1_1", "conv1_2", "conv2_1"], [(3, 64), (64, 64), (64, 128)])
    network = vgg.vggface(path, taps=(1, 6))
    assert torch.equal(network.features[5].weight, state["conv2_1.weight"])


def test_a_file_of_another_network_or_no_state_dict_is_refused(tmp_path):
    path = tmp_path / "other.pth"
    save_state(path, ["features.0"], [(3, 32)])
    with pytest.raises(WeightsError, match="features.0.weight should be"):
        vgg.vgg19(path, taps=(1,))
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a torch file")
    with pytest.raises(WeightsError, match="could not be read"):
        vgg.vgg19(junk, taps=(1,))


def test_missing_vgg_files_name_the_file_the_url_and_the_install_command(tmp_path):
    with pytest.raises(WeightsError) as error:
        content_loss_by_name("vgg", weights_dirs=[tmp_path])
    message = str(error.value)
    assert "vgg19-dcbb9e9d.pth" in message
    assert "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth" in message
    assert "install.py --weights" in message and str(tmp_path) in message
    with pytest.raises(WeightsError) as error:
        content_loss_by_name("vggface", weights_dirs=[tmp_path])
    message = str(error.value)
    assert "vgg_face_dag.pth" in message and "install.py --weights" in message
    assert "https://www.robots.ox.ac.uk/~albanie/models/pytorch-mcn/vgg_face_dag.pth" in message


def test_content_loss_from_files_is_zero_for_identical_images_and_grows_with_difference(tmp_path, monkeypatch):
    save_state(tmp_path / "vgg19-dcbb9e9d.pth", ["features.0", "features.2", "features.5"],
               [(3, 64), (64, 64), (64, 128)])
    unpinned = ManifestEntry("vgg19", "vgg19-dcbb9e9d.pth", "https://example.invalid/vgg19.pth", None, None)
    monkeypatch.setattr(vgg, "manifest_entry", lambda name: unpinned)
    loss = content_loss_by_name("vgg19", LossConfig(vgg19_layers=(1, 6)), weights_dirs=[tmp_path])
    real = torch.rand(2, 3, 16, 16) * 2 - 1
    fake = real.clone().requires_grad_(True)
    assert loss(real, fake).item() == 0.0
    near, far = loss(real, (real + 0.05).clamp(-1, 1)), loss(real, -real)
    assert 0 < near.item() < far.item()
    loss(real, fake + 0.1).backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0


def test_other_content_losses_by_name():
    real, fake = torch.zeros(1, 3, 4, 4), torch.full((1, 3, 4, 4), 0.5)
    assert content_loss_by_name("none")(real, fake).item() == 0.0
    assert content_loss_by_name("l1", LossConfig(pixel_weight=2.0))(real, fake).item() == pytest.approx(1.0)
    with pytest.raises(InputError, match="unknown content loss 'perceptual'"):
        content_loss_by_name("perceptual")


def test_perceptual_term_is_weighted():
    network = vgg.VGGFeatures(vgg.VGG19_PLAN, (1,), vgg.IMAGENET_TORCHVISION)
    real, fake = torch.zeros(1, 3, 8, 8), torch.full((1, 3, 8, 8), 0.3)
    one = losses.PerceptualLoss(network, 1.0)(real, fake)
    assert losses.PerceptualLoss(network, 0.01)(real, fake).item() == pytest.approx(0.01 * one.item(), rel=1e-5)


@pytest.mark.parametrize("side", [64, 128])
@pytest.mark.parametrize("name", ["l1_ssim", "l1_msssim"])
def test_pixel_and_structure_losses_need_no_download(name, side):
    loss = content_loss_by_name(name)
    torch.manual_seed(0)
    real = torch.rand(2, 3, side, side) * 2 - 1
    assert loss(real, real).item() == pytest.approx(0.0, abs=1e-5)
    noisy = (real + 0.2 * torch.randn_like(real)).clamp(-1, 1)
    blurred = torch.nn.functional.avg_pool2d(real, 3, 1, 1)
    l1 = content_loss_by_name("l1")
    assert loss(real, noisy) > l1(real, noisy) > 0  # the structural term adds to the pixel term
    assert loss(real, blurred).requires_grad is False and loss(real, blurred) > l1(real, blurred)


def test_auto_is_the_papers_loss_only_when_its_weights_are_installed(tmp_path):
    name, sentence = losses.choose_content_loss("auto", weights_dirs=[tmp_path])
    assert name == "l1_msssim" and "needs no download" in sentence
    for entry in (losses.manifest_entry("vgg19"), losses.manifest_entry("vggface")):
        with open(tmp_path / entry.file, "wb") as stream:  # sparse files of the published sizes
            stream.truncate(entry.size or 1)
    name, sentence = losses.choose_content_loss("auto", weights_dirs=[tmp_path])
    assert name == "vgg" and "installed" in sentence
    assert losses.choose_content_loss("l1_ssim", weights_dirs=[tmp_path])[0] == "l1_ssim"
    with pytest.raises(InputError, match="unknown content loss"):
        losses.choose_content_loss("ssim")
