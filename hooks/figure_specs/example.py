"""示例页的图：用 SGD 最小化 L(w) = (w - 3)² 时损失的下降曲线。"""

import numpy as np

from nnlearn.optim import SGD
from nnlearn.plotting.training import loss_curve


def _sgd_losses(lr: float = 0.1, steps: int = 30) -> list[float]:
    w = np.array([0.0])
    optimizer = SGD(lr=lr)
    losses = []
    for _ in range(steps):
        losses.append(float(((w - 3.0) ** 2).sum()))
        optimizer.update([w], [2.0 * (w - 3.0)])
    return losses


FIGURES = {
    "example-sgd-loss.png": lambda: loss_curve(_sgd_losses(), title="SGD 最小化 (w − 3)²"),
}
