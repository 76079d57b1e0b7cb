"""Numbers fixed by the JPEG standard (ITU-T T.81) and IJG libjpeg, as numpy constants.

Zigzag order, the Annex K quantization tables with IJG quality scaling, and the sampling
factors of the JFIF subsampling modes. Numpy only (no Keras), so that the bitstream writer,
the parser and the command line can use them without importing TensorFlow.

Tables are ``[64]`` int arrays in natural order (``8 * v + u``, v the vertical frequency),
the order libjpeg uses in memory; ``ZIGZAG[i]`` is the natural index of the i-th
coefficient in zigzag order and ``INVERSE_ZIGZAG[n]`` the zigzag position of natural
index ``n``.
"""

import numpy as np


def _zigzag_order(n=8):
    cells = [(v, u) for v in range(n) for u in range(n)]
    # Anti-diagonals s = u + v; odd diagonals run top-right -> bottom-left (v rising).
    cells.sort(key=lambda c: (c[0] + c[1], c[0] if (c[0] + c[1]) % 2 else c[1]))
    return np.array([v * n + u for v, u in cells], dtype=np.int32)


ZIGZAG = _zigzag_order()
INVERSE_ZIGZAG = np.argsort(ZIGZAG).astype(np.int32)


#: ITU-T T.81 Annex K.1 luminance table (natural order), the IJG base table.
STD_LUMINANCE_QTABLE = np.array([
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99], dtype=np.int32)

#: ITU-T T.81 Annex K.1 chrominance table (natural order).
STD_CHROMINANCE_QTABLE = np.array([
    17, 18, 24, 47, 99, 99, 99, 99,
    18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99], dtype=np.int32)


def quality_scaling(quality):
    """IJG ``jpeg_quality_scaling``: quality 1..100 -> percentage scale factor."""
    quality = int(quality)
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be in 1..100, got {quality}")
    return 5000 // quality if quality < 50 else 200 - 2 * quality


def scale_qtable(base, scale_percent, force_baseline=True):
    """IJG ``jpeg_add_quant_table``: ``(base * scale + 50) // 100`` clamped to 1..255 (or 32767)."""
    table = (np.asarray(base, dtype=np.int64) * scale_percent + 50) // 100
    return np.clip(table, 1, 255 if force_baseline else 32767).astype(np.int32)


def quality_to_qtables(quality, force_baseline=True):
    """The two tables libjpeg (and Pillow) use at ``quality``: int32 ``[2, 64]`` natural order.

    Row 0 is luminance, row 1 chrominance. Identical to IJG libjpeg for every quality 1..100.
    """
    scale = quality_scaling(quality)
    return np.stack([scale_qtable(STD_LUMINANCE_QTABLE, scale, force_baseline),
                     scale_qtable(STD_CHROMINANCE_QTABLE, scale, force_baseline)])


#: (vertical, horizontal) chroma decimation factor per subsampling mode.
SUBSAMPLING_FACTORS = {"444": (1, 1), "422": (1, 2), "420": (2, 2)}


def chroma_factors(subsampling):
    """(vertical, horizontal) decimation factors for '444', '422' or '420'."""
    key = str(subsampling).replace(":", "")
    if key not in SUBSAMPLING_FACTORS:
        raise ValueError(f"unknown subsampling {subsampling!r}; use one of 444, 422, 420")
    return SUBSAMPLING_FACTORS[key]


def luma_sampling_factors(subsampling):
    """JPEG (h, v) sampling factors of the luma component (chroma is always (1, 1))."""
    fv, fh = chroma_factors(subsampling)
    return fh, fv


def component_qtables(qtables, num_components):
    """Expand tables to one row per component: ``[2, 64]`` (luma, chroma) -> ``[3, 64]``
    (Y, Cb, Cr); ``[1, 64]`` or ``[64]`` -> ``[C, 64]``; ``[C, 64]`` is returned as is."""
    tables = np.asarray(qtables)
    if tables.ndim == 1:
        tables = tables[None]
    if tables.ndim != 2 or tables.shape[1] != 64:
        raise ValueError(f"quantization tables must have shape [K, 64], got {tables.shape}")
    if tables.shape[0] == num_components:
        return tables
    if num_components == 3 and tables.shape[0] == 2:
        return tables[[0, 1, 1]]
    if tables.shape[0] == 1 or num_components == 1:
        return np.repeat(tables[:1], num_components, axis=0)
    raise ValueError(f"{tables.shape[0]} tables for {num_components} components")
