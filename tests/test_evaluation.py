"""The resumable per-image runner behind the benchmarks."""

import csv

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
