import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch import datasets as registry
from minitorch.datasets import load, make_pts

RULES = {
    "Simple": lambda x1, x2: x1 < 0.5,
    "Diag": lambda x1, x2: x1 + x2 < 0.5,
    "Split": lambda x1, x2: x1 < 0.2 or x1 > 0.8,
    "Xor": lambda x1, x2: (x1 < 0.5 and x2 > 0.5) or (x1 > 0.5 and x2 < 0.5),
    "Circle": lambda x1, x2: (x1 - 0.5) ** 2 + (x2 - 0.5) ** 2 > 0.1,
}


def test_registry_order() -> None:
    assert list(minitorch.datasets) == [
        "Simple", "Diag", "Split", "Xor", "Circle", "Spiral",
    ]  # fmt: skip


@pytest.mark.parametrize("name", list(RULES))
@given(n=st.integers(1, 60), seed=st.integers(0, 2**32 - 1))
def test_labels_follow_rules(name: str, n: int, seed: int) -> None:
    g = registry[name](n, seed=seed)
    assert (g.N, len(g.X), len(g.y)) == (n, n, n)
    for (x1, x2), y in zip(g.X, g.y, strict=True):
        assert 0.0 <= x1 < 1.0 and 0.0 <= x2 < 1.0
        assert y == (1 if RULES[name](x1, x2) else 0)


def test_unseeded_uses_global_random_x1_first() -> None:
    random.seed(7)
    pts = make_pts(2)
    random.seed(7)
    assert pts == [
        (random.random(), random.random()),
        (random.random(), random.random()),
    ]


def test_seed_reproduces() -> None:
    assert registry["Xor"](20, seed=3) == registry["Xor"](20, seed=3)
    assert registry["Xor"](20, seed=3) != registry["Xor"](20, seed=4)


def test_spiral_is_deterministic_and_matches_formula() -> None:
    g = registry["Spiral"](10)
    h = 5
    assert g.N == 10 and g.y == [0] * h + [1] * h
    t = 10.0 * 5 / h
    assert g.X[0] == pytest.approx(
        (t * math.cos(t) / 20 + 0.5, t * math.sin(t) / 20 + 0.5)
    )
    assert g.X[h] == pytest.approx(
        (-t * math.sin(-t) / 20 + 0.5, -t * math.cos(-t) / 20 + 0.5)
    )


def test_load_is_case_insensitive_and_explains_errors() -> None:
    assert load("xor", 5, seed=1) == registry["Xor"](5, seed=1)
    with pytest.raises(ValueError, match=r"unknown dataset 'Foo'.*Simple, Diag"):
        load("Foo", 5)
    with pytest.raises(ValueError, match="at least 1"):
        load("Xor", 0)
