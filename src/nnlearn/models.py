"""§1.4 的两层神经网络：Affine → Sigmoid → Affine，顶上是 Softmax with Loss。"""

from __future__ import annotations

import numpy as np

from nnlearn.layers import Affine, Sigmoid, SoftmaxWithLoss

__all__ = ["TwoLayerNet"]


def _check_size(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} 应为正整数，收到 {type(value).__name__}：{value!r}")
    if value <= 0:
        raise ValueError(f"{name} 应为正整数，收到 {value}")
    return int(value)


# --8<-- [start:twolayernet]
class TwoLayerNet:
    """两层神经网络。

    参数按 ``W1, b1, W2, b2`` 的顺序放在 ``params`` 里，``grads`` 与之一一对应；
    它们就是各层持有的那几个数组，所以优化器就地更新后，层立刻用上新值。

    >>> import numpy as np
    >>> net = TwoLayerNet(2, 10, 3, seed=0)
    >>> [p.shape for p in net.params]
    [(2, 10), (10,), (10, 3), (3,)]
    >>> net.predict(np.zeros((4, 2))).shape
    (4, 3)
    """

    param_names = ("W1", "b1", "W2", "b2")

    def __init__(self, input_size: int, hidden_size: int, output_size: int, *,
                 seed: int | None = None, dtype: np.dtype | type = np.float64) -> None:
        d = _check_size("input_size", input_size)
        h = _check_size("hidden_size", hidden_size)
        c = _check_size("output_size", output_size)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"dtype 应为浮点类型（如 float64、float32），收到 {dtype}")
        rng = np.random.default_rng(seed)
        # 权重取小的随机数打破对称，偏置从 0 开始
        W1 = (0.01 * rng.standard_normal((d, h))).astype(dtype)
        b1 = np.zeros(h, dtype=dtype)
        W2 = (0.01 * rng.standard_normal((h, c))).astype(dtype)
        b2 = np.zeros(c, dtype=dtype)

        # 第一层直接接输入数据，没人需要数据的梯度，所以跳过 dx
        self.layers = [Affine(W1, b1, input_grad=False), Sigmoid(), Affine(W2, b2)]
        self.loss_layer = SoftmaxWithLoss()

        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        for layer in self.layers:
            self.params += layer.params
            self.grads += layer.grads

    def predict(self, x: np.ndarray) -> np.ndarray:
        """返回得分 ``s``（Softmax 之前的输出）；只比较大小时不必再算 Softmax。"""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        """前向传播到损失（小批量平均的交叉熵误差）。"""
        score = self.predict(x)
        return self.loss_layer.forward(score, t)

    def backward(self, dout: float = 1.0) -> None:
        """从损失反向传播，把梯度就地写进 ``grads``（第一层不算 dx，所以不返回）。"""
        dout = self.loss_layer.backward(dout)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
# --8<-- [end:twolayernet]

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        """预测类别与标签一致的比例（``t`` 为 one-hot 或整数标签）。"""
        x = np.asarray(x)
        t = np.asarray(t)
        if t.ndim == 2:
            t = t.argmax(axis=1)
        if t.shape != (len(x),):
            raise ValueError(
                f"t 应为 one-hot ({len(x)}, C) 或整数标签 ({len(x)},)，收到形状 {t.shape}"
            )
        pred = self.predict(x).argmax(axis=1)
        return float(np.mean(pred == t))
