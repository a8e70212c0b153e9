"""§1.4 的图：损失曲线、螺旋数据散点图、决策边界。

所有函数返回 matplotlib ``Figure``，不经过 pyplot 的全局状态。
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnlearn.labels import class_indices
from nnlearn.plotting.style import COLORS, class_legend, class_style, styled_figure

__all__ = ["curves", "decision_boundary", "loss_curve", "spiral_scatter"]


def _class_labels(t: np.ndarray, n: int) -> np.ndarray:
    """one-hot 或整数标签 → 整数类别 ``(N,)``（``nnlearn.labels.class_indices``），且与点一一对应。"""
    labels = np.asarray(class_indices(t))
    if labels.shape != (n,):
        raise ValueError(f"t 应为 one-hot 标签 ({n}, C) 或整数标签 ({n},)，"
                         f"收到形状 {np.shape(t)}")
    return labels


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


def curves(series: Mapping[str, Sequence[float]], *, xlabel: str = "轮次（epoch）",
           ylabel: str = "", title: str | None = None, logy: bool = False,
           x: Sequence[float] | None = None, ax: Axes | None = None) -> Figure:
    """在同一张图上画几条曲线（如训练集与验证集的准确率、几种初始化的损失）。

    ``series`` 是“图例名 → 一串数”；横轴默认是 1, 2, …（第几轮）。给 ``ax`` 就画进已有的子图。

    >>> fig = curves({"训练集": [0.5, 0.8], "验证集": [0.5, 0.7]}, ylabel="准确率")
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['训练集', '验证集']
    """
    if not series:
        raise ValueError("series 不能为空：至少给一条曲线，例如 {'训练集': [0.5, 0.8]}")
    fig, ax = _figure(ax)
    for k, (name, values) in enumerate(series.items()):
        ys = np.asarray(values, dtype=np.float64)
        if ys.ndim != 1 or ys.size == 0:
            raise ValueError(f"series[{name!r}] 应为非空的一维序列，收到形状 {ys.shape}")
        xs = np.arange(1, ys.size + 1) if x is None else np.asarray(x)
        if xs.shape != ys.shape:
            raise ValueError(f"x 与 series[{name!r}] 长度应相同，收到 {xs.shape} 和 {ys.shape}")
        ax.plot(xs, ys, color=COLORS[k % len(COLORS)], label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def _figure(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.0)) -> tuple[Figure, Axes]:
    """给了 ``ax`` 就画进它所在的图，否则按统一风格新建一张。"""
    if ax is None:
        return styled_figure(figsize=figsize)
    return ax.get_figure(), ax


def _scatter(ax: Any, x: np.ndarray, labels: np.ndarray) -> None:
    """按全站统一的颜色与形状画点，并配上类别图例（颜色 + 形状）。"""
    for k in np.unique(labels):
        pts = x[labels == k]
        ax.scatter(pts[:, 0], pts[:, 1], s=30, edgecolors="white", linewidths=0.5,
                   **class_style(k))
    class_legend(ax, int(labels.max()) + 1, framealpha=0.9)


def spiral_scatter(x: np.ndarray, t: np.ndarray, *, title: str | None = "螺旋状数据集") -> Figure:
    """按类别画出二维数据点（``t`` 为 one-hot 或整数标签）。"""
    x = _check_points(x)
    labels = _class_labels(t, len(x))
    fig, ax = styled_figure(figsize=(5.0, 5.0))
    _scatter(ax, x, labels)
    ax.set_xlabel("特征 $x_1$")
    ax.set_ylabel("特征 $x_2$")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return fig


def decision_boundary(model: Any, x: np.ndarray, t: np.ndarray, *, step: float = 0.01,
                      margin: float = 0.1, title: str | None = "学习后的决策边界",
                      ax: Axes | None = None) -> Figure:
    """在数据周围的网格上让模型预测类别，画出各类别的区域和数据点。

    给 ``ax`` 就画进已有的子图（例如两个模型的边界并排比较）。
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
    fig, ax = _figure(ax, (5.0, 5.0))
    ax.contourf(xx, yy, zz, levels=np.arange(n_classes + 1) - 0.5,
                colors=[class_style(k)["color"] for k in range(n_classes)], alpha=0.25)
    _scatter(ax, x, labels)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("特征 $x_1$")
    ax.set_ylabel("特征 $x_2$")
    ax.set_aspect("equal")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return fig
