"""Lossy re-compression of JPEG files in the DCT domain (``jpegzoo optimize -q`` /
``--target-*``): targets met against the decoded input, the input's subsampling and
metadata kept, never larger than the lossless re-coding."""

import io
from importlib.resources import files

import numpy as np
import pytest
from PIL import Image

from jpegzoo import metrics
from jpegzoo.cli import main
from jpegzoo.imageio import decode_jpeg
from jpegzoo.jpeg import read_jpeg
from jpegzoo.jpeg.optimize import optimize_jpeg
from jpegzoo.reference_codecs import pillow_encode
from jpegzoo.zoo.best_jpeg.recompress import recompress_jpeg

SAMPLE = files("jpegzoo") / "data" / "samples" / "kodim23_crop256.png"


def _pixels(grey=False):
    with Image.open(str(SAMPLE)) as image:
        return np.asarray(image.convert("L" if grey else "RGB"))


@pytest.mark.parametrize("subsampling", ["444", "422", "420"])
def test_target_is_met_against_the_decoded_input_and_subsampling_kept(subsampling):
    source = pillow_encode(_pixels(), 95, subsampling)
    result = recompress_jpeg(source, target_msssim=0.99)
    assert result.mode == "requantized" and len(result.data) < 0.7 * len(source)
    reference, decoded = decode_jpeg(source), decode_jpeg(result.data)
    assert metrics.ms_ssim(reference, decoded) >= 0.99
    assert result.score == pytest.approx(metrics.ms_ssim(reference, decoded))
    ours, theirs = read_jpeg(result.data).levels, read_jpeg(source).levels
    assert [c.sampling for c in ours.components] == [c.sampling for c in theirs.components]


def test_grey_and_quality_mean_libjpegs_score_on_the_decoded_input():
    source = pillow_encode(_pixels(grey=True), 95)
    result = recompress_jpeg(source, quality=70, tune="psnr")
    reference = decode_jpeg(source)
    libjpeg = decode_jpeg(pillow_encode(reference, 70, "420"))
    assert metrics.psnr(reference, decode_jpeg(result.data)) >= metrics.psnr(reference, libjpeg)
    with Image.open(io.BytesIO(result.data)) as image:
        assert image.mode == "L"


def test_never_larger_than_the_lossless_recoding():
    source = pillow_encode(_pixels(), 30, "420")
    result = recompress_jpeg(source, target_psnr=60.0)  # beyond what Q30 holds
    assert len(result.data) <= len(optimize_jpeg(source).data)
    assert result.mode in ("progressive", "baseline", "input")


def test_metadata_is_kept(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation
    buffer = io.BytesIO()
    Image.fromarray(_pixels()).save(buffer, "JPEG", quality=95, exif=exif)
    result = recompress_jpeg(buffer.getvalue(), target_ssim=0.95)
    with Image.open(io.BytesIO(result.data)) as image:
        assert image.getexif()[0x0112] == 6
    stripped = recompress_jpeg(buffer.getvalue(), target_ssim=0.95, copy="none")
    with Image.open(io.BytesIO(stripped.data)) as image:
        assert 0x0112 not in image.getexif()


def test_command_line(tmp_path, capsys):
    source = tmp_path / "in.jpg"
    source.write_bytes(pillow_encode(_pixels(), 95, "444"))
    assert main(["optimize", str(source), str(tmp_path / "a.jpg"), "--target-msssim",
                 "0.99"]) == 0
    assert "requantized, ms_ssim 0.99" in capsys.readouterr().out
    assert main(["optimize", str(source), str(tmp_path / "b.jpg"), "--tune", "psnr"]) == 2
    assert "lossy" in capsys.readouterr().err
    assert main(["optimize", str(source), str(tmp_path / "c.jpg"), "-q", "0"]) == 2
