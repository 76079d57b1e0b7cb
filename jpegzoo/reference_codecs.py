"""Reference encoders and the decoder that rate-distortion evaluation uses.

``pillow_encode`` is libjpeg-turbo through Pillow with the same knobs as jpegzoo's own
methods, so that ``jpegzoo demo`` and the benchmarks can put the two side by side.
``decode_jpeg`` decodes with Pillow (libjpeg-turbo, fancy upsampling): the decoder most
users' files end up in.
"""

import io

import numpy as np

_PILLOW_SUBSAMPLING = {"444": 0, "422": 1, "420": 2}


def pillow_encode(image, quality=75, subsampling="420", optimize=False, restart_interval=0):
    """Encode uint8 ``[H, W, 3]`` / ``[H, W]`` with Pillow's libjpeg-turbo; returns bytes.

    Grey images ignore ``subsampling`` (Pillow would otherwise write meaningless sampling
    factors into a single-component frame).
    """
    from PIL import Image

    if restart_interval:
        raise ValueError("the Pillow reference encoder does not write restart markers")
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        subsampling = "444"
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "JPEG", quality=int(quality), optimize=bool(optimize),
                                subsampling=_PILLOW_SUBSAMPLING[str(subsampling)])
    return buffer.getvalue()


def decode_jpeg(data):
    """Decode JPEG bytes with Pillow to uint8 ``[H, W, 3]`` or ``[H, W]``."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB") if image.mode not in ("RGB", "L") else image)
