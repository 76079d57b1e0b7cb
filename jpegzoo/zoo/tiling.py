"""Tiled evaluation of convolutional transforms: bounded memory, the same integers.

A convolutional network is local: along each axis, an output value reads a window of the
input (its receptive field) that the layers' kernel sizes, strides and padding fix. So a
transform can run on overlapping crops -- each holding the inputs of a tile of outputs
plus that window (the halo) -- keeping only each crop's outputs of its tile. Every kept
output then reads the same input values through the same intermediate values as in the
whole-image run: crops start on multiples of the coarsest grid of the network (so every
layer's grid and its ``same`` padding line up with the whole run's) and end on one, or at
the input's own border (where the padding is the whole run's).

A :class:`Cone` describes what a tensor's values read, in image pixels; it is computed
from the layers (:func:`stack_cone` for a Keras stack; models with recurrent graphs
compose :meth:`Cone.conv` / :meth:`Cone.conv_transpose` / :meth:`Cone.depth_to_space` /
``|`` themselves), never measured.

What construction cannot give is bit-identical floats: the convolution kernels of
TensorFlow's CPU back end sum in an order that depends on the tensor's shape and on a
value's position in it, as they do on the thread count (measured: about 1 in 1,000
latents of a tiled ``compressive_ae`` analysis differ by at most 4e-6 from the whole
run's). The integers a codec writes (rounded latents) agree unless a value lies within
such a difference of a rounding boundary; the tests and ``benchmarks/memory`` compare
tiled and whole runs on photos. Decoders never depend on the encoder's floats, so files
stay decodable either way.

Tiles and crops are pixel intervals along each axis, the same on both axes (square
kernels and strides).
"""

import math
from dataclasses import dataclass

import keras
import numpy as np

from jpegzoo.layers import GDN, BlockDCT, BlockIDCT, RGBToYCbCr, YCbCrToRGB

#: Layers that act on each position alone.
POINTWISE = (GDN, RGBToYCbCr, YCbCrToRGB, keras.layers.Activation, keras.layers.ReLU)
#: Side (pixels) of the square of image pixels a tile covers: about 1 MP, whose analysis
#: or synthesis takes a few hundred MB in the learned codecs.
TILE = 1024


def _same_padding(kernel, stride):
    """Zeros TensorFlow's ``same`` padding puts before the first input when the input
    size is a multiple of ``stride``."""
    return max(kernel - stride, 0) // 2


@dataclass(frozen=True)
class Cone:
    """What the values of a tensor read along an axis: value ``i`` of a tensor whose
    values lie ``step`` pixels apart reads the inputs at pixel positions
    ``step * i - before .. step * i + after``. ``coarsest``: the largest step of any
    tensor on the way (crops start on multiples of it)."""

    step: int
    before: int = 0
    after: int = 0
    coarsest: int = 0

    def __post_init__(self):
        object.__setattr__(self, "coarsest", max(self.coarsest, self.step))

    def conv(self, kernel, stride=1, padding="same", dilation=1):
        """After a convolution (``padding`` 'same' or 'valid')."""
        reach = dilation * (kernel - 1) + 1
        pad = _same_padding(reach, stride) if padding == "same" else 0
        # output i reads inputs stride * i - pad .. stride * i - pad + reach - 1
        return Cone(self.step * stride, self.before + self.step * pad,
                    self.after + self.step * (reach - 1 - pad), self.coarsest)

    def conv_transpose(self, kernel, stride, padding="same"):
        """After a transposed convolution: output o reads input i for
        ``stride * i + tap - pad == o``, taps ``0..kernel-1``."""
        step = _exact_division(self.step, stride)
        pad = _same_padding(kernel, stride) if padding == "same" else 0
        return Cone(step, self.before + step * (kernel - 1 - pad), self.after + step * pad,
                    self.coarsest)

    def depth_to_space(self, block=2):
        """After depth-to-space: output o reads input ``o // block``."""
        step = _exact_division(self.step, block)
        return Cone(step, self.before + step * (block - 1), self.after, self.coarsest)

    def __or__(self, other):
        """A value reading both (pointwise combination of tensors of one grid)."""
        if self.step != other.step:
            raise ValueError(f"cannot combine grids of steps {self.step} and {other.step}")
        return Cone(self.step, max(self.before, other.before), max(self.after, other.after),
                    max(self.coarsest, other.coarsest))

    def inputs(self, lo, hi, input_step=1):
        """Indices ``(lo', hi')`` of the inputs (``input_step`` pixels apart) that values
        ``lo..hi`` read."""
        return (-(-(self.step * lo - self.before) // input_step),
                (self.step * hi + self.after) // input_step)


def _exact_division(step, factor):
    if step % factor:
        raise ValueError(f"a grid of step {step} cannot be refined {factor} times")
    return step // factor


def _square(value, what, layer):
    values = (value,) * 2 if isinstance(value, int) else tuple(value)
    if values[0] != values[1]:
        raise ValueError(f"{layer.name}: tiling needs square {what}, got {values}")
    return int(values[0])


def layer_cone(layer, cone):
    """``cone`` after ``layer`` (ValueError for layers this module does not know, so a
    new layer type cannot silently shrink the halo)."""
    if isinstance(layer, POINTWISE):
        return cone
    if isinstance(layer, BlockDCT):
        return cone.conv(8, 8, "valid")
    if isinstance(layer, BlockIDCT):
        return cone.conv_transpose(8, 8, "valid")
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
        if layer.padding not in ("same", "valid"):
            raise ValueError(f"{layer.name}: cannot tile padding {layer.padding!r}")
        kernel = _square(layer.kernel_size, "kernels", layer)
        stride = _square(layer.strides, "strides", layer)
        dilation = _square(layer.dilation_rate, "dilations", layer)
        if isinstance(layer, keras.layers.Conv2D):
            return cone.conv(kernel, stride, layer.padding, dilation)
        if dilation != 1 or layer.output_padding is not None:
            raise ValueError(f"{layer.name}: cannot tile dilated or output-padded "
                             f"transposed convolutions")
        return cone.conv_transpose(kernel, stride, layer.padding)
    raise ValueError(f"cannot tile through layer {layer.name!r} ({type(layer).__name__})")


def stack_cone(layers, input_step=1):
    """The :class:`Cone` of the output of ``layers`` applied in order to an input whose
    values lie ``input_step`` pixels apart (a latent grid: the codec's stride)."""
    cone = Cone(input_step)
    for layer in layers:
        cone = layer_cone(layer, cone)
    return cone


def receptive_field(cone, input_step=1):
    """Inputs one output reads along an axis (the receptive field's side)."""
    lo, hi = cone.inputs(0, 0, input_step)
    return hi - lo + 1


@dataclass(frozen=True)
class Tiling:
    """How a transform over an image is cut into tiles, in pixels along each axis: tile
    ``[a, b)`` (a multiple of ``tile`` and the next, or the border) is computed from the
    crop ``[a - before, b + after)``, widened to multiples of ``align`` and clipped to the
    image.

    Attributes:
        before, after: the halo (pixels) the outputs need before and after a tile.
        align: crops start and end on multiples of this (the coarsest grid's step).
        tile: side of a tile in pixels (a multiple of ``align``); None: never tile.
    """

    before: int
    after: int
    align: int
    tile: int = TILE

    def __post_init__(self):
        if self.tile is not None and self.tile % self.align:
            raise ValueError(f"tiles of {self.tile} pixels do not fall on the grid of "
                             f"{self.align} pixels")

    @classmethod
    def of(cls, cones, tile=TILE):
        """The tiling whose tiles give exact values of outputs with these :class:`Cone`
        s (output value ``i`` covers pixels ``step * i .. step * (i + 1) - 1``)."""
        return cls(max(c.before for c in cones), max(c.after - c.step + 1 for c in cones),
                   max(c.coarsest for c in cones), tile)

    def whole(self, shape):
        """Whether an image of ``(height, width)`` pixels runs in one piece: it has at
        most ``tile**2`` pixels."""
        return self.tile is None or math.prod(shape) <= self.tile ** 2

    def crops(self, size):
        """``(lo, hi, start, stop)`` pixels per tile along an axis of ``size`` pixels (a
        multiple of ``align``): run the crop ``lo:hi``, keep its tile ``start:stop``."""
        for start in range(0, size, self.tile):
            stop = min(start + self.tile, size)
            lo = max(0, (start - self.before) // self.align * self.align)
            hi = min(size, -(-(stop + self.after) // self.align) * self.align)
            yield lo, hi, start, stop


def run_tiled_grids(transform, inputs, tiling):
    """``transform`` of arrays on grids of one image, computed tile by tile.

    ``inputs``: ``[(array, step)]`` numpy ``[1, H / step, W / step, C]`` over the same
    ``H x W`` pixels (multiples of ``tiling.align``); ``transform(*crops)`` takes their
    crops over one pixel region and returns ``[(array, step)]`` (numpy or tensors) over
    that region. Returns the outputs' numpy arrays over the whole image (computed in one
    piece when :meth:`Tiling.whole` says so)."""
    first, step = inputs[0]
    shape = (first.shape[1] * step, first.shape[2] * step)
    if tiling.whole(shape):
        return [np.asarray(out) for out, _ in transform(*(array for array, _ in inputs))]
    outputs = None
    for y0, y1, top, bottom in tiling.crops(shape[0]):
        for x0, x1, left, right in tiling.crops(shape[1]):
            crops = [a[:, y0 // s:y1 // s, x0 // s:x1 // s] for a, s in inputs]
            parts = [(np.asarray(part), s) for part, s in transform(*crops)]
            if outputs is None:
                outputs = [np.empty((1, shape[0] // s, shape[1] // s, part.shape[3]),
                                    part.dtype) for part, s in parts]
            for out, (part, s) in zip(outputs, parts):
                out[:, top // s:bottom // s, left // s:right // s] = part[
                    :, (top - y0) // s:(bottom - y0) // s, (left - x0) // s:(right - x0) // s]
    return outputs


def run_tiled(transform, inputs, tiling, input_step=1, output_step=1):
    """``transform(inputs)`` computed tile by tile: ``inputs`` numpy ``[1, h, w, C]`` on
    a grid of ``input_step`` pixels; ``transform`` maps a crop to its output on a grid of
    ``output_step`` pixels; returns the numpy output (see :func:`run_tiled_grids`)."""
    (out,) = run_tiled_grids(lambda crop: [(transform(crop), output_step)],
                             [(inputs, input_step)], tiling)
    return out
