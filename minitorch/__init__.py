"""minitorch: a from-scratch teaching deep-learning library.

This module only re-exports the public names; each lives in the submodule named below.
"""

# isort: off
# Scalar must load before scalar_functions (each needs the other; see scalar.py).
from .scalar import Scalar, ScalarHistory, derivative_check
from . import scalar_functions
from .scalar_functions import ScalarFunction

# isort: on
from . import operators
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
# --- end tensors ---

version = "0.4"

__all__ = [
    "operators",
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
    # --- end tensors ---
]
