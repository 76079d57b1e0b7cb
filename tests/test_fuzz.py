"""Fuzzing of every reader of untrusted bytes: the JPEG reader (``read_header``,
``read_jpeg``), the ``.jzc`` container (``read_jzc``) and each learned codec's decoder
(``decompress_jzc`` on files of compressive_ae, dct_block_ae, recurrent_residual_ae and
lossless_predictor).

Every case must end in success or ``ValueError`` -- never another exception (nor a
``RuntimeWarning``, such as numpy's for casting NaN), a crash, a hang or a large
allocation. The cases run in one worker process (a fresh interpreter:
this file run with ``--worker``) that loads the shipped codecs, writes the seed files
(tiny images) and then limits its address space to what it holds plus
:data:`HEADROOM_BYTES` (``resource.setrlimit(RLIMIT_AS)``), so an allocation that the
declared sizes of a file ask for fails as ``MemoryError`` instead of exhausting the
machine; the test process gives each case :data:`CASE_SECONDS` and fails on a hang or a
dead worker, naming the case.

Cases are made by a seeded mutator from the seed files: byte-level changes (bit flips,
overwrites with boundary values, deletions, insertions, duplications, splices,
truncations, appended bytes; for JPEG often within the scan data) and, for ``.jzc``
files, changes of the parsed fields (sizes, quality, stream shapes and bytes, stream
count, model name), byte-level changes of one stream's bytes and, for the factorized-prior
codecs, valid streams of unusual latents, all written back with a valid checksum;
byte-level changes to the whole ``.jzc`` file mostly get their CRC repaired, so that
mutations reach the payload. Crafted cases (:data:`CRAFTED`) cover huge declared
sizes with tiny payloads, empty, truncated and over-long streams with valid checksums.

The default run has a few hundred cases; ``-m slow`` runs many more. To reproduce a
failure in-process (with its traceback)::

    python tests/test_fuzz.py --case FAMILY SEED      # e.g. --case cae 17
    python tests/test_fuzz.py --crafted NAME
"""

import json
import os
import random
import select
import struct
import subprocess
import sys
import time
import zlib
from dataclasses import replace

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
#: Address space a case may add to the worker's after its setup.
HEADROOM_BYTES = 2 * 2 ** 30
#: Seconds a case may take (decoding a seed takes well under one on a loaded machine).
CASE_SECONDS = 60
#: Seconds the worker may take to start (import TensorFlow, load four codecs).
START_SECONDS = 300
#: Largest image the mutated .jzc cases may decode (keeps each case cheap; the crafted
#: cases check the size checks without a pixel limit).
FUZZ_MAX_PIXELS = 64 * 64

#: family -> (cases in the default run, in the slow run).
FAMILIES = {"jpeg": (120, 10000), "container": (60, 5000), "cae": (50, 3000),
            "dct_ae": (40, 3000), "rnn": (30, 2000), "lossless": (30, 2000)}
CODECS = {"cae": ("compressive_ae", 3), "dct_ae": ("dct_block_ae", 2),
          "rnn": ("recurrent_residual_ae", 2), "lossless": ("lossless_predictor", 1)}
CODEC_NAMES = ("compressive_ae", "dct_block_ae", "gan_ae", "recurrent_residual_ae",
               "lossless_predictor")
INTERESTING = [0, 1, 2, 3, 4, 7, 8, 15, 16, 127, 128, 255, 256, 4095, 65535, 65536,
               2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1]


# ------------------------------------------------------------------------------------
# seeds and mutations (run in the worker)
# ------------------------------------------------------------------------------------

def _image(seed, height, width):
    import numpy as np

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:height, :width]
    smooth = np.stack([(x * 7 + y * 3) % 256, (y * 11) % 256, (x * y) % 256], axis=-1)
    noise = rng.integers(-20, 21, (height, width, 3))
    return np.clip(smooth + noise, 0, 255).astype(np.uint8)


def make_seeds():
    """family -> list of seed files (bytes)."""
    from jpegzoo.jpeg.baseline import encode
    from jpegzoo.jpeg.progressive import recode
    from jpegzoo.zoo import registry
    from jpegzoo.zoo.codec import jzc_codec_names, trained

    seeds = {"jpeg": [encode(_image(1, 16, 16)[..., 0], quality=75),
                      encode(_image(2, 24, 40), quality=50, subsampling="420"),
                      encode(_image(3, 17, 9), quality=90, subsampling="444", optimize=True),
                      encode(_image(4, 32, 32), quality=30, subsampling="422",
                             restart_interval=1)]}
    # progressive files: libjpeg's script with restart markers, and a searched script
    seeds["jpeg"] += [recode(seeds["jpeg"][1], True), recode(seeds["jpeg"][3], "search")]
    sizes = {"cae": [(24, 40), (16, 16)], "dct_ae": [(24, 40), (9, 17)],
             "rnn": [(16, 16), (20, 24)], "lossless": [(6, 8), (5, 3)]}
    for family, (name, quality) in CODECS.items():
        codec = trained(name)
        seeds[family] = [codec.compress(_image(10 + i, *size), quality)
                         for i, size in enumerate(sizes[family])]
    seeds["rnn"].append(trained("recurrent_residual_ae").compress(_image(20, 16, 32), 1))
    seeds["container"] = [data for family in CODECS for data in seeds[family]]
    for name in jzc_codec_names():  # mutated model names reach every codec: load them now
        if registry.entry(name).weights_file.is_file():  # (codecs not trained yet: none)
            trained(name)
    return seeds


def repair_crc(data):
    """``data`` with its last 4 bytes replaced by the CRC-32 of the rest (a .jzc file whose
    checksum matches whatever the mutation did)."""
    if len(data) < 4:
        return data
    return data[:-4] + struct.pack(">I", zlib.crc32(data[:-4]))


def mutate_bytes(rng, data, others, region=None):
    """One byte-level mutation of ``data`` (``others``: files to splice from) at a position
    in ``region`` (start, end) if given, else anywhere."""
    data = bytearray(data)
    kind = rng.randrange(10)
    low, high = region if region and region[1] > region[0] else (0, len(data))
    position = rng.randrange(low, high + 1)
    if kind == 0 and high > low:  # bit flips
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(low, high)] ^= 1 << rng.randrange(8)
    elif kind == 1 and high > low:  # random bytes
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(low, high)] = rng.randrange(256)
    elif kind == 2:  # a boundary value, 1, 2 or 4 bytes big-endian
        width = rng.choice((1, 2, 4))
        value = rng.choice(INTERESTING) % (1 << (8 * width))
        data[position:position + width] = value.to_bytes(width, "big")
    elif kind == 3:  # delete a range
        data[position:position + rng.randint(1, 16)] = b""
    elif kind == 4:  # insert random bytes
        data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    elif kind == 5 and data:  # duplicate a range
        start = rng.randrange(len(data))
        data[position:position] = data[start:start + rng.randint(1, 64)]
    elif kind == 6:  # splice from another file
        other = rng.choice(others)
        start = rng.randrange(len(other) + 1)
        data[position:position + rng.randint(0, 64)] = other[start:start + rng.randint(1, 64)]
    elif kind == 7:  # truncate
        del data[position:]
    elif kind == 8:  # append
        data += bytes(rng.choice((0, 0xFF, rng.randrange(256))) for _ in range(rng.randint(1, 9)))
    else:  # 0xFF runs (JPEG markers) or zeros
        run = rng.choice((b"\xff", b"\0")) * rng.randint(1, 8)
        data[position:position + rng.randint(1, 8)] = run
    return bytes(data)


def scan_region(data):
    """(start, end) of a JPEG's bytes after its first SOS marker (None if none)."""
    start = data.find(b"\xff\xda")
    return None if start < 0 else (start + 2, len(data))


def mutate_stream(rng, data, others):
    """A .jzc file with one stream's bytes changed by :func:`mutate_bytes` (lengths and
    checksum kept consistent); ValueError if ``data`` is not a readable .jzc file."""
    from jpegzoo.jzc import Stream, read_jzc, write_jzc

    contents = read_jzc(data)
    if not contents.streams:
        raise ValueError("no streams")
    streams = list(contents.streams)
    index = rng.randrange(len(streams))
    streams[index] = Stream(streams[index].shape,
                            mutate_bytes(rng, streams[index].data, others))
    return write_jzc(replace(contents, streams=streams))


def mutate_latents(rng, data):
    """A file of a factorized-prior codec whose latents were changed -- to values at and
    beyond its tables' supports, the escape's extremes, or random -- and re-encoded: a
    valid stream of unusual latents (the synthesis must cope)."""

    from jpegzoo.jzc import Stream, read_jzc, write_jzc
    from jpegzoo.layers.numerics import range_coding
    from jpegzoo.zoo.codec import trained

    contents = read_jzc(data)
    codec = trained(contents.model) if contents.model in CODEC_NAMES else None
    if not hasattr(codec, "decode_latents"):
        raise ValueError(f"not a factorized-prior codec's file: {contents.model!r}")
    latents, quality, _, _ = codec.decode_latents(data)
    tables = codec.priors[quality - 1].coding_tables()
    flat = latents.reshape(-1, latents.shape[-1]).copy()
    for _ in range(rng.randint(1, 8)):
        row, channel = rng.randrange(len(flat)), rng.randrange(flat.shape[1])
        low, size = int(tables.offsets[channel]), int(tables.sizes[channel])
        flat[row, channel] = rng.choice((low, low - 1, low + size - 1, low + size,
                                         -2 ** 31, 2 ** 31 - 1, rng.randint(-99999, 99999)))
    if rng.random() < 0.2:
        flat[:] = rng.choice((0, 2 ** 31 - 1, -2 ** 31))
    latents = flat.reshape(latents.shape)
    stream = Stream(latents.shape, range_coding.encode(latents, tables))
    return write_jzc(replace(contents, streams=[stream]))


def mutate_fields(rng, data):
    """One change of a parsed .jzc file's fields, written back with a valid checksum."""
    from jpegzoo.jzc import Stream, read_jzc, write_jzc
    from jpegzoo.zoo.codec import jzc_codec_names

    contents = read_jzc(data)
    streams = list(contents.streams)
    kind = rng.randrange(9)
    index = rng.randrange(len(streams)) if streams else 0
    if kind == 0:
        dimension = rng.choice(("width", "height"))
        value = rng.choice((1, 2, 15, 16, 17, 255, 256, 4096, 65535,
                            getattr(contents, dimension) + rng.choice((-1, 1, 16))))
        contents = replace(contents, **{dimension: min(max(value, 1), 65535)})
    elif kind == 1:
        contents = replace(contents, quality=rng.choice((0, 1, 2, 3, 7, 8, 9, 255)))
    elif kind == 2 and streams:  # stream bytes: truncated, extended, emptied, replaced
        payload = streams[index].data
        cut = rng.choice((1, 3, 4, 8, len(payload) // 2, len(payload)))
        payload = rng.choice((payload[:max(len(payload) - cut, 0)],
                              payload + bytes(rng.choice((1, 4, 8))),
                              payload + bytes(rng.randrange(256) for _ in range(4)),
                              b"", bytes(len(payload)),
                              bytes(rng.randrange(256) for _ in range(len(payload)))))
        streams[index] = Stream(streams[index].shape, payload)
    elif kind == 3 and streams:  # bit flips inside a stream
        payload = bytearray(streams[index].data)
        for _ in range(rng.randint(1, 3)):
            if payload:
                payload[rng.randrange(len(payload))] ^= 1 << rng.randrange(8)
        streams[index] = Stream(streams[index].shape, bytes(payload))
    elif kind == 4 and streams:  # stream shapes
        shape = list(streams[index].shape)
        change = rng.randrange(3)
        if change == 0 and shape:
            shape[rng.randrange(len(shape))] = rng.choice(INTERESTING)
        elif change == 1:
            shape.insert(rng.randrange(len(shape) + 1), rng.choice((1, 2, 3)))
        elif shape:
            del shape[rng.randrange(len(shape))]
        streams[index] = Stream(tuple(shape), streams[index].data)
    elif kind == 5 and streams:  # drop, duplicate or reorder streams
        change = rng.randrange(3)
        if change == 0:
            del streams[index]
        elif change == 1:
            streams.insert(index, streams[index])
        else:
            rng.shuffle(streams)
    elif kind == 6:  # another codec's name (or none of them)
        names = jzc_codec_names() + ["mutated_jpeg", "no_such_codec"]
        contents = replace(contents, model=rng.choice(names))
    elif kind == 7 and streams:  # a huge declared size with the same payload
        contents = replace(contents, width=65535, height=rng.choice((65535, contents.height)))
        shape = list(streams[index].shape)
        if len(shape) >= 3:
            shape[rng.randrange(len(shape))] = 4096
        streams[index] = Stream(tuple(shape), streams[index].data)
    else:  # swap the halves of a stream (whole words: a valid-looking, wrong payload)
        if streams:
            payload = streams[index].data
            middle = len(payload) // 2 // 4 * 4
            streams[index] = Stream(streams[index].shape, payload[middle:] + payload[:middle])
    return write_jzc(replace(contents, streams=streams))


def make_case(seeds, family, seed):
    """(target, data, options) of case ``seed`` of ``family``, deterministically."""
    rng = random.Random(f"{family}:{seed}")
    pool = seeds[family]
    data = rng.choice(pool)
    others = [d for values in seeds.values() for d in values]
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        choice = rng.random()
        if family != "jpeg" and choice < 0.4:
            try:
                data = mutate_fields(rng, data)
                continue
            except ValueError:  # no longer a readable .jzc file: mutate its bytes
                pass
        if family in ("cae", "dct_ae") and choice < 0.6:
            try:
                data = mutate_latents(rng, data)
                continue
            except ValueError:  # not decodable any more: mutate its bytes
                pass
        inside = rng.random() < 0.6
        if family not in ("jpeg", "container") and inside:
            try:
                data = mutate_stream(rng, data, others)
                continue
            except ValueError:
                pass
        data = mutate_bytes(rng, data, others, scan_region(data) if inside else None)
        if family != "jpeg" and rng.random() < (0.5 if family == "container" else 0.9):
            data = repair_crc(data)
    options = {}
    if family == "rnn" and rng.random() < 0.2:
        options["iterations"] = rng.randint(0, 9)
    target = {"jpeg": "jpeg", "container": "container"}.get(family, "decode")
    return target, data, options


def _jzc(name, quality, width, height, streams):
    from jpegzoo.jzc import JzcFile, Stream, write_jzc

    return write_jzc(JzcFile(name, quality, width, height,
                             [Stream(shape, data) for shape, data in streams]))


def _restream(data, change, stream=0):
    """``data`` (a .jzc file) with stream ``stream``'s bytes replaced by
    ``change(bytes)`` (checksum recomputed)."""
    from jpegzoo.jzc import Stream, read_jzc, write_jzc

    contents = read_jzc(data)
    streams = list(contents.streams)
    streams[stream] = Stream(streams[stream].shape, change(streams[stream].data))
    return write_jzc(replace(contents, streams=streams))


def crafted_cases(seeds):
    """name -> (data, options, expected): ``expected`` is "ok" (decodes) or words of the
    ValueError's message, ``|`` between alternatives (for the decoder's first finding: a
    truncated lossless stream may give impossible samples before it runs out); decoded
    with the default pixel limit unless ``options`` say."""
    from jpegzoo.jzc import Stream, read_jzc, write_jzc
    from jpegzoo.zoo.codec import trained

    big, cases = 65535, {}
    cae, dct = trained("compressive_ae"), trained("dct_block_ae")
    for label, codec in (("cae", cae), ("dct_ae", dct)):
        name, stride, latent = codec.name, codec.stride, codec.latent
        grid = (1, -(-big // stride), -(-big // stride), latent)
        for payload in (b"", bytes(84), bytes(4096)):
            cases[f"{label}_huge_{len(payload)}"] = (
                _jzc(name, 3, big, big, [(grid, payload)]), {"max_pixels": None},
                "empty" if not payload else "too few")
        cases[f"{label}_huge_default_limit"] = (
            _jzc(name, 3, big, big, [(grid, bytes(84))]), {}, "decoding limit")
        cases[f"{label}_empty_2048"] = (
            _jzc(name, 3, 2048, 2048, [((1, 2048 // stride, 2048 // stride, latent), b"")]),
            {}, "empty")
    rnn_grid = (1, 4096, 4096, 64)
    cases["rnn_huge"] = (_jzc("recurrent_residual_ae", 1, big, big, [(rnn_grid, b"\0")]),
                         {"max_pixels": None}, "code stream of 1 bytes")
    cases["rnn_huge_8"] = (_jzc("recurrent_residual_ae", 8, big, big, [(rnn_grid, b"")] * 8),
                           {"max_pixels": None}, "code stream of 0 bytes")
    cases["lossless_huge"] = (_jzc("lossless_predictor", 1, big, big,
                                   [((big, big, 3), bytes(84)), ((1,), bytes(4))]),
                              {"max_pixels": None}, "too few")
    cases["lossless_empty_2048"] = (_jzc("lossless_predictor", 1, 2048, 2048,
                                         [((2048, 2048, 3), b""), ((1,), bytes(4))]),
                                    {}, "empty")
    for family in ("cae", "dct_ae", "lossless"):
        seed = seeds[family][0]
        for label, change, word in (
                ("empty", lambda d: b"", "empty"), ("cut4", lambda d: d[:-4], "truncated"),
                ("cut8", lambda d: d[:-8], "truncated|outside 0..255"),
                ("half", lambda d: d[:len(d) // 8 * 4], "truncated|too few|outside 0..255"),
                ("plus4", lambda d: d + bytes(4), "over-long"),
                ("plus8", lambda d: d + b"\x5a" * 8, "over-long"),
                ("plus1", lambda d: d + b"\0", "32-bit words"),
                ("zeros", lambda d: bytes(len(d)), "stream|outside 0..255")):
            cases[f"{family}_{label}"] = (_restream(seed, change), {}, word)
        if family != "lossless":  # random payloads: the coder rejects most (or decodes)
            size = len(read_jzc(seed).streams[0].data)
            for k in range(6):
                noise = random.Random(f"{family}:{k}").randbytes(size)
                cases[f"{family}_random_{k}"] = (_restream(seed, lambda d: noise), {},
                                                 "ok|range")
    seed = seeds["rnn"][0]
    for label, change in (("empty", lambda d: b""), ("cut1", lambda d: d[:-1]),
                          ("plus1", lambda d: d + b"\0")):
        cases[f"rnn_{label}"] = (_restream(seed, change), {}, "code stream of")
    contents = read_jzc(seed)
    cases["rnn_quality_mismatch"] = (write_jzc(replace(contents, quality=contents.quality + 1)),
                                     {}, "quality level")
    # lossless: a valid residual stream of another image of the same size, with the first
    # image's checksum; a file of the first format (no checksum) still decodes
    lossless = trained("lossless_predictor")
    first, other = (read_jzc(lossless.compress(_image(s, 6, 8))) for s in (10, 99))
    cases["lossless_checksum_mismatch"] = (
        write_jzc(replace(first, streams=[other.streams[0], first.streams[1]])), {},
        "CRC-32")
    cases["lossless_first_format"] = (write_jzc(replace(first, streams=first.streams[:1])),
                                      {}, "ok")
    cases["lossless_bad_checksum_stream"] = (
        write_jzc(replace(first, streams=[first.streams[0], Stream((4,), b"\0" * 4)])), {},
        "checksum stream")
    return cases


def run_case(target, data, options, max_pixels=FUZZ_MAX_PIXELS):
    """Run one case; returns the outcome ("ok" or "ValueError: ..."), raises otherwise.
    Decoding uses ``max_pixels`` unless ``options`` give one."""
    if target == "jpeg":
        from jpegzoo.jpeg.reader import read_header, read_jpeg

        outcomes = []
        for reader in (read_header, read_jpeg):
            try:
                reader(data)
                outcomes.append("ok")
            except ValueError as error:
                outcomes.append(f"ValueError: {error}")
        return " / ".join(outcomes)
    from jpegzoo.jzc import read_jzc, write_jzc

    if target == "container":
        try:
            contents = read_jzc(data)
        except ValueError as error:
            return f"ValueError: {error}"
        assert write_jzc(contents) == data, "read_jzc/write_jzc do not round trip"
        return "ok"
    from jpegzoo.zoo.codec import decompress_jzc

    options = {"max_pixels": max_pixels, **options}
    try:
        image = decompress_jzc(data, **options)
    except ValueError as error:
        message = str(error)
        assert message.strip() and "\n" not in message.strip(), f"not one line: {message!r}"
        return f"ValueError: {message}"
    contents = read_jzc(data)
    assert image.dtype.name == "uint8" and image.shape == (contents.height, contents.width, 3), \
        f"decoded {image.dtype} {image.shape} for a {contents.width}x{contents.height} file"
    return "ok"


# ------------------------------------------------------------------------------------
# the worker process
# ------------------------------------------------------------------------------------

def _limit_memory(headroom):
    import resource

    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = size + headroom
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return limit


def worker(headroom, workdir):
    """Serve cases over stdin/stdout, one JSON line each way."""
    import warnings

    warnings.simplefilter("ignore")
    seeds = make_seeds()
    crafted = crafted_cases(seeds)
    from jpegzoo.jzc import DEFAULT_MAX_PIXELS

    limit = _limit_memory(headroom)
    # numpy's overflow and invalid-cast warnings fail a case: decoders check values first
    warnings.filterwarnings("error", category=RuntimeWarning)
    out = sys.stdout
    out.write(json.dumps({"ready": True, "limit": limit, "crafted": sorted(crafted)}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        max_pixels, expected = FUZZ_MAX_PIXELS, None
        start = time.perf_counter()
        try:
            if "crafted" in request:
                data, options, expected = crafted[request["crafted"]]
                target, max_pixels = "decode", DEFAULT_MAX_PIXELS
            else:
                target, data, options = make_case(seeds, request["family"], request["seed"])
            with open(os.path.join(workdir, "case.bin"), "wb") as handle:
                handle.write(data)
            start = time.perf_counter()
            outcome = run_case(target, data, options, max_pixels)
            status = "ok"
        except BaseException as error:  # reported to the test process, which fails
            status = "error"
            outcome = f"{type(error).__name__}: {' '.join(str(error).split())[:500]}"
        reply = {"status": status, "outcome": outcome, "expected": expected,
                 "seconds": time.perf_counter() - start}
        out.write(json.dumps(reply) + "\n")
        out.flush()


# ------------------------------------------------------------------------------------
# the tests
# ------------------------------------------------------------------------------------

class Worker:
    """The test process's side: starts the worker (again after a failure) and runs cases
    with a time limit."""

    def __init__(self, workdir):
        self.workdir, self.process, self.log = workdir, None, None
        self.start()

    def start(self):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                   PYTHONPATH=os.pathsep.join([REPO_ROOT, HERE, os.environ.get("PYTHONPATH", "")]))
        self.log = open(os.path.join(self.workdir, "worker.log"), "w+b")
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", str(HEADROOM_BYTES),
             str(self.workdir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.log, env=env, cwd=REPO_ROOT)
        self.hello = self._reply(START_SECONDS, "starting the worker")

    def _reply(self, seconds, what):
        ready, _, _ = select.select([self.process.stdout], [], [], seconds)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            alive = self.process.poll() is None
            self.close()
            with open(self.log.name, "rb") as log:
                tail = log.read().decode(errors="replace")[-3000:]
            problem = f"hung for {seconds} s" if alive and not ready else \
                f"died (exit status {self.process.returncode})"
            case = os.path.join(self.workdir, f"failed-{time.time_ns()}.bin")
            if os.path.exists(os.path.join(self.workdir, "case.bin")):
                os.replace(os.path.join(self.workdir, "case.bin"), case)
            pytest.fail(f"fuzz worker {problem} on {what} (its input: {case})\n{tail}")
        return json.loads(line)

    def run(self, request, what):
        if self.process.poll() is not None:  # failed on an earlier case
            self.start()
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        return self._reply(CASE_SECONDS, what)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def worker_process(tmp_path_factory):
    process = Worker(tmp_path_factory.mktemp("fuzz"))
    yield process
    process.close()


#: Words of read_jzc's refusals (cases that did not reach a codec).
CONTAINER_REFUSALS = ("truncated .jzc file", "bad magic", "after the checksum",
                      "checksum mismatch", "unsupported .jzc version", "model name is not")


def _run_family(worker_process, family, seeds):
    """Run the cases; returns their outcomes ("ok" or "ValueError: ...")."""
    failures, outcomes = [], []
    for seed in seeds:
        what = f"case {family} {seed} (python tests/test_fuzz.py --case {family} {seed})"
        reply = worker_process.run({"family": family, "seed": seed}, what)
        if reply["status"] != "ok":
            failures.append(f"{what}: {reply['outcome']}")
        outcomes.append(reply["outcome"])
    assert not failures, "\n".join(failures[:20])
    return outcomes


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_fuzz(worker_process, family):
    outcomes = _run_family(worker_process, family, range(FAMILIES[family][0]))
    # the mutations reach the decoders: some files decode, most get past the container
    assert "ok" in outcomes or "ok / ok" in outcomes
    if family not in ("jpeg", "container"):
        beyond = [o for o in outcomes if not any(w in o for w in CONTAINER_REFUSALS)]
        assert len(beyond) >= len(outcomes) // 2, outcomes


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_fuzz_many(worker_process, family):
    default, many = FAMILIES[family]
    _run_family(worker_process, family, range(default, default + many))


def test_crafted_files(worker_process):
    """Huge declared sizes with tiny payloads, empty, truncated and over-long streams with
    valid checksums, a progressive file's wrong quality level, lossless checksums: each
    refused with a ValueError (under the memory limit: before allocating), and a lossless
    file of the first format still decoded."""
    failures = []
    names = worker_process.hello["crafted"]
    assert len(names) > 30
    for name in names:
        reply = worker_process.run({"crafted": name},
                                   f"crafted case {name} (python tests/test_fuzz.py "
                                   f"--crafted {name})")
        expected, outcome = reply["expected"], reply["outcome"]
        alternatives = expected.split("|")
        good = reply["status"] == "ok" and (
            outcome == "ok" and "ok" in alternatives
            or outcome.startswith("ValueError:")
            and any(word.lower() in outcome.lower() for word in alternatives if word != "ok"))
        if not good:
            failures.append(f"{name}: expected {expected!r}, got {outcome}")
        elif reply["seconds"] > 20:
            failures.append(f"{name}: {reply['seconds']:.1f} s")
    assert not failures, "\n".join(failures)


def _main(argv):
    if argv[:1] == ["--worker"]:
        worker(int(argv[1]), argv[2])
        return 0
    seeds = make_seeds()
    if argv[:1] == ["--case"]:
        target, data, options = make_case(seeds, argv[1], int(argv[2]))
        print(f"{target} {len(data)} bytes {options}: {data[:64].hex()}...")
        print(run_case(target, data, options))
        return 0
    if argv[:1] == ["--crafted"]:
        from jpegzoo.jzc import DEFAULT_MAX_PIXELS

        data, options, expected = crafted_cases(seeds)[argv[1]]
        print(f"expected {expected}: {run_case('decode', data, options, DEFAULT_MAX_PIXELS)}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.path[:0] = [REPO_ROOT, HERE]
    sys.exit(_main(sys.argv[1:]))
