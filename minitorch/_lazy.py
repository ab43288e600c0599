"""Deferred imports: numba loads only when a compiled backend is first used.

Importing numba takes most of a second and ``numba.cuda`` more, which a learner
running ``python -m minitorch --help`` or the scalar lessons should not pay.
``minitorch/__init__.py`` therefore lists the names that live in numba-backed
modules and loads those modules on first access (``load``); the app packages whose
modules load matplotlib do the same with ``package_getattr``.

Course test suites do ``import numba`` and then read ``numba.cuda``, which a
plain ``import numba`` does not bind. ``bind_numba_cuda_on_access`` keeps that
working without importing numba now: whenever numba is (or gets) imported,
reading ``numba.cuda`` imports the CUDA module.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any


def load(package: str, module: str, name: str | None) -> Any:
    """Import ``package.module``; return its attribute ``name`` (or the module)."""
    loaded = importlib.import_module(f"{package}.{module}")
    return loaded if name is None else getattr(loaded, name)


def package_getattr(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A package's ``__getattr__``: each name imports its module on first read.

    ``homes`` maps each public name to the submodule of ``package`` defining it.
    """

    def attribute(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return load(package, homes[name], name)

    return attribute


def _numba_getattr(name: str) -> Any:
    """Module ``__getattr__`` for numba: ``numba.cuda`` imports on first read."""
    if name == "cuda":
        return importlib.import_module("numba.cuda")
    raise AttributeError(f"module 'numba' has no attribute {name!r}")


def _give_numba_lazy_cuda(numba: ModuleType) -> None:
    if "__getattr__" not in vars(numba):
        setattr(numba, "__getattr__", _numba_getattr)  # noqa: B010 (a module hook)


class _NumbaWatcher(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the loader of ``numba`` to patch it once loaded."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "numba":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            _give_numba_lazy_cuda(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def bind_numba_cuda_on_access() -> None:
    """Make ``numba.cuda`` readable after a plain ``import numba``, now or later."""
    numba = sys.modules.get("numba")
    if numba is not None:
        _give_numba_lazy_cuda(numba)
    elif not any(isinstance(f, _NumbaWatcher) for f in sys.meta_path):
        sys.meta_path.insert(0, _NumbaWatcher())
