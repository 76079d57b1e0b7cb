"""Tests of lossless JPEG re-coding (jpegzoo.jpeg.optimize, ``jpegzoo optimize``).

Inputs from Pillow (libjpeg-turbo: baseline, optimized, progressive, with restart markers),
mozjpeg and jpegzoo's own writer, grey and YCbCr 4:4:4/4:2:2/4:2:0, odd sizes: the output
decodes to the same pixels (Pillow) and the same coefficients (jpeglib's ``read_dct``) as
the input, is never larger, keeps the metadata asked for and the JFIF density; files that
cannot be re-coded exactly are refused with one-line errors (exit status 2).
"""

import io

import jpeglib
import numpy as np
import pytest
from PIL import Image

from jpegzoo.cli import main
from jpegzoo.jpeg import read_header, read_jpeg
from jpegzoo.jpeg.metadata import read_metadata
from jpegzoo.jpeg.optimize import optimize_jpeg

SIZES = [(1, 1), (7, 13), (17, 9), (64, 96)]  # (height, width)
_PILLOW = {"grey": 0, "444": 0, "422": 1, "420": 2}


def photo(height, width, grey=False, seed=0):
    rng = np.random.default_rng(seed + 7 * height + width)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(3 * x + y) % 256, (2 * y + 40) % 256, (x * y) % 256], axis=-1)
    pixels = np.clip(base + rng.normal(0, 20, (height, width, 3)), 0, 255).astype(np.uint8)
    return pixels[..., 0] if grey else pixels


def pillow_jpeg(pixels, subsampling="420", **options):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", subsampling=_PILLOW[subsampling], **options)
    return buffer.getvalue()


def mozjpeg_jpeg(pixels, subsampling, tmp_path):
    """mozjpeg 4.0.3's defaults: trellis quantization, scan-optimized progressive."""
    sampling = {"444": [1, 1], "422": [2, 1], "420": [2, 2]}
    with jpeglib.version("mozjpeg403"):
        if pixels.ndim == 2:
            spatial = jpeglib.from_spatial(pixels[..., None].copy(), jpeglib.JCS_GRAYSCALE)
        else:
            spatial = jpeglib.from_spatial(pixels.copy())
            spatial.samp_factor = np.array([sampling[subsampling], [1, 1], [1, 1]])
        spatial.write_spatial(str(tmp_path / "moz.jpg"), qt=80)
    return (tmp_path / "moz.jpg").read_bytes()


def decoded(data):
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image)


def coefficients(data, tmp_path):
    path = tmp_path / "coefficients.jpg"
    path.write_bytes(data)
    dct = jpeglib.read_dct(str(path))
    return [plane for plane in (dct.Y, dct.Cb, dct.Cr) if plane is not None], dct.qt


def assert_lossless(data, result, tmp_path):
    assert len(result.data) <= len(data)
    np.testing.assert_array_equal(decoded(result.data), decoded(data))
    (planes, qt), (reference, reference_qt) = (coefficients(result.data, tmp_path),
                                               coefficients(data, tmp_path))
    for plane, ref in zip(planes, reference, strict=True):
        np.testing.assert_array_equal(plane, ref)
    np.testing.assert_array_equal(qt, reference_qt)


def inputs(size, subsampling, tmp_path):
    pixels = photo(*size, grey=subsampling == "grey")
    return {
        "pillow_q75": pillow_jpeg(pixels, subsampling, quality=75),
        "pillow_q95_optimized": pillow_jpeg(pixels, subsampling, quality=95, optimize=True),
        "pillow_progressive": pillow_jpeg(pixels, subsampling, quality=85, progressive=True),
        "pillow_restarts": pillow_jpeg(pixels, subsampling, quality=60,
                                       restart_marker_blocks=2),
        "mozjpeg": mozjpeg_jpeg(pixels, subsampling, tmp_path),
    }


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("subsampling", ["grey", "444", "422", "420"])
def test_same_pixels_and_coefficients_never_larger(size, subsampling, tmp_path):
    for name, data in inputs(size, subsampling, tmp_path).items():
        result = optimize_jpeg(data)
        assert_lossless(data, result, tmp_path)
        assert result.mode in ("progressive", "baseline", "input"), name
        if result.mode == "input":
            assert result.data == data and result.recoded_bytes >= len(data)
        else:
            assert read_jpeg(result.data).num_scans == result.num_scans


def test_photo_savings(tmp_path):
    """A 256x256 photograph at Pillow's defaults: several per cent smaller, progressive."""
    from importlib.resources import files

    path = files("jpegzoo") / "data" / "samples" / "kodim05_crop256.png"
    with Image.open(str(path)) as image:
        data = pillow_jpeg(np.asarray(image.convert("RGB")), "420", quality=75)
    result = optimize_jpeg(data)
    assert result.mode == "progressive" and read_header(result.data).progressive
    assert len(result.data) < 0.96 * len(data)
    assert_lossless(data, result, tmp_path)


def test_nothing_gained_keeps_the_input():
    data = optimize_jpeg(pillow_jpeg(photo(40, 56), "420", quality=80)).data
    again = optimize_jpeg(data)
    assert again.mode == "input" and again.data == data
    assert again.recoded_bytes == len(data)


def test_restart_markers_on_request(tmp_path):
    data = pillow_jpeg(photo(40, 56), "420", quality=80)
    result = optimize_jpeg(data, restart_interval=2)
    assert read_jpeg(result.data).restart_interval == 2
    assert_lossless(data, result, tmp_path)


def test_metadata_and_density(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation
    exif[0x010F] = "jpegzoo test"
    icc = b"\x00\x00\x02\x0cICC test profile" * 4
    image = Image.fromarray(photo(24, 32))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, exif=exif.tobytes(), icc_profile=icc,
               comment=b"a comment", dpi=(300, 300))
    data = buffer.getvalue()
    kept = read_metadata(io.BytesIO(optimize_jpeg(data).data))
    assert kept.icc == icc and kept.comment == b"a comment" and kept.orientation == 6
    assert kept.exif == read_metadata(io.BytesIO(data)).exif
    icc_only = read_metadata(io.BytesIO(optimize_jpeg(data, copy="icc").data))
    assert icc_only.icc == icc and icc_only.exif is None and icc_only.comment is None
    stripped = optimize_jpeg(data, copy="none").data
    assert not read_metadata(io.BytesIO(stripped))
    with Image.open(io.BytesIO(stripped)) as reopened:
        assert reopened.info["dpi"] == (300, 300)
    np.testing.assert_array_equal(decoded(stripped), decoded(data))


def _replace_segment(data, code, payload):
    """``data`` without its segments of marker ``code`` before SOS, then ``payload`` (a
    whole segment, or b"") after SOI."""
    out, pos = bytearray(data[:2]), 2
    while data[pos + 1] != 0xDA:
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if data[pos + 1] != code:
            out += data[pos:pos + 2 + length]
        pos += 2 + length
    return bytes(out[:2]) + payload + bytes(out[2:]) + data[pos:]


def _rgb_ids(data):
    data = bytearray(_replace_segment(data, 0xE0, b""))
    sof = data.index(b"\xff\xc0")
    for k, ident in enumerate(b"RGB"):
        data[sof + 10 + 3 * k] = ident
    sos = data.index(b"\xff\xda")
    for k, ident in enumerate(b"RGB"):
        data[sos + 5 + 2 * k] = ident
    return bytes(data)


def _with_frame(marker=None, precision=None):
    def change(data):
        data = bytearray(data)
        sof = data.index(b"\xff\xc0")
        if marker is not None:
            data[sof + 1] = marker
        if precision is not None:
            data[sof + 4] = precision
        return bytes(data)
    return change


def _cmyk(data):
    buffer = io.BytesIO()
    Image.fromarray(photo(16, 16)).convert("CMYK").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _incomplete(data):
    data = pillow_jpeg(photo(16, 24), "420", quality=80, progressive=True)
    return data[:data.rindex(b"\xff\xda")] + b"\xff\xd9"  # without the last scan


ADOBE_RGB = b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00\x00"


@pytest.mark.parametrize("make,message", [
    (_with_frame(marker=0xC9), "arithmetic-coded JPEG \\(SOF9\\) not supported"),
    (_with_frame(marker=0xC3), "lossless JPEG \\(SOF3\\) cannot be re-coded"),
    (_with_frame(marker=0xC5), "hierarchical JPEG"),
    (_with_frame(precision=12), "12-bit JPEG not supported"),
    (_cmyk, "4 components"),
    (_rgb_ids, "coded as RGB"),
    (lambda d: _replace_segment(d, 0xE0, ADOBE_RGB), "coded as RGB"),
    (_incomplete, "leave some coefficients incomplete"),
    (lambda d: d[:len(d) // 2], "truncated"),
])
def test_refused_files(make, message, tmp_path, capsys):
    data = make(pillow_jpeg(photo(16, 24), "444", quality=80))
    with pytest.raises(ValueError, match=message):
        optimize_jpeg(data)
    source = tmp_path / "in.jpg"
    source.write_bytes(data)
    assert main(["optimize", str(source), str(tmp_path / "out.jpg")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("jpegzoo: error: ") and message.split(" ")[0] \
        .replace("\\", "") in err[0]
    assert not (tmp_path / "out.jpg").exists()


def test_adobe_ycbcr_without_jfif_is_kept_as_ycbcr(tmp_path):
    data = pillow_jpeg(photo(16, 24), "420", quality=80)
    ycc = _replace_segment(data, 0xE0, ADOBE_RGB[:-1] + b"\x01")  # transform 1: YCbCr
    assert_lossless(ycc, optimize_jpeg(ycc), tmp_path)


def test_command_line(tmp_path, capsys):
    source = tmp_path / "in.jpg"
    source.write_bytes(pillow_jpeg(photo(48, 64), "420", quality=75))
    out = tmp_path / "out.jpg"
    assert main(["optimize", str(source), str(out), "--strip"]) == 0
    line = capsys.readouterr().out
    assert "bytes" in line and "same pixels" in line and out.stat().st_size < source.stat().st_size
    np.testing.assert_array_equal(decoded(out.read_bytes()), decoded(source.read_bytes()))
    assert main(["optimize", str(out), str(tmp_path / "again.jpg")]) == 0
    assert "gained nothing" in capsys.readouterr().out
    assert (tmp_path / "again.jpg").read_bytes() == out.read_bytes()
    assert main(["optimize", str(source), str(source)]) == 2  # never over the input
    assert "output path is the input file" in capsys.readouterr().err
    assert main(["optimize", str(tmp_path / "missing.jpg"), str(tmp_path / "x.jpg")]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.jpg", "in.jpg", "out.jpg"]


def test_many_files_with_out_dir(tmp_path, capsys):
    """A folder of JPEGs (other images ignored) re-coded under --out-dir, relative paths
    kept, a broken file reported while the others finish, a second run resuming."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    originals = {"a.jpg": pillow_jpeg(photo(40, 56), "420", quality=90),
                 "sub/b.jpeg": pillow_jpeg(photo(33, 17, grey=True), quality=75)}
    for name, data in originals.items():
        (folder / name).write_bytes(data)
    Image.fromarray(photo(8, 8)).save(folder / "c.png")
    (folder / "broken.jpg").write_bytes(originals["a.jpg"][:100])
    out, summary = tmp_path / "out", tmp_path / "s.csv"
    status = main(["optimize", str(folder), "-r", "--out-dir", str(out), "--summary",
                   str(summary), "-j", "2"])
    captured = capsys.readouterr()
    assert status == 1 and "broken.jpg" in captured.err
    for name, data in originals.items():
        written = (out / name).with_suffix(".jpg").read_bytes()
        assert written == optimize_jpeg(data).data
    assert not (out / "c.jpg").exists()
    assert summary.read_text().count("\n") == 4  # header + 3 JPEG inputs
    status = main(["optimize", str(folder / "sub"), "--out-dir", str(out / "sub")])
    assert status == 0 and "skipped" in capsys.readouterr().out
