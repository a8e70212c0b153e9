r"""计算图的节点（§1.3.4）：每个节点只知道自己的局部导数。

正向把值从左传到右，反向把上游传来的梯度乘上局部导数再传回去。
这些节点没有参数（``params``、``grads`` 为空），接口与层相同（共同基类 :class:`nnlearn.base.Layer`）。
MatMul 节点有参数，见 :class:`nnlearn.layers.MatMul`。

两个输入形状不同时按 NumPy 的广播规则相加、相乘；反向时把梯度沿被广播的轴求和，
还原成各自输入的形状——正是 Repeat 的反向是 Sum 的道理。

``NODES`` 列出本模块的全部节点：测试、``python -m nnlearn gradcheck`` 与 API 页都从这里取。
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnlearn.base import Example, Layer, reduce_to_shape
from nnlearn.validation import positive_int

__all__ = ["NODES", "Add", "Branch", "Mul", "Repeat", "Sum", "reduce_to_shape"]


# --8<-- [start:add]
class Add(Layer):
    r"""加法节点 $z = x + y$：局部导数都是 1，梯度原样传给两个输入。

    形状不同（广播）时，梯度沿被复制的轴求和，回到各自输入的形状。
    """

    def forward(self, x: ArrayLike, y: ArrayLike) -> Any:
        x, y = self._input(x), self._input(y, "y")
        self.shapes = x.shape, y.shape
        return self._remember(np.add(x, y))

    def backward(self, dout: Any) -> tuple[Any, Any]:
        dout = self._dout(dout)
        x_shape, y_shape = self.shapes
        return reduce_to_shape(dout, x_shape), reduce_to_shape(dout, y_shape)
# --8<-- [end:add]

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        # y 只有一行：正向广播到 n 行，反向要把梯度求和回 (d,)
        return Example(cls(), (rng.standard_normal((n, d)), rng.standard_normal(d)))


# --8<-- [start:mul]
class Mul(Layer):
    r"""乘法节点 $z = x \odot y$。

    局部导数 $\frac{\partial z}{\partial x} = y$，
    $\frac{\partial z}{\partial y} = x$：反向时"交换"相乘。
    形状不同时同 :class:`Add`，梯度求和回各自的形状。
    """

    def forward(self, x: ArrayLike, y: ArrayLike) -> Any:
        self.x, self.y = self._input(x), self._input(y, "y")
        return self._remember(self.x * self.y)

    def backward(self, dout: Any) -> tuple[Any, Any]:
        dout = self._dout(dout)
        dx = reduce_to_shape(dout * self.y, self.x.shape)
        dy = reduce_to_shape(dout * self.x, self.y.shape)
        return dx, dy
# --8<-- [end:mul]

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        return Example(cls(), (rng.standard_normal((n, d)), rng.standard_normal((1, d))))


# --8<-- [start:branch]
class Branch(Layer):
    r"""分支节点：把 $x$ 复制成 ``n`` 份；反向把 ``n`` 个上游梯度相加。"""

    def __init__(self, n: int = 2) -> None:
        super().__init__()
        self.n = positive_int("n", n)

    def forward(self, x: ArrayLike) -> tuple[Any, ...]:
        x = self._remember(self._input(x))
        return tuple(x.copy() for _ in range(self.n))

    def backward(self, *douts: Any) -> Any:
        if len(douts) != self.n:
            raise ValueError(f"Branch({self.n}) 的反向需要 {self.n} 个"
                             f"上游梯度，收到 {len(douts)} 个")
        dx = self._dout(douts[0]).copy()
        for dout in douts[1:]:
            dx += self._dout(dout)
        return dx
# --8<-- [end:branch]

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        return Example(cls(3), (rng.standard_normal((n, d)),))


# --8<-- [start:repeat]
class Repeat(Layer):
    r"""Repeat 节点：把形状 $(1, D)$（或 $(D,)$）的 $x$ 复制成 $(N, D)$；
    反向沿第 0 轴求和（即 Sum 节点），回到 $x$ 的形状。"""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = positive_int("n", n)

    def forward(self, x: ArrayLike) -> Any:
        x = self._input(x)
        if x.ndim not in (1, 2) or (x.ndim == 2 and x.shape[0] != 1):
            raise ValueError("Repeat 的输入应为 (1, D) 或 (D,)，"
                             f"收到形状 {x.shape}")
        self.x_shape = x.shape
        row = x.reshape(1, -1)
        return self._remember(np.repeat(row, self.n, axis=0))

    def backward(self, dout: Any) -> Any:
        dout = self._dout(dout)
        return dout.sum(axis=0).reshape(self.x_shape)
# --8<-- [end:repeat]

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        return Example(cls(n), (rng.standard_normal((1, d)),))


# --8<-- [start:sum]
class Sum(Layer):
    r"""Sum 节点：把 $(N, D)$ 沿第 0 轴求和成 $(1, D)$；
    反向把梯度复制 $N$ 行（即 Repeat 节点）。"""

    def forward(self, x: ArrayLike) -> Any:
        x = self._input(x)
        if x.ndim != 2:
            raise ValueError(f"Sum 的输入应为 (N, D)，收到形状 {x.shape}")
        self.n = x.shape[0]
        return self._remember(np.sum(x, axis=0, keepdims=True))

    def backward(self, dout: Any) -> Any:
        dout = self._dout(dout)
        return np.repeat(dout, self.n, axis=0)
# --8<-- [end:sum]

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        return Example(cls(), (rng.standard_normal((n, d)),))


NODES: tuple[type[Layer], ...] = (Add, Mul, Branch, Repeat, Sum)

