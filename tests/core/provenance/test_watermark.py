"""The invisible watermark: the package's arithmetic, invisible, and readable after the outputs are
re-encoded as H.264 at web quality and rescaled to half size; `verify` reports what it finds."""
from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
from imwatermark.dwtDctSvd import EmbedDwtDctSvd

from talking_heads import media
from talking_heads.cli import main
from talking_heads.provenance import watermark
from talking_heads.provenance.credentials import read_credentials
from talking_heads.verify import verify

WEB_CRF = 23  # x264's default quality: a typical web upload


def test_embedding_and_reading_are_the_packages_arithmetic():
    approximation = np.random.default_rng(0).uniform(40, 400, (64, 64)).astype(np.float32)
    expected = approximation.copy()
    package = EmbedDwtDctSvd(list(watermark.PAYLOAD_BITS), wmLen=watermark.PAYLOAD_BITS.size, block=4)
    package.encode_frame(expected, watermark.STEP)
    marked = watermark.embed_blocks(approximation)
    np.testing.assert_allclose(marked, expected, atol=1e-3)
    votes: list[list[int]] = [[] for _ in range(watermark.PAYLOAD_BITS.size)]
    package.decode_frame(approximation, watermark.STEP, votes)
    ours = watermark.block_votes(approximation)
    np.testing.assert_array_equal(ours.reshape(-1, watermark.PAYLOAD_BITS.size).T, np.array(votes, bool))


def test_the_mark_is_invisible_and_read_back(portrait):
    image = media.read_image(portrait)
    marked = watermark.embed(image)
    mse = np.mean((marked.astype(float) - image.astype(float)) ** 2)
    assert 10 * np.log10(255 ** 2 / mse) > 38  # PSNR in dB (about 40 on the portraits; chroma only)
    assert watermark.detect([marked]).found and not watermark.detect([image]).found


def _reencode(source, target, *, half: bool) -> None:
    scale = ["-vf", "scale=trunc(iw/4)*2:trunc(ih/4)*2"] if half else []
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(source), *scale, "-c:v", "libx264",
                    "-crf", str(WEB_CRF), "-pix_fmt", "yuv420p", "-map_metadata", "-1", str(target)], check=True)


@pytest.mark.parametrize("half", [False, True], ids=["h264", "h264+half-size"])
def test_every_frame_keeps_the_mark_after_reencoding(rendered, tmp_path, half):
    """Measured rate (benchmarks/provenance.py): every frame at CRF 23, full and half size."""
    copy = tmp_path / "reencoded.mp4"
    _reencode(rendered / "frames.mp4", copy, half=half)
    assert not read_credentials(copy).present  # the re-encode dropped the credentials...
    frames = list(media.VideoReader(copy))
    assert all(watermark.detect([frame]).found for frame in frames)  # ...but not the watermark
    report = verify(copy)
    assert report.watermark.found and report.marked and "synthetic" in report.verdict()


def test_verify_reports_outputs_and_an_unmarked_photo(rendered, portrait, capsys):
    assert main(["verify", str(rendered / "frames"), str(rendered / "frames.mp4"), str(portrait)]) == 0
    out = capsys.readouterr().out
    sequence, video, photo = out.split(f"{rendered / 'frames'}: ")[1].split(f"\n{rendered}/frames.mp4: ")[0], \
        out.split("frames.mp4: ")[1].split(f"\n{portrait}: ")[0], out.split(f"\n{portrait}: ")[1]
    for text in (sequence, video):
        assert "content credentials (C2PA): valid" in text and "renderer warp" in text
        assert "watermark: found" in text and "verdict: synthetic" in text and "trainedAlgorithmicMedia" in text
    assert "content credentials: none" in photo and "watermark: not found" in photo and "verdict: unmarked" in photo


def test_no_watermark_keeps_the_label_and_credentials(tmp_path, portrait):
    out = tmp_path / "plain.mp4"
    assert main(["-q", "animate", "--source", str(portrait), "--driver", "motion:blink", "--duration", "0.2",
                 "--renderer", "warp", "--no-watermark", "-o", str(out)]) == 0
    report = verify(out)
    assert not report.watermark.found and report.credentials_valid
    assert report.credentials[0].generation["watermark"] == "none"
    assert media.read_video_metadata(out)["synthetic"] == "true"
