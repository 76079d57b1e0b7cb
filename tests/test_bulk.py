"""``jpegzoo bulk``: the per-file tasks of ``encode``/``optimize --out-dir`` as an Apache
Beam pipeline on the DirectRunner (jpegzoo.pipelines.bulk)."""

import csv
import os

import numpy as np
import pytest
from PIL import Image

from jpegzoo.cli import main
from jpegzoo.pipelines import bulk


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _image(path, size=(40, 56), seed=0, suffix_format=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    pixels = np.asarray(Image.fromarray(base).resize(size[::-1], Image.BILINEAR))
    Image.fromarray(pixels).save(path, **({"quality": 95} if path.suffix == ".jpg" else {}))
    return path


@pytest.fixture
def photos(tmp_path):
    """photos/a.png, b.jpg, sub/c.png, a corrupt bad.png, a hidden and a non-image file."""
    root = tmp_path / "photos"
    for index, name in enumerate(["a.png", "b.jpg", "sub/c.png"]):
        _image(root / name, seed=index)
    (root / "bad.png").write_bytes((root / "a.png").read_bytes()[:300])
    (root / "notes.txt").write_text("not an image")
    _image(root / ".hidden.png", seed=9)
    return root


def _rows(path):
    with open(path, newline="") as handle:
        return {os.path.basename(r["input"]): r for r in csv.DictReader(handle)}


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.jpg"))


def test_bulk_writes_the_command_lines_bytes_and_a_dead_letter_file(photos, tmp_path, capsys):
    out = tmp_path / "out"
    status, stdout, stderr = _run(capsys, "bulk", photos, out, "--method", "baseline",
                                  "-q", 60)
    assert status == 1  # one input failed; the others were written
    assert "3 written, 0 skipped, 1 failed" in stdout
    assert "bad.png" in stderr or "failed.csv" in stderr
    assert _files(out) == ["a.jpg", "b.jpg", "sub/c.jpg"]
    cli = tmp_path / "cli"
    assert _run(capsys, "encode", photos / "a.png", photos / "b.jpg", photos / "sub",
                "--out-dir", cli, "--method", "baseline", "-q", 60, "--quiet")[0] == 0
    for name in ("a.jpg", "b.jpg"):
        assert (out / name).read_bytes() == (cli / name).read_bytes()
    assert (out / "sub/c.jpg").read_bytes() == (cli / "c.jpg").read_bytes()
    manifest = _rows(out / "manifest.csv")
    assert set(manifest) == {"a.png", "b.jpg", "c.png", "bad.png"}
    assert manifest["a.png"]["status"] == "written"
    assert int(manifest["a.png"]["bytes_out"]) == (out / "a.jpg").stat().st_size
    assert (manifest["a.png"]["width"], manifest["a.png"]["height"]) == ("56", "40")
    failed = _rows(out / "failed.csv")
    assert list(failed) == ["bad.png"] and "truncated" in failed["bad.png"]["error"]
    assert str(photos / "bad.png") in failed["bad.png"]["error"]  # the input's own path
    assert not list(out.rglob("*.part-*"))
    # a rerun skips what exists (resumable), --force writes again
    status, stdout, _ = _run(capsys, "bulk", photos, out, "--method", "baseline", "-q", 60)
    assert "0 written, 3 skipped, 1 failed" in stdout
    assert _rows(out / "manifest.csv")["a.png"]["status"] == "skipped"
    status, stdout, _ = _run(capsys, "bulk", photos / "*.png", out, "--method", "baseline",
                             "-q", 60, "--force")
    assert "1 written, 0 skipped, 1 failed" in stdout


def test_bulk_optimize_recodes_jpegs_as_optimize_does(tmp_path, capsys):
    source = tmp_path / "jpegs"
    for index in range(3):
        _image(source / f"p{index}.jpg", seed=index)
    out, cli = tmp_path / "out", tmp_path / "cli"
    status, stdout, _ = _run(capsys, "bulk", f"{source}/*.jpg", out, "--method", "optimize",
                             "-j", 2)
    assert status == 0 and "3 written, 0 skipped, 0 failed" in stdout
    assert _run(capsys, "optimize", source, "--out-dir", cli, "--quiet")[0] == 0
    for index in range(3):
        name = f"p{index}.jpg"
        assert (out / name).read_bytes() == (cli / name).read_bytes()
        assert np.array_equal(np.asarray(Image.open(out / name)),
                              np.asarray(Image.open(source / name)))  # lossless


@pytest.mark.parametrize("argv, message", [
    (["--method", "cae", "--subsampling", "420"], "--subsampling does not apply"),
    (["--method", "optimize", "--lambda", "2"], "--lambda does not apply"),
    (["--method", "optimize", "--tune", "psnr"], "--tune applies to lossy"),
    (["--method", "optimize", "-q", 300], "IJG quality 1..100"),
    (["--method", "nosuch"], "unknown method"),
])
def test_bulk_refuses_options_that_do_not_apply_in_one_line(tmp_path, capsys, argv, message):
    status, _, stderr = _run(capsys, "bulk", tmp_path, tmp_path / "out", *argv)
    assert status == 2 and message in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_bulk_says_when_nothing_matches(tmp_path, capsys):
    status, _, stderr = _run(capsys, "bulk", tmp_path / "*.png", tmp_path / "out",
                             "--method", "baseline")
    assert status == 2 and "no input file matches" in stderr
    assert len(stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("pattern, root", [
    ("/data/photos/", "/data/photos/"), ("/data/photos/*.png", "/data/photos/"),
    ("/data/**/x?.jpg", "/data/"), ("gs://bucket/set/*/*.png", "gs://bucket/set/"),
    ("/data/one.png", "/data/"),
])
def test_outputs_keep_the_path_below_the_patterns_root(pattern, root):
    _, layout = bulk.resolve(pattern, "/out", ".jpg")
    assert layout.root == root
    assert layout.output(root + "a/b.png") == "/out/a/b.jpg"
