"""Tests of the ``jpegzoo`` command line (jpegzoo.cli).

Most cases call ``jpegzoo.cli.main`` in-process; one test runs the installed console
script, and one checks in a fresh interpreter that listing methods imports no TensorFlow.
"""

import io
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from crafted_files import png
from PIL import Image

from jpegzoo.cli import main
from jpegzoo.jpeg.reader import read_header
from jpegzoo.layers.numerics.huffman import STD_DC_TABLES

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(REPO_ROOT, "jpegzoo", "data", "samples")
SAMPLE = os.path.join(SAMPLES, "kodim05_crop256.png")


def _run(capsys, *argv):
    """``main(argv)``: (exit status, stdout, stderr)."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _assert_one_line_error(status, err, *words):
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("jpegzoo: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word.lower() in lines[0].lower(), err
    return lines[0]


def _pixels(height=24, width=40, channels=3):
    rng = np.random.default_rng(0)
    shape = (height, width, channels) if channels > 1 else (height, width)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def _truncated(folder, suffix):
    whole = io.BytesIO()
    Image.fromarray(_pixels(64, 64)).save(whole, "PNG" if suffix == ".png" else "JPEG")
    path = folder / f"truncated{suffix}"
    path.write_bytes(whole.getvalue()[:len(whole.getvalue()) // 2])
    return path


def _bad_input(folder, kind):
    """Make an input file ``encode`` must refuse; returns (path, a word of the message)."""
    rgb = Image.fromarray(_pixels())
    if kind == "rgba":
        rgb.convert("RGBA").save(folder / "in.png")
        return folder / "in.png", "alpha"
    if kind == "la":
        rgb.convert("LA").save(folder / "in.png")
        return folder / "in.png", "alpha"
    if kind == "palette_transparency":
        rgb.convert("P").save(folder / "in.png", transparency=0)
        return folder / "in.png", "transparency"
    if kind == "grey16":
        Image.fromarray(_pixels(channels=1).astype(np.uint16) * 257).save(folder / "in.png")
        return folder / "in.png", "16-bit"
    if kind == "rgb16":
        (folder / "in.png").write_bytes(png(4, 3, 16, 2, (b"\0" + bytes(24)) * 3))
        return folder / "in.png", "16-bit"
    if kind == "int32":
        Image.fromarray(_pixels(channels=1).astype(np.int32)).save(folder / "in.tif")
        return folder / "in.tif", "32-bit"
    if kind == "float":
        Image.fromarray(_pixels(channels=1).astype(np.float32)).save(folder / "in.tif")
        return folder / "in.tif", "floating-point"
    if kind == "cmyk_jpeg":
        rgb.convert("CMYK").save(folder / "in.jpg")
        return folder / "in.jpg", "CMYK"
    if kind == "cmyk_tiff":
        rgb.convert("CMYK").save(folder / "in.tif")
        return folder / "in.tif", "CMYK"
    if kind == "truncated_png":
        return _truncated(folder, ".png"), "in"
    if kind == "truncated_jpeg":
        return _truncated(folder, ".jpg"), "in"
    if kind == "garbage":
        (folder / "in.png").write_bytes(np.random.default_rng(1).bytes(4096))
        return folder / "in.png", "not a readable image"
    if kind == "empty_file":
        (folder / "in.png").write_bytes(b"")
        return folder / "in.png", "not a readable image"
    if kind == "zero_size":
        (folder / "in.png").write_bytes(png(0, 10))
        return folder / "in.png", "empty"
    if kind == "oversize":
        (folder / "in.png").write_bytes(png(70000, 10, raw=b"\0\0"))
        return folder / "in.png", "65535"
    if kind == "missing":
        return folder / "in.png", "no such file"
    if kind == "directory":
        (folder / "in.png").mkdir()
        return folder / "in.png", "directory"
    raise AssertionError(kind)


BAD_INPUTS = ["rgba", "la", "palette_transparency", "grey16", "rgb16", "int32", "float",
              "cmyk_jpeg", "cmyk_tiff", "truncated_png", "truncated_jpeg", "garbage",
              "empty_file", "zero_size", "oversize", "missing", "directory"]


@pytest.fixture
def sample_copy(tmp_path):
    path = tmp_path / "in.png"
    shutil.copyfile(SAMPLE, path)
    return path


def _listing(folder):
    return sorted(os.listdir(folder))


# --------------------------------------------------------------------------------------
# encode
# --------------------------------------------------------------------------------------

def test_encode_sample(capsys, tmp_path):
    out = tmp_path / "out.jpg"
    status, stdout, err = _run(capsys, "encode", SAMPLE, out)
    assert status == 0, err
    with Image.open(out) as image:
        assert image.format == "JPEG" and image.size == (256, 256) and image.mode == "RGB"
        image.load()
    size = out.stat().st_size
    assert f"{size} bytes" in stdout and "bpp" in stdout and "256x256" in stdout
    assert f"{8 * size / 256 ** 2:.3f} bpp" in stdout
    info = read_header(out.read_bytes())
    assert info.sampling == [(2, 2), (1, 1), (1, 1)]  # default 4:2:0
    assert _listing(tmp_path) == ["out.jpg"]  # no temporary files left


@pytest.mark.parametrize("optimize", [False, True])
@pytest.mark.parametrize("subsampling, luma", [("444", (1, 1)), ("422", (2, 1)),
                                               ("420", (2, 2))])
def test_encode_subsampling_and_optimize(capsys, tmp_path, subsampling, luma, optimize):
    out = tmp_path / "out.jpg"
    argv = ["encode", SAMPLE, out, "--subsampling", subsampling, "--quality", "60",
            "--method", "baseline"]
    status, stdout, err = _run(capsys, *(argv + ["--optimize"] * optimize))
    assert status == 0, err
    info = read_header(out.read_bytes())
    assert info.sampling[0] == luma and info.frame_type == "baseline"
    with Image.open(out) as image:
        assert image.size == (256, 256)
        image.load()


@pytest.mark.parametrize("interval", [1, 4, 65535])
def test_encode_restart_interval(capsys, tmp_path, interval):
    out = tmp_path / "out.jpg"
    status, _, err = _run(capsys, "encode", SAMPLE, out, "--restart-interval", interval)
    assert status == 0, err
    assert read_header(out.read_bytes()).restart_interval == interval
    with Image.open(out) as image:
        image.load()


@pytest.mark.parametrize("interval", ["-1", "65536", "x"])
def test_encode_bad_restart_interval(capsys, tmp_path, interval):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg",
                          "--restart-interval", interval)
    assert status == 2 and "restart" in err
    assert _listing(tmp_path) == []


def test_encode_grey(capsys, tmp_path):
    source = tmp_path / "grey.png"
    Image.fromarray(_pixels(channels=1)).save(source)
    out = tmp_path / "grey.jpg"
    status, stdout, err = _run(capsys, "encode", source, out)
    assert status == 0, err
    with Image.open(out) as image:
        assert image.mode == "L" and image.size == (40, 24)
    assert read_header(out.read_bytes()).num_components == 1


def test_encode_palette_is_converted(capsys, tmp_path):
    source = tmp_path / "palette.png"
    Image.fromarray(_pixels()).convert("P").save(source)
    out = tmp_path / "out.jpg"
    status, _, err = _run(capsys, "encode", source, out)
    assert status == 0, err
    with Image.open(out) as image:
        assert image.mode == "RGB" and image.size == (40, 24)


def test_encode_method_pillow(capsys, tmp_path):
    out = tmp_path / "out.jpg"
    status, stdout, err = _run(capsys, "encode", SAMPLE, out, "--method", "pillow",
                               "--optimize", "--subsampling", "444")
    assert status == 0, err
    assert "pillow" in stdout
    with Image.open(out) as image:
        assert image.size == (256, 256)
    assert read_header(out.read_bytes()).sampling[0] == (1, 1)


def test_encode_method_pillow_refuses_restart_interval(capsys, tmp_path):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", "--method",
                          "pillow", "--restart-interval", "4")
    _assert_one_line_error(status, err, "restart")
    assert _listing(tmp_path) == []


def _encode_with(capsys, tmp_path, method, options):
    """Encode the sample with ``method`` and ``options``; check success and the printed
    method and size; return the decoded RGB pixels and the output path."""
    out = tmp_path / "out.jpg"
    status, stdout, err = _run(capsys, "encode", SAMPLE, out, "--method", method, *options)
    assert status == 0, err
    assert method in stdout
    with Image.open(out) as image:
        assert image.size == (256, 256)
        return np.asarray(image.convert("RGB")), out


@pytest.mark.parametrize("options", [[], ["--lambda", "200"], ["--target-ssim", "0.95"],
                                     ["--subsampling", "444", "--optimize"]])
def test_encode_method_mutated(capsys, tmp_path, options):
    from jpegzoo import metrics
    from jpegzoo.imageio import read_image

    decoded, _ = _encode_with(capsys, tmp_path, "mutated", options)
    if "--target-ssim" in options:
        assert metrics.ssim(read_image(SAMPLE), decoded) >= 0.95


@pytest.mark.parametrize("options", [["--target-msssim", "0.97"], ["--lambda", "20"],
                                     ["-q", "60", "--no-optimize"],
                                     ["--target-msssim", "0.96", "--rdo"]])
def test_encode_method_qtable(capsys, tmp_path, options):
    from jpegzoo import metrics
    from jpegzoo.imageio import read_image
    from jpegzoo.jpeg.reader import read_jpeg

    decoded, out = _encode_with(capsys, tmp_path, "qtable", options)
    if "--target-msssim" in options:
        floor = float(options[options.index("--target-msssim") + 1])
        assert metrics.ms_ssim(read_image(SAMPLE), decoded) >= floor
    standard = "--no-optimize" in options
    parsed = read_jpeg(out.read_bytes())
    assert (tuple(parsed.dc_tables[0].counts) == tuple(STD_DC_TABLES[0].counts)) == standard


@pytest.mark.parametrize("option,value", [("--lambda", "5"), ("--target-ssim", "0.9"),
                                          ("--rate", "cnn"), ("--target-msssim", "0.9"),
                                          ("--rdo", None), ("--per-image", None)])
def test_encode_mutated_options_refused_by_other_methods(capsys, tmp_path, option, value):
    args = [option] if value is None else [option, value]
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", *args,
                          "--method", "baseline")
    _assert_one_line_error(status, err, option, "baseline")
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("options,words", [(["--target-ssim", "0.99999"], ["not reachable"]),
                                           (["--subsampling", "422"], ["444 and 420"])])
def test_encode_mutated_bad_options(capsys, tmp_path, options, words):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", "--method",
                          "mutated", *options)
    _assert_one_line_error(status, err, *words)
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("option", ["--lambda", "--target-ssim"])
def test_encode_mutated_refuses_non_positive_numbers(capsys, tmp_path, option):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", "--method",
                          "mutated", option, "-1")
    assert status == 2
    assert option in err and "positive" in err and "Traceback" not in err
    assert _listing(tmp_path) == []


def test_encode_unknown_method(capsys, tmp_path):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", "--method", "nosuch")
    _assert_one_line_error(status, err, "nosuch", "baseline", "pillow")
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("quality", ["0", "101", "abc", "-5", "7.5"])
def test_encode_bad_quality_is_a_usage_error(capsys, tmp_path, quality):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", "--quality", quality)
    assert status == 2
    assert "quality" in err and "Traceback" not in err
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("quality", ["1", "100"])
def test_encode_quality_limits(capsys, tmp_path, quality):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", "-q", quality)
    assert status == 0, err


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_encode_bad_input(capsys, tmp_path, kind):
    source, word = _bad_input(tmp_path, kind)
    before = _listing(tmp_path)
    out = tmp_path / "out.jpg"
    status, stdout, err = _run(capsys, "encode", source, out)
    line = _assert_one_line_error(status, err, word)
    assert str(source) in line
    assert stdout == ""
    assert not out.exists()
    assert _listing(tmp_path) == before  # no output, no temporary file


def test_encode_output_is_input(capsys, sample_copy):
    original = sample_copy.read_bytes()
    status, _, err = _run(capsys, "encode", sample_copy, sample_copy)
    _assert_one_line_error(status, err, "input")
    assert sample_copy.read_bytes() == original
    assert _listing(sample_copy.parent) == ["in.png"]


@pytest.mark.parametrize("spelling", ["./in.png", "./sub/../in.png", "sub/../in.png",
                                      "link.png", "ABSOLUTE"])
def test_encode_output_is_input_other_spelling(capsys, sample_copy, monkeypatch, spelling):
    folder = sample_copy.parent
    (folder / "sub").mkdir()
    (folder / "link.png").symlink_to(sample_copy)
    monkeypatch.chdir(folder)
    original = sample_copy.read_bytes()
    output = str(sample_copy) if spelling == "ABSOLUTE" else spelling
    status, _, err = _run(capsys, "encode", "in.png", output)
    _assert_one_line_error(status, err, "output path is the input")
    assert sample_copy.read_bytes() == original
    assert (folder / "link.png").is_symlink()
    assert _listing(folder) == ["in.png", "link.png", "sub"]


def test_encode_output_is_jpeg_input(capsys, tmp_path):
    source = tmp_path / "in.jpg"
    Image.fromarray(_pixels()).save(source)
    original = source.read_bytes()
    status, _, err = _run(capsys, "encode", source, source, "--quality", "10")
    _assert_one_line_error(status, err, "input")
    assert source.read_bytes() == original


def test_encode_output_folder_missing(capsys, tmp_path):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "nowhere" / "out.jpg")
    _assert_one_line_error(status, err, "does not exist")
    assert _listing(tmp_path) == []


def test_encode_output_is_a_folder(capsys, tmp_path):
    (tmp_path / "out.jpg").mkdir()
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg")
    line = _assert_one_line_error(status, err, "folder")
    assert ".tmp" not in line
    assert _listing(tmp_path) == ["out.jpg"] and (tmp_path / "out.jpg").is_dir()


def test_encode_replaces_an_existing_output(capsys, tmp_path):
    out = tmp_path / "out.jpg"
    out.write_bytes(b"old")
    status, _, err = _run(capsys, "encode", SAMPLE, out, "--method", "pillow")
    assert status == 0, err
    with Image.open(out) as image:
        assert image.size == (256, 256)


def test_encode_write_failure_keeps_old_output(capsys, tmp_path, monkeypatch):
    out = tmp_path / "out.jpg"
    out.write_bytes(b"old")

    def failing_replace(src, dst, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    status, _, err = _run(capsys, "encode", SAMPLE, out, "--method", "pillow")
    monkeypatch.undo()
    line = _assert_one_line_error(status, err, "No space left")
    assert str(out) in line
    assert out.read_bytes() == b"old"
    assert _listing(tmp_path) == ["out.jpg"]


def test_console_script_error_is_one_line(tmp_path):
    """The installed entry point: an error exits with status 2 and one stderr line."""
    source, _ = _bad_input(tmp_path, "rgba")
    out = tmp_path / "out.jpg"
    script = os.path.join(os.path.dirname(sys.executable), "jpegzoo")
    command = [script] if os.path.exists(script) else [sys.executable, "-m", "jpegzoo.cli"]
    result = subprocess.run(command + ["encode", str(source), str(out)], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jpegzoo: error: ") and "alpha" in lines[0]
    assert result.stdout == ""
    assert not out.exists()


def test_cli_methods_does_not_import_tensorflow():
    code = ("import sys, jpegzoo.cli; status = jpegzoo.cli.main(['methods']); "
            "assert status == 0, status; "
            "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules]; "
            "assert not heavy, heavy")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    assert "baseline" in result.stdout and "pillow" in result.stdout


# --------------------------------------------------------------------------------------
# info
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def written_jpeg(tmp_path_factory):
    out = tmp_path_factory.mktemp("info") / "q75.jpg"
    assert main(["encode", SAMPLE, str(out), "--method", "baseline"]) == 0
    return out


def test_info_on_our_file(capsys, written_jpeg):
    status, out, err = _run(capsys, "info", written_jpeg)
    assert status == 0, err
    first = out.splitlines()[0]
    assert "256x256" in first and "baseline" in first and "4:2:0" in first
    assert f"{written_jpeg.stat().st_size} bytes" in first
    assert out.count("IJG quality 75") == 3  # Y, Cb, Cr
    for name in ("Y ", "Cb", "Cr"):
        line = next(row for row in out.splitlines() if row.strip().startswith(name))
        assert " bits (" in line and "bpp)" in line  # bits per component
    assert "Annex K" in out
    assert "quantization table" not in out


def test_info_tables(capsys, written_jpeg):
    status, out, err = _run(capsys, "info", written_jpeg, "--tables")
    assert status == 0, err
    lines = out.splitlines()
    heads = [i for i, row in enumerate(lines) if "quantization table of component" in row]
    assert len(heads) == 2  # luma and (shared) chroma table
    for head in heads:
        grid = [[int(x) for x in row.split()] for row in lines[head + 1:head + 9]]
        assert len(grid) == 8 and all(len(row) == 8 for row in grid)
    assert lines[heads[0] + 1].split()[0] == "8"  # IJG quality 75 luma DC step


def test_info_optimized_tables(capsys, tmp_path):
    out = tmp_path / "opt.jpg"
    assert main(["encode", SAMPLE, str(out), "--method", "baseline", "--optimize",
                 "--restart-interval", "2",
                 "--subsampling", "444"]) == 0
    capsys.readouterr()
    status, stdout, err = _run(capsys, "info", out)
    assert status == 0, err
    assert "optimized" in stdout and "restart interval: 2" in stdout and "4:4:4" in stdout


def test_info_grey(capsys, tmp_path):
    path = tmp_path / "grey.jpg"
    Image.fromarray(_pixels(channels=1)).save(path, quality=90)
    status, out, err = _run(capsys, "info", path)
    assert status == 0, err
    assert "grey" in out and "IJG quality 90" in out


def test_info_progressive(capsys, tmp_path):
    path = tmp_path / "progressive.jpg"
    Image.open(SAMPLE).save(path, progressive=True, quality=80)
    status, out, err = _run(capsys, "info", path)
    assert status == 0, err
    assert "progressive" in out and "256x256" in out and "IJG quality 80" in out


def test_info_truncated_jpeg(capsys, tmp_path):
    path = _truncated(tmp_path, ".jpg")
    status, out, err = _run(capsys, "info", path)
    line = _assert_one_line_error(status, err, "truncated")
    assert str(path) in line
    assert out == ""  # no half report before the error


def test_info_truncated_written_jpeg(capsys, tmp_path, written_jpeg):
    path = tmp_path / "cut.jpg"
    data = written_jpeg.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    status, out, err = _run(capsys, "info", path)
    _assert_one_line_error(status, err, "truncated")
    assert out == ""


def test_info_png(capsys):
    status, out, err = _run(capsys, "info", SAMPLE)
    line = _assert_one_line_error(status, err, "not a JPEG")
    assert SAMPLE in line
    assert out == ""


@pytest.mark.parametrize("kind", ["missing", "directory", "empty_file", "garbage"])
def test_info_unreadable(capsys, tmp_path, kind):
    path, _ = _bad_input(tmp_path, kind)
    status, out, err = _run(capsys, "info", path)
    line = _assert_one_line_error(status, err)
    assert str(path) in line


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_info_refuses_a_device(capsys):
    status, out, err = _run(capsys, "info", "/dev/zero")
    line = _assert_one_line_error(status, err, "not a regular file")
    assert "/dev/zero" in line and out == ""


def test_info_size_limit(capsys, monkeypatch, written_jpeg):
    from jpegzoo.cli import arguments

    monkeypatch.setattr(arguments, "MAX_INPUT_BYTES", 1000)
    status, out, err = _run(capsys, "info", written_jpeg)
    _assert_one_line_error(status, err, "limit")
    assert out == ""


def test_info_oversize_frame(capsys, tmp_path, written_jpeg):
    data = written_jpeg.read_bytes()
    sof = data.index(b"\xff\xc0")
    path = tmp_path / "huge.jpg"
    path.write_bytes(data[:sof + 5] + b"\xff\xff\xff\xff" + data[sof + 9:])
    status, out, err = _run(capsys, "info", path)
    _assert_one_line_error(status, err, "too large")
    assert out == ""


# --------------------------------------------------------------------------------------
# methods, usage
# --------------------------------------------------------------------------------------

def test_methods(capsys):
    status, out, err = _run(capsys, "methods")
    assert status == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert "baseline" in names and "pillow" in names


def test_usage_errors_return_2(capsys):
    assert main([]) == 2
    assert main(["nosuch"]) == 2
    assert main(["encode"]) == 2
    capsys.readouterr()


def test_version(capsys):
    assert main(["--version"]) == 0
    assert "jpegzoo" in capsys.readouterr().out


# --------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------

def test_demo(capsys, tmp_path):
    out = tmp_path / "demo"
    status, stdout, err = _run(capsys, "demo", "--out", out, "--qualities", "50,90",
                               "--methods", "baseline,pillow")
    assert status == 0, err
    assert (out / "rd_summary.md").stat().st_size > 0
    with Image.open(out / "rd_curve.png") as plot:
        assert plot.format == "PNG"
        plot.load()
    summary = (out / "rd_summary.md").read_text()
    assert "baseline" in summary and "pillow" in summary
    assert "(MS-SSIM in dB)" in summary
    assert "rd_curve.png" in stdout


@pytest.mark.parametrize("qualities", ["0", "50,101", "abc", ","])
def test_demo_bad_qualities(capsys, tmp_path, qualities):
    out = tmp_path / "demo"
    status, _, err = _run(capsys, "demo", "--out", out, "--qualities", qualities)
    _assert_one_line_error(status, err, "qualities")
    assert not out.exists()


def test_demo_unknown_method(capsys, tmp_path):
    out = tmp_path / "demo"
    status, _, err = _run(capsys, "demo", "--out", out, "--methods", "baseline,nosuch")
    _assert_one_line_error(status, err, "nosuch", "known methods")
    assert not out.exists()


def test_demo_images_folder_with_a_bad_image(capsys, tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    Image.fromarray(_pixels()).convert("RGBA").save(images / "a.png")
    status, _, err = _run(capsys, "demo", "--out", tmp_path / "demo", "--images", images,
                          "--qualities", "50", "--methods", "pillow")
    _assert_one_line_error(status, err, "alpha")


def test_demo_images_folder_missing(capsys, tmp_path):
    status, _, err = _run(capsys, "demo", "--out", tmp_path / "demo", "--images",
                          tmp_path / "nowhere", "--qualities", "50", "--methods", "pillow")
    _assert_one_line_error(status, err, "not a folder")


# --- learned codecs: jpegzoo encode --method cae|dct_ae, jpegzoo decode ----------------


@pytest.mark.parametrize("method,model", [("cae", "compressive_ae"), ("dct_ae", "dct_block_ae"),
                                          ("gan", "gan_ae")])
def test_encode_and_decode_learned_codec(capsys, tmp_path, method, model):
    from jpegzoo.imageio import read_image
    from jpegzoo.jzc import read_jzc
    from jpegzoo.zoo import codec as zoo_codec
    from jpegzoo.zoo import learned_codec

    coded = tmp_path / "out.jzc"
    status, stdout, err = _run(capsys, "encode", SAMPLE, coded, "--method", method, "-q", "2")
    assert status == 0, err
    assert method in stdout and "q=2" in stdout
    contents = read_jzc(coded.read_bytes())
    assert (contents.model, contents.quality, contents.width, contents.height) == \
        (model, 2, 256, 256)
    decoded_path = tmp_path / "out.png"
    status, stdout, err = _run(capsys, "decode", coded, decoded_path)
    assert status == 0, err
    with Image.open(decoded_path) as image:
        assert image.format == "PNG" and image.size == (256, 256)
        decoded = np.asarray(image.convert("RGB"))
    codec = zoo_codec.trained(model)
    latents = learned_codec.quantized_latents(codec, read_image(SAMPLE), 2)
    np.testing.assert_array_equal(decoded,
                                  learned_codec.to_uint8(codec.reconstruct(latents, 2))[0])


def test_progressive_file_decodes_at_every_prefix(capsys, tmp_path):
    from jpegzoo.jzc import read_jzc
    from jpegzoo.zoo import recurrent_residual_ae
    from jpegzoo.zoo.codec import decompress_jzc

    coded = tmp_path / "out.jzc"
    status, _, err = _run(capsys, "encode", SAMPLE, coded, "--method", "rnn")
    assert status == 0, err
    data = coded.read_bytes()
    assert read_jzc(data).quality == 8 and len(read_jzc(data).streams) == 8
    previous = None
    for k in (1, 4, 8):
        out = tmp_path / f"k{k}.png"
        status, _, err = _run(capsys, "decode", coded, out, "--iterations", str(k))
        assert status == 0, err
        with Image.open(out) as image:
            decoded = np.asarray(image.convert("RGB"))
        np.testing.assert_array_equal(decoded, decompress_jzc(
            recurrent_residual_ae.truncate(data, k)))
        assert previous is None or not np.array_equal(decoded, previous)
        previous = decoded
    status, _, err = _run(capsys, "decode", coded, tmp_path / "x.png", "--iterations", "9")
    _assert_one_line_error(status, err, "holds 8 iterations")
    assert not (tmp_path / "x.png").exists()
    _run(capsys, "encode", SAMPLE, tmp_path / "cae.jzc", "--method", "cae", "-q", "1")
    status, _, err = _run(capsys, "decode", tmp_path / "cae.jzc", tmp_path / "y.png",
                          "--iterations", "2")
    _assert_one_line_error(status, err, "progressive", "compressive_ae")


def test_learned_codec_quality_level_out_of_range(capsys, tmp_path):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jzc", "--method", "cae",
                          "-q", "75")
    _assert_one_line_error(status, err, "level 1..6", "75")
    assert _listing(tmp_path) == []


def test_encode_learned_codec_grey_and_odd_size(capsys, tmp_path):
    source = tmp_path / "grey.png"
    Image.fromarray(_pixels(13, 7, 1)).save(source)
    status, _, err = _run(capsys, "encode", source, tmp_path / "grey.jzc", "--method", "dct_ae")
    assert status == 0, err
    status, _, err = _run(capsys, "decode", tmp_path / "grey.jzc", tmp_path / "grey_out.png")
    assert status == 0, err
    with Image.open(tmp_path / "grey_out.png") as image:
        assert image.size == (7, 13) and image.mode == "RGB"


@pytest.mark.parametrize("damage", ["flip", "truncate", "jpeg", "empty", "unknown_model"])
def test_decode_refuses_bad_files(capsys, tmp_path, damage):
    from jpegzoo.jzc import JzcFile, Stream, write_jzc

    coded = tmp_path / "in.jzc"
    _run(capsys, "encode", SAMPLE, coded, "--method", "dct_ae", "-q", "1")
    data = coded.read_bytes()
    words = {"flip": ["jzc"], "truncate": ["jzc"], "jpeg": ["jzc"], "empty": ["jzc"],
             "unknown_model": ["nosuch_model", "compressive_ae", "dct_block_ae"]}[damage]
    if damage == "flip":
        data = data[:40] + bytes([data[40] ^ 1]) + data[41:]
    elif damage == "truncate":
        data = data[:len(data) // 2]
    elif damage == "jpeg":
        with open(SAMPLE.replace(".png", ".png"), "rb") as handle:
            data = b"\xff\xd8\xff\xe0" + handle.read()[4:100]
    elif damage == "empty":
        data = b""
    else:
        data = write_jzc(JzcFile("nosuch_model", 1, 16, 16, [Stream((1, 1, 1, 4), b"\0")]))
    coded.write_bytes(data)
    out = tmp_path / "out.png"
    status, _, err = _run(capsys, "decode", coded, out)
    _assert_one_line_error(status, err, *words)
    assert not out.exists()


def test_decode_missing_input(capsys, tmp_path):
    status, _, err = _run(capsys, "decode", tmp_path / "nothing.jzc", tmp_path / "out.png")
    _assert_one_line_error(status, err, "nothing.jzc")


def test_info_describes_a_jzc_file(capsys, tmp_path):
    coded = tmp_path / "in.jzc"
    _run(capsys, "encode", SAMPLE, coded, "--method", "dct_ae", "-q", "3")
    status, stdout, err = _run(capsys, "info", coded)
    assert status == 0, err
    assert "256x256" in stdout and "'dct_block_ae'" in stdout and "quality level 3" in stdout
    assert f"{coded.stat().st_size} bytes" in stdout and "stream 0: shape [1, 32, 32, 96]" in stdout
    coded.write_bytes(coded.read_bytes()[:-1])
    status, _, err = _run(capsys, "info", coded)
    _assert_one_line_error(status, err, "in.jzc")


def test_lossless_method_round_trips_exactly(capsys, tmp_path):
    from jpegzoo.imageio import read_image

    source = tmp_path / "crop.png"
    Image.fromarray(read_image(SAMPLE)[:40, :56]).save(source)
    status, stdout, err = _run(capsys, "encode", source, tmp_path / "x.jzc", "--method",
                               "lossless")
    assert status == 0, err
    status, _, err = _run(capsys, "decode", tmp_path / "x.jzc", tmp_path / "x.png")
    assert status == 0, err
    np.testing.assert_array_equal(read_image(tmp_path / "x.png"), read_image(source))
    status, _, err = _run(capsys, "encode", source, tmp_path / "y.jzc", "--method",
                          "lossless", "-q", "2")
    _assert_one_line_error(status, err, "one quality level")


def test_commands_print_only_their_own_lines(tmp_path):
    """TensorFlow's C++ start-up lines (cuda stubs, cuInit) never reach the user."""
    coded = tmp_path / "out.jzc"
    for args in (["encode", SAMPLE, coded, "--method", "cae", "-q", "1"],
                 ["decode", coded, tmp_path / "out.png"],
                 ["encode", SAMPLE, tmp_path / "out.jpg"]):
        result = subprocess.run([sys.executable, "-m", "jpegzoo.cli", *map(str, args)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stderr == "" and len(result.stdout.splitlines()) == 1, result


def test_max_pixels_refuses_before_decoding(capsys, tmp_path):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", "--max-pixels",
                          "60000")
    _assert_one_line_error(status, err, "256x256", "over the limit of 0.06 megapixels")
    assert _listing(tmp_path) == []


# --- decoding untrusted files (issue #17) ------------------------------------------------


def _restreamed(data, payload, stream=0, **fields):
    """``data`` (a .jzc file) with stream ``stream``'s bytes replaced and header fields
    changed, checksum recomputed."""
    from dataclasses import replace

    from jpegzoo.jzc import Stream, read_jzc, write_jzc

    contents = read_jzc(data)
    streams = list(contents.streams)
    streams[stream] = Stream(streams[stream].shape, payload(streams[stream].data))
    return write_jzc(replace(contents, streams=streams, **fields))


@pytest.fixture(scope="module")
def dct_file(tmp_path_factory):
    """A dct_ae file of the sample (bytes)."""
    folder = tmp_path_factory.mktemp("dct")
    assert main(["encode", SAMPLE, str(folder / "in.jzc"), "--method", "dct_ae", "-q", "1"]) == 0
    return (folder / "in.jzc").read_bytes()


@pytest.mark.parametrize("damage,words", [
    ("empty_stream", ["empty"]), ("cut", ["truncated"]), ("trailing", ["over-long"]),
    ("odd_length", ["32-bit words"]), ("huge", ["65535x65535", "--max-pixels"]),
    ("huge_no_limit", ["too few"]), ("empty_2048", ["empty"]),
])
def test_decode_refuses_bad_streams_with_one_line(capsys, tmp_path, dct_file, damage, words):
    from jpegzoo.jzc import JzcFile, Stream, write_jzc

    options = []
    if damage == "empty_stream":
        data = _restreamed(dct_file, lambda d: b"")
    elif damage == "cut":
        data = _restreamed(dct_file, lambda d: d[:-8])
    elif damage == "trailing":
        data = _restreamed(dct_file, lambda d: d + bytes(8))
    elif damage == "odd_length":
        data = _restreamed(dct_file, lambda d: d + b"\0")
    elif damage.startswith("huge"):  # the 143-byte file of the issue, as dct_block_ae's
        data = write_jzc(JzcFile("dct_block_ae", 1, 65535, 65535,
                                 [Stream((1, 8192, 8192, 96), bytes(86))]))
        options = ["--max-pixels", "0"] if damage == "huge_no_limit" else []
    else:
        data = write_jzc(JzcFile("dct_block_ae", 1, 2048, 2048,
                                 [Stream((1, 256, 256, 96), b"")]))
    (tmp_path / "in.jzc").write_bytes(data)
    status, out, err = _run(capsys, "decode", tmp_path / "in.jzc", tmp_path / "out.png",
                            *options)
    _assert_one_line_error(status, err, *words)
    assert out == "" and not (tmp_path / "out.png").exists()


def test_decode_of_payloads_the_range_coder_rejects_is_one_line(capsys, tmp_path, dct_file):
    """constriction raises AssertionError for data no encoder writes: a one-line error."""
    from jpegzoo.jzc import read_jzc

    size = len(read_jzc(dct_file).streams[0].data)
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(8):
        noise = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        (tmp_path / "in.jzc").write_bytes(_restreamed(dct_file, lambda d: noise))
        status, _, err = _run(capsys, "decode", tmp_path / "in.jzc", tmp_path / "out.png")
        lines.append(_assert_one_line_error(status, err, "corrupt .jzc file"))
    assert any("range coder rejects" in line for line in lines), lines


def test_decode_refuses_progressive_files_with_a_wrong_quality_level(capsys, tmp_path):
    from jpegzoo.jzc import read_jzc

    coded = tmp_path / "in.jzc"
    assert _run(capsys, "encode", SAMPLE, coded, "--method", "rnn", "-q", "2")[0] == 0
    data = coded.read_bytes()
    coded.write_bytes(_restreamed(data, lambda d: d, quality=5))
    status, _, err = _run(capsys, "decode", coded, tmp_path / "out.png")
    _assert_one_line_error(status, err, "quality level 5 but 2 iterations")
    assert read_jzc(data).quality == 2


def test_decode_refuses_lossless_files_cut_short(capsys, tmp_path):
    from jpegzoo.imageio import read_image

    source = tmp_path / "crop.png"
    Image.fromarray(read_image(SAMPLE)[:12, :16]).save(source)
    assert _run(capsys, "encode", source, tmp_path / "x.jzc", "--method", "lossless")[0] == 0
    data = (tmp_path / "x.jzc").read_bytes()
    for cut in (4, 8, 40):
        (tmp_path / "cut.jzc").write_bytes(_restreamed(data, lambda d: d[:-cut]))
        status, _, err = _run(capsys, "decode", tmp_path / "cut.jzc", tmp_path / "out.png")
        _assert_one_line_error(status, err, "corrupt .jzc file")
        assert not (tmp_path / "out.png").exists()


def test_decode_max_pixels(capsys, tmp_path, dct_file):
    coded = tmp_path / "in.jzc"
    coded.write_bytes(dct_file)
    status, _, err = _run(capsys, "decode", coded, tmp_path / "a.png", "--max-pixels", "65535")
    _assert_one_line_error(status, err, "256x256 image (65,536 pixels)", "limit of 65,535")
    for limit in ("65536", "0"):
        status, out, err = _run(capsys, "decode", coded, tmp_path / "b.png", "--max-pixels",
                                limit)
        assert status == 0 and "256x256" in out, err
    for bad in ("-1", "x", str(65535 ** 2 + 1)):
        status, _, err = _run(capsys, "decode", coded, tmp_path / "c.png", "--max-pixels", bad)
        assert status == 2 and "--max-pixels" in err


@pytest.mark.parametrize("command", ["info", "decode"])
def test_devices_are_refused_without_reading(capsys, tmp_path, command):
    argv = [command, "/dev/zero"] + ([tmp_path / "out.png"] if command == "decode" else [])
    status, out, err = _run(capsys, *argv)
    _assert_one_line_error(status, err, "/dev/zero", "not a regular file")
    assert out == ""


def test_input_size_limit(tmp_path):
    import threading

    from jpegzoo.cli.arguments import read_input

    path = tmp_path / "file"
    path.write_bytes(bytes(100))
    assert read_input(path, 100) == bytes(100)
    with pytest.raises(ValueError, match="larger than the input limit of 99 bytes"):
        read_input(path, 99)
    assert len(read_input(path, None)) == 100
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)

    def write(count):
        with open(pipe, "wb") as handle:
            try:
                handle.write(bytes(count))
            except BrokenPipeError:
                pass

    for count, limit in ((50, 64), (10 ** 6, 64)):
        writer = threading.Thread(target=write, args=(count,))
        writer.start()
        try:
            if count <= limit:
                assert read_input(pipe, limit) == bytes(count)
            else:
                with pytest.raises(ValueError, match="larger than the input limit of 64"):
                    read_input(pipe, limit)
        finally:
            writer.join(timeout=10)
