"""The reference encoders (anchors): what each writes, and mozjpeg's cjpeg defaults
byte for byte."""

import hashlib
import importlib.util
import io
from importlib.resources import files

import numpy as np
import pytest
from PIL import Image

from jpegzoo import metrics
from jpegzoo.reference_codecs import (
    guetzli_encode,
    jpegli_encode,
    mozjpeg_cjpeg_encode,
    mozjpeg_encode,
    pillow_encode,
)


def _skip_without(module):
    return pytest.mark.skipif(importlib.util.find_spec(module) is None,
                              reason=f"{module} is not installed (pip install "
                                     f"'jpegzoo[reference]')")


needs_jpeglib = _skip_without("jpeglib")
needs_pyjpegli = _skip_without("pyjpegli")
needs_pyguetzli = _skip_without("pyguetzli")

#: Luma (horizontal, vertical) sampling factors in the frame header, by subsampling name.
LUMA = {"444": (1, 1), "422": (2, 1), "420": (2, 2)}


def _sample(rows=101, columns=77):
    path = files("jpegzoo") / "data" / "samples" / "kodim05_crop256.png"
    return np.asarray(Image.open(str(path)).convert("RGB"))[:rows, :columns]


def _frame(data):
    """(luma (h, v) sampling, number of components, progressive?, decoded pixels)."""
    image = Image.open(io.BytesIO(data))
    _, h, v, _ = image.layer[0]
    return (h, v), len(image.layer), bool(image.info.get("progressive")), np.asarray(image)


@pytest.mark.parametrize("subsampling", ["444", "422", "420"])
def test_pillow_writes_the_requested_sampling(subsampling):
    image = _sample()
    luma, components, progressive, decoded = _frame(pillow_encode(image, 75, subsampling))
    assert luma == LUMA[subsampling] and components == 3 and not progressive
    assert decoded.shape == image.shape and metrics.psnr(image, decoded) > 28


def test_reference_encoders_reject_bad_arguments():
    image = _sample(16, 16)
    with pytest.raises(ValueError, match="subsampling"):
        pillow_encode(image, 75, "411")
    with pytest.raises(ValueError, match="uint8"):
        pillow_encode(image.astype(np.float32), 75)
    with pytest.raises(ValueError, match="restart"):
        pillow_encode(image, 75, restart_interval=2)


@needs_jpeglib
@pytest.mark.parametrize("subsampling", ["444", "422", "420"])
def test_mozjpeg_ijg_writes_ijg_tables_and_the_requested_sampling(subsampling):
    image = _sample()
    data = mozjpeg_encode(image, 75, subsampling)
    luma, components, progressive, decoded = _frame(data)
    assert luma == LUMA[subsampling] and components == 3 and progressive
    ijg = Image.open(io.BytesIO(pillow_encode(image, 75, subsampling))).quantization
    assert Image.open(io.BytesIO(data)).quantization == ijg
    assert metrics.psnr(image, decoded) > 28
    grey = _frame(mozjpeg_encode(image[:, :, 0], 75))
    assert grey[1] == 1 and grey[3].shape == image.shape[:2]


# SHA-256 of mozjpeg 4.0.3's cjpeg (built from the v4.0.3 tag, cmake -DWITH_SIMD=0) on the
# top-left 101x77 of kodim05_crop256.png (green channel for the grey case), with the
# command-line arguments shown.
CJPEG_OUTPUTS = [
    ("-quality 30", 30, "420", False,
     "571de67063b930c1534b48a334385662be23914131f03f345b7b79f6d39d0acb"),
    ("-quality 85 (cjpeg picks 4:2:2)", 85, "cjpeg", False,
     "083453baaf305c0ffb5282f2d9e924f7e367ea5f900fe2b0e3a91cba63475096"),
    ("-quality 95 -sample 1x1", 95, "444", False,
     "a2413781cef77d0ad1b3d0692de4d9d5eb8f8e91287b7fe002ab40cac2eb75a2"),
    ("-quality 50 -grayscale", 50, "420", True,
     "22b8580b467c26c52919792fb20816ea2f124232045dab858ca7038c31ce1d41"),
]


@needs_jpeglib
@pytest.mark.parametrize("arguments,quality,subsampling,grey,digest", CJPEG_OUTPUTS,
                         ids=[c[0] for c in CJPEG_OUTPUTS])
def test_mozjpeg_cjpeg_is_byte_identical_to_cjpeg(arguments, quality, subsampling, grey,
                                                   digest):
    image = _sample()
    data = mozjpeg_cjpeg_encode(image[:, :, 1] if grey else image, quality, subsampling)
    assert hashlib.sha256(data).hexdigest() == digest


@needs_jpeglib
@pytest.mark.parametrize("quality,luma", [(79, (2, 2)), (80, (2, 1)), (89, (2, 1)),
                                          (90, (1, 1))])
def test_mozjpeg_cjpeg_subsampling_rule(quality, luma):
    data = mozjpeg_cjpeg_encode(_sample(24, 40), quality, "cjpeg")
    sampling, _, progressive, _ = _frame(data)
    assert sampling == luma and progressive


@needs_jpeglib
def test_mozjpeg_cjpeg_beats_libjpeg_turbo_at_its_own_quality_scale():
    image = _sample(256, 256)
    for quality in (30, 75):
        moz = mozjpeg_cjpeg_encode(image, quality)
        turbo = pillow_encode(image, quality, optimize=True)
        assert len(moz) < len(turbo)  # its tables are coarser at high frequencies
        assert metrics.psnr(image, _frame(moz)[3]) > 25


@needs_pyjpegli
def test_jpegli_writes_sequential_420_and_grows_with_quality():
    image = _sample()
    sizes = []
    for quality in (30, 90):
        data = jpegli_encode(image, quality)
        luma, components, progressive, decoded = _frame(data)
        assert luma == (2, 2) and components == 3 and not progressive
        assert metrics.psnr(image, decoded) > 25
        sizes.append(len(data))
    assert sizes[0] < sizes[1]
    assert _frame(jpegli_encode(image[:, :, 0], 75))[3].shape == image.shape  # grey as RGB


@needs_pyguetzli
def test_guetzli_encodes_a_small_image():
    image = _sample(16, 24)
    luma, components, _, decoded = _frame(guetzli_encode(image, 95))
    assert components == 3 and decoded.shape == image.shape
    assert metrics.psnr(image, decoded) > 30
