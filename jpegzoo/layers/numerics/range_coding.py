"""Range coding of integer latents with integer probability tables (constriction).

A :class:`CodingTables` holds, per channel, an integer count for every value of a finite
support ``[offset, offset + n)`` plus one escape symbol; counts are fixed integers (built
once from a learned density, then stored), so the coder's model on the decoding machine is
derived from integers only, never from that machine's float math. Values outside the
support are coded as the escape symbol followed by the value itself in two 16-bit uniform
symbols (rare by construction: the support holds all but ``tail_mass`` of the density).

Coding uses constriction's range coder (``constriction.stream.queue``) with
``Categorical`` models built from ``counts / sum(counts)`` -- exact in float64 for counts
below 2^53, so the coder's own quantization sees the same numbers everywhere.

Latents: any int array; each latent codes with the table its ``indexes`` entry names (one
table per channel for factorized models, one per quantized scale for Gaussian
conditionals). The stream holds the latents of table 0, then of table 1, ... (C order
within a table), so the decoder, which knows the indexes, reads them back in place.

Decoding checks what it is given (every failure is a ``ValueError`` naming the problem):

- before allocating anything, that the payload can hold the symbols it must code: a
  symbol of table ``t`` costs at least :func:`min_symbol_bits` ``[t]`` bits (the largest
  probability the coder's quantized model can give one symbol), and a range coder's output
  is never shorter than the information content of what it codes;
- that the range coder accepts the data (constriction raises ``AssertionError`` for data
  no encoder could have written);
- that the payload is *exactly* what :func:`encode` writes for the decoded symbols
  (:class:`CheckedDecoder` re-encodes them): constriction's decoder reads zeros past the
  end of its data and ignores words after the ones it needs, so a truncated, empty or
  over-long payload would otherwise decode to some image without complaint.
"""

from dataclasses import dataclass

import numpy as np

ESCAPE_BITS = 32
#: Precision (bits) of constriction's quantized categorical models (its default for
#: ``Categorical``): every symbol of a table gets a multiple of ``2**-24``, at least one.
MODEL_PRECISION = 24
#: Prefix of the tables' entries in a Keras weights file.
TABLE_KEY = "coding_"


@dataclass(frozen=True)
class CodingTables:
    """Integer probability tables of C channels.

    Attributes:
        offsets: int32 ``[C]`` smallest value of each channel's support.
        counts: int64 ``[C, n + 1]`` counts of the values ``offset .. offset + size - 1``
            and then of the escape symbol (all >= 1; zero beyond, unused).
        sizes: int32 ``[C]`` support size of each table.
    """

    offsets: np.ndarray
    counts: np.ndarray
    sizes: np.ndarray

    def arrays(self):
        """The tables as a dict of int32 arrays (to store with model weights; counts are at
        most ``2**precision``)."""
        return {"offsets": self.offsets.astype(np.int32), "counts": self.counts.astype(np.int32),
                "sizes": self.sizes.astype(np.int32)}


def save_tables(store, tables):
    """Write ``tables`` (or nothing, if None) into a Keras weights ``store`` beside a
    layer's variables (for ``save_own_variables``)."""
    if tables is not None:
        for key, array in tables.arrays().items():
            store[f"{TABLE_KEY}{key}"] = array


def split_tables(store):
    """``(variables, tables)`` of a Keras weights ``store`` written with
    :func:`save_tables`: the layer's own entries and the :class:`CodingTables` (or None)."""
    keys = [str(key) for key in store.keys()]
    variables = {key: store[key] for key in keys if not key.startswith(TABLE_KEY)}
    if f"{TABLE_KEY}counts" not in keys:
        return variables, None
    tables = CodingTables(np.asarray(store[f"{TABLE_KEY}offsets"], np.int32),
                          np.asarray(store[f"{TABLE_KEY}counts"], np.int64),
                          np.asarray(store[f"{TABLE_KEY}sizes"], np.int32))
    return variables, tables


def tables_from_pmf(pmf, offsets, sizes=None, precision=24):
    """:class:`CodingTables` from float probabilities ``[T, n]``: row ``t`` gives the values
    ``offsets[t] + 0 .. sizes[t] - 1`` (``sizes`` default ``n``; entries beyond a row's size
    are ignored); the mass a row is missing goes to its escape symbol, right after its
    support. Every used symbol gets a count of at least 1; totals about ``2**precision``."""
    pmf = np.asarray(pmf, np.float64)
    sizes = np.full(len(pmf), pmf.shape[1]) if sizes is None else np.asarray(sizes)
    counts = np.zeros((len(pmf), pmf.shape[1] + 1), np.int64)
    for row, size in enumerate(sizes):
        own = pmf[row, :size]
        full = np.append(own, np.clip(1.0 - own.sum(), 0.0, 1.0))
        counts[row, :size + 1] = np.maximum(np.round(full * 2 ** precision), 1)
    return CodingTables(np.asarray(offsets, np.int32), counts, sizes.astype(np.int32))


def categorical(tables, index):
    """constriction categorical model of table ``index`` (its support, then the escape)."""
    import constriction

    counts = tables.counts[index, :tables.sizes[index] + 1].astype(np.float64)
    return constriction.stream.model.Categorical(counts / counts.sum(), perfect=False)


def channel_indexes(shape):
    """Table index of every latent of ``shape`` ``[..., C]`` when each channel has its own
    table (factorized models): the channel number."""
    return np.broadcast_to(np.arange(shape[-1], dtype=np.int64), shape)


def _groups(shape, indexes=None):
    """(table index, flat positions) of latents of ``shape`` in coding order: tables
    ascending, positions in C order within a table. ``indexes`` None: one table per
    channel, channel ``c`` at every C-th position (no sort); otherwise table numbers in
    ``0..65535``, grouped by a stable sort of 16-bit keys (a radix sort, and no int64
    copies of the indexes)."""
    if indexes is None:
        size, channels = int(np.prod(shape)), shape[-1]
        if size:
            for channel in range(channels):
                yield channel, np.arange(channel, size, channels)
        return
    flat = np.asarray(indexes).ravel()
    if flat.size and (flat.min() < 0 or flat.max() >= 1 << 16):
        raise ValueError("table indexes must lie in 0..65535")
    keys = flat.astype(np.uint16)
    order = np.argsort(keys, kind="stable")
    ends = np.cumsum(np.bincount(keys))
    for table, (start, end) in enumerate(zip(np.r_[0, ends[:-1]], ends)):
        if end > start:
            yield table, order[start:end]


def encode(latents, tables, indexes=None):
    """Bytes of the range-coded int ``latents``; ``indexes`` (same shape) names the table of
    each latent (default: :func:`channel_indexes`, one table per channel)."""
    import constriction

    latents = np.asarray(latents)
    flat = latents.ravel()
    encoder = constriction.stream.queue.RangeEncoder()
    uniform = constriction.stream.model.Uniform(1 << 16)
    for table, positions in _groups(latents.shape, indexes):
        values = flat[positions].astype(np.int64)
        symbols = values - tables.offsets[table]
        size = int(tables.sizes[table])
        outside = (symbols < 0) | (symbols >= size)
        encoder.encode(np.where(outside, size, symbols).astype(np.int32),
                       categorical(tables, table))
        if outside.any():
            escaped = (values[outside] + (1 << 31)).astype(np.uint64)
            halves = np.stack([escaped >> 16, escaped & 0xFFFF], axis=1).ravel()
            encoder.encode(halves.astype(np.int32), uniform)
    return encoder.get_compressed().tobytes()


def min_symbol_bits(tables):
    """float64 ``[T]``: a lower bound on the bits the range coder spends on one symbol of
    each table, ``-log2`` of the largest probability its quantized model can give a symbol.

    constriction quantizes ``n`` probabilities ``p_i`` to ``floor(P_{i+1} s) - floor(P_i s)
    + 1`` units of ``2**-24`` (``P`` the cumulative sums, ``s = 2**24 - n``), so no symbol
    gets more than ``p_i + 2`` units, nor more than what the ``n - 1`` others leave (one
    unit each); the bound allows 4 units for float rounding.
    """
    sizes = np.asarray(tables.sizes, np.int64) + 1  # the support and the escape
    counts = np.asarray(tables.counts, np.float64)
    largest = counts.max(axis=1) / counts.sum(axis=1)
    unit = 2.0 ** -MODEL_PRECISION
    bound = np.clip(np.minimum(1.0 - (sizes - 1) * unit, largest + 4 * unit), unit, 1.0)
    return np.maximum(-np.log2(bound), 0.0)


def check_payload_size(data, symbol_counts, tables, what="range-coded stream"):
    """ValueError unless ``data`` (bytes) is long enough to code ``symbol_counts[t]``
    symbols of each table ``t`` (see :func:`min_symbol_bits`); call it before allocating
    anything the symbols' number sizes. A range coder's output is at least the information
    content of its symbols (each renormalization emits one 32-bit word per 32 bits of it,
    and the final words identify the rest), so this refuses no file :func:`encode` wrote."""
    symbol_counts = np.asarray(symbol_counts, np.float64)
    needed = float(np.dot(symbol_counts, min_symbol_bits(tables)))
    total = float(symbol_counts.sum())
    if total and not len(data):
        raise ValueError(f"corrupt .jzc file: the {what} is empty but must code "
                         f"{int(total)} symbols")
    if 8 * len(data) + 64 < needed:
        raise ValueError(f"corrupt .jzc file: the {what} holds {len(data)} bytes, too few "
                         f"for its {int(total)} symbols (at least {int(needed // 8)} bytes)")


def range_decoder(data):
    """constriction's range decoder over payload bytes (ValueError if not whole words)."""
    import constriction

    if len(data) % 4:
        raise ValueError("range-coded payload is not a whole number of 32-bit words")
    return constriction.stream.queue.RangeDecoder(
        np.frombuffer(bytes(data), dtype=np.uint32).copy())


class CheckedDecoder:
    """A range decoder over payload bytes that refuses what :func:`encode` could not have
    written: data the coder rejects, and -- in :meth:`finish` -- a payload that is not
    exactly the encoding of the symbols decoded from it (truncated: the decoder read past
    its end; over-long: bytes left after the coder's final words; or otherwise damaged).

    ``decode(model, count)`` returns int32 symbols like constriction's ``decode`` and
    records them (with their model) for :meth:`finish`, which re-encodes them: about the
    cost of decoding again, and memory for the symbols (4 bytes each).
    """

    def __init__(self, data, what="range-coded stream"):
        self.data, self.what = bytes(data), what
        if len(self.data) % 4:
            raise ValueError(f"corrupt .jzc file: the {what} is not a whole number of "
                             f"32-bit words ({len(self.data)} bytes)")
        self.decoder = range_decoder(self.data)
        self.log = []

    def decode(self, model, count):
        """int32 ``[count]`` symbols decoded with constriction ``model``."""
        try:
            symbols = self.decoder.decode(model, int(count))
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except BaseException as error:  # constriction: AssertionError, pyo3 panics
            reason = " ".join(str(error).split()) or type(error).__name__
            raise ValueError(f"corrupt .jzc file: the range coder rejects the {self.what} "
                             f"({reason})") from None
        symbols = np.asarray(symbols, np.int32)
        self.log.append((model, symbols))
        return symbols

    def finish(self):
        """ValueError unless the data is exactly the encoding of what was decoded."""
        import constriction

        encoder = constriction.stream.queue.RangeEncoder()
        for model, symbols in self.log:
            encoder.encode(symbols, model)
        expected = encoder.get_compressed().tobytes()
        self.log = []
        if expected == self.data:
            return
        if len(self.data) < len(expected):
            problem = (f"it ends {len(expected) - len(self.data)} bytes before its symbols "
                       f"do (truncated)")
        elif self.data.startswith(expected):
            problem = (f"{len(self.data) - len(expected)} bytes follow its last symbol "
                       f"(over-long)")
        else:
            problem = "it is not the encoding of the symbols it decodes to (damaged)"
        raise ValueError(f"corrupt .jzc file: the {self.what} is invalid: {problem}")


def table_counts(shape, tables, indexes=None):
    """float64 ``[T]``: how many latents of ``shape`` code with each table (``indexes`` as
    in :func:`encode`); computed without materializing the default indexes (float: a
    declared shape may hold more than 2**63 latents)."""
    count = len(tables.sizes)
    if indexes is None:
        if not shape or shape[-1] != count:
            raise ValueError(f"latent shape {tuple(shape)} does not have one channel per "
                             f"table ({count})")
        return np.full(count, float(np.prod(shape[:-1], dtype=object)))
    flat = np.asarray(indexes, np.int64).ravel()
    if flat.size != np.prod(shape, dtype=object):
        raise ValueError(f"{flat.size} table indexes for latents of shape {tuple(shape)}")
    if flat.size and (flat.min() < 0 or flat.max() >= count):
        raise ValueError(f"table indexes outside 0..{count - 1}")
    return np.bincount(flat, minlength=count).astype(np.float64)


def decode(data, shape, tables, indexes=None):
    """int32 latents of ``shape`` from :func:`encode`'s bytes (same ``indexes``);
    ValueError (see the module docstring) for a payload :func:`encode` did not write."""
    import constriction

    shape = tuple(int(d) for d in shape)
    check_payload_size(data, table_counts(shape, tables, indexes), tables)
    decoder = CheckedDecoder(data)
    uniform = constriction.stream.model.Uniform(1 << 16)
    out = np.empty(int(np.prod(shape)), np.int32)
    for table, positions in _groups(shape, indexes):
        symbols = decoder.decode(categorical(tables, table), len(positions)).astype(np.int64)
        size = int(tables.sizes[table])
        values = symbols + tables.offsets[table]
        outside = symbols == size
        if outside.any():
            halves = decoder.decode(uniform, 2 * int(outside.sum())).astype(np.int64)
            escaped = (halves[0::2] << 16 | halves[1::2]) - (1 << 31)
            inside = (escaped >= tables.offsets[table]) & (escaped < tables.offsets[table] + size)
            if inside.any():
                raise ValueError("corrupt .jzc file: an escape codes a value inside its "
                                 "table's support")
            values[outside] = escaped
        out[positions] = values
    decoder.finish()
    return out.reshape(shape)
