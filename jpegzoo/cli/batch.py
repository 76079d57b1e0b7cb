"""Many files in one command: ``jpegzoo encode IN [IN ...] --out-dir DIR``.

A command that turns one file into another (``encode``; any other, such as an
``optimize`` command, the same way) describes the work on one file as a :class:`Task`
and hands its parsed arguments to :func:`run`, after :func:`add_arguments` added the
options below to its parser::

    progress.add_arguments(parser)        # --quiet, --progress
    batch.add_arguments(parser)           # --out-dir, -r, -j, --force, --summary, --metrics
    ...
    if args.out_dir is not None:
        return batch.run(args, task)      # args.paths: the inputs
    batch.check_single(args)              # IN OUT: one file, as before
    picture, data = batch.one_file(task, source, output, progress.enabled(args))

What :func:`run` does:

- **Plan** (before any model loads; errors end the command with one line, exit 2): the
  inputs are files, folders (their images; ``-r``: and their subfolders') and globs
  (``'photos/**/*.png'``, expanded here when the shell did not); each output goes to
  ``DIR/<path relative to the folder or glob root>`` with the task's suffix. Two inputs
  that would write one output, an output that is an input, and an output folder that
  cannot be written are refused.
- **Run** each file in this process (``-j 1``) or in ``N`` worker processes (``-j N``;
  each loads the task's model once, on its first file). Outputs are written atomically
  (temporary file, then rename), so an output that exists is complete: it is skipped
  (``--force`` replaces it), and an interrupted run resumes where it stopped when run
  again. A file that fails is reported and the others go on.
- **Report**: a tqdm bar on stderr (files/s, bytes saved), one summary line on stdout,
  ``--summary CSV`` with a row per file (input, output, status, bytes in and out, size,
  bpp; PSNR and Y-PSNR with ``--metrics``), the failed files on stderr; exit status 1 if
  any file failed, 130 when interrupted (Ctrl-C or SIGTERM; finished outputs stay).
"""

import csv
import glob
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from jpegzoo.cli import one_line, progress
from jpegzoo.cli.arguments import bounded_int

#: Names of the files a folder or glob contributes (lower-case endings Pillow reads).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".tif", ".tiff", ".webp",
                  ".ppm", ".pgm", ".pnm", ".gif")
#: Columns of ``--summary`` (``psnr`` and ``psnr_y`` in dB, filled with ``--metrics``).
SUMMARY_FIELDS = ("input", "output", "status", "bytes_in", "bytes_out", "width", "height",
                  "bpp", "psnr", "psnr_y", "error")
EXIT_FAILED = 1


@dataclass
class Picture:
    """An input as a task read it.

    Attributes:
        pixels: uint8 ``[H, W, 3]`` or ``[H, W]``: the image the output codes (what
            ``--metrics`` compares the decoded output with).
        context: whatever else :meth:`Task.write` needs (metadata, the input's bytes).
        notes: remarks for the user (one short phrase each).
    """

    pixels: np.ndarray
    context: object = None
    notes: list = field(default_factory=list)


class Task(Protocol):
    """The work on one file, sent to worker processes (so it must pickle: a dataclass of
    plain values, say). ValueError (one line) for inputs it cannot use."""

    #: The outputs' file suffix (``.jpg``). A task may also name the file endings it
    #: takes from folders and globs (``input_suffixes``; default :data:`IMAGE_SUFFIXES`).
    suffix: str

    def prepare(self) -> None:
        """Load what :meth:`write` needs (TensorFlow, models); called before every write
        (so it loads once per process, only if a file is to be written, and must be cheap
        after the first call)."""

    def read(self, source: str) -> Picture:
        """The input file ``source``, read and checked (no model needed)."""

    def write(self, picture: Picture) -> bytes:
        """The output file's bytes."""

    def decode(self, data: bytes) -> np.ndarray:
        """The pixels of an output file (``--metrics``)."""


@dataclass(frozen=True)
class Job:
    """One input file and the output it makes."""

    source: str
    output: str


@dataclass
class Result:
    """What became of a :class:`Job`: ``status`` "written", "skipped" (the output was
    there) or "failed" (``error`` says why); sizes in bytes and pixels."""

    job: Job
    status: str
    bytes_in: int = 0
    bytes_out: int = 0
    width: int = 0
    height: int = 0
    psnr: float = None
    psnr_y: float = None
    error: str = ""

    @property
    def bpp(self):
        pixels = self.width * self.height
        return 8.0 * self.bytes_out / pixels if pixels and self.bytes_out else None

    def row(self):
        """The ``--summary`` row (:data:`SUMMARY_FIELDS`)."""
        values = dict(input=self.job.source, output=self.job.output, status=self.status,
                      bytes_in=self.bytes_in, bytes_out=self.bytes_out or "",
                      width=self.width or "", height=self.height or "", bpp=self.bpp,
                      psnr=self.psnr, psnr_y=self.psnr_y, error=self.error)
        return {k: "" if v is None else (f"{v:.4f}" if isinstance(v, float) else v)
                for k, v in values.items()}


def add_arguments(parser):
    """The options of many-file runs (they need ``--out-dir``)."""
    group = parser.add_argument_group(
        "many files", "with --out-dir, every IN is an input: a file, a folder of images or "
        "a glob; outputs keep their paths relative to it under DIR")
    group.add_argument("--out-dir", metavar="DIR",
                       help="write the outputs under DIR (created if missing), named after "
                            "their inputs with the method's suffix")
    group.add_argument("-r", "--recursive", action="store_true",
                       help="take the images of the folders' subfolders too")
    group.add_argument("-j", "--jobs", type=bounded_int("--jobs", 1, 256), default=1,
                       metavar="N", help="worker processes (default 1; each loads the model "
                                         "once)")
    group.add_argument("--force", action="store_true",
                       help="replace outputs that exist (default: skip them, so that a run "
                            "resumes where an interrupted one stopped)")
    group.add_argument("--summary", metavar="CSV",
                       help="write a row per file: input, output, status, bytes in and out, "
                            "width, height, bpp (and PSNR with --metrics)")
    group.add_argument("--metrics", action="store_true",
                       help="decode every output and measure PSNR and Y-PSNR (dB) against "
                            "its input, for --summary")


#: The :func:`add_arguments` options that need ``--out-dir``, with their flags.
_BATCH_ONLY = {"recursive": "--recursive", "force": "--force", "summary": "--summary",
               "metrics": "--metrics"}


def check_single(args):
    """ValueError unless ``args`` (a one-file command line) sets no many-file option."""
    given = [flag for name, flag in _BATCH_ONLY.items() if getattr(args, name)]
    given += ["--jobs"] if args.jobs != 1 else []
    if given:
        raise ValueError(f"{', '.join(given)} go(es) with --out-dir DIR (many files)")


def run(args, task):
    """Plan, run and report a many-file command (module docstring); returns the exit
    status. ``args``: ``paths`` (inputs), the :func:`add_arguments` options and those of
    :func:`jpegzoo.cli.progress.add_arguments`."""
    show_progress = progress.enabled(args)
    jobs = plan(args.paths, args.out_dir, task.suffix, args.recursive,
                getattr(task, "input_suffixes", IMAGE_SUFFIXES))
    if args.summary:
        _check_summary(args.summary, jobs)
    start = time.perf_counter()
    results = []
    try:
        with _terminate_as_interrupt():
            for result in execute(jobs, task, args.jobs, args.force, args.metrics,
                                  show_progress):
                results.append(result)
    except KeyboardInterrupt:
        _report(results, len(jobs), time.perf_counter() - start, args.summary,
                interrupted=True)
        raise
    return _report(results, len(jobs), time.perf_counter() - start, args.summary)


def one_file(task, source, output, show_progress=False, check=None):
    """Run ``task`` on ``source`` into ``output`` (replaced if it exists); returns the
    :class:`Picture` and the bytes written. Every check that needs no model comes first:
    the output path (:func:`jpegzoo.imageio.check_output`), ``check()`` (the caller's,
    e.g. of the output's name), the input; then the model loads and the work runs, under
    progress bars with ``show_progress``."""
    from jpegzoo.imageio import check_output, write_atomic

    check_output(output, inputs=[source])
    if check is not None:
        check()
    picture = task.read(source)
    with progress.bars(show_progress):
        task.prepare()
        data = task.write(picture)
    write_atomic(output, data, inputs=[source])
    return picture, data


# --- plan ----------------------------------------------------------------------------------

def plan(paths, out_dir, suffix, recursive=False, inputs=IMAGE_SUFFIXES):
    """The :class:`Job` of every input under ``paths`` (files, folders, globs; the files
    of folders and globs: those ending in one of ``inputs``), outputs under ``out_dir``
    with ``suffix``, in a stable order; ValueError (one line) for
    inputs that do not exist, no inputs at all, clashing outputs and an output folder
    that cannot be written (made if missing, once the inputs are known)."""
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ValueError(f"{out_dir}: --out-dir is not a folder")
    jobs, made_by = [], {}
    for path in paths:
        for source, relative in _inputs(path, recursive, out_dir, inputs):
            output = os.path.join(out_dir, os.path.splitext(relative)[0] + suffix)
            key = os.path.normcase(os.path.abspath(output))
            if key in made_by:
                raise ValueError(f"{made_by[key]} and {source} would both write {output}; "
                                 "give their folder instead, so that outputs keep their "
                                 "relative paths")
            if os.path.exists(output) and os.path.samefile(output, source):
                raise ValueError(f"{source}: its output would be the input itself; choose "
                                 "another --out-dir")
            made_by[key] = source
            jobs.append(Job(source, output))
    if not jobs:
        raise ValueError(f"no images in {', '.join(paths)} (images: "
                         f"{', '.join(inputs)}; -r for subfolders)")
    _make_out_dir(out_dir)
    return jobs


def _inputs(path, recursive, out_dir, suffixes):
    """(source, path relative to its root) of each input ``path`` names, sorted."""
    if os.path.isdir(path):
        return [(s, os.path.relpath(s, path))
                for s in _folder_images(path, recursive, out_dir, suffixes)]
    if os.path.isfile(path):
        return [(path, os.path.basename(path))]
    if glob.has_magic(path):
        root = _glob_root(path)
        found = sorted(p for p in glob.glob(path, recursive=True)
                       if os.path.isfile(p) and p.lower().endswith(suffixes)
                       and not _inside(p, out_dir))
        if not found:
            raise ValueError(f"{path}: no image file matches")
        return [(s, os.path.relpath(s, root)) for s in found]
    raise ValueError(f"{path}: no such file or folder")


def _folder_images(folder, recursive, out_dir, suffixes):
    found = []
    for parent, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and recursive
                            and not _inside(os.path.join(parent, f), out_dir))
        found += [os.path.join(parent, f) for f in sorted(files)
                  if not f.startswith(".") and f.lower().endswith(suffixes)]
    return found


def _inside(path, folder):
    """Whether ``path`` is ``folder`` or lies under it."""
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder


def _glob_root(pattern):
    """The folder a glob's matches are relative to: its parts before the first wildcard."""
    parts = pattern.split(os.sep)
    fixed = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return os.sep.join(fixed) or ("/" if pattern.startswith(os.sep) else ".")


def _make_out_dir(out_dir):
    from jpegzoo.imageio import check_output

    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as error:
        raise ValueError(f"{out_dir}: cannot make the output folder "
                         f"({error.strerror or error})") from None
    check_output(os.path.join(out_dir, "probe"))  # may we write there?


def _check_summary(path, jobs):
    from jpegzoo.imageio import check_output

    check_output(path, inputs=[job.source for job in jobs])


# --- run -----------------------------------------------------------------------------------

def execute(jobs, task, workers=1, force=False, metrics=False, show_progress=False):
    """Yield the :class:`Result` of every job as it finishes (``workers`` processes; 1:
    here), drawing a bar on stderr with ``show_progress``."""
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), unit="file", desc="files", disable=not show_progress,
               file=sys.stderr, dynamic_ncols=True)
    saved = 0
    try:
        for result in (_here(jobs, task, force, metrics) if workers == 1
                       else _in_workers(jobs, task, workers, force, metrics)):
            if result.status == "written":
                saved += result.bytes_in - result.bytes_out
            bar.set_postfix_str(f"saved {_megabytes(saved)}", refresh=False)
            bar.update()
            yield result
    finally:
        bar.close()


def _here(jobs, task, force, metrics):
    for job in jobs:
        yield process(job, task, force, metrics)


def _in_workers(jobs, task, workers, force, metrics):
    pool = ProcessPoolExecutor(min(workers, len(jobs)),
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(task,))
    try:
        futures = {pool.submit(_process_in_worker, job, force, metrics): job for job in jobs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:  # a worker was killed (out of memory, say)
                yield Result(futures[future], "failed",
                             error="its worker process died (out of memory?)")
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():  # the workers, mid-file
            child.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def process(job, task, force=False, metrics=False):
    """Do ``job`` (write its output unless a complete one exists, or ``force``) and
    measure it; failures become a "failed" :class:`Result`, never an exception."""
    result = Result(job, "failed")
    try:
        result.bytes_in = os.path.getsize(job.source)
        skip = not force and _existing_output(job.output)
        if skip and not metrics:  # sizes only: no need to decode the input
            result.width, result.height = _image_size(job.source)
            result.bytes_out = os.path.getsize(job.output)
        else:
            picture = task.read(job.source)
            data = _read(job.output) if skip else _write(job, task, picture)
            result.height, result.width = picture.pixels.shape[:2]
            result.bytes_out = len(data)
            if metrics:
                _measure(result, picture.pixels, task.decode(data))
        result.status = "skipped" if skip else "written"
    except Exception as error:  # noqa: BLE001 -- one file's failure must not stop the rest
        result.error = _one_line(error)
    return result


def _write(job, task, picture):
    from jpegzoo.imageio import write_atomic

    task.prepare()
    data = task.write(picture)
    os.makedirs(os.path.dirname(job.output) or ".", exist_ok=True)
    write_atomic(job.output, data, inputs=[job.source])
    return data


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _image_size(path):
    """(width, height) from an image file's header."""
    from PIL import Image

    with Image.open(path) as image:
        return image.size


def _existing_output(path):
    """True if ``path`` holds a complete output (it was written atomically); False if it
    does not exist; ValueError if it holds something else (never overwritten unasked)."""
    if not os.path.exists(path):
        return False
    if not os.path.isfile(path) or not _complete(path):
        raise ValueError(f"{path}: exists and is not a complete output; --force replaces it")
    return True


def _complete(path):
    """Whether the file at ``path`` is whole: a JPEG ending in its EOI marker, a ``.jzc``
    file whose checksum holds, anything else not empty."""
    from jpegzoo.jzc import MAGIC, read_jzc

    with open(path, "rb") as handle:
        data = handle.read()
    if data.startswith(b"\xff\xd8"):
        return data.rstrip(b"\0").endswith(b"\xff\xd9")
    if data.startswith(MAGIC):
        try:
            read_jzc(data)
        except ValueError:
            return False
        return True
    return bool(data)


def _measure(result, reference, decoded):
    from jpegzoo import metrics

    result.psnr = metrics.psnr(reference, decoded)
    result.psnr_y = metrics.psnr_y(reference, decoded)


# --- worker processes -------------------------------------------------------------------

_WORKER_TASK = None


def _start_worker(task):
    """Worker initializer: keep the task; Ctrl-C is the parent's to handle (it reaches
    the whole process group); SIGTERM unwinds the current file (its temporary file is
    removed) and ends the worker."""
    global _WORKER_TASK
    _WORKER_TASK = task
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)


class _Stopped(BaseException):
    """Raised in a worker by SIGTERM."""


def _stop_worker(signum, frame):
    raise _Stopped


def _process_in_worker(job, force, metrics):
    try:
        return process(job, _WORKER_TASK, force, metrics)
    except _Stopped:
        os._exit(128 + signal.SIGTERM)  # the file's temporary file is gone; so are we


class _terminate_as_interrupt:
    """Inside the block, SIGTERM stops the command as Ctrl-C does (KeyboardInterrupt)."""

    def __enter__(self):
        self.previous = signal.signal(signal.SIGTERM, self._interrupt)

    def __exit__(self, *exc):
        signal.signal(signal.SIGTERM, self.previous)

    @staticmethod
    def _interrupt(signum, frame):
        raise KeyboardInterrupt


# --- report --------------------------------------------------------------------------------

def _report(results, planned, seconds, summary, interrupted=False):
    """Print the totals (stdout) and failures (stderr), write ``summary``; exit status."""
    if summary:
        _write_summary(summary, results)
    counts = {s: sum(r.status == s for r in results) for s in ("written", "skipped", "failed")}
    written = [r for r in results if r.status == "written"]
    bytes_in, bytes_out = (sum(r.bytes_in for r in written), sum(r.bytes_out for r in written))
    line = (f"{len(results)} of {planned} files in {seconds:.1f} s "
            f"({len(results) / max(seconds, 1e-9):.2f} files/s): {counts['written']} written, "
            f"{counts['skipped']} skipped (already there), {counts['failed']} failed")
    if written:
        line += (f"; written: {_megabytes(bytes_in)} -> {_megabytes(bytes_out)} (saved "
                 f"{_megabytes(bytes_in - bytes_out)})")
    print(line + (f"; summary in {summary}" if summary else ""))
    if interrupted:
        print(f"jpegzoo: {planned - len(results)} files left; run the same command again to "
              "resume (finished outputs are kept)", file=sys.stderr)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        print(f"jpegzoo: error: {len(failed)} of {planned} files failed:", file=sys.stderr)
        for result in sorted(failed, key=lambda r: r.job.source):
            named = result.error.startswith((result.job.source, result.job.output))
            print(f"  {'' if named else result.job.source + ': '}{result.error}",
                  file=sys.stderr)
        return EXIT_FAILED
    return 0


def _write_summary(path, results):
    """The ``--summary`` CSV (:data:`SUMMARY_FIELDS`, a row per file in input order),
    written atomically."""
    import io

    from jpegzoo.imageio import write_atomic

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(r.row() for r in sorted(results, key=lambda r: r.job.source))
    write_atomic(path, buffer.getvalue().encode())


def _megabytes(count):
    return f"{count / 1e6:.1f} MB" if abs(count) >= 1e5 else f"{count / 1e3:.1f} kB"


def _one_line(error):
    """The error's one-line message; the exception's type first where it is not an input
    error (a bug, or MemoryError)."""
    text = one_line(error)
    return text if isinstance(error, (ValueError, OSError)) else f"{type(error).__name__}: {text}"
