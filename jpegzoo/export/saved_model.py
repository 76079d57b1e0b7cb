"""SavedModel export for TF Serving, and a checked loader for Python users.

``export_saved_model(model, base_dir)`` writes the layout TF Serving watches,
``base_dir/<name>/<version>/``, holding a SavedModel whose ``serving_default`` signature takes
the Keras model's named inputs (dtypes fixed, batch dimension dynamic) and returns its named
outputs. ``write_models_config(base_dir)`` writes the ``models.config`` that
``tensorflow_model_server --model_config_file=...`` reads.

Inputs are checked inside the exported graph as well: a wrong rank or fixed dimension fails
with an ``InvalidArgumentError`` naming the input and the shape it expects ("Shape of tensor
coefficients [3,8,8] is not compatible with expected shape [?,64]."), and so do inputs of
different batch sizes (TF Serving returns that text to the client). A wrong dtype is refused
by TF itself before the graph runs; its message gives the dtypes but not the input's name.
``load_serving(path)`` wraps a loaded signature for Python callers and raises ``ValueError``
(``input 'coefficients' expects int32 [batch, 64], got float32 [3, 64]``) before calling it.
Note that a raw loaded signature *silently casts* numpy arrays to its dtypes (float 1.7 becomes
int32 1); ``load_serving`` refuses them instead.
"""

import errno
import numbers
import os
import re
import shutil
import tempfile

import numpy as np
import tensorflow as tf

SIGNATURE = "serving_default"
CONFIG_NAME = "models.config"
MAX_VERSION = 2**63 - 1  # TF Serving versions are int64

# model and input names: usable as a path component, a text-proto string and a graph op name
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")
_VERSION_DIR = re.compile(r"[0-9]+\Z")

__all__ = ["CONFIG_NAME", "SIGNATURE", "ServingModel", "describe_spec", "export_saved_model",
           "load_serving", "model_names", "serving_signature", "signature_summary",
           "version_dir", "write_models_config"]


# --------------------------------------------------------------------------- signature


def serving_signature(model):
    """``{input name: tf.TensorSpec}`` of a built Keras model, batch dimension ``None``.

    Names are the keys of a dict-input model (``keras.Model({"coefficients": ..., ...}, ...)``)
    or else the ``keras.Input`` names; dtypes and the other dimensions are the model's own.
    """
    names, tensors = _model_inputs(model)
    specs = {}
    for name, tensor in zip(names, tensors):
        if getattr(tensor, "sparse", False) or getattr(tensor, "ragged", False):
            raise ValueError(f"input {name!r} is sparse or ragged; only dense inputs can be "
                             f"exported for TF Serving")
        shape = tuple(tensor.shape)
        if not shape:
            raise ValueError(f"input {name!r} has no batch dimension (shape ())")
        specs[name] = tf.TensorSpec((None,) + shape[1:], tf.as_dtype(tensor.dtype), name=name)
    return specs


def _model_inputs(model):
    """(names, Keras input tensors) in the order the model lists them."""
    try:
        structure = model.input
    except (AttributeError, ValueError) as error:
        raise ValueError(f"model {getattr(model, 'name', model)!r} has no defined inputs; "
                         f"export a built Functional model ({error})") from None
    if isinstance(structure, dict):
        names, tensors = list(structure), list(structure.values())
    else:
        tensors = list(structure) if isinstance(structure, (list, tuple)) else [structure]
        names = [tensor.name for tensor in tensors]
    for name in names:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"input name {name!r} cannot name a serving input "
                             f"(use letters, digits, '_', '.', '-')")
    if len(set(names)) != len(names):
        raise ValueError(f"input names are not unique: {names}")
    return names, tensors


def describe_spec(spec):
    """``int32 [batch, 64]`` for a TensorSpec of shape ``(None, 64)``."""
    dims = list(spec.shape)
    text = ["?" if d is None else str(d) for d in dims]
    if dims and dims[0] is None:
        text[0] = "batch"
    return f"{spec.dtype.name} [{', '.join(text)}]"


def _describe_value(dtype, shape):
    return f"{np.dtype(dtype).name} [{', '.join(str(d) for d in shape)}]"


def checked_inputs(inputs, specs):
    """``inputs`` behind runtime checks of their shapes and of a common batch size.

    A concrete function does not check the shapes of the tensors it is called with (nor does
    TF Serving), and the graph's static shapes are those of the signature, so the rank check is
    an ``EnsureShape`` op on each input: "Shape of tensor coefficients [3,8,8] is not compatible
    with expected shape [?,64]." (an ``Assert`` on ``tf.size(tf.shape(x))`` would be folded to a
    constant from the static rank).
    """
    checked = {name: tf.ensure_shape(inputs[name], spec.shape, name=f"check_{name}")
               for name, spec in specs.items()}
    if len(checked) < 2:
        return checked
    batches = tf.stack([tf.shape(x)[0] for x in checked.values()])
    check = tf.debugging.Assert(
        tf.reduce_all(tf.equal(batches, batches[0])),
        [f"inputs {', '.join(specs)} must have the same batch size, got",
         batches], summarize=len(specs), name="check_batch")
    with tf.control_dependencies([check]):
        return {name: tf.identity(x) for name, x in checked.items()}


def _named_outputs(model, outputs):
    if isinstance(outputs, dict):
        named = {str(key): value for key, value in outputs.items()}
    else:
        values = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        names = list(model.output_names)
        if len(names) != len(values):
            raise ValueError(f"model has {len(values)} outputs but output_names {names}")
        if len(set(names)) != len(names):
            raise ValueError(f"output names are not unique: {names}")
        named = dict(zip(names, values))
    for key in named:
        if not _NAME.match(key):
            raise ValueError(f"output name {key!r} cannot name a serving output")
    return named


def _serving_module(model):
    """(module to save, {signature name: function}); models that define
    ``serving_functions()`` (the learned codecs' encode/decode) give their own signatures."""
    if hasattr(model, "serving_functions"):
        functions = model.serving_functions()
        module = tf.Module()
        module.model = model
        module.functions = functions
        return module, functions
    specs = serving_signature(model)
    names, _ = _model_inputs(model)
    dict_inputs = isinstance(model.input, dict)

    @tf.function(input_signature=[specs])
    def serve(inputs):
        inputs = checked_inputs(inputs, specs)
        packed = inputs if dict_inputs else [inputs[name] for name in names]
        if not dict_inputs and len(names) == 1:
            packed = packed[0]
        return _named_outputs(model, model(packed, training=False))

    module = tf.Module()
    module.model = model  # tracks the variables (and any other resources) serve captures
    module.serve = serve
    return module, {SIGNATURE: serve}


# --------------------------------------------------------------------------- layout


def _check_name(name, what="model name"):
    if not isinstance(name, str) or not _NAME.match(name) or name in (".", ".."):
        raise ValueError(f"{what} {name!r} is not usable as a directory name "
                         f"(use letters, digits, '_', '.', '-')")
    return name


def _check_version(version):
    if isinstance(version, bool) or not isinstance(version, numbers.Integral):
        raise TypeError(f"version must be a positive integer, got {version!r}")
    if not 1 <= int(version) <= MAX_VERSION:
        raise ValueError(f"version must be a positive integer, got {version}")
    return int(version)


def version_dir(base_dir, name, version=1):
    """``base_dir/name/version`` after checking name and version (creates nothing)."""
    return os.path.join(os.fspath(base_dir), _check_name(name), str(_check_version(version)))


def _exists_error(path, version):
    return FileExistsError(errno.EEXIST, f"version {version} exists already "
                           f"(pass overwrite=True / --overwrite to replace it)", path)


def export_saved_model(model, base_dir, version=1, name=None, *, overwrite=False):
    """Export ``model`` as ``base_dir/<name>/<version>/`` for TF Serving; returns that path.

    ``name`` defaults to ``model.name``. The SavedModel is written to a hidden temporary
    directory beside the target and renamed into place, so a server polling ``base_dir/<name>``
    never sees a half-written version. An existing version is refused (``FileExistsError``)
    unless ``overwrite=True``.
    """
    name = model.name if name is None else name
    target = version_dir(base_dir, name, version)
    version = int(version)
    if os.path.lexists(target) and not overwrite:
        raise _exists_error(target, version)
    module, signatures = _serving_module(model)
    model_dir = os.path.dirname(target)
    os.makedirs(model_dir, exist_ok=True)
    # non-numeric names: TF Serving ignores them while they exist
    temp = tempfile.mkdtemp(prefix=f".{version}.tmp-", dir=model_dir)
    old = None
    try:
        export = os.path.join(temp, "model")
        tf.saved_model.save(module, export, signatures=signatures)
        if os.path.lexists(target):
            if not overwrite:
                raise _exists_error(target, version)
            old = os.path.join(temp, "old")
            os.replace(target, old)
        os.replace(export, target)
    except BaseException:
        if old is not None and not os.path.lexists(target):
            os.replace(old, target)  # put the previous version back
        raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return target


def _versions(model_dir):
    try:
        entries = os.listdir(model_dir)
    except OSError:
        return []
    return sorted(int(entry) for entry in entries
                  if _VERSION_DIR.match(entry)
                  and os.path.isfile(os.path.join(model_dir, entry, "saved_model.pb")))


def model_names(base_dir):
    """Sorted names of the directories of ``base_dir`` holding at least one exported version."""
    base_dir = os.fspath(base_dir)
    return sorted(entry for entry in os.listdir(base_dir)
                  if _NAME.match(entry) and not entry.startswith(".")
                  and _versions(os.path.join(base_dir, entry)))


def write_models_config(base_dir, names=None, path=None, serving_root="/models"):
    """Write the TF Serving ``ModelServerConfig`` text proto; returns its path.

    ``names`` defaults to every model directory under ``base_dir`` (``model_names``); each
    model's ``base_path`` is ``serving_root/<name>`` -- where ``base_dir`` is mounted in the
    server's container. ``path`` defaults to ``base_dir/models.config``; it is written
    atomically.
    """
    base_dir = os.fspath(base_dir)
    if isinstance(names, str):
        raise TypeError("names must be a list of model names, not a string")
    names = model_names(base_dir) if names is None else [_check_name(n) for n in names]
    if len(set(names)) != len(names):
        raise ValueError(f"model names are not unique: {names}")
    root = str(serving_root).rstrip("/") or "/"
    if '"' in root or "\\" in root or "\n" in root:
        raise ValueError(f"serving_root {serving_root!r} cannot be quoted in the config")
    lines = ["model_config_list {"]
    for name in names:
        lines += ["  config {",
                  f'    name: "{name}"',
                  f'    base_path: "{root.rstrip("/")}/{name}"',
                  '    model_platform: "tensorflow"',
                  "  }"]
    lines.append("}")
    path = os.path.join(base_dir, CONFIG_NAME) if path is None else os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return path


# --------------------------------------------------------------------------- loading


def _resolve_version(path):
    """A version directory, or the highest version of a model directory."""
    path = os.fspath(path)
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    versions = _versions(path)
    if not versions:
        raise FileNotFoundError(errno.ENOENT, "no SavedModel here, nor numbered version "
                                "directories holding one", path)
    return os.path.join(path, str(versions[-1]))


class ServingModel:
    """A loaded ``serving_default`` signature that checks its inputs first.

    ``model(coefficients=..., component=...)`` or ``model({"coefficients": ..., ...})``
    returns ``{output name: numpy array}``. Integer inputs take any integer array whose values
    fit the expected dtype; float inputs take integer or float arrays. Anything else, a missing
    or unknown name, a wrong rank or fixed dimension, or different batch sizes raise
    ``ValueError``.
    """

    def __init__(self, path, signature=SIGNATURE):
        self.path = _resolve_version(path)
        self._loaded = tf.saved_model.load(self.path)
        try:
            self._function = self._loaded.signatures[signature]
        except KeyError:
            raise ValueError(f"{self.path}: no signature {signature!r} "
                             f"(has {sorted(self._loaded.signatures)})") from None
        # a loaded signature's order is that of a proto map: sort for stable messages
        self.input_specs = dict(sorted(self._function.structured_input_signature[1].items()))
        self.output_specs = dict(sorted(self._function.structured_outputs.items()))

    def __repr__(self):
        return f"ServingModel({self.path!r})"

    def __call__(self, inputs=None, **kwargs):
        given = dict(inputs or {}, **kwargs)
        missing = [name for name in self.input_specs if name not in given]
        unknown = [name for name in given if name not in self.input_specs]
        if missing or unknown:
            raise ValueError(f"inputs must be {', '.join(self.input_specs)}; "
                             + "; ".join(part for part in (
                                 f"missing {', '.join(missing)}" if missing else "",
                                 f"unknown {', '.join(unknown)}" if unknown else "") if part))
        arrays = {name: self._check(name, spec, given[name])
                  for name, spec in self.input_specs.items()}
        batches = {name: array.shape[0] for name, array in arrays.items() if array.ndim}
        if len(set(batches.values())) > 1:
            raise ValueError("inputs must have the same batch size, got "
                             + ", ".join(f"{n}: {b}" for n, b in batches.items()))
        outputs = self._function(**{name: tf.constant(a) for name, a in arrays.items()})
        return {name: value.numpy() for name, value in outputs.items()}

    @staticmethod
    def _check(name, spec, value):
        array = value.numpy() if isinstance(value, tf.Tensor) else np.asarray(value)
        expected = spec.dtype.as_numpy_dtype
        got = (_describe_value(array.dtype, array.shape) if array.dtype != object
               else type(value).__name__)
        wrong = f"input '{name}' expects {describe_spec(spec)}, got {got}"
        from_list = not isinstance(value, (np.ndarray, np.generic, tf.Tensor))
        if spec.dtype.is_integer:
            # an empty Python list becomes float64: let it through
            if array.dtype.kind not in "iu" and not (from_list and array.size == 0):
                raise ValueError(wrong)
            info = np.iinfo(expected)
            if array.size and array.dtype.kind in "iu" and (
                    array.min() < info.min or array.max() > info.max):
                raise ValueError(f"{wrong}: values outside {info.min}..{info.max}")
        elif spec.dtype.is_floating:
            if array.dtype.kind not in "iuf":
                raise ValueError(wrong)
        elif array.dtype != expected:
            raise ValueError(wrong)
        if array.ndim != len(spec.shape) or any(
                d is not None and d != actual for d, actual in zip(spec.shape, array.shape)):
            raise ValueError(wrong)
        return array.astype(expected, copy=False)


def load_serving(path, signature=SIGNATURE):
    """Load an exported model (version directory, or model directory: highest version)."""
    return ServingModel(path, signature)


def signature_summary(path, signature=None):
    """Lines describing the signatures of the SavedModel at ``path`` as loaded back (all of
    them, ``serving_default`` first, unless ``signature`` names one)."""
    loaded = tf.saved_model.load(_resolve_version(path))
    names = [signature] if signature else sorted(loaded.signatures,
                                                 key=lambda n: (n != SIGNATURE, n))
    lines = []
    for name in names:
        function = loaded.signatures[name]
        inputs = dict(sorted(function.structured_input_signature[1].items()))
        outputs = dict(sorted(function.structured_outputs.items()))
        width = max(len(n) for n in list(inputs) + list(outputs))
        lines.append(f"signature {name!r} (tag 'serve'):")
        for label, specs in (("input ", inputs), ("output", outputs)):
            for key, spec in specs.items():
                lines.append(f"  {label} {key:{width}s}  {describe_spec(spec)}")
    return lines
