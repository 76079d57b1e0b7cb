"""Benchmark: ``jpegzoo bulk`` (the Apache Beam pipeline, DirectRunner) with 1 and 2 worker
processes, against ``jpegzoo encode FOLDER --out-dir`` over the same files; checks that all
three write the same bytes.

The input folder: the 64 PNGs of about 0.4 megapixels of ``benchmarks/folders`` (made from
``../shared/data/train``), in two subfolders. Every run is the installed command in a
fresh process; wall times include start-up (and, for Beam, the pipeline's own set-up and
its workers' start).

    .venv/bin/python benchmarks/bulk/run.py [--photos DIR] [--work DIR] [--method M]

Prints a markdown table: wall seconds, files/s, CPU seconds per file (the command and its
worker processes), and whether every output equals the command line's.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "folders"))

from run import make_inputs  # noqa: E402  (benchmarks/folders/run.py)

JPEGZOO = [sys.executable, "-m", "jpegzoo.cli"]


def timed(command):
    """(wall seconds, CPU seconds of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def outputs(folder):
    found = {}
    for parent, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".jpg"):
                path = os.path.join(parent, name)
                with open(path, "rb") as handle:
                    found[os.path.relpath(path, folder)] = handle.read()
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                         "data", "train"))
    parser.add_argument("--work", default=os.path.join(HERE, "out"))
    parser.add_argument("--method", default="baseline")
    args = parser.parse_args()
    inputs = os.path.join(args.work, "inputs")
    if not os.path.isdir(inputs):
        make_inputs(args.photos, inputs)
    count = sum(len(f) for _, _, f in os.walk(inputs))
    runs = {
        "encode --out-dir -r -j 2 (reference)": JPEGZOO + ["encode", inputs, "-r",
                                                            "--quiet", "-j", "2",
                                                            "--method", args.method,
                                                            "--out-dir"],
        "bulk -j 1 (DirectRunner, in memory)": JPEGZOO + ["bulk", inputs, "--method",
                                                          args.method, "-j", "1"],
        "bulk -j 2 (DirectRunner, 2 processes)": JPEGZOO + ["bulk", inputs, "--method",
                                                            args.method, "-j", "2"],
    }
    print(f"{count} files, --method {args.method}\n")
    print("| run | wall s | files/s | CPU s per file | outputs equal the CLI's |")
    print("|---|---:|---:|---:|---|")
    reference = None
    for index, (name, command) in enumerate(runs.items()):
        out = os.path.join(args.work, f"run{index}")
        shutil.rmtree(out, ignore_errors=True)
        wall, cpu = timed(command + [out])
        written = outputs(out)
        if reference is None:
            reference = written
        same = "reference" if written is reference else (
            "yes" if written == reference and len(written) == count else
            f"NO ({len(written)} files)")
        print(f"| {name} | {wall:.1f} | {count / wall:.2f} | {cpu / count:.3f} | {same} |",
              flush=True)


if __name__ == "__main__":
    main()
