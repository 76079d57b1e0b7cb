"""Benchmark: peak memory and time of ``jpegzoo.jpeg.read_jpeg`` (issues #17, #18).

Writes three files with Pillow -- an 8192x8192 grey and a 9400x9400 4:4:4 image, both
flat, with optimized Huffman tables so every block takes 2 bits (the worst case of
levels per byte of file), and Kodak's kodim01 at quality 75 (4:2:0) -- then decodes each
in a child process under ``/usr/bin/time -v``: peak RSS of the process, RSS added by the
``read_jpeg`` call, seconds of that call, and for kodim01 the mean of repeated reads. The
numba kernels' compile time is the first call of a child with an empty numba cache
(``NUMBA_CACHE_DIR``) against one whose cache is filled.

    .venv/bin/python benchmarks/jpeg_reader/run.py [--kodak DIR] [--out DIR] [--code DIR]

``--code DIR`` measures the jpegzoo found in DIR (e.g. an export of an older commit:
``git archive OLD | tar -x -C DIR``). Writes ``results.md`` to ``--out`` (default
benchmarks/jpeg_reader/out).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

CHILD = """
import json, resource, sys, time
start = time.perf_counter()
from jpegzoo.jpeg.reader import read_jpeg
imported = time.perf_counter()
read_jpeg(sys.argv[2])  # a tiny file: compiles the kernels or loads them from the cache
warm = time.perf_counter()
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
begin = time.perf_counter()
parsed = read_jpeg(data)
seconds = time.perf_counter() - begin
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
repeat = int(sys.argv[3])
begin = time.perf_counter()
for _ in range(repeat):
    read_jpeg(data)
mean = (time.perf_counter() - begin) / repeat if repeat else None
print(json.dumps(dict(import_s=imported - start, first_call_s=warm - imported,
                      seconds=seconds, mean_s=mean, added_kib=peak - before,
                      blocks=len(parsed.block_bits))))
"""


def make_files(kodak, folder):
    """The benchmark's JPEG files in ``folder``: {name: path}."""
    import numpy as np
    from PIL import Image

    files = {
        "flat 8192x8192 grey": ("flat8192_grey.jpg", lambda: Image.fromarray(
            np.full((8192, 8192), 128, np.uint8)), dict(optimize=True)),
        "flat 9400x9400 4:4:4": ("flat9400_444.jpg", lambda: Image.fromarray(
            np.full((9400, 9400, 3), 128, np.uint8)), dict(optimize=True, subsampling=0)),
        "kodim01 q75 4:2:0": ("kodim01_q75.jpg", lambda: Image.open(
            os.path.join(kodak, "kodim01.png")).convert("RGB"), {}),
        "tiny": ("tiny.jpg", lambda: Image.fromarray(np.zeros((8, 8), np.uint8)), {}),
    }
    paths = {}
    for name, (file, image, options) in files.items():
        paths[name] = os.path.join(folder, file)
        if not os.path.exists(paths[name]):
            image().save(paths[name], quality=75, **options)
    return paths


def measure(path, tiny, code, repeat=0, env=None):
    """Decode ``path`` in a child under /usr/bin/time -v: the child's figures plus
    ``peak_mib`` (maximum RSS of the process) and ``wall_s`` (of the whole process)."""
    env = dict(os.environ if env is None else env, PYTHONPATH=code)
    run = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", CHILD, path, tiny,
                          str(repeat)], capture_output=True, text=True, env=env, cwd=code)
    if run.returncode:
        raise RuntimeError(run.stderr[-2000:])
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["peak_mib"] = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                                       run.stderr).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)",
                     run.stderr).groups()
    result["wall_s"] = int(wall[0] or 0) * 3600 + int(wall[1]) * 60 + float(wall[2])
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kodak", default=os.path.join(ROOT, "..", "shared", "data",
                                                        "kodak"))
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--code", default=ROOT, help="folder holding the jpegzoo to time")
    parser.add_argument("--repeat", type=int, default=50, help="timed reads of kodim01")
    args = parser.parse_args()
    args.out, args.code = os.path.abspath(args.out), os.path.abspath(args.code)
    os.makedirs(args.out, exist_ok=True)
    paths = make_files(args.kodak, args.out)
    tiny = paths.pop("tiny")
    lines = [f"jpegzoo from {os.path.abspath(args.code)}", "",
             "| file | bytes | blocks | levels MiB | peak RSS MiB | added by read_jpeg MiB "
             "| read_jpeg s | process wall s |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, path in paths.items():
        repeat = args.repeat if name.startswith("kodim") else 0
        r = measure(path, tiny, args.code, repeat)
        seconds = f"{r['seconds']:.3f}"
        if r["mean_s"] is not None:
            seconds += f" (mean of {repeat}: {r['mean_s']:.4f})"
        lines.append(f"| {name} | {os.path.getsize(path)} | {r['blocks']} | "
                     f"{r['blocks'] * 256 / 2 ** 20:.0f} | {r['peak_mib']:.0f} | "
                     f"{r['added_kib'] / 1024:.0f} | {seconds} | {r['wall_s']:.2f} |")
        print(lines[-1], flush=True)
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cold = measure(tiny, tiny, args.code, env=env)
        warm = measure(tiny, tiny, args.code, env=env)
    lines += ["", f"import of jpegzoo.jpeg.reader: {warm['import_s']:.2f} s; first read_jpeg "
              f"call of a process: {cold['first_call_s']:.2f} s with an empty numba cache "
              f"(compiling), {warm['first_call_s']:.2f} s with the cache filled"]
    print(lines[-1])
    with open(os.path.join(args.out, "results.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
