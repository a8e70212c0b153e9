r"""神经网络的层：书中统一的接口。

每层都有 ``params``、``grads``（形状一一对应的数组列表）、``forward``、``backward``。
``backward`` 把梯度**就地**写进 ``grads``（``grads[0][...] = dW``），
所以优化器拿着这些列表的引用，始终看到最新的梯度。
共同的部分（参数列表、精度规则、"先 forward"与 ``dout`` 形状的检查）在 :class:`nnlearn.base.Layer`。

``LAYERS`` 列出本模块的全部层：测试、``python -m nnlearn gradcheck`` 与 API 页都从这里取。
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnlearn.base import Example, Layer
from nnlearn.functions import log_softmax, mean_nll, sigmoid, softmax
from nnlearn.labels import label_distribution

__all__ = ["LAYERS", "Affine", "MatMul", "Sigmoid", "Softmax", "SoftmaxWithLoss"]


# --8<-- [start:matmul]
class MatMul(Layer):
    r"""MatMul 层：$\mathbf{y} = \mathbf{x}\mathbf{W}$。

    反向：$\frac{\partial L}{\partial \mathbf{x}}
    = \frac{\partial L}{\partial \mathbf{y}}\mathbf{W}^\top$，
    $\frac{\partial L}{\partial \mathbf{W}}
    = \mathbf{x}^\top\frac{\partial L}{\partial \mathbf{y}}$。
    ``input_grad=False`` 时不计算 $\partial L/\partial \mathbf{x}$
    （直接接在输入数据上的层用不到它）。
    """

    param_names = ("W",)

    def __init__(self, W: ArrayLike, *, input_grad: bool = True) -> None:
        super().__init__(self._param("W", W, "(D, H)", 2))
        self.input_grad = input_grad
        self.x: Any = None

    def forward(self, x: ArrayLike) -> Any:
        (W,) = self.params
        self.x = self._batch(x, W.shape[0])
        return self._remember(self.x @ W)

    def backward(self, dout: Any) -> Any:
        dout = self._dout(dout)
        (W,) = self.params
        np.matmul(self.x.T, dout, out=self.grads[0])  # 就地写入，不另分配
        return dout @ W.T if self.input_grad else None
# --8<-- [end:matmul]

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        return Example(cls(rng.standard_normal((d, d + 1))), (rng.standard_normal((n, d)),))


# --8<-- [start:affine]
class Affine(Layer):
    r"""Affine（全连接）层：$\mathbf{y} = \mathbf{x}\mathbf{W} + \mathbf{b}$。

    相当于 MatMul 节点 + 把偏置复制 $N$ 行的 Repeat 节点 + 加法节点；
    所以 $\frac{\partial L}{\partial \mathbf{b}}$ 是
    $\frac{\partial L}{\partial \mathbf{y}}$ 沿批次求和（Repeat 的反向是 Sum）。
    """

    param_names = ("W", "b")

    def __init__(self, W: ArrayLike, b: ArrayLike, *,
                 input_grad: bool = True) -> None:
        W = self._param("W", W, "(D, H)", 2)
        b = self._param("b", b, f"({W.shape[1]},)", 1)
        if b.shape != (W.shape[1],):
            raise ValueError(f"偏置 b 的形状应为 ({W.shape[1]},)"
                             f"（W 是 {W.shape}），收到 {b.shape}")
        super().__init__(W, b)
        self.input_grad = input_grad
        self.x: Any = None

    def forward(self, x: ArrayLike) -> Any:
        W, b = self.params
        self.x = self._batch(x, W.shape[0])
        out = self.x @ W
        out += b  # 广播加偏置，就地完成
        return self._remember(out)

    def backward(self, dout: Any) -> Any:
        dout = self._dout(dout)
        W, _ = self.params
        np.matmul(self.x.T, dout, out=self.grads[0])
        dout.sum(axis=0, out=self.grads[1])
        return dout @ W.T if self.input_grad else None
# --8<-- [end:affine]

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        W, b = rng.standard_normal((d, d + 1)), rng.standard_normal(d + 1)
        return Example(cls(W, b), (rng.standard_normal((n, d)),))


# --8<-- [start:sigmoid]
class Sigmoid(Layer):
    r"""Sigmoid 层：$y = \sigma(x)$，反向
    $\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y}\, y(1-y)$。

    反向只需要正向的输出 $y$，所以正向时把它存下来。
    """

    def __init__(self) -> None:
        super().__init__()
        self.out: Any = None

    def forward(self, x: ArrayLike) -> Any:
        self.out = self._remember(sigmoid(self._input(x)))
        return self.out

    def backward(self, dout: Any) -> Any:
        dout = self._dout(dout)
        dx = 1.0 - self.out
        dx *= self.out
        dx *= dout
        return dx
# --8<-- [end:sigmoid]

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        return Example(cls(), (rng.standard_normal((n, d)),))


# --8<-- [start:softmax]
class Softmax(Layer):
    r"""Softmax 层（沿最后一个轴）。

    反向：$\frac{\partial L}{\partial s_k}
    = y_k\left(\frac{\partial L}{\partial y_k}
    - \sum_i \frac{\partial L}{\partial y_i} y_i\right)$。
    """

    def __init__(self) -> None:
        super().__init__()
        self.out: Any = None

    def forward(self, x: ArrayLike) -> Any:
        self.out = self._remember(softmax(self._input(x)))
        return self.out

    def backward(self, dout: Any) -> Any:
        dout = self._dout(dout)
        dx = self.out * dout
        dx -= self.out * dx.sum(axis=-1, keepdims=True)
        return dx
# --8<-- [end:softmax]

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        return Example(cls(), (rng.standard_normal((n, d)),))


# --8<-- [start:softmax_with_loss]
class SoftmaxWithLoss(Layer):
    r"""Softmax 与交叉熵误差合成一层：$L = -\frac{1}{N}\sum_n \log y_{n, t_n}$。

    损失由 ``log_softmax`` 直接算出，精确，不用在 $\log$ 里加 ``1e-7``；
    反向梯度化简为 $\frac{\partial L}{\partial \mathbf{s}}
    = \frac{\mathbf{y} - \mathbf{t}}{N}$。
    """

    def forward(self, x: ArrayLike, t: ArrayLike) -> float:
        x = self._scores(x)
        # 检查标签；整数类别写成 one-hot，反向就是一次减法
        self.t = label_distribution(t, x)
        log_y = log_softmax(x)
        self.y = self._remember(np.exp(log_y))
        return mean_nll(log_y, self.t)

    def backward(self, dout: float = 1.0) -> Any:
        dout = self._loss_dout(dout)
        n = self.y.size // self.y.shape[-1]  # 批大小（单个样本时为 1）
        dx = self.y - self.t
        dx *= dout / n
        return dx
# --8<-- [end:softmax_with_loss]

    @classmethod
    def example(cls, rng: np.random.Generator, n: int = 4, d: int = 5) -> Example:
        return Example(cls(), (rng.standard_normal((n, d)),), rng.integers(0, d, size=n))


LAYERS: tuple[type[Layer], ...] = (MatMul, Affine, Sigmoid, Softmax, SoftmaxWithLoss)

