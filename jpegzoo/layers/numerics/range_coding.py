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
"""

from dataclasses import dataclass

import numpy as np

ESCAPE_BITS = 32
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


def _groups(indexes):
    """(table index, flat positions) in coding order: tables ascending, positions in
    C order within a table."""
    flat = np.asarray(indexes, np.int64).ravel()
    order = np.argsort(flat, kind="stable")
    tables, starts = np.unique(flat[order], return_index=True)
    return zip(tables, np.split(order, starts[1:]))


def encode(latents, tables, indexes=None):
    """Bytes of the range-coded int ``latents``; ``indexes`` (same shape) names the table of
    each latent (default: :func:`channel_indexes`, one table per channel)."""
    import constriction

    latents = np.asarray(latents).astype(np.int64)
    indexes = channel_indexes(latents.shape) if indexes is None else indexes
    flat = latents.ravel()
    encoder = constriction.stream.queue.RangeEncoder()
    uniform = constriction.stream.model.Uniform(1 << 16)
    for table, positions in _groups(indexes):
        symbols = flat[positions] - tables.offsets[table]
        size = int(tables.sizes[table])
        outside = (symbols < 0) | (symbols >= size)
        encoder.encode(np.where(outside, size, symbols).astype(np.int32),
                       categorical(tables, table))
        if outside.any():
            escaped = (flat[positions][outside] + (1 << 31)).astype(np.uint64)
            halves = np.stack([escaped >> 16, escaped & 0xFFFF], axis=1).ravel()
            encoder.encode(halves.astype(np.int32), uniform)
    return encoder.get_compressed().tobytes()


def range_decoder(data):
    """constriction's range decoder over payload bytes (ValueError if not whole words)."""
    import constriction

    if len(data) % 4:
        raise ValueError("range-coded payload is not a whole number of 32-bit words")
    return constriction.stream.queue.RangeDecoder(
        np.frombuffer(bytes(data), dtype=np.uint32).copy())


def decode(data, shape, tables, indexes=None):
    """int32 latents of ``shape`` from :func:`encode`'s bytes (same ``indexes``)."""
    import constriction

    decoder = range_decoder(data)
    uniform = constriction.stream.model.Uniform(1 << 16)
    indexes = channel_indexes(shape) if indexes is None else indexes
    out = np.empty(int(np.prod(shape)), np.int64)
    for table, positions in _groups(indexes):
        symbols = decoder.decode(categorical(tables, table), len(positions)).astype(np.int64)
        size = int(tables.sizes[table])
        values = symbols + tables.offsets[table]
        outside = symbols == size
        if outside.any():
            halves = decoder.decode(uniform, 2 * int(outside.sum())).astype(np.int64)
            values[outside] = (halves[0::2] << 16 | halves[1::2]) - (1 << 31)
        out[positions] = values
    return out.astype(np.int32).reshape(shape)
