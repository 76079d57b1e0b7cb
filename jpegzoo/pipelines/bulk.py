"""One task over every file an input pattern matches, on Apache Beam (``jpegzoo bulk``).

The task is the one ``jpegzoo encode --out-dir`` and ``jpegzoo optimize --out-dir`` run per
file (any object with ``suffix``, ``prepare()``, ``read(path)`` and ``write(picture)``, as
:class:`jpegzoo.cli.batch.Task` describes; it must pickle), so each output holds the same
bytes the command line writes for that file. The pipeline::

    MatchFiles(INPUT_PATTERN) -> files with the task's suffixes -> Reshuffle
        -> CodeFile: read (bounded), code, write OUTPUT_PREFIX/<relative path><suffix>
        -> manifest rows  -> OUTPUT_PREFIX/manifest.csv
        -> failed rows    -> OUTPUT_PREFIX/failed.csv (the dead-letter output)

* Paths: any of Beam's file systems (local paths; ``gs://``, ``s3://`` with Beam's
  extras). A pattern that names a folder (``photos/``) means every file under it; files
  without one of the task's suffixes, and hidden ones (``.name``), are left out. Each
  output keeps its input's path relative to the pattern's root (the folder before its
  first wildcard), with the task's suffix.
* Outputs are written under a temporary name and renamed, so an output that exists is
  complete: it is skipped (``force`` replaces it) and a rerun resumes a stopped job. An
  output never replaces its input.
* A file that fails (unreadable, corrupt, refused) becomes a row of the dead-letter output
  with a one-line reason; the pipeline goes on.
* Beam metrics (namespace ``jpegzoo``): ``files_written``, ``files_skipped``,
  ``files_failed``, ``bytes_in``, ``bytes_out`` (of the written files).
"""

import csv
import io
import os
from dataclasses import dataclass

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter

from jpegzoo.pipelines import files

#: Columns of the manifest (sizes in bytes and pixels, bits per pixel).
MANIFEST_FIELDS = ("input", "output", "status", "bytes_in", "bytes_out", "width", "height",
                   "bpp", "error")
FAILED_FIELDS = ("input", "error")
NAMESPACE = "jpegzoo"
COUNTERS = ("files_written", "files_skipped", "files_failed", "bytes_in", "bytes_out")
_WILDCARDS = "*?["


@dataclass(frozen=True)
class Layout:
    """Where outputs go: the input pattern's root and the output prefix (a folder)."""

    root: str
    prefix: str
    suffix: str

    def output(self, source):
        """The output path of input ``source``."""
        relative = source[len(self.root):].lstrip("/") if source.startswith(self.root) \
            else os.path.basename(source)
        return FileSystems.join(self.prefix, os.path.splitext(relative)[0] + self.suffix)


def resolve(input_pattern, output_prefix, suffix):
    """(the Beam file pattern, :class:`Layout`) of the command line's arguments: local
    paths made absolute, a folder turned into every file under it. The root is the
    pattern's folder before its first wildcard (a single file: its folder)."""
    pattern = files.input_pattern(input_pattern)
    cut = min((pattern.find(c) for c in _WILDCARDS if c in pattern), default=len(pattern))
    fixed = pattern[:cut]
    return pattern, Layout(fixed[:fixed.rfind("/") + 1], files.absolute(output_prefix),
                           suffix)


class CodeFile(beam.DoFn):
    """Codes one matched file with the task (module docstring); emits its manifest row,
    and failures also to the ``failed`` output."""

    FAILED = "failed"

    def __init__(self, task, layout, force=False):
        self.task = task
        self.layout = layout
        self.force = force
        self.counters = None

    def setup(self):
        self.counters = {name: Metrics.counter(NAMESPACE, name) for name in COUNTERS}

    def process(self, readable):
        source = readable.metadata.path
        output = self.layout.output(source)
        row = dict.fromkeys(MANIFEST_FIELDS, "")
        row.update(input=source, output=output, status="failed",
                   bytes_in=readable.metadata.size_in_bytes)
        try:
            if output == source:
                raise ValueError(f"{source}: the output would replace the input")
            if not self.force and FileSystems.exists(output):
                row.update(status="skipped", bytes_out=_size(output))
                self.counters["files_skipped"].inc()
            else:
                self._code(readable, row)
        except Exception as error:  # noqa: BLE001 -- a failing file is reported, not fatal
            row["error"] = files.one_line(error)
            self.counters["files_failed"].inc()
            yield beam.pvalue.TaggedOutput(self.FAILED, {"input": source,
                                                         "error": row["error"]})
        yield row

    def _code(self, readable, row):
        with files.local_copy(readable) as (local, data):
            try:
                picture = self.task.read(local)
                self.task.prepare()
                coded = self.task.write(picture)
            except MemoryError:
                raise ValueError(f"{row['input']}: not enough memory to code it") from None
        files.write_atomic(row["output"], coded)
        height, width = picture.pixels.shape[:2]
        row.update(status="written", bytes_out=len(coded), width=width, height=height,
                   bpp=f"{8 * len(coded) / (width * height):.4f}")
        self.counters["files_written"].inc()
        self.counters["bytes_in"].inc(len(data))
        self.counters["bytes_out"].inc(len(coded))


def _size(path):
    return FileSystems.match([path])[0].metadata_list[0].size_in_bytes


def _csv_line(fields):
    def line(row):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow([row.get(f, "") for f in fields])
        return buffer.getvalue()
    return line


def _input_filter(root, suffixes):
    """Whether a matched file is an input: its suffix is one the task takes and no part
    of its path below the root is hidden (``.name``), as the command line's folders."""
    def is_input(metadata):
        relative = metadata.path[len(root):] if metadata.path.startswith(root) else \
            os.path.basename(metadata.path)
        return (os.path.splitext(metadata.path)[1].lower() in suffixes
                and not any(part.startswith(".") for part in relative.split("/")))
    return is_input


def build(pipeline, pattern, layout, task, suffixes, force=False):
    """Add the bulk pipeline to ``pipeline``; returns the (manifest, failed) collections
    of rows (dicts)."""
    coded = (pipeline
             | "Match" >> fileio.MatchFiles(pattern)
             | "Inputs" >> beam.Filter(_input_filter(layout.root, suffixes))
             | "Spread" >> beam.Reshuffle()
             | "Read" >> fileio.ReadMatches()
             | "Code" >> beam.ParDo(CodeFile(task, layout, force)).with_outputs(
                 CodeFile.FAILED, main="manifest"))
    for name, rows, fields in (("manifest", coded.manifest, MANIFEST_FIELDS),
                               ("failed", coded.failed, FAILED_FIELDS)):
        (rows
         | f"{name} as CSV" >> beam.Map(_csv_line(fields))
         | f"Write {name}" >> beam.io.WriteToText(
             FileSystems.join(layout.prefix, name), file_name_suffix=".csv",
             shard_name_template="", num_shards=1, header=",".join(fields)))
    return coded.manifest, coded.failed


def counters(result):
    """The pipeline's jpegzoo counters, ``{name: value}`` (committed where the runner
    reports them, else attempted)."""
    found = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))["counters"]
    values = dict.fromkeys(COUNTERS, 0)
    for counter in found:
        value = counter.committed if counter.committed is not None else counter.attempted
        values[counter.key.metric.name] += value or 0
    return values
