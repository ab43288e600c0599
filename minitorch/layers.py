"""Convolution layers: ``Module``s holding a weight and a bias as ``Parameter``s.

The batched ``Linear`` they are combined with lives in ``tensor_layers``.
Weights and biases are drawn uniformly from ``±1/√fan_in`` (fan_in =
in_channels × kernel size), which keeps the activations' scale roughly constant
from layer to layer; pass ``rng`` for reproducible runs.
"""

from __future__ import annotations

import math
import random

from .fast_conv import conv1d, conv2d
from .module import Module, Parameter
from .tensor import Tensor
from .tensor_layers import uniform
from .tensor_ops import SimpleBackend, TensorBackend


def _check_sizes(name: str, **sizes: int) -> None:
    bad = {k: v for k, v in sizes.items() if v < 1}
    if bad:
        raise ValueError(f"{name} needs positive sizes, got {bad}")


class Conv1d(Module):
    """``conv1d(x, weights) + bias`` for ``x`` of shape ``(batch, in_channels, w)``.

    ``weights`` is ``(out_channels, in_channels, kernel_width)``; ``bias`` is
    ``(1, out_channels, 1)`` so it broadcasts over batch and width.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_width: int,
        rng: random.Random | None = None,
        backend: TensorBackend = SimpleBackend,
    ) -> None:
        super().__init__()
        _check_sizes(
            "Conv1d",
            in_channels=in_channels,
            out_channels=out_channels,
            kernel_width=kernel_width,
        )
        bound = 1.0 / math.sqrt(in_channels * kernel_width)
        shape = (out_channels, in_channels, kernel_width)
        self.weights: Parameter = self.add_parameter(
            "weights", uniform(shape, bound, backend, rng)
        )
        self.bias: Parameter = self.add_parameter(
            "bias", uniform((1, out_channels, 1), bound, backend, rng)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Map ``(batch, in_channels, w)`` to ``(batch, out_channels, w)``."""
        out: Tensor = conv1d(x, self.weights.value) + self.bias.value
        return out


class Conv2d(Module):
    """``conv2d(x, weights) + bias`` for ``x`` of shape ``(batch, in_ch, h, w)``.

    ``weights`` is ``(out_channels, in_channels, kh, kw)``; ``bias`` is
    ``(out_channels, 1, 1)`` so it broadcasts over batch, height and width.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: tuple[int, int],
        rng: random.Random | None = None,
        backend: TensorBackend = SimpleBackend,
    ) -> None:
        super().__init__()
        kh, kw = kernel
        _check_sizes(
            "Conv2d",
            in_channels=in_channels,
            out_channels=out_channels,
            kernel_height=kh,
            kernel_width=kw,
        )
        bound = 1.0 / math.sqrt(in_channels * kh * kw)
        shape = (out_channels, in_channels, kh, kw)
        self.weights: Parameter = self.add_parameter(
            "weights", uniform(shape, bound, backend, rng)
        )
        self.bias: Parameter = self.add_parameter(
            "bias", uniform((out_channels, 1, 1), bound, backend, rng)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Map ``(batch, in_channels, h, w)`` to ``(batch, out_channels, h, w)``."""
        out: Tensor = conv2d(x, self.weights.value) + self.bias.value
        return out


__all__ = ["Conv1d", "Conv2d"]
