"""The rate estimators against the exact counter on Kodak (never used for fitting).

For each Kodak image, IJG qualities 10..95 at 4:2:0 and 4:4:4, plus two random table sets
per image (IJG tables at a random quality with every entry perturbed, as in the fit), it
compares the bits of the optimized-Huffman scan (exact counter) with

* the calibrated log-magnitude estimator (:class:`jpegzoo.layers.LogMagnitudeRate`, the
  shipped weights, fitted on the training photos);
* the seeds' L1 proxy, given its best single constant (least squares on these very
  images, which flatters it).

    .venv/bin/python benchmarks/qtable/rate_estimators.py [--kodak DIR] [--out FILE]
"""

import argparse
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
QUALITIES = (10, 20, 30, 50, 75, 90, 95)


def measure(paths):
    from tqdm import tqdm

    from jpegzoo.imageio import read_image
    from jpegzoo.jpeg.baseline import image_to_levels
    from jpegzoo.zoo.qtable_generator import rate_fit, rate_model

    weights = rate_model.load_weights()
    rng = np.random.default_rng(7)
    rows = []
    for path in tqdm(paths, desc="images"):
        image = read_image(path)
        settings = [(str(q), {"quality": q}) for q in QUALITIES]
        settings += [("random", {"qtables": rate_fit.random_tables(rng)}) for _ in range(2)]
        for label, tables in settings:
            for subsampling in ("420", "444"):
                jpeg = image_to_levels(image, subsampling=subsampling, **tables)
                rows.append((label, subsampling) + rate_fit.image_estimates(jpeg, weights))
    return rows


def report(rows):
    exact = np.array([r[2] for r in rows])
    estimate = np.array([r[3] for r in rows])
    l1 = np.array([r[4] for r in rows])
    alpha = float(np.sum(l1 * exact) / np.sum(l1 * l1))
    errors = {"log-magnitude": 100 * (estimate - exact) / exact,
              "L1 proxy": 100 * (alpha * l1 - exact) / exact}
    lines = ["| setting | subsampling | files | log-magnitude mean abs error | bias | max abs | "
             "L1 proxy mean abs error | max abs |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    labels = [str(q) for q in QUALITIES] + ["random"]
    for label in labels + ["all"]:
        for subsampling in ("420", "444", "both"):
            mask = np.array([(label in ("all", r[0])) and (subsampling in ("both", r[1]))
                             for r in rows])
            if (label == "all") != (subsampling == "both") or not mask.any():
                continue
            lm, lp = errors["log-magnitude"][mask], errors["L1 proxy"][mask]
            lines.append(f"| {label} | {subsampling} | {mask.sum()} | "
                         f"{np.abs(lm).mean():.2f} % | {lm.mean():+.2f} % | "
                         f"{np.abs(lm).max():.2f} % | {np.abs(lp).mean():.2f} % | "
                         f"{np.abs(lp).max():.2f} % |")
    correlation = np.corrcoef(np.log(estimate), np.log(exact))[0, 1]
    lines += ["", f"L1 proxy constant (best fit): {alpha:.4f} bits per unit of level; "
                  f"correlation of log estimate with log exact bits (log-magnitude): "
                  f"{correlation:.5f}"]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kodak", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                        "data", "kodak"))
    parser.add_argument("--out", default=os.path.join(HERE, "results", "rate_estimators.md"))
    args = parser.parse_args()
    paths = sorted(os.path.join(args.kodak, f) for f in os.listdir(args.kodak)
                   if f.endswith(".png"))
    text = ("# Rate estimators against the exact counter (Kodak, optimized Huffman scans)\n\n"
            "Command: `.venv/bin/python benchmarks/qtable/rate_estimators.py`\n\n"
            + report(measure(paths)))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as handle:
        handle.write(text)
    print(text)


if __name__ == "__main__":
    main()
