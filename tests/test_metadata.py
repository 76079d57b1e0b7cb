"""Metadata kept in JPEG outputs (EXIF with orientation, ICC, XMP, comment), --copy and
--strip, orientation applied before learned codecs; the coded image untouched."""

import numpy as np
import pytest
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from jpegzoo.cli import main
from jpegzoo.imageio import apply_orientation, read_image
from jpegzoo.jpeg.metadata import ImageMetadata, read_metadata, with_metadata

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """A 30x20 PNG with EXIF (orientation 6, a camera make), an sRGB profile and XMP."""
    path = tmp_path_factory.mktemp("meta") / "photo.png"
    pixels = np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112], exif[0x010F] = 6, "TestCam"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    text = PngInfo()
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    Image.fromarray(pixels).save(path, exif=exif.tobytes(), icc_profile=icc, pnginfo=text)
    return path


def _encode(capsys, *args):
    status = main(["encode", *map(str, args)])
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


@pytest.mark.parametrize("method", ["baseline", "pillow", "mutated"])
def test_jpeg_outputs_keep_metadata_and_pixels(capsys, tmp_path, photo, method):
    kept, stripped = tmp_path / "kept.jpg", tmp_path / "stripped.jpg"
    assert "metadata kept: exif, icc, xmp" in _encode(capsys, photo, kept, "--method", method)
    _encode(capsys, photo, stripped, "--method", method, "--strip")
    with Image.open(kept) as image:
        assert image.getexif()[0x0112] == 6 and image.getexif()[0x010F] == "TestCam"
        assert image.info["icc_profile"] == read_metadata(photo).icc
        xmp = image.info["xmp"]
        assert XMP in (xmp.encode() if isinstance(xmp, str) else xmp)
        assert image.size == (30, 20)  # pixels not rotated: the tag says how to show them
        kept_pixels = np.asarray(image)
    with Image.open(stripped) as image:
        assert not image.getexif() and "icc_profile" not in image.info
        np.testing.assert_array_equal(np.asarray(image), kept_pixels)


def test_copy_icc_keeps_the_profile_alone(capsys, tmp_path, photo):
    out = tmp_path / "icc.jpg"
    assert "metadata kept: icc" in _encode(capsys, photo, out, "--copy", "icc")
    with Image.open(out) as image:
        assert "icc_profile" in image.info and not image.getexif()


def test_coefficients_are_those_without_metadata(capsys, tmp_path, photo):
    jpeglib = pytest.importorskip("jpeglib")
    kept, stripped = tmp_path / "kept.jpg", tmp_path / "stripped.jpg"
    _encode(capsys, photo, kept)
    _encode(capsys, photo, stripped, "--strip")
    a, b = jpeglib.read_dct(str(kept)), jpeglib.read_dct(str(stripped))
    for plane in ("Y", "Cb", "Cr"):
        np.testing.assert_array_equal(getattr(a, plane), getattr(b, plane))


def test_learned_codecs_code_the_upright_image(capsys, tmp_path, photo):
    out = tmp_path / "photo.jzc"
    assert "EXIF orientation 6 applied" in _encode(capsys, photo, out, "--method", "cae",
                                                   "-q", "1")
    assert main(["decode", str(out), str(tmp_path / "back.png")]) == 0
    with Image.open(tmp_path / "back.png") as image:
        assert image.size == (20, 30)  # turned: as viewers show the photo


def test_orientation_matches_pillow_exif_transpose(tmp_path):
    from PIL import ImageOps

    base = np.random.default_rng(1).integers(0, 255, (5, 7, 3), dtype=np.uint8)
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = tmp_path / f"o{orientation}.png"
        Image.fromarray(base).save(path, exif=exif.tobytes())
        with Image.open(path) as image:
            expected = np.asarray(ImageOps.exif_transpose(image))
        assert read_metadata(path).orientation == orientation
        np.testing.assert_array_equal(apply_orientation(read_image(path), orientation),
                                      expected)


def test_large_icc_profile_is_split_into_chunks_pillow_joins(tmp_path):
    jpeg = tmp_path / "plain.jpg"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(jpeg)
    profile = bytes(range(256)) * 600  # 153,600 bytes: three APP2 segments
    data = with_metadata(jpeg.read_bytes(), ImageMetadata(icc=profile, comment=b"hello"))
    out = tmp_path / "icc.jpg"
    out.write_bytes(data)
    with Image.open(out) as image:
        assert image.info["icc_profile"] == profile
        assert image.info["comment"] == b"hello"
        np.testing.assert_array_equal(np.asarray(image), np.asarray(Image.open(jpeg)))


def test_files_without_metadata_are_unchanged(tmp_path):
    jpeg = tmp_path / "plain.jpg"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(jpeg)
    assert with_metadata(jpeg.read_bytes(), ImageMetadata()) == jpeg.read_bytes()
    assert not read_metadata(jpeg)
