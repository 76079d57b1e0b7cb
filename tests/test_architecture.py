"""The layering of docs/architecture.md, checked on the code's own imports, and the rule
that JPEG-only paths do not import TensorFlow."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "jpegzoo"

#: Layer of each top-level part of jpegzoo (docs/architecture.md): a module may import
#: only parts of a lower layer, or of its own part.
LAYERS = {
    "layers": 0,
    "imageio": 1, "metrics": 1, "reference_codecs": 1, "lazy": 1, "tensorflow_runtime": 1,
    "progress": 1,
    "jpeg": 2, "jzc": 2, "export": 2, "datasets": 2,
    "zoo": 3,
    "methods": 4,
    "evaluation": 5, "training": 5, "pipelines": 5,
    "cli": 6,
}


def _part(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _imports(path):
    """Names of the jpegzoo modules ``path`` imports (at any depth in the file)."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("jpegzoo"))
        elif isinstance(node, ast.ImportFrom) and node.module and \
                node.module.startswith("jpegzoo"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        yield ".".join(relative.parts), path


def test_every_part_has_a_layer():
    parts = {_part(module) for module, _ in _modules()} - {None, "__init__", "__main__"}
    assert parts <= set(LAYERS), f"parts without a layer: {parts - set(LAYERS)}"


@pytest.mark.parametrize("module,path", list(_modules()), ids=lambda v: str(v))
def test_imports_follow_the_layers(module, path):
    own = _part(module)
    if own in (None, "__init__", "__main__"):
        return
    for target in _imports(path):
        other = _part(target)
        if other is None or other == own or other not in LAYERS:
            continue
        if own == "layers":
            pytest.fail(f"{module} imports {target}: jpegzoo.layers imports nothing else")
        assert LAYERS[other] < LAYERS[own], \
            f"{module} (layer {LAYERS[own]}) imports {target} (layer {LAYERS[other]})"


def test_nothing_imports_the_cli():
    for module, path in _modules():
        if _part(module) != "cli":
            assert not any(t.startswith("jpegzoo.cli") for t in _imports(path)), module


def test_numerics_are_numpy_only():
    """``jpegzoo.layers.numerics`` imports neither Keras nor TensorFlow, at any depth."""
    for path in sorted((PACKAGE / "layers" / "numerics").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] in ("keras", "tensorflow") for n in names), path


JPEG_ONLY = ["jpegzoo.layers.numerics.bit_counter", "jpegzoo.layers.numerics.huffman",
             "jpegzoo.layers.numerics.range_coding", "jpegzoo.jpeg.reader",
             "jpegzoo.jpeg.scan_kernels", "jpegzoo.jpeg.writer", "jpegzoo.jpeg.baseline",
             "jpegzoo.jpeg.forward", "jpegzoo.jpeg.forward_kernels",
             "jpegzoo.jpeg.entropy_coder", "jpegzoo.jpeg.entropy_kernels", "jpegzoo.jzc",
             "jpegzoo.jpeg.progressive", "jpegzoo.jpeg.progressive_kernels",
             "jpegzoo.jpeg.scan_search", "jpegzoo.jpeg.optimize", "jpegzoo.cli.optimize",
             "jpegzoo.jpeg.trellis", "jpegzoo.jpeg.trellis_kernels", "jpegzoo.jpeg.coefficients",
             "jpegzoo.jpeg.table_search", "jpegzoo.zoo.best_jpeg",
             "jpegzoo.methods", "jpegzoo.zoo", "jpegzoo.zoo.registry", "jpegzoo.imageio"]


def test_jpeg_only_paths_do_not_import_tensorflow():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in JPEG_ONLY)
            + "from jpegzoo import methods, zoo\nmethods.names(); zoo.list()\n"
            + "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_every_zoo_model_has_its_folder():
    from jpegzoo.zoo import registry

    for entry in registry.entries():
        folder = PACKAGE / "zoo" / entry.name
        assert (folder / "__init__.py").is_file() and (folder / "card.md").is_file(), \
            entry.name
