"""1-D and 2-D convolutions: numba kernels and the differentiable Functions.

The convention is the course's "anchored" correlation: the output is as wide as
the input and the kernel starts AT each output position,

    out[b, o, t] = Σ_c Σ_{j<k} weight[o, c, j] · input[b, c, t + j],

with positions past the end of the input reading zero. ``reverse=True`` anchors
the kernel on the other side (``input[b, c, t - j]``, negative positions reading
zero); that is exactly what the input gradient needs.

The kernels compute every position from the strides they are given, never
assuming a contiguous layout. They take the output width from ``out_shape`` and
the kernel width from ``weight_shape``, so the weight gradient reuses them with
an "output" as wide as the kernel and a "weight" as wide as the input.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import fast_ops
from ._numba_index import bind_operator, cached_njit, num_threads, prange
from .autodiff import Context
from .tensor import Tensor
from .tensor_data import Shape, Storage, Strides, TensorData, prod
from .tensor_functions import Function

# ---------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------


def _tensor_conv1d(
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    out_size: int,
    input: Storage,
    input_shape: Shape,
    input_strides: Strides,
    weight: Storage,
    weight_shape: Shape,
    weight_strides: Strides,
    reverse: bool,
) -> None:
    """Fill ``out (batch, out_channels, out_width)`` with the 1-D convolution.

    ``input`` is ``(batch, in_channels, width)`` and ``weight`` is
    ``(out_channels, in_channels, k)``; all three may have any strides. The
    weights are first copied so that the out-channel values of one ``(c, j)``
    are neighbours: each input value then meets them in one run of
    multiply-adds (SIMD instructions), into every output channel at once.
    """
    batch = out_shape[0]
    out_channels = out_shape[1]
    out_width = out_shape[2]
    in_channels = input_shape[1]
    width = input_shape[2]
    k = weight_shape[2]
    packed = np.empty(in_channels * k * out_channels)
    for c in range(in_channels):
        for j in range(k):
            for o in range(out_channels):
                packed[(c * k + j) * out_channels + o] = weight[
                    o * weight_strides[0]
                    + c * weight_strides[1]
                    + j * weight_strides[2]
                ]
    for b in prange(batch):
        acc = np.zeros(out_width * out_channels)
        for c in range(in_channels):
            in_base = b * input_strides[0] + c * input_strides[1]
            for j in range(k):
                w_start = (c * k + j) * out_channels
                w_run = packed[w_start : w_start + out_channels]
                # Only the positions whose input t ± j lies inside the input.
                first = j if reverse else 0
                last = min(out_width, width + j if reverse else width - j)
                for t in range(first, last):
                    pos = t - j if reverse else t + j
                    value = input[in_base + pos * input_strides[2]]
                    acc_run = acc[t * out_channels : (t + 1) * out_channels]
                    for o in range(out_channels):
                        acc_run[o] += value * w_run[o]
        for t in range(out_width):
            for o in range(out_channels):
                out[b * out_strides[0] + o * out_strides[1] + t * out_strides[2]] = acc[
                    t * out_channels + o
                ]


tensor_conv1d = cached_njit(_tensor_conv1d, parallel=True, fastmath=True)
_serial_conv1d = cached_njit(
    bind_operator(_tensor_conv1d, fast_ops.op, "serial"), fastmath=True
)


def _tensor_conv2d(
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    out_size: int,
    input: Storage,
    input_shape: Shape,
    input_strides: Strides,
    weight: Storage,
    weight_shape: Shape,
    weight_strides: Strides,
    reverse: bool,
) -> None:
    """Fill ``out (batch, out_channels, out_h, out_w)`` with the 2-D convolution.

    ``input`` is ``(batch, in_channels, h, w)`` and ``weight`` is
    ``(out_channels, in_channels, kh, kw)``; all three may have any strides.
    As in 1-D, the weights are repacked so that each input value meets all
    output channels in one run; a parallel task computes one output row of one
    image, every term of a cell added in the order ``c, p, q``.
    """
    batch = out_shape[0]
    out_channels = out_shape[1]
    out_h = out_shape[2]
    out_w = out_shape[3]
    in_channels = input_shape[1]
    height = input_shape[2]
    width = input_shape[3]
    kh = weight_shape[2]
    kw = weight_shape[3]
    s0, s1, s2, s3 = (
        input_strides[0],
        input_strides[1],
        input_strides[2],
        input_strides[3],
    )
    w0, w1, w2, w3 = (
        weight_strides[0],
        weight_strides[1],
        weight_strides[2],
        weight_strides[3],
    )
    packed = np.empty(in_channels * kh * kw * out_channels)
    for c in range(in_channels):
        for p in range(kh):
            for q in range(kw):
                start = ((c * kh + p) * kw + q) * out_channels
                for o in range(out_channels):
                    packed[start + o] = weight[o * w0 + c * w1 + p * w2 + q * w3]
    for task in prange(batch * out_h):
        b = task // out_h
        y = task % out_h
        acc = np.zeros(out_w * out_channels)
        for c in range(in_channels):
            in_base = b * s0 + c * s1
            for p in range(kh):
                row = y - p if reverse else y + p
                if row < 0 or row >= height:
                    continue
                row_base = in_base + row * s2
                for q in range(kw):
                    w_start = ((c * kh + p) * kw + q) * out_channels
                    w_run = packed[w_start : w_start + out_channels]
                    first = q if reverse else 0
                    last = min(out_w, width + q if reverse else width - q)
                    for x in range(first, last):
                        col = x - q if reverse else x + q
                        value = input[row_base + col * s3]
                        acc_run = acc[x * out_channels : (x + 1) * out_channels]
                        for o in range(out_channels):
                            acc_run[o] += value * w_run[o]
        out_base = b * out_strides[0] + y * out_strides[2]
        for x in range(out_w):
            for o in range(out_channels):
                out[out_base + o * out_strides[1] + x * out_strides[3]] = acc[
                    x * out_channels + o
                ]


tensor_conv2d = cached_njit(_tensor_conv2d, parallel=True, fastmath=True)
_serial_conv2d = cached_njit(
    bind_operator(_tensor_conv2d, fast_ops.op, "serial"), fastmath=True
)


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------


def _check_shapes(name: str, input: Tensor, weight: Tensor, dims: int) -> None:
    """Raise unless ``input`` and ``weight`` are ``dims``-D with matching channels."""
    layout = "(batch, channels, width)" if dims == 3 else "(batch, channels, h, w)"
    if input.dims != dims or weight.dims != dims:
        raise ValueError(
            f"{name} expects a {dims}-D input {layout} and a {dims}-D weight, got "
            f"input {input.shape} and weight {weight.shape}"
        )
    if input.shape[1] != weight.shape[1]:
        raise ValueError(
            f"{name}: input {input.shape} has {input.shape[1]} channels but weight "
            f"{weight.shape} expects {weight.shape[1]} (weight is "
            f"(out_channels, in_channels, ...))"
        )


def _swap_channels(t: Tensor) -> Tensor:
    """Swap dims 0 and 1 (a view): ``(o, c, ...)`` ↔ ``(c, o, ...)``."""
    order = (1, 0, *range(2, t.dims))
    return t._new(t._tensor.permute(*order))


_Kernel = Callable[
    [
        Storage,
        Shape,
        Strides,
        int,
        Storage,
        Shape,
        Strides,
        Storage,
        Shape,
        Strides,
        bool,
    ],
    None,
]


_SERIAL: dict[_Kernel, _Kernel] = {
    tensor_conv1d: _serial_conv1d,
    tensor_conv2d: _serial_conv2d,
}


def _convolve(
    kernel: _Kernel,
    input: Tensor,
    weight: Tensor,
    out_shape: tuple[int, ...],
    reverse: bool,
    swap_out_channels: bool = False,
) -> Tensor:
    """Run ``kernel`` into a fresh row-major tensor on ``input``'s backend.

    With ``swap_out_channels`` the kernel sees the output with dims 0 and 1
    swapped (a view), so it can fill a weight gradient laid out ``(o, c, ...)``
    while computing it as ``(c, o, ...)``. On a CUDA backend the GPU twin of
    the kernel runs on the device-resident storages instead.
    """
    out = TensorData(np.zeros(int(prod(out_shape))), out_shape)
    on_gpu = input.backend.cuda
    if on_gpu:
        out.to_cuda_()
    target = out.permute(1, 0, *range(2, out.dims)) if swap_out_channels else out
    args = (*target.tuple(), *input.tuple(), *weight.tuple(), reverse)
    if on_gpu:
        from .cuda_ops import convolve

        convolve(out.dims - 2, *args)
    else:
        # Small convolutions run on one thread, as FastOps' kernels do.
        multiply_adds = out.size * int(prod(weight.shape[1:]))
        if multiply_adds < fast_ops.PARALLEL_MIN_WORK or num_threads() == 1:
            kernel = _SERIAL[kernel]
        storage, shape, strides = args[0], args[1], args[2]
        kernel(storage, shape, strides, target.size, *args[3:])
    return Tensor(out, backend=input.backend)


def _conv_backward(
    kernel: _Kernel, ctx: Context, grad_output: Tensor
) -> tuple[Tensor, Tensor]:
    """Gradients of an anchored convolution, both computed by ``kernel`` itself.

    * ``grad_input[b, c, s] = Σ_o Σ_j g[b, o, s - j] · weight[o, c, j]``: the
      reverse convolution of ``g`` with the weight's channel axes swapped.
    * ``grad_weight[o, c, j] = Σ_b Σ_t g[b, o, t] · input[b, c, t + j]``: a
      forward convolution where batch plays the channel role and ``t`` the
      kernel offset: "input" ``input`` as ``(c, b, w)``, "weight" ``g`` as
      ``(o, b, w)``, written into ``grad_weight`` seen as ``(c, o, k)``.

    An input that takes no gradient (the images of a first layer) gets zeros
    instead of a convolution nobody reads.
    """
    input, weight, input_needs_grad = ctx.saved_values
    if input_needs_grad:
        grad_input = _convolve(
            kernel, grad_output, _swap_channels(weight), input.shape, reverse=True
        )
    else:
        grad_input = input.zeros(input.shape)
    grad_weight = _convolve(
        kernel,
        _swap_channels(input),
        _swap_channels(grad_output),
        weight.shape,
        reverse=False,
        swap_out_channels=True,
    )
    return grad_input, grad_weight


class _Convolution(Function):
    """``apply`` that also notes, for backward, whether the input needs a gradient.

    ``forward`` only sees detached inputs, so ``apply`` adds the fact to what
    forward saved.
    """

    @classmethod
    def apply(cls, *vals: Tensor) -> Tensor:
        """Run the Function (see ``Function.apply``)."""
        out = super().apply(*vals)
        history = out.history
        if history is not None and history.ctx is not None:
            ctx = history.ctx
            ctx.saved_values = (*ctx.saved_values, vals[0].requires_grad())
        return out


class Conv1dFun(_Convolution):
    """``out[b,o,t] = Σ_c Σ_j w[o,c,j]·x[b,c,t+j]`` (zero past the end).

    d/dx: the reverse convolution of g with w's channels swapped;
    d/dw[o,c,j] = Σ_b Σ_t g[b,o,t]·x[b,c,t+j].
    """

    @staticmethod
    def forward(ctx: Context, input: Tensor, weight: Tensor) -> Tensor:
        """Convolve ``(batch, in_ch, w)`` with ``(out_ch, in_ch, k)``."""
        _check_shapes("conv1d", input, weight, 3)
        ctx.save_for_backward(input, weight)
        out_shape = (input.shape[0], weight.shape[0], input.shape[2])
        return _convolve(tensor_conv1d, input, weight, out_shape, reverse=False)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        """Return ``(grad_input, grad_weight)``."""
        return _conv_backward(tensor_conv1d, ctx, grad_output)


class Conv2dFun(_Convolution):
    """``out[b,o,y,x] = Σ_c Σ_p Σ_q w[o,c,p,q]·in[b,c,y+p,x+q]`` (zero past edges).

    d/din: the reverse convolution of g with w's channels swapped;
    d/dw[o,c,p,q] = Σ_b Σ_y Σ_x g[b,o,y,x]·in[b,c,y+p,x+q].
    """

    @staticmethod
    def forward(ctx: Context, input: Tensor, weight: Tensor) -> Tensor:
        """Convolve ``(batch, in_ch, h, w)`` with ``(out_ch, in_ch, kh, kw)``."""
        _check_shapes("conv2d", input, weight, 4)
        ctx.save_for_backward(input, weight)
        batch, _, height, width = input.shape
        out_shape = (batch, weight.shape[0], height, width)
        return _convolve(tensor_conv2d, input, weight, out_shape, reverse=False)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        """Return ``(grad_input, grad_weight)``."""
        return _conv_backward(tensor_conv2d, ctx, grad_output)


conv1d = Conv1dFun.apply
conv2d = Conv2dFun.apply

__all__ = [
    "Conv1dFun",
    "Conv2dFun",
    "conv1d",
    "conv2d",
    "tensor_conv1d",
    "tensor_conv2d",
]
