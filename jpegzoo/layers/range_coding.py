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

Latents: int ``[..., C]`` (channels last); the bitstream codes them in C order.
"""

from dataclasses import dataclass

import numpy as np

ESCAPE_BITS = 32


@dataclass(frozen=True)
class CodingTables:
    """Integer probability tables of C channels.

    Attributes:
        offsets: int32 ``[C]`` smallest value of each channel's support.
        counts: int64 ``[C, n + 1]`` counts of the values ``offset .. offset + n - 1`` and,
            last, of the escape symbol (all >= 1; rows padded with 1 beyond a channel's
            own ``sizes``).
        sizes: int32 ``[C]`` support size n of each channel.
    """

    offsets: np.ndarray
    counts: np.ndarray
    sizes: np.ndarray

    def arrays(self):
        """The tables as a dict of integer arrays (to store next to model weights)."""
        return {"offsets": self.offsets, "counts": self.counts, "sizes": self.sizes}


def tables_from_pmf(pmf, offsets, precision=16):
    """:class:`CodingTables` from float probabilities ``[C, n]`` of the values
    ``offsets[c] + 0 .. n - 1`` (the mass missing from each row goes to the escape
    symbol); every symbol gets a count of at least 1, totals about ``2**precision``."""
    pmf = np.asarray(pmf, np.float64)
    escape = np.clip(1.0 - pmf.sum(axis=1, keepdims=True), 0.0, 1.0)
    full = np.concatenate([pmf, escape], axis=1)
    counts = np.maximum(np.round(full * 2 ** precision), 1).astype(np.int64)
    sizes = np.full(len(pmf), pmf.shape[1], np.int32)
    return CodingTables(np.asarray(offsets, np.int32), counts, sizes)


def _models(tables, channel):
    import constriction

    counts = tables.counts[channel, :tables.sizes[channel] + 1].astype(np.float64)
    return constriction.stream.model.Categorical(counts / counts.sum(), perfect=False)


def encode(latents, tables):
    """Bytes of the range-coded int ``latents`` ``[..., C]``."""
    import constriction

    latents = np.asarray(latents)
    flat = latents.reshape(-1, latents.shape[-1]).astype(np.int64)
    encoder = constriction.stream.queue.RangeEncoder()
    uniform = constriction.stream.model.Uniform(1 << 16)
    for channel in range(flat.shape[1]):
        symbols = flat[:, channel] - tables.offsets[channel]
        size = int(tables.sizes[channel])
        outside = (symbols < 0) | (symbols >= size)
        coded = np.where(outside, size, symbols).astype(np.int32)
        encoder.encode(coded, _models(tables, channel))
        if outside.any():
            escaped = (flat[outside, channel].astype(np.int64) + (1 << 31)).astype(np.uint64)
            halves = np.stack([escaped >> 16, escaped & 0xFFFF], axis=1).ravel()
            encoder.encode(halves.astype(np.int32), uniform)
    return encoder.get_compressed().tobytes()


def decode(data, shape, tables):
    """int32 latents of ``shape`` (``[..., C]``) from :func:`encode`'s bytes."""
    import constriction

    if len(data) % 4:
        raise ValueError("range-coded payload is not a whole number of 32-bit words")
    words = np.frombuffer(bytes(data), dtype=np.uint32)
    decoder = constriction.stream.queue.RangeDecoder(words.copy())
    uniform = constriction.stream.model.Uniform(1 << 16)
    count, channels = int(np.prod(shape[:-1])), int(shape[-1])
    out = np.empty((count, channels), np.int64)
    for channel in range(channels):
        symbols = decoder.decode(_models(tables, channel), count).astype(np.int64)
        size = int(tables.sizes[channel])
        values = symbols + tables.offsets[channel]
        outside = symbols == size
        if outside.any():
            halves = decoder.decode(uniform, 2 * int(outside.sum())).astype(np.int64)
            values[outside] = (halves[0::2] << 16 | halves[1::2]) - (1 << 31)
        out[:, channel] = values
    return out.astype(np.int32).reshape(shape)
