"""The codec protocol: what every zoo model that writes files offers.

A codec (a learned codec such as ``compressive_ae``, or a JPEG-side one such as
``mutated_jpeg``) has

- ``compress(image, **options) -> bytes``: ``image`` uint8 ``[H, W, 3]`` (grey ``[H, W]``
  where the codec takes it); ``quality`` is the common option (the codec's own levels, or
  IJG qualities for JPEG-side codecs);
- ``decompress(data, **options) -> uint8 image``: learned codecs read their ``.jzc``
  files, JPEG-side codecs decode JPEG with Pillow (as their users' decoders do);
- ``quality_levels``: the codec's quality levels (a tuple), or None for IJG qualities
  1..100.

:func:`decompress_jzc` decodes any ``.jzc`` file: it reads the header, loads the model the
file names and calls its ``decompress``.
"""

import functools
import inspect
from typing import Protocol, runtime_checkable

import numpy as np

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
    from jpegzoo.zoo import registry

    return [e.name for e in registry.entries() if e.method and e.method.suffix == ".jzc"]


def decompress_jzc(data: bytes, **options) -> np.ndarray:
    """uint8 ``[H, W, 3]`` image of ``.jzc`` bytes, decoded by the model the file names;
    ``options`` go to its ``decompress`` (e.g. ``iterations`` for progressive files);
    ValueError for models this jpegzoo does not have and options the codec does not take."""
    from jpegzoo.jzc import read_jzc

    name = read_jzc(data).model
    if name not in jzc_codec_names():
        raise ValueError(f"no learned codec called {name!r} in this jpegzoo; learned "
                         f"codecs: {', '.join(jzc_codec_names())}")
    codec = trained(name)
    accepted = inspect.signature(codec.decompress).parameters
    for option in options:
        if option not in accepted:
            hint = DECODE_OPTION_HINTS.get(option, "")
            raise ValueError(f"--{option} does not apply to {name} files{hint}")
    return codec.decompress(data, **options)
