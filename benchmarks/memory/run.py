"""Peak memory and wall time of ``jpegzoo encode --method M`` (and, with ``--decode``,
``jpegzoo decode`` of its ``.jzc`` files) on large images.

Each encode runs as its own process under ``/usr/bin/time -v`` (the figures are its
"Maximum resident set size" and "Elapsed (wall clock) time"); a watcher polls the
process tree's resident memory every 0.2 s and kills it above ``--cap-gb`` (the row then
says ``over cap`` with the time it got there), so runs that would not fit cannot take
the machine down. One process at a time; results are appended to a CSV (one row per run).

Usage::

    python benchmarks/memory/run.py IMAGE [IMAGE ...] --methods cae,lossless \
        --out benchmarks/memory/results/after.csv [--cap-gb 12] [--timeout 3600] \
        [--code DIR --label COMMIT]   # measure another checkout (e.g. the code before)

Images are not in git: make them with ``benchmarks/memory/images.py``.
"""

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ("method", "image", "megapixels", "status", "peak_mb", "wall_s", "mb_per_mp",
          "s_per_mp", "bytes", "commit", "cpu_s")


def tree_rss(process):
    """Resident bytes of ``process`` and its descendants (0 once gone)."""
    try:
        members = [process] + process.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def measure(arguments, cap_bytes, timeout, code=ROOT):
    """``(peak MB, wall s, status, CPU s)`` of ``jpegzoo ARGUMENTS`` run with ``code`` (a
    checkout of jpegzoo) first on the path; CPU seconds (user + system) tell more than
    wall time on a loaded machine."""
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "time.txt"
        command = ["/usr/bin/time", "-v", "-o", str(report), sys.executable, "-m",
                   "jpegzoo.cli", *arguments]
        env = {**os.environ, "PYTHONPATH": str(code)}
        start = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        watched = psutil.Process(process.pid)
        status, seen = "ok", 0
        while process.poll() is None:
            seen = max(seen, tree_rss(watched))
            elapsed = time.monotonic() - start
            if seen > cap_bytes or elapsed > timeout:
                status = (f"over cap at {elapsed:.0f} s" if seen > cap_bytes
                          else f"timeout at {elapsed:.0f} s")
                for member in [watched] + watched.children(recursive=True):
                    member.kill()
                break
            time.sleep(0.2)
        log = process.communicate()[0]
        wall, peak_mb, cpu = time.monotonic() - start, seen / 2**20, None
        if status == "ok":
            text = report.read_text()
            peak_mb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                                    text).group(1)) / 1024
            wall = _wall_seconds(re.search(r"Elapsed \(wall clock\) time.*: (\S+)",
                                           text).group(1))
            cpu = sum(float(re.search(rf"{kind} time \(seconds\): (\S+)", text).group(1))
                      for kind in ("User", "System"))
            if process.returncode != 0:
                status = f"exit {process.returncode}: {log.strip().splitlines()[-1]}"
    return peak_mb, wall, status, cpu


def _wall_seconds(text):
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


JPEG_METHODS = ("baseline", "pillow", "mozjpeg", "mutated", "qtable")


def _upgrade(path):
    """Rewrite a results CSV of an older run.py with the current columns (blank where it
    had none)."""
    if not path.exists():
        return
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows, fields = list(reader), reader.fieldnames
    if tuple(fields or ()) != FIELDS:
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, FIELDS, restval="")
            writer.writeheader()
            writer.writerows(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+", type=Path)
    parser.add_argument("--methods", required=True, help="comma-separated method names")
    parser.add_argument("--out", type=Path, required=True, help="CSV to append rows to")
    parser.add_argument("--cap-gb", type=float, default=12.0,
                        help="kill a run whose resident memory passes this (GiB)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run")
    parser.add_argument("--extra", default="", help="extra encode arguments, space-separated")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the jpegzoo checkout to measure (default: this one; e.g. an "
                             "export of an older commit)")
    parser.add_argument("--label", help="what to record as its commit (default: git's)")
    parser.add_argument("--decode", action="store_true",
                        help="also measure jpegzoo decode of each .jzc file (method "
                             "'NAME decode')")
    args = parser.parse_args()
    commit = args.label or subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                                          cwd=args.code, capture_output=True,
                                          text=True).stdout.strip()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    _upgrade(args.out)
    new = not args.out.exists()
    with args.out.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        if new:
            writer.writeheader()
        for image in args.images:
            with Image.open(image) as opened:
                megapixels = opened.size[0] * opened.size[1] / 1e6
            for method in args.methods.split(","):
                with tempfile.TemporaryDirectory() as work:
                    suffix = ".jpg" if method in JPEG_METHODS else ".jzc"
                    output = Path(work) / f"out{suffix}"
                    runs = [(method, ["encode", str(image), str(output), "--method", method,
                                      *args.extra.split()], output)]
                    if args.decode and suffix == ".jzc":
                        runs.append((f"{method} decode", ["decode", str(output),
                                     str(Path(work) / "back.png"), "--max-pixels", "0"],
                                     None))
                    for name, arguments, made in runs:
                        peak, wall, status, cpu = measure(arguments, args.cap_gb * 2**30,
                                                          args.timeout, args.code)
                        size = made.stat().st_size if made and status == "ok" else ""
                        row = {"method": name, "image": image.name,
                               "megapixels": f"{megapixels:.2f}", "status": status,
                               "peak_mb": f"{peak:.0f}", "wall_s": f"{wall:.1f}",
                               "mb_per_mp": f"{peak / megapixels:.0f}",
                               "s_per_mp": f"{wall / megapixels:.2f}", "bytes": size,
                               "commit": commit, "cpu_s": "" if cpu is None else f"{cpu:.1f}"}
                        writer.writerow(row)
                        handle.flush()
                        print(", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
                        if status != "ok":
                            break


if __name__ == "__main__":
    main()
