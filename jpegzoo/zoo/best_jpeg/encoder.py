"""The rate-distortion core of ``--method best``: one image, one trade-off ``mu``.

At a trade-off ``mu`` (bits per unit of the tune's weighted squared pixel error,
:mod:`.tunes`) the encoder

1. computes libjpeg-turbo's unquantized DCT coefficients of the image at the chosen
   chroma subsampling (:mod:`jpegzoo.jpeg.coefficients`);
2. chooses the luma and chroma quantization tables that minimize ``bits + mu *
   distortion`` for this image (:func:`jpegzoo.jpeg.table_search.rd_qtable`, RD-OPT);
3. chooses the levels with the trellis at the same ``mu`` and weights
   (:func:`jpegzoo.jpeg.trellis.encode_levels`, ``weighting="sse"``), with Huffman tables
   re-estimated from the levels;
4. is written as baseline JPEG with optimal Huffman tables while searching (the pixels do
   not depend on the scans), and finally as progressive JPEG with searched scans
   (:mod:`jpegzoo.jpeg.scan_search`) or optimized baseline.

Sources: RD-OPT (Ratnakar and Livny, DCC 1995) for the tables, mozjpeg's trellis (Crouse
and Ramchandran, IEEE TIP 1997) for the levels, mozjpeg's ``optimize_scans`` for the
scans. Departure: one Lagrangian ``mu`` ties the tables and the levels together (mozjpeg
fixes its tables and ties the trellis's lambda to them); the tables' rate model assumes
rounding, the levels are then trellis-chosen.
"""

import math
from dataclasses import dataclass

import numpy as np

from jpegzoo import metrics
from jpegzoo.imageio import decode_jpeg
from jpegzoo.jpeg import baseline, trellis
from jpegzoo.jpeg import coefficients as forward
from jpegzoo.jpeg.table_search import TableSearch
from jpegzoo.jpeg.writer import write_jpeg
from jpegzoo.zoo.best_jpeg import tunes

#: Table classes and the components that share each (luma; Cb and Cr).
TABLE_CLASSES = ((0,), (1, 2))
#: :meth:`Image.sample`: 4 x 4 tiles of 256 px (a 1-megapixel mosaic).
SAMPLE_TILE, SAMPLE_GRID = 256, 4


@dataclass
class Trial:
    """One encoding at one ``mu``: its levels (ready to write), baseline bytes (optimal
    Huffman tables), decoded pixels and the tune's score of them."""

    mu: float
    subsampling: str
    levels: object
    data: bytes
    score: float

    @property
    def size(self):
        return len(self.data)


def _name(layout):
    """The subsampling name of ``layout`` ('444', '422', '420'; grey: '444')."""
    return forward.SUBSAMPLINGS[tuple(layout.components[0].sampling)]


class Image:
    """One image prepared for encoding at many ``mu`` with one tune: its pixels, and per
    subsampling its coefficients and block weights (computed once)."""

    def __init__(self, pixels, tune):
        self.pixels = pixels
        self.tune = tunes.measurable(tune, pixels.shape)
        self.grey = pixels.ndim == 2 or pixels.shape[2] == 1
        self._prepared = {}
        self._searches = {}
        self._scorer = None
        self._sensitivity = None  # SSIM sensitivity per block, shared by the layouts
        self._downsampling_error = None

    def score(self, decoded):
        """The tune's score of ``decoded`` (uint8, the pixels' shape) against the pixels."""
        if self._scorer is None:
            self._scorer = self.tune.scorer(self.pixels)
        return self._scorer(decoded)

    def decoded(self, data):
        """Pillow's decoding of ``data``, shaped as the pixels."""
        return decode_jpeg(data).reshape(self.pixels.shape)

    def sample(self, tile=SAMPLE_TILE, grid=SAMPLE_GRID):
        """A smaller :class:`Image` (same tune) for searching large images: ``grid`` x
        ``grid`` tiles of ``tile`` px, spread evenly over the pixels on 16-px boundaries
        (whole MCUs at every subsampling), side by side; None for an image under two tiles
        a side."""
        height, width = self.pixels.shape[:2]
        rows, cols = min(grid, height // tile), min(grid, width // tile)
        if rows < 2 or cols < 2:
            return None
        tops = [16 * (i * (height - tile) // (16 * (rows - 1))) for i in range(rows)]
        lefts = [16 * (j * (width - tile) // (16 * (cols - 1))) for j in range(cols)]
        mosaic = np.concatenate([np.concatenate(
            [self.pixels[t:t + tile, s:s + tile] for s in lefts], axis=1) for t in tops])
        return Image(np.ascontiguousarray(mosaic), self.tune)

    def chroma_downsampling_error(self):
        """The mean squared RGB error 4:2:0 adds to 4:4:4 before any quantization:
        libjpeg-turbo's files at quality 100 (tables of ones) in both samplings, decoded
        (computed once)."""
        if self._downsampling_error is None:
            errors = [metrics.mse(self.pixels, self.decoded(
                baseline.encode(self.pixels, 100, subsampling=s))) for s in ("420", "444")]
            self._downsampling_error = max(errors[0] - errors[1], 0.0)
        return self._downsampling_error

    def prepared(self, subsampling):
        """(layout, coefficient grids, per-component block weights or None)."""
        key = "grey" if self.grey else subsampling
        if key not in self._prepared:
            layout = forward.empty_layout(self.pixels, np.ones((2, 64)), subsampling)
            self._prepared[key] = (layout, forward.coefficients(self.pixels, layout),
                                   self._block_weights(layout))
        return self._prepared[key]

    def _block_weights(self, layout):
        """Per component the tune's SSIM block weights on ``layout``'s grids, or None."""
        if self.tune.ssim_strength == 0:
            return None
        if self._sensitivity is None:  # on the largest luma grid (4:2:0's 16x16 MCUs)
            height, width = self.pixels.shape[:2]
            self._sensitivity = trellis.ssim_block_sensitivity(
                self.pixels, 2 * -(-height // 16), 2 * -(-width // 16))
        return trellis.ssim_block_weights(self.pixels, layout, self.tune.ssim_strength,
                                          self._sensitivity)

    def tables(self, mu, subsampling):
        """int32 ``[2, 64]`` (luma, chroma) tables minimizing bits + ``mu`` x distortion
        (grey: the luma table twice)."""
        searches = self._table_searches(subsampling)
        tables = [search.table(mu, self.tune.frequency_weights()) for search in searches]
        return np.stack(tables if len(tables) == 2 else tables * 2)

    def _table_searches(self, subsampling):
        """Per table class a :class:`~jpegzoo.jpeg.table_search.TableSearch` of its
        components' real blocks (built once per subsampling)."""
        key = "grey" if self.grey else subsampling
        if key not in self._searches:
            layout, grids, weights = self.prepared(subsampling)
            gains = self._component_weights(layout)
            searches = []
            for components in TABLE_CLASSES:
                components = [c for c in components if c < len(grids)]
                if not components:
                    continue
                blocks, block_weights, starts = [], [], []
                for c in components:
                    rows, cols = forward.real_grid(layout, c)
                    blocks.append(grids[c][:rows, :cols].reshape(-1, 64))
                    w = np.full(rows * cols, gains[c])
                    if weights is not None:
                        w = w * weights[c][:rows, :cols].reshape(-1)
                    block_weights.append(w)
                    start = np.zeros(rows * cols, dtype=bool)
                    start[:1] = True
                    starts.append(start)
                searches.append(TableSearch(np.concatenate(blocks),
                                            np.concatenate(block_weights),
                                            np.concatenate(starts)))
            self._searches[key] = searches
        return self._searches[key]

    def _component_weights(self, layout):
        gains = trellis.rgb_error_gains(layout)
        return [g * (1.0 if i == 0 else self.tune.chroma_weight) for i, g in enumerate(gains)]

    def trial(self, mu, subsampling, restart_interval=0):
        """A :class:`Trial`: tables and trellis levels at ``mu``, baseline bytes, score."""
        layout, grids, weights = self.prepared(subsampling)
        tables = self.tables(mu, subsampling)
        options = trellis.TrellisOptions(
            weighting="sse", lambda_log_scale1=12.0 + math.log2(mu * self._component_weights(
                layout)[0] / 64.0), lambda_log_scale2=0.0,
            chroma_weight=self.tune.chroma_weight, frequency_weights=self.tune.frequency_tuple())
        levels = trellis.quantize_grids(
            forward.empty_layout(self.pixels, tables, _name(layout)), grids, options,
            block_weights=weights, restart_interval=restart_interval)
        data = write_jpeg(levels, optimize=True, restart_interval=restart_interval)
        score = self.score(self.decoded(data))
        return Trial(mu, subsampling, levels, data, score)


class CodedImage(Image):
    """A JPEG file's image prepared for re-quantization: its dequantized coefficients
    (level x table entry, libjpeg's scale) take the place of the pixels' DCT, its decoded
    pixels are the reference the tune's score and SSIM weights are taken on, and its chroma
    subsampling is kept (``subsampling`` arguments are ignored).

    Args:
        levels: the file's :class:`~jpegzoo.jpeg.JpegLevels` (1 component, or 3 with luma
            sampling 1x1, 2x1 or 2x2 and chroma 1x1).
        pixels: uint8 ``[H, W, C]``: the file decoded (Pillow).
        tune: :class:`~.tunes.Tune`.
    """

    def __init__(self, levels, pixels, tune):
        super().__init__(pixels, tune)
        sampling = tuple(levels.components[0].sampling)
        if sampling not in forward.SUBSAMPLINGS or any(
                tuple(c.sampling) != (1, 1) for c in levels.components[1:]):
            raise ValueError(f"re-quantizing needs 4:4:4, 4:2:2 or 4:2:0 sampling; this "
                             f"file's luma is {sampling[0]}x{sampling[1]}")
        self.subsampling = forward.SUBSAMPLINGS[sampling]
        layout = forward.empty_layout(pixels, np.ones((2, 64)), self.subsampling)
        grids = [8 * np.asarray(c.levels, np.int32) * np.asarray(c.qtable, np.int32)
                 for c in levels.components]
        for index, grid in enumerate(grids):  # only the blocks decoders show
            rows, cols = forward.real_grid(layout, index)
            grid[rows:] = 0
            grid[:, cols:] = 0
        self._prepared["grey" if self.grey else self.subsampling] = (
            layout, grids, self._block_weights(layout))

    def prepared(self, subsampling):
        return super().prepared(self.subsampling)

    def sample(self, tile=SAMPLE_TILE, grid=SAMPLE_GRID):
        """None: a file's coefficients are searched whole."""
        return None

    def trial(self, mu, subsampling, restart_interval=0):
        return super().trial(mu, self.subsampling, restart_interval)
