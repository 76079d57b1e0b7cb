"""Compiled (numba) kernels of :mod:`jpegzoo.jpeg.entropy_coder`: Huffman coding of the
blocks of a baseline scan (ITU-T T.81 F.1.2), as libjpeg's ``jchuff.c`` does it.

:func:`code_mcus` walks MCUs in coding order and, per block, codes the DC difference
(size category + extra bits), the AC run/size symbols with ZRL and EOB, into a byte
buffer with 0xFF stuffing, writing the restart markers and the 1-bit padding before them;
in counting mode it only gathers the symbol statistics libjpeg's ``optimize_coding``
builds its tables from. Both modes check that every level is codable. The kernels raise
nothing: they return a status code (the constants below) and the offending value.

Compiled on first use (a few seconds), cached on disk beside this module (``cache=True``).
"""

import numba
import numpy as np

from jpegzoo.layers.numerics.standard import ZIGZAG

_JIT = dict(cache=True, nogil=True)

OK = 0
FULL = 1  # the output buffer may not hold the next MCU (value: unused)
E_DC_RANGE = 2  # a DC difference beyond +-2047 (value: the difference)
E_AC_RANGE = 3  # an AC level beyond +-1023 (value: the level)
E_NO_CODE = 4  # a symbol without a code (value: class << 9 | is_ac << 8 | symbol)

RST0 = 0xD0
EOB = 0x00
ZRL = 0xF0
#: Bytes one MCU can take at most: 10 blocks of at most 1665 bits (27 for the DC, 26 per
#: AC level), every byte stuffed, plus the padding byte and a restart marker.
MAX_MCU_BYTES = 10 * 2 * 209 + 4

# State slots (int64 array) carried from one call to the next.
ACC, NBITS, PRED0, RESTARTS, PAD_BITS, BLOCKS = 0, 1, 2, 5, 6, 7
STATE_SIZE = 8

_ZIGZAG = np.asarray(ZIGZAG, dtype=np.int64)
#: Size category (bits of |v|) of magnitudes 0..2047.
_SIZE = np.zeros(2048, dtype=np.int64)
_SIZE[1:] = np.floor(np.log2(np.arange(1, 2048))).astype(np.int64) + 1


@numba.njit(cache=True, inline="always")
def _put(out, pos, acc, nbits, value, length):
    """Append the ``length`` low bits of ``value`` to the bit accumulator and move its
    whole bytes to ``out[pos:]`` (0xFF followed by a stuffed 0x00)."""
    acc = (acc << length) | value
    nbits += length
    while nbits >= 8:
        nbits -= 8
        byte = (acc >> nbits) & 0xFF
        out[pos] = byte
        pos += 1
        if byte == 0xFF:
            out[pos] = 0
            pos += 1
    return pos, acc & ((1 << nbits) - 1), nbits


@numba.njit(cache=True, inline="always")
def _extra(value, size):
    """The ``size`` extra bits of a level: v for v > 0, v + 2^size - 1 for v < 0."""
    return value if value >= 0 else value + (1 << size) - 1


@numba.njit(cache=True, inline="always")
def _code_block(block, pred, table, codes, lengths, counts, counting, out, pos, acc, nbits):
    """Code (or count the symbols of) one block (int16 [64], natural order) against DC
    predictor ``pred`` with the tables of class ``table``, as ``encode_one_block`` and
    ``htest_one_block`` of jchuff.c: the DC difference, then AC run/size symbols with ZRL
    and EOB (the AC loop stops at the last non-zero level). Returns (status, value, pos,
    acc, nbits, bits of the block). Written out for both modes: a shared per-symbol
    helper measured 2-3x slower."""
    bits = 0
    diff = np.int64(block[0]) - pred
    magnitude = abs(diff)
    if magnitude > 2047:
        return E_DC_RANGE, diff, pos, acc, nbits, bits
    size = _SIZE[magnitude]
    if counting:
        counts[0, table, size] += 1
    else:
        length = lengths[0, table, size]
        if length == 0:
            return E_NO_CODE, table << 9 | size, pos, acc, nbits, bits
        pos, acc, nbits = _put(out, pos, acc, nbits,
                               codes[0, table, size] << size | _extra(diff, size),
                               length + size)
        bits += length + size
    last = 63  # the last non-zero level in zigzag order (0: none)
    while last > 0 and block[_ZIGZAG[last]] == 0:
        last -= 1
    run = 0
    for k in range(1, last + 1):
        level = np.int64(block[_ZIGZAG[k]])
        if level == 0:
            run += 1
            continue
        magnitude = abs(level)
        if magnitude > 1023:
            return E_AC_RANGE, level, pos, acc, nbits, bits
        size = _SIZE[magnitude]
        while run > 15:
            if counting:
                counts[1, table, ZRL] += 1
            else:
                length = lengths[1, table, ZRL]
                if length == 0:
                    return E_NO_CODE, table << 9 | 256 | ZRL, pos, acc, nbits, bits
                pos, acc, nbits = _put(out, pos, acc, nbits, codes[1, table, ZRL], length)
                bits += length
            run -= 16
        symbol = run << 4 | size
        if counting:
            counts[1, table, symbol] += 1
        else:
            length = lengths[1, table, symbol]
            if length == 0:
                return E_NO_CODE, table << 9 | 256 | symbol, pos, acc, nbits, bits
            pos, acc, nbits = _put(out, pos, acc, nbits,
                                   codes[1, table, symbol] << size | _extra(level, size),
                                   length + size)
            bits += length + size
        run = 0
    if last < 63:
        if counting:
            counts[1, table, EOB] += 1
        else:
            length = lengths[1, table, EOB]
            if length == 0:
                return E_NO_CODE, table << 9 | 256 | EOB, pos, acc, nbits, bits
            pos, acc, nbits = _put(out, pos, acc, nbits, codes[1, table, EOB], length)
            bits += length
    return OK, 0, pos, acc, nbits, bits


@numba.njit(**_JIT)
def code_mcus(grid0, grid1, grid2, comp_h, comp_v, comp_table, mcu_cols, first_row, start,
              stop, restart_interval, codes, lengths, counts, counting, state, out, pos,
              block_bits):
    """Code (or count) MCUs ``start .. stop-1`` of a scan, in coding order.

    Args:
        grid0, grid1, grid2: int16 ``[rows, cols, 64]`` levels of the scan's components
            (natural order; pass ``grid0`` again for missing ones); their block row 0 is
            the first of MCU row ``first_row``.
        comp_h, comp_v, comp_table: int64 ``[C]`` blocks per MCU across and down (1, 1
            for a single-component scan) and Huffman table class of each component.
        mcu_cols: MCUs per MCU row.
        restart_interval: MCUs per restart interval (0: none).
        codes, lengths: int64 ``[2, 2, 256]`` code and code length of each
            (DC/AC, class, symbol); length 0: no code.
        counts: int64 ``[2, 2, 256]``: symbol counts, incremented in counting mode.
        counting: gather ``counts`` only; nothing is written.
        state: int64 ``[STATE_SIZE]`` bit accumulator, DC predictors, restarts written,
            pad bits and blocks coded so far (zeros before the first call).
        out: uint8 buffer; bytes go to ``out[pos:]``.
        block_bits: int64 ``[N]`` receives the bits of each block (empty: not recorded).
    Returns:
        (status, mcu, pos, value): ``mcu`` the MCU to resume from when ``status`` is
        FULL (the buffer had room for fewer than MAX_MCU_BYTES more bytes).
    """
    acc, nbits = state[ACC], state[NBITS]
    record = block_bits.shape[0] > 0
    for mcu in range(start, stop):
        if not counting and pos + MAX_MCU_BYTES > out.shape[0]:
            state[ACC], state[NBITS] = acc, nbits
            return FULL, mcu, pos, 0
        if restart_interval and mcu > 0 and mcu % restart_interval == 0:
            for c in range(3):
                state[PRED0 + c] = 0
            if not counting:
                pad = -nbits & 7
                pos, acc, nbits = _put(out, pos, acc, nbits, (1 << pad) - 1, pad)
                out[pos], out[pos + 1] = 0xFF, RST0 + state[RESTARTS] % 8
                pos += 2
                state[RESTARTS] += 1
                state[PAD_BITS] += pad
        mcu_row = mcu // mcu_cols - first_row
        mcu_col = mcu % mcu_cols
        for c in range(comp_h.shape[0]):
            grid = grid0 if c == 0 else (grid1 if c == 1 else grid2)
            h, v = comp_h[c], comp_v[c]
            for by in range(v):
                for bx in range(h):
                    block = grid[mcu_row * v + by, mcu_col * h + bx]
                    status, value, pos, acc, nbits, bits = _code_block(
                        block, state[PRED0 + c], comp_table[c], codes, lengths, counts,
                        counting, out, pos, acc, nbits)
                    if status != OK:
                        return status, mcu, pos, value
                    state[PRED0 + c] = block[0]
                    if record:
                        block_bits[state[BLOCKS]] = bits
                    state[BLOCKS] += 1
    state[ACC], state[NBITS] = acc, nbits
    return OK, stop, pos, 0


@numba.njit(**_JIT)
def flush(state, out, pos):
    """End the scan: pad the last byte with 1-bits (stuffed if it is 0xFF); ``out`` must
    have 2 bytes of room. Returns the new ``pos``."""
    acc, nbits = state[ACC], state[NBITS]
    pad = -nbits & 7
    pos, acc, nbits = _put(out, pos, acc, nbits, (1 << pad) - 1, pad)
    state[ACC], state[NBITS] = acc, nbits
    state[PAD_BITS] += pad
    return pos
