"""The JPEG transform chain as two Keras layers: analysis (pixels -> quantized DCT levels)
and synthesis (levels -> pixels), composed from the colour, subsampling, DCT and
quantization layers. In hard mode with ``dct_method="islow"`` it computes the levels
libjpeg-turbo codes (the reference encoder, :mod:`jpegzoo.jpeg.forward`, computes the same
ones without TensorFlow); models train through it in ``ste`` or ``noise`` mode.

Tensors:
    images: float ``[B, H, W, 3]`` RGB or ``[B, H, W, 1]`` grey, samples 0..255.
    levels: dict ``{"luma": [B, Hl, Wl, 1, 64], "chroma": [B, Hc, Wc, 2, 64]}`` (no
        "chroma" for grey), natural order, quantization levels. Block grids cover the image
        padded to whole MCUs: ``Hl = ceil(H / (8 fv)) * fv`` and ``Hc = Hl / fv``, etc.
    qtables: per-component tables ``[C, 64]`` or per image ``[B, C, 64]`` (natural order,
        C = 3 for colour, 1 for grey); see :func:`component_qtables`.
"""

import functools

import keras
from keras import ops

from jpegzoo.layers.color import RGBToYCbCr, YCbCrToRGB, round_half_away, straight_through
from jpegzoo.layers.dct import (
    BLOCK,
    BlockDCT,
    BlockIDCT,
    crop_to,
    image_from_blocks,
    pad_to_multiple,
)
from jpegzoo.layers.islow_dct import islow_idct
from jpegzoo.layers.numerics.standard import chroma_factors, component_qtables  # noqa: F401
from jpegzoo.layers.quantization import Dequantize, Quantize
from jpegzoo.layers.subsampling import ChromaSubsample, ChromaUpsample

LEVEL_SHIFT = 128.0


def mcu_size(subsampling):
    """(height, width) of an MCU in pixels for a subsampling mode."""
    fv, fh = chroma_factors(subsampling)
    return BLOCK * fv, BLOCK * fh


def _split_tables(qtables):
    """Per-component tables [C,64] or [B,C,64] -> (luma tables, chroma tables)."""
    return qtables[..., :1, :], qtables[..., 1:, :]


@keras.saving.register_keras_serializable(package="jpegzoo")
class JpegAnalysis(keras.layers.Layer):
    """RGB/grey pixels -> quantized DCT levels, exactly as a baseline JPEG encoder does.

    Args:
        subsampling: '444', '422' or '420' (ignored for grey input).
        quantize_mode: 'hard', 'ste' or 'noise' (see :class:`Quantize`).
        round_samples: round YCbCr and subsampled chroma to integers (what an 8-bit
            encoder stores); straight-through, so it does not block gradients.
        dct_method: ``"float"`` (differentiable) or ``"islow"`` (libjpeg-turbo's integer
            DCT, bit-exact; hard quantization only).
    """

    def __init__(self, subsampling="420", quantize_mode="hard", round_samples=True,
                 dct_method="float", **kwargs):
        super().__init__(**kwargs)
        if dct_method == "islow" and (quantize_mode != "hard" or not round_samples):
            raise ValueError("dct_method='islow' needs quantize_mode='hard' and "
                             "round_samples=True (it is integer arithmetic)")
        self.subsampling = str(subsampling).replace(":", "")
        self.quantize_mode = quantize_mode
        self.round_samples = bool(round_samples)
        self.dct_method = dct_method
        self.to_ycbcr = RGBToYCbCr(round_output=round_samples)
        self.subsample = ChromaSubsample(self.subsampling, round_output=round_samples)
        self.dct = BlockDCT(method=dct_method)
        self.quantize = Quantize(quantize_mode)
        self.built = True  # sub-layers create no shape-dependent weights

    def call(self, images, qtables, training=False):
        qtables = ops.convert_to_tensor(qtables)
        luma_tables, chroma_tables = _split_tables(qtables)
        coefficients = self.transform(images)
        levels = {"luma": self.quantize(coefficients["luma"], luma_tables, training=training)}
        if "chroma" in coefficients:
            levels["chroma"] = self.quantize(coefficients["chroma"], chroma_tables,
                                             training=training)
        return levels

    def transform(self, images):
        """The DCT coefficients before quantization, in the same dict layout as the levels
        (``dct_method="float"``: the orthonormal DCT of the level-shifted samples)."""
        if images.shape[-1] == 1:
            return {"luma": self.dct(images - LEVEL_SHIFT)}
        # Edges are padded where libjpeg pads them (jcprepct.c, jcsample.c): columns to
        # whole MCUs and rows to whole sampling groups before downsampling, then the
        # downsampled rows by replication to whole blocks.
        (mcu_h, mcu_w), fv = mcu_size(self.subsampling), chroma_factors(self.subsampling)[0]
        ycbcr = self.to_ycbcr(pad_to_multiple(images, fv, mcu_w))
        luma = pad_to_multiple(ycbcr[..., :1], mcu_h, mcu_w)
        chroma = pad_to_multiple(self.subsample(ycbcr[..., 1:]), BLOCK, BLOCK)
        return {"luma": self.dct(luma - LEVEL_SHIFT), "chroma": self.dct(chroma - LEVEL_SHIFT)}

    def get_config(self):
        return {**super().get_config(), "subsampling": self.subsampling,
                "quantize_mode": self.quantize_mode, "round_samples": self.round_samples,
                "dct_method": self.dct_method}


@keras.saving.register_keras_serializable(package="jpegzoo")
class JpegSynthesis(keras.layers.Layer):
    """Quantized DCT levels -> pixels ``[B, H, W, C]`` (0..255), as a JPEG decoder does.

    Args:
        subsampling: the mode the levels were made with.
        upsample: 'fancy' (libjpeg/Pillow default) or 'nearest'.
        round_output: decode as an 8-bit decoder does (straight-through): samples rounded
            and clipped after the inverse DCT, chroma upsampled with libjpeg's integer
            rounding, RGB rounded and clipped.
        idct_method: ``"float"`` (exact orthonormal inverse DCT) or ``"islow"`` (hard mode
            only: libjpeg-turbo's integer ``jidctint`` in the forward pass, bit-exact with
            Pillow's decoder; the float transform's gradient in the backward pass).
    Call as ``synthesis(levels, qtables, height=H, width=W)``: ``levels`` a dict as in
    :class:`JpegAnalysis`, and the output size as keywords (Python ints or scalar tensors;
    Keras accepts only tensors as positional arguments).
    """

    def __init__(self, subsampling="420", upsample="fancy", round_output=False,
                 idct_method="float", **kwargs):
        super().__init__(**kwargs)
        if idct_method not in ("float", "islow"):
            raise ValueError(f"unknown idct_method {idct_method!r}; use 'float' or 'islow'")
        if idct_method == "islow" and not round_output:
            raise ValueError("idct_method='islow' needs round_output=True (integer samples)")
        self.idct_method = idct_method
        self.subsampling = str(subsampling).replace(":", "")
        self.upsample_method = upsample
        self.round_output = bool(round_output)
        self.idct = BlockIDCT()
        self.dequantize = Dequantize()
        self.upsample = ChromaUpsample(self.subsampling, method=upsample,
                                       round_output=self.round_output)
        self.to_rgb = YCbCrToRGB()
        self.built = True  # sub-layers create no shape-dependent weights

    def call(self, levels, qtables, height, width):
        qtables = ops.convert_to_tensor(qtables)
        luma_tables, chroma_tables = _split_tables(qtables)
        luma = self._planes(levels["luma"], luma_tables)
        if "chroma" not in levels:
            return self._finish(crop_to(luma, height, width))
        # Upsample only the chroma samples inside the image, so that the edge is replicated
        # from the last real sample as libjpeg does (not from the MCU padding).
        fv, fh = chroma_factors(self.subsampling)
        chroma = crop_to(self._planes(levels["chroma"], chroma_tables),
                         (height + fv - 1) // fv, (width + fh - 1) // fh)
        chroma = crop_to(self.upsample(chroma), height, width)
        ycbcr = ops.concatenate([crop_to(luma, height, width), chroma], axis=-1)
        return self._finish(self.to_rgb(ycbcr))

    def _planes(self, levels, tables):
        coefficients = self.dequantize(levels, tables)
        samples = self.idct(coefficients) + LEVEL_SHIFT
        if not self.round_output:
            return samples
        if self.idct_method == "islow":
            shape = ops.shape(coefficients)
            blocks = ops.reshape(ops.round(coefficients), (*shape[:4], BLOCK, BLOCK))
            exact = image_from_blocks(ops.cast(islow_idct(blocks), samples.dtype))
            return straight_through(samples, exact)
        return straight_through(samples, ops.clip(round_half_away(samples), 0.0, 255.0))

    def _finish(self, pixels):
        if not self.round_output:
            return pixels
        return straight_through(pixels, ops.clip(round_half_away(pixels), 0.0, 255.0))

    def get_config(self):
        return {**super().get_config(), "subsampling": self.subsampling,
                "upsample": self.upsample_method, "round_output": self.round_output,
                "idct_method": self.idct_method}


@functools.lru_cache(maxsize=None)
def compiled_analysis(subsampling, num_components, dct_method="islow"):
    """A hard-mode :class:`JpegAnalysis` compiled once (``tf.function``) for any image size:
    ``f(images float32 [1, H, W, C], qtables float32 [C, 64]) -> levels dict``. Cached per
    argument tuple, so the dataset builders share one graph."""
    import tensorflow as tf

    layer = JpegAnalysis(subsampling, quantize_mode="hard", dct_method=dct_method)
    return tf.function(layer.__call__, input_signature=[
        tf.TensorSpec([1, None, None, num_components], tf.float32),
        tf.TensorSpec([num_components, 64], tf.float32)])


@functools.lru_cache(maxsize=None)
def compiled_transform(subsampling, num_components):
    """``f(images float32 [1, H, W, C]) -> coefficients dict``: the unquantized float DCT
    coefficients of :meth:`JpegAnalysis.transform` (libjpeg's colour conversion, subsampling
    and edge padding), compiled once per argument tuple. Encoders that choose their own
    levels (rate-distortion optimization) start from these."""
    import tensorflow as tf

    layer = JpegAnalysis(subsampling, quantize_mode="hard", dct_method="float")
    return tf.function(layer.transform, input_signature=[
        tf.TensorSpec([1, None, None, num_components], tf.float32)])
