r"""计算图的节点（§1.3.4）：每个节点只知道自己的局部导数。

正向把值从左传到右，反向把上游传来的梯度乘上局部导数再传回去。
这些节点没有参数（``params``、``grads`` 为空），接口与层相同。
MatMul 节点有参数，见 :class:`nnlearn.layers.MatMul`。
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnlearn.backend import asarray


class Node:
    """无参数节点的共同部分。"""

    param_names: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.params: list[Any] = []
        self.grads: list[Any] = []


# --8<-- [start:add]
class Add(Node):
    r"""加法节点 $z = x + y$：局部导数都是 1，梯度原样传给两个输入。"""

    def forward(self, x: ArrayLike, y: ArrayLike) -> Any:
        return asarray(x) + asarray(y)

    def backward(self, dout: Any) -> tuple[Any, Any]:
        return dout, dout
# --8<-- [end:add]


# --8<-- [start:mul]
class Mul(Node):
    r"""乘法节点 $z = x \odot y$。

    局部导数 $\frac{\partial z}{\partial x} = y$，$\frac{\partial z}{\partial y} = x$：反向时“交换”相乘。
    """

    def forward(self, x: ArrayLike, y: ArrayLike) -> Any:
        self.x, self.y = asarray(x), asarray(y)
        return self.x * self.y

    def backward(self, dout: Any) -> tuple[Any, Any]:
        return dout * self.y, dout * self.x
# --8<-- [end:mul]


# --8<-- [start:branch]
class Branch(Node):
    r"""分支节点：把 $x$ 复制成 ``n`` 份；反向把 ``n`` 个上游梯度相加。"""

    def __init__(self, n: int = 2) -> None:
        super().__init__()
        self.n = _positive("n", n)

    def forward(self, x: ArrayLike) -> tuple[Any, ...]:
        x = asarray(x)
        return tuple(x.copy() for _ in range(self.n))

    def backward(self, *douts: Any) -> Any:
        if len(douts) != self.n:
            raise ValueError(f"Branch({self.n}) 的反向需要 {self.n} 个上游梯度，收到 {len(douts)} 个")
        return sum(douts[1:], start=asarray(douts[0]).copy())
# --8<-- [end:branch]


# --8<-- [start:repeat]
class Repeat(Node):
    r"""Repeat 节点：把形状 $(1, D)$ 的 $x$ 复制成 $(N, D)$；反向沿第 0 轴求和（即 Sum 节点）。"""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = _positive("n", n)

    def forward(self, x: ArrayLike) -> Any:
        x = _row(x, "Repeat")
        return np.repeat(x, self.n, axis=0)

    def backward(self, dout: Any) -> Any:
        return np.sum(dout, axis=0, keepdims=True)
# --8<-- [end:repeat]


# --8<-- [start:sum]
class Sum(Node):
    r"""Sum 节点：把 $(N, D)$ 沿第 0 轴求和成 $(1, D)$；反向把梯度复制 $N$ 行（即 Repeat 节点）。"""

    def forward(self, x: ArrayLike) -> Any:
        x = asarray(x)
        if x.ndim != 2:
            raise ValueError(f"Sum 的输入应为 (N, D)，收到形状 {x.shape}")
        self.n = x.shape[0]
        return np.sum(x, axis=0, keepdims=True)

    def backward(self, dout: Any) -> Any:
        return np.repeat(dout, self.n, axis=0)
# --8<-- [end:sum]


def _positive(name: str, n: int) -> int:
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{name} 应是正整数，收到 {n!r}")
    return int(n)


def _row(x: ArrayLike, node: str) -> Any:
    x = asarray(x)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[0] != 1:
        raise ValueError(f"{node} 的输入应为 (1, D) 或 (D,)，收到形状 {x.shape}")
    return x
