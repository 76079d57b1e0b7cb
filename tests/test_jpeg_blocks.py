"""The bit-count block dataset: exact labels, mutations, TFRecord round trip."""

from importlib.resources import files

import numpy as np

from jpegzoo.datasets.jpeg_blocks import (
    MAX_AC,
    exact_bits,
    image_blocks,
    mutate,
    read_block_dataset,
    sample_examples,
    write_block_dataset,
)
from jpegzoo.imageio import read_image
from jpegzoo.jpeg import encode_scan, image_to_levels


def _image():
    return read_image(str(files("jpegzoo") / "data" / "samples" / "kodim19_crop256.png"))


def test_labels_sum_to_the_scan_length():
    """DPCM in raster order + Annex K tables = the bits of the real 4:4:4 scan."""
    image = _image()[:72, :40]
    for quality in (10, 75, 95):
        blocks, component = image_blocks(image, quality)
        scan = encode_scan(image_to_levels(image, quality=quality, subsampling="444"))
        assert exact_bits(blocks, component).sum() == scan.block_bits.sum()
        assert np.bincount(component).tolist() == [45, 90]


def test_mutations_are_small_and_codable():
    rng = np.random.default_rng(1)
    blocks, _ = image_blocks(_image(), 50)
    mutated = mutate(blocks, rng)
    changed = (mutated != blocks).sum(axis=1)
    assert changed.max() <= 3 and (changed > 0).mean() > 0.8
    # Each change is a +-1 move or a move to zero; a position hit up to three times ends
    # within 3 of where it started, or within 2 of zero.
    changed_to = mutated[mutated != blocks]
    step = np.abs(mutated - blocks)[mutated != blocks]
    assert np.all((step <= 3) | (np.abs(changed_to) <= 2))
    assert np.abs(mutated[:, 1:]).max() <= MAX_AC


def test_tfrecord_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    image = _image()[:64, :64]
    expected = sample_examples(image, 60, np.random.default_rng(3), blocks_per_image=50)
    count = write_block_dataset([image], str(tmp_path), qualities=(60,), blocks_per_image=50,
                                num_shards=3, seed=3, progress=False)
    assert count == expected["bits"].size == 100
    dataset = read_block_dataset(str(tmp_path / "*.tfrecord.gz"), batch_size=1000,
                                 shuffle_buffer=0, repeat=False)
    inputs, targets = next(iter(dataset))
    got = sorted(zip(targets["bits"].numpy().tolist(),
                     map(tuple, inputs["coefficients"].numpy().tolist())))
    want = sorted(zip(expected["bits"].tolist(),
                      map(tuple, expected["coefficients"].astype(int).tolist())))
    assert got == want
    del rng
