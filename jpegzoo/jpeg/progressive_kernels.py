"""Compiled (numba) kernels of the progressive JPEG writer (:mod:`jpegzoo.jpeg.progressive`).

The four kinds of progressive Huffman scan (ITU-T T.81 G.1.2) -- DC first, DC refinement,
AC first (spectral selection, EOB runs) and AC refinement (correction bits) -- coded as
libjpeg's ``jcphuff.c`` codes them, byte for byte. Each scan is run twice, as libjpeg does
with ``optimize_coding``: a gathering pass counts the Huffman symbols, :func:`optimal_table`
turns the counts into the scan's tables, and an emitting pass writes the bytes (0xFF
stuffing, 1-bit padding of each restart interval, RST markers). One code path serves both
passes (``gather`` switches symbol output to counting), so the tables always cover what
the emitting pass writes.

Arguments shared by the scan kernels:

* ``coefs``: int32 ``[R, 64]`` levels of all components, one block per row, zigzag order.
* ``rows``: int64 ``[N]`` the row of ``coefs`` of each block of the scan, in coding order.
* ``last``: uint8 ``[R]`` per row of ``coefs``, the last zigzag position holding a non-zero
  level (0 if none): AC loops stop there, the rest of a block being zeros.
* ``per_interval``: MCUs per restart interval (0: none).
* ``gather``: True for the counting pass (``tables[:, FREQ]`` counts the symbols,
  ``state[EXTRA]`` the bits that follow them; nothing is written), False to emit with
  ``tables[:, LENGTH]`` and ``tables[:, CODE]``.
* ``tables``: int64 ``[T, 3, 256]`` per Huffman table of the scan, each symbol's count,
  code length and code.
* ``out``: uint8 buffer the emitting pass writes into (large enough: the caller sizes it
  from the gathering pass); ``state``: int64 ``[STATE_SIZE]`` the bit writer, the pending
  EOB run and libjpeg's correction-bit buffer (zeros at the start of a scan;
  ``state[POS]`` is the number of bytes written at the end).

The scan kernels are compiled without numba's reference counting (``_nrt=False``): it
counts every array handed to a helper in the hot loops (atomic increments and decrements
around each inlined call), which made the gathering pass 2-3x slower (measured). They
allocate nothing (scratch space lives in ``state``).

Kernels return ``OK`` or an error code (a level outside what 8-bit JPEG can code). Imported
on the first progressive write: importing numba takes ~0.4 s.
"""

import numba
import numpy as np

OK = 0
E_DC_SIZE = 1  # a DC difference needs more than 11 bits
E_AC_SIZE = 2  # an AC level needs more than 10 bits

#: Indexes into ``state``: bit accumulator, its bit count, bytes written, extra bits counted
#: by a gathering pass, pending EOB run, buffered correction bits, and where they start.
ACC, NBITS, POS, EXTRA, EOBRUN, BE, PRED, MAGNITUDE, CORR = 0, 1, 2, 3, 4, 5, 6, 10, 74
#: libjpeg's correction-bit buffer (jcphuff.c MAX_CORR_BITS): an EOB run is forced out
#: before the buffered bits could overflow it, which changes the output, so it is kept.
MAX_CORR_BITS = 1000
#: ``state``: the scalars above, 4 DC predictors, 64 magnitudes of the block being
#: refined, then the correction-bit buffer.
STATE_SIZE = CORR + MAX_CORR_BITS + 64
#: Indexes of the second axis of ``tables``.
FREQ, LENGTH, CODE = range(3)
#: Longest EOB run one symbol codes (EOB14 with 14 extra bits).
MAX_EOBRUN = 0x7FFF
_ZRL = 0xF0

_JIT = dict(cache=True, nogil=True)
_SCAN_JIT = dict(_JIT, _nrt=False)
#: Bit length of 0..4095 (libjpeg-turbo's jpeg_nbits_table idea): every codable magnitude.
_NBITS = np.array([int(v).bit_length() for v in range(4096)], dtype=np.int64)


@numba.njit
def _bit_length(magnitude):
    if magnitude < 4096:
        return _NBITS[magnitude]
    n = 12
    magnitude >>= 12
    while magnitude:
        n += 1
        magnitude >>= 1
    return n


@numba.njit
def _put(state, out, value, size):
    """Append the ``size`` (<= 32) low bits of ``value``, MSB first; whole bytes go out
    once 32 bits are pending."""
    acc = (state[ACC] << size) | (value & ((1 << size) - 1))
    n = state[NBITS] + size
    if n >= 32:
        n = _drain(out, state, acc, n)
        acc &= (1 << n) - 1
    state[ACC] = acc
    state[NBITS] = n


@numba.njit
def _drain(out, state, acc, n):
    """Write the whole bytes of the ``n`` bits of ``acc`` (a 0 stuffed after each 0xFF);
    returns the bits left (< 8)."""
    pos = state[POS]
    while n >= 8:
        n -= 8
        byte = (acc >> n) & 0xFF
        out[pos] = byte
        pos += 1
        if byte == 0xFF:
            out[pos] = 0
            pos += 1
    state[POS] = pos
    return n


@numba.njit
def _symbol(gather, tables, state, out, table, symbol, value=0, size=0):
    """Huffman code of ``symbol`` followed by the ``size`` low bits of ``value``."""
    if gather:
        tables[table, FREQ, symbol] += 1
        state[EXTRA] += size
    else:
        _put(state, out, (tables[table, CODE, symbol] << size) | (value & ((1 << size) - 1)),
             tables[table, LENGTH, symbol] + size)


@numba.njit
def _buffered(gather, state, out, start, count):
    """Emit ``count`` buffered correction bits from position ``start`` of the buffer."""
    if gather:
        state[EXTRA] += count
        return
    word, size = 0, 0
    for i in range(CORR + start, CORR + start + count):
        word = (word << 1) | state[i]
        size += 1
        if size == 24:
            _put(state, out, word, 24)
            word, size = 0, 0
    if size:
        _put(state, out, word, size)


@numba.njit
def _eobrun(gather, tables, state, out):
    """Emit the pending EOB run (symbol ``n << 4`` and n extra bits) and the correction
    bits buffered with it (jcphuff.c ``emit_eobrun``)."""
    run = state[EOBRUN]
    if run > 0:
        nbits = _bit_length(run) - 1
        _symbol(gather, tables, state, out, 0, nbits << 4, run, nbits)
        state[EOBRUN] = 0
        _buffered(gather, state, out, 0, state[BE])
        state[BE] = 0


@numba.njit
def _end_interval(gather, state, out, marker):
    """Pad to a byte with 1s and, for ``marker`` >= 0, write RST(marker % 8)."""
    if gather:
        return
    pad = (8 - state[NBITS] % 8) % 8
    _drain(out, state, (state[ACC] << pad) | ((1 << pad) - 1), state[NBITS] + pad)
    state[ACC] = 0
    state[NBITS] = 0
    if marker >= 0:
        pos = state[POS]
        out[pos] = 0xFF
        out[pos + 1] = 0xD0 + (marker & 7)
        state[POS] = pos + 2


@numba.njit
def _restart_due(unit, per_interval):
    return per_interval > 0 and unit > 0 and unit % per_interval == 0


@numba.njit(**_SCAN_JIT)
def dc_first(coefs, rows, position_comp, position_table, per_interval, al, gather, tables,
             out, state):
    """DC first scan (T.81 G.1.2.1): the DC levels shifted right by ``al`` (arithmetic
    shift), DPCM-coded per component. ``position_comp``/``position_table``: int64 ``[B]``
    the scan component (predictor) and table of each block position of an MCU."""
    per_mcu = position_comp.shape[0]
    for mcu in range(rows.shape[0] // per_mcu):
        if _restart_due(mcu, per_interval):
            _end_interval(gather, state, out, mcu // per_interval - 1)
            state[PRED:PRED + 4] = 0
        for b in range(per_mcu):
            value = np.int64(coefs[rows[mcu * per_mcu + b], 0]) >> al
            comp = PRED + position_comp[b]
            diff = value - state[comp]
            state[comp] = value
            nbits = _bit_length(abs(diff))
            if nbits > 11:
                return E_DC_SIZE
            _symbol(gather, tables, state, out, position_table[b], nbits,
                    diff - 1 if diff < 0 else diff, nbits)
    _end_interval(gather, state, out, -1)
    return OK


@numba.njit(**_SCAN_JIT)
def dc_refine(coefs, rows, per_mcu, per_interval, al, out, state):
    """DC refinement scan (T.81 G.1.2.1): bit ``al`` of each DC level, uncoded."""
    for mcu in range(rows.shape[0] // per_mcu):
        if _restart_due(mcu, per_interval):
            _end_interval(False, state, out, mcu // per_interval - 1)
        for b in range(per_mcu):
            _put(state, out, (np.int64(coefs[rows[mcu * per_mcu + b], 0]) >> al) & 1, 1)
    _end_interval(False, state, out, -1)
    return OK


@numba.njit(**_SCAN_JIT)
def ac_first(coefs, rows, last, per_interval, ss, se, al, gather, tables, out, state):
    """AC first scan of one component (T.81 G.1.2.2): zigzag positions ``ss..se`` of each
    block, magnitudes shifted right by ``al``, as run/size symbols with ZRL, and runs of
    blocks without any coefficient left as EOB runs (table 0)."""
    for i in range(rows.shape[0]):
        if _restart_due(i, per_interval):
            _eobrun(gather, tables, state, out)
            _end_interval(gather, state, out, i // per_interval - 1)
        row = rows[i]
        end = min(se, np.int64(last[row]))
        run = 0
        for k in range(ss, end + 1):
            level = np.int64(coefs[row, k])
            if level < 0:
                magnitude = (-level) >> al
                value = ~magnitude
            else:
                magnitude = level >> al
                value = magnitude
            if magnitude == 0:
                run += 1
                continue
            if state[EOBRUN]:
                _eobrun(gather, tables, state, out)
            while run > 15:
                _symbol(gather, tables, state, out, 0, _ZRL)
                run -= 16
            nbits = _bit_length(magnitude)
            if nbits > 10:
                return E_AC_SIZE
            _symbol(gather, tables, state, out, 0, (run << 4) + nbits, value, nbits)
            run = 0
        run += se - max(end, ss - 1)  # the zeros after ``end``
        if run > 0:
            state[EOBRUN] += 1
            if state[EOBRUN] == MAX_EOBRUN:
                _eobrun(gather, tables, state, out)
    _eobrun(gather, tables, state, out)
    _end_interval(gather, state, out, -1)
    return OK


@numba.njit(**_SCAN_JIT)
def ac_refine(coefs, rows, last, per_interval, ss, se, al, gather, tables, out, state):
    """AC refinement scan of one component (T.81 G.1.2.3): bit ``al`` of the magnitudes of
    zigzag positions ``ss..se``. Coefficients that become non-zero are coded as run/1
    symbols plus a sign bit; those already non-zero get a correction bit, sent after the
    next symbol (or EOB run) -- libjpeg's buffering, including its forced EOB runs."""
    magnitudes = state[MAGNITUDE:MAGNITUDE + 64]
    for i in range(rows.shape[0]):
        if _restart_due(i, per_interval):
            _eobrun(gather, tables, state, out)
            _end_interval(gather, state, out, i // per_interval - 1)
        row = rows[i]
        end = min(se, np.int64(last[row]))
        last_new = 0  # zigzag position of the last coefficient that becomes non-zero
        for k in range(ss, end + 1):
            magnitudes[k] = abs(np.int64(coefs[row, k])) >> al
            if magnitudes[k] == 1:
                last_new = k
        run = 0
        start = state[BE]  # this block's correction bits follow those of the EOB run
        count = 0
        for k in range(ss, end + 1):
            magnitude = magnitudes[k]
            if magnitude == 0:
                run += 1
                continue
            while run > 15 and k <= last_new:
                _eobrun(gather, tables, state, out)
                _symbol(gather, tables, state, out, 0, _ZRL)
                run -= 16
                _buffered(gather, state, out, start, count)
                start = 0
                count = 0
            if magnitude > 1:
                state[CORR + start + count] = magnitude & 1
                count += 1
                continue
            if state[EOBRUN]:
                _eobrun(gather, tables, state, out)
            _symbol(gather, tables, state, out, 0, (run << 4) + 1,
                    0 if coefs[row, k] < 0 else 1, 1)
            _buffered(gather, state, out, start, count)
            start = 0
            count = 0
            run = 0
        run += se - max(end, ss - 1)  # the zeros after ``end``
        if run > 0 or count > 0:
            state[EOBRUN] += 1
            state[BE] += count
            if state[EOBRUN] == MAX_EOBRUN or state[BE] > MAX_CORR_BITS - 64 + 1:
                _eobrun(gather, tables, state, out)
    _eobrun(gather, tables, state, out)
    _end_interval(gather, state, out, -1)
    return OK


@numba.njit(**_JIT)
def optimal_table(frequencies, counts, symbols, lengths, codes):
    """libjpeg's ``jpeg_gen_optimal_table`` (T.81 K.2, the compiled twin of
    :func:`jpegzoo.layers.numerics.huffman.optimal_table`, which tests hold it to).

    Args:
        frequencies: int64 ``[256]`` symbol counts (symbols counted 0 times get no code).
        counts: int64 ``[16]`` out: the number of codes of each length 1..16.
        symbols: int64 ``[256]`` out: the symbols by increasing code length (HUFFVAL).
        lengths, codes: int64 ``[256]`` out: each symbol's canonical code and its length
            (0 for symbols without a code).
    Returns:
        the number of symbols with a code.
    """
    freq = np.zeros(257, dtype=np.int64)
    size = np.zeros(257, dtype=np.int64)
    others = np.zeros(257, dtype=np.int64)
    used = False
    for i in range(256):
        freq[i] = frequencies[i]
        used |= frequencies[i] > 0
        others[i] = -1
    if not used:
        freq[0] = 1  # an unused table still needs one code to be valid
    freq[256] = 1  # reserved: no real symbol gets the all-ones code
    others[256] = -1
    while True:  # Huffman merging; ties go to the highest symbol, as in libjpeg
        c1, c2 = -1, -1
        for i in range(257):
            if freq[i] and (c1 < 0 or freq[i] <= freq[c1]):
                c1 = i
        for i in range(257):
            if freq[i] and i != c1 and (c2 < 0 or freq[i] <= freq[c2]):
                c2 = i
        if c2 < 0:
            break
        freq[c1] += freq[c2]
        freq[c2] = 0
        size[c1] += 1
        while others[c1] >= 0:
            c1 = others[c1]
            size[c1] += 1
        others[c1] = c2
        size[c2] += 1
        while others[c2] >= 0:
            c2 = others[c2]
            size[c2] += 1
    longest = 0
    for i in range(257):
        longest = max(longest, size[i])
    bits = np.zeros(258, dtype=np.int64)  # codes of each unlimited length (<= 256)
    for i in range(257):
        if size[i]:
            bits[size[i]] += 1
    for i in range(longest, 16, -1):  # Annex K.3 Adjust_BITS: no code over 16 bits
        while bits[i] > 0:
            j = i - 2
            while bits[j] == 0:
                j -= 1
            bits[i] -= 2
            bits[i - 1] += 1
            bits[j + 1] += 2
            bits[j] -= 1
    i = 16
    while bits[i] == 0:
        i -= 1
    bits[i] -= 1  # drop the reserved code
    for length in range(1, 17):
        counts[length - 1] = bits[length]
    n = 0
    for length in range(1, longest + 1):  # by unlimited length, then by symbol
        for s in range(256):
            if size[s] == length:
                symbols[n] = s
                n += 1
    for s in range(256):
        lengths[s] = 0
    code, k = 0, 0
    for length in range(1, 17):
        for _ in range(counts[length - 1]):
            lengths[symbols[k]] = length
            codes[symbols[k]] = code
            code += 1
            k += 1
        code <<= 1
    return n


@numba.njit(**_JIT)
def stack_levels(levels, zigzag, out, last):
    """Copy blocks of natural-order ``levels`` (int32 ``[N, 64]``) into ``out`` in zigzag
    order (``zigzag``: int64 ``[64]`` natural index of each zigzag position) and set
    ``last`` (uint8 ``[N]``) to each block's last non-zero zigzag position (0: none)."""
    for i in range(levels.shape[0]):
        end = 0
        for k in range(64):
            level = levels[i, zigzag[k]]
            out[i, k] = level
            if level != 0:
                end = k
        last[i] = end
