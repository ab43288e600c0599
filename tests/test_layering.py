"""The package's layer order and its import cycles, read from the imports themselves.

A module may import from its own layer or any lower one. Each app has a layer of
its own, so two app folders can never import each other. A new module must be
placed in a layer here before this test passes. The only import cycles allowed are
the course's Scalar and Tensor pairs, which import each other's names at call time.
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
    "fast_math": 3,
    "fast_ops": 3,
    "fast_matmul": 3,
    "cuda_ops": 3,
    "_numba_index": 3,
    "backends": 3,
    # L4: networks
    "fast_conv": 4,
    "nn": 4,
    "layers": 4,
    # the package's public names
    "__init__": 5,
    # apps, each above the ones it builds on
    "images": 6,  # digits data and CNN
    "train": 7,  # the harness and every app registered in it
    "text": 8,  # sentence sentiment: data, CNN, its app and predict command
    "viz": 9,  # graph and network pictures, explain-network
    "lecture": 10,  # the lecture regenerated: pictures and pages
    "web": 11,  # the web app
    "apps": 12,  # the registry of everything ``minitorch train`` trains
    "cli": 13,
    "__main__": 14,
}
# Module pairs that import each other (at call time or for types): the course's.
ALLOWED_CYCLES = [
    {"scalar", "scalar_functions"},
    {"tensor", "tensor_functions"},
]


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


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or "__init__"


def _runtime_imports(path: Path) -> set[str]:
    """Dotted names of the package modules ``path`` imports when it runs.

    Imports under ``if TYPE_CHECKING:`` are left out: they never execute.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    package = list(path.relative_to(PACKAGE).parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or id(node) in typing_only:
            continue
        if node.level == 0:
            continue
        module = package[: len(package) - (node.level - 1)]
        if node.module:  # ``from .x import y``; ``from . import x`` names modules
            module += node.module.split(".")
            found.add(".".join(module))
        found.update(".".join([*module, alias.name]) for alias in node.names)
    return found


def _cycles() -> list[set[str]]:
    """The strongly connected groups of two or more modules (Tarjan, iterative)."""
    modules = {_module_name(p): p for p in SOURCES}
    edges = {
        name: sorted(t for t in _runtime_imports(path) if t in modules and t != name)
        for name, path in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in stack:
                    low[node] = min(low[node], index[nxt])
                continue
            for nxt in edges[node]:
                if nxt in stack:
                    low[node] = min(low[node], low[nxt])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def test_no_import_cycles_but_the_courses() -> None:
    assert sorted(map(sorted, _cycles())) == sorted(map(sorted, ALLOWED_CYCLES))


def test_cycle_finder_sees_a_cycle() -> None:
    """The course's pairs are found, so a new cycle would be too."""
    assert {"scalar", "scalar_functions"} in _cycles()
