"""数据集：§1.4 的螺旋状数据。

书中的生成器会调用 ``np.random.seed`` 改动 NumPy 的全局随机状态；这里改用独立的
``np.random.default_rng(seed)``，同一个种子总得到同一份数据，也不影响调用者的随机数。
"""

from __future__ import annotations

import numpy as np

from nnlearn.validation import positive_int, seed_value

__all__ = ["load_spiral"]


def load_spiral(seed: int = 1984, n_per_class: int = 100,
                n_classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """生成螺旋状数据集。

    第 ``j`` 类的第 ``i`` 个点：``rate = i / N``，半径 ``r = rate``，
    角度 ``θ = 4j + 4·rate + 0.2·噪声``（噪声取标准正态），坐标 ``r·(sin θ, cos θ)``。

    返回 ``(x, t)``：``x`` 形状 ``(N·C, 2)``、float64；``t`` 形状 ``(N·C, C)``、
    整数 one-hot 标签。

    >>> x, t = load_spiral()
    >>> x.shape, t.shape
    ((300, 2), (300, 3))
    >>> t.sum(axis=0).tolist()
    [100, 100, 100]
    """
    n = positive_int("n_per_class", n_per_class)
    c = positive_int("n_classes", n_classes)
    rng = np.random.default_rng(seed_value("seed", seed))

    x = np.zeros((n * c, 2), dtype=np.float64)
    t = np.zeros((n * c, c), dtype=np.int64)
    rate = np.arange(n) / n  # 每一类内部的进度 0, 1/N, ..., (N-1)/N
    for j in range(c):
        theta = j * 4.0 + 4.0 * rate + rng.standard_normal(n) * 0.2
        rows = slice(j * n, (j + 1) * n)
        x[rows, 0] = rate * np.sin(theta)
        x[rows, 1] = rate * np.cos(theta)
        t[rows, j] = 1
    return x, t
