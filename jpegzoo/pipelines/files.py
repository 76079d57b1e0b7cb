"""Files on Beam's file systems, as the pipelines use them: inputs read with a bound into a
local copy (jpegzoo's readers take paths), outputs written whole or not at all."""

import contextlib
import logging
import os
import tempfile
import uuid

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

#: Largest input file read (bytes): keeps a hostile file from filling a worker's memory.
MAX_INPUT_BYTES = 1 << 30
#: The photos the mining and block-dataset pipelines take.
PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg")


class ReadPhotos(beam.PTransform):
    """The files matching ``pattern`` with a photo's suffix, spread over the workers, as
    ``fileio.ReadableFile`` (read them with :func:`rgb_photo`)."""

    def __init__(self, pattern):
        super().__init__()
        self.pattern = pattern

    def expand(self, pipeline):
        return (pipeline
                | "Match" >> fileio.MatchFiles(self.pattern)
                | "Photos" >> beam.Filter(
                    lambda m: os.path.splitext(m.path)[1].lower() in PHOTO_SUFFIXES)
                | "Spread" >> beam.Reshuffle()
                | "Read" >> fileio.ReadMatches())


def is_local(path):
    return "://" not in path


def absolute(path):
    """A local ``path`` made absolute (a trailing ``/`` kept); other file systems' as is."""
    if not is_local(path):
        return path
    resolved = os.path.abspath(os.path.expanduser(path))
    return resolved + "/" if path.endswith("/") else resolved


def input_pattern(path):
    """The Beam file pattern of a command line's input: :func:`absolute`, and a folder
    (a local one, or any path ending in ``/``) means every file under it."""
    pattern = absolute(path)
    if pattern.endswith("/") or (is_local(pattern) and os.path.isdir(pattern)):
        pattern = pattern.rstrip("/") + "/**"
    return pattern


@contextlib.contextmanager
def local_copy(readable, limit=MAX_INPUT_BYTES):
    """A local path holding the bytes of ``readable`` (a ``fileio.ReadableFile``), with
    its file name; ValueError (one line) past ``limit`` bytes. Yields (path, bytes)."""
    source = readable.metadata.path
    with readable.open(compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{source}: larger than the input limit of {limit:,} bytes")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, os.path.basename(source))
        with open(path, "wb") as handle:
            handle.write(data)
        try:
            yield path, data
        except (ValueError, OSError) as error:  # name the input, not the copy
            raise ValueError(str(error).replace(path, source)) from None


def write_atomic(path, data):
    """``data`` to ``path`` through a temporary name and a rename (no partial outputs)."""
    temporary = f"{path}.part-{uuid.uuid4().hex}"
    if is_local(path):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with FileSystems.create(temporary, compression_type=CompressionTypes.UNCOMPRESSED) as out:
        out.write(data)
    FileSystems.rename([temporary], [path])


def one_line(error):
    """``error``'s message on one line."""
    text = str(error).strip() or type(error).__name__
    return " ".join(text.split())


def rgb_photo(readable, failed):
    """The uint8 ``[H, W, 3]`` pixels of a matched photo, or None (counted on the
    ``failed`` Beam counter and logged) for a file that is not a readable RGB photo."""
    from jpegzoo.imageio import read_image

    try:
        with local_copy(readable) as (local, _):
            image = read_image(local)
        if image.ndim != 3:
            raise ValueError(f"{readable.metadata.path}: not an RGB photo")
    except (ValueError, OSError) as error:
        failed.inc()
        logging.warning("jpegzoo: photo left out: %s", one_line(error))
        return None
    return image
