"""The package's layer order, read from the imports themselves.

A module may import from its own layer or any lower one; the apps on top may use
everything. A new module must be placed in a layer here before this test passes.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "minitorch"

LAYERS: dict[str, int] = {
    # L0: float maths, the module tree, data, the shared test catalogue
    "operators": 0,
    "module": 0,
    "datasets": 0,
    "testing": 0,
    "ieee754": 0,
    "_lazy": 0,
    # L1: autodiff core, scalars, optimizers, checkpoints, the scalar network
    "autodiff": 1,
    "scalar_functions": 1,
    "scalar": 1,
    "optim": 1,
    "checkpoint": 1,
    "scalar_layers": 1,
    "lecture_network": 1,
    # L2: tensors and the reference backend
    "tensor_data": 2,
    "tensor_ops": 2,
    "tensor_functions": 2,
    "tensor": 2,
    "tensor_layers": 2,
    # L3: compiled backends
    "fast_ops": 3,
    "cuda_ops": 3,
    "_numba_index": 3,
    "backends": 3,
    # L4: networks
    "fast_conv": 4,
    "nn": 4,
    "layers": 4,
    # apps: built on the public API
    "__init__": 9,
    "__main__": 9,
    "cli": 9,
    "train": 9,
    "viz": 9,
    "images": 9,
    "lecture": 9,
    "web": 9,
}


def _top_module(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, top-level minitorch submodule) for every import inside the package."""
    tree = ast.parse(path.read_text(), filename=str(path))
    depth = len(path.relative_to(PACKAGE).parts) - 1
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module and node.module.split(".")[0] == "minitorch":
                    found.append((node.lineno, "ABSOLUTE"))
                continue
            if node.level - 1 < depth:
                continue  # relative import inside the same subpackage
            if node.module:
                found.append((node.lineno, node.module.split(".")[0]))
            else:
                found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "minitorch":
                    found.append((node.lineno, "ABSOLUTE"))
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize(
    "path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES]
)
def test_imports_respect_layers(path: Path) -> None:
    me = _top_module(path)
    assert me in LAYERS, f"{me} has no layer: add it to LAYERS in {__file__}"
    for line, target in _imported_modules(path):
        assert target != "ABSOLUTE", f"{path.name}:{line} imports minitorch absolutely"
        assert target in LAYERS, f"{path.name}:{line} imports unknown module {target}"
        assert LAYERS[target] <= LAYERS[me], (
            f"{path.name}:{line}: {me} (layer {LAYERS[me]}) imports {target} "
            f"(layer {LAYERS[target]})"
        )


def test_reader_sees_relative_imports() -> None:
    """The reader itself must find imports, or the test above proves nothing."""
    found = {t for _, t in _imported_modules(PACKAGE / "optim.py")}
    assert {"module", "scalar"} <= found
