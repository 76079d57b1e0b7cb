"""Benchmark: jpegzoo's progressive JPEG writer against libjpeg-turbo and mozjpeg on the
same coefficients.

For the 24 Kodak images and the 40 training photos, Pillow (libjpeg-turbo) writes a
baseline file (4:2:0, quality 75 and 95) and, from the same pixels, a progressive one
(``progressive=True``: libjpeg's default script; the same coefficients). jpegzoo reads the
baseline file's levels (``read_jpeg``) and writes them progressive with libjpeg's script
(``write_jpeg(levels, progressive=True)``) and with the scan search
(``progressive="search"``); the references are Pillow's progressive file, ``jpegtran
-optimize -progressive`` of the baseline file (libjpeg-turbo's jpegtran: timed) and
mozjpeg 4.0.3's jpegtran-equivalent (jpeglib ``read_dct`` + ``write_dct``: scan search).
CPU times: jpegzoo and mozjpeg in this process, jpegtran the child's (start-up and the
decoding of its input included; jpegzoo's read+write column includes ``read_jpeg``).

    .venv/bin/python benchmarks/progressive/run.py [--kodak DIR] [--train DIR] [--out DIR]

Writes ``results.md`` and ``files.csv`` to ``--out`` (default benchmarks/progressive/out).
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

from jpegzoo.jpeg import read_jpeg, write_jpeg

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "shared", "data")
QUALITIES = (75, 95)


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
    warm = read_jpeg(pillow(np.zeros((16, 16, 3), np.uint8), 75)).levels
    write_jpeg(warm, progressive="search")  # compile the kernels before timing
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for set_name, folder in (("kodak", args.kodak), ("train", args.train)):
            for name in sorted(n for n in os.listdir(folder) if n.endswith(".png")):
                with Image.open(os.path.join(folder, name)) as image:
                    pixels = np.asarray(image.convert("RGB"))
                for quality in QUALITIES:
                    row = measure(pixels, quality, jpegtran, work)
                    rows.append(dict(set=set_name, image=name, quality=quality, **row))
                    print(f"{set_name} {name} q{quality}: libjpeg-turbo {row['libjpeg']}, "
                          f"default {row['default']}, search {row['search']}, mozjpeg "
                          f"{row['mozjpeg']}", flush=True)
    with open(os.path.join(args.out, "files.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = render(rows, jpegtran)
    with open(os.path.join(args.out, "results.md"), "w") as handle:
        handle.write(report)
    print(report)


def pillow(pixels, quality, **options):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality, **options)
    return buffer.getvalue()


def _cpu(function, *args, **kwargs):
    start = time.process_time()
    result = function(*args, **kwargs)
    return result, time.process_time() - start


def measure(pixels, quality, jpegtran, work):
    baseline = pillow(pixels, quality)
    libjpeg = pillow(pixels, quality, progressive=True)
    parsed, read_s = _cpu(read_jpeg, baseline)
    default, default_s = _cpu(write_jpeg, parsed.levels, progressive=True)
    search, search_s = _cpu(write_jpeg, parsed.levels, progressive="search")

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    transcoded = subprocess.run([jpegtran, "-optimize", "-progressive"], input=baseline,
                                capture_output=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    jpegtran_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)

    source, target = os.path.join(work, "in.jpg"), os.path.join(work, "out.jpg")
    with open(source, "wb") as handle:
        handle.write(baseline)
    with jpeglib.version("mozjpeg403"):
        start = time.process_time()
        jpeglib.read_dct(source).write_dct(target)
        mozjpeg_s = time.process_time() - start
    with open(target, "rb") as handle:
        mozjpeg = handle.read()
    return dict(baseline=len(baseline), libjpeg=len(libjpeg), jpegtran=len(transcoded),
                default=len(default), identical=default == libjpeg, search=len(search),
                mozjpeg=len(mozjpeg), read_s=read_s, default_s=default_s, search_s=search_s,
                jpegtran_s=jpegtran_s, mozjpeg_s=mozjpeg_s)


def render(rows, jpegtran):
    version = subprocess.run([jpegtran, "-version"], capture_output=True, text=True)
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; jpegtran: "
        f"{(version.stderr or version.stdout).strip()}; mozjpeg 4.0.3 (jpeglib "
        f"{jpeglib.__version__}). Means over files; times are CPU milliseconds per file.",
        "",
        "| inputs | files | default = libjpeg-turbo (identical files) | default vs "
        "libjpeg-turbo bytes | search vs mozjpeg, mean | worst | search vs default | "
        "ms: default write | read+write | jpegtran | ratio | ms: search | mozjpeg | "
        "ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    groups = {}
    for row in rows:
        groups.setdefault(f"{row['set']} q{row['quality']}", []).append(row)
    groups["all"] = rows
    for name, group in groups.items():
        def column(key):
            return np.array([r[key] for r in group], dtype=float)
        versus_libjpeg = 100 * (column("default") - column("libjpeg")) / column("libjpeg")
        versus_mozjpeg = 100 * (column("search") - column("mozjpeg")) / column("mozjpeg")
        versus_default = 100 * (column("search") - column("default")) / column("default")
        ms = {k: 1000 * column(f"{k}_s").mean() for k in
              ("read", "default", "search", "jpegtran", "mozjpeg")}
        lines.append(
            f"| {name} | {len(group)} | {sum(r['identical'] for r in group)}/{len(group)} | "
            f"{versus_libjpeg.mean():+.3f} % | {versus_mozjpeg.mean():+.3f} % | "
            f"{versus_mozjpeg.max():+.3f} % | {versus_default.mean():+.2f} % | "
            f"{ms['default']:.1f} | {ms['read'] + ms['default']:.1f} | "
            f"{ms['jpegtran']:.1f} | {(ms['read'] + ms['default']) / ms['jpegtran']:.2f} | "
            f"{ms['search']:.0f} | {ms['mozjpeg']:.0f} | "
            f"{ms['search'] / ms['mozjpeg']:.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
