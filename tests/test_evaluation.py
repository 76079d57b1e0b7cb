"""The resumable per-image runner behind the benchmarks."""

import csv

import pytest

from jpegzoo.evaluation import run_per_image

CALLS = []


def _measure(path):
    CALLS.append(path)
    return [{"image": path, "value": len(path)}, {"image": path, "value": 0}]


def test_run_per_image_writes_merges_and_resumes(tmp_path):
    paths = ["/data/b.png", "/data/a.png"]
    rows = run_per_image(paths, str(tmp_path), _measure, ["image", "value"])
    assert CALLS == paths
    assert [r["image"] for r in rows] == ["/data/a.png"] * 2 + ["/data/b.png"] * 2
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == ["a.csv", "b.csv"]
    with open(tmp_path / "points.csv") as handle:
        assert list(csv.DictReader(handle)) == rows
    (tmp_path / "images" / "a.csv").unlink()
    run_per_image(paths, str(tmp_path), _measure, ["image", "value"])
    assert CALLS == paths + ["/data/a.png"]  # only the missing image is measured again


def test_summary_names_bd_rates_of_curves_that_do_not_overlap():
    import numpy as np

    from jpegzoo.evaluation import summary_table

    def curve(bpp, psnr):
        bpp, psnr = np.array(bpp, float), np.array(psnr, float)
        return {"quality": [1, 2, 3, 4], "bpp": bpp, "psnr": psnr, "psnr_y": psnr,
                "ms_ssim": 1 - 10 ** (-psnr / 20), "ms_ssim_db": psnr / 2}

    curves = {"anchor": curve([0.5, 1, 1.5, 2], [30, 33, 35, 37]),
              "near": curve([0.6, 1.1, 1.6, 2.1], [30, 33, 35, 37]),
              "far": curve([0.5, 1, 1.5, 2], [20, 21, 22, 23])}
    text = summary_table(curves, anchor="anchor")
    assert "- far: n/a (the curves do not overlap) (PSNR)" in text
    assert "- near: +" in text and "nan" not in text


def test_measure_and_mean_curves_report_every_metric():
    import math

    import numpy as np

    from jpegzoo import metrics
    from jpegzoo.evaluation import RDPoint, mean_curves, measure
    from jpegzoo.imageio import decode_jpeg
    from jpegzoo.reference_codecs import pillow_encode

    rng = np.random.default_rng(0)
    image = np.clip(128 + rng.normal(0, 40, (170, 180, 3)), 0, 255).astype(np.uint8)
    decoded = decode_jpeg(pillow_encode(image, 50))
    scores = measure(image, decoded)
    assert scores["ssimulacra2"] == metrics.ssimulacra2(image, decoded)
    assert scores["ms_ssim"] == metrics.ms_ssim(image, decoded)
    assert math.isnan(scores["butteraugli"])  # not asked for
    small = measure(image[:100, :100], decoded[:100, :100], ("ssim", "ms_ssim"))
    assert math.isnan(small["ms_ssim"]) and math.isnan(small["ssimulacra2"])
    points = [RDPoint("a", "m", q, 100, 1.0 + q, 30.0 + q, 30.0, 0.9 + q / 100, 0.99, 70.0,
                      math.nan) for q in (1, 2)]
    rows = [{k: str(v) for k, v in vars(p).items()} for p in points]  # as read from a CSV
    for curves in (mean_curves(points), mean_curves(rows)):
        np.testing.assert_allclose(curves["m"]["ssim_db"], [metrics.ssim_db(0.91),
                                                            metrics.ssim_db(0.92)])
        np.testing.assert_allclose(curves["m"]["ms_ssim_db"], [20.0, 20.0])
    with pytest.raises(ValueError, match="unknown"):
        measure(image, decoded, ("vmaf",))
