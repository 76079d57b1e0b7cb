"""The .jzc container: round trip, and clear refusals of damaged or foreign files."""

import pytest

from jpegzoo.jzc import MAGIC, JzcFile, Stream, read_jzc, write_jzc


def _sample():
    return JzcFile("compressive_ae", 3, 768, 512,
                   [Stream((1, 32, 48, 192), bytes(range(256)) * 3), Stream((), b"")])


def test_round_trip():
    contents = _sample()
    data = write_jzc(contents)
    assert data.startswith(MAGIC)
    assert read_jzc(data) == contents


def test_every_single_byte_change_is_refused():
    data = bytearray(write_jzc(JzcFile("m", 1, 7, 13, [Stream((2, 3), b"abcdef")])))
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x5A
        with pytest.raises(ValueError, match="jzc"):
            read_jzc(bytes(damaged))


def test_every_truncation_and_extension_is_refused():
    data = write_jzc(_sample())
    for length in range(len(data)):
        with pytest.raises(ValueError, match="jzc"):
            read_jzc(data[:length])
    with pytest.raises(ValueError, match="unexpected bytes"):
        read_jzc(data + b"\0")


@pytest.mark.parametrize("data,words", [
    (b"\xff\xd8\xff\xe0 a JPEG", "bad magic"),
    (b"PK\x03\x04", "bad magic"),
    (MAGIC + bytes([2, 1]) + b"m" + bytes(14), "unsupported .jzc version 2"),
])
def test_foreign_files_are_named(data, words):
    with pytest.raises(ValueError, match=words):
        read_jzc(data)


@pytest.mark.parametrize("contents,words", [
    (JzcFile("", 1, 8, 8), "model name"),
    (JzcFile("modèle", 1, 8, 8), "model name"),
    (JzcFile("m", 256, 8, 8), "quality"),
    (JzcFile("m", 1, 0, 8), "width"),
    (JzcFile("m", 1, 8, 70000), "height"),
])
def test_invalid_contents_are_refused_before_writing(contents, words):
    with pytest.raises(ValueError, match=words):
        write_jzc(contents)
