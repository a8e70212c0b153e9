r"""层与计算图节点的共同基类：书中的接口（``params``、``grads``、``forward``、``backward``）只写一次。

- ``params`` 与 ``grads`` 是形状一一对应的数组列表，``backward`` 把梯度就地写进 ``grads``；
- ``forward`` 记下输出的形状和 dtype，``backward`` 先确认 forward 调用过、``dout`` 与输出同形；
- 精度规则：有参数的层把输入（和 ``dout``）转换成参数的 dtype 再计算；
  无参数的层保持输入的浮点精度，整数按 float64 计算；bool、复数等一律 ``TypeError``。

每个类提供 ``example(rng)``：返回一个实例和它的输入（损失层还有标签）。
测试、``python -m nnlearn gradcheck`` 和 API 页都从 ``layers.LAYERS``、``nodes.NODES`` 取类，
所以新增一个层只需改它所在的模块。
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from nnlearn.validation import float_array

__all__ = ["Example", "Layer", "reduce_to_shape"]


class Example(NamedTuple):
    """一个可以直接做梯度确认的例子：``obj.forward(*inputs)``（损失层再加 ``t``）。"""

    obj: Any
    inputs: tuple[Any, ...]
    t: Any = None


class Layer:
    """层与节点的共同部分：参数列表、精度规则、"先 forward 再 backward" 与 dout 形状的检查。"""

    param_names: tuple[str, ...] = ()

    def __init__(self, *params: Any) -> None:
        self.params: list[Any] = list(params)
        self.grads: list[Any] = [np.zeros_like(p) for p in params]
        self.dtype: Any = _common_dtype(type(self).__name__, self.param_names, params)
        self.out_shape: tuple[int, ...] | None = None  # forward 之前为 None
        self.out_dtype: Any = None

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        """返回一个实例与它的 float64 输入：批大小 ``n``、特征宽 ``d``（各类自行解释）。"""
        raise NotImplementedError(f"{cls.__name__} 没有提供 example(rng)")

    def _input(self, x: ArrayLike, name: str = "x") -> Any:
        """正向的入口：按精度规则转换 ``x``，空批次报错。常见情形只读几个属性。

        两个输入的节点先转换 ``x``、再转换第二个输入（``name`` 不是 ``"x"``）：第二个输入的形状
        要能与 ``x`` 广播，否则在这里用中文说清楚，而不是让 NumPy 的英文报错出来。
        """
        dt = self.dtype
        if type(x) is not np.ndarray or (x.dtype != dt if dt is not None else x.dtype.kind != "f"):
            x = float_array(f"{type(self).__name__} 的输入 {name}", x, dt)
        if x.size == 0:
            raise ValueError(f"批为空：{type(self).__name__} 的输入 {name} 的形状是 {x.shape}，没有数据")
        if name == "x":
            self._x_shape = x.shape
        else:
            self._broadcasts_with_x(x.shape, name)
        return x

    def _broadcasts_with_x(self, shape: tuple[int, ...], name: str) -> None:
        x_shape = getattr(self, "_x_shape", None)
        if x_shape is None:
            return
        try:
            np.broadcast_shapes(x_shape, shape)
        except ValueError:
            raise ValueError(
                f"{type(self).__name__} 的输入 x {x_shape} 与 {name} {shape} 的形状不能广播："
                "从最后一维往前对齐，每一维要么相等、要么其中一个是 1（例如 (N, D) 与 (D,) 或 (1, D)）"
            ) from None

    def _batch(self, x: ArrayLike, width: int) -> Any:
        """输入应是 ``(N, width)``；对不上时报出双方的形状。"""
        x = self._input(x)
        if x.ndim != 2 or x.shape[1] != width:
            single = x.ndim == 1 and x.shape[0] == width
            hint = "；单个样本请写成 x.reshape(1, -1)" if single else ""
            raise ValueError(f"{type(self).__name__} 的输入应为 (N, {width})，收到形状 {x.shape}{hint}")
        return x

    def _scores(self, x: ArrayLike) -> Any:
        """损失层的分数：``(N, C)`` 或单个样本 ``(C,)``。"""
        x = self._input(x)
        if x.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__} 的分数 x 的形状应为 (N, C) 或 (C,)，收到 {x.shape}")
        return x

    @classmethod
    def _param(cls, name: str, value: ArrayLike, shape: str, ndim: int) -> Any:
        """参数必须是 ``ndim`` 维浮点数组（整数在更新时会被悄悄截断）；报错时写出期望的形状。"""
        a = float_array(f"{cls.__name__} 的参数 {name}", value)
        if a.ndim != ndim:
            raise ValueError(f"{cls.__name__} 的参数 {name} 应是形状 {shape} 的 {ndim} 维数组，"
                             f"收到形状 {a.shape}（{a.ndim} 维）")
        if a.size == 0:
            raise ValueError(f"{cls.__name__} 的参数 {name} 为空：形状 {a.shape}")
        return a

    def _remember(self, out: Any) -> Any:
        """记下正向输出的形状与 dtype，反向据此检查 ``dout``。"""
        self.out_shape, self.out_dtype = out.shape, out.dtype
        return out

    def _dout(self, dout: Any) -> Any:
        """反向的入口：确认 forward 调用过，``dout`` 与正向输出同形（dtype 转成输出的）。"""
        if type(dout) is np.ndarray and dout.shape == self.out_shape and dout.dtype == self.out_dtype:
            return dout
        shape = self._forward_shape()
        dout = float_array(f"{type(self).__name__}.backward 的 dout", dout, self.out_dtype)
        if dout.shape != shape:
            raise ValueError(
                f"{type(self).__name__}.backward 的 dout 形状应与正向输出相同，"
                f"即 {shape}，收到 {dout.shape}"
            )
        return dout

    def _loss_dout(self, dout: Any) -> float:
        """损失层的 ``dout`` 是标量（通常是 1.0）。"""
        self._forward_shape()
        if type(dout) is float:
            return dout
        arr = float_array(f"{type(self).__name__}.backward 的 dout", dout)
        if arr.ndim != 0 and arr.size != 1:
            raise ValueError(
                f"{type(self).__name__}.backward 的 dout 应是标量（损失对自身的导数，通常为 1.0），"
                f"收到形状 {arr.shape}"
            )
        return float(arr.reshape(()))

    def _forward_shape(self) -> tuple[int, ...]:
        if self.out_shape is None:
            raise RuntimeError(f"{type(self).__name__}：请先调用 forward，再调用 backward")
        return self.out_shape


def _common_dtype(layer: str, names: tuple[str, ...], params: tuple[Any, ...]) -> Any:
    """同一层的参数必须同一种精度：混用时矩阵乘会悄悄升到 float64。"""
    if not params:
        return None
    dtypes = [p.dtype for p in params]
    if any(dt != dtypes[0] for dt in dtypes):
        listed = "，".join(f"{n}: {dt}" for n, dt in zip(names, dtypes, strict=False))
        raise TypeError(
            f"{layer} 的参数精度不一致（{listed}）：请用同一种 dtype，"
            f"例如 b.astype(W.dtype)"
        )
    return dtypes[0]


def reduce_to_shape(grad: Any, shape: tuple[int, ...]) -> Any:
    """把广播后的梯度沿被复制的轴求和，还原成输入的形状 ``shape``。

    >>> reduce_to_shape(np.ones((3, 4)), (4,))
    array([3., 3., 3., 3.])
    >>> reduce_to_shape(np.ones((3, 4)), (3, 1)).ravel()
    array([4., 4., 4.])
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)
