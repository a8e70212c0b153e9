r"""神经网络的层：书中统一的接口。

每层都有 ``params``、``grads``（形状一一对应的数组列表）、``forward``、``backward``。
``backward`` 把梯度**就地**写进 ``grads``（``grads[0][...] = dW``），
所以优化器拿着这些列表的引用，始终看到最新的梯度。
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnlearn.backend import asarray
from nnlearn.functions import sigmoid, softmax
from nnlearn.labels import check_labels


# --8<-- [start:matmul]
class MatMul:
    r"""MatMul 层：$\mathbf{y} = \mathbf{x}\mathbf{W}$。

    反向：$\frac{\partial L}{\partial \mathbf{x}} = \frac{\partial L}{\partial \mathbf{y}}\mathbf{W}^\top$，
    $\frac{\partial L}{\partial \mathbf{W}} = \mathbf{x}^\top\frac{\partial L}{\partial \mathbf{y}}$。
    ``input_grad=False`` 时不计算 $\partial L/\partial \mathbf{x}$（直接接在输入数据上的层用不到它）。
    """

    param_names = ("W",)

    def __init__(self, W: ArrayLike, *, input_grad: bool = True) -> None:
        W = _weight(W)
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self.input_grad = input_grad
        self.x: Any = None

    def forward(self, x: ArrayLike) -> Any:
        (W,) = self.params
        self.x = _batch(x, W.shape[0], type(self).__name__)
        return self.x @ W

    def backward(self, dout: Any) -> Any:
        (W,) = self.params
        np.matmul(self.x.T, dout, out=self.grads[0])  # 就地写入，不另分配
        return dout @ W.T if self.input_grad else None
# --8<-- [end:matmul]


# --8<-- [start:affine]
class Affine:
    r"""Affine（全连接）层：$\mathbf{y} = \mathbf{x}\mathbf{W} + \mathbf{b}$。

    相当于 MatMul 节点 + 把偏置复制 $N$ 行的 Repeat 节点 + 加法节点；
    所以 $\frac{\partial L}{\partial \mathbf{b}}$ 是 $\frac{\partial L}{\partial \mathbf{y}}$ 沿批次求和
    （Repeat 的反向是 Sum）。
    """

    param_names = ("W", "b")

    def __init__(self, W: ArrayLike, b: ArrayLike, *, input_grad: bool = True) -> None:
        W, b = _weight(W), _weight(b)
        if b.shape != (W.shape[1],):
            raise ValueError(f"偏置 b 的形状应为 ({W.shape[1]},)（W 是 {W.shape}），收到 {b.shape}")
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.input_grad = input_grad
        self.x: Any = None

    def forward(self, x: ArrayLike) -> Any:
        W, b = self.params
        self.x = _batch(x, W.shape[0], type(self).__name__)
        out = self.x @ W
        out += b  # 广播加偏置，就地完成
        return out

    def backward(self, dout: Any) -> Any:
        W, _ = self.params
        np.matmul(self.x.T, dout, out=self.grads[0])
        dout.sum(axis=0, out=self.grads[1])
        return dout @ W.T if self.input_grad else None
# --8<-- [end:affine]


# --8<-- [start:sigmoid]
class Sigmoid:
    r"""Sigmoid 层：$y = \sigma(x)$，反向 $\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y}\, y(1-y)$。

    反向只需要正向的输出 $y$，所以正向时把它存下来。
    """

    param_names = ()

    def __init__(self) -> None:
        self.params: list[Any] = []
        self.grads: list[Any] = []
        self.out: Any = None

    def forward(self, x: ArrayLike) -> Any:
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout: Any) -> Any:
        dx = 1.0 - self.out
        dx *= self.out
        dx *= dout
        return dx
# --8<-- [end:sigmoid]


# --8<-- [start:softmax]
class Softmax:
    r"""Softmax 层（沿最后一个轴）。

    反向：$\frac{\partial L}{\partial s_k}
    = y_k\left(\frac{\partial L}{\partial y_k} - \sum_i \frac{\partial L}{\partial y_i} y_i\right)$。
    """

    param_names = ()

    def __init__(self) -> None:
        self.params: list[Any] = []
        self.grads: list[Any] = []
        self.out: Any = None

    def forward(self, x: ArrayLike) -> Any:
        self.out = softmax(x)
        return self.out

    def backward(self, dout: Any) -> Any:
        dx = self.out * dout
        dx -= self.out * dx.sum(axis=-1, keepdims=True)
        return dx
# --8<-- [end:softmax]


# --8<-- [start:softmax_with_loss]
class SoftmaxWithLoss:
    r"""Softmax 与交叉熵误差合成一层：$L = -\frac{1}{N}\sum_n \log y_{n, t_n}$。

    损失直接由 log-softmax 算出，精确，不需要在 $\log$ 里加 ``1e-7``；
    两者合在一起，反向梯度化简为 $\frac{\partial L}{\partial \mathbf{s}} = \frac{\mathbf{y} - \mathbf{t}}{N}$。
    """

    param_names = ()

    def __init__(self) -> None:
        self.params: list[Any] = []
        self.grads: list[Any] = []
        self.y: Any = None  # softmax 的输出（概率）
        self.t: Any = None
        self.kind = "index"
        self.rows: Any = None

    def forward(self, x: ArrayLike, t: ArrayLike) -> float:
        x = asarray(x)
        if x.ndim not in (1, 2):
            raise ValueError(f"分数 x 的形状应为 (N, C) 或 (C,)，收到 {x.shape}")
        self.kind, self.t = check_labels(t, x.shape)
        x2 = x.reshape(-1, x.shape[-1])
        n = x2.shape[0]
        # log-softmax：log y = (s - max) - log Σ exp(s - max)，不会溢出，也不会出现 log 0
        shifted = x2 - x2.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        if self.kind == "index":
            if self.rows is None or len(self.rows) != n:  # 批大小不变时复用行号
                self.rows = np.arange(n)
            loss = (np.log(total).sum() - shifted[self.rows, self.t.reshape(-1)].sum()) / n
        else:
            shifted -= np.log(total)
            loss = -(self.t.reshape(x2.shape) * shifted).sum() / n
        e /= total
        self.y = e.reshape(x.shape)
        return float(loss)

    def backward(self, dout: float = 1.0) -> Any:
        y2 = self.y.reshape(-1, self.y.shape[-1])
        if self.kind == "index":
            dx = y2.copy()
            dx[self.rows, self.t.reshape(-1)] -= 1
        else:
            dx = y2 - self.t.reshape(y2.shape)
        dx *= dout / y2.shape[0]
        return dx.reshape(self.y.shape)
# --8<-- [end:softmax_with_loss]


def _weight(a: ArrayLike) -> Any:
    """参数必须是浮点数组：整数参数在更新时会被悄悄截断。"""
    a = asarray(a)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    return a


def _batch(x: ArrayLike, width: int, layer: str) -> Any:
    """输入应是 ``(N, D)``；宽度对不上时报出双方的形状。"""
    x = asarray(x)
    if x.ndim != 2 or x.shape[1] != width:
        hint = "；单个样本请写成 x.reshape(1, -1)" if x.ndim == 1 and x.shape[0] == width else ""
        raise ValueError(f"{layer} 的输入应为 (N, {width})，收到形状 {x.shape}{hint}")
    return x
