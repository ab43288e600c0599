from typing import Any
from unittest import mock

import numpy as np
import pytest

import minitorch
from minitorch import Module, Parameter, Scalar


class ModuleA1(Module):
    def __init__(self) -> None:
        super().__init__()
        self.p1 = Parameter(Scalar(5.0))
        self.non_param = 10
        self.a = ModuleA2()
        self.b = ModuleA3()


class ModuleA2(Module):
    def __init__(self) -> None:
        super().__init__()
        self.p2 = Parameter(Scalar(10.0))


class ModuleA3(Module):
    def __init__(self) -> None:
        super().__init__()
        self.c = ModuleA4()


class ModuleA4(Module):
    def __init__(self) -> None:
        super().__init__()
        self.p3 = Parameter(Scalar(15.0))

    def forward(self, x: Any) -> Any:
        return self.p3.value * x


@pytest.mark.task0_4
def test_stacked_module() -> None:
    mod = ModuleA1()
    np_ = dict(mod.named_parameters())
    assert set(np_) == {"p1", "a.p2", "b.c.p3"}
    assert np_["b.c.p3"].value.data == 15.0
    assert mod.non_param == 10
    assert len(mod.parameters()) == 3
    assert [type(m) for m in mod.modules()] == [ModuleA2, ModuleA3]
    assert mod.children() == mod.modules()
    assert mod.b.c.p3 is np_["b.c.p3"]


@pytest.mark.task0_4
def test_train_eval_recursive() -> None:
    mod = ModuleA1()
    assert mod.training and mod.mode == "train"
    assert mod.eval() is mod
    assert not mod.training and not mod.a.training and not mod.b.c.training
    assert mod.b.c.mode == "eval"
    mod.train()
    assert mod.training and mod.b.c.training


def test_parameters_are_shared_objects() -> None:
    mod = ModuleA1()
    mod.parameters()[0].update(Scalar(7.0))
    assert mod.p1.value.data == 7.0


def test_add_parameter_returns_it_and_call_runs_forward() -> None:
    mod = ModuleA4()
    p = mod.add_parameter("extra", Scalar(1.0))
    assert isinstance(p, Parameter) and p.name == "extra"
    assert dict(mod.named_parameters())["extra"] is p
    assert mod(Scalar(2.0)).data == 30.0


def test_bare_module_call_raises() -> None:
    with pytest.raises(NotImplementedError):
        Module()()


def test_unknown_attribute_names_class_and_attribute() -> None:
    with pytest.raises(AttributeError, match=r"ModuleA1.*missing"):
        _ = ModuleA1().missing


def test_assigning_before_super_init_is_explained() -> None:
    class Forgot(Module):
        def __init__(self) -> None:
            self.x = 1

    with pytest.raises(AttributeError, match=r"super\(\).__init__"):
        Forgot()


def test_parameter_marks_value() -> None:
    value = mock.Mock(spec=["requires_grad_"])
    p = Parameter(value, "w")
    value.requires_grad_.assert_called_with(True)
    assert value.name == "w"
    other = mock.Mock(spec=["requires_grad_"])
    p.update(other)
    assert p.value is other
    other.requires_grad_.assert_called_with(True)
    assert repr(Parameter(Scalar(2.0))) == "Scalar(2.000000)"


def test_repr_shows_tree() -> None:
    text = repr(ModuleA1())
    assert text.splitlines()[0] == "ModuleA1("
    assert "  (a): ModuleA2()" in text
    assert "    (c): ModuleA4()" in text
    assert repr(ModuleA4()) == "ModuleA4()"


def test_state_dict_round_trip() -> None:
    mod = ModuleA1()
    state = mod.state_dict()
    assert set(state) == {"p1", "a.p2", "b.c.p3"}
    assert state["b.c.p3"] == 15.0
    other = ModuleA1()
    other.p1.update(Scalar(-1.0))
    other.load_state_dict({**state, "p1": np.array(3.0)})
    assert other.p1.value.data == 3.0
    assert other.p1.value.is_leaf()
    assert other.b.c.p3.value.data == 15.0


def test_load_state_dict_rejects_mismatches_without_changes() -> None:
    mod = ModuleA1()
    with pytest.raises(KeyError, match=r"missing \['p1'\].*unexpected \['zz'\]"):
        mod.load_state_dict({"a.p2": 1.0, "b.c.p3": 1.0, "zz": 1.0})
    with pytest.raises(ValueError, match=r"p1.*shape"):
        mod.load_state_dict({"p1": [1.0, 2.0], "a.p2": 1.0, "b.c.p3": 1.0})
    assert mod.a.p2.value.data == 10.0


def test_lecture_network_parameter_names() -> None:
    from minitorch.scalar_layers import Network

    names = dict(minitorch.scalar_layers.Network(3).named_parameters())
    assert "layer1.weight_0_2" in names and "layer3.bias_0" in names
    assert len(names) == 2 * 3 + 3 + 3 * 3 + 3 + 3 + 1
    with pytest.raises(ValueError, match="expected 2 inputs"):
        Network(3).forward([Scalar(1.0)])
