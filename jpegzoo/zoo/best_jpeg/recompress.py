"""Lossy re-compression of a JPEG file in the DCT domain (``jpegzoo optimize -q Q`` or
``--target-*``): the best encoder run on the file's own coefficients.

The input's quantized levels times its tables (libjpeg's scale) are the coefficients; its
decoded pixels (Pillow) are the reference every score is taken against. The encoder then
chooses new tables for this image (RD-OPT) and levels by trellis at a trade-off searched
until the decoded output reaches the target against the decoded input -- no decode and
re-encode through pixels, so nothing is lost that the tables and levels do not choose to
lose. The chroma subsampling of the input is kept. The result is never larger than the
lossless re-coding of the input (:func:`jpegzoo.jpeg.optimize.optimize_jpeg`), which is
returned instead when it is smaller (a target the input barely reaches).

``-q Q`` means the score libjpeg-turbo reaches when it re-encodes the decoded input at Q
(4:2:0), measured against the decoded input.
"""

from dataclasses import dataclass

from jpegzoo.imageio import decode_jpeg
from jpegzoo.jpeg import baseline
from jpegzoo.jpeg.optimize import Optimized, optimize_jpeg, read_recodable, with_input_metadata
from jpegzoo.jpeg.reader import read_header
from jpegzoo.jpeg.writer import write_jpeg
from jpegzoo.zoo.best_jpeg.encoder import CodedImage
from jpegzoo.zoo.best_jpeg.method import BestJpeg, operating_point

#: Largest image re-quantized unless the caller says otherwise (about 100 megapixels).
DEFAULT_MAX_PIXELS = 100_000_000


@dataclass(frozen=True)
class Recompressed(Optimized):
    """:class:`~jpegzoo.jpeg.optimize.Optimized` plus the checked score: ``metric``
    (the tune's) and ``score`` of the output against the decoded input (None for a lossless
    result)."""

    metric: str = None
    score: float = None


def recompress_jpeg(data, quality=75, tune=None, copy="all", restart_interval=0,
                    max_pixels=DEFAULT_MAX_PIXELS, parsed=None, **targets):
    """Re-compress JPEG bytes ``data`` (see the module docstring).

    Args:
        quality, tune, targets (``target_psnr``, ``target_ssim``, ``target_msssim``,
            ``target_ssimulacra2``): the operating point, as
            :meth:`~jpegzoo.zoo.best_jpeg.method.BestJpeg.compress` takes it (``lam``
            too), the reference being the decoded input.
        copy: metadata kept (``"all"``, ``"icc"``, ``"none"``).
        restart_interval: MCUs per restart interval of the output.
        max_pixels: larger inputs are refused before decoding (None: no limit).
        parsed: :func:`~jpegzoo.jpeg.optimize.read_recodable` of ``data`` when the caller
            has it already (it is read once either way).

    Returns:
        :class:`Recompressed`.
    """
    data = bytes(data)
    point = operating_point(quality, tune, **targets)
    info = read_header(data)
    if max_pixels is not None and info.width * info.height > max_pixels:
        raise ValueError(f"{info.width}x{info.height} is over the limit of {max_pixels:,} "
                         f"pixels")
    if parsed is None:
        parsed = read_recodable(data)
    pixels = baseline.validate_pixels(decode_jpeg(data))
    prepared = CodedImage(parsed.levels, pixels, point.tune)
    trial = BestJpeg().choose(prepared, point, prepared.subsampling, restart_interval)
    coded = with_input_metadata(write_jpeg(trial.levels, optimize=True,
                                           restart_interval=restart_interval,
                                           progressive="search"), data, copy)
    # the same parse serves the lossless re-coding (CodedImage copied what it needs)
    lossless = optimize_jpeg(data, copy, restart_interval, parsed=parsed)
    if len(lossless.data) <= len(coded):
        return Recompressed(**vars(lossless))
    return Recompressed(coded, "requantized", len(data), len(coded), 0,
                        metric=prepared.tune.metric, score=trial.score)
