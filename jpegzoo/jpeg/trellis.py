"""Trellis quantization: rate-distortion optimal levels for baseline JPEG, as mozjpeg does it.

Instead of rounding each DCT coefficient, choose the levels that minimize
``bits + lambda * distortion`` (Crouse and Ramchandran, "Joint thresholding and quantizer
selection for transform image coding", IEEE TIP 1997; mozjpeg's ``quantize_trellis`` in
jcdctmgr.c, whose rules this module follows):

* per block, a dynamic program over the AC coefficients in zigzag order decides the zero
  runs, the levels (the rounded level or the largest value of a smaller size category) and
  where the block ends (EOB), pricing every symbol with real Huffman code lengths
  (:func:`~jpegzoo.jpeg.trellis_kernels.ac_trellis`);
* the DC levels of each component are chosen together along the chain in which they are
  predicted (:func:`~jpegzoo.jpeg.trellis_kernels.dc_trellis`, mozjpeg's
  ``trellis_quant_dc``, with its number of candidates ``min(9, (2 + 60 // q_dc) | 1)``);
* the Huffman tables are estimated from plain rounding first, then re-estimated from the
  chosen levels and the choice repeated (``passes``); the file gets the optimal tables of
  the final levels.

Lambda is tied to the tables as in mozjpeg: a block's weight is
``2^scale1 / (2^scale2 + norm)`` with ``norm`` the mean square of its 63 unquantized AC
coefficients (textured blocks tolerate more error), times a per-coefficient weight:
``1 / q_k^2`` (``weighting="steps"``, mozjpeg's default: error measured in quantization
steps) or ``1 / mean(q_ac^2)`` (``"mse"``: plain squared error). An optional per-block
weight (e.g. :func:`ssim_block_weights`) multiplies it.

Departures from mozjpeg, all exact improvements for the objective above: the DC chain
follows the real coding order of each component (MCU order and across block rows,
mozjpeg runs it per block row from a predictor of 0); tables are re-estimated for every
component and pass (mozjpeg: one pass per component, DC priced with the Annex K table);
symbols missing from an estimated table get a finite price instead of being forbidden.
Baseline scans only: mozjpeg's ``trellis_freq_split`` and ``trellis_eob_opt`` concern
progressive scans (AC bands and EOB runs) and have no counterpart here;
``trellis_q_opt`` (re-deriving the tables) is left out, as it is off in mozjpeg by default.

Units: coefficients in libjpeg's scale (8 times the orthonormal DCT, what
:func:`jpegzoo.jpeg.coefficients.coefficients` returns), bits, squared coefficient error.
"""

from dataclasses import dataclass

import numpy as np

from jpegzoo.jpeg import coefficients as forward
from jpegzoo.jpeg.baseline import fill_dummy_blocks
from jpegzoo.jpeg.structure import scan_order
from jpegzoo.jpeg.writer import scan_blocks, write_jpeg
from jpegzoo.layers.numerics.bit_counter import block_symbols, symbol_frequencies
from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES, optimal_table
from jpegzoo.layers.numerics.standard import ZIGZAG

WEIGHTINGS = ("steps", "mse", "sse")
#: Squared-error gain of an error in Y, Cb, Cr on the R, G, B pixels (JFIF conversion:
#: the sum of squares of each column of the YCbCr -> RGB matrix).
RGB_GAINS = (3.0, 0.344136**2 + 1.772**2, 1.402**2 + 0.714136**2)
#: SSIM's stabilizing constant C2 = (0.03 * 255)^2 for 8-bit samples.
SSIM_C2 = (0.03 * 255.0) ** 2


@dataclass(frozen=True)
class TrellisOptions:
    """How the trellis weighs bits against error (defaults: mozjpeg 4's).

    Attributes:
        lambda_log_scale1, lambda_log_scale2: a block's weight is
            ``2^scale1 / (2^scale2 + norm)``; ``scale2 <= 0``: ``2^(scale1 - 12)`` for
            every block.
        weighting: ``"steps"`` (error in quantization steps, mozjpeg), ``"mse"`` (squared
            error over the table's mean square step) or ``"sse"`` (squared error, untied
            from the table: for callers that give their own ``lambdas``).
        dc: choose the DC levels too (mozjpeg's ``trellis_quant_dc``); False: rounding.
        dc_candidates: DC levels tried per block (odd); None: mozjpeg's rule.
        passes: trellis passes, each with tables estimated from the levels before it.
        chroma_weight: extra distortion weight of the chroma components.
        missing_bits: price in bits of a symbol the estimated table has no code for.
        ssim_strength: exponent of the SSIM block weights (:func:`ssim_block_weights`)
            that multiply each block's weight in :func:`encode_levels` (0: none).
        frequency_weights: 64 natural-order factors multiplying the coefficients'
            weights (e.g. a perceptual falloff with frequency), or None.
    """

    lambda_log_scale1: float = 14.75
    lambda_log_scale2: float = 16.5
    weighting: str = "steps"
    dc: bool = True
    dc_candidates: int | None = None
    passes: int = 1
    chroma_weight: float = 1.0
    missing_bits: float = 16.0
    ssim_strength: float = 0.0
    frequency_weights: tuple | None = None

    def __post_init__(self):
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"unknown weighting {self.weighting!r}; use one of {WEIGHTINGS}")
        if self.passes < 1:
            raise ValueError(f"passes must be at least 1, got {self.passes}")
        if not 0.0 <= self.ssim_strength <= 1.0:
            raise ValueError(f"ssim_strength must lie in [0, 1], got {self.ssim_strength}")
        if self.dc_candidates is not None and (self.dc_candidates < 1
                                               or self.dc_candidates % 2 == 0):
            raise ValueError(f"dc_candidates must be a positive odd number, "
                             f"got {self.dc_candidates}")
        if self.frequency_weights is not None and (len(self.frequency_weights) != 64 or min(
                self.frequency_weights) <= 0):
            raise ValueError("frequency_weights must be 64 positive factors")


#: Named settings, all with the same rate-distortion core. ``mozjpeg``: mozjpeg 4's
#: defaults. ``psnr``: plain squared error of the RGB pixels (lambda tied to the luma
#: table's mean square step, scaled so that files stay about as large as mozjpeg's at the
#: same tables). ``ssim``: the same with SSIM block weights (strength 0.5). The scales were
#: chosen on 6 Kodak images (benchmarks/trellis/README.md).
PRESETS = {
    "mozjpeg": TrellisOptions(),
    "psnr": TrellisOptions(weighting="mse", lambda_log_scale1=17.75),
    "ssim": TrellisOptions(weighting="mse", lambda_log_scale1=17.75, ssim_strength=0.5),
}


def block_lambdas(coefficients: np.ndarray, options: TrellisOptions) -> np.ndarray:
    """float64 ``[N]``: mozjpeg's per-block weight of ``[N, 64]`` natural-order coefficients."""
    if options.lambda_log_scale2 <= 0:
        return np.full(coefficients.shape[0], 2.0 ** (options.lambda_log_scale1 - 12.0))
    ac = np.asarray(coefficients, dtype=np.float64)[:, 1:]
    norm = np.einsum("ij,ij->i", ac, ac) / 63.0
    return 2.0 ** options.lambda_log_scale1 / (2.0 ** options.lambda_log_scale2 + norm)


def coefficient_weights(qtable: np.ndarray, weighting: str = "steps") -> np.ndarray:
    """float64 ``[64]`` (natural order): each coefficient's distortion weight."""
    q = np.asarray(qtable, dtype=np.float64)
    if weighting == "steps":
        return 1.0 / q**2
    if weighting == "mse":
        return np.full(64, 63.0 / np.sum(q[1:] ** 2))
    if weighting == "sse":
        return np.ones(64)
    raise ValueError(f"unknown weighting {weighting!r}; use one of {WEIGHTINGS}")


def dc_candidates(qtable0: int, options: TrellisOptions) -> int:
    """DC levels tried per block: mozjpeg's ``min(9, (2 + 60 // q) | 1)`` by default."""
    if options.dc_candidates is not None:
        return options.dc_candidates
    return min(9, (2 + 60 // int(qtable0)) | 1)


def code_lengths(table, missing_bits: float = 16.0) -> np.ndarray:
    """float64 ``[256]`` code length per symbol of a Huffman table (a
    :class:`~jpegzoo.layers.numerics.huffman.HuffmanTable`, or code lengths ``[256]``),
    ``missing_bits`` where it has none."""
    lengths = np.array(getattr(table, "lengths", table), dtype=np.float64)
    lengths[lengths == 0] = missing_bits
    return lengths


def trellis_quantize(coefficients, qtable, *, ac_table=None, dc_table=None, restart=None,
                     lambdas=None, block_weights=None,
                     options: TrellisOptions = TrellisOptions()):
    """Trellis-quantize the blocks of one component.

    Args:
        coefficients: ``[N, 64]`` unquantized coefficients (float or int), natural order,
            libjpeg's scale (8 x orthonormal DCT), the blocks listed in the order their DCs
            are predicted (coding order).
        qtable: int ``[64]`` natural-order quantization table.
        ac_table, dc_table: the Huffman tables that price the symbols
            (:class:`~jpegzoo.layers.numerics.huffman.HuffmanTable` or code lengths
            ``[256]``; default: Annex K luminance).
        restart: bool ``[N]``: where the DC predictor is 0 (default: the first block only).
        lambdas: float ``[N]`` each block's weight, instead of mozjpeg's rule from the
            options' lambda scales (e.g. bits per unit squared error with
            ``weighting="sse"``).
        block_weights: float ``[N]`` multiplying each block's weight (default 1).
        options: :class:`TrellisOptions`.

    Returns:
        int32 ``[N, 64]`` levels, natural order.
    """
    x = np.ascontiguousarray(coefficients, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 64:
        raise ValueError(f"coefficients must be [N, 64], got {x.shape}")
    q = np.asarray(qtable, dtype=np.int64)
    if q.shape != (64,) or q.min() < 1:
        raise ValueError("qtable must hold 64 positive entries")
    n = x.shape[0]
    weights = block_lambdas(x, options) if lambdas is None else \
        np.asarray(lambdas, dtype=np.float64).reshape(n)
    if block_weights is not None:
        weights = weights * np.asarray(block_weights, dtype=np.float64).reshape(n)
    if restart is None:
        restart = np.zeros(n, dtype=bool)
        restart[:1] = True
    ac_table = STD_AC_TABLES[0] if ac_table is None else ac_table
    dc_table = STD_DC_TABLES[0] if dc_table is None else dc_table
    return _quantize(x, q, weights, np.asarray(restart, dtype=bool),
                     code_lengths(ac_table, options.missing_bits),
                     code_lengths(dc_table, options.missing_bits), options)


def _quantize(x, q, lambdas, restart, ac_bits, dc_bits, options):
    """The kernels on prepared arrays: float64 coefficients ``[N, 64]``, int64 table,
    float64 ``[N]`` block weights, bool ``[N]`` restarts, code lengths."""
    from jpegzoo.jpeg.trellis_kernels import ac_trellis, dc_trellis

    weights = coefficient_weights(q, options.weighting)
    if options.frequency_weights is not None:
        weights = weights * np.asarray(options.frequency_weights, dtype=np.float64)
    levels = np.empty(x.shape, dtype=np.int32)
    costs = np.empty(x.shape[0])
    ac_trellis(x, q, ZIGZAG.astype(np.int64), lambdas, weights, ac_bits, levels, costs)
    dc = x[:, 0].copy()
    if options.dc:
        chosen = np.empty(dc.shape, dtype=np.int32)
        dc_trellis(dc, int(q[0]), lambdas * weights[0], dc_candidates(q[0], options),
                   dc_bits[:12].copy(), restart, chosen)
        levels[:, 0] = chosen
    else:
        levels[:, 0] = forward.quantize(dc, q[0])
    return levels


# -- whole images ---------------------------------------------------------------------------


@dataclass
class _Chain:
    """One component's real blocks in coding order: flat indices into its grid and where
    the DC predictor restarts."""

    flat: np.ndarray
    restart: np.ndarray


def encode_levels(image, qtables, subsampling="420", options: TrellisOptions = TrellisOptions(),
                  block_weights=None, restart_interval=0):
    """Trellis-quantized levels of a pixel image, as a :class:`~jpegzoo.jpeg.JpegLevels`
    ready for ``write_jpeg(levels, optimize=True)``.

    Args:
        image: uint8 ``[H, W, 3]`` RGB or ``[H, W]`` / ``[H, W, 1]`` grey.
        qtables: natural-order tables ``[64]``, ``[2, 64]`` (luma, chroma) or ``[3, 64]``.
        subsampling: '444', '422' or '420' (ignored for grey).
        options: :class:`TrellisOptions`.
        block_weights: per component a float ``[Hb, Wb]`` array on its coded grid
            multiplying each block's distortion weight (e.g. :func:`ssim_block_weights`),
            or None.
        restart_interval: MCUs per restart interval the file will be written with.
    """
    layout = forward.empty_layout(image, qtables, subsampling)
    grids = forward.coefficients(image, layout)
    if options.ssim_strength > 0:
        ssim = ssim_block_weights(image, layout, options.ssim_strength)
        block_weights = ssim if block_weights is None else [
            np.asarray(w) * s for w, s in zip(block_weights, ssim)]
    return quantize_grids(layout, grids, options, block_weights, restart_interval)


def quantize_grids(layout, grids, options: TrellisOptions = TrellisOptions(),
                   block_weights=None, restart_interval=0):
    """Trellis-quantize unquantized coefficients: ``layout`` (a
    :class:`~jpegzoo.jpeg.JpegLevels` with each component's table and sampling, e.g.
    :func:`jpegzoo.jpeg.coefficients.empty_layout`) receives the levels of ``grids`` (per
    component int ``[Hb, Wb, 64]``, libjpeg's scale, on its coded grid: from pixels,
    :func:`jpegzoo.jpeg.coefficients.coefficients`, or the dequantized levels of a JPEG
    file) and is returned. ``block_weights`` and ``restart_interval`` as in
    :func:`encode_levels` (``options.ssim_strength`` is not applied here: it needs the
    pixels)."""
    chains = _chains(layout, restart_interval)
    rounded = [forward.quantize(g, c.qtable) for g, c in zip(grids, layout.components)]
    _store(layout, rounded)
    for _ in range(options.passes):
        tables = _estimate_tables(layout, restart_interval)
        chosen = []
        for index, (grid, comp, chain) in enumerate(zip(grids, layout.components, chains)):
            weights = _chain_weights(layout, index, chain, block_weights, options)
            blocks = grid.reshape(-1, 64)[chain.flat]
            dc_table, ac_table = tables[comp.table_class]
            levels = np.zeros_like(grid).reshape(-1, 64)
            levels[chain.flat] = trellis_quantize(
                blocks, comp.qtable, ac_table=ac_table, dc_table=dc_table,
                restart=chain.restart, block_weights=weights, options=options)
            chosen.append(levels.reshape(grid.shape))
        _store(layout, chosen)
    return layout


def encode(image, qtables, subsampling="420", options: TrellisOptions = TrellisOptions(),
           block_weights=None, restart_interval=0) -> bytes:
    """Baseline JPEG bytes of :func:`encode_levels`'s levels, with optimal Huffman tables."""
    levels = encode_levels(image, qtables, subsampling, options, block_weights,
                           restart_interval)
    return write_jpeg(levels, optimize=True, restart_interval=restart_interval)


def _store(layout, grids):
    """Make ``grids`` the components' levels, with libjpeg's dummy blocks in the padding."""
    for index, grid in enumerate(grids):
        layout.components[index].levels = grid
        if len(grids) > 1:
            fill_dummy_blocks(layout, index)


def _chains(layout, restart_interval):
    """Per component, its real blocks in coding order (:class:`_Chain`)."""
    order = scan_order(layout)
    interval = order.mcu // restart_interval if restart_interval else np.zeros_like(order.mcu)
    chains = []
    for index in range(len(layout.components)):
        rows, cols = forward.real_grid(layout, index)
        grid_cols = layout.block_grid(index)[1]
        mask = order.component == index
        flat = order.flat_index[mask]
        real = (flat // grid_cols < rows) & (flat % grid_cols < cols)
        flat, block_interval = flat[real], interval[mask][real]
        restart = np.r_[True, block_interval[1:] != block_interval[:-1]]
        chains.append(_Chain(flat, restart))
    return chains


def rgb_error_gains(layout) -> list:
    """Per component of ``layout``, the squared error of the decoded RGB pixels per unit
    squared error of its orthonormal DCT coefficients (to first order: upsampling spreads
    a 4:2:0 chroma block over 4 times the pixels, and :data:`RGB_GAINS` converts to RGB);
    1 for a grey image's one component."""
    if len(layout.components) == 1:
        return [1.0]
    luma = layout.components[0]
    return [RGB_GAINS[index] * (luma.sampling[0] * luma.sampling[1])
            / (comp.sampling[0] * comp.sampling[1])
            for index, comp in enumerate(layout.components)]


def component_weight(layout, index, options: TrellisOptions) -> float:
    """Distortion weight of component ``index`` of ``layout`` relative to luma.

    ``"steps"``: 1 (mozjpeg weighs every component by its own table). ``"mse"`` and
    ``"sse"``: the weight that makes the components' squared errors add up to the squared
    error of the RGB pixels (:func:`rgb_error_gains`), for ``"mse"`` with the table
    normalization undone (every component is weighed against the luma table's
    ``mean(q_ac^2)``). Chroma is multiplied by ``chroma_weight``.
    """
    if index == 0:
        return 1.0
    if options.weighting == "steps":
        return options.chroma_weight
    gains = rgb_error_gains(layout)
    weight = gains[index] / gains[0] * options.chroma_weight
    if options.weighting == "mse":
        luma, comp = layout.components[0], layout.components[index]
        weight *= (coefficient_weights(luma.qtable, "mse")[0]
                   / coefficient_weights(comp.qtable, "mse")[0])
    return float(weight)


def _chain_weights(layout, index, chain, block_weights, options):
    """float64 ``[M]`` extra weight of each block of a chain (component, block weights)."""
    weights = np.full(chain.flat.size, component_weight(layout, index, options))
    if block_weights is not None:
        weights *= np.asarray(block_weights[index], dtype=np.float64).reshape(-1)[chain.flat]
    return weights


def _estimate_tables(layout, restart_interval):
    """Per table class, the optimal (DC, AC) Huffman tables of ``layout``'s current levels."""
    blocks = scan_blocks(layout, restart_interval)
    symbols = block_symbols(blocks.zigzag, blocks.dc_predictors)
    dc_freq, ac_freq = symbol_frequencies(symbols, blocks.table_ids, 2)
    return [(optimal_table(dc), optimal_table(ac)) for dc, ac in zip(dc_freq, ac_freq)]


def ssim_block_weights(image, layout, strength=0.5, sensitivity=None):
    """Per component, float64 ``[Hb, Wb]`` block weights that make squared error track SSIM.

    SSIM's contrast-structure term divides a squared error at a pixel by
    ``2 sigma^2 + C2``, ``sigma^2`` the variance in SSIM's Gaussian window (11 taps,
    sigma 1.5) around it: an error costs more where the image is flat. A luma block's
    weight is the mean over its pixels of ``1 / (2 sigma^2 + C2)`` (sigma per R, G, B
    channel, averaged over them as SSIM is; grey images: their one channel; edges
    replicated; :func:`ssim_block_sensitivity`), raised to the power ``strength`` (1: the
    first-order SSIM loss; 0.5, the ``ssim`` preset's, measured better: the first-order
    model overrates large errors in textured blocks) and normalized to mean 1 over the
    blocks; a chroma block gets the mean weight of the luma blocks it covers.

    ``sensitivity``: :func:`ssim_block_sensitivity` of ``image`` on a grid at least the
    layout's luma grid (computed here when None), so layouts of one image share it.
    """
    rows, cols = layout.block_grid(0)
    if sensitivity is None:
        sensitivity = ssim_block_sensitivity(image, rows, cols)
    weight = sensitivity[:rows, :cols] ** strength
    weight /= weight.mean()
    out = [weight]
    for index in range(1, len(layout.components)):
        h, v = layout.components[0].sampling
        r, c = layout.block_grid(index)
        out.append(weight.reshape(r, v, c, h).mean(axis=(1, 3)))
    return out


def ssim_block_sensitivity(image, rows, cols):
    """float64 ``[rows, cols]``: per 8x8 block of ``image`` (uint8 ``[H, W]`` or
    ``[H, W, C]``; blocks beyond it repeat its last row and column) the mean over its pixels
    and channels of ``1 / (2 sigma^2 + C2)`` (:func:`ssim_block_weights`)."""
    from jpegzoo.jpeg.trellis_kernels import ssim_sensitivity

    pixels = np.asarray(image)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    taps = np.exp(-0.5 * (np.arange(-5, 6) / 1.5) ** 2)
    planes = np.ascontiguousarray(np.moveaxis(pixels, -1, 0))
    return ssim_sensitivity(planes, taps / taps.sum(), SSIM_C2, rows, cols)
