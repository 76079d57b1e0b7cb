"""The JPEG anchors jpegzoo's encoders are held to, on Kodak and on the validation split of
the training photos, and BD-rates of any encoder against them.

Anchors (:data:`ANCHORS`, each ``encode(image uint8 [H, W, 3], quality) -> JPEG bytes``):

* ``libjpeg_turbo``: Pillow's libjpeg-turbo, IJG tables, 4:2:0, optimized Huffman tables;
* ``mozjpeg_420`` / ``mozjpeg_444``: mozjpeg 4.0.3 as ``cjpeg -quality Q -sample 2x2``
  / ``-sample 1x1`` runs it (its tables, trellis quantization, progressive scans;
  byte-identical to cjpeg, :func:`jpegzoo.reference_codecs.mozjpeg_cjpeg_encode`);
* ``jpegli``: pyjpegli at its defaults for Q (sequential 4:2:0 in pyjpegli 0.3).

Image sets (:func:`image_sets`): the 24 Kodak images, and the ``validation`` part of
``../shared/data/train`` as jpegzoo's trainers split it
(:func:`jpegzoo.datasets.folder_split.partition`, fraction 0.1: 4 photos of about 1 MP).

Every file is decoded by Pillow and measured with :func:`jpegzoo.evaluation.measure`:
bytes, bpp, PSNR and Y-PSNR (dB), SSIM, MS-SSIM, SSIMULACRA2. BD-rates (pchip,
:func:`jpegzoo.metrics.bd_rate`) are taken between the mean curves of a set (bpp and
each metric averaged over its images at each quality setting), on PSNR, SSIM and MS-SSIM
in dB (:func:`jpegzoo.metrics.ssim_db` of the mean) and SSIMULACRA2, over the quality
range the two curves share.

Use from other benchmarks (the anchors' measurements are read from ``results/anchors.csv``)::

    sys.path.insert(0, "benchmarks/anchors")
    import anchors
    table = anchors.bd_rates_against_anchors(my_encode, qualities=range(10, 100, 5))
    print(anchors.format_bd_rates(table))
"""

from __future__ import annotations

import csv
import functools
import math
import os
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "shared", "data")
RESULTS_CSV = os.path.join(HERE, "results", "anchors.csv")
#: The quality sweep of the anchors: IJG-style qualities (jpegli and mozjpeg use the scale
#: too, with their own tables).
QUALITIES = (10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95)
QUALITY_METRICS = ("ssim", "ms_ssim", "ssimulacra2")
#: Curve fields BD-rates are taken on, with their labels (higher is better on each).
BD_METRICS = {"psnr": "PSNR", "ssim_db": "SSIM (dB)", "ms_ssim_db": "MS-SSIM (dB)",
              "ssimulacra2": "SSIMULACRA2"}
FIELDS = ["set", "image", "encoder", "quality", "bytes", "bpp", "psnr", "psnr_y", "ssim",
          "ms_ssim", "ssimulacra2", "encode_seconds"]


def libjpeg_turbo(image, quality):
    from jpegzoo.reference_codecs import pillow_encode

    return pillow_encode(image, quality, "420", optimize=True)


def mozjpeg_420(image, quality):
    from jpegzoo.reference_codecs import mozjpeg_cjpeg_encode

    return mozjpeg_cjpeg_encode(image, quality, "420")


def mozjpeg_444(image, quality):
    from jpegzoo.reference_codecs import mozjpeg_cjpeg_encode

    return mozjpeg_cjpeg_encode(image, quality, "444")


def jpegli(image, quality):
    from jpegzoo.reference_codecs import jpegli_encode

    return jpegli_encode(image, quality)


ANCHORS = {"libjpeg_turbo": libjpeg_turbo, "mozjpeg_420": mozjpeg_420,
           "mozjpeg_444": mozjpeg_444, "jpegli": jpegli}


def image_sets(kodak=os.path.join(DATA, "kodak"), train=os.path.join(DATA, "train")):
    """``{"kodak": [paths], "validation": [paths]}``: Kodak's PNGs, and the validation
    part of the training photos as the trainers split them."""
    from jpegzoo.datasets.folder_split import list_images, partition

    kodak_paths = [os.path.join(kodak, p) for p in list_images(kodak) if p.endswith(".png")]
    validation = partition(list_images(train), 0.1)["validation"]
    sets = {"kodak": kodak_paths, "validation": [os.path.join(train, p) for p in validation]}
    for name, paths in sets.items():
        if not paths:
            raise ValueError(f"no images for the {name} set (looked in {kodak} and {train})")
    return sets


def measure_image(path, set_of, encoders, qualities, quality_metrics=QUALITY_METRICS):
    """Rows (dicts of :data:`FIELDS`) of one image: every encoder of ``encoders`` (name ->
    ``encode(image, quality) -> JPEG bytes``) at every quality; ``set_of`` maps paths to
    their set's name."""
    from jpegzoo import evaluation, metrics
    from jpegzoo.imageio import decode_jpeg, read_image

    image = read_image(path)
    height, width = image.shape[:2]
    name = os.path.splitext(os.path.basename(path))[0]
    rows = []
    for encoder, encode in encoders.items():
        for quality in qualities:
            start = time.perf_counter()
            data = encode(image, quality)
            seconds = time.perf_counter() - start
            scores = evaluation.measure(image, decode_jpeg(data), quality_metrics)
            rows.append({"set": set_of[path], "image": name, "encoder": encoder,
                         "quality": quality, "bytes": len(data),
                         "bpp": metrics.bpp(len(data), height, width),
                         **{f: scores[f] for f in FIELDS if f in scores},
                         "encode_seconds": round(seconds, 4)})
    return rows


def measure_sets(encoders, qualities, out_dir, sets=None, processes=1):
    """Measure ``encoders`` on every image of ``sets`` (default :func:`image_sets`),
    resumably (per-image CSVs in ``out_dir/images``, all rows in ``out_dir/points.csv``;
    see :func:`jpegzoo.evaluation.run_per_image`). Returns the rows (CSV strings)."""
    from jpegzoo.evaluation import run_per_image

    sets = sets or image_sets()
    set_of = {path: name for name, paths in sets.items() for path in paths}
    measure = functools.partial(measure_image, set_of=set_of, encoders=encoders,
                                qualities=tuple(qualities))
    return run_per_image(list(set_of), out_dir, measure, FIELDS, processes)


def read_rows(path=RESULTS_CSV):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def bd_rates(rows, tests, references, set_name):
    """``{test: {reference: {metric: BD-rate %}}}`` on the mean curves of ``set_name``'s
    rows (NaN where the curves do not overlap)."""
    from jpegzoo import metrics
    from jpegzoo.evaluation import mean_curves

    curves = mean_curves([r for r in rows if r["set"] == set_name], key="encoder")
    table = {}
    for test in tests:
        table[test] = {}
        for reference in references:
            if reference == test:
                continue
            table[test][reference] = {}
            for field in BD_METRICS:
                try:
                    value = metrics.bd_rate(curves[reference]["bpp"], curves[reference][field],
                                            curves[test]["bpp"], curves[test][field])
                except ValueError:
                    value = math.nan
                table[test][reference][field] = value
    return table


def bd_rates_against_anchors(encode, qualities=QUALITIES, name="test", sets=None,
                             anchors_csv=RESULTS_CSV, out_dir=None, processes=1):
    """BD-rates of ``encode(image uint8 [H, W, 3], quality) -> JPEG bytes`` against every
    anchor, on each set: ``{set: {anchor: {metric: percent}}}`` (negative: ``encode``
    needs fewer bits for equal quality).

    ``encode`` is measured at ``qualities`` (any scale of its own: only its rate-quality
    curves matter) like the anchors were (:func:`measure_image`); the anchors' rows come
    from ``anchors_csv``, for the same images (``sets`` may be a subset of
    :func:`image_sets`, e.g. for quick checks). ``out_dir`` keeps the per-image CSVs
    (resumable; default a temporary folder); ``processes`` > 1 needs a module-level
    ``encode``.
    """
    import tempfile

    if name in ANCHORS:
        raise ValueError(f"name {name!r} is an anchor's; give the tested encoder another name")
    with tempfile.TemporaryDirectory() as temporary:
        rows = measure_sets({name: encode}, qualities, out_dir or temporary, sets, processes)
    measured = {(r["set"], r["image"]) for r in rows}  # the anchors on the same images only
    anchor_rows = [r for r in read_rows(anchors_csv) if (r["set"], r["image"]) in measured]
    tables = {}
    for set_name in dict.fromkeys(r["set"] for r in rows):
        table = bd_rates(anchor_rows + rows, [name], list(ANCHORS), set_name)
        tables[set_name] = table[name]
    return tables


def format_bd_rates(tables, title="BD-rate", rows="against"):
    """Markdown: one table per set of ``{set: {row: {metric: %}}}`` (columns:
    :data:`BD_METRICS`; ``rows`` names the first column)."""
    lines = []
    for set_name, by_reference in tables.items():
        lines += [f"{title}, {set_name}:", "",
                  f"| {rows} | " + " | ".join(BD_METRICS.values()) + " |",
                  "|---|" + "---:|" * len(BD_METRICS)]
        for reference, values in by_reference.items():
            cells = [f"{values[f]:+.2f} %" if math.isfinite(values[f]) else "n/a"
                     for f in BD_METRICS]
            lines.append(f"| {reference} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)
