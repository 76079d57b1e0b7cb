"""Compiled (numba) kernels of :mod:`jpegzoo.jpeg.scan_decoder`: unstuffing the entropy-coded
data of a scan and Huffman-decoding its blocks into preallocated numpy arrays.

The kernels raise nothing: each returns a status code (the ``OK``/``E_*`` constants below)
with the bit position and the value the message needs, and the scan decoder turns them into
its one-line :class:`ValueError` messages. They run without the GIL and are compiled on
first use (about 2-4 s), cached on disk beside this module (``cache=True``) for later
processes.

Imported by the scan decoder on the first decode only: importing numba takes ~0.4 s, which
:func:`jpegzoo.jpeg.read_header` and ``import jpegzoo.jpeg`` do not pay.
"""

import numba
import numpy as np

RST0 = 0xD0

OK = 0
E_NO_END = 1  # entropy-coded data runs to the end of the file (no marker ending it)
E_TRUNCATED = 2  # data ends inside a block
E_BAD_DC = 3  # invalid DC Huffman code
E_BAD_AC = 4  # invalid AC Huffman code
E_DC_SIZE = 5  # DC size category > 11 (value: the category)
E_AC_BEYOND = 6  # AC coefficient beyond the end of a block
E_AC_SIZE = 7  # AC size category > 10 (value: the category)
E_ZRL_BEYOND = 8  # zero run (ZRL) beyond the end of a block
E_AC_SYMBOL = 9  # AC symbol with run 1..14 and size 0 (value: the symbol)
E_EXTRA = 10  # whole extra bytes after the last block of an interval (value: how many)
E_RANGE = 11  # a DC level outside int32

_JIT = dict(cache=True, nogil=True)


@numba.njit(**_JIT)
def scan_extent(array, start):
    """First pass over the entropy-coded data at ``array[start:]`` (uint8, the whole file).

    A byte 0xFF is followed by 0x00 (a stuffed 0xFF data byte), by another 0xFF (the first
    is a fill byte), by RST0..RST7 (a restart marker between intervals) or by any other
    marker, which ends the scan.

    Returns (status, end, kept, restarts, bad_index, bad_marker): ``end`` the position of
    the marker ending the scan, ``kept`` the unstuffed data bytes, ``restarts`` the RST
    markers met, and the number and code of the first RST marker out of the RST0, RST1, ...
    RST7, RST0 ... sequence (-1 if none). ``status`` is ``E_NO_END`` when no marker ends
    the data.
    """
    n = array.shape[0]
    i = start
    kept = 0
    restarts = 0
    bad_index = -1
    bad_marker = -1
    while i < n:
        byte = array[i]
        if byte != 0xFF:
            kept += 1
            i += 1
            continue
        if i + 1 >= n:
            break
        nxt = array[i + 1]
        if nxt == 0x00:
            kept += 1
            i += 2
        elif nxt == 0xFF:
            i += 1
        elif RST0 <= nxt <= RST0 + 7:
            if bad_index < 0 and nxt != RST0 + restarts % 8:
                bad_index = restarts
                bad_marker = nxt
            restarts += 1
            i += 2
        else:
            return OK, i, kept, restarts, bad_index, bad_marker
    return E_NO_END, n, kept, restarts, bad_index, bad_marker


@numba.njit(**_JIT)
def unstuff(array, start, end, buffer, cuts):
    """Second pass (after :func:`scan_extent`): the data bytes of ``array[start:end]``
    without stuffing, fill bytes and RST markers into ``buffer`` (uint8, at least ``kept``
    long), and into ``cuts`` (int64 ``[restarts + 2]``) the offset in ``buffer`` where each
    restart interval starts, then the total."""
    i = start
    out = 0
    interval = 0
    cuts[0] = 0
    while i < end:
        byte = array[i]
        if byte != 0xFF:
            buffer[out] = byte
            out += 1
            i += 1
            continue
        nxt = array[i + 1]
        if nxt == 0x00:
            buffer[out] = 0xFF
            out += 1
            i += 2
        elif nxt == 0xFF:
            i += 1
        else:  # RST marker (scan_extent stopped at any other)
            interval += 1
            cuts[interval] = out
            i += 2
    cuts[interval + 1] = out


@numba.njit(inline="always")
def _window(buffer, pos):
    """Bytes ``pos >> 3`` .. ``(pos >> 3) + 3`` of ``buffer`` as a big-endian 32-bit value."""
    p = pos >> 3
    return ((np.int64(buffer[p]) << 24) | (np.int64(buffer[p + 1]) << 16)
            | (np.int64(buffer[p + 2]) << 8) | np.int64(buffer[p + 3]))


@numba.njit(**_JIT)
def decode_blocks(buffer, cuts, luts, position_comp, position_dc, position_ac,
                  position_base, flat, zigzag, num_scan_comps, num_mcus, per_interval,
                  dest, bits):
    """Huffman-decode every block of one scan (T.81 F.2.2).

    Args:
        buffer: uint8 unstuffed data of all intervals, followed by at least 260 bytes of
            0xFF (a block running off the end of the data is decoded far enough to be
            detected: one block takes at most 1665 bits).
        cuts: int64 ``[I + 1]`` byte offsets of the I restart intervals in ``buffer``.
        luts: uint16 ``[T, 65536]`` 16-bit lookahead tables: next 16 bits ->
            ``symbol << 5 | code length`` (0: no code starts with these bits).
        position_comp, position_dc, position_ac, position_base: int64 ``[B]`` per block
            position of an MCU: its component's index in the scan (DC predictor), its DC
            and AC table rows in ``luts``, and its component's first row in ``dest``.
        flat: int64 ``[num_mcus, B]`` row of each block in its component's grid.
        zigzag: int64 ``[64]`` natural index of each zigzag position.
        num_scan_comps, num_mcus, per_interval: components (predictors), MCUs, and MCUs
            per restart interval of the scan.
        dest: int32 ``[R, 64]`` zeros; block (m, b) goes to row
            ``position_base[b] + flat[m, b]``, in natural order.
        bits: int64 ``[num_mcus * B]``: the entropy-coded bits of each block, in coding
            order.
    Returns:
        (status, value, pos, pad_bits, pad_ones): ``value`` what the error message needs,
        ``pos`` the bit position of the error in ``buffer``; ``pad_bits`` the bits that
        byte-align the intervals and ``pad_ones`` whether they are all 1s.
    """
    blocks_per_mcu = position_comp.shape[0]
    limit_bytes = buffer.shape[0] - 216  # a block starting before this cannot overrun
    pred = np.zeros(num_scan_comps, dtype=np.int64)
    out_of_range = False
    pad_total = 0
    pad_ones = True
    mcu = 0
    block = 0
    for interval in range(cuts.shape[0] - 1):
        pos = 8 * cuts[interval]
        limit = 8 * cuts[interval + 1]
        for c in range(num_scan_comps):
            pred[c] = 0
        stop = min(num_mcus, mcu + per_interval)
        while mcu < stop:
            for b in range(blocks_per_mcu):
                if (pos >> 3) >= limit_bytes:
                    return E_TRUNCATED, 0, pos, pad_total, pad_ones
                begin = pos
                comp = position_comp[b]
                row = position_base[b] + flat[mcu, b]
                # DC: size category, then that many extra bits.
                entry = luts[position_dc[b],
                             (_window(buffer, pos) >> (16 - (pos & 7))) & 0xFFFF]
                if entry == 0:
                    if pos >= limit:
                        return E_TRUNCATED, 0, pos, pad_total, pad_ones
                    return E_BAD_DC, 0, pos, pad_total, pad_ones
                pos += entry & 31
                size = entry >> 5
                if size:
                    if size > 11:
                        return E_DC_SIZE, size, pos, pad_total, pad_ones
                    value = (_window(buffer, pos) >> (32 - (pos & 7) - size)) \
                        & ((1 << size) - 1)
                    if value < (1 << (size - 1)):
                        value -= (1 << size) - 1
                    pos += size
                    pred[comp] += value
                level = pred[comp]
                if level >= 2 ** 31 or level <= -2 ** 31:
                    out_of_range = True
                dest[row, 0] = np.int32(level)
                # AC: (run, size) symbols up to EOB or position 63.
                ac = position_ac[b]
                k = 1
                while k < 64:
                    entry = luts[ac, (_window(buffer, pos) >> (16 - (pos & 7))) & 0xFFFF]
                    if entry == 0:
                        if pos >= limit:
                            return E_TRUNCATED, 0, pos, pad_total, pad_ones
                        return E_BAD_AC, 0, pos, pad_total, pad_ones
                    pos += entry & 31
                    size = (entry >> 5) & 15
                    run = entry >> 9
                    if size:
                        k += run
                        if k > 63 or size > 10:
                            if pos > limit:
                                return E_TRUNCATED, 0, pos, pad_total, pad_ones
                            if k > 63:
                                return E_AC_BEYOND, 0, pos, pad_total, pad_ones
                            return E_AC_SIZE, size, pos, pad_total, pad_ones
                        value = (_window(buffer, pos) >> (32 - (pos & 7) - size)) \
                            & ((1 << size) - 1)
                        if value < (1 << (size - 1)):
                            value -= (1 << size) - 1
                        pos += size
                        dest[row, zigzag[k]] = np.int32(value)
                        k += 1
                    elif run == 15:
                        k += 16
                        if k > 64:
                            if pos > limit:
                                return E_TRUNCATED, 0, pos, pad_total, pad_ones
                            return E_ZRL_BEYOND, 0, pos, pad_total, pad_ones
                    elif run == 0:
                        break
                    else:
                        if pos > limit:
                            return E_TRUNCATED, 0, pos, pad_total, pad_ones
                        return E_AC_SYMBOL, run << 4, pos, pad_total, pad_ones
                if pos > limit:
                    return E_TRUNCATED, 0, pos, pad_total, pad_ones
                bits[block] = pos - begin
                block += 1
            mcu += 1
        pad = limit - pos
        if pad >= 8:
            return E_EXTRA, pad // 8, pos, pad_total, pad_ones
        if pad:
            ones = (1 << pad) - 1
            if ((_window(buffer, pos) >> (32 - (pos & 7) - pad)) & ones) != ones:
                pad_ones = False
        pad_total += pad
    if out_of_range:
        return E_RANGE, 0, 0, pad_total, pad_ones
    return OK, 0, 0, pad_total, pad_ones


# -- progressive scans (T.81 G.2), decoded as libjpeg's jdphuff.c decodes them -------------

E_EOBRUN = 12  # an EOB run goes past the end of its restart interval
E_REFINE_SIZE = 13  # an AC refinement symbol with a size other than 0 or 1 (value: it)


@numba.njit(inline="always")
def _bits_at(buffer, pos, size):
    """The ``size`` (<= 16) bits of ``buffer`` at bit ``pos``, as an unsigned value."""
    return (_window(buffer, pos) >> (32 - (pos & 7) - size)) & ((1 << size) - 1)


@numba.njit(inline="always")
def _extend(value, size):
    """T.81 F.2.2.1 EXTEND: ``size`` raw bits to a signed value."""
    return value - (1 << size) + 1 if value < (1 << (size - 1)) else value


@numba.njit(inline="always")
def _interval_end(buffer, pos, limit):
    """(status, pad bits, whether they are 1s) at the end of an interval at bit ``pos``."""
    if pos > limit:
        return E_TRUNCATED, 0, True
    pad = limit - pos
    if pad >= 8:
        return E_EXTRA, pad, True
    ones = (1 << pad) - 1
    return OK, pad, pad == 0 or _bits_at(buffer, pos, pad) == ones


@numba.njit(**_JIT)
def decode_dc_scan(buffer, cuts, luts, position_comp, position_lut, num_scan_comps,
                   num_mcus, per_interval, refine, al, values, bits):
    """Decode a DC scan of a progressive file (T.81 G.2.1), interleaved or not.

    A first scan (``refine`` False) Huffman-decodes the DC differences with the tables
    ``luts[position_lut[b]]`` and writes each block's DC, shifted left by ``al``, to
    ``values`` (int64 ``[num_mcus * B]``, coding order); a refinement scan reads one raw
    bit per block into ``values``. ``bits`` (int64, same shape) gets the bits each block
    took. Other arguments as for :func:`decode_blocks`.

    Returns (status, value, pad_bits, pad_ones).
    """
    per_mcu = position_comp.shape[0]
    limit_bytes = buffer.shape[0] - 216
    pred = np.zeros(max(num_scan_comps, 1), dtype=np.int64)
    pad_total, pad_ones = 0, True
    mcu, block = 0, 0
    for interval in range(cuts.shape[0] - 1):
        pos = 8 * cuts[interval]
        limit = 8 * cuts[interval + 1]
        pred[:] = 0
        stop = min(num_mcus, mcu + per_interval)
        while mcu < stop:
            for b in range(per_mcu):
                if (pos >> 3) >= limit_bytes:
                    return E_TRUNCATED, 0, pad_total, pad_ones
                begin = pos
                if refine:
                    values[block] = _bits_at(buffer, pos, 1)
                    pos += 1
                else:
                    entry = luts[position_lut[b],
                                 (_window(buffer, pos) >> (16 - (pos & 7))) & 0xFFFF]
                    if entry == 0:
                        return (E_TRUNCATED if pos >= limit else E_BAD_DC), 0, pad_total, \
                            pad_ones
                    pos += entry & 31
                    size = entry >> 5
                    if size > 11:
                        return E_DC_SIZE, size, pad_total, pad_ones
                    if size:
                        pred[position_comp[b]] += _extend(_bits_at(buffer, pos, size), size)
                        pos += size
                    level = pred[position_comp[b]] << al
                    if level >= 2 ** 31 or level < -2 ** 31:
                        return E_RANGE, 0, pad_total, pad_ones
                    values[block] = level
                if pos > limit:
                    return E_TRUNCATED, 0, pad_total, pad_ones
                bits[block] = pos - begin
                block += 1
            mcu += 1
        status, pad, ones = _interval_end(buffer, pos, limit)
        if status != OK:
            return status, pad // 8, pad_total, pad_ones
        pad_total += pad
        pad_ones &= ones
    return OK, 0, pad_total, pad_ones


@numba.njit(**_JIT)
def decode_ac_scan(buffer, cuts, lut, dest, cols, stride, num_blocks, per_interval, ss, se,
                   ah, al, zigzag, bits):
    """Decode an AC scan of one component of a progressive file (T.81 G.2.2), first
    (``ah`` 0) or refinement, into its levels.

    ``dest``: int32 ``[R, 64]`` the component's levels (natural order), updated in place;
    block i of the scan (raster order over ``cols`` blocks a row) is row
    ``(i // cols) * stride + i % cols``. ``lut``: uint16 ``[65536]`` the scan's AC table.
    ``bits`` (int64 ``[R]``) gets the bits each block took added. EOB runs may not cross
    the end of a restart interval.

    Returns (status, value, pad_bits, pad_ones).
    """
    limit_bytes = buffer.shape[0] - 216
    p1 = np.int32(1 << al)
    m1 = np.int32(-(1 << al))
    pad_total, pad_ones = 0, True
    block = 0
    for interval in range(cuts.shape[0] - 1):
        pos = 8 * cuts[interval]
        limit = 8 * cuts[interval + 1]
        eobrun = 0
        stop = min(num_blocks, block + per_interval)
        while block < stop:
            if (pos >> 3) >= limit_bytes:
                return E_TRUNCATED, 0, pad_total, pad_ones
            begin = pos
            row = (block // cols) * stride + block % cols
            k = ss
            if eobrun == 0:
                while k <= se:
                    entry = lut[(_window(buffer, pos) >> (16 - (pos & 7))) & 0xFFFF]
                    if entry == 0:
                        return (E_TRUNCATED if pos >= limit else E_BAD_AC), 0, pad_total, \
                            pad_ones
                    pos += entry & 31
                    size = (entry >> 5) & 15
                    run = entry >> 9
                    if size == 0 and run < 15:  # EOBn: this block and 2^n - 1 + bits more
                        eobrun = 1 << run
                        if run:
                            eobrun += _bits_at(buffer, pos, run)
                            pos += run
                        break
                    if ah == 0:  # first scan: run zeros, then a level (ZRL: 16 zeros)
                        k += run
                        if size:
                            if k > se or size > 10:
                                if pos > limit:
                                    return E_TRUNCATED, 0, pad_total, pad_ones
                                return (E_AC_BEYOND, 0, pad_total, pad_ones) if k > se \
                                    else (E_AC_SIZE, size, pad_total, pad_ones)
                            dest[row, zigzag[k]] = np.int32(
                                _extend(_bits_at(buffer, pos, size), size) << al)
                            pos += size
                        elif k > se:
                            return E_ZRL_BEYOND, 0, pad_total, pad_ones
                        k += 1
                        continue
                    # refinement: a new +-1 after ``run`` zeros (ZRL: 16 zeros), passing
                    # the non-zero coefficients, each with its correction bit
                    if size > 1:
                        return E_REFINE_SIZE, size, pad_total, pad_ones
                    level = np.int32(0)
                    if size:
                        level = p1 if _bits_at(buffer, pos, 1) else m1
                        pos += 1
                    while k <= se:
                        natural = zigzag[k]
                        coef = dest[row, natural]
                        if coef != 0:
                            if _bits_at(buffer, pos, 1) and (coef & p1) == 0:
                                dest[row, natural] = coef + (p1 if coef >= 0 else m1)
                            pos += 1
                        elif run == 0:
                            break
                        else:
                            run -= 1
                        k += 1
                    if k > se:
                        return (E_AC_BEYOND if size else E_ZRL_BEYOND), 0, pad_total, \
                            pad_ones
                    if size:
                        dest[row, zigzag[k]] = level
                    k += 1
            if eobrun > 0:  # the rest of the band is zero: correction bits only
                if ah:
                    while k <= se:
                        natural = zigzag[k]
                        coef = dest[row, natural]
                        if coef != 0:
                            if _bits_at(buffer, pos, 1) and (coef & p1) == 0:
                                dest[row, natural] = coef + (p1 if coef >= 0 else m1)
                            pos += 1
                        k += 1
                eobrun -= 1
            if pos > limit:
                return E_TRUNCATED, 0, pad_total, pad_ones
            bits[row] += pos - begin
            block += 1
        if eobrun:
            return E_EOBRUN, 0, pad_total, pad_ones
        status, pad, ones = _interval_end(buffer, pos, limit)
        if status != OK:
            return status, pad // 8, pad_total, pad_ones
        pad_total += pad
        pad_ones &= ones
    return OK, 0, pad_total, pad_ones
