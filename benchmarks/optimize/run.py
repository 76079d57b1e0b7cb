"""Benchmark: ``jpegzoo optimize`` (lossless JPEG re-coding) against libjpeg-turbo's
``jpegtran -optimize -progressive`` and mozjpeg's jpegtran (4.0.3, through jpeglib).

Inputs: the 24 Kodak images and the 40 training photos, encoded three ways -- Pillow
(libjpeg-turbo) at quality 75 and 95, 4:2:0, baseline with Annex K tables (Pillow's
defaults), and mozjpeg 4.0.3 with its defaults (trellis quantization, scan-optimized
progressive, quality 75). Every input is re-coded by each tool; for each output the pixels
(Pillow's decoder) and the coefficients (jpeglib's ``read_dct``) are compared with the
input's, and the bytes and the CPU time are recorded (jpegtran: the child process's CPU
time, start-up included; jpegzoo and mozjpeg: this process's, in-process calls).

    .venv/bin/python benchmarks/optimize/run.py [--kodak DIR] [--train DIR] [--out DIR]

Writes ``results.md`` and ``files.csv`` to ``--out`` (default benchmarks/optimize/out).
"""

import argparse
import csv
import io
import os
import platform
import resource
import shutil
import subprocess
import tempfile
import time

import jpeglib
import numpy as np
from PIL import Image

from jpegzoo.jpeg.optimize import optimize_jpeg

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "shared", "data")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kodak", default=os.path.join(DATA, "kodak"))
    parser.add_argument("--train", default=os.path.join(DATA, "train"))
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    args = parser.parse_args()
    jpegtran = shutil.which("jpegtran")
    if jpegtran is None:
        raise SystemExit("jpegtran (libjpeg-turbo-progs) is needed for the comparison")
    os.makedirs(args.out, exist_ok=True)
    optimize_jpeg(encode_pillow(np.zeros((8, 8, 3), np.uint8), 75))  # compile the kernels
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for set_name, folder in (("kodak", args.kodak), ("train", args.train)):
            for path in sorted(os.listdir(folder)):
                if not path.endswith(".png"):
                    continue
                with Image.open(os.path.join(folder, path)) as image:
                    pixels = np.asarray(image.convert("RGB"))
                for encoder, data in inputs(pixels, work).items():
                    row = measure(data, jpegtran, work)
                    rows.append(dict(set=set_name, image=path, encoder=encoder, **row))
                    print(f"{set_name} {path} {encoder}: {row['input']} -> jpegzoo "
                          f"{row['jpegzoo']} ({row['mode']}), jpegtran {row['jpegtran']}, "
                          f"mozjpeg {row['mozjpeg']}", flush=True)
    with open(os.path.join(args.out, "files.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = render(rows, jpegtran)
    with open(os.path.join(args.out, "results.md"), "w") as handle:
        handle.write(report)
    print(report)


def encode_pillow(pixels, quality):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)  # 4:2:0, Annex K tables
    return buffer.getvalue()


def inputs(pixels, work):
    path = os.path.join(work, "mozjpeg.jpg")
    with jpeglib.version("mozjpeg403"):
        jpeglib.from_spatial(np.ascontiguousarray(pixels)).write_spatial(path, qt=75)
    with open(path, "rb") as handle:
        mozjpeg = handle.read()
    return {"pillow_q75": encode_pillow(pixels, 75), "pillow_q95": encode_pillow(pixels, 95),
            "mozjpeg_q75": mozjpeg}


def measure(data, jpegtran, work):
    """Bytes, CPU seconds and exactness of each tool's re-coding of ``data``."""
    start = time.process_time()
    result = optimize_jpeg(data)
    ours_s = time.process_time() - start

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    libjpeg = subprocess.run([jpegtran, "-optimize", "-progressive"], input=data,
                             capture_output=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    jpegtran_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)

    source, target = os.path.join(work, "in.jpg"), os.path.join(work, "moz_out.jpg")
    with open(source, "wb") as handle:
        handle.write(data)
    with jpeglib.version("mozjpeg403"):
        dct = jpeglib.read_dct(source)
        start = time.process_time()
        dct.write_dct(target)
        mozjpeg_s = time.process_time() - start
    with open(target, "rb") as handle:
        mozjpeg = handle.read()

    reference = (decoded(data), coefficients(data, work))
    exact = {name: same(reference, out, work) for name, out in
             (("jpegzoo", result.data), ("jpegtran", libjpeg), ("mozjpeg", mozjpeg))}
    return dict(input=len(data), jpegzoo=len(result.data), mode=result.mode,
                jpegtran=len(libjpeg), mozjpeg=len(mozjpeg), jpegzoo_s=ours_s,
                jpegtran_s=jpegtran_s, mozjpeg_s=mozjpeg_s, jpegzoo_exact=exact["jpegzoo"],
                jpegtran_exact=exact["jpegtran"], mozjpeg_exact=exact["mozjpeg"])


def decoded(data):
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image)


def coefficients(data, work):
    path = os.path.join(work, "coefficients.jpg")
    with open(path, "wb") as handle:
        handle.write(data)
    dct = jpeglib.read_dct(path)
    return [np.array(p) for p in (dct.Y, dct.Cb, dct.Cr, dct.qt) if p is not None]


def same(reference, data, work):
    pixels, planes = reference
    return bool(np.array_equal(decoded(data), pixels) and all(
        np.array_equal(a, b) for a, b in zip(coefficients(data, work), planes, strict=True)))


def render(rows, jpegtran):
    version = subprocess.run([jpegtran, "-version"], capture_output=True, text=True)
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; jpegtran: "
        f"{(version.stderr or version.stdout).strip()}; mozjpeg 4.0.3 (jpeglib "
        f"{jpeglib.__version__}).", "",
        "Savings are mean per-file percentages (bytes saved / input bytes); 'vs' columns "
        "compare jpegzoo's output with the other tool's (negative: jpegzoo smaller). "
        "Exact: outputs whose Pillow-decoded pixels and jpeglib coefficients equal the "
        "input's. Files/s: per CPU second.", "",
        "| inputs | files | input MB | jpegzoo saves | jpegtran saves | mozjpeg saves | "
        "jpegzoo vs jpegtran | jpegzoo vs mozjpeg | exact (jpegzoo / jpegtran / mozjpeg) | "
        "input kept | files/s jpegzoo | jpegtran | mozjpeg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"]
    groups = {}
    for row in rows:
        groups.setdefault(f"{row['set']} {row['encoder']}", []).append(row)
    groups["all"] = rows
    for name, group in groups.items():
        def column(key):
            return np.array([r[key] for r in group], dtype=float)
        size = column("input")
        saving = {k: 100 * (size - column(k)) / size for k in ("jpegzoo", "jpegtran", "mozjpeg")}
        versus = {k: 100 * (column("jpegzoo") - column(k)) / column(k)
                  for k in ("jpegtran", "mozjpeg")}
        exact = " / ".join(f"{sum(r[f'{k}_exact'] for r in group)}/{len(group)}"
                           for k in ("jpegzoo", "jpegtran", "mozjpeg"))
        speed = {k: len(group) / column(f"{k}_s").sum() for k in ("jpegzoo", "jpegtran",
                                                                  "mozjpeg")}
        lines.append(
            f"| {name} | {len(group)} | {size.sum() / 1e6:.1f} | "
            f"{saving['jpegzoo'].mean():.2f} % | {saving['jpegtran'].mean():.2f} % | "
            f"{saving['mozjpeg'].mean():.2f} % | {versus['jpegtran'].mean():+.2f} % | "
            f"{versus['mozjpeg'].mean():+.2f} % (worst {versus['mozjpeg'].max():+.2f} %) | "
            f"{exact} | {sum(r['mode'] == 'input' for r in group)} | "
            f"{speed['jpegzoo']:.1f} | {speed['jpegtran']:.1f} | {speed['mozjpeg']:.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
