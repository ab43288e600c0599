"""minitorch: a from-scratch teaching deep-learning library.

This module only re-exports the public names; each lives in the submodule named below.
"""

# Course tests call numba.cuda.is_available() after a bare `import numba`, which does
# not bind `cuda`: importing it here is part of the public contract. No GPU needed.
import numba.cuda as _numba_cuda  # noqa: F401

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

# --- fast backends (section owned by the backend work) ---
# isort: split
from . import cuda_ops, fast_ops
from .cuda_ops import THREADS_PER_BLOCK, CudaOps, mm_practice, sum_practice
from .fast_ops import FastOps

# --- end fast backends ---

# --- networks (section owned by the conv/nn work) ---
# isort: split
from .fast_conv import (
    Conv1dFun,
    Conv2dFun,
    conv1d,
    conv2d,
    tensor_conv1d,
    tensor_conv2d,
)
from .layers import Conv1d, Conv2d
from .nn import (
    Max,
    argmax,
    avgpool2d,
    dropout,
    logsoftmax,
    max,
    max_reduce,
    maxpool2d,
    softmax,
    tile,
)

# --- end networks ---

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
