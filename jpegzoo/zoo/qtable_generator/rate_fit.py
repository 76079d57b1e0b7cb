"""Fit :class:`jpegzoo.layers.LogMagnitudeRate` to the exact bit counter, and measure it.

The targets are the exact per-block bits of real scans written with *optimized* Huffman
tables (what the qtable method writes): images encoded with random tables (IJG tables at
random qualities, each entry perturbed by a log-normal factor) at 4:2:0 and 4:4:4. The
features are the estimator's own (:func:`jpegzoo.layers.rate_estimators.magnitude_features`
of the levels with the left-neighbour DC difference), so the fitted weights are exactly
what the layer computes. Weights are fitted by non-negative least squares per component
class (a larger level never costs fewer bits).

    python -m jpegzoo.zoo.qtable_generator.rate_fit --images ../shared/data/train \\
        --out jpegzoo/zoo/qtable_generator/data/rate_estimator.json
"""

import argparse
import json

import numpy as np


def random_tables(rng, quality_range=(5, 97), spread=0.35):
    """Luma and chroma tables ``[2, 64]``: IJG tables at a random quality, every entry
    multiplied by ``exp(N(0, spread))`` and clipped to 1..255."""
    from jpegzoo.layers.numerics.standard import quality_to_qtables

    tables = quality_to_qtables(int(rng.integers(*quality_range)))
    tables = tables * np.exp(rng.normal(0.0, spread, tables.shape))
    return np.clip(np.round(tables), 1, 255).astype(np.int32)


def coded_grids(jpeg):
    """Per component: int levels ``[rows, cols, 64]`` of its coded grid."""
    grids = []
    for index, comp in enumerate(jpeg.components):
        rows, cols = jpeg.block_grid(index)
        grids.append(np.asarray(comp.levels[:rows, :cols], np.int64))
    return grids


def exact_block_bits(jpeg):
    """Per component, the exact bits ``[rows, cols]`` of each block in an optimized-Huffman
    scan of ``jpeg`` (a :class:`~jpegzoo.jpeg.structure.JpegLevels`)."""
    from jpegzoo.jpeg.structure import scan_order
    from jpegzoo.jpeg.writer import encode_scan

    bits = encode_scan(jpeg, optimize=True).block_bits
    order = scan_order(jpeg)
    grids = []
    for index in range(len(jpeg.components)):
        rows, cols = jpeg.block_grid(index)
        grid = np.zeros(rows * cols, np.float64)
        mask = order.component == index
        grid[order.flat_index[mask]] = bits[mask]
        grids.append(grid.reshape(rows, cols))
    return grids


def block_features(levels):
    """Features ``[N, 130]`` (log magnitudes, nonzero flags, any-AC flag, 1) of int
    levels ``[rows, cols, 64]``, as :class:`LogMagnitudeRate` computes them."""
    from jpegzoo.layers.rate_estimators import any_ac_feature, dc_differences, magnitude_features

    y = np.asarray(levels, np.float32)[None, :, :, None, :]
    log_level, nonzero = (np.asarray(f) for f in magnitude_features(dc_differences(y)))
    n = levels.shape[0] * levels.shape[1]
    any_ac = np.asarray(any_ac_feature(nonzero)).reshape(n, 1)
    return np.concatenate([log_level.reshape(n, 64), nonzero.reshape(n, 64), any_ac,
                           np.ones((n, 1), np.float32)], axis=1)


def collect(images, configs_per_image=6, blocks_per_config=4000, seed=0, progress=True):
    """Training rows for both component classes: ``{0: (X, bits), 1: (X, bits)}``."""
    from tqdm import tqdm

    from jpegzoo.jpeg.baseline import image_to_levels

    rng = np.random.default_rng(seed)
    rows = {0: ([], []), 1: ([], [])}
    jobs = [(image, c) for image in images for c in range(configs_per_image)]
    for image, _ in tqdm(jobs, desc="exact counts", disable=not progress):
        subsampling = "444" if rng.random() < 0.3 else "420"
        jpeg = image_to_levels(image, qtables=random_tables(rng), subsampling=subsampling)
        for index, (levels, bits) in enumerate(zip(coded_grids(jpeg), exact_block_bits(jpeg))):
            features = block_features(levels)
            pick = rng.permutation(len(features))[:blocks_per_config]
            # rows weighted by 1 / (mean bits per block of this encode): every encode's
            # relative error counts alike, low rates as much as high ones
            weight = 1.0 / np.sqrt(max(bits.mean(), 1.0))
            rows[min(index, 1)][0].append(features[pick] * weight)
            rows[min(index, 1)][1].append(bits.ravel()[pick] * weight)
    return {c: (np.concatenate(x), np.concatenate(y)) for c, (x, y) in rows.items()}


def fit_log_magnitude_rate(samples):
    """Non-negative least squares per component class -> the layer's weights
    ``{"magnitude": [2, 64], "nonzero": [2, 64], "any_ac": [2], "bias": [2]}``."""
    from scipy.optimize import nnls

    weights = {"magnitude": [], "nonzero": [], "any_ac": [], "bias": []}
    for component in (0, 1):
        features, bits = (np.asarray(a, np.float64) for a in samples[component])
        # Same minimiser as nnls(features, bits), on the 129x129 normal equations:
        # ||A x - b||^2 = ||R x - R^-T A^T b||^2 + const with A^T A = R^T R.
        gram = features.T @ features + 1e-6 * np.eye(features.shape[1])
        upper = np.linalg.cholesky(gram).T
        solution, _ = nnls(upper, np.linalg.solve(upper.T, features.T @ bits), maxiter=5000)
        weights["magnitude"].append(solution[:64].tolist())
        weights["nonzero"].append(solution[64:128].tolist())
        weights["any_ac"].append(float(solution[128]))
        weights["bias"].append(float(solution[129]))
    return weights


def image_estimates(jpeg, weights):
    """(exact optimized-Huffman scan bits, log-magnitude estimate, L1 of levels) of a
    :class:`JpegLevels`: the three numbers the estimator report compares."""
    from jpegzoo.jpeg.writer import encode_scan

    estimate = 0.0
    l1 = 0.0
    for index, levels in enumerate(coded_grids(jpeg)):
        component = min(index, 1)
        theta = np.r_[weights["magnitude"][component], weights["nonzero"][component],
                      weights["any_ac"][component], weights["bias"][component]]
        estimate += float((block_features(levels) @ theta).sum())
        l1 += float(np.abs(levels).sum())
    return float(encode_scan(jpeg, optimize=True).block_bits.sum()), estimate, l1


def _read_folder(folder, limit):
    from pathlib import Path

    from jpegzoo.imageio import read_image

    paths = sorted(p for p in Path(folder).iterdir()
                   if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp", ".ppm"))
    return [read_image(p) for p in paths[:limit]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", required=True, help="folder of training photos")
    parser.add_argument("--out", required=True, help="JSON file for the fitted weights")
    parser.add_argument("--limit", type=int, default=40, help="photos to use")
    parser.add_argument("--configs", type=int, default=6, help="random tables per photo")
    parser.add_argument("--blocks", type=int, default=4000, help="blocks kept per encode")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    images = _read_folder(args.images, args.limit)
    samples = collect(images, args.configs, args.blocks, args.seed)
    weights = fit_log_magnitude_rate(samples)
    record = {"weights": weights, "images": args.images, "photos": len(images),
              "configs_per_photo": args.configs, "blocks_per_config": args.blocks,
              "seed": args.seed, "rows": {str(c): int(len(samples[c][1])) for c in samples}}
    with open(args.out, "w") as handle:
        json.dump(record, handle, indent=1)
    print(f"fitted on {record['rows']} blocks -> {args.out}")


if __name__ == "__main__":
    main()
