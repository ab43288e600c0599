"""minitorch: a from-scratch teaching deep-learning library.

This module only re-exports the public names; each lives in the submodule named below.
Names from the numba-compiled modules load on first access (``_LAZY``), so importing
the package does not import numba.
"""

from typing import TYPE_CHECKING, Any

from . import _lazy

# isort: off
# Scalar must load before scalar_functions (each needs the other; see scalar.py).
from .scalar import Scalar, ScalarHistory, derivative_check
from . import scalar_functions
from .scalar_functions import ScalarFunction

# isort: on
from . import checkpoint, operators
from .autodiff import (
    Context,
    Variable,
    backpropagate,
    central_difference,
    is_grad_enabled,
    no_grad,
    topological_sort,
)
from .datasets import datasets
from .module import Module, Parameter
from .optim import SGD, Adam, Optimizer
from .testing import MathTest, MathTestVariable

# --- tensors (section owned by the tensor work) ---
# isort: split
from .backends import BACKEND_NAMES, backend
from .tensor import History, Tensor
from .tensor_data import (
    MAX_DIMS,
    Index,
    IndexingError,
    OutIndex,
    Shape,
    Storage,
    StorageSizeError,
    Strides,
    TensorData,
    UserIndex,
    UserShape,
    UserStrides,
    broadcast_index,
    index_to_position,
    prod,
    shape_broadcast,
    strides_from_shape,
    to_index,
)
from .tensor_functions import (
    EQ,
    LT,
    Add,
    All,
    Copy,
    Exp,
    Function,
    Inv,
    IsClose,
    Log,
    MatMul,
    Mul,
    Neg,
    Permute,
    ReLU,
    Sigmoid,
    Sum,
    View,
    grad_central_difference,
    grad_check,
    rand,
    tensor,
    zeros,
)
from .tensor_ops import MapProto, SimpleBackend, SimpleOps, TensorBackend, TensorOps

# --- end tensors ---

# --- fast backends and networks (section owned by the backend work) ---
# isort: split
from .nn import (
    Max,
    argmax,
    avgpool2d,
    dropout,
    logsoftmax,
    max,
    maxpool2d,
    softmax,
    tile,
)

if TYPE_CHECKING:
    from . import cuda_ops, fast_ops
    from .cuda_ops import THREADS_PER_BLOCK, CudaOps, mm_practice, sum_practice
    from .fast_conv import (
        Conv1dFun,
        Conv2dFun,
        conv1d,
        conv2d,
        tensor_conv1d,
        tensor_conv2d,
    )
    from .fast_ops import FastOps
    from .layers import Conv1d, Conv2d
    from .nn import max_reduce

# Public name -> the submodule that defines it (None: the name is the submodule).
_LAZY: dict[str, str | None] = {
    "fast_ops": None,
    "cuda_ops": None,
    "FastOps": "fast_ops",
    "CudaOps": "cuda_ops",
    "THREADS_PER_BLOCK": "cuda_ops",
    "mm_practice": "cuda_ops",
    "sum_practice": "cuda_ops",
    "Conv1dFun": "fast_conv",
    "Conv2dFun": "fast_conv",
    "conv1d": "fast_conv",
    "conv2d": "fast_conv",
    "tensor_conv1d": "fast_conv",
    "tensor_conv2d": "fast_conv",
    "Conv1d": "layers",
    "Conv2d": "layers",
    "max_reduce": "nn",
}


def __getattr__(name: str) -> Any:
    """Load a numba-backed public name on first access (see ``_LAZY``)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'minitorch' has no attribute {name!r}")
    module = _LAZY[name]
    if module is None:
        value = _lazy.load(__name__, name, None)
    else:
        value = _lazy.load(__name__, module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


# Course tests call numba.cuda.is_available() after a bare `import numba`, which does
# not bind `cuda`: reading it must work without a GPU, whenever numba is imported.
_lazy.bind_numba_cuda_on_access()

# --- end fast backends and networks ---

version = "0.4"

__all__ = [
    "operators",
    "checkpoint",
    "scalar_functions",
    "datasets",
    "version",
    "Context",
    "Variable",
    "backpropagate",
    "central_difference",
    "is_grad_enabled",
    "no_grad",
    "topological_sort",
    "Module",
    "Parameter",
    "Optimizer",
    "SGD",
    "Adam",
    "Scalar",
    "ScalarHistory",
    "ScalarFunction",
    "derivative_check",
    "MathTest",
    "MathTestVariable",
    # --- tensors ---
    "TensorData",
    "IndexingError",
    "StorageSizeError",
    "MAX_DIMS",
    "index_to_position",
    "to_index",
    "broadcast_index",
    "shape_broadcast",
    "strides_from_shape",
    "prod",
    "Storage",
    "Index",
    "OutIndex",
    "Shape",
    "Strides",
    "UserIndex",
    "UserShape",
    "UserStrides",
    "Tensor",
    "History",
    "Function",
    "tensor",
    "zeros",
    "rand",
    "grad_central_difference",
    "grad_check",
    "Neg",
    "Inv",
    "Add",
    "Mul",
    "Sigmoid",
    "ReLU",
    "Log",
    "Exp",
    "Sum",
    "All",
    "LT",
    "EQ",
    "IsClose",
    "Permute",
    "View",
    "Copy",
    "MatMul",
    "TensorOps",
    "TensorBackend",
    "SimpleOps",
    "SimpleBackend",
    "MapProto",
    "backend",
    "BACKEND_NAMES",
    # --- end tensors ---
    # --- fast backends ---
    "fast_ops",
    "cuda_ops",
    "FastOps",
    "CudaOps",
    "sum_practice",
    "mm_practice",
    "THREADS_PER_BLOCK",
    # --- end fast backends ---
    # --- networks ---
    "Conv1d",
    "Conv2d",
    "Conv1dFun",
    "Conv2dFun",
    "conv1d",
    "conv2d",
    "tensor_conv1d",
    "tensor_conv2d",
    "tile",
    "avgpool2d",
    "max_reduce",
    "argmax",
    "Max",
    "max",
    "softmax",
    "logsoftmax",
    "maxpool2d",
    "dropout",
    # --- end networks ---
]
