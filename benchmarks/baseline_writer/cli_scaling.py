"""Benchmark: peak memory and wall time of ``jpegzoo encode IN.png OUT.jpg --method baseline``
(4:2:0, quality 75) and of ``jpegzoo info OUT.jpg`` on large images.

The inputs are mosaics of the 24 Kodak images (portrait ones turned; photo content at any
size) written as PNG to ``--work`` (default /tmp/jpegzoo_cli_scaling, not kept in git).
Each command runs in a fresh process under ``/usr/bin/time -v``: its "Maximum resident set
size" and "Elapsed (wall clock) time" are reported per pixel, next to the same command on
a 16x16 image (the interpreter, numpy, numba and the loaded kernels: what does not grow
with the image). A second fresh process splits the encode command's work: reading the PNG
(``jpegzoo.imageio.read_image``) and encoding it (``jpegzoo.jpeg.encode``), wall and CPU
seconds each.

    .venv/bin/python benchmarks/baseline_writer/cli_scaling.py [--sizes 12,50,88]

Writes ``cli_scaling.md`` to ``--out`` (default benchmarks/baseline_writer/out).
"""

import argparse
import os
import re
import subprocess
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import load_kodak  # noqa: E402

#: megapixels -> (mosaic rows, columns) of 768x512 tiles
MOSAICS = {12: (6, 5), 50: (12, 11), 88: (15, 15)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kodak", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                        "data", "kodak"))
    parser.add_argument("--work", default="/tmp/jpegzoo_cli_scaling")
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--sizes", default="12,50,88")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    images = None
    rows = []
    for size in [0] + [int(s) for s in args.sizes.split(",")]:
        source = os.path.join(args.work, f"mosaic_{size}mp.png")
        if not os.path.exists(source):
            images = images or load_kodak(args.kodak)
            write_mosaic(images, size, source)
        output = os.path.join(args.work, f"mosaic_{size}mp.jpg")
        with Image.open(source) as image:
            pixels = image.size[0] * image.size[1]
        encode = measure(["encode", source, output, "--method", "baseline"])
        info = measure(["info", output])
        rows.append(dict(size=size, pixels=pixels, encode=encode, info=info,
                         file_bytes=os.path.getsize(output), split=split(source)))
        print(rows[-1], flush=True)
    report = render(rows)
    with open(os.path.join(args.out, "cli_scaling.md"), "w") as handle:
        handle.write(report)
    print(report)


def write_mosaic(images, size, path):
    """A PNG of about ``size`` megapixels tiled from the Kodak images (16x16 for 0)."""
    if size == 0:
        Image.fromarray(images[0][:16, :16]).save(path)
        return
    rows, cols = MOSAICS[size]
    landscape = [im if im.shape[0] < im.shape[1] else np.rot90(im) for im in images]
    mosaic = np.concatenate([np.concatenate(
        [landscape[(r * cols + c) % len(landscape)] for c in range(cols)], 1)
        for r in range(rows)], 0)
    Image.fromarray(mosaic).save(path, compress_level=1)


def measure(command):
    """(wall seconds, peak RSS bytes) of ``jpegzoo COMMAND`` in a fresh process."""
    run = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "jpegzoo.cli",
                          *command], capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"jpegzoo {' '.join(command)} failed:\n{run.stderr}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)[1])
    clock = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)",
                      run.stderr)[1]
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(clock.split(":"))))
    return seconds, peak * 1024


_SPLIT = """
import time
import numpy as np
from jpegzoo.imageio import read_image
from jpegzoo.jpeg import encode
encode(np.zeros((16, 16, 3), np.uint8))  # numba and the kernels, loaded
times = [time.perf_counter(), time.process_time()]
image = read_image({path!r}, max_pixels=None)
times += [time.perf_counter(), time.process_time()]
encode(image)
times += [time.perf_counter(), time.process_time()]
print(times[2] - times[0], times[3] - times[1], times[4] - times[2], times[5] - times[3])
"""


def split(path):
    """(read wall, read CPU, encode wall, encode CPU) seconds in a fresh process."""
    run = subprocess.run([sys.executable, "-c", _SPLIT.format(path=path)],
                         capture_output=True, text=True, check=True)
    return tuple(float(x) for x in run.stdout.split())


def render(rows):
    base = rows[0]
    lines = ["| command | image | pixels | file | wall s | s/MP beyond 16x16 | peak RSS | "
             "RSS B/pixel | (RSS - 16x16's) B/pixel |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for command in ("encode", "info"):
        base_seconds, base_peak = base[command]
        for row in rows:
            seconds, peak = row[command]
            name = "16x16" if row["size"] == 0 else f"{row['size']} MP"
            per_pixel = ["", "", ""] if row["size"] == 0 else [
                f"{(seconds - base_seconds) / (row['pixels'] / 1e6):.3f}",
                f"{peak / row['pixels']:.2f}", f"{(peak - base_peak) / row['pixels']:.2f}"]
            lines.append(f"| {command} | {name} | {row['pixels']:,} | "
                         f"{row['file_bytes']:,} B | {seconds:.2f} | {per_pixel[0]} | "
                         f"{peak / 2**20:,.0f} MiB | {per_pixel[1]} | {per_pixel[2]} |")
    lines += ["", "| image | read PNG: wall s | CPU s | encode: wall s | CPU s | "
              "encode CPU ns/pixel |", "|---|---:|---:|---:|---:|---:|"]
    for row in rows[1:]:
        read_wall, read_cpu, encode_wall, encode_cpu = row["split"]
        lines.append(f"| {row['size']} MP | {read_wall:.2f} | {read_cpu:.2f} | "
                     f"{encode_wall:.2f} | {encode_cpu:.2f} | "
                     f"{1e9 * encode_cpu / row['pixels']:.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
