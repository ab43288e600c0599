"""The Datasets and Tensors pages: a dataset's points; a tensor's layout step by step.

The tensor sandbox runs the library's own ``permute``/``view``/``contiguous`` and
index maths (``TensorData.index``, ``broadcast_index``) on a small tensor whose
storage holds 0, 1, 2, …, so every cell shows where it lives.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from ..datasets import datasets, load
from ..tensor import Tensor
from ..tensor_data import IndexingError, TensorData, broadcast_index, shape_broadcast
from ..tensor_functions import tensor
from ..train.config import is_integer
from .guard import bad_request

MAX_POINTS = 1000
MAX_CELLS = 120
MAX_DIMS = 4
MAX_OPS = 8


def dataset_payload(name: str, pts: int, seed: int) -> dict[str, Any]:
    """The points and labels of ``datasets[name](pts, seed)``."""
    if name not in datasets:
        raise bad_request(
            f"unknown dataset {name!r}; choose one of {', '.join(datasets)}"
        )
    if not 1 <= pts <= MAX_POINTS:
        raise bad_request(f"points must be between 1 and {MAX_POINTS}, got {pts}")
    data = load(name, pts, seed)
    return {
        "name": name,
        "points": [[x, y] for x, y in data.X],
        "labels": list(data.y),
    }


def is_dims_list(value: object) -> TypeGuard[list[int]]:
    """Whether ``value`` is a JSON list of 1 to ``MAX_DIMS`` integers (no booleans)."""
    return (
        isinstance(value, list)
        and 1 <= len(value) <= MAX_DIMS
        and all(is_integer(v) for v in value)
    )


def _shape(value: object, what: str) -> tuple[int, ...]:
    if not is_dims_list(value):
        raise bad_request(
            f"{what} must be a list of 1 to {MAX_DIMS} integers, got {value!r}"
        )
    shape = tuple(int(v) for v in value)
    if any(v < 1 for v in shape):
        raise bad_request(f"{what} sizes must be positive, got {shape}")
    if math.prod(shape) > MAX_CELLS:
        raise bad_request(f"{what} {shape} has more than {MAX_CELLS} cells")
    return shape


def _data(t: Tensor) -> TensorData:
    """``t``'s storage, shape and strides (sharing the storage)."""
    storage, _, strides = t.tuple()
    return TensorData(storage, t.shape, tuple(int(s) for s in strides))


def _layout(t: Tensor, label: str) -> dict[str, Any]:
    storage, _, strides = t.tuple()
    return {
        "label": label,
        "shape": list(t.shape),
        "strides": [int(s) for s in strides],
        "contiguous": _data(t).is_contiguous(),
        "storage": [float(v) for v in storage],
        "values": t.to_numpy().tolist(),
    }


def _apply(t: Tensor, op: str, args: Sequence[int]) -> Tensor:
    if op == "permute":
        return t.permute(*args)
    if op == "view":
        return t.view(*args)
    if op == "contiguous":
        return t.contiguous()
    raise bad_request(
        f"unknown tensor operation {op!r}; use permute, view or contiguous"
    )


def tensor_payload(request: object) -> dict[str, Any]:
    """Build ``arange(shape)``, apply the ops, locate the index (and a broadcast).

    ``request``: ``{"shape": [2, 3], "ops": [{"op": "permute", "args": [1, 0]}],
    "index": [2, 1], "broadcast": [4, 3, 2]}`` (``index``, ``broadcast`` optional;
    the index is read in the broadcast shape when one is given).
    """
    if not isinstance(request, Mapping):
        raise bad_request("the request must be a JSON object with a shape")
    shape = _shape(request.get("shape"), "shape")
    ops = request.get("ops", [])
    if not isinstance(ops, list) or len(ops) > MAX_OPS:
        raise bad_request(f"ops must be a list of at most {MAX_OPS} operations")
    t = tensor([float(v) for v in range(math.prod(shape))]).view(*shape)
    stages = [_layout(t, f"tensor of shape {shape}")]
    for item in ops:
        if not isinstance(item, Mapping) or not isinstance(item.get("op"), str):
            raise bad_request(
                f"each op must look like {{'op': 'view', 'args': [6]}}: {item!r}"
            )
        args = item.get("args", [])
        if not isinstance(args, list) or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in args
        ):
            raise bad_request(f"args of {item['op']} must be integers, got {args!r}")
        try:
            t = _apply(t, item["op"], args)
        except (IndexingError, ValueError, TypeError, AssertionError) as e:
            raise bad_request(f"{item['op']}{tuple(args)}: {e}") from None
        stages.append(_layout(t, f"{item['op']}({', '.join(map(str, args))})"))
    answer: dict[str, Any] = {"stages": stages}
    read_shape = t.shape
    if request.get("broadcast") is not None:
        target = _shape(request["broadcast"], "broadcast shape")
        try:
            read_shape = shape_broadcast(t.shape, target)
        except IndexingError as e:
            raise bad_request(str(e)) from None
        answer["broadcast"] = {"with": list(target), "shape": list(read_shape)}
    index = request.get("index")
    if index is not None:
        answer["index"] = _locate(t, read_shape, index)
    return answer


def _locate(t: Tensor, read_shape: Sequence[int], index: object) -> dict[str, Any]:
    """Which storage cell ``index`` (in ``read_shape``) reads from ``t``."""
    if not isinstance(index, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in index
    ):
        raise bad_request(f"index must be a list of integers, got {index!r}")
    big = tuple(index)
    if len(big) != len(read_shape) or not all(
        0 <= i < n for i, n in zip(big, read_shape, strict=True)
    ):
        raise bad_request(f"index {big} does not fit shape {tuple(read_shape)}")
    own = [0] * t.dims
    broadcast_index(big, read_shape, t.shape, own)
    layout = _data(t)
    position = layout.index(tuple(own))
    return {
        "index": list(big),
        "tensor_index": own,
        "position": position,
        "value": layout.get(tuple(own)),
    }
