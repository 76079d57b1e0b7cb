"""How the presets' settings were chosen: BD-rates against mozjpeg's trellis of trellis
options given as JSON, on a few Kodak images (mean curves, IJG qualities 30..95).

    .venv/bin/python benchmarks/trellis/tune.py kodim01,kodim05,kodim08,kodim13,kodim19,kodim23 \\
        420 '{"psnr": {"weighting": "mse", "lambda_log_scale1": 17.75}}'

Each config is a dict of :class:`jpegzoo.jpeg.trellis.TrellisOptions` fields. mozjpeg's
points are cached in /tmp/trellis_tune_mozjpeg_<subsampling>.pkl.
"""

import json
import os
import pickle
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
QUALITIES = (30, 40, 50, 60, 70, 80, 90, 95)


def main():
    sys.path.insert(0, HERE)
    from references import fast_ssim, mozjpeg_baseline

    from jpegzoo.imageio import decode_jpeg, read_image
    from jpegzoo.jpeg import trellis
    from jpegzoo.layers.numerics.standard import quality_to_qtables
    from jpegzoo.metrics import bd_rate, psnr

    names, sub, configs = sys.argv[1].split(","), sys.argv[2], json.loads(sys.argv[3])
    kodak = os.path.join(HERE, "..", "..", "..", "shared", "data", "kodak")
    images = {n: read_image(os.path.join(kodak, f"{n}.png")) for n in names}

    def measure(data, image):
        decoded = decode_jpeg(data)
        return (len(data) * 8 / image.shape[0] / image.shape[1], psnr(image, decoded),
                fast_ssim(image, decoded))

    cache = f"/tmp/trellis_tune_mozjpeg_{sub}.pkl"
    reference = pickle.load(open(cache, "rb")) if os.path.exists(cache) else {}
    for n, image in images.items():
        for q in QUALITIES:
            if (n, q) not in reference:
                reference[(n, q)] = measure(mozjpeg_baseline(image, q, sub), image)
    pickle.dump(reference, open(cache, "wb"))

    def curve(points):
        return np.array([[np.mean([points[(n, q)][k] for n in names]) for k in range(3)]
                         for q in QUALITIES])

    anchor = curve(reference)
    for name, config in configs.items():
        options = trellis.TrellisOptions(**config)
        start = time.perf_counter()
        points = {(n, q): measure(trellis.encode(image, quality_to_qtables(q), sub, options),
                                  image)
                  for n, image in images.items() for q in QUALITIES}
        mine = curve(points)
        print(f"{name:24s} BD-rate PSNR {bd_rate(*anchor[:, :2].T, *mine[:, :2].T):+.2f} %  "
              f"SSIM {bd_rate(*anchor[:, ::2].T, *mine[:, ::2].T):+.2f} %  bpp ratio "
              f"Q30 {mine[0, 0] / anchor[0, 0]:.3f} Q95 {mine[-1, 0] / anchor[-1, 0]:.3f}  "
              f"{time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
