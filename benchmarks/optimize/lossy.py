"""Benchmark: ``jpegzoo optimize --target-msssim T`` (lossy re-compression in the DCT domain)
against re-encoding the decoded input with mozjpeg (cjpeg's defaults, 4:2:0) and jpegli at
the smallest quality that passes.

Inputs: the held-out photos (the validation split of ../shared/data/train, never trained
on), encoded by Pillow (libjpeg-turbo) at Q90, Q95 and Q98, 4:4:4 and 4:2:0 -- the "camera
JPEG" job. For each input and target T (MS-SSIM 0.99 and 0.995, measured against the
decoded input): jpegzoo's file, and for mozjpeg and jpegli the smallest IJG quality whose
file reaches T (bisection over 1..100, then the neighbours checked). Savings are against
the input's bytes; times are CPU seconds of this process.

    .venv/bin/python benchmarks/optimize/lossy.py [--out benchmarks/optimize/results]
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "anchors"))
sys.path.insert(0, os.path.join(HERE, "..", ".."))

INPUT_QUALITIES = (90, 95, 98)
SUBSAMPLINGS = ("444", "420")
TARGETS = (0.99, 0.995)


def smallest_passing(encode, reference, target):
    """(bytes, quality) of the smallest file ``encode(reference, q)`` whose MS-SSIM
    against ``reference`` reaches ``target`` (None if even Q100 does not)."""
    from jpegzoo.imageio import decode_jpeg
    from jpegzoo.metrics import ms_ssim

    cache = {}

    def passes(quality):
        if quality not in cache:
            data = encode(reference, quality)
            cache[quality] = (ms_ssim(reference, decode_jpeg(data)) >= target, data)
        return cache[quality][0]

    if not passes(100):
        return None
    low, high = 1, 100  # high passes
    while high - low > 1:
        middle = (low + high) // 2
        if passes(middle):
            high = middle
        else:
            low = middle
    passing = [(len(d), q) for q, (ok, d) in cache.items() if ok]
    return min(passing)


def main():
    import anchors

    from jpegzoo.imageio import decode_jpeg, read_image
    from jpegzoo.reference_codecs import jpegli_encode, mozjpeg_cjpeg_encode, pillow_encode
    from jpegzoo.zoo.best_jpeg.recompress import recompress_jpeg

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    others = {"mozjpeg": lambda image, q: mozjpeg_cjpeg_encode(image, q, "420"),
              "jpegli": jpegli_encode}
    rows = []
    header = ("| photo | input | MS-SSIM target | input bytes | jpegzoo | saving | mozjpeg "
              "(Q) | saving | jpegli (Q) | saving | jpegzoo CPU s |")
    lines = [header, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    print("\n".join(lines), flush=True)
    for path in anchors.image_sets()["validation"]:
        name = os.path.splitext(os.path.basename(path))[0]
        image = read_image(path)
        for quality in INPUT_QUALITIES:
            for subsampling in SUBSAMPLINGS:
                source = pillow_encode(image, quality, subsampling)
                reference = decode_jpeg(source)
                for target in TARGETS:
                    start = time.process_time()
                    ours = recompress_jpeg(source, target_msssim=target)
                    seconds = time.process_time() - start
                    theirs = {k: smallest_passing(f, reference, target)
                              for k, f in others.items()}
                    row = dict(photo=name, quality=quality, subsampling=subsampling,
                               target=target, input=len(source), ours=len(ours.data),
                               seconds=seconds, **{k: v for k, v in theirs.items()})
                    rows.append(row)
                    line = _line(row)
                    lines.append(line)
                    print(line, flush=True)
    lines += ["", *_summary(rows)]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "lossy.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(_summary(rows)))


def _saving(size, source):
    return f"{100 * (1 - size / source):.1f} %"


def _line(row):
    cells = [row["photo"], f"Q{row['quality']} {row['subsampling']}", f"{row['target']}",
             str(row["input"]), str(row["ours"]), _saving(row["ours"], row["input"])]
    for key in ("mozjpeg", "jpegli"):
        found = row[key]
        cells += ["not reached", ""] if found is None else \
            [f"{found[0]} (Q{found[1]})", _saving(found[0], row["input"])]
    cells.append(f"{row['seconds']:.2f}")
    return "| " + " | ".join(cells) + " |"


def _summary(rows):
    out = ["| MS-SSIM target | files | jpegzoo saving | mozjpeg saving | jpegli saving | "
           "jpegzoo files/s (CPU) |", "|---:|---:|---:|---:|---:|---:|"]
    for target in TARGETS:
        chosen = [r for r in rows if r["target"] == target]
        source = sum(r["input"] for r in chosen)
        cells = [f"{target}", str(len(chosen)), _saving(sum(r["ours"] for r in chosen), source)]
        for key in ("mozjpeg", "jpegli"):
            reached = [r for r in chosen if r[key] is not None]
            total = sum(r[key][0] for r in reached) + sum(
                r["input"] for r in chosen if r[key] is None)  # unreached: kept as is
            cells.append(_saving(total, source))
        cells.append(f"{len(chosen) / sum(r['seconds'] for r in chosen):.2f}")
        out.append("| " + " | ".join(cells) + " |")
    return out


if __name__ == "__main__":
    main()
