"""Tests of jpegzoo.imageio: the input policy of ``read_image`` and ``write_atomic``.

Every input is made here with Pillow (or by hand, for headers Pillow will not write), so
the tests are fast and need no data files.
"""

import io
import os
import stat

import numpy as np
import pytest
from crafted_files import png
from PIL import Image, ImageFile

from jpegzoo.imageio import (
    MAX_DIMENSION,
    ImageInputError,
    check_output,
    read_image,
    same_file,
    write_atomic,
)


def _pixels(height=20, width=30, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    shape = (height, width, channels) if channels > 1 else (height, width)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def _save(path, image, **options):
    image.save(path, **options)
    return str(path)


def _assert_refused(path, *words):
    with pytest.raises(ImageInputError) as caught:
        read_image(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message  # names the file
    assert "\n" not in message, message  # one line
    for word in words:
        assert word.lower() in message.lower(), message
    return message


# --------------------------------------------------------------------------------------
# Accepted inputs
# --------------------------------------------------------------------------------------

def test_rgb_png_reads_back_exactly(tmp_path):
    pixels = _pixels()
    path = _save(tmp_path / "rgb.png", Image.fromarray(pixels))
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == (20, 30, 3)
    assert image.flags.c_contiguous
    np.testing.assert_array_equal(image, pixels)


def test_rgb_jpeg_reads_as_rgb(tmp_path):
    path = _save(tmp_path / "rgb.jpg", Image.fromarray(_pixels()), quality=90)
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == (20, 30, 3)
    with Image.open(path) as reference:
        np.testing.assert_array_equal(image, np.asarray(reference))


def test_pathlike_is_accepted(tmp_path):
    path = tmp_path / "rgb.png"
    Image.fromarray(_pixels()).save(path)
    assert read_image(path).shape == (20, 30, 3)


def test_grey_png_is_two_dimensional(tmp_path):
    pixels = _pixels(channels=1)
    path = _save(tmp_path / "grey.png", Image.fromarray(pixels))
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == (20, 30)
    np.testing.assert_array_equal(image, pixels)


def test_grey_jpeg_is_two_dimensional(tmp_path):
    path = _save(tmp_path / "grey.jpg", Image.fromarray(_pixels(channels=1)))
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == (20, 30)


def test_bilevel_becomes_grey_0_255(tmp_path):
    bits = _pixels(channels=1) > 127
    path = _save(tmp_path / "bits.png", Image.fromarray(bits))
    with Image.open(path) as check:
        assert check.mode == "1"
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == (20, 30)
    assert set(np.unique(image)) <= {0, 255}
    np.testing.assert_array_equal(image, np.where(bits, 255, 0))


def test_palette_without_transparency_becomes_rgb(tmp_path):
    palette_image = Image.fromarray(_pixels()).convert("P")
    path = _save(tmp_path / "palette.png", palette_image)
    with Image.open(path) as check:
        assert check.mode == "P" and "transparency" not in check.info
        expected = np.asarray(check.convert("RGB"))
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == (20, 30, 3)
    np.testing.assert_array_equal(image, expected)


def test_ycbcr_becomes_rgb(tmp_path):
    path = _save(tmp_path / "ycc.tif", Image.fromarray(_pixels()).convert("YCbCr"))
    with Image.open(path) as check:
        if check.mode != "YCbCr":
            pytest.skip(f"Pillow reads this TIFF as {check.mode}")
        expected = np.asarray(check.convert("RGB"))
    np.testing.assert_array_equal(read_image(path), expected)


# --------------------------------------------------------------------------------------
# Refused modes
# --------------------------------------------------------------------------------------

def test_palette_with_transparency_is_refused(tmp_path):
    palette_image = Image.fromarray(_pixels()).convert("P")
    path = _save(tmp_path / "palette_t.png", palette_image, transparency=0)
    with Image.open(path) as check:
        assert check.mode == "P" and "transparency" in check.info
    _assert_refused(path, "transparency", "flatten")


def test_palette_gif_with_transparency_is_refused(tmp_path):
    image = Image.fromarray((np.arange(600).reshape(20, 30) % 4).astype(np.uint8), "P")
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    path = _save(tmp_path / "t.gif", image, transparency=1)
    _assert_refused(path, "transparency")


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_alpha_is_refused(tmp_path, mode):
    path = _save(tmp_path / f"{mode}.png", Image.fromarray(_pixels()).convert(mode))
    with Image.open(path) as check:
        assert check.mode == mode
    _assert_refused(path, "alpha", mode)


def test_16bit_grey_png_is_refused(tmp_path):
    samples = np.random.default_rng(1).integers(0, 65536, (20, 30), dtype=np.uint16)
    path = _save(tmp_path / "grey16.png", Image.fromarray(samples))
    with Image.open(path) as check:
        assert check.mode.startswith("I")
    _assert_refused(path, "16-bit")


def test_16bit_rgb_png_is_refused_not_silently_cut(tmp_path):
    # Pillow opens a 48-bit RGB PNG as mode RGB, dropping the low bytes; refuse it like
    # 16-bit grey instead.
    row = b"\0" + bytes(range(24))
    path = tmp_path / "rgb16.png"
    path.write_bytes(png(4, 3, bit_depth=16, colour_type=2, raw=row * 3))
    with Image.open(path) as check:
        assert check.mode == "RGB"
    _assert_refused(path, "16-bit")


def test_16bit_ppm_is_refused(tmp_path):
    path = tmp_path / "rgb16.ppm"
    path.write_bytes(b"P6\n4 3\n65535\n" + bytes(72))
    _assert_refused(path, "16-bit")


def test_8bit_ppm_is_accepted(tmp_path):
    path = tmp_path / "rgb8.ppm"
    path.write_bytes(b"P6\n4 3\n255\n" + bytes(range(36)))
    np.testing.assert_array_equal(read_image(path).ravel(), np.arange(36))


def test_32bit_integer_tiff_is_refused(tmp_path):
    samples = np.random.default_rng(2).integers(0, 1 << 20, (20, 30), dtype=np.int32)
    path = _save(tmp_path / "int32.tif", Image.fromarray(samples))
    with Image.open(path) as check:
        assert check.mode == "I"
    _assert_refused(path, "32-bit")


def test_float_tiff_is_refused(tmp_path):
    samples = np.random.default_rng(3).random((20, 30), dtype=np.float32)
    path = _save(tmp_path / "float.tif", Image.fromarray(samples))
    with Image.open(path) as check:
        assert check.mode == "F"
    _assert_refused(path, "floating-point")


@pytest.mark.parametrize("suffix", [".jpg", ".tif"])
def test_cmyk_is_refused(tmp_path, suffix):
    path = _save(tmp_path / f"cmyk{suffix}", Image.fromarray(_pixels()).convert("CMYK"))
    with Image.open(path) as check:
        assert check.mode == "CMYK"
    _assert_refused(path, "CMYK")


# --------------------------------------------------------------------------------------
# Unreadable files
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_truncated_file_is_refused(tmp_path, suffix):
    whole = tmp_path / f"whole{suffix}"
    Image.fromarray(_pixels(64, 64)).save(whole)
    data = whole.read_bytes()
    path = tmp_path / f"truncated{suffix}"
    path.write_bytes(data[:len(data) // 2])
    message = _assert_refused(path)
    assert "truncated" in message.lower() or "not a readable image" in message


def test_garbage_bytes_are_refused(tmp_path):
    path = tmp_path / "garbage.png"
    path.write_bytes(np.random.default_rng(4).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    _assert_refused(path, "not a readable image")


def test_corrupt_png_crc_is_refused(tmp_path):
    data = bytearray(png(4, 3, raw=(b"\0" + bytes(12)) * 3))
    data[29] ^= 0xFF  # IHDR CRC
    path = tmp_path / "badcrc.png"
    path.write_bytes(bytes(data))
    _assert_refused(path)


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    _assert_refused(path, "not a readable image")


def test_missing_file_is_refused(tmp_path):
    _assert_refused(tmp_path / "missing.png", "no such file")


def test_directory_is_refused(tmp_path):
    folder = tmp_path / "folder.png"
    folder.mkdir()
    _assert_refused(folder, "directory")


# --------------------------------------------------------------------------------------
# Dimensions
# --------------------------------------------------------------------------------------

def test_oversize_png_is_refused_from_the_header(tmp_path, monkeypatch):
    path = tmp_path / "wide.png"
    path.write_bytes(png(70000, 10, raw=b"\0\0\0"))  # IDAT far too short to decode

    def no_decoding(self):
        raise AssertionError("pixels decoded before the size check")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert MAX_DIMENSION == 65535
    _assert_refused(path, "70000x10", "65535")


def test_largest_side_65535_passes_the_size_check(tmp_path, monkeypatch):
    # 65535 x 1 is allowed by the size check (the truncated IDAT then fails decoding)
    path = tmp_path / "edge.png"
    path.write_bytes(png(65535, 1, raw=b"\0"))
    message = _assert_refused(path)
    assert "65535 pixels a side" not in message


@pytest.mark.parametrize("width, height", [(0, 10), (10, 0)])
def test_zero_size_png_is_refused_as_empty(tmp_path, width, height):
    path = tmp_path / "empty_image.png"
    path.write_bytes(png(width, height))
    _assert_refused(path, "empty", f"{width}x{height}")


def test_zero_height_jpeg_is_refused_as_empty(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 7] = b"\0\0"  # frame height 0 (a DNL file)
    path = tmp_path / "zero.jpg"
    path.write_bytes(bytes(data))
    _assert_refused(path, "empty", "8x0")


# --------------------------------------------------------------------------------------
# same_file / check_output / write_atomic
# --------------------------------------------------------------------------------------

def _leftovers(folder):
    return [n for n in os.listdir(folder) if n.startswith(".jpegzoo-")]


def test_write_atomic_writes_the_bytes(tmp_path):
    path = tmp_path / "out.bin"
    write_atomic(str(path), b"hello")
    assert path.read_bytes() == b"hello"
    write_atomic(str(path), b"replaced")  # over an existing output
    assert path.read_bytes() == b"replaced"
    assert _leftovers(tmp_path) == []


def test_write_atomic_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_atomic("out.bin", b"data")
    assert (tmp_path / "out.bin").read_bytes() == b"data"


def test_write_atomic_refuses_the_input(tmp_path, monkeypatch):
    source = tmp_path / "in.png"
    source.write_bytes(b"original")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.png").symlink_to(source)
    monkeypatch.chdir(tmp_path)
    spellings = [str(source), "in.png", "./sub/../in.png", "link.png",
                 str(tmp_path / "sub" / ".." / "in.png")]
    for output in spellings:
        with pytest.raises(ImageInputError, match="output path is the input"):
            write_atomic(output, b"new", inputs=[str(source)])
        # the input given by another spelling, too
        with pytest.raises(ImageInputError, match="output path is the input"):
            write_atomic(str(source), b"new", inputs=[output])
    assert source.read_bytes() == b"original"
    assert _leftovers(tmp_path) == []


def test_write_atomic_refuses_a_symlink_to_the_input_elsewhere(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    source = tmp_path / "a" / "in.png"
    source.write_bytes(b"original")
    (tmp_path / "b" / "out.png").symlink_to(source)
    with pytest.raises(ImageInputError, match="input"):
        write_atomic(str(tmp_path / "b" / "out.png"), b"new", inputs=[str(source)])
    assert source.read_bytes() == b"original"


def test_write_atomic_other_inputs_are_fine(tmp_path):
    source = tmp_path / "in.png"
    source.write_bytes(b"original")
    write_atomic(str(tmp_path / "out.png"), b"new", inputs=[str(source)])
    assert (tmp_path / "out.png").read_bytes() == b"new"
    assert source.read_bytes() == b"original"


def test_same_file(tmp_path):
    a = tmp_path / "a"
    a.write_bytes(b"x")
    assert same_file(str(a), str(tmp_path / "." / "a"))
    assert not same_file(str(a), str(tmp_path / "b"))
    assert same_file(str(tmp_path / "new"), str(tmp_path / "sub" / ".." / "new"))


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_write_atomic_failure_leaves_destination_unchanged(tmp_path, monkeypatch, error):
    path = tmp_path / "out.jpg"
    path.write_bytes(b"previous content")

    def failing_replace(src, dst, *args, **kwargs):
        raise error

    monkeypatch.setattr(os, "replace", failing_replace)
    expected = ImageInputError if isinstance(error, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as caught:
        write_atomic(str(path), b"new content that must not appear")
    monkeypatch.undo()
    if expected is ImageInputError:
        message = str(caught.value)
        assert message.startswith(str(path)) and "No space left" in message
        assert ".tmp" not in message  # names the destination, not the temporary file
    assert path.read_bytes() == b"previous content"
    assert _leftovers(tmp_path) == []
    assert os.listdir(tmp_path) == ["out.jpg"]


def test_write_atomic_failure_while_writing(tmp_path, monkeypatch):
    def failing_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(ImageInputError, match="Input/output error"):
        write_atomic(str(tmp_path / "out.jpg"), b"data")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_write_atomic_missing_folder(tmp_path):
    path = tmp_path / "missing" / "out.jpg"
    with pytest.raises(ImageInputError, match="does not exist"):
        write_atomic(str(path), b"data")
    assert not (tmp_path / "missing").exists()


def test_write_atomic_destination_is_a_folder(tmp_path):
    (tmp_path / "out.jpg").mkdir()
    with pytest.raises(ImageInputError, match="folder"):
        write_atomic(str(tmp_path / "out.jpg"), b"data")
    assert (tmp_path / "out.jpg").is_dir()
    assert _leftovers(tmp_path) == []


def test_check_output(tmp_path):
    source = tmp_path / "in.png"
    source.write_bytes(b"x")
    assert check_output(str(tmp_path / "out.jpg"), [str(source)]) == str(tmp_path)
    with pytest.raises(ImageInputError):
        check_output(str(source), [str(source)])
    with pytest.raises(ImageInputError):
        check_output(str(tmp_path / "nowhere" / "out.jpg"))
    assert os.listdir(tmp_path) == ["in.png"]  # checks write nothing


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_write_atomic_permissions_follow_umask(tmp_path, mask, expected):
    # mkstemp creates 0600 files; the output must get the usual 0666 & ~umask instead
    previous = os.umask(mask)
    try:
        write_atomic(str(tmp_path / "out.jpg"), b"data")
    finally:
        left = os.umask(previous)
    assert left == mask  # write_atomic leaves the umask as it found it
    assert stat.S_IMODE(os.stat(tmp_path / "out.jpg").st_mode) == expected


def test_png_with_fewer_rows_than_declared_is_refused(tmp_path):
    """Pillow decodes it with black rows and no error; jpegzoo refuses it."""
    rows = b"".join(b"\0" + bytes([200] * 30) for _ in range(5))  # 5 of 20 rows, 10 px wide
    path = tmp_path / "short.png"
    path.write_bytes(png(10, 20, raw=rows))
    with pytest.raises(ImageInputError, match="truncated image.*155 of the 620 bytes"):
        read_image(path)


@pytest.mark.parametrize("colour,depth,channels", [(2, 8, 3), (0, 8, 1), (0, 1, 1)])
def test_complete_png_passes_the_row_check(tmp_path, colour, depth, channels):
    width, height = 13, 7
    row = 1 + -(-width * depth * channels // 8)
    path = tmp_path / "full.png"
    path.write_bytes(png(width, height, bit_depth=depth, colour_type=colour,
                         raw=b"".join(b"\0" + bytes(row - 1) for _ in range(height))))
    assert read_image(path).shape[:2] == (height, width)


@pytest.mark.parametrize("suffix", [".gif", ".png"])
def test_animation_warns_that_only_the_first_frame_is_used(tmp_path, suffix):
    from PIL import Image

    from jpegzoo.imageio import FirstFrameWarning

    frames = [Image.fromarray(np.full((16, 16, 3), 40 * i, np.uint8)) for i in range(3)]
    path = tmp_path / f"anim{suffix}"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.warns(FirstFrameWarning, match="3 frames"):
        image = read_image(path)
    assert image.shape[:2] == (16, 16)


def test_unwritable_output_folder_is_refused_before_work(tmp_path):
    from jpegzoo.imageio import check_output

    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    # root may write anywhere on a normal file system; sysfs refuses even root
    target = folder if os.geteuid() != 0 else "/sys"
    try:
        with pytest.raises(ImageInputError, match="cannot write to the output folder"):
            check_output(os.path.join(target, "out.jpg"))
    finally:
        folder.chmod(stat.S_IRWXU)
