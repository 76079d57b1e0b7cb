"""Benchmark: ``jpegzoo encode FOLDER --out-dir DIR`` (many files per command) against a loop
of one-file ``jpegzoo encode IN OUT`` calls, and an interrupted run resumed.

The input folder: 64 PNGs of about 0.4 megapixels made from the training photos
(``../shared/data/train``, resized to 768 px on the long side; the last 24 mirrored so
that all 64 differ), in two subfolders. Every run goes through the installed command
(``python -m jpegzoo.cli``) in a fresh process, as a user's would; wall times include
the start-up (TensorFlow, models) of each process.

    .venv/bin/python benchmarks/folders/run.py [--photos DIR] [--work DIR] [--method M]
        [--jobs N] [--loop-files K] [--stop-after N]

Runs, side by side: the folder with ``-j 1`` and with ``-j N``; the folder with ``-j N``
stopped by SIGTERM once ``--stop-after`` outputs exist, then resumed by the same command,
with ``--summary``; a loop of one-file calls over the first ``--loop-files`` inputs (a
subset: each call starts its own process). Prints a markdown table of wall times, files/s
and CPU seconds per file (user + system of the command and its workers).
"""

import argparse
import csv
import glob
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
COMMAND = [sys.executable, "-m", "jpegzoo.cli", "encode"]
FILES, MIRRORED, LONG_SIDE = 64, 24, 768


def make_inputs(photos, folder):
    """64 PNGs of ~0.4 MP under ``folder/set1`` and ``folder/set2``; returns their paths."""
    from PIL import Image

    sources = sorted(glob.glob(os.path.join(photos, "*.png")))
    if not sources:
        raise SystemExit(f"no PNG photos in {photos}")
    paths = []
    for index in range(FILES):
        with Image.open(sources[index % len(sources)]) as photo:
            photo = photo.convert("RGB")
            scale = LONG_SIDE / max(photo.size)
            photo = photo.resize((round(photo.width * scale), round(photo.height * scale)),
                                 Image.LANCZOS)
            if index >= FILES - MIRRORED:
                photo = photo.transpose(Image.FLIP_LEFT_RIGHT)
            path = os.path.join(folder, "set1" if index < FILES // 2 else "set2",
                                f"photo{index:02d}.png")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            photo.save(path)
            paths.append(path)
    return paths


def timed(argv, stop_when=None):
    """(wall seconds, CPU seconds, completed process) of one command (CPU: user + system
    of it and its workers); SIGTERM once ``stop_when()`` is true."""
    start, cpu = time.perf_counter(), _children_cpu()
    process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": REPO})
    while stop_when is not None and process.poll() is None and not stop_when():
        time.sleep(0.05)
    if stop_when is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate()
    completed = subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)
    return time.perf_counter() - start, _children_cpu() - cpu, completed


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def outputs(folder):
    """Every file under ``folder`` (hidden ones, such as temporary files, included)."""
    return sorted(os.path.relpath(os.path.join(parent, name), folder)
                  for parent, _, names in os.walk(folder) for name in names)


def folder_run(inputs, out, method, jobs, extra=(), stop_when=None):
    argv = COMMAND + [inputs, "-r", "--out-dir", out, "--method", method, "-j", str(jobs),
                      *extra]
    return timed(argv, stop_when)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", default=os.path.join(REPO, "..", "shared", "data", "train"))
    parser.add_argument("--work", default="/tmp/jpegzoo-folders")
    parser.add_argument("--method", default="baseline")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--loop-files", type=int, default=16)
    parser.add_argument("--stop-after", type=int, default=16,
                        help="SIGTERM the interrupted run once this many outputs exist")
    args = parser.parse_args()

    inputs = os.path.join(args.work, "in")
    shutil.rmtree(args.work, ignore_errors=True)
    paths = make_inputs(args.photos, inputs)
    megapixels = np.mean([_pixels(p) for p in paths]) / 1e6
    bytes_in = sum(os.path.getsize(p) for p in paths)
    print(f"{len(paths)} inputs, {megapixels:.2f} MP on average, {bytes_in / 1e6:.1f} MB of PNG; "
          f"method {args.method}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} at the start")
    rows = []

    for jobs in (1, args.jobs):
        out = os.path.join(args.work, f"out-j{jobs}")
        shutil.rmtree(out, ignore_errors=True)
        *times, result = folder_run(inputs, out, args.method, jobs)
        _check(result, 0)
        rows.append((f"folder, -j {jobs}", len(outputs(out)), *times))

    out = os.path.join(args.work, "out-resumed")
    summary = os.path.join(args.work, "summary.csv")
    shutil.rmtree(out, ignore_errors=True)
    *times, result = folder_run(inputs, out, args.method, args.jobs, ["--summary", summary],
                                stop_when=lambda: len(_finished(out)) >= args.stop_after)
    _check(result, 130)
    done = outputs(out)
    complete = _finished(out)
    rows.append((f"folder, -j {args.jobs}, SIGTERM once {args.stop_after} outputs exist",
                 len(done), *times))
    *times, result = folder_run(inputs, out, args.method, args.jobs, ["--summary", summary])
    _check(result, 0)
    with open(summary) as handle:
        statuses = [row["status"] for row in csv.DictReader(handle)]
    rows.append((f"... resumed by the same command ({statuses.count('skipped')} skipped)",
                 statuses.count("written"), *times))

    loop_out = os.path.join(args.work, "out-loop")
    os.makedirs(loop_out, exist_ok=True)
    wall = cpu = 0.0
    for path in paths[:args.loop_files]:
        name = os.path.splitext(os.path.basename(path))[0] + ".jpg"
        seconds, cpu_seconds, result = timed(COMMAND + [path, os.path.join(loop_out, name),
                                                        "--method", args.method])
        _check(result, 0, quiet=True)
        wall, cpu = wall + seconds, cpu + cpu_seconds
    rows.append((f"loop of one-file calls ({args.loop_files} files)", args.loop_files, wall,
                 cpu))

    print(f"\ninterrupted run: {len(done)} files in the output folder, {len(complete)} of "
          f"them complete JPEGs, {len(done) - len(complete)} others; resumed: summary of "
          f"{len(statuses)} rows, {statuses.count('written')} written, "
          f"{statuses.count('skipped')} skipped; load average {os.getloadavg()[0]:.2f} at "
          f"the end\n")
    print("| run | files written | wall s | files/s | CPU s per file |\n|---|---:|---:|---:|---:|")
    for name, count, seconds, cpu_seconds in rows:
        print(f"| {name} | {count} | {seconds:.1f} | {count / seconds:.2f} | "
              f"{cpu_seconds / max(count, 1):.2f} |")


def _finished(folder):
    """The outputs in ``folder`` that are whole JPEG files (not temporary files)."""
    found = []
    for name in outputs(folder) if os.path.isdir(folder) else []:
        if os.path.basename(name).startswith("."):
            continue
        with open(os.path.join(folder, name), "rb") as handle:
            data = handle.read()
        if data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9"):
            found.append(name)
    return found


def _pixels(path):
    from PIL import Image

    with Image.open(path) as image:
        return image.width * image.height


def _check(result, status, quiet=False):
    if result.returncode != status:
        raise SystemExit(f"{' '.join(result.args)} exited {result.returncode}, expected "
                         f"{status}:\n{result.stderr}")
    if not quiet:
        print(result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "")


if __name__ == "__main__":
    main()
