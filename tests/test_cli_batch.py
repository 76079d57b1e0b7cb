"""Many files per command: ``jpegzoo encode IN [IN ...] --out-dir DIR`` (jpegzoo.cli.batch)."""

import csv
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from jpegzoo.cli import batch, main

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _image(path, size=(20, 28), seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, size + (3,), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture
def photos(tmp_path):
    """photos/a.png, photos/b.jpg, photos/sub/c.png, photos/sub/deeper/d.bmp, and a
    non-image and a hidden file that are not inputs."""
    root = tmp_path / "photos"
    for index, name in enumerate(["a.png", "b.jpg", "sub/c.png", "sub/deeper/d.bmp"]):
        _image(root / name, seed=index)
    (root / "notes.txt").write_text("not an image")
    _image(root / ".hidden.png")
    return root


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_folder_keeps_relative_paths_with_the_methods_suffix(capsys, tmp_path, photos):
    out = tmp_path / "out"
    status, stdout, err = _run(capsys, "encode", photos, "-r", "--out-dir", out, "--method",
                               "pillow")
    assert status == 0, err
    assert _tree(out) == ["a.jpg", "b.jpg", "sub/c.jpg", "sub/deeper/d.jpg"]
    for path in out.rglob("*.jpg"):
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.size == (28, 20)
    assert "4 of 4 files" in stdout and "4 written" in stdout and "0 failed" in stdout
    assert err == ""  # stderr is not a terminal: no bar


def test_without_r_a_folder_gives_its_own_images_only(capsys, tmp_path, photos):
    out = tmp_path / "out"
    assert _run(capsys, "encode", photos, "--out-dir", out, "--method", "pillow")[0] == 0
    assert _tree(out) == ["a.jpg", "b.jpg"]


def test_files_and_globs(capsys, tmp_path, photos):
    out = tmp_path / "out"
    status, _, err = _run(capsys, "encode", photos / "a.png", f"{photos}/**/*.png",
                          "--out-dir", out, "--method", "pillow", "--force")
    # a.png twice: once as a file, once from the glob -- one output, refused as a clash
    assert status == 2 and "would both write" in err
    status, _, err = _run(capsys, "encode", f"{photos}/**/*.png", "--out-dir", out,
                          "--method", "pillow")
    assert status == 0, err
    assert _tree(out) == ["a.jpg", "sub/c.jpg"]


def test_learned_codec_outputs_are_jzc(capsys, tmp_path, photos):
    out = tmp_path / "out"
    status, _, err = _run(capsys, "encode", photos / "a.png", photos / "sub" / "c.png",
                          "--out-dir", out, "--method", "dct_ae", "-q", "1")
    assert status == 0, err
    assert _tree(out) == ["a.jzc", "c.jzc"]


def test_existing_outputs_are_skipped_and_force_replaces_them(capsys, tmp_path, photos):
    out = tmp_path / "out"
    argv = ["encode", photos, "--out-dir", out, "--method", "pillow"]
    assert _run(capsys, *argv)[0] == 0
    before = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    (out / "a.jpg").write_bytes((out / "a.jpg").read_bytes())  # a complete file of ours
    time.sleep(0.01)
    status, stdout, _ = _run(capsys, *argv)
    assert status == 0 and "0 written, 2 skipped" in stdout
    assert (out / "b.jpg").stat().st_mtime_ns == before[out / "b.jpg"]
    status, stdout, _ = _run(capsys, *argv, "--force")
    assert status == 0 and "2 written, 0 skipped" in stdout
    assert (out / "b.jpg").stat().st_mtime_ns != before[out / "b.jpg"]


def test_an_incomplete_output_is_never_overwritten_unasked(capsys, tmp_path, photos):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    status, stdout, err = _run(capsys, "encode", photos, "--out-dir", out, "--method", "pillow")
    assert status == 1
    assert "1 written" in stdout and "1 failed" in stdout
    assert "a.jpg: exists and is not a complete output; --force replaces it" in err
    assert (out / "a.jpg").read_bytes() == b"\xff\xd8\xff\xe0 cut short"
    assert _run(capsys, "encode", photos, "--out-dir", out, "--method", "pillow",
                "--force")[0] == 0


def test_a_failing_file_is_listed_and_the_others_finish(capsys, tmp_path, photos):
    Image.new("RGBA", (8, 8)).save(photos / "alpha.png")
    (photos / "broken.png").write_bytes(b"\x89PNG broken")
    out = tmp_path / "out"
    status, stdout, err = _run(capsys, "encode", photos, "--out-dir", out, "--method", "pillow")
    assert status == 1
    assert _tree(out) == ["a.jpg", "b.jpg"]
    lines = err.strip().splitlines()
    assert lines[0] == "jpegzoo: error: 2 of 4 files failed:"
    assert lines[1].startswith(f"  {photos / 'alpha.png'}: ") and "alpha channel" in lines[1]
    assert lines[2].startswith(f"  {photos / 'broken.png'}: ") and len(lines) == 3
    assert lines[1].count("alpha.png") == 1


def test_summary_csv_with_metrics(capsys, tmp_path, photos):
    from jpegzoo import metrics
    from jpegzoo.imageio import decode_jpeg, read_image

    out, summary = tmp_path / "out", tmp_path / "summary.csv"
    status, _, err = _run(capsys, "encode", photos, "-r", "--out-dir", out, "--method",
                          "baseline", "-q", "60", "--summary", summary, "--metrics")
    assert status == 0, err
    with open(summary) as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(batch.SUMMARY_FIELDS)
    assert [os.path.relpath(r["input"], photos) for r in rows] == \
        ["a.png", "b.jpg", "sub/c.png", "sub/deeper/d.bmp"]
    for row in rows:
        data = open(row["output"], "rb").read()
        assert row["status"] == "written" and int(row["bytes_out"]) == len(data)
        assert int(row["bytes_in"]) == os.path.getsize(row["input"])
        assert (int(row["width"]), int(row["height"])) == (28, 20)
        assert float(row["bpp"]) == pytest.approx(8 * len(data) / (28 * 20), abs=1e-4)
        psnr = metrics.psnr(read_image(row["input"]), decode_jpeg(data))
        assert float(row["psnr"]) == pytest.approx(psnr, abs=1e-4)
        assert float(row["psnr_y"]) > 0 and row["error"] == ""
    # resumed: every row again, skipped, with the same measures
    status, _, err = _run(capsys, "encode", photos, "-r", "--out-dir", out, "--method",
                          "baseline", "-q", "60", "--summary", summary, "--metrics")
    with open(summary) as handle:
        again = list(csv.DictReader(handle))
    assert [r["status"] for r in again] == ["skipped"] * 4
    assert [(r["bytes_out"], r["psnr"]) for r in again] == \
        [(r["bytes_out"], r["psnr"]) for r in rows]


def test_plan_refuses_before_any_work(capsys, tmp_path, photos):
    _image(photos / "a.jpg")  # a.png and a.jpg would both make a.jpg
    out = tmp_path / "out"
    status, _, err = _run(capsys, "encode", photos, "--out-dir", out, "--method", "pillow")
    assert status == 2 and "would both write" in err and "a.jpg" in err
    assert not out.exists()  # nothing made before the plan holds
    status, _, err = _run(capsys, "encode", photos / "b.jpg", "--out-dir", photos, "--method",
                          "pillow")
    assert status == 2 and "would be the input itself" in err
    for missing in (tmp_path / "nothing", f"{tmp_path}/*.none"):
        status, _, err = _run(capsys, "encode", missing, "--out-dir", out)
        assert status == 2 and str(missing) in err
    empty = tmp_path / "empty"
    empty.mkdir()
    status, _, err = _run(capsys, "encode", empty, "--out-dir", out)
    assert status == 2 and "no images" in err
    (tmp_path / "file").write_bytes(b"")
    status, _, err = _run(capsys, "encode", photos, "--out-dir", tmp_path / "file")
    assert status == 2 and "not a folder" in err


def test_an_out_dir_inside_the_input_folder_is_not_read_back(capsys, photos):
    out = photos / "small"
    argv = ["encode", photos, "-r", "--out-dir", out, "--method", "pillow"]
    assert _run(capsys, *argv)[0] == 0
    status, stdout, _ = _run(capsys, *argv)
    assert status == 0 and "4 of 4 files" in stdout and "4 skipped" in stdout


def test_interrupt_keeps_finished_outputs_and_resumes(capsys, tmp_path, photos, monkeypatch):
    from jpegzoo.cli import encode

    calls = []
    write = encode.EncodeTask.write

    def interrupted_second(self, picture):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return write(self, picture)

    out = tmp_path / "out"
    argv = ["encode", photos, "-r", "--out-dir", out, "--method", "pillow"]
    monkeypatch.setattr(encode.EncodeTask, "write", interrupted_second)
    status, stdout, err = _run(capsys, *argv)
    assert status == 130
    assert "1 of 4 files" in stdout and "3 files left" in err and "resume" in err
    assert _tree(out) == ["a.jpg"]  # no partial or temporary file
    monkeypatch.undo()
    status, stdout, _ = _run(capsys, *argv)
    assert status == 0 and "3 written, 1 skipped" in stdout


def test_worker_processes_write_the_same_files(capsys, tmp_path, photos):
    one, two = tmp_path / "one", tmp_path / "two"
    for out, jobs in ((one, "1"), (two, "2")):
        status, _, err = _run(capsys, "encode", photos, "-r", "--out-dir", out, "--method",
                              "pillow", "-q", "50", "-j", jobs)
        assert status == 0, err
    assert _tree(one) == _tree(two)
    for name in _tree(one):
        assert (one / name).read_bytes() == (two / name).read_bytes()


def test_progress_bar_only_when_asked(capsys, tmp_path, photos):
    argv = ["encode", photos, "--out-dir", tmp_path / "out", "--method", "pillow"]
    status, _, err = _run(capsys, *argv, "--progress")
    assert status == 0 and "file/s" in err and "saved" in err and "2/2" in err
    status, _, err = _run(capsys, *argv, "--progress", "--quiet")
    assert status == 2 and "not allowed" in err


@pytest.mark.slow
def test_sigterm_stops_workers_mid_file_and_the_run_resumes(tmp_path):
    """A real interrupt: SIGTERM to the command while two workers code files; the
    finished outputs are complete, no temporary file is left, the same command resumes."""
    folder = tmp_path / "in"
    for index in range(8):
        _image(folder / f"{index}.png", size=(96, 96), seed=index)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "jpegzoo.cli", "encode", str(folder), "--out-dir",
               str(out), "--method", "lossless", "-j", "2"]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and not (out.exists() and any(out.glob("*.jzc"))):
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "resume" in stderr
    done = sorted(p.name for p in out.iterdir())
    assert done and all(name.endswith(".jzc") for name in done), done  # no .tmp files
    assert len(done) < 8
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert f"{len(done)} skipped" in result.stdout
    assert len(list(out.iterdir())) == 8


class GreyTask:
    """Another command's task: grey PNG copies (how an ``optimize`` command would reuse
    the batch machinery); ``die_on``: a file name on which the worker process dies."""

    suffix = ".png"

    def __init__(self, die_on=None):
        self.die_on = die_on

    def prepare(self):
        pass

    def read(self, source):
        from jpegzoo.imageio import read_image

        return batch.Picture(read_image(source))

    def write(self, picture):
        import io

        if self.die_on is not None and picture.pixels.shape == self.die_on:
            os._exit(3)
        buffer = io.BytesIO()
        Image.fromarray(picture.pixels).convert("L").save(buffer, "PNG")
        return buffer.getvalue()

    def decode(self, data):
        import io

        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def _batch_args(paths, out, **options):
    import argparse

    from jpegzoo.cli import progress

    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    batch.add_arguments(parser)
    progress.add_arguments(parser)
    argv = [str(p) for p in paths] + ["--out-dir", str(out)]
    for name, value in options.items():
        argv += [f"--{name}"] + ([] if value is True else [str(value)])
    return parser.parse_args(argv)


def test_another_command_reuses_the_batch_with_one_call(capsys, tmp_path, photos):
    status = batch.run(_batch_args([photos], tmp_path / "out", recursive=True), GreyTask())
    out, _ = capsys.readouterr()
    assert status == 0 and "4 written" in out
    assert _tree(tmp_path / "out") == ["a.png", "b.png", "sub/c.png", "sub/deeper/d.png"]
    with Image.open(tmp_path / "out" / "a.png") as image:
        assert image.mode == "L"


def test_a_worker_that_dies_fails_its_files_without_a_traceback(capsys, tmp_path, photos):
    _image(photos / "z.png", size=(9, 9))
    status = batch.run(_batch_args([photos], tmp_path / "out", jobs=2),
                       GreyTask(die_on=(9, 9, 3)))
    out, err = capsys.readouterr()
    assert status == 1 and "Traceback" not in err
    assert "z.png: its worker process died" in err
