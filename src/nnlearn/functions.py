r"""激活函数与损失函数：无状态的纯函数，层（``nnlearn.layers``）在它们之上构建。

约定：最后一个轴是类别轴；``y`` 是概率，``t`` 是标签。
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from nnlearn.labels import check_labels, check_probabilities
from nnlearn.validation import class_axis_array, float_array


# --8<-- [start:sigmoid]
def sigmoid(x: ArrayLike) -> Any:
    r"""Sigmoid 函数 $\sigma(x) = \dfrac{1}{1 + \exp(-x)}$，逐元素计算。

    $x$ 很负时 $\exp(-x)$ 溢出成 ``inf``，$1/\infty = 0$ 正是极限值，
    所以只需静音溢出警告。

    >>> sigmoid([-1000.0, 0.0, 2.0]).round(4)
    array([0.    , 0.5   , 0.8808])
    >>> print(f"{sigmoid(0.5):.4f}")
    0.6225
    """
    if type(x) is not np.ndarray or x.dtype.kind != "f":
        x = float_array("sigmoid 的输入", x)
    # 只分配一个结果数组，其余三步就地完成：大矩阵上省下两次整块内存的分配与读写
    out = np.empty_like(x)
    np.negative(x, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out if out.ndim else out[()]
# --8<-- [end:sigmoid]


# --8<-- [start:softmax]
def softmax(x: ArrayLike) -> Any:
    r"""Softmax：$y_k = \dfrac{\exp(s_k)}{\sum_{i=1}^{C} \exp(s_i)}$，
    沿最后一个轴。

    先减去每行的最大值：结果不变（分子分母同乘 $\exp(-\max s)$），
    但 $\exp$ 不再溢出。

    >>> softmax([0.3, 2.9, 4.0]).round(4)
    array([0.0182, 0.2452, 0.7366])
    >>> softmax([1000.0, 0.0, -1000.0])
    array([1., 0., 0.])
    """
    x = class_axis_array("softmax", x)
    e = x - x.max(axis=-1, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e
# --8<-- [end:softmax]


# --8<-- [start:log_softmax]
def log_softmax(x: ArrayLike) -> Any:
    r"""$\log y_k = s_k - \log\sum_{i} \exp(s_i)$，沿最后一个轴，数值稳定。

    直接取 $\log(\mathrm{softmax}(s))$ 会在概率下溢为 0 时
    得到 $-\infty$；这里不会。

    >>> log_softmax([1000.0, 0.0, -1000.0])
    array([    0., -1000., -2000.])
    """
    x = class_axis_array("log_softmax", x)
    shifted = x - x.max(axis=-1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted
# --8<-- [end:log_softmax]


# --8<-- [start:cross_entropy_error]
def cross_entropy_error(y: ArrayLike, t: ArrayLike) -> float:
    r"""交叉熵误差 $L = -\dfrac{1}{N}\sum_{n}\sum_{k} t_{nk} \log y_{nk}$
    （小批量取平均）。

    ``y`` 是概率，形状 ``(N, C)`` 或 ``(C,)``；``t`` 可以是整数类别
    ``(N,)``（单个样本时是标量），也可以是与 ``y`` 同形的分布
    （one-hot 或软标签，公式相同）。

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
        # 0·log 0 按 0 计
        logy = np.log(y2, where=t2 > 0, out=np.zeros_like(y2))
        return mean_nll(logy, t2)
# --8<-- [end:cross_entropy_error]


# --8<-- [start:mean_nll]
def mean_nll(log_y: Any, t: Any) -> float:
    r"""由 log 概率算交叉熵：$-rac{1}{N}\sum_n\sum_k t_{nk}\log y_{nk}$。

    ``t`` 是与 ``log_y`` 同形、已检查过的分布（one-hot 或软标签）；
    单个样本 ``(C,)`` 时 $N = 1$。

    >>> print(mean_nll(np.log([[0.5, 0.5]]), np.array([[1.0, 0.0]])))
    0.6931471805599453
    """
    n = log_y.size // log_y.shape[-1]
    return float(-np.vdot(t, log_y) / n)  # 点积：不必分配 t * log_y
# --8<-- [end:mean_nll]


def softmax_jacobian(s: ArrayLike) -> Any:
    r"""Softmax 的雅可比矩阵 $J_{kj} = \dfrac{\partial y_k}{\partial s_j} = y_k(\delta_{kj} - y_j)$。

    ``s`` 的形状 ``(C,)`` 得到 ``(C, C)``；``(N, C)`` 得到每个样本一个，形状 ``(N, C, C)``。
    对角线上是 $y_k(1 - y_k) > 0$（提高自己的分数，自己的概率变大），
    其余是 $-y_k y_j < 0$（别人的分数变大，自己的概率变小）；每一列之和为 0，因为概率之和恒为 1。

    >>> softmax_jacobian([0.0, 0.0])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    >>> softmax_jacobian(np.zeros((4, 3))).shape
    (4, 3, 3)
    """
    y = softmax(s)
    jac = -y[..., :, None] * y[..., None, :]
    diag = np.arange(y.shape[-1])
    jac[..., diag, diag] += y
    return jac

