"""jpegzoo's reference encoder writes the same bytes as libjpeg-turbo (through Pillow).

With ``dct_method="islow"`` every step -- fixed-point colour conversion, downsampling
rounding and edge padding, integer DCT, quantization, dummy blocks, Huffman coding and
the marker layout -- follows libjpeg-turbo, so for the same tables, subsampling and
``optimize`` setting the two files must be identical. This is the strongest check of the
whole chain; a difference anywhere shows up as a byte mismatch.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jpegzoo.jpeg import encode
from jpegzoo.reference_codecs import pillow_encode


def _image(seed, height, width, channels):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:height, :width]
    base = 128 + 90 * np.sin(x / 5.0 + seed) * np.cos(y / 9.0)
    if channels == 3:
        base = np.stack([base, np.roll(base, 3, axis=1), 255 - base], -1)
    noise = rng.normal(0, 12, base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


@settings(max_examples=80, deadline=None)
@given(height=st.integers(1, 70), width=st.integers(1, 70), channels=st.sampled_from([1, 3]),
       subsampling=st.sampled_from(["444", "422", "420"]), quality=st.integers(1, 100),
       optimize=st.booleans(), seed=st.integers(0, 2**16))
def test_identical_to_libjpeg_turbo(height, width, channels, subsampling, quality, optimize,
                                    seed):
    image = _image(seed, height, width, channels)
    options = dict(quality=quality, subsampling=subsampling, optimize=optimize)
    assert encode(image, **options) == pillow_encode(image, **options)


def test_identical_on_a_photo_crop():
    from importlib.resources import files

    from jpegzoo.imageio import read_image

    path = files("jpegzoo") / "data" / "samples" / "kodim23_crop256.png"
    image = read_image(str(path))[:251, :237]
    for subsampling in ("444", "422", "420"):
        for quality in (5, 50, 90, 100):
            options = dict(quality=quality, subsampling=subsampling, optimize=quality > 50)
            assert encode(image, **options) == pillow_encode(image, **options)


def test_float_dct_stays_close_to_libjpeg():
    """The float DCT the models train with gives files within 1 % of libjpeg-turbo's."""
    image = _image(1, 96, 128, 3)
    for quality in (20, 75, 95):
        ours = len(encode(image, quality=quality, dct_method="float"))
        reference = len(pillow_encode(image, quality=quality))
        assert abs(ours / reference - 1) < 0.01
