"""检查概率与标签：损失函数收到错误输入时要说清楚哪里错，而不是算出一个错的数。"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from nnlearn.backend import asarray, get_array_module
from nnlearn.validation import float_array, real_array

LabelKind = Literal["index", "dist"]


def check_probabilities(y: ArrayLike) -> Any:
    """确认 ``y`` 的每一行都是概率分布（非负、和为 1），返回浮点数组。

    只读两遍 ``y``：最小值（负数和 nan 都过不了 ``>= 0``）与行和（inf、nan 让行和不等于 1），
    所以不需要另做一遍有限性检查。
    """
    y = float_array("概率 y", y)
    if y.ndim not in (1, 2):
        raise ValueError(f"概率 y 的形状应为 (N, C) 或 (C,)，收到 {y.shape}")
    if y.size == 0:
        raise ValueError(f"批为空：概率 y 的形状是 {y.shape}，没有数据")
    low = y.min()
    sums = y.sum(axis=-1)
    tol = _tolerance(y.dtype)
    if not (low >= 0 and np.abs(sums - 1).max() <= tol):
        raise ValueError(_not_distribution(y, sums, tol))
    return y


def _not_distribution(y: Any, sums: Any, tol: float) -> str:
    if not np.isfinite(y).all():
        return "概率 y 含有 nan 或 inf"
    return (
        f"y 不是概率分布：最小值 {float(y.min()):.4g}，各行之和在 "
        f"{float(sums.min()):.6g} 到 {float(sums.max()):.6g} 之间"
        f"（容差 {tol:.1g}）。若 y 是原始分数，请先用 softmax(y)，"
        "或直接用 SoftmaxWithLoss 从分数计算损失。"
    )


def check_labels(t: ArrayLike, shape: tuple[int, ...]) -> tuple[LabelKind, Any]:
    """按分数/概率的形状 ``shape``（``(N, C)`` 或 ``(C,)``）检查标签 ``t``。

    返回 ``("index", 整数类别)``（形状 ``shape[:-1]``），或 ``("dist", 浮点分布)``（形状 ``shape``）。
    """
    t = asarray(t)
    n_classes, batch = shape[-1], tuple(shape[:-1])
    if t.dtype.kind in "iu" and t.shape == batch:  # 最常见的情形：整数类别，一次归约就查完
        if t.size and _out_of_range(t, n_classes):
            _check_range(t, n_classes)
        return "index", t
    t = real_array("标签 t（整数类别或概率分布）", t)
    is_int = t.dtype.kind in "iu"
    if t.shape == batch and is_int:
        _check_range(t, n_classes)
        return "index", t
    if t.shape == tuple(shape):
        return "dist", _check_distribution(t)
    raise ValueError(_shape_problem(t, shape))


def _out_of_range(t: Any, n_classes: int) -> bool:
    """整数标签有没有落在 ``[0, C)`` 之外。

    有符号整数按同宽的无符号数看，负数就变成至少 $2^{b-1}$ 的大数：只要 ``C`` 不超过它，
    一次最大值归约就同时查出负数和越界（常见的 int64 总是如此）。否则取最小值、最大值两次归约。
    """
    bits = 8 * t.dtype.itemsize
    if t.dtype.kind == "i" and n_classes <= 2 ** (bits - 1):
        t = t.view(f"u{t.dtype.itemsize}")
    elif t.dtype.kind == "i" and t.min() < 0:
        return True
    return bool(t.max() >= n_classes)  # 方法调用：CuPy 数组也适用


def _check_range(t: Any, n_classes: int) -> None:
    bad = (t < 0) | (t >= n_classes)
    if bad.any():
        where = np.flatnonzero(asarray(bad).reshape(-1))[:5]
        values = t.reshape(-1)[where]
        raise ValueError(
            f"标签越界：共有 C={n_classes} 类，类别编号应在 0 到 {n_classes - 1} 之间，"
            f"但位置 {where.tolist()} 上是 {values.tolist()}"
        )


def _check_distribution(t: Any) -> Any:
    tf = t if t.dtype.kind == "f" else t.astype(np.float64)
    tol = _tolerance(t.dtype)
    sums = tf.sum(axis=-1)
    if (tf < 0).any() or not np.isfinite(tf).all() or np.abs(sums - 1).max() > tol:
        raise ValueError(
            f"与分数同形的标签应是 one-hot 或概率分布（非负，每行和为 1），"
            f"但最小值为 {float(tf.min()):.4g}，各行之和在 {float(sums.min()):.6g} 到 "
            f"{float(sums.max()):.6g} 之间（dtype={t.dtype}）"
        )
    return tf


def _shape_problem(t: Any, shape: tuple[int, ...]) -> str:
    n_classes, batch = shape[-1], tuple(shape[:-1])
    expected = f"整数类别形状 {batch} 或分布形状 {tuple(shape)}"
    if t.shape == batch:
        sample = t.reshape(-1)[:3].tolist()
        return (f"类别标签必须是整数，收到 dtype={t.dtype}（如 {sample}）；"
                "若都是整数值，请用 t.astype(int)")
    if len(batch) == 1 and t.shape == (batch[0], 1):
        return _column_problem(t)
    if t.ndim == len(shape) and t.shape[:-1] == batch:
        return f"one-hot 标签宽 {t.shape[-1]}，但分数有 C={n_classes} 类（分数形状 {tuple(shape)}）"
    if batch and t.ndim >= 1 and t.shape[0] != batch[0]:
        return f"批大小不一致：分数有 N={batch[0]} 个样本，标签有 {t.shape[0]} 个（标签形状 {t.shape}）"
    return f"标签形状不对：期望 {expected}，收到 {t.shape}（dtype={t.dtype}）"


def _column_problem(t: Any) -> str:
    return f"标签是 {t.shape} 的列向量，应为 ({t.shape[0]},)：请用 t.ravel() 或 t[:, 0]"


def _tolerance(dtype: Any) -> float:
    """行和允许的误差：随精度放宽（float64 约 1.5e-8，float32 约 3.5e-4）。"""
    dtype = np.dtype(dtype)
    return float(np.sqrt(np.finfo(dtype).eps)) if dtype.kind == "f" else 0.0


def label_distribution(t: ArrayLike, scores: Any) -> Any:
    """按 :func:`check_labels` 检查后，把标签写成与分数 ``scores`` 同形、同 dtype 的分布
    （整数类别变成 one-hot）；``scores`` 在 GPU 上时结果也在 GPU 上。

    >>> label_distribution([2, 0], np.zeros((2, 3))).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    kind, t = check_labels(t, scores.shape)
    if kind == "dist":
        return t if t.dtype == scores.dtype else t.astype(scores.dtype)
    dist = np.zeros_like(scores)  # 按 scores 的类型分派：NumPy 或 CuPy
    if dist.ndim == 2:
        xp = np if type(dist) is np.ndarray else get_array_module(dist)
        dist[xp.arange(len(dist)), t] = 1
    else:  # 单个样本：t 是一个类别编号
        dist[t] = 1
    return dist


def class_indices(t: ArrayLike, shape: tuple[int, ...] | None = None) -> Any:
    """标签（整数类别，或 one-hot / 概率分布）→ 每个样本的类别编号。

    ``shape`` 是分数的形状 ``(N, C)``：给出时与损失函数做完全相同的检查
    （批大小、类别数、越界、``(N, 1)`` 列向量）；不给时按标签自身推断类别数。

    >>> class_indices([[0, 1, 0], [1, 0, 0]]).tolist()
    [1, 0]
    >>> class_indices([2, 0]).tolist()
    [2, 0]
    """
    t = real_array("标签 t", t)
    if shape is None:
        if t.ndim == 2 and t.shape[1] == 1:
            raise ValueError(_column_problem(t))
        if t.ndim == 2:
            shape = t.shape
        else:
            top = int(t.max()) + 1 if t.size and t.dtype.kind in "iu" else 1
            shape = (*t.shape, max(top, 1))
    kind, t = check_labels(t, tuple(shape))
    return t if kind == "index" else t.argmax(axis=-1)
