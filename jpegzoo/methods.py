"""The encoding methods behind ``jpegzoo encode --method`` and ``jpegzoo demo``.

A method turns a uint8 pixel array into the bytes of a file. Two kinds:

- the reference encoders, registered here: ``baseline`` (jpegzoo's own writer,
  libjpeg-identical), ``pillow`` (libjpeg-turbo) and ``mozjpeg``;
- the zoo's codecs, derived from their registrations (:class:`jpegzoo.zoo.registry.MethodSpec`):
  the method encodes with the codec's ``compress`` (:mod:`jpegzoo.zoo.codec`). JPEG-side
  codecs (``mutated``, ``qtable``) write baseline JFIF; learned codecs write ``.jzc`` files
  at their own quality levels.

Listing methods imports neither TensorFlow nor the models (entries are resolved on use).

Encoder signature::

    encoder(image, quality=None, subsampling="420", optimize=None, restart_interval=0,
            progressive=False, **options) -> bytes

with ``image`` uint8 ``[H, W, 3]`` or ``[H, W]``; ``quality`` None means the method's
default (:attr:`Method.quality` says what it means); the JPEG options do not apply to
``.jzc`` methods (they are dropped there).

Which options apply to which method is data: :attr:`Method.accepted_options` (the JPEG
options its files take, then its own), from which the command line refuses the others
and writes its ``--help``.
``progressive`` (True, ``"search"`` or a script, see :mod:`jpegzoo.jpeg.progressive`)
re-codes a JPEG method's file as progressive JPEG: the same levels, hence the same
pixels, in other scans (:func:`jpegzoo.jpeg.progressive.recode`).
"""

from dataclasses import dataclass

from jpegzoo.lazy import resolve
from jpegzoo.zoo.registry import IJG_QUALITY, QualityScale

#: Options of JPEG files, which ``.jzc`` methods do not take.
JPEG_OPTIONS = ("subsampling", "optimize", "restart_interval", "progressive")

#: The file names each kind of output may take (the first is the method's ``suffix``).
OUTPUT_SUFFIXES = {".jpg": (".jpg", ".jpeg", ".jpe", ".jfif"), ".jzc": (".jzc",)}


@dataclass(frozen=True)
class Method:
    """A registered encoding method.

    Attributes:
        name: the name used on the command line.
        summary: one line for ``--help`` and the demo's legend.
        encoder: ``"module:function"`` of a reference encoder, or None for a zoo codec.
        codec: the zoo model that encodes (None for reference encoders).
        suffix: file suffix of its output (``.jpg`` or ``.jzc``).
        options: extra keyword arguments the encoder accepts beyond the common ones
            (e.g. ``lam`` for ``--lambda``).
        in_demo: whether ``jpegzoo demo`` runs it by default.
        needs_tensorflow: whether encoding imports TensorFlow (the command line then
            starts it quietly first: :mod:`jpegzoo.tensorflow_runtime`).
        jpeg_options: the :data:`JPEG_OPTIONS` it takes; None: all of them for JPEG
            outputs, none for ``.jzc`` ones.
        quality: what ``quality`` means (:class:`~jpegzoo.zoo.registry.QualityScale`).
        decode_options: keyword options the decoder of its files takes (e.g.
            ``iterations`` of a progressive file).
        replaces_quality: those of :attr:`options` that set the operating point instead
            of ``quality`` (which is then unused).
    """

    name: str
    summary: str
    encoder: str = None
    codec: str = None
    suffix: str = ".jpg"
    options: tuple = ()
    in_demo: bool = True
    needs_tensorflow: bool = True
    jpeg_options: tuple = None
    quality: QualityScale = IJG_QUALITY
    decode_options: tuple = ()
    replaces_quality: tuple = ()

    @property
    def accepted_options(self):
        """Every keyword option of the encoder that applies beyond ``quality``: the JPEG
        options its files take, then its own (:attr:`options`)."""
        jpeg = self.jpeg_options
        if jpeg is None:
            jpeg = JPEG_OPTIONS if self.suffix == ".jpg" else ()
        return tuple(jpeg) + tuple(o for o in self.options if o not in jpeg)

    @property
    def output_suffixes(self):
        """The file name endings its outputs may take (lower case; the first is
        :attr:`suffix`)."""
        return OUTPUT_SUFFIXES.get(self.suffix, (self.suffix,))

    def load(self):
        """The encoder function (imports the encoder; a zoo codec loads on first use)."""
        if self.codec is None:
            encoder = resolve(self.encoder)
        else:
            encoder = _CodecEncoder(self.codec, self.suffix == ".jzc")
        if self.suffix != ".jpg":
            return encoder
        return _JpegEncoder(encoder, own_scans="progressive" in self.options)

    def load_decoder(self):
        """``decoder(data) -> uint8 image`` for this method's files: the ``.jzc`` decoder
        (the model the file names) or Pillow for JPEG (as users' decoders would)."""
        if self.suffix == ".jzc":
            from jpegzoo.zoo.codec import decompress_jzc

            return decompress_jzc
        from jpegzoo.imageio import decode_jpeg

        return decode_jpeg

    @property
    def available(self):
        """Whether it can encode here: reference encoders always; a zoo codec once its
        trained weights (or data) ship in the package."""
        if self.codec is None:
            return True
        from jpegzoo.zoo import registry

        entry = registry.entry(self.codec)
        return entry.loader is not None or entry.weights_file.is_file()

    @property
    def qualities(self):
        """The method's own quality levels (learned codecs: the codec's levels, which
        evaluations use instead of IJG qualities); None: IJG qualities 1..100."""
        return None if self.quality == IJG_QUALITY else self.quality.values


@dataclass(frozen=True)
class _CodecEncoder:
    """A zoo codec's ``compress`` with the method signature (picklable for worker
    processes)."""

    codec: str
    learned: bool

    def __call__(self, image, quality=None, **options):
        from jpegzoo.zoo.codec import trained

        if self.learned:
            options = {k: v for k, v in options.items() if k not in JPEG_OPTIONS}
        if quality is not None:
            options["quality"] = quality
        return trained(self.codec).compress(image, **options)


@dataclass(frozen=True)
class _JpegEncoder:
    """A JPEG method's encoder taking ``progressive``: its file as it is (False), or its
    levels re-coded as progressive JPEG; an encoder that writes its own scans
    (``own_scans``) gets ``progressive`` itself (picklable for worker processes)."""

    encoder: object
    own_scans: bool = False

    def __call__(self, image, progressive=None, **options):
        if self.own_scans:
            return self.encoder(image, progressive=progressive, **options)
        data = self.encoder(image, **options)
        if progressive is False or progressive is None:
            return data
        from jpegzoo.jpeg.progressive import recode

        return recode(data, progressive)


_REGISTRY = {}


def register(name, summary, **fields):
    """Add a method (``fields``: those of :class:`Method`); a name registered again is
    replaced."""
    _REGISTRY[name] = Method(name, summary, **fields)


def get(name):
    """The :class:`Method` called ``name``; ValueError listing the known ones otherwise."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown method {name!r}; known methods: {', '.join(names())}")
    return _REGISTRY[name]


def names():
    """Registered method names, sorted."""
    return sorted(_REGISTRY)


def accepting(option):
    """Names of the methods whose encoders take keyword option ``option``, sorted."""
    return [name for name in names() if option in _REGISTRY[name].accepted_options]


def demo_names():
    """The methods ``jpegzoo demo`` runs by default (those that can encode here), sorted."""
    return sorted(name for name, method in _REGISTRY.items()
                  if method.in_demo and method.available)


def _register_zoo_codecs():
    from jpegzoo.zoo import registry

    for entry in registry.entries():
        spec = entry.method
        if spec is not None:
            register(spec.alias, spec.summary, codec=entry.name, suffix=spec.suffix,
                     options=spec.options, in_demo=spec.in_demo, quality=spec.quality,
                     decode_options=spec.decode_options,
                     replaces_quality=spec.replaces_quality,
                     needs_tensorflow=spec.needs_tensorflow, jpeg_options=spec.jpeg_options)


register("baseline", "reference baseline JPEG writer: IJG quality tables, jpegzoo's own DCT "
         "and coder", encoder="jpegzoo.jpeg.baseline:encode", needs_tensorflow=False)
register("pillow", "reference: libjpeg-turbo through Pillow (same tables and options), for "
         "comparison", encoder="jpegzoo.reference_codecs:pillow_encode", needs_tensorflow=False,
         jpeg_options=("subsampling", "optimize", "progressive"))  # no restart markers
register("mozjpeg", "reference: mozjpeg 4.0.3 (jpeglib) with IJG tables, trellis "
         "quantization, optimized Huffman", encoder="jpegzoo.reference_codecs:mozjpeg_encode",
         needs_tensorflow=False, jpeg_options=("subsampling", "progressive"))  # always optimized
_register_zoo_codecs()
