"""Every name the public API specification promises is reachable as minitorch.X."""

import inspect
import subprocess
import sys

import pytest

import minitorch

REQUIRED = """
operators scalar_functions datasets
central_difference Variable topological_sort backpropagate Context
Scalar ScalarHistory derivative_check ScalarFunction
MathTest MathTestVariable
Module Parameter Optimizer SGD
TensorData IndexingError MAX_DIMS index_to_position to_index broadcast_index
shape_broadcast strides_from_shape prod Storage Index OutIndex Shape Strides
UserIndex UserShape UserStrides
Tensor History Function tensor zeros rand grad_central_difference grad_check
Neg Inv Add Mul Sigmoid ReLU Log Exp Sum All LT EQ IsClose Permute View Copy MatMul
TensorOps TensorBackend SimpleOps SimpleBackend
""".split()


@pytest.mark.parametrize("name", REQUIRED)
def test_name_is_exported(name: str) -> None:
    assert hasattr(minitorch, name), f"minitorch.{name} is missing"
    assert name in minitorch.__all__


def test_collisions_resolve_as_specified() -> None:
    assert isinstance(minitorch.datasets, dict)
    assert inspect.isfunction(minitorch.tensor)
    assert minitorch.Add.__module__ == "minitorch.tensor_functions"
    assert minitorch.version == "0.4"


def test_all_names_exist() -> None:
    missing = [n for n in minitorch.__all__ if not hasattr(minitorch, n)]
    assert not missing


def test_import_binds_numba_cuda() -> None:
    code = "import minitorch, numba; print(numba.cuda.is_available() in (True, False))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"
