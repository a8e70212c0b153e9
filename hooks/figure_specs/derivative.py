"""导数和梯度页的图：切线、差分误差、梯度场。"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.figure import Figure

from nnlearn.gradient import DEFAULT_H, numerical_diff
from nnlearn.plotting.calculus import plot_gradient_field, plot_tangents
from nnlearn.plotting.style import styled_figure

ScalarFn = Callable[[float], float]


def _book_function(x):
    return 0.01 * x**2 + 0.1 * x


def _cube(x):
    return x * x * x


def _cube_derivative(x):
    return 3 * x * x


def _bowl(p):
    return p[0] ** 2 + p[1] ** 2


def difference_errors(f: ScalarFn, df: ScalarFn, x: float,
                      hs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """对每个步长 ``h`` 返回前向差分与中心差分相对真实导数 ``df(x)`` 的绝对误差。"""
    exact = df(x)
    forward = np.array([abs((f(x + h) - f(x)) / h - exact) for h in hs])
    central = np.array([abs(float(numerical_diff(f, x, h)) - exact) for h in hs])
    return forward, central


def plot_difference_error(f: ScalarFn, df: ScalarFn, x: float, *,
                          hs: Sequence[float] | None = None, label: str = "f") -> Figure:
    """双对数坐标下画出两种差分的误差随步长 ``h`` 的变化。

    误差为 0 的点（恰好算准）在对数轴上画不出来，用机器精度代替，免得折线断开。
    竖的点线标出 ``nnlearn.gradient`` 默认的步长（写进图例）：它在中心差分误差谷底的左边、
    截断误差一侧，有意留出余量（页面的“步长怎么选”一节）。
    个别步长让几处舍入误差恰好抵消，误差会突然掉到机器精度附近，那是巧合。
    """
    hs = np.logspace(-1, -14, 40) if hs is None else np.asarray(hs, dtype=float)
    forward, central = difference_errors(f, df, x, hs)
    floor = np.finfo(float).eps
    fig, ax = styled_figure(figsize=(6.4, 4.2))
    ax.loglog(hs, np.maximum(forward, floor), "o-", ms=3, label="前向差分 (f(x+h)−f(x))/h")
    ax.loglog(hs, np.maximum(central, floor), "s-", ms=3,
              label="中心差分 (f(x+h)−f(x−h))/(2h)")
    ax.axvline(DEFAULT_H, color="gray", lw=1, ls=":",
               label=f"nnlearn 默认的步长 h = {DEFAULT_H:g}")
    ax.invert_xaxis()  # 从左到右 h 越来越小，和“让 h 趋近 0”的读法一致
    ax.set_xlabel("步长 h（向右越来越小）")
    ax.set_ylabel("与真实导数的绝对误差")
    ax.set_title(f"数值微分的误差：${label}$ 在 x = {x:g} 处")
    ax.legend(loc="upper center")
    return fig


FIGURES = {
    "derivative-tangents.png": lambda: plot_tangents(
        _book_function, [5.0, 10.0, 15.0], x_range=(0.0, 20.0), label="y = 0.01x^2 + 0.1x"),
    "derivative-error.png": lambda: plot_difference_error(
        _cube, _cube_derivative, 1.3, hs=np.logspace(-1, -14, 40), label="f(x) = x^3"),
    "derivative-gradient-field.png": lambda: plot_gradient_field(
        _bowl, xlim=(-2.0, 2.0), ylim=(-2.0, 2.0), n=15, label="f(x_0, x_1) = x_0^2 + x_1^2"),
}
