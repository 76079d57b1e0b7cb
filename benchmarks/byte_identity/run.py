"""SHA-256 of every method's output on fixed images: run before and after a change that
must not change behaviour (a restructuring), then compare the two listings.

    python benchmarks/byte_identity/run.py --out before.txt
    ... change ...
    python benchmarks/byte_identity/run.py --out after.txt && diff before.txt after.txt

Images: the four bundled 256x256 samples and the first four Kodak images (``--kodak``;
the lossless method runs on the samples only: seconds per sample, minutes per Kodak
image). Every file is also decoded with the method's decoder and the decoded pixels
hashed, so decoders are covered too.
"""

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

#: (method, options) pairs: two operating points per method where it has a quality.
CASES = [
    ("baseline", {"quality": 50, "subsampling": "420"}),
    ("baseline", {"quality": 90, "subsampling": "444", "optimize": True}),
    ("pillow", {"quality": 75, "subsampling": "420"}),
    ("mozjpeg", {"quality": 75, "subsampling": "420"}),
    ("mutated", {"quality": 50, "subsampling": "420"}),
    ("mutated", {"quality": 85, "subsampling": "444"}),
    ("qtable", {"quality": 75, "subsampling": "420"}),
    ("cae", {"quality": 2}),
    ("cae", {"quality": 5}),
    ("dct_ae", {"quality": 3}),
    ("gan", {"quality": 4}),
    ("rnn", {"quality": 3}),
    ("lossless", {}),
]


def images(kodak):
    from importlib.resources import files

    from jpegzoo.imageio import read_image

    samples = sorted(p for p in Path(str(files("jpegzoo") / "data" / "samples")).glob("*.png"))
    kodak_files = sorted(Path(kodak).glob("*.png"))[:4] if kodak else []
    return [(p.name, read_image(p), True) for p in samples] + \
        [(p.name, read_image(p), False) for p in kodak_files]


def main(argv=None):
    from jpegzoo import methods

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kodak", default=str(Path(__file__).parents[3] / "shared" / "data"
                                                / "kodak"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--methods", help="comma-separated subset")
    args = parser.parse_args(argv)
    wanted = set(args.methods.split(",")) if args.methods else None
    lines = []
    for name, image, is_sample in images(args.kodak):
        for method_name, options in CASES:
            if wanted and method_name not in wanted:
                continue
            if method_name == "lossless" and not is_sample:
                continue
            method = methods.get(method_name)
            data = method.load()(image, **options)
            pixels = np.ascontiguousarray(method.load_decoder()(data))
            line = (f"{name} {method_name} {sorted(options.items())} {len(data)} "
                    f"{hashlib.sha256(data).hexdigest()[:16]} "
                    f"{hashlib.sha256(pixels.tobytes()).hexdigest()[:16]}")
            print(line, flush=True)
            lines.append(line)
    Path(args.out).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
