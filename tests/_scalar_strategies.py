"""Hypothesis strategies shared by the scalar-level tests."""

from hypothesis import strategies as st

import minitorch

small_floats = st.floats(min_value=-100, max_value=100, allow_nan=False)
small_positive = st.floats(min_value=0.1, max_value=100, allow_nan=False)


def scalars(**kwargs: float) -> st.SearchStrategy[minitorch.Scalar]:
    """Scalars (leaves) with values drawn from [-100, 100] unless bounds are given."""
    return st.floats(
        min_value=kwargs.get("min_value", -100),
        max_value=kwargs.get("max_value", 100),
        allow_nan=False,
    ).map(minitorch.Scalar)


def assert_close(a: float, b: float) -> None:
    """The course's closeness: absolute difference below 1e-2."""
    assert minitorch.operators.is_close(a, b), f"Failure x={a} y={b}"
