"""``Module`` and ``Parameter``: trees of named, trainable values.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it; one walker
gives every parameter of the tree a dotted name (``"layer1.weight_0_1"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol, Self

import numpy as np
import numpy.typing as npt


class Module:
    """Base class of every model: a tree of sub-modules and parameters.

    Subclasses call ``super().__init__()`` first and define ``forward``.
    """

    _modules: dict[str, Module]
    _parameters: dict[str, Parameter]
    training: bool

    def __init__(self) -> None:
        self.__dict__["_modules"] = {}
        self.__dict__["_parameters"] = {}
        self.__dict__["training"] = True

    def __setattr__(self, key: str, value: Any) -> None:
        if "_modules" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning "
                f"attribute {key!r}"
            )
        if isinstance(value, Parameter):
            self.__dict__["_parameters"][key] = value
        elif isinstance(value, Module):
            self.__dict__["_modules"][key] = value
        else:
            super().__setattr__(key, value)

    def __getattr__(self, key: str) -> Any:
        # Only reached when ordinary lookup fails.
        d = self.__dict__
        if key in d.get("_parameters", {}):
            return d["_parameters"][key]
        if key in d.get("_modules", {}):
            return d["_modules"][key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    @property
    def mode(self) -> str:
        """``"train"`` or ``"eval"``, following ``training``."""
        return "train" if self.training else "eval"

    def modules(self) -> list[Module]:
        """The direct child modules."""
        return list(self._modules.values())

    def children(self) -> list[Module]:
        """Alias of ``modules()`` (the PyTorch name)."""
        return self.modules()

    def train(self) -> Self:
        """Put this module and every descendant in training mode."""
        for m in self._walk():
            m.__dict__["training"] = True
        return self

    def eval(self) -> Self:
        """Put this module and every descendant in evaluation mode."""
        for m in self._walk():
            m.__dict__["training"] = False
        return self

    def _walk(self) -> list[Module]:
        """This module and all descendants, parents before children."""
        out: list[Module] = []
        stack: list[Module] = [self]
        while stack:
            m = stack.pop()
            out.append(m)
            stack.extend(reversed(m.modules()))
        return out

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """Every parameter of the tree with its dotted path (``"b.c.p3"``)."""
        out: list[tuple[str, Parameter]] = []
        stack: list[tuple[str, Module]] = [("", self)]
        while stack:
            prefix, m = stack.pop()
            out.extend((prefix + k, p) for k, p in m._parameters.items())
            stack.extend(
                (f"{prefix}{k}.", child) for k, child in reversed(m._modules.items())
            )
        return out

    def parameters(self) -> list[Parameter]:
        """Every parameter of the tree (the objects themselves, not copies)."""
        return [p for _, p in self.named_parameters()]

    def add_parameter(self, k: str, v: Any) -> Parameter:
        """Register ``v`` as a parameter named ``k`` and return the Parameter."""
        p = Parameter(v, k)
        self.__dict__["_parameters"][k] = p
        return p

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward``."""
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; subclasses must define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def state_dict(self) -> dict[str, npt.NDArray[np.float64]]:
        """Copy every parameter value into a ``name -> float64 array`` dict."""
        out: dict[str, npt.NDArray[np.float64]] = {}
        for name, p in self.named_parameters():
            value: _Stateful = p.value
            out[name] = np.array(value.to_numpy(), dtype=np.float64)
        return out

    def load_state_dict(
        self, state: Mapping[str, npt.ArrayLike], strict: bool = True
    ) -> LoadedKeys:
        """Replace parameter values with the arrays stored under their names.

        With ``strict`` (the default) the names must match exactly; otherwise
        only the names present in both are loaded, and the others are reported.

        Returns:
            The names that were missing from ``state`` and those it had in excess.

        Raises:
            KeyError: if ``strict`` and names are missing or unexpected (all of
                them are listed).
            ValueError: if an array's shape differs from the parameter's.
        """
        params = dict(self.named_parameters())
        keys = LoadedKeys(
            missing_keys=sorted(set(params) - set(state)),
            unexpected_keys=sorted(set(state) - set(params)),
        )
        if strict and (keys.missing_keys or keys.unexpected_keys):
            raise KeyError(
                f"state does not match {type(self).__name__}: "
                f"missing {keys.missing_keys}, unexpected {keys.unexpected_keys}"
            )
        new_values = {}
        for name, p in params.items():
            if name not in state:
                continue
            value: _Stateful = p.value
            array = np.asarray(state[name], dtype=np.float64)
            expected = np.shape(value.to_numpy())
            if array.shape != expected:
                raise ValueError(
                    f"parameter {name!r}: expected shape {expected}, got {array.shape}"
                )
            new_values[name] = value.from_numpy(array)
        # Only update once everything checked out, so a bad state changes nothing.
        for name, new_value in new_values.items():
            params[name].update(new_value)
        return keys

    def __repr__(self) -> str:
        if not self._modules:
            return f"{type(self).__name__}()"
        lines = [f"{type(self).__name__}("]
        for key, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({key}): {child_repr}")
        lines.append(")")
        return "\n".join(lines)


class LoadedKeys(NamedTuple):
    """What ``load_state_dict`` did not load: names missing from the state, extras."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class _Stateful(Protocol):
    """What a parameter value provides for checkpoints (Scalar and Tensor do)."""

    def to_numpy(self) -> npt.NDArray[np.float64]: ...

    def from_numpy(self, array: npt.ArrayLike) -> Any: ...


class Parameter:
    """A trainable value held by a Module; the optimizer replaces it via ``update``."""

    def __init__(self, x: Any, name: str | None = None) -> None:
        self.value: Any = None
        self.name = name
        self.update(x)

    def update(self, x: Any) -> None:
        """Hold ``x``, marking it as needing gradients (and naming it)."""
        self.value = x
        if hasattr(x, "requires_grad_"):
            x.requires_grad_(True)
            if self.name:
                x.name = self.name

    def __repr__(self) -> str:
        return repr(self.value)

    def __str__(self) -> str:
        return str(self.value)
