"""§1.4 的两层神经网络：Affine → Sigmoid → Affine，顶上是 Softmax with Loss。"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlearn.init import WeightScale, init_scale
from nnlearn.labels import class_indices
from nnlearn.layers import Affine, Sigmoid, SoftmaxWithLoss
from nnlearn.validation import float_dtype, positive_int, seed_value

__all__ = ["TwoLayerNet", "init_scale"]


# --8<-- [start:twolayernet]
class TwoLayerNet:
    """两层神经网络。

    参数按 ``W1, b1, W2, b2`` 的顺序放在 ``params`` 里，``grads`` 与之一一对应；
    它们就是各层持有的那几个数组，所以优化器就地更新后，层立刻用上新值。
    ``weight_scale``：初始权重的标准差（默认 0.01，同书），
    或 ``"xavier"`` / ``"he"``，按每层的输入个数决定。

    >>> import numpy as np
    >>> net = TwoLayerNet(2, 10, 3, seed=0)
    >>> [p.shape for p in net.params]
    [(2, 10), (10,), (10, 3), (3,)]
    >>> net.predict(np.zeros((4, 2))).shape
    (4, 3)
    """

    param_names = ("W1", "b1", "W2", "b2")

    def __init__(self, input_size: int, hidden_size: int,
                 output_size: int, *, seed: int | None = None,
                 dtype: Any = np.float64,
                 weight_scale: WeightScale = 0.01) -> None:
        d = positive_int("input_size", input_size)
        h = positive_int("hidden_size", hidden_size)
        c = positive_int("output_size", output_size)
        dtype = float_dtype("dtype", dtype)
        rng = np.random.default_rng(seed_value("seed", seed))
        # 权重取小的随机数打破对称，偏置从 0 开始
        s1, s2 = init_scale(weight_scale, d), init_scale(weight_scale, h)
        W1 = (s1 * rng.standard_normal((d, h))).astype(dtype)
        b1 = np.zeros(h, dtype=dtype)
        W2 = (s2 * rng.standard_normal((h, c))).astype(dtype)
        b2 = np.zeros(c, dtype=dtype)

        # 第一层直接接输入数据，没人需要数据的梯度，所以跳过 dx
        self.layers = [Affine(W1, b1, input_grad=False), Sigmoid(),
                       Affine(W2, b2)]
        self.loss_layer = SoftmaxWithLoss()

        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        for layer in self.layers:
            self.params += layer.params
            self.grads += layer.grads

    def predict(self, x: np.ndarray) -> np.ndarray:
        """返回得分 ``s``（Softmax 之前的输出）。

        ``x`` 按参数的 dtype 计算（float32 的网络收到 float64 数据时先转换）。
        """
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        """前向传播到损失（小批量平均的交叉熵误差）。"""
        score = self.predict(x)
        return self.loss_layer.forward(score, t)

    def backward(self, dout: float = 1.0) -> None:
        """从损失反向传播，把梯度就地写进 ``grads``（第一层不算 dx）。"""
        if self.loss_layer.out_shape is None:
            raise RuntimeError("TwoLayerNet：请先调用 forward(x, t)，"
                               "再调用 backward")
        dout = self.loss_layer.backward(dout)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
# --8<-- [end:twolayernet]

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        """预测类别与标签一致的比例；``t`` 的检查与损失相同（one-hot 或整数标签）。"""
        scores = self.predict(x)
        labels = class_indices(t, scores.shape)
        return float(np.mean(scores.argmax(axis=-1) == labels))

