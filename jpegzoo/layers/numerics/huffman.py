"""Baseline JPEG Huffman tables: the Annex K tables, canonical code assignment, and
libjpeg's optimal-table construction (code lengths limited to 16 bits).

A table is described as in a DHT segment: ``counts[16]`` (number of codes of length
1..16) and ``symbols`` (the HUFFVAL list). DC symbols are size categories 0..11; AC
symbols are ``(run << 4) | size`` with 0x00 = EOB and 0xF0 = ZRL.
"""

from dataclasses import dataclass, field

import numpy as np

MAX_CODE_LENGTH = 16


@dataclass(frozen=True)
class HuffmanTable:
    """One Huffman table with its canonical codes (ITU-T T.81 Annex C).

    Attributes:
        counts: number of codes of each length 1..16 (tuple of 16 ints).
        symbols: symbols in order of increasing code length (HUFFVAL).
        lengths: int32 ``[256]`` code length in bits per symbol, 0 if the symbol has no code.
        codes: uint32 ``[256]`` code value per symbol (valid where ``lengths > 0``).
    """

    counts: tuple
    symbols: tuple
    lengths: np.ndarray = field(repr=False, compare=False)
    codes: np.ndarray = field(repr=False, compare=False)

    @classmethod
    def from_counts(cls, counts, symbols):
        counts = tuple(int(c) for c in counts)
        symbols = tuple(int(s) for s in symbols)
        _validate(counts, symbols)
        lengths = np.zeros(256, dtype=np.int32)
        codes = np.zeros(256, dtype=np.uint32)
        code, k = 0, 0
        for length, count in enumerate(counts, start=1):
            for _ in range(count):
                lengths[symbols[k]] = length
                codes[symbols[k]] = code
                code += 1
                k += 1
            code <<= 1
        return cls(counts, symbols, lengths, codes)

    def require(self, symbol_counts, what):
        """Raise if a symbol that occurs (count > 0) has no code in this table."""
        used = np.asarray(symbol_counts) > 0
        missing = np.nonzero(used & (self.lengths[:len(symbol_counts)] == 0))[0]
        if missing.size:
            raise ValueError(f"{what} Huffman table has no code for symbol(s) "
                             f"{', '.join(hex(int(s)) for s in missing[:8])}")


def _validate(counts, symbols):
    if len(counts) != MAX_CODE_LENGTH:
        raise ValueError(f"a Huffman table needs 16 code-length counts, got {len(counts)}")
    if sum(counts) != len(symbols) or not 0 < len(symbols) <= 256:
        raise ValueError("Huffman counts do not add up to the number of symbols")
    if len(set(symbols)) != len(symbols):
        raise ValueError("Huffman table lists a symbol twice")
    # Kraft: no length may be over-subscribed, and the all-ones code must stay unused.
    room = 1
    for count in counts:
        room = 2 * room - count
        if room < 1:  # libjpeg refuses both (jdhuff.c, JERR_BAD_HUFF_TABLE)
            raise ValueError("Huffman code lengths over-subscribe the code space or use "
                             "the all-ones code")


# ITU-T T.81 Annex K.3 (Tables K.3 - K.6).
STD_DC_LUMINANCE = HuffmanTable.from_counts(
    [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], range(12))
STD_DC_CHROMINANCE = HuffmanTable.from_counts(
    [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], range(12))
STD_AC_LUMINANCE = HuffmanTable.from_counts(
    [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D],
    bytes.fromhex(
        "01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
        "2433627282090a161718191a25262728292a3435363738393a43444546474849"
        "4a535455565758595a636465666768696a737475767778797a83848586878889"
        "8a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5"
        "c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
        "f9fa"))
STD_AC_CHROMINANCE = HuffmanTable.from_counts(
    [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
    bytes.fromhex(
        "000102031104052131061241510761711322328108144291a1b1c109233352f0"
        "156272d10a162434e125f11718191a262728292a35363738393a434445464748"
        "494a535455565758595a636465666768696a737475767778797a828384858687"
        "88898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
        "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8"
        "f9fa"))

#: Annex K tables indexed by [0 luminance / 1 chrominance].
STD_DC_TABLES = (STD_DC_LUMINANCE, STD_DC_CHROMINANCE)
STD_AC_TABLES = (STD_AC_LUMINANCE, STD_AC_CHROMINANCE)


def optimal_table(frequencies):
    """libjpeg's ``jpeg_gen_optimal_table`` (T.81 Annex K.2): a length-limited Huffman table.

    Args:
        frequencies: ``[256]`` symbol counts (symbols with count 0 get no code).

    Returns:
        :class:`HuffmanTable` with all code lengths <= 16 and no all-ones code; for the
        same frequencies it equals the table libjpeg writes with ``optimize_coding``.
    """
    freq = np.zeros(257, dtype=np.int64)
    freq[:256] = np.asarray(frequencies, dtype=np.int64)
    if freq[:256].sum() == 0:
        freq[0] = 1  # An unused table still needs one code to be valid.
    freq[256] = 1  # Reserved so that no real symbol gets the all-ones code.
    codesize = _merge_code_sizes(freq)
    # Unlimited lengths can exceed libjpeg's MAX_CLEN (32) for extreme counts; keep all of
    # them (no [:40] cut) so that Adjust_BITS sees every code and none is dropped.
    counts = _limit_code_lengths(np.bincount(codesize, minlength=40))
    order = sorted((size, sym) for sym, size in enumerate(codesize[:256]) if size > 0)
    return HuffmanTable.from_counts(counts[1:MAX_CODE_LENGTH + 1], [sym for _, sym in order])


def _merge_code_sizes(freq):
    """Huffman merging with libjpeg's tie rule (the highest symbol index wins ties)."""
    freq = freq.astype(np.float64)
    freq[freq == 0] = np.inf
    codesize = np.zeros(257, dtype=np.int64)
    others = np.full(257, -1, dtype=np.int64)
    reversed_view = freq[::-1]
    while True:
        c1 = 256 - int(np.argmin(reversed_view))
        saved, freq[c1] = freq[c1], np.inf
        c2 = 256 - int(np.argmin(reversed_view))
        if not np.isfinite(freq[c2]):  # c1 is the only tree left
            return codesize
        freq[c1] = saved
        freq[c1] += freq[c2]
        freq[c2] = np.inf
        for start in (c1, c2):
            node = start
            codesize[node] += 1
            while others[node] >= 0:
                node = others[node]
                codesize[node] += 1
            if start == c1:
                others[node] = c2


def _limit_code_lengths(bits):
    """Annex K.2 ``Adjust_BITS``: move codes longer than 16 bits up, drop the reserved code."""
    for i in range(len(bits) - 1, MAX_CODE_LENGTH, -1):
        while bits[i] > 0:
            j = i - 2
            while bits[j] == 0:
                j -= 1
            bits[i] -= 2
            bits[i - 1] += 1
            bits[j + 1] += 2
            bits[j] -= 1
    i = MAX_CODE_LENGTH
    while bits[i] == 0:
        i -= 1
    bits[i] -= 1
    return bits
