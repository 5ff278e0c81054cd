"""C2PA content credentials: every output validates and names the renderer, the portrait and the
driver by hash; a configured studio certificate signs, a bad one stops the job before any work."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from talking_heads import media
from talking_heads.batch import run_shots
from talking_heads.errors import InputError
from talking_heads.pipeline import AnimateJob, animate
from talking_heads.provenance import signing
from talking_heads.provenance.credentials import TRAINED_ALGORITHMIC_MEDIA, read_credentials


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check(path: Path, renderer: str, inputs: dict[str, Path]) -> None:
    report = read_credentials(path)
    assert report.valid, (path, report.failures)
    assert report.source_type == TRAINED_ALGORITHMIC_MEDIA and report.renderer == renderer
    assert report.generator.startswith("Talking Heads ")
    assert not report.trusted_signer  # this installation's own key
    hashes = {i["metadata"]["role"]: i["instance_id"] for i in report.ingredients}
    assert hashes == {role: f"sha256:{_sha256(file)}" for role, file in inputs.items()}


def test_png_sequence_mp4_and_side_by_side_carry_valid_credentials(rendered, portrait, clips_dir):
    inputs = {"portrait": portrait, "driver": clips_dir / "d0.mp4"}
    for index in (1, 8):
        _check(media.frame_path(rendered / "frames", index), "warp", inputs)
    _check(rendered / "frames.mp4", "warp", inputs)
    _check(rendered / "sbs.mp4", "warp", inputs)


def test_a_changed_pixel_breaks_the_credentials(rendered, tmp_path):
    copy = tmp_path / "frame.png"
    shutil.copy(media.frame_path(rendered / "frames", 1), copy)
    data = bytearray(copy.read_bytes())
    idat = data.index(b"IDAT") + 8
    data[idat] ^= 0xFF  # inside the compressed pixels
    copy.write_bytes(bytes(data))
    report = read_credentials(copy)
    assert report.present and not report.valid and "assertion.dataHash.mismatch" in report.failures


def test_a_batch_shot_mp4_carries_credentials(tmp_path, portrait):
    shots = tmp_path / "shots.toml"
    shots.write_text(f'[talk]\nsource = "{portrait}"\ndriver = "motion:talk"\nduration = 0.3\n'
                     f'renderer = "warp"\noutput = "talk.mp4"\n')
    assert [o.status for o in run_shots(shots, report=lambda line: None)] == ["done"]
    _check(tmp_path / "talk.mp4", "warp", {"portrait": portrait})
    assert read_credentials(tmp_path / "talk.mp4").generation["driver"] == "motion:talk"


@pytest.fixture
def studio(tmp_path) -> tuple[Path, Path]:
    """A studio's certificate chain and key, made the way the installation key is."""
    signing._make_installation_key(tmp_path / "studio")
    return tmp_path / "studio" / "certificate.pem", tmp_path / "studio" / "key.pem"


def test_a_studio_certificate_signs_and_a_trust_list_trusts_it(tmp_path, portrait, studio, monkeypatch):
    certificate, key = studio
    monkeypatch.setenv(signing.CERT_VARIABLE, str(certificate))
    monkeypatch.setenv(signing.KEY_VARIABLE, str(key))
    out = tmp_path / "studio.mp4"
    animate(AnimateJob([portrait], "motion:blink", out, renderer="warp", motion_duration=0.2))
    authority = certificate.read_bytes().split(b"-----END CERTIFICATE-----\n", 1)[1]  # the chain's issuer
    assert not read_credentials(out).trusted_signer
    trusted = read_credentials(out, trust_anchors=authority)
    assert trusted.valid and trusted.trusted_signer and "Talking Heads installation" in trusted.signer


def test_a_bad_signing_configuration_stops_before_any_work(tmp_path, portrait, studio, monkeypatch):
    certificate, key = studio
    other = tmp_path / "other"
    signing._make_installation_key(other)
    out = tmp_path / "never"
    cases = {"no such file": (tmp_path / "missing.pem", key),
             "does not match": (certificate, other / "key.pem"),
             "not a PEM certificate": (key, key)}
    for message, (cert, private) in cases.items():
        with pytest.raises(InputError, match=message):
            animate(AnimateJob([portrait], "motion:blink", out, renderer="warp", signing_cert=cert,
                               signing_key=private))
    monkeypatch.setenv(signing.CERT_VARIABLE, str(certificate))
    with pytest.raises(InputError, match="without its key"):
        animate(AnimateJob([portrait], "motion:blink", out, renderer="warp"))
    assert not out.exists()


def test_the_installation_key_is_made_once(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    signing.installation_identity.cache_clear()
    try:
        first = signing.installation_identity()
        signing.installation_identity.cache_clear()
        assert signing.installation_identity() == first and not first.trusted
        assert (tmp_path / "talking-heads" / "signing" / "key.pem").stat().st_mode & 0o077 == 0
    finally:
        signing.installation_identity.cache_clear()
