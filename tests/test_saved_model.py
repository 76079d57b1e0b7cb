"""Tests of the TF Serving export (jpegzoo.export.saved_model) and ``jpegzoo export``.

The zoo's ``mutation_bitcount`` with its shipped weights (inputs coefficients int32 [N, 64],
component int32 [N]; output ``bits`` float32 [N]) is exported once; one fresh interpreter
reloads it with ``tf.saved_model.load`` and reports its signature, its
outputs at batch 7 and 1 and the errors of bad calls, which are compared with the Keras model.
The gRPC client code of docs/serving.md is run against an in-process stand-in of TF Serving's
PredictionService when tensorflow-serving-api is installed.
"""

import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from jpegzoo.cli import main  # noqa: E402
from jpegzoo.export.saved_model import (  # noqa: E402
    export_saved_model,
    load_serving,
    model_names,
    serving_signature,
    write_models_config,
)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(REPO_ROOT, "docs", "serving.md")
NAME = "mutation_bitcount"


def _inputs(batch, seed=1):
    rng = np.random.default_rng(seed)
    coefficients = rng.integers(-1024, 1024, (batch, 64)).astype(np.int32)
    coefficients[:, 20:] = 0
    return {"coefficients": coefficients,
            "component": rng.integers(0, 2, batch).astype(np.int32)}


def _keras_bits(model, inputs):
    return np.asarray(model(inputs, training=False)["bits"])


@pytest.fixture(scope="module")
def model():
    """The real zoo model with its shipped weights."""
    from jpegzoo import zoo

    return zoo.load(NAME)


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory):
    base = tmp_path_factory.mktemp("models")
    path = export_saved_model(model, base, name=NAME)
    return base, path


# the one fresh interpreter: everything the tests below read back from the SavedModel
_RELOAD = textwrap.dedent("""
    import json, os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import tensorflow as tf

    path, data = sys.argv[1], np.load(sys.argv[2])
    signature = tf.saved_model.load(path).signatures["serving_default"]
    spec = lambda s: [s.dtype.name, [None if d is None else int(d) for d in s.shape]]
    report = {
        "inputs": {k: spec(s) for k, s in signature.structured_input_signature[1].items()},
        "args": [len(signature.structured_input_signature[0])],
        "outputs": {k: spec(s) for k, s in signature.structured_outputs.items()},
        "jpegzoo": "jpegzoo" in sys.modules,
    }
    for batch in (7, 1):
        out = signature(coefficients=tf.constant(data[f"coefficients{batch}"]),
                        component=tf.constant(data[f"component{batch}"]))
        report[f"bits{batch}"] = [list(out), out["bits"].shape.as_list(),
                                  out["bits"].numpy().tolist()]
    good_c, good_k = tf.constant(data["coefficients7"]), tf.constant(data["component7"])
    bad = {
        "float_dtype": dict(coefficients=tf.cast(good_c, tf.float32), component=good_k),
        "int64_dtype": dict(coefficients=good_c, component=tf.cast(good_k, tf.int64)),
        "rank": dict(coefficients=tf.reshape(good_c, (7, 8, 8)), component=good_k),
        "rank_component": dict(coefficients=good_c, component=good_k[:, None]),
        "width": dict(coefficients=good_c[:, :32], component=good_k),
        "batch": dict(coefficients=good_c, component=good_k[:3]),
        "ac_overflow": dict(coefficients=tf.tensor_scatter_nd_update(
            good_c, [[0, 5]], [-2 ** 31]), component=good_k),
        "ac_range": dict(coefficients=tf.tensor_scatter_nd_update(
            good_c, [[1, 9]], [2048]), component=good_k),
        "dc_range": dict(coefficients=tf.tensor_scatter_nd_update(
            good_c, [[2, 0]], [-4096]), component=good_k),
        "component_value": dict(coefficients=good_c, component=good_k - 1),
    }
    large = 3 * 8192 + 5  # several of the signature's chunks
    out = signature(coefficients=tf.tile(good_c, [large // 7 + 1, 1])[:large],
                    component=tf.tile(good_k, [large // 7 + 1])[:large])["bits"].numpy()
    report["chunked"] = [len(out), bool(np.allclose(out[7:14], out[:7]))]
    report["empty"] = signature(coefficients=good_c[:0], component=good_k[:0])[
        "bits"].shape.as_list()
    for case, kwargs in bad.items():
        try:
            signature(**kwargs)
            report[case] = None
        except Exception as error:
            report[case] = [type(error).__name__, str(error)]
    print("REPORT" + json.dumps(report))
""")


@pytest.fixture(scope="module")
def reloaded(exported, tmp_path_factory):
    _, path = exported
    data = tmp_path_factory.mktemp("inputs") / "inputs.npz"
    arrays = {}
    for batch in (7, 1):
        for key, value in _inputs(batch, seed=batch).items():
            arrays[f"{key}{batch}"] = value
    np.savez(data, **arrays)
    result = subprocess.run([sys.executable, "-c", _RELOAD, path, str(data)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    line = [x for x in result.stdout.splitlines() if x.startswith("REPORT")][-1]
    return json.loads(line[len("REPORT"):])


# --------------------------------------------------------------------------- layout


def test_layout_is_base_name_version(exported):
    base, path = exported
    assert path == os.path.join(str(base), NAME, "1")
    assert sorted(os.listdir(base / NAME)) == ["1"]  # no temporary directories left
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert os.path.isdir(os.path.join(path, "variables"))
    assert model_names(base) == [NAME]


def test_name_defaults_to_model_name(model, tmp_path):
    path = export_saved_model(model, tmp_path, version=3)
    assert path == os.path.join(str(tmp_path), model.name, "3")


def test_existing_version_is_refused_unless_overwrite(model, tmp_path):
    path = export_saved_model(model, tmp_path, name="m")
    marker = os.path.join(path, "marker")
    open(marker, "w").close()
    with pytest.raises(FileExistsError, match="version 1 exists already"):
        export_saved_model(model, tmp_path, name="m")
    assert os.path.exists(marker)
    assert export_saved_model(model, tmp_path, name="m", overwrite=True) == path
    assert not os.path.exists(marker)
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert sorted(os.listdir(tmp_path / "m")) == ["1"]


@pytest.mark.parametrize("version", [0, -1, 2**63])
def test_version_must_be_positive(model, tmp_path, version):
    with pytest.raises(ValueError, match="positive integer"):
        export_saved_model(model, tmp_path, version=version, name="m")
    assert not os.path.exists(tmp_path / "m")


@pytest.mark.parametrize("version", [True, 1.0, "1", None])
def test_version_must_be_an_integer(model, tmp_path, version):
    with pytest.raises(TypeError, match="positive integer"):
        export_saved_model(model, tmp_path, version=version, name="m")


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", 'a"b', "a b"])
def test_bad_model_names_are_refused(model, tmp_path, name):
    with pytest.raises(ValueError, match="directory name"):
        export_saved_model(model, tmp_path, name=name)


# --------------------------------------------------------------------------- signature


def test_signature_from_model_inputs(model):
    specs = serving_signature(model)
    assert list(specs) == ["coefficients", "component"]
    assert specs["coefficients"] == tf.TensorSpec((None, 64), tf.int32, name="coefficients")
    assert specs["component"] == tf.TensorSpec((None,), tf.int32, name="component")


def test_reloaded_signature_names_dtypes_shapes(reloaded):
    assert reloaded["inputs"] == {"coefficients": ["int32", [None, 64]],
                                  "component": ["int32", [None]]}
    assert reloaded["args"] == [0]  # keyword inputs only
    assert reloaded["outputs"] == {"bits": ["float32", [None]]}
    assert not reloaded["jpegzoo"]  # serving needs no jpegzoo code


@pytest.mark.parametrize("batch", [7, 1])
def test_reloaded_outputs_match_keras(model, reloaded, batch):
    keys, shape, bits = reloaded[f"bits{batch}"]
    assert keys == ["bits"] and shape == [batch]
    expected = _keras_bits(model, _inputs(batch, seed=batch))
    np.testing.assert_allclose(bits, expected, rtol=1e-5, atol=1e-5)


def test_saved_model_cli_shows_named_signature(exported):
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    if not os.path.exists(cli):
        pytest.skip("saved_model_cli is not installed beside this Python")
    _, path = exported
    result = subprocess.run(
        [cli, "show", "--dir", path, "--tag_set", "serve", "--signature_def", "serving_default"],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-2000:]
    text = result.stdout
    for expected in ("inputs['coefficients'] tensor_info:", "inputs['component'] tensor_info:",
                     "outputs['bits'] tensor_info:", "shape: (-1, 64)",
                     "name: serving_default_coefficients:0", "DT_INT32", "DT_FLOAT",
                     "Method name is: tensorflow/serving/predict"):
        assert expected in text, text
    assert "_1" not in re.sub(r"StatefulPartitionedCall:\d", "", text), text


def test_list_inputs_and_unnamed_outputs_take_keras_names(tmp_path):
    """Inputs given as a list are named by their keras.Input; a bare output by its layer."""
    x = keras.Input((3,), name="x")
    y = keras.Input((2,), dtype="int32", name="y")
    joined = keras.layers.Concatenate()([x, keras.ops.cast(y, "float32")])
    model = keras.Model([x, y], keras.layers.Dense(1, name="score")(joined), name="listy")
    served = load_serving(export_saved_model(model, tmp_path))
    assert served.input_specs == {"x": tf.TensorSpec((None, 3), tf.float32, name="x"),
                                  "y": tf.TensorSpec((None, 2), tf.int32, name="y")}
    assert list(served.output_specs) == ["score"]
    xs, ys = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), np.ones((4, 2), np.int32)
    np.testing.assert_allclose(served(x=xs, y=ys)["score"], np.asarray(model([xs, ys])),
                               rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- errors


def test_raw_signature_refuses_float_for_int32(reloaded):
    kind, text = reloaded["float_dtype"]
    assert kind in ("InvalidArgumentError", "ValueError", "TypeError")
    assert "int32" in text and "float" in text


def test_raw_signature_refuses_int64_for_int32(reloaded):
    kind, text = reloaded["int64_dtype"]
    assert kind == "InvalidArgumentError" and "int32" in text and "int64" in text


@pytest.mark.parametrize("case, words", [
    ("rank", ["coefficients [7,8,8]", "expected shape [?,64]"]),
    ("rank_component", ["component [7,1]", "expected shape [?]"]),
    ("width", ["coefficients [7,32]", "expected shape [?,64]"]),
    ("batch", ["inputs coefficients, component must have the same batch size", "[7 3]"]),
])
def test_raw_signature_checks_shapes(reloaded, case, words):
    kind, text = reloaded[case]
    assert kind == "InvalidArgumentError"
    for word in words:
        assert word in text, text


@pytest.mark.parametrize("case, words", [
    ("ac_overflow", ["coefficients: AC levels must lie in -2047..2047"]),
    ("ac_range", ["coefficients: AC levels must lie in -2047..2047"]),
    ("dc_range", ["coefficients: DC differences must lie in -4095..4095"]),
    ("component_value", ["component must be 0 (luminance) or 1 (chrominance)"]),
])
def test_raw_signature_refuses_values_outside_jpeg(reloaded, case, words):
    """-2^31 is not priced like an all-zero block, out-of-range levels and components are
    refused in the graph, naming the input."""
    kind, text = reloaded[case]
    assert kind == "InvalidArgumentError"
    for word in words:
        assert word in text, text


def test_raw_signature_runs_large_and_empty_batches_in_chunks(reloaded):
    assert reloaded["chunked"] == [3 * 8192 + 5, True]
    assert reloaded["empty"] == [0]


@pytest.fixture(scope="module")
def served(exported):
    _, path = exported
    return load_serving(path)


def test_load_serving_matches_keras(model, exported, served):
    base, path = exported
    inputs = _inputs(7, seed=7)
    assert served.path == path
    assert load_serving(os.path.join(str(base), NAME)).path == path  # highest version
    out = served(**inputs)
    assert list(out) == ["bits"] and out["bits"].dtype == np.float32
    np.testing.assert_allclose(out["bits"], _keras_bits(model, inputs), rtol=1e-5, atol=1e-5)
    # lists and other integer dtypes are fine when the values fit
    listed = served({"coefficients": inputs["coefficients"].astype(np.int64).tolist(),
                     "component": inputs["component"].astype(np.uint8)})
    np.testing.assert_array_equal(listed["bits"], out["bits"])
    assert served(coefficients=np.zeros((0, 64), np.int32), component=[])["bits"].shape == (0,)


@pytest.mark.parametrize("inputs, message", [
    ({"coefficients": np.full((3, 64), 1.7, np.float32), "component": np.zeros(3, np.int32)},
     "input 'coefficients' expects int32 [batch, 64], got float32 [3, 64]"),
    ({"coefficients": tf.zeros((3, 64)), "component": tf.zeros(3, tf.int32)},
     "input 'coefficients' expects int32 [batch, 64], got float32 [3, 64]"),
    ({"coefficients": np.zeros((3, 8, 8), np.int32), "component": np.zeros(3, np.int32)},
     "input 'coefficients' expects int32 [batch, 64], got int32 [3, 8, 8]"),
    ({"coefficients": np.zeros((3, 64), np.int32), "component": np.zeros((3, 1), np.int32)},
     "input 'component' expects int32 [batch], got int32 [3, 1]"),
    ({"coefficients": np.zeros((3, 64), np.int32), "component": np.zeros(3, bool)},
     "input 'component' expects int32 [batch], got bool [3]"),
    ({"coefficients": np.full((3, 64), 2**31), "component": np.zeros(3, np.int32)},
     "values outside -2147483648..2147483647"),
    ({"coefficients": np.zeros((3, 64), np.int32), "component": np.zeros(4, np.int32)},
     "inputs must have the same batch size, got coefficients: 3, component: 4"),
    ({"coefficients": np.zeros((3, 64), np.int32)}, "missing component"),
    ({"coefficients": np.zeros((3, 64), np.int32), "component": np.zeros(3, np.int32),
      "quality": 75}, "unknown quality"),
])
def test_load_serving_errors_name_the_input(served, inputs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        served(inputs)


# --------------------------------------------------------------------------- models.config


def test_models_config_lists_exported_models(exported):
    base, _ = exported
    path = write_models_config(base)
    assert path == os.path.join(str(base), "models.config")
    with open(path) as handle:
        assert handle.read() == textwrap.dedent(f"""\
            model_config_list {{
              config {{
                name: "{NAME}"
                base_path: "/models/{NAME}"
                model_platform: "tensorflow"
              }}
            }}
            """)


def test_models_config_names_root_and_path(tmp_path):
    path = write_models_config(tmp_path, ["a", "b.2"], path=tmp_path / "x.config",
                               serving_root="/srv/models/")
    text = open(path).read()
    assert text.count("config {") == 2
    assert 'base_path: "/srv/models/a"' in text and 'base_path: "/srv/models/b.2"' in text
    assert not os.path.exists(tmp_path / "models.config")
    assert [e for e in os.listdir(tmp_path) if e.startswith(".")] == []
    with pytest.raises(ValueError, match="directory name"):
        write_models_config(tmp_path, ['a"b'])
    with pytest.raises(ValueError, match="not unique"):
        write_models_config(tmp_path, ["a", "a"])
    with pytest.raises(TypeError, match="list"):
        write_models_config(tmp_path, "a")


def test_models_config_parses_as_model_server_config(tmp_path):
    config_pb2 = pytest.importorskip("tensorflow_serving.config.model_server_config_pb2")
    from google.protobuf import text_format

    path = write_models_config(tmp_path, [NAME, "other"])
    config = text_format.Parse(open(path).read(), config_pb2.ModelServerConfig())
    entries = config.model_config_list.config
    assert [(c.name, c.base_path, c.model_platform) for c in entries] == [
        (NAME, f"/models/{NAME}", "tensorflow"), ("other", "/models/other", "tensorflow")]


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def fake_zoo(monkeypatch, model):
    from jpegzoo import zoo

    def load(name):
        if name not in (NAME, "other"):
            raise KeyError(name)
        return model

    from jpegzoo.zoo import registry

    monkeypatch.setattr(zoo, "load", load, raising=False)
    monkeypatch.setattr(zoo, "list", lambda: [NAME, "other"], raising=False)
    monkeypatch.setitem(registry._ENTRIES, "other",
                        registry.ZooEntry("other", "jpegzoo.zoo.mutation_bitcount:"
                                          "build_mutation_bitcount", "a second name"))


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _one_line_error(status, err, *words):
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jpegzoo: error: "), err
    for word in words:
        assert word in lines[0], err


def test_cli_export(capsys, fake_zoo, tmp_path):
    status, out, err = _run(capsys, "export", NAME, tmp_path)
    assert status == 0, err
    path = os.path.join(str(tmp_path), NAME, "1")
    assert out.splitlines()[0] == f"{path}: {NAME} version 1"
    assert "input  coefficients  int32 [batch, 64]" in out
    assert "input  component     int32 [batch]" in out
    assert "output bits          float32 [batch]" in out
    assert out.index("coefficients") < out.index("component  ")  # sorted, not proto-map order
    assert f"models.config: 1 model(s): {NAME}" in out

    status, out, err = _run(capsys, "export", "other", tmp_path, "--version", "5")
    assert status == 0, err
    assert os.path.isfile(tmp_path / "other" / "5" / "saved_model.pb")
    config = open(tmp_path / "models.config").read()
    assert f'name: "{NAME}"' in config and 'base_path: "/models/other"' in config

    status, out, err = _run(capsys, "export", NAME, tmp_path)
    _one_line_error(status, err, "version 1 exists already", "--overwrite")
    status, out, err = _run(capsys, "export", NAME, tmp_path, "--overwrite")
    assert status == 0, err


def test_cli_export_errors(capsys, fake_zoo, tmp_path):
    status, _, err = _run(capsys, "export", "nope", tmp_path)
    _one_line_error(status, err, "unknown model 'nope'", NAME)
    status, _, err = _run(capsys, "export", NAME, tmp_path, "--version", "0")
    assert status == 2 and "positive integer" in err
    status, _, err = _run(capsys, "export", "a/b", tmp_path)
    _one_line_error(status, err, "unknown model 'a/b'")
    afile = tmp_path / "file"
    afile.write_text("x")
    status, _, err = _run(capsys, "export", NAME, afile)
    _one_line_error(status, err, "not a directory")
    assert not os.path.exists(tmp_path / NAME)


# --------------------------------------------------------------------------- docs/serving.md


def _doc_python_blocks():
    with open(DOC) as handle:
        return re.findall(r"```python\n(.*?)```", handle.read(), flags=re.S)


def test_doc_rest_body_is_the_columnar_inputs(served):
    with open(DOC) as handle:
        text = handle.read()
    body = json.loads(re.search(r"cat > request\.json <<'EOF'\n(.*?)\nEOF", text, re.S).group(1))
    assert set(body) == {"signature_name", "inputs"}
    assert set(body["inputs"]) == {"coefficients", "component"}
    out = served(body["inputs"])  # the JSON numbers are ints: accepted as int32
    assert out["bits"].shape == (len(body["inputs"]["component"]),)


def test_doc_grpc_client_runs(served, monkeypatch):
    """The request-building and calling blocks of docs/serving.md, against a local stand-in
    of TF Serving's PredictionService that answers with ``load_serving``."""
    pytest.importorskip("tensorflow_serving.apis.predict_pb2")
    from concurrent import futures

    import grpc
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    build, call = _doc_python_blocks()[:2]
    assert "predict_pb2.PredictRequest()" in build and "Stub(" in call
    scope = {}
    exec(compile(build, "docs/serving.md (request)", "exec"), scope)
    request = scope["request"]
    assert request.model_spec.name == NAME
    assert request.model_spec.signature_name == "serving_default"
    assert {k: tf.dtypes.as_dtype(v.dtype).name for k, v in request.inputs.items()} == {
        "coefficients": "int32", "component": "int32"}
    assert [d.size for d in request.inputs["coefficients"].tensor_shape.dim] == [2, 64]

    class Predictor(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):  # noqa: N802 (gRPC's name)
            assert request.model_spec.name == NAME
            inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
            response = predict_pb2.PredictResponse()
            for key, value in served(inputs).items():
                response.outputs[key].CopyFrom(tf.make_tensor_proto(value))
            return response

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Predictor(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    if not port:
        pytest.skip("cannot bind a local gRPC port")
    server.start()
    try:
        exec(compile(call.replace("localhost:8500", f"127.0.0.1:{port}"),
                     "docs/serving.md (call)", "exec"), scope)
    finally:
        server.stop(None)
    expected = served({k: tf.make_ndarray(v) for k, v in request.inputs.items()})["bits"]
    np.testing.assert_array_equal(scope["bits"], expected)
    assert scope["bits"].dtype == np.float32 and scope["bits"].shape == (2,)
