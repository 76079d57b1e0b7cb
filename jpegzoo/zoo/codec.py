"""The codec protocol: what every zoo model that writes files offers.

A codec (a learned codec such as ``compressive_ae``, or a JPEG-side one such as
``mutated_jpeg``) has

- ``compress(image, **options) -> bytes``: ``image`` uint8 ``[H, W, 3]`` (grey ``[H, W]``
  where the codec takes it); ``quality`` is the common option (the codec's own levels, or
  IJG qualities for JPEG-side codecs);
- ``decompress(data, **options) -> uint8 image``: learned codecs read their ``.jzc``
  files (and take ``max_pixels``, refusing larger images before any work; ValueError for
  every corrupt file), JPEG-side codecs decode JPEG with Pillow (as their users' decoders
  do);
- ``quality_levels``: the codec's quality levels (a tuple), or None for IJG qualities
  1..100.

:func:`decompress_jzc` decodes any ``.jzc`` file: it reads the header, loads the model the
file names and calls its ``decompress``.
"""

import functools
from typing import Protocol, runtime_checkable

import numpy as np

from jpegzoo.jzc import DEFAULT_MAX_PIXELS
from jpegzoo.zoo import registry

#: What to say when a decoding option does not apply to a file.
DECODE_OPTION_HINTS = {"iterations": " (only progressive files, recurrent_residual_ae's, "
                                     "have iterations)"}


@runtime_checkable
class Codec(Protocol):
    """A zoo model that writes files (see the module docstring)."""

    quality_levels: tuple | None

    def compress(self, image: np.ndarray, **options) -> bytes: ...

    def decompress(self, data: bytes, **options) -> np.ndarray: ...


@functools.lru_cache(maxsize=None)
def trained(name: str) -> Codec:
    """The shipped codec ``name`` (loaded once per process)."""
    from jpegzoo import zoo

    return zoo.load(name)


def jzc_codec_names() -> list[str]:
    """Zoo models whose files are ``.jzc`` (the learned codecs)."""
    return [e.name for e in registry.entries() if e.method and e.method.suffix == ".jzc"]


def check_jzc(data: bytes, max_pixels: int | None = DEFAULT_MAX_PIXELS, **options) -> str:
    """The name of the model that decodes ``.jzc`` bytes, after every check that needs no
    model: the container (:func:`jpegzoo.jzc.read_jzc`), a model this jpegzoo has with
    trained weights, options its ``decompress`` takes (from the registry) and the image
    size against ``max_pixels``. ValueError with a one-line message otherwise."""
    from jpegzoo.jzc import check_pixels, read_jzc

    contents = read_jzc(data)
    name = contents.model
    if name not in jzc_codec_names():
        raise ValueError(f"no learned codec called {name!r} in this jpegzoo; learned "
                         f"codecs: {', '.join(jzc_codec_names())}")
    check_pixels(contents.width, contents.height, max_pixels)
    entry = registry.entry(name)
    for option in options:
        if option not in entry.method.decode_options:
            hint = DECODE_OPTION_HINTS.get(option, "")
            raise ValueError(f"--{option} does not apply to {name} files{hint}")
    if not entry.weights_file.is_file():
        raise ValueError(f"this .jzc file names {name}, which this jpegzoo ships no trained "
                         f"weights for")
    return name


def decompress_jzc(data: bytes, max_pixels: int | None = DEFAULT_MAX_PIXELS,
                   **options) -> np.ndarray:
    """uint8 ``[H, W, 3]`` image of ``.jzc`` bytes, decoded by the model the file names;
    ``options`` go to its ``decompress`` (e.g. ``iterations`` for progressive files).

    ValueError, with a one-line message, for models this jpegzoo does not have, options
    the codec does not take, images over ``max_pixels`` (width x height; None: no limit;
    default :data:`jpegzoo.jzc.DEFAULT_MAX_PIXELS`; these from the header, by
    :func:`check_jzc`, before the model loads) and every corrupt file (each codec's
    ``decompress`` checks its streams before allocating what their declared sizes ask
    for)."""
    name = check_jzc(data, max_pixels, **options)
    return trained(name).decompress(data, max_pixels=max_pixels, **options)
