"""Range coding (jpegzoo.layers.numerics.range_coding): exact round trips, and decoding
that refuses -- with a ValueError naming the problem -- every payload encode() could not
have written: rejected by the coder, too short for its symbols (checked before
allocating), empty, truncated, over-long, or otherwise not the encoding of its symbols."""

import tracemalloc

import numpy as np
import pytest

from jpegzoo.layers.numerics import range_coding as rc


def _tables(channels=5, seed=0, peaked=False):
    """Laplacian-like tables of ``channels`` channels (one nearly a point mass if
    ``peaked``)."""
    rng = np.random.default_rng(seed)
    values = np.arange(-20, 21)
    scales = rng.uniform(0.3, 4.0, channels)
    if peaked:
        scales[0] = 0.02
    pmf = np.exp(-np.abs(values)[None] / scales[:, None])
    pmf /= pmf.sum(axis=1, keepdims=True) * (1 + 1e-6)
    return rc.tables_from_pmf(pmf, np.full(channels, -20))


def _latents(tables, shape, seed=0, escapes=True):
    rng = np.random.default_rng(seed)
    latents = np.round(rng.laplace(0, 2.0, shape)).astype(np.int32)
    if escapes:
        latents.flat[::97] = rng.integers(-10 ** 6, 10 ** 6, latents.flat[::97].shape)
    return latents


@pytest.mark.parametrize("shape", [(1, 3, 4, 5), (2, 1, 1, 5), (1, 0, 3, 5)])
def test_round_trip_with_escapes(shape):
    tables = _tables()
    latents = _latents(tables, shape)
    data = rc.encode(latents, tables)
    np.testing.assert_array_equal(rc.decode(data, shape, tables), latents)


@pytest.mark.parametrize("shape", [(1, 3, 4, 5), (2, 7, 1, 5), (1, 0, 3, 5)])
def test_channel_tables_code_as_explicit_channel_indexes(shape):
    """The default (one table per channel, grouped without sorting) writes the same bytes
    as the explicit channel indexes (grouped by a stable sort), and both decode."""
    tables = _tables()
    latents = _latents(tables, shape)
    indexes = rc.channel_indexes(shape)
    data = rc.encode(latents, tables)
    assert rc.encode(latents, tables, indexes) == data
    np.testing.assert_array_equal(rc.decode(data, shape, tables, indexes), latents)


def test_encoding_copies_no_index_or_latent_arrays():
    """Memory: coding 1M latents of 20 channel tables allocates a few arrays of one
    channel (50,000 latents), far less than an int64 copy of them all (8 MB); the decoder
    little beyond its int32 output (4 MB) and the log of the symbols it re-encodes (4 MB)."""
    tables = _tables(channels=20)
    latents = _latents(tables, (1, 200, 250, 20), escapes=False)
    tracemalloc.start()
    try:
        data = rc.encode(latents, tables)
        _, encoding = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        decoded = rc.decode(data, latents.shape, tables)
        _, decoding = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(decoded, latents)
    assert encoding < 4 * 2 ** 20 and decoding < 12 * 2 ** 20


@pytest.mark.parametrize("seed", range(6))
def test_size_bound_holds_for_what_encode_writes(seed):
    """The payload of any latents is at least the bound check_payload_size applies --
    including latents all at each table's most probable value, where it is tight."""
    tables = _tables(seed=seed, peaked=seed % 2 == 1)
    shape = (1, 7, 9, 5)
    modes = tables.offsets + tables.counts[:, :-1].argmax(axis=1)
    for latents in (_latents(tables, shape, seed), np.broadcast_to(modes, shape)):
        data = rc.encode(latents, tables)
        rc.check_payload_size(data, rc.table_counts(shape, tables), tables)
        bound = rc.table_counts(shape, tables) @ rc.min_symbol_bits(tables)
        assert 8 * len(data) >= bound
    assert 8 * len(data) < bound + 2 * 64  # all modes: the bound is within two words


def test_min_symbol_bits_follow_the_largest_probability():
    tables = _tables(peaked=True)
    bits = rc.min_symbol_bits(tables)
    largest = tables.counts.max(axis=1) / tables.counts.sum(axis=1)
    assert (bits <= -np.log2(largest) + 1e-9).all()
    np.testing.assert_allclose(bits[1:], -np.log2(largest[1:]), rtol=1e-4)
    assert 0 <= bits[0] < 1e-3  # a near point mass costs almost nothing


def test_huge_declared_shape_is_refused_before_allocating():
    tables = _tables()
    tracemalloc.start()
    try:
        for data in (b"", bytes(84), bytes(4096)):
            with pytest.raises(ValueError, match="empty|too few"):
                rc.decode(data, (1, 4096, 4096, 5), tables)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 ** 20


def test_payload_the_coder_rejects_is_a_value_error():
    """Random bytes: constriction raises AssertionError for data no encoder writes; every
    such failure (and every other) is a ValueError."""
    tables = _tables()
    shape = (1, 4, 4, 5)
    size = len(rc.encode(_latents(tables, shape, escapes=False), tables))
    messages = set()
    for seed in range(300):
        data = np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
        with pytest.raises(ValueError, match="corrupt .jzc file") as caught:
            rc.decode(data, shape, tables)
        messages.add("rejects" if "rejects" in str(caught.value) else "other")
        assert "\n" not in str(caught.value)
    assert messages == {"rejects", "other"}


@pytest.mark.parametrize("change,words", [
    (lambda d: b"", "empty"),
    (lambda d: d[:-4], "truncated"),
    (lambda d: d[:-8], "truncated"),
    (lambda d: d + bytes(4), "4 bytes follow its last symbol"),
    (lambda d: d + b"\xff" * 8, "over-long"),
    (lambda d: d[:-1], "32-bit words"),
    (lambda d: d + b"\0", "32-bit words"),
    (lambda d: d[:4] + bytes([d[4] ^ 0x10]) + d[5:], "jzc"),
])
def test_empty_truncated_and_over_long_payloads_are_refused(change, words):
    tables = _tables()
    shape = (1, 6, 6, 5)
    data = rc.encode(_latents(tables, shape), tables)
    with pytest.raises(ValueError, match=words):
        rc.decode(change(data), shape, tables)


def test_an_escape_of_a_value_inside_the_support_is_refused():
    import constriction

    tables = _tables(channels=1)
    encoder = constriction.stream.queue.RangeEncoder()
    encoder.encode(np.array([tables.sizes[0]], np.int32), rc.categorical(tables, 0))
    value = 3 + (1 << 31)  # 3 lies in the support -20..20
    encoder.encode(np.array([value >> 16, value & 0xFFFF], np.int32),
                   constriction.stream.model.Uniform(1 << 16))
    with pytest.raises(ValueError, match="escape codes a value inside"):
        rc.decode(encoder.get_compressed().tobytes(), (1, 1), tables)


def test_checked_decoder_records_and_verifies():
    tables = _tables(channels=1)
    model = rc.categorical(tables, 0)
    symbols = np.array([20, 21, 19, 0, 40, 41], np.int32)
    import constriction

    encoder = constriction.stream.queue.RangeEncoder()
    encoder.encode(symbols, model)
    data = encoder.get_compressed().tobytes()
    decoder = rc.CheckedDecoder(data)
    np.testing.assert_array_equal(decoder.decode(model, 6), symbols)
    decoder.finish()
    decoder = rc.CheckedDecoder(data)
    decoder.decode(model, 5)  # one symbol left unread: not what encode wrote
    with pytest.raises(ValueError, match="over-long|damaged"):
        decoder.finish()


def test_table_indexes_are_checked():
    tables = _tables(channels=3)
    with pytest.raises(ValueError, match="one channel per table"):
        rc.table_counts((2, 4), tables)
    with pytest.raises(ValueError, match="outside 0..2"):
        rc.table_counts((2,), tables, np.array([0, 3]))
    with pytest.raises(ValueError, match="table indexes for latents"):
        rc.table_counts((3,), tables, np.array([0, 1]))
    np.testing.assert_array_equal(rc.table_counts((2, 3), tables), [2, 2, 2])
