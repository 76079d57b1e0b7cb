"""Huffman coding of a baseline scan, strip by strip: the driver of the compiled kernels in
:mod:`jpegzoo.jpeg.entropy_kernels`.

A :class:`ScanCoder` codes the MCU rows of one scan (all components interleaved, or a
single component block by block) as they come -- from a whole
:class:`~jpegzoo.jpeg.structure.JpegLevels` or from an encoder's strips -- into one byte
buffer that grows as needed, so the coded bytes are all that grows with the image.
:func:`huffman_tables` gives the Annex K tables or, from a counting pass over the levels
(:func:`symbol_counts`), libjpeg's optimal ones.

Levels are int16 grids ``[rows, cols, 64]`` (natural order), one per component, laid out
as in :class:`~jpegzoo.jpeg.structure.JpegLevels`; :func:`int16_grids` converts others.
"""

import numpy as np

from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES, optimal_table


def int16_grids(image):
    """The levels of each component of ``image`` (a :class:`JpegLevels`) as C-contiguous
    int16 grids (no copy when they already are); ValueError for levels beyond int16, which
    no baseline scan codes."""
    grids = []
    for comp in image.components:
        levels = np.asarray(comp.levels)
        if levels.dtype != np.int16:
            if levels.size and (levels.min() < -32768 or levels.max() > 32767):
                raise ValueError(f"coefficient magnitude {int(np.abs(levels).max())} exceeds "
                                 "baseline JPEG's range (DC differences up to 2047, AC up "
                                 "to 1023)")
            levels = levels.astype(np.int16)
        grids.append(np.ascontiguousarray(levels))
    return grids


def huffman_tables(image, grids, optimize, restart_interval=0):
    """(DC tables, AC tables), lists indexed by Huffman class (0 luma, 1 chroma): Annex K,
    or with ``optimize`` libjpeg's optimal tables for the symbols of the levels ``grids``
    (:func:`int16_grids`) of ``image``."""
    if not optimize:
        return list(STD_DC_TABLES), list(STD_AC_TABLES)
    counts = symbol_counts(image, grids, restart_interval)
    return [optimal_table(f) for f in counts[0]], [optimal_table(f) for f in counts[1]]


def symbol_counts(image, grids, restart_interval=0):
    """Symbol counts int64 ``[2 (DC, AC), 2 (Huffman class), 256]`` of the whole scan of
    ``image`` with levels ``grids``, as libjpeg gathers them to build optimal tables;
    ValueError for levels no baseline scan codes."""
    scan = _Scan(image, restart_interval)
    counts = np.zeros((2, 2, 256), np.int64)
    state = np.zeros(scan.kernels.STATE_SIZE, np.int64)
    status, _, _, value = scan.run(grids, 0, 0, scan.num_mcus, (counts, counts), counts,
                                   True, state, np.zeros(0, np.uint8), 0,
                                   np.zeros(0, np.int64))
    scan.check(status, value)
    return counts


class ScanCoder:
    """Codes one scan of ``image`` (a :class:`JpegLevels`: only its size and its
    components' sampling factors and Huffman classes are used) MCU row by MCU row.

    Args:
        dc_tables, ac_tables: :class:`~jpegzoo.layers.numerics.huffman.HuffmanTable` lists
            indexed by Huffman class.
        restart_interval: MCUs per restart interval (0: none).
        prefix: bytes the output starts with (the file's headers).
        record_bits: keep each block's bits in :attr:`block_bits` (int64 ``[N]``, coding
            order).
    """

    def __init__(self, image, dc_tables, ac_tables, restart_interval=0, prefix=b"",
                 record_bits=False):
        self.scan = _Scan(image, restart_interval)
        self.tables = (np.zeros((2, 2, 256), np.int64), np.zeros((2, 2, 256), np.int64))
        for kind, tables in enumerate((dc_tables, ac_tables)):
            for table_class, table in enumerate(tables):
                self.tables[0][kind, table_class] = table.codes
                self.tables[1][kind, table_class] = table.lengths
        self.state = np.zeros(self.scan.kernels.STATE_SIZE, np.int64)
        self.block_bits = np.zeros(self.scan.num_blocks if record_bits else 0, np.int64)
        # a first guess of 2 bits per pixel, grown by half when an MCU might not fit
        self.buffer = np.empty(len(prefix) + max(1 << 16, image.width * image.height // 4),
                               np.uint8)
        self.buffer[:len(prefix)] = np.frombuffer(prefix, np.uint8)
        self.pos = len(prefix)

    @property
    def pad_bits(self):
        """1-bits added so far to byte-align the restart intervals (and the scan's end)."""
        return int(self.state[self.scan.kernels.PAD_BITS])

    def code(self, grids, first, last):
        """Code MCU rows ``first .. last-1``, held by ``grids`` (one int16 grid per
        component) from their first block row on. Rows must come in order."""
        scan, kernels = self.scan, self.scan.kernels
        mcu, stop = first * scan.mcu_cols, last * scan.mcu_cols
        unused = np.zeros((2, 2, 256), np.int64)
        while True:
            status, mcu, self.pos, value = scan.run(
                grids, first, mcu, stop, self.tables, unused, False, self.state,
                self.buffer, self.pos, self.block_bits)
            if status != kernels.FULL:
                scan.check(status, value)
                return
            self._reserve(2 * kernels.MAX_MCU_BYTES)

    def finish(self, suffix=b""):
        """Pad the last byte with 1-bits, append ``suffix`` and return all the bytes
        (prefix, scan, suffix); the coder is spent."""
        self._reserve(2 + len(suffix))
        self.pos = self.scan.kernels.flush(self.state, self.buffer, self.pos)
        self.buffer[self.pos:self.pos + len(suffix)] = np.frombuffer(suffix, np.uint8)
        data = self.buffer[:self.pos + len(suffix)].tobytes()
        self.buffer = None
        return data

    def _reserve(self, room):
        """Grow the buffer (by half at least) so that ``room`` more bytes fit."""
        if self.pos + room <= self.buffer.size:
            return
        grown = np.empty(max(self.buffer.size * 3 // 2, self.pos + room), np.uint8)
        grown[:self.pos] = self.buffer[:self.pos]
        self.buffer = grown


class _Scan:
    """How the kernel walks a scan of ``image``: blocks per MCU of each component
    (1 x 1 for a single-component scan), Huffman classes, MCU grid, restart interval."""

    def __init__(self, image, restart_interval):
        from jpegzoo.jpeg import entropy_kernels  # numba: loaded on first use

        self.kernels = entropy_kernels
        single = len(image.components) == 1
        self.comp_h = np.array([1 if single else c.sampling[0] for c in image.components])
        self.comp_v = np.array([1 if single else c.sampling[1] for c in image.components])
        self.comp_table = np.array([c.table_class for c in image.components])
        self.mcu_rows, self.mcu_cols = image.mcu_grid()
        self.num_mcus = self.mcu_rows * self.mcu_cols
        self.num_blocks = self.num_mcus * int(np.sum(self.comp_h * self.comp_v))
        self.restart_interval = int(restart_interval)

    def run(self, grids, first, start, stop, tables, counts, counting, state, out, pos,
            block_bits):
        """:func:`~jpegzoo.jpeg.entropy_kernels.code_mcus` on MCUs ``start .. stop-1``,
        held by ``grids`` from MCU row ``first`` on; ``tables``: (codes, lengths)."""
        grids = [_read_only(g) for g in grids]  # one compiled signature for all callers
        grid0, grid1, grid2 = grids if len(grids) == 3 else grids * 3
        return self.kernels.code_mcus(
            grid0, grid1, grid2, self.comp_h, self.comp_v, self.comp_table, self.mcu_cols,
            first, start, stop, self.restart_interval, tables[0], tables[1], counts,
            counting, state, out, pos, block_bits)

    def check(self, status, value):
        """Raise the ValueError of a kernel's error status (nothing for OK)."""
        k = self.kernels
        if status == k.E_DC_RANGE:
            raise ValueError(f"coefficient magnitude {abs(value)} exceeds baseline JPEG's "
                             "range (DC differences up to 2047, AC up to 1023)")
        if status == k.E_AC_RANGE:
            raise ValueError(f"AC coefficient magnitude {abs(value)} exceeds 1023 (not "
                             "codable in baseline JPEG)")
        if status == k.E_NO_CODE:
            kind = "AC" if value & 256 else "DC"
            raise ValueError(f"{kind} Huffman table has no code for symbol(s) "
                             f"{hex(value & 255)}")


def _read_only(array):
    view = array.view()
    view.flags.writeable = False
    return view
