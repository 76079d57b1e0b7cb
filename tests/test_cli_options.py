"""The command line as people use it: output names that fit the method, options that apply
to the method, what --quality means, one-line usage errors, checks before any model loads,
memory and interrupts (jpegzoo.cli)."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from jpegzoo import methods
from jpegzoo.cli import main

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(REPO_ROOT, "jpegzoo", "data", "samples", "kodim05_crop256.png")


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _one_line_error(status, err, *words):
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jpegzoo: error: "), err
    for word in words:
        assert word.lower() in lines[0].lower(), err
    return lines[0]


def _small_png(folder, name="in.png", size=(24, 40)):
    path = folder / name
    pixels = np.random.default_rng(0).integers(0, 256, size + (3,), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


# --- output names ------------------------------------------------------------------------

@pytest.mark.parametrize("method,output", [("cae", "out.jpg"), ("baseline", "out.jzc"),
                                           ("baseline", "out.png"), ("pillow", "out"),
                                           ("rnn", "out.JPEG"), ("mutated", "out.jzc")])
def test_encode_refuses_an_output_name_the_method_does_not_write(capsys, tmp_path, method,
                                                                 output):
    status, out, err = _run(capsys, "encode", SAMPLE, tmp_path / output, "--method", method)
    _one_line_error(status, err, output, method, methods.get(method).suffix)
    assert out == "" and os.listdir(tmp_path) == []


@pytest.mark.parametrize("output", ["out.jpeg", "OUT.JPG", "out.jfif"])
def test_encode_accepts_every_jpeg_ending(capsys, tmp_path, output):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / output, "--method", "pillow")
    assert status == 0, err
    with Image.open(tmp_path / output) as image:
        assert image.format == "JPEG"


def test_encode_of_a_folder_without_out_dir_says_how(capsys, tmp_path):
    status, _, err = _run(capsys, "encode", tmp_path, tmp_path / "out.jpg")
    _one_line_error(status, err, "--out-dir")


@pytest.mark.parametrize("count", [1, 3])
def test_encode_needs_in_and_out_without_out_dir(capsys, tmp_path, count):
    status, _, err = _run(capsys, "encode", *[SAMPLE] * count)
    _one_line_error(status, err, "IN OUT", "--out-dir")


@pytest.mark.parametrize("option", [["-j", "2"], ["--force"], ["-r"], ["--metrics"],
                                    ["--summary", "s.csv"]])
def test_many_file_options_need_out_dir(capsys, tmp_path, option):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "o.jpg", *option)
    _one_line_error(status, err, "--out-dir")
    assert os.listdir(tmp_path) == []


# --- options that apply to the method -----------------------------------------------------

@pytest.mark.parametrize("method,option", [
    ("cae", ["--subsampling", "444"]), ("cae", ["--no-optimize"]), ("gan", ["--optimize"]),
    ("rnn", ["--restart-interval", "4"]), ("lossless", ["--subsampling", "420"]),
    ("pillow", ["--restart-interval", "2"]), ("mozjpeg", ["--no-optimize"]),
    ("baseline", ["--rdo"]), ("mutated", ["--target-msssim", "0.9"]),
    ("qtable", ["--rate", "cnn"]), ("cae", ["--lambda", "3"])])
def test_options_a_method_does_not_take_are_refused(capsys, tmp_path, method, option):
    suffix = methods.get(method).suffix
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / f"out{suffix}", "--method",
                          method, *option)
    line = _one_line_error(status, err, option[0].replace("--no-", "--"), method,
                           "does not apply")
    assert "it takes --quality" in line
    assert os.listdir(tmp_path) == []


def test_the_option_table_is_the_methods_data():
    """Each option of the table applies exactly to the methods whose data list it."""
    for option in methods.JPEG_OPTIONS + ("lam", "target_ssim", "target_msssim", "rate",
                                          "rdo", "per_image"):
        takers = methods.accepting(option)
        assert takers, option
        for name in methods.names():
            assert (name in takers) == (option in methods.get(name).accepted_options)
    for name in methods.names():
        method = methods.get(name)
        if method.suffix == ".jzc":
            assert method.accepted_options == ()
    assert methods.accepting("restart_interval") == ["baseline", "best", "mutated", "qtable"]


def test_help_names_the_methods_of_each_option_and_every_quality_range(capsys):
    status, out, _ = _run(capsys, "encode", "--help")
    assert status == 0
    text = " ".join(out.split())
    assert "[baseline, best, mutated, qtable]" in text  # --restart-interval
    assert "[mutated]" in text and "[qtable]" in text
    for name in methods.names():
        scale = methods.get(name).quality
        assert str(scale) in text, scale
        assert name in text
    assert "IJG quality 1..100 (default 75) for baseline" in text
    assert "level 1..6 (default 4) for cae, dct_ae, gan, hyperprior" in text
    assert "iterations 1..8 (default 8) for rnn" in text


def test_methods_lists_suffix_and_quality(capsys):
    status, out, _ = _run(capsys, "methods")
    assert status == 0
    assert "writes .jzc files; --quality: iterations 1..8 (default 8)" in out
    assert "writes .jpg files; --quality: IJG quality 1..100 (default 75)" in out


@pytest.mark.parametrize("method,quality,words", [
    ("cae", "7", ["level 1..6", "cae"]), ("cae", "0", ["level 1..6"]),
    ("rnn", "9", ["iterations 1..8"]), ("baseline", "101", ["IJG quality 1..100"]),
    ("lossless", "2", ["one quality level"]), ("hyperprior", "-1", ["level 1..6"])])
def test_quality_is_checked_on_the_methods_scale(capsys, tmp_path, method, quality, words):
    suffix = methods.get(method).suffix
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / f"out{suffix}", "--method",
                          method, "-q", quality)
    _one_line_error(status, err, "--quality", quality, *words)


@pytest.mark.parametrize("method,options", [
    ("mutated", ["--target-ssim", "0.9", "-q", "50"]),
    ("qtable", ["--lambda", "20", "-q", "50"]),
    ("qtable", ["--target-msssim", "0.9", "-q", "80"])])
def test_quality_next_to_an_option_that_replaces_it_is_refused(capsys, tmp_path, method,
                                                               options):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", "--method", method,
                          *options)
    _one_line_error(status, err, "--quality does not apply with", options[0])


def test_two_operating_points_are_a_usage_error(capsys, tmp_path):
    status, _, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", "--method",
                          "mutated", "--lambda", "3", "--target-ssim", "0.9")
    _one_line_error(status, err, "--target-ssim", "--lambda")


def test_quality_scales_match_the_codecs():
    """The registry's quality scales (known without loading a model) are the codecs'
    own levels and compress defaults."""
    import inspect

    from jpegzoo.tensorflow_runtime import start_tensorflow
    from jpegzoo.zoo.codec import trained

    start_tensorflow()
    for name in methods.names():
        method = methods.get(name)
        if method.codec is None:
            continue
        codec = trained(method.codec)
        assert method.qualities == (None if codec.quality_levels is None
                                    else tuple(codec.quality_levels)), name
        default = inspect.signature(codec.compress).parameters.get("quality")
        if method.suffix == ".jzc" and default is not None and default.default is not None:
            assert default.default == method.quality.default, name
        decoder = inspect.signature(codec.decompress).parameters
        assert all(option in decoder for option in method.decode_options), name


def test_default_rnn_file_is_the_whole_ladder(capsys, tmp_path):
    """rnn's default (8 iterations) is its largest file and its best image: every rung
    decodes from it (measured on the sample: PSNR rises with every iteration)."""
    from jpegzoo import metrics
    from jpegzoo.imageio import read_image

    coded = tmp_path / "out.jzc"
    status, out, err = _run(capsys, "encode", SAMPLE, coded, "--method", "rnn")
    assert status == 0 and "q=8" in out, err
    original, scores = read_image(SAMPLE), []
    for k in (1, 4, 8):
        status, _, err = _run(capsys, "decode", coded, tmp_path / f"{k}.png", "--iterations", k)
        assert status == 0, err
        scores.append(metrics.psnr(original, read_image(tmp_path / f"{k}.png")))
    assert scores == sorted(scores) and scores[-1] > scores[0] + 1.0, scores


# --- usage errors: one line --------------------------------------------------------------

@pytest.mark.parametrize("argv,words", [
    ([], ["required", "COMMAND"]), (["nosuch"], ["invalid choice", "nosuch"]),
    (["encode"], ["required", "IN"]), (["encode", "a.png", "b.jpg", "--subsampling", "411"],
                                      ["--subsampling", "411"]),
    (["decode", "a.jzc"], ["required", "OUT"]), (["encode", "a", "b", "--nosuch"],
                                                 ["unrecognized", "--nosuch"]),
    (["decode", "a.jzc", "b.png", "--iterations", "0"], ["--iterations", "positive", "0"]),
    (["info"], ["required", "FILE"])])
def test_argparse_errors_are_one_line(capsys, argv, words):
    status, out, err = _run(capsys, *argv)
    line = _one_line_error(status, err, *words)
    assert "usage:" not in err and out == ""
    assert "--help" in line


def test_help_and_version_still_exit_0(capsys):
    assert main(["--help"]) == 0
    assert main(["encode", "--help"]) == 0
    capsys.readouterr()


# --- decode -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jzc_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("jzc") / "in.jzc"
    assert main(["encode", SAMPLE, str(path), "--method", "dct_ae", "-q", "1"]) == 0
    return path


@pytest.mark.parametrize("output,image_format", [("out.png", "PNG"), ("out.BMP", "BMP"),
                                                 ("out.tif", "TIFF"), ("out.ppm", "PPM"),
                                                 ("out.webp", "WEBP"), ("out.jpg", "JPEG")])
def test_decode_writes_the_format_of_the_output_name(capsys, tmp_path, jzc_file, output,
                                                     image_format):
    from jpegzoo.zoo.codec import decompress_jzc

    status, _, err = _run(capsys, "decode", jzc_file, tmp_path / output)
    assert status == 0, err
    with Image.open(tmp_path / output) as image:
        assert image.format == image_format and image.size == (256, 256)
        decoded = np.asarray(image.convert("RGB"))
    expected = decompress_jzc(jzc_file.read_bytes())
    if image_format == "JPEG":  # a real JPEG at quality 95: close, not equal
        from jpegzoo import metrics

        assert metrics.psnr(expected, decoded) > 35.0
    else:
        np.testing.assert_array_equal(decoded, expected)


@pytest.mark.parametrize("output", ["out.jzc", "out.gif", "out"])
def test_decode_refuses_other_output_names(capsys, tmp_path, jzc_file, output):
    status, _, err = _run(capsys, "decode", jzc_file, tmp_path / output)
    _one_line_error(status, err, output, ".png")
    assert os.listdir(tmp_path) == []


def test_decode_errors_name_the_file(capsys, tmp_path, jzc_file):
    damaged = tmp_path / "damaged.jzc"
    data = jzc_file.read_bytes()
    damaged.write_bytes(data[:len(data) // 2])
    status, _, err = _run(capsys, "decode", damaged, tmp_path / "out.png")
    _one_line_error(status, err, str(damaged))
    status, _, err = _run(capsys, "decode", jzc_file, tmp_path / "out.png", "--iterations", "2")
    _one_line_error(status, err, str(jzc_file), "--iterations does not apply")


# --- nothing loads before the checks that need no model ------------------------------------

@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_input_errors_come_before_any_model_or_tensorflow(tmp_path):
    """Each case fails with status 2 in a fresh interpreter that never imports TF."""
    folder = tmp_path
    png = _small_png(folder)
    locked = "/proc"  # a folder nobody may write files in, root included
    (folder / "file").write_bytes(b"")
    jzc = folder / "x.jzc"
    jzc.write_bytes(b"not a jzc file")
    cases = [
        ["encode", folder / "missing.png", folder / "o.jzc", "--method", "cae"],
        ["encode", png, folder / "o.jpg", "--method", "cae"],
        ["encode", png, folder / "o.jzc", "--method", "cae", "--subsampling", "444"],
        ["encode", png, folder / "o.jzc", "--method", "cae", "-q", "9"],
        ["encode", png, folder / "o.jpg", "--method", "qtable", "--lambda", "3",
         "--target-msssim", "0.9"],
        ["encode", png, folder / "o.jpg", "--method", "qtable", "--lambda", "3", "-q", "5"],
        ["encode", png, f"{locked}/o.jpg", "--method", "qtable"],
        ["encode", png, "--out-dir", folder / "file" / "sub", "--method", "cae"],
        ["encode", png, "--out-dir", f"{locked}/sub", "--method", "cae"],
        ["encode", folder / "nothing", "--out-dir", folder / "out", "--method", "cae"],
        ["decode", folder / "missing.jzc", folder / "o.png"],
        ["decode", jzc, folder / "o.png"],
        ["decode", jzc, folder / "o.gif"],
        ["decode", jzc, folder / "o.png", "--iterations", "0"],
    ]
    code = ("import sys, jpegzoo.cli\n"
            f"cases = {[[str(a) for a in case] for case in cases]!r}\n"
            "codes = [jpegzoo.cli.main(case) for case in cases]\n"
            "print(codes)\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras'})\n"
            "print(heavy)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd=REPO_ROOT)
    codes, heavy = result.stdout.strip().splitlines()
    assert codes == str([2] * len(cases)), result.stderr
    assert heavy == "[]"
    errors = result.stderr.strip().splitlines()
    assert len(errors) == len(cases) and all(e.startswith("jpegzoo: error: ") for e in errors)


# --- memory, interrupts ------------------------------------------------------------------

@pytest.mark.parametrize("raised,status,words", [(MemoryError, 2, ["not enough memory"]),
                                                 (KeyboardInterrupt, 130, ["interrupted"])])
def test_memory_and_interrupts_end_with_one_line(capsys, tmp_path, monkeypatch, raised,
                                                 status, words):
    from jpegzoo.cli import encode

    def fail(self, picture):
        raise raised()

    monkeypatch.setattr(encode.EncodeTask, "write", fail)
    code, out, err = _run(capsys, "encode", SAMPLE, tmp_path / "out.jpg", "--method", "pillow")
    assert code == status
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert all(word in lines[0] for word in words)
    assert os.listdir(tmp_path) == []
