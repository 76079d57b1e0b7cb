"""Exact pixel error of candidate blocks, measured where a decoder would show them.

:class:`DecodedImage` keeps the original pixels and the decoder's current view of the image
being encoded (each component's samples, chroma upsampled as libjpeg does). A candidate
block of one component is scored by the squared RGB error, over the visible pixels it
affects, of decoding it together with the current samples of the other components:

* luma blocks, and chroma blocks at 4:4:4, affect their own 8x8 pixels;
* chroma blocks at 4:2:0 affect 16x16 pixels through fancy upsampling, which also reads a
  one-sample ring of the neighbouring blocks (taken from the current samples, replicated at
  the image edge as libjpeg does). Fancy upsampling also spreads a block into the outermost
  pixel ring of its neighbours with weight 1/4: that spill is not counted.

Units: sum of squared errors over R, G and B of 8-bit pixels (SSE).
"""

import numpy as np

from jpegzoo.zoo.mutated_jpeg.reconstruction import (
    blocks_of,
    decode_plane,
    fancy_upsample,
    upsample_plane,
    ycbcr_to_rgb,
)

CHUNK_PIXELS = 1 << 22
#: SSIM's stabilizing constant C2 = (0.03 * 255)^2 for 8-bit images.
SSIM_C2 = (0.03 * 255.0) ** 2


def edge_padded(pixels, height, width):
    """``pixels`` ``[H, W, C]`` extended to ``height`` x ``width`` by repeating the last row
    and column (the coded block grid beyond the image)."""
    rows = np.minimum(np.arange(height), pixels.shape[0] - 1)
    cols = np.minimum(np.arange(width), pixels.shape[1] - 1)
    return pixels[rows[:, None], cols[None, :]]


def structure_weights(original):
    """float32 ``[H, W]`` per-pixel error weights that make SSE track SSIM.

    SSIM's structure term divides an error by the local variance: the same squared error
    costs ``(2 C2 + ...)/(2 sigma^2 + C2)`` times more SSIM in a flat 8x8 block than in a
    textured one. Each pixel gets ``(mean + C2) / (2 sigma_b^2 + C2)`` where ``sigma_b^2`` is
    its 8x8 block's variance (mean over R, G, B) and ``mean`` the image-wide mean of
    ``2 sigma_b^2``, rescaled so that the weights average exactly 1 over the image (lambda
    keeps the scale it has for plain SSE).
    """
    h, w, c = original.shape
    blocks = original.reshape(h // 8, 8, w // 8, 8, c).astype(np.float32)
    variance = blocks.var(axis=(1, 3)).mean(axis=-1)  # [H/8, W/8]
    weight = 1.0 / (2 * variance + SSIM_C2)
    weight /= weight.mean()
    return np.repeat(np.repeat(weight, 8, axis=0), 8, axis=1).astype(np.float32)


class DecodedImage:
    """Original pixels plus the decoder's current samples of every component.

    Args:
        pixels: uint8 ``[H, W, 3]`` or ``[H, W, 1]``, the image being encoded.
        grids: per component, the zigzag level grid ``[Hb, Wb, 64]`` it starts from.
        qtables: per component, the zigzag quantization table ``[64]``.
        chroma_factor: 1 (4:4:4, grey) or 2 (4:2:0).
    """

    def __init__(self, pixels, grids, qtables, chroma_factor, ssim_weighted=True):
        self.height, self.width = pixels.shape[:2]
        self.factor = chroma_factor
        self.qtables = [np.asarray(q, np.float32) for q in qtables]
        luma_rows, luma_cols = grids[0].shape[:2]
        size = (luma_rows * 8, luma_cols * 8)
        self.original = edge_padded(pixels, *size).astype(np.int32)
        visible = np.zeros(size, dtype=np.float32)
        visible[:self.height, :self.width] = 1.0
        self.weights = visible * (structure_weights(self.original) if ssim_weighted else 1.0)
        self.samples = [decode_plane(g, q) for g, q in zip(grids, self.qtables)]
        self.full = [self._full_resolution(i) for i in range(len(grids))]

    @property
    def num_components(self):
        return len(self.samples)

    def _full_resolution(self, index):
        plane = self.samples[index]
        if index == 0 or self.factor == 1:
            return plane
        real = (-(-self.height // 2), -(-self.width // 2))
        return upsample_plane(plane, *real)

    def update(self, index, grid):
        """Make ``grid`` (zigzag levels ``[Hb, Wb, 64]``) component ``index``'s current
        levels."""
        self.samples[index] = decode_plane(grid, self.qtables[index])
        self.full[index] = self._full_resolution(index)

    def footprint(self, index):
        """Side in pixels of the square a block of component ``index`` affects."""
        return 8 * (self.factor if index > 0 else 1)

    def sse(self, index, block_rows, block_cols, samples):
        """Squared RGB error (float64 [P]) of candidate sample blocks.

        Args:
            index: component the candidates belong to.
            block_rows, block_cols: int [P] block position of each candidate in its grid.
            samples: int32 [P, 8, 8] decoded samples of each candidate.
        """
        side = self.footprint(index)
        step = max(1, CHUNK_PIXELS // (side * side * 3))
        out = np.empty(samples.shape[0])
        for start in range(0, samples.shape[0], step):
            part = slice(start, start + step)
            out[part] = self._sse(index, block_rows[part], block_cols[part], samples[part])
        return out

    def _sse(self, index, rows, cols, samples):
        side = self.footprint(index)
        if side == 16:
            samples = self._upsampled_candidates(index, rows, cols, samples)
        channels = [blocks_of(plane, side)[rows, cols] for plane in self.full]
        channels[index] = samples
        target = self._original_blocks(side)[rows, cols]
        decoded = (ycbcr_to_rgb(*channels) if len(channels) == 3 else channels[0][..., None])
        error = (decoded - target) ** 2 * blocks_of(self.weights, side)[rows, cols][..., None]
        return error.reshape(rows.size, -1).sum(axis=1, dtype=np.float64)

    def _original_blocks(self, side):
        """Original pixels as ``[H/side, W/side, side, side, C]`` (a view)."""
        h, w, c = self.original.shape
        return self.original.reshape(h // side, side, w // side, side, c).swapaxes(1, 2)

    def _upsampled_candidates(self, index, rows, cols, samples):
        """[P, 16, 16] fancy-upsampled candidates with the current ring around them."""
        plane = self.samples[index]
        real = (-(-self.height // 2), -(-self.width // 2))
        ring = np.arange(-1, 9)
        g_rows = np.clip(rows[:, None] * 8 + ring, 0, real[0] - 1)  # [P, 10] source rows
        g_cols = np.clip(cols[:, None] * 8 + ring, 0, real[1] - 1)
        patch = plane[g_rows[:, :, None], g_cols[:, None, :]]
        local_r = g_rows - rows[:, None] * 8
        local_c = g_cols - cols[:, None] * 8
        inside = (((local_r >= 0) & (local_r < 8))[:, :, None]
                  & ((local_c >= 0) & (local_c < 8))[:, None, :])
        lr = np.clip(local_r, 0, 7)[:, :, None]
        lc = np.clip(local_c, 0, 7)[:, None, :]
        own = samples[np.arange(rows.size)[:, None, None], lr, lc]
        return fancy_upsample(np.where(inside, own, patch))
