r"""数值微分与梯度确认：用差分近似导数，用来检验反向传播写得对不对。"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnlearn.backend import asarray


# --8<-- [start:numerical_diff]
def numerical_diff(f: Callable[[Any], Any], x: Any, h: float = 1e-4) -> Any:
    r"""中心差分 $f'(x) \approx \dfrac{f(x+h) - f(x-h)}{2h}$，误差是 $O(h^2)$。

    >>> round(numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5.0), 6)
    0.2
    """
    return (f(x + h) - f(x - h)) / (2 * h)
# --8<-- [end:numerical_diff]


# --8<-- [start:numerical_gradient]
def numerical_gradient(f: Callable[[Any], Any], x: Any, h: float = 1e-4) -> Any:
    r"""对 ``x`` 的每个元素做中心差分，返回与 ``x`` 同形的梯度。

    ``x`` 被**就地**扰动、再精确还原，所以 ``f`` 可以不看参数、直接读 ``x``
    （书中 ``lambda _: net.loss(x, t)`` 的写法）。整数数组会让 ``x + h`` 被截断，因此直接拒绝。

    >>> numerical_gradient(lambda x: x[0]**2 + x[1]**2, np.array([3.0, 4.0])).round(6)
    array([6., 8.])
    """
    x = _float_array(x)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        grad[idx] = _partial(f, x, idx, h)
    return grad
# --8<-- [end:numerical_gradient]


def _partial(f: Callable[[Any], Any], x: Any, idx: tuple[int, ...], h: float) -> float:
    """``x[idx]`` 方向的中心差分；结束时 ``x[idx]`` 恢复成原来的值（一位不差）。"""
    original = x[idx].copy()
    try:
        x[idx] = original + h
        f_plus = _scalar(f(x))
        x[idx] = original - h
        f_minus = _scalar(f(x))
    finally:
        x[idx] = original
    return (f_plus - f_minus) / (2 * h)


# --8<-- [start:gradient_check]
def gradient_check(obj: Any, *inputs: ArrayLike, t: ArrayLike | None = None, h: float = 1e-4,
                   max_coords: int | None = 200, seed: int = 0) -> dict[str, float]:
    r"""比较 ``obj.backward`` 给出的梯度与数值梯度，返回每个数组的相对误差。

    ``obj`` 可以是层、节点或模型。输出不是标量时，取 $L = \sum \text{out} \odot \text{dout}$，
    ``dout`` 是固定种子的随机数组。``t`` 是标签，只传给 ``forward``，不求梯度。
    每个数组最多随机抽 ``max_coords`` 个坐标（``None`` 表示全部），大模型也能在一秒内查完。
    一个数组的误差是 $\max|g_\text{反向} - g_\text{数值}| / \max(\max|g_\text{反向}|, \max|g_\text{数值}|)$。
    只接受 float64：float32 下差分的舍入误差会淹没梯度本身。

    >>> from nnlearn.layers import Sigmoid
    >>> gradient_check(Sigmoid(), np.linspace(-2.0, 2.0, 6).reshape(2, 3))["x"] < 1e-7
    True
    """
    rng = np.random.default_rng(seed)
    xs = [_checked_input(x) for x in inputs]
    extra = () if t is None else (t,)
    _require_float64(obj)
    out = obj.forward(*xs, *extra)
    douts = None if np.ndim(out) == 0 else _random_like(out, rng)
    dxs = obj.backward() if douts is None else obj.backward(*douts)
    analytic = {name: g.copy() for name, g in zip(_param_names(obj), obj.grads, strict=True)}
    arrays = dict(zip(_param_names(obj), obj.params, strict=True))
    if dxs is not None:
        dxs = dxs if isinstance(dxs, tuple) else (dxs,)
        names = ["x"] if len(xs) == 1 else [f"x{i}" for i in range(len(xs))]
        analytic.update(zip(names, dxs, strict=True))
        arrays.update(zip(names, xs, strict=True))

    def loss(_: Any) -> float:
        out = obj.forward(*xs, *extra)
        if douts is None:
            return float(out)
        outs = out if isinstance(out, tuple) else (out,)
        return float(sum(np.sum(o * d) for o, d in zip(outs, douts, strict=True)))

    return {name: _relative_error(analytic[name], arrays[name], loss, h, max_coords, rng)
            for name in analytic}
# --8<-- [end:gradient_check]


def _relative_error(analytic: Any, x: Any, loss: Callable[[Any], float], h: float,
                    max_coords: int | None, rng: np.random.Generator) -> float:
    """在抽样的坐标上比较解析梯度与数值梯度。"""
    flat = np.arange(x.size)
    if max_coords is not None and x.size > max_coords:
        flat = rng.choice(x.size, size=max_coords, replace=False)
    coords = list(zip(*np.unravel_index(flat, x.shape), strict=True)) if x.ndim else [()]
    numeric = np.array([_partial(loss, x, idx, h) for idx in coords])
    exact = np.array([analytic[idx] for idx in coords])
    scale = max(np.abs(exact).max(initial=0.0), np.abs(numeric).max(initial=0.0))
    diff = np.abs(exact - numeric).max(initial=0.0)
    return float(diff / scale) if scale > 0 else float(diff)


def _random_like(out: Any, rng: np.random.Generator) -> tuple[Any, ...]:
    outs = out if isinstance(out, tuple) else (out,)
    return tuple(rng.standard_normal(np.shape(o)) for o in outs)


def _param_names(obj: Any) -> list[str]:
    names = list(getattr(obj, "param_names", ()))
    return names if len(names) == len(obj.params) else [f"param{i}" for i in range(len(obj.params))]


def _require_float64(obj: Any) -> None:
    for name, p in zip(_param_names(obj), obj.params, strict=True):
        if p.dtype != np.float64:
            raise TypeError(
                f"梯度确认只在 float64 下有意义，但参数 {name} 是 {p.dtype}："
                "float32 的舍入误差会淹没差分。请用 float64 构建（例如 dtype=np.float64）"
            )


def _checked_input(x: ArrayLike) -> Any:
    """输入复制一份 float64（会被就地扰动）；float32 直接拒绝，理由同上。"""
    x = asarray(x)
    if x.dtype.kind == "f" and x.dtype != np.float64:
        raise TypeError(f"梯度确认只在 float64 下有意义，但输入是 {x.dtype}：请先 x.astype(np.float64)")
    return np.array(x, dtype=np.float64)


def _float_array(x: Any) -> Any:
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"numerical_gradient 需要一个 NumPy 浮点数组（会被就地扰动），收到 {type(x).__name__}；"
            "例如 np.array([3.0, 4.0])"
        )
    if x.dtype.kind != "f":
        raise TypeError(
            f"numerical_gradient 需要浮点数组，收到 dtype={x.dtype}：整数数组加上 h 会被截断，"
            "差分全是错的。请改用 x.astype(float)"
        )
    return x


def _scalar(value: Any) -> float:
    if np.ndim(value) != 0 and np.size(value) != 1:
        raise ValueError(f"f 应返回一个标量，收到形状 {np.shape(value)} 的数组")
    return float(np.asarray(value).reshape(()))
