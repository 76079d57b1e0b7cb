"""The coefficient-level description of a baseline JPEG, shared by the writer and parser.

A :class:`JpegLevels` holds, per component, the quantized DCT levels on the component's
coded block grid (``[Hb, Wb, 64]`` int, natural order ``8 * v + u``), its sampling factors
and quantization table. For colour images all components are coded in one interleaved
scan, so each grid covers whole MCUs; a single-component image is coded non-interleaved on
``ceil(H/8) x ceil(W/8)`` blocks (ITU-T T.81 A.2).
"""

from dataclasses import dataclass, field

import numpy as np

MAX_DIMENSION = 65535


def ceil_div(a, b):
    return -(-a // b)


@dataclass
class ComponentLevels:
    """One component: levels int ``[Hb, Wb, 64]`` (natural order) and how it is coded.

    Attributes:
        levels: quantized coefficients on the coded block grid.
        qtable: int ``[64]`` natural-order quantization table (1..255 for baseline).
        sampling: (h, v) JPEG sampling factors.
        table_class: 0 for luminance Huffman tables, 1 for chrominance.
        component_id: the id written in SOF/SOS (1, 2, 3 by JFIF convention).
    """

    levels: np.ndarray
    qtable: np.ndarray
    sampling: tuple = (1, 1)
    table_class: int = 0
    component_id: int = 1


@dataclass
class JpegLevels:
    """A whole image at the coefficient level: size in pixels plus its components."""

    width: int
    height: int
    components: list = field(default_factory=list)

    @property
    def max_sampling(self):
        return (max(c.sampling[0] for c in self.components),
                max(c.sampling[1] for c in self.components))

    def mcu_grid(self):
        """(MCU rows, MCU columns) of the scan; a single component has 1-block MCUs."""
        if len(self.components) == 1:
            return self.block_grid(0)
        hmax, vmax = self.max_sampling
        return ceil_div(self.height, 8 * vmax), ceil_div(self.width, 8 * hmax)

    def component_size(self, index):
        """(height, width) in samples of component ``index`` (T.81 A.1.1)."""
        h, v = self.components[index].sampling
        hmax, vmax = self.max_sampling
        return ceil_div(self.height * v, vmax), ceil_div(self.width * h, hmax)

    def block_grid(self, index):
        """Coded (rows, columns) of blocks of component ``index``."""
        if len(self.components) == 1:
            height, width = self.component_size(0)
            return ceil_div(height, 8), ceil_div(width, 8)
        h, v = self.components[index].sampling
        rows, cols = self.mcu_grid()
        return rows * v, cols * h

    def validate(self):
        """Raise ValueError unless this describes a codable baseline JPEG."""
        if not (1 <= self.width <= MAX_DIMENSION and 1 <= self.height <= MAX_DIMENSION):
            raise ValueError(f"image size {self.width}x{self.height} is outside JPEG's "
                             f"1..{MAX_DIMENSION} pixels per side")
        if len(self.components) not in (1, 3):
            raise ValueError(f"expected 1 or 3 components, got {len(self.components)}")
        if sum(c.sampling[0] * c.sampling[1] for c in self.components) > 10:
            raise ValueError("more than 10 blocks per MCU (T.81 B.2.3)")
        for index, comp in enumerate(self.components):
            _validate_component(comp, self.block_grid(index))


def _validate_component(comp, grid):
    levels = np.asarray(comp.levels)
    if levels.ndim != 3 or levels.shape[2] != 64:
        raise ValueError(f"component levels must be [rows, cols, 64], got {levels.shape}")
    if levels.shape[0] < grid[0] or levels.shape[1] < grid[1]:
        raise ValueError(f"component grid {levels.shape[:2]} smaller than the coded "
                         f"grid {grid}")
    if not all(1 <= s <= 4 for s in comp.sampling):
        raise ValueError(f"sampling factors must be 1..4, got {comp.sampling}")
    table = np.asarray(comp.qtable)
    if table.shape != (64,) or table.min() < 1 or table.max() > 255:
        raise ValueError("a baseline quantization table has 64 entries in 1..255")
    if comp.table_class not in (0, 1):
        raise ValueError("baseline JPEG has two Huffman table classes (0, 1)")


@dataclass
class ScanOrder:
    """Where each block of the (single) scan comes from, in coding order.

    Attributes:
        component: int [N] component index of each coded block.
        flat_index: int [N] index into that component's row-major block grid.
        mcu: int [N] MCU number of each block (restart intervals count MCUs).
    """

    component: np.ndarray
    flat_index: np.ndarray
    mcu: np.ndarray


def scan_order(image, components=None):
    """The coding order of the blocks of a scan of ``image`` (a :class:`JpegLevels`),
    T.81 A.2.

    ``components``: indexes of the scan's components, increasing (default: all, the
    baseline writer's single scan). A scan of one component is non-interleaved: its own
    ``ceil(height / 8) x ceil(width / 8)`` blocks in raster order, one block an MCU (the
    padding blocks of its ``JpegLevels`` grid are not coded). A scan of several covers
    whole MCUs of the frame's MCU grid.
    """
    indexes = range(len(image.components)) if components is None else list(components)
    if len(indexes) == 1:
        index = indexes[0]
        rows, cols = (ceil_div(n, 8) for n in image.component_size(index))
        row, col = np.divmod(np.arange(rows * cols, dtype=np.int64), cols)
        return ScanOrder(np.full(rows * cols, index, np.int64),
                         row * image.block_grid(index)[1] + col,
                         np.arange(rows * cols, dtype=np.int64))
    mcu_rows, mcu_cols = image.mcu_grid()
    my, mx = np.meshgrid(np.arange(mcu_rows), np.arange(mcu_cols), indexing="ij")
    comp_parts, index_parts = [], []
    for index in indexes:
        comp = image.components[index]
        h, v = comp.sampling
        vv, hh = np.meshgrid(np.arange(v), np.arange(h), indexing="ij")
        row = my[:, :, None, None] * v + vv
        col = mx[:, :, None, None] * h + hh
        flat = (row * (mcu_cols * h) + col).reshape(mcu_rows * mcu_cols, v * h)
        index_parts.append(flat)
        comp_parts.append(np.full_like(flat, index))
    nmcu = mcu_rows * mcu_cols
    per_mcu = sum(part.shape[1] for part in index_parts)
    return ScanOrder(np.concatenate(comp_parts, axis=1).reshape(-1),
                     np.concatenate(index_parts, axis=1).reshape(-1),
                     np.repeat(np.arange(nmcu, dtype=np.int64), per_mcu))


def coded_levels(image, index):
    """Component ``index``'s levels cropped to its coded grid, flattened to [rows*cols, 64]."""
    rows, cols = image.block_grid(index)
    levels = np.asarray(image.components[index].levels)[:rows, :cols]
    return levels.reshape(rows * cols, 64)
