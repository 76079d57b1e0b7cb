"""Side-by-side crops: original | compressive_ae | gan_ae (the same file, two decoders) |
recurrent_residual_ae at a similar rate, for looking at what the numbers mean.

    .venv/bin/python benchmarks/learned_codecs/crops.py [--image kodim13] [--level 1]

Writes ``results/crops_<image>_level<K>.png`` (crops 192x192, 2x nearest-neighbour).
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kodak", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                        "data", "kodak"))
    parser.add_argument("--image", default="kodim13")
    parser.add_argument("--level", type=int, default=1)
    parser.add_argument("--box", default="200,300,192", help="top,left,size of the crop")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(HERE, "..", ".."))
    from PIL import Image, ImageDraw

    from jpegzoo import metrics
    from jpegzoo.imageio import read_image
    from jpegzoo.zoo.codec import trained

    image = read_image(os.path.join(args.kodak, f"{args.image}.png"))
    panels = [("original", image)]
    for method, name in (("cae", "compressive_ae"), ("gan", "gan_ae")):
        data = trained(name).compress(image, args.level)
        panels.append((f"{method} {8 * len(data) / image[..., 0].size:.3f} bpp",
                       trained(name).decompress(data)))
    bpp = panels[1][0].split()[1]
    iterations = max(1, round(float(bpp) / 0.25))
    rnn = trained("recurrent_residual_ae")
    data = rnn.compress(image, iterations)
    panels.append((f"rnn {8 * len(data) / image[..., 0].size:.3f} bpp", rnn.decompress(data)))
    top, left, size = (int(v) for v in args.box.split(","))
    tiles = []
    for label, decoded in panels:
        crop = decoded[top:top + size, left:left + size]
        tile = Image.fromarray(crop).resize((2 * size, 2 * size), Image.NEAREST)
        text = label if label == "original" else \
            f"{label}, {metrics.psnr(image, decoded):.2f} dB, detail " \
            f"{metrics.detail_ratio(image, decoded):.2f}"
        ImageDraw.Draw(tile).text((6, 6), text, fill=(255, 255, 0))
        tiles.append(np.asarray(tile))
    out = os.path.join(HERE, "results", f"crops_{args.image}_level{args.level}.png")
    Image.fromarray(np.concatenate(tiles, axis=1)).save(out, optimize=True)
    print(out)


if __name__ == "__main__":
    main()
