r"""激活函数与损失函数：无状态的纯函数，层（``nnlearn.layers``）在它们之上构建。

约定：最后一个轴是类别轴；``y`` 是概率，``t`` 是标签。
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnlearn.backend import asarray
from nnlearn.labels import check_labels, check_probabilities


# --8<-- [start:sigmoid]
def sigmoid(x: ArrayLike) -> Any:
    r"""Sigmoid 函数 $\sigma(x) = \dfrac{1}{1 + \exp(-x)}$，逐元素计算。

    $x$ 很负时 $\exp(-x)$ 溢出成 ``inf``，$1/\infty = 0$ 正是极限值，所以只需静音溢出警告。

    >>> sigmoid([-1000.0, 0.0, 2.0]).round(4)
    array([0.    , 0.5   , 0.8808])
    >>> print(f"{sigmoid(0.5):.4f}")
    0.6225
    """
    x = asarray(x)
    # 只分配一个结果数组，其余三步就地完成：大矩阵上省下两次整块内存的分配与读写
    out = np.empty_like(x, dtype=x.dtype if x.dtype.kind == "f" else np.float64)
    np.negative(x, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out if out.ndim else out[()]
# --8<-- [end:sigmoid]


# --8<-- [start:softmax]
def softmax(x: ArrayLike) -> Any:
    r"""Softmax：$y_k = \dfrac{\exp(s_k)}{\sum_{i=1}^{C} \exp(s_i)}$，沿最后一个轴。

    先减去每行的最大值：结果不变（分子分母同乘 $\exp(-\max s)$），但 $\exp$ 不再溢出。

    >>> softmax([0.3, 2.9, 4.0]).round(4)
    array([0.0182, 0.2452, 0.7366])
    >>> softmax([1000.0, 0.0, -1000.0])
    array([1., 0., 0.])
    """
    x = asarray(x)
    e = np.subtract(x, x.max(axis=-1, keepdims=True), dtype=_float_dtype(x))
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e
# --8<-- [end:softmax]


# --8<-- [start:log_softmax]
def log_softmax(x: ArrayLike) -> Any:
    r"""$\log y_k = s_k - \log\sum_{i} \exp(s_i)$，沿最后一个轴，数值稳定。

    直接取 $\log(\mathrm{softmax}(s))$ 会在概率下溢为 0 时得到 $-\infty$；这里不会。

    >>> log_softmax([1000.0, 0.0, -1000.0])
    array([    0., -1000., -2000.])
    """
    x = asarray(x)
    shifted = np.subtract(x, x.max(axis=-1, keepdims=True), dtype=_float_dtype(x))
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted
# --8<-- [end:log_softmax]


# --8<-- [start:cross_entropy_error]
def cross_entropy_error(y: ArrayLike, t: ArrayLike) -> float:
    r"""交叉熵误差 $L = -\dfrac{1}{N}\sum_{n}\sum_{k} t_{nk} \log y_{nk}$（小批量取平均）。

    ``y`` 是概率，形状 ``(N, C)`` 或 ``(C,)``；``t`` 可以是整数类别 ``(N,)``（单个样本时是标量），
    也可以是与 ``y`` 同形的分布（one-hot 或软标签，公式相同）。

    >>> y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    >>> round(cross_entropy_error(y, 2), 4)
    0.5108
    """
    y = check_probabilities(y)
    kind, t = check_labels(t, y.shape)
    y2 = y.reshape(-1, y.shape[-1])
    n = y2.shape[0]
    with np.errstate(divide="ignore"):  # 真实类别的概率为 0 时损失就是 +inf
        if kind == "index":
            return float(-np.log(y2[np.arange(n), t.reshape(-1)]).sum() / n)
        t2 = t.reshape(y2.shape)
        logy = np.log(y2, where=t2 > 0, out=np.zeros_like(y2))  # 0·log 0 按 0 计
        return float(-(t2 * logy).sum() / n)
# --8<-- [end:cross_entropy_error]


def _float_dtype(x: Any) -> Any:
    """整数输入按 float64 计算；浮点输入保持原精度（float32 训练要用）。"""
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
