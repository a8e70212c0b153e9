"""§1.4 的图：损失曲线、螺旋数据散点图、决策边界。

所有函数返回 matplotlib ``Figure``，不经过 pyplot 的全局状态。
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nnlearn.plotting.style import COLORS, styled_figure

__all__ = ["decision_boundary", "loss_curve", "spiral_scatter"]

MARKERS = ("o", "x", "^", "s", "v", "D")


def _class_labels(t: np.ndarray, n: int) -> np.ndarray:
    """把 one-hot 或整数标签统一成整数类别 ``(N,)``。"""
    t = np.asarray(t)
    if t.ndim == 2 and t.shape[0] == n:
        return t.argmax(axis=1)
    if t.ndim == 1 and t.shape[0] == n and np.issubdtype(t.dtype, np.integer):
        return t
    raise ValueError(
        f"t 应为 one-hot 标签 ({n}, C) 或整数标签 ({n},)，收到形状 {t.shape}、dtype {t.dtype}"
    )


def _check_points(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] == 0:
        raise ValueError(f"x 应为二维平面上的点，形状 (N, 2)，收到 {x.shape}")
    return x


def loss_curve(loss_list: Sequence[float], iters: Sequence[int] | None = None, *,
               eval_interval: int | None = None, ylim: tuple[float, float] | None = None,
               title: str | None = "训练损失") -> Figure:
    """画损失曲线。

    ``iters`` 给出每个点对应的迭代次数（``Trainer.loss_iters``）；没有时用
    ``eval_interval`` 推算，两者都没有就按记录序号画。
    """
    losses = np.asarray(loss_list, dtype=np.float64)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(f"loss_list 应为非空的一维序列，收到形状 {losses.shape}")
    if iters is not None:
        xs = np.asarray(iters)
        if xs.shape != losses.shape:
            raise ValueError(f"iters 与 loss_list 长度应相同，收到 {xs.shape} 和 {losses.shape}")
        xlabel = "迭代次数"
    elif eval_interval is not None:
        xs = np.arange(1, losses.size + 1) * eval_interval
        xlabel = "迭代次数"
    else:
        xs = np.arange(1, losses.size + 1)
        xlabel = "记录序号"
    fig, ax = styled_figure()
    ax.plot(xs, losses, color=COLORS[0], label="平均损失")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("损失")
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    return fig


def _scatter(ax: Any, x: np.ndarray, labels: np.ndarray) -> None:
    for k in np.unique(labels):
        pts = x[labels == k]
        ax.scatter(pts[:, 0], pts[:, 1], s=30, marker=MARKERS[k % len(MARKERS)],
                   color=COLORS[k % len(COLORS)], label=f"类别 {k}")


def spiral_scatter(x: np.ndarray, t: np.ndarray, *, title: str | None = "螺旋状数据集") -> Figure:
    """按类别画出二维数据点（``t`` 为 one-hot 或整数标签）。"""
    x = _check_points(x)
    labels = _class_labels(t, len(x))
    fig, ax = styled_figure(figsize=(5.0, 5.0))
    _scatter(ax, x, labels)
    ax.set_xlabel("特征 $x_1$")
    ax.set_ylabel("特征 $x_2$")
    ax.set_aspect("equal")
    ax.legend(loc="upper right")
    if title:
        ax.set_title(title)
    return fig


def decision_boundary(model: Any, x: np.ndarray, t: np.ndarray, *, step: float = 0.01,
                      margin: float = 0.1, title: str | None = "学习后的决策边界") -> Figure:
    """在数据周围的网格上让模型预测类别，画出各类别的区域和数据点。

    书中用 0.001 的步长（四百多万个点、内存上 GB）；0.01 画出的图一样，只要几万个点。
    """
    x = _check_points(x)
    labels = _class_labels(t, len(x))
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"step 应为正数，收到 {step!r}")
    x_min, x_max = x[:, 0].min() - margin, x[:, 0].max() + margin
    y_min, y_max = x[:, 1].min() - margin, x[:, 1].max() + margin
    n_points = ((x_max - x_min) / step) * ((y_max - y_min) / step)
    if n_points > 5e6:
        raise ValueError(f"step={step} 会产生约 {n_points:.0f} 个网格点，请用更大的步长")
    xx, yy = np.meshgrid(np.arange(x_min, x_max, step), np.arange(y_min, y_max, step))
    grid = np.c_[xx.ravel(), yy.ravel()]
    dtype = model.params[0].dtype if getattr(model, "params", None) else np.float64
    scores = np.asarray(model.predict(grid.astype(dtype, copy=False)))
    zz = scores.argmax(axis=1).reshape(xx.shape)

    n_classes = scores.shape[1]
    fig, ax = styled_figure(figsize=(5.0, 5.0))
    ax.contourf(xx, yy, zz, levels=np.arange(n_classes + 1) - 0.5,
                colors=[COLORS[k % len(COLORS)] for k in range(n_classes)], alpha=0.25)
    _scatter(ax, x, labels)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("特征 $x_1$")
    ax.set_ylabel("特征 $x_2$")
    ax.set_aspect("equal")
    ax.grid(False)
    ax.legend(loc="upper right")
    if title:
        ax.set_title(title)
    return fig
