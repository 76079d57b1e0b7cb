"""Photo-like test images of a given size: mosaics of the training photos, upscaled.

Usage::

    python benchmarks/memory/images.py /tmp/mem   # p1.png (a 1.3 MP photo), p12, p24, p64

``pN.png``: an N-megapixel mosaic of ``/work/shared/data/train``'s photos (about 1 MP
each), each resized by a factor (Lanczos) so that the mosaic has textures at photo scale.
"""

import glob
import shutil
import sys
from pathlib import Path

from PIL import Image

PHOTOS = "/work/shared/data/train"
#: name -> (width, height, upscaling of each photo)
SIZES = {"p12.png": (4032, 3024, 1.5), "p24.png": (6000, 4000, 1.7),
         "p64.png": (9248, 6936, 2.0)}


def mosaic(width, height, scale, files):
    """uint8 RGB ``[height, width]`` PIL image tiled with ``files`` resized by ``scale``."""
    canvas = Image.new("RGB", (width, height))
    x = y = row_height = index = 0
    while y < height:
        with Image.open(files[index % len(files)]) as photo:
            photo = photo.convert("RGB")
            photo = photo.resize((int(photo.size[0] * scale), int(photo.size[1] * scale)),
                                 Image.LANCZOS)
        index += 1
        canvas.paste(photo, (x, y))
        row_height, x = max(row_height, photo.size[1]), x + photo.size[0]
        if x >= width:
            x, y, row_height = 0, y + row_height, 0
    return canvas


def main(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = sorted(glob.glob(f"{PHOTOS}/*.png"))
    shutil.copy(f"{PHOTOS}/wiki006.png", folder / "p1.png")  # 1404x936, 1.31 MP
    for name, (width, height, scale) in SIZES.items():
        mosaic(width, height, scale, files).save(folder / name, compress_level=1)


if __name__ == "__main__":
    main(sys.argv[1])
