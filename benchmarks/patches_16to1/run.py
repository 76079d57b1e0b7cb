"""Benchmark: 32x32 patches at the BU project's fixed 16:1 ratio (1,536 bits per RGB patch).

The BU "Neural Networks for Image Compression" project reported, on CIFAR-10 at 16:1
without entropy coding, PSNR 30.6 dB (CNN-AE), 31.4 (CNN-RNN-AE), 36.98 (GAN-AE) and 28.24
(JPEG). This script measures jpegzoo's codecs in the same setting:

* data: the CIFAR-10 test split through tensorflow-datasets when the network (or a local
  TFDS copy) is there; otherwise 32x32 crops of the photos jpegzoo's trainers hold out
  (the validation split of ``--photos``), at two scales: native and box-downscaled by 4
  (closer to CIFAR's detail per pixel). The results name the source used.
* ``recurrent_residual_ae``: 6 iterations x 4 blocks x 64 bits = 1,536 code bits exactly
  (the seed's setting: codes not entropy coded);
* ``compressive_ae`` / ``gan_ae``: per patch the highest quality level whose range-coded
  payload fits in 1,536 bits (the container's header is not counted: it is per file, not
  per patch); the mean bits used are reported (the levels top out below 16:1 on smooth
  patches);
* JPEG (libjpeg-turbo through Pillow, standard Annex K Huffman tables, 4:2:0 and 4:4:4):
  per patch the highest quality whose entropy-coded scan (the bytes between the SOS
  header and EOI) fits in 1,536 bits; headers and tables are not counted (a full JPEG
  file of a 32x32 patch has about 620 bytes of headers alone, 3x the 192-byte budget).

PSNR is over all patches (mean of per-patch PSNR, as the seed did, and PSNR of the mean
MSE); SSIM is the mean per-patch SSIM (single scale: MS-SSIM needs 161 px).

    .venv/bin/python benchmarks/patches_16to1/run.py [--patches 1000] [--photos DIR]
"""

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BUDGET_BITS = 32 * 32 * 3 * 8 // 16
SEED_REPORTED = {"CNN-AE": 30.6, "CNN-RNN-AE": 31.4, "GAN-AE (L2 + Wasserstein)": 36.98,
                 "JPEG": 28.24}


def cifar10_patches(count):
    """uint8 [count, 32, 32, 3] from the CIFAR-10 test split, or None when unavailable."""
    from jpegzoo.datasets.catalog import network_reachable

    try:
        import tensorflow_datasets as tfds

        if not network_reachable():
            tfds.builder("cifar10").info  # noqa: B018 - raises if no local copy
            dataset = tfds.load("cifar10", split="test", download=False)
        else:
            dataset = tfds.load("cifar10", split="test")
    except Exception as error:  # noqa: BLE001 - any failure means: use the offline source
        print(f"CIFAR-10 unavailable ({type(error).__name__}); using held-out photo crops")
        return None
    return np.stack([example["image"].numpy() for example in dataset.take(count)])


def photo_patches(photos_dir, count, scale, seed=0):
    """uint8 [count, 32, 32, 3] random crops of the held-out photos, downscaled by ``scale``."""
    from PIL import Image

    from jpegzoo.datasets.folder_split import list_images, partition
    from jpegzoo.imageio import read_image

    held_out = sorted(partition(list_images(photos_dir), 0.1)["validation"])
    photos = []
    for path in held_out:
        image = read_image(os.path.join(photos_dir, str(path)))
        if scale > 1:
            size = (image.shape[1] // scale, image.shape[0] // scale)
            image = np.asarray(Image.fromarray(image).resize(size, Image.BOX))
        photos.append(image)
    rng = np.random.default_rng(seed)
    patches = []
    for i in range(count):
        photo = photos[i % len(photos)]
        top = rng.integers(photo.shape[0] - 31)
        left = rng.integers(photo.shape[1] - 31)
        patches.append(photo[top:top + 32, left:left + 32])
    return np.stack(patches)


def scores(patches, decoded):
    """{psnr_mean (mean per-patch PSNR), psnr_of_mean_mse, ssim} in dB / unitless."""
    from jpegzoo import metrics

    errors = np.mean(np.square(patches.astype(np.float64) - decoded.astype(np.float64)),
                     axis=(1, 2, 3))
    psnr = 10 * np.log10(255.0 ** 2 / np.maximum(errors, 1e-10))
    return {"psnr_mean": float(np.mean(psnr)),
            "psnr_of_mean_mse": float(10 * np.log10(255.0 ** 2 / np.mean(errors))),
            "ssim": float(np.mean([metrics.ssim(a, b) for a, b in zip(patches, decoded)]))}


def recurrent(patches):
    from jpegzoo import zoo

    model = zoo.load("recurrent_residual_ae")
    iterations = BUDGET_BITS // (4 * model.bits)
    out = model(patches.astype(np.float32) / 255.0, iterations=iterations)
    decoded = np.clip(np.floor(np.asarray(out["reconstructions"][-1]) * 255.0 + 0.5), 0, 255)
    bits = sum(int(np.prod(code.shape[1:])) for code in out["codes"])
    return decoded.astype(np.uint8), np.full(len(patches), bits)


def factorized(name, patches):
    """Per patch the highest level whose payload fits the budget (level 1 if none does)."""
    from jpegzoo import zoo
    from jpegzoo.layers.numerics import range_coding
    from jpegzoo.zoo import learned_codec

    model = zoo.load(name)
    chosen = np.zeros(len(patches), int)
    bits = np.zeros(len(patches), int)
    decoded = np.zeros_like(patches)
    for level in range(1, model.qualities + 1):
        latents = np.asarray(np.round(model.latents(patches, level))).astype(np.int32)
        tables = model.priors[level - 1].coding_tables()
        sizes = np.array([8 * len(range_coding.encode(latent[None], tables))
                          for latent in latents])
        fits = (sizes <= BUDGET_BITS) | (level == 1)
        images = learned_codec.to_uint8(model.reconstruct(latents, level))
        chosen[fits], bits[fits], decoded[fits] = level, sizes[fits], images[fits]
    return decoded, bits, chosen


def scan_bits(data):
    """Bits of a baseline JPEG's entropy-coded scan: from after the SOS header to EOI
    (stuffed bytes included: they are sent)."""
    start = data.index(b"\xff\xda")
    header = int.from_bytes(data[start + 2:start + 4], "big")
    return 8 * (len(data) - (start + 2 + header) - 2)


def jpeg(patches, subsampling):
    """Per patch the highest quality (binary search over 1..100; the scan grows with the
    quality) whose scan fits the budget."""
    from jpegzoo.imageio import decode_jpeg
    from jpegzoo.reference_codecs import pillow_encode

    decoded = np.zeros_like(patches)
    bits = np.zeros(len(patches), int)
    chosen = np.zeros(len(patches), int)
    for i, patch in enumerate(patches):
        low, high = 1, 100
        while low < high:
            middle = (low + high + 1) // 2
            if scan_bits(pillow_encode(patch, middle, subsampling)) <= BUDGET_BITS:
                low = middle
            else:
                high = middle - 1
        data = pillow_encode(patch, low, subsampling)
        decoded[i], bits[i], chosen[i] = decode_jpeg(data), scan_bits(data), low
    return decoded, bits, chosen


def evaluate(patches):
    rows = {}
    decoded, bits = recurrent(patches)
    rows["recurrent_residual_ae (6 iterations)"] = {**scores(patches, decoded),
                                                    "bits": float(np.mean(bits))}
    for name in ("compressive_ae", "gan_ae"):
        decoded, bits, levels = factorized(name, patches)
        rows[name] = {**scores(patches, decoded), "bits": float(np.mean(bits)),
                      "levels": {int(k): int(v) for k, v in zip(*np.unique(levels,
                                                                          return_counts=True))}}
    for subsampling in ("420", "444"):
        decoded, bits, qualities = jpeg(patches, subsampling)
        rows[f"JPEG libjpeg-turbo {subsampling} (scan bits)"] = {
            **scores(patches, decoded), "bits": float(np.mean(bits)),
            "mean_quality": float(np.mean(qualities))}
    return rows


def table(source, rows):
    lines = [f"### {source}", "",
             "| codec | bits per patch (budget 1536) | PSNR dB (mean per patch) | "
             "PSNR dB (of mean MSE) | SSIM |", "|---|---:|---:|---:|---:|"]
    for name, row in rows.items():
        lines.append(f"| {name} | {row['bits']:.0f} | {row['psnr_mean']:.2f} | "
                     f"{row['psnr_of_mean_mse']:.2f} | {row['ssim']:.4f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patches", type=int, default=1000)
    parser.add_argument("--photos", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                         "data", "train"))
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(HERE, "..", ".."))
    sources = {}
    cifar = cifar10_patches(args.patches)
    if cifar is not None:
        sources["CIFAR-10 test split (tensorflow-datasets)"] = cifar
    else:
        for scale in (1, 4):
            label = (f"held-out photo crops, {'native scale' if scale == 1 else 'downscaled 4x'}"
                     f" ({args.patches} patches of the validation split of "
                     f"{os.path.relpath(os.path.normpath(args.photos))})")
            sources[label] = photo_patches(args.photos, args.patches, scale)
    results = {source: evaluate(patches) for source, patches in sources.items()}
    seed = ["### The BU project's reported figures (CIFAR-10, 16:1, no entropy coding)", "",
            "| model | PSNR dB |", "|---|---:|"] + [f"| {k} | {v} |"
                                                  for k, v in SEED_REPORTED.items()]
    text = "# 32x32 patches at 16:1\n\n" + "\n\n".join(
        [table(source, rows) for source, rows in results.items()] + ["\n".join(seed)]) + "\n"
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "results.md"), "w") as handle:
        handle.write(text)
    with open(os.path.join(args.results, "results.json"), "w") as handle:
        json.dump(results, handle, indent=1)
    print(text)


if __name__ == "__main__":
    main()
