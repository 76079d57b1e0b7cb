"""``jpegzoo info FILE``: what a JPEG file holds -- size, sampling, tables, bits per
component, and the scans (components, spectral selection Ss-Se, successive approximation
Ah/Al) of a progressive file -- or, for a learned codec's ``.jzc`` file, its model,
quality level and streams.

The bits per component need the whole file decoded (:func:`jpegzoo.jpeg.reader.read_jpeg`),
so the file is read whole: FILE must be a regular file or a pipe of at most
:data:`~jpegzoo.cli.arguments.MAX_INPUT_BYTES` bytes (not a device or a directory), and
frames over the reader's block limit are refused.
"""


import numpy as np

from jpegzoo.cli import arguments
from jpegzoo.cli.arguments import read_input
from jpegzoo.jpeg.reader import read_header, read_jpeg
from jpegzoo.jzc import MAGIC, read_jzc
from jpegzoo.layers.numerics.huffman import STD_AC_TABLES, STD_DC_TABLES
from jpegzoo.layers.numerics.standard import quality_to_qtables

_NAMES = {1: ("Y",), 3: ("Y", "Cb", "Cr")}



def add_parser(commands):
    parser = commands.add_parser(
        "info", help="describe a JPEG file (dimensions, sampling, tables, bits per component) "
                     "or a .jzc file (model, quality level, streams)")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--tables", action="store_true",
                        help="print the quantization tables as 8x8 grids")
    parser.set_defaults(run=run)


def run(args):
    data = read_input(args.file, arguments.MAX_INPUT_BYTES)
    if data.startswith(MAGIC):
        return _jzc_info(args.file, data)
    try:
        # parse everything before printing, so a bad file gives just the error line
        info = read_header(data)
        parsed = read_jpeg(data) if info.frame_type in ("baseline", "progressive") else None
    except ValueError as error:
        raise ValueError(f"{args.file}: {error}") from None
    except MemoryError:
        raise ValueError(f"{args.file}: not enough memory to decode its "
                         f"{info.width}x{info.height} frame") from None
    print(f"{args.file}: {info.width}x{info.height}, {info.frame_type} JPEG, "
          f"{info.num_components} component(s), {_subsampling(info)}, {len(data)} bytes "
          f"({8 * len(data) / (info.width * info.height):.3f} bpp)")
    if info.restart_interval:
        print(f"  restart interval: {info.restart_interval} MCUs")
    names = _NAMES.get(info.num_components, tuple(str(i) for i in info.component_ids))
    for index, (name, sampling) in enumerate(zip(names, info.sampling)):
        print("  " + _component_line(info, parsed, index, name, sampling))
    if parsed is None:
        print("  (bits per component are reported for baseline and progressive files only)")
        return
    if info.progressive:
        _print_scans(parsed, dict(zip(info.component_ids, names)))
    header_bytes = len(data) - (parsed.scan_bits + parsed.pad_bits) // 8
    print(f"  entropy-coded: {parsed.scan_bits} bits + {parsed.pad_bits} pad bits; "
          f"headers, markers and stuffing: {header_bytes} bytes")
    print(f"  Huffman tables: {_huffman_kind(parsed)}")
    if args.tables:
        for index, table in _distinct_tables(info):
            print(f"  quantization table of component {names[index]}:")
            for row in np.asarray(table).reshape(8, 8):
                print("    " + " ".join(f"{int(x):3d}" for x in row))


def _jzc_info(path, data):

    try:
        contents = read_jzc(data)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    pixels = contents.width * contents.height
    print(f"{path}: {contents.width}x{contents.height}, .jzc file of model "
          f"{contents.model!r}, quality level {contents.quality}, {len(data)} bytes "
          f"({8 * len(data) / pixels:.3f} bpp)")
    for index, stream in enumerate(contents.streams):
        print(f"  stream {index}: shape {list(stream.shape)}, {len(stream.data)} bytes")
    print(f"  container (header, shapes, checksum): "
          f"{len(data) - sum(len(s.data) for s in contents.streams)} bytes")


def _print_scans(parsed, names):
    """One line per scan of a progressive file."""
    print(f"  {parsed.num_scans} scans" + ("" if parsed.complete else
                                         " (incomplete: some coefficients never fully sent)"))
    for number, scan in enumerate(parsed.scans, 1):
        comps = ",".join(names.get(ident, str(ident)) for ident in scan.component_ids)
        band = "DC" if scan.se == 0 else "AC"
        print(f"    {number:2d}: {comps:8s} {band} Ss-Se {scan.ss}-{scan.se}, "
              f"Ah/Al {scan.ah}/{scan.al}, {scan.bits} bits")


def _subsampling(info):
    if info.num_components != 3:
        return "grey" if info.num_components == 1 else "no JFIF sampling"
    luma, cb, cr = info.sampling
    if cb != (1, 1) or cr != (1, 1):
        return f"sampling {info.sampling}"
    return {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0"}.get(
        tuple(luma), f"sampling {luma[0]}x{luma[1]}")


def _component_line(info, parsed, index, name, sampling):
    table = info.qtables[index]
    quality = _ijg_quality(table, luma=index == 0)
    line = (f"{name:2s} sampling {sampling[0]}x{sampling[1]}, qtable "
            f"{'IJG quality ' + str(quality) if quality else 'custom'}")
    if parsed is not None:
        bits = parsed.component_bits[index]
        line += f", {bits} bits ({bits / (info.width * info.height):.3f} bpp)"
    return line


def _ijg_quality(table, luma):
    """The IJG quality whose table equals ``table`` (None if none does)."""
    if table is None:
        return None

    row = 0 if luma else 1
    for quality in range(100, 0, -1):
        if np.array_equal(quality_to_qtables(quality)[row], table):
            return quality
    return None


def _huffman_kind(parsed):

    standard = set(STD_DC_TABLES) | set(STD_AC_TABLES)
    tables = list(parsed.dc_tables.values()) + list(parsed.ac_tables.values())
    return "Annex K (standard)" if all(t in standard for t in tables) else "optimized/custom"


def _distinct_tables(info):
    seen = []
    for index, table in enumerate(info.qtables):
        if table is not None and not any(np.array_equal(table, t) for _, t in seen):
            seen.append((index, table))
    return seen
