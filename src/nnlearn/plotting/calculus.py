"""导数与链式法则的图：切线、梯度场、复合函数链。

斜率和梯度一律用 `nnlearn.gradient` 的数值微分求，图上画的就是页面代码算出的数。
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from nnlearn.gradient import numerical_diff, numerical_gradient
from nnlearn.plotting.style import COLORS, MAX_WIDTH_IN, styled_figure

ScalarFn = Callable[[float], float]


def tangent_line(f: ScalarFn, x0: float, h: float = 1e-4) -> tuple[float, float]:
    """返回 ``f`` 在 ``x0`` 处切线的 ``(斜率, 截距)``；斜率用中心差分求。"""
    slope = float(numerical_diff(f, x0, h))
    return slope, float(f(x0)) - slope * x0


def plot_tangents(f: ScalarFn, points: Sequence[float], *,
                  x_range: tuple[float, float] = (0.0, 20.0),
                  label: str = "f(x)", half_width: float | None = None) -> Figure:
    """画出函数曲线，并在 ``points`` 的每个点上画切线、标出斜率。

    切线只画在切点附近（``half_width``，默认取区间宽度的 1/4），免得几条直线挤成一团。
    """
    if not points:
        raise ValueError("points 至少要有一个切点，收到空序列")
    lo, hi = x_range
    if not lo < hi:
        raise ValueError(f"x_range 应满足 左端 < 右端，收到 {x_range}")
    half = (hi - lo) / 4 if half_width is None else half_width
    fig, ax = styled_figure(figsize=(6.4, 4.2))
    xs = np.linspace(lo, hi, 200)
    ax.plot(xs, [f(x) for x in xs], color=COLORS[0], lw=2, label=f"${label}$")
    for i, x0 in enumerate(points):
        slope, intercept = tangent_line(f, x0)
        seg = np.linspace(x0 - half, x0 + half, 2)
        color = COLORS[1 + i % (len(COLORS) - 1)]
        ax.plot(seg, slope * seg + intercept, "--", color=color, lw=1.5,
                label=f"x = {x0:g} 处的切线，斜率 {slope:.3f}")
        ax.plot([x0], [f(x0)], "o", color=color, ms=6)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("函数曲线与切线：导数就是切线的斜率")
    ax.legend(loc="upper left")
    return fig


def plot_gradient_field(f: Callable[[np.ndarray], float], *,
                        xlim: tuple[float, float] = (-2.0, 2.0),
                        ylim: tuple[float, float] = (-2.0, 2.0),
                        n: int = 15, label: str = "f(x_0, x_1)") -> Figure:
    """等高线加箭头：每个格点上画 **负梯度**（用 ``numerical_gradient`` 求）。

    箭头长度按梯度大小缩放；负梯度指向函数下降最快的方向。
    """
    if n < 2:
        raise ValueError(f"n（每个方向的格点数）至少为 2，收到 {n}")
    x0s = np.linspace(*xlim, n)
    x1s = np.linspace(*ylim, n)
    grads = np.array([[numerical_gradient(f, np.array([a, b])) for a in x0s] for b in x1s])
    g0, g1 = -grads[..., 0], -grads[..., 1]
    fig, ax = styled_figure(figsize=(5.6, 5.0))
    fine0, fine1 = np.meshgrid(np.linspace(*xlim, 100), np.linspace(*ylim, 100))
    values = np.array([[f(np.array([a, b])) for a, b in zip(r0, r1, strict=True)]
                       for r0, r1 in zip(fine0, fine1, strict=True)])
    contours = ax.contour(fine0, fine1, values, levels=6, colors="gray", linewidths=0.8,
                          alpha=0.6)
    ax.clabel(contours, fontsize=9, fmt="%g")
    m0, m1 = np.meshgrid(x0s, x1s)
    ax.quiver(m0, m1, g0, g1, color=COLORS[0], angles="xy")
    low = np.unravel_index(int(np.argmin(values)), values.shape)
    ax.plot([fine0[low]], [fine1[low]], "*", color=COLORS[3], ms=14, label="最小值")
    ax.legend(loc="upper right", framealpha=0.9)
    ax.grid(False)
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_aspect("equal")
    ax.set_title(f"${label}$ 的负梯度：\n箭头指向函数值减小最快的方向")
    return fig


@dataclass(frozen=True)
class ChainLink:
    """复合函数链里的一环：``label`` 是图上显示的式子（可含 LaTeX），``f`` 是它的计算。"""

    label: str
    f: ScalarFn
    output: str  # 这一环输出的变量名，例如 "a"


@dataclass(frozen=True)
class ChainValues:
    """沿链的数值：``values[0]`` 是输入，``values[i]`` 是第 i 环的输出。

    ``local[i]`` 是第 i+1 环的局部导数；``upstream[i]`` 是最终输出对 ``values[i]`` 的导数。
    """

    values: list[float]
    local: list[float]
    upstream: list[float]


def chain_values(links: Sequence[ChainLink], x: float) -> ChainValues:
    """正向算出每一环的值和局部导数（中心差分），再从右往左把局部导数连乘起来。"""
    if not links:
        raise ValueError("links 至少要有一环，收到空序列")
    values = [float(x)]
    local = []
    for link in links:
        local.append(float(numerical_diff(link.f, values[-1])))
        values.append(float(link.f(values[-1])))
    upstream = [1.0]
    for d in reversed(local):
        upstream.append(upstream[-1] * d)
    return ChainValues(values, local, upstream[::-1])


def plot_chain(links: Sequence[ChainLink], x: float, *, input_name: str = "x") -> Figure:
    """把复合函数画成一串方框：上方蓝色箭头是正向的值，下方红色箭头是反向连乘的导数。

    方框里写这一环的式子和它的局部导数；值和导数写在方框的上下两侧，
    每个标注可以用满相邻两框的间距，环多时也不挤。
    """
    cv = chain_values(links, x)
    names = [input_name] + [link.output for link in links]
    n = len(links)
    step, box_w, box_h = 2.2, 1.5, 1.1
    right = step * (n - 1) + 0.4 + box_w + 1.0
    # 宽度不超过正文栏（坐标轴不等比），字号不变：环多时字也不会被缩小
    fig, ax = styled_figure(figsize=(min(0.7 * (right + 0.9), MAX_WIDTH_IN), 2.9))
    ax.set_xlim(-0.9, right)
    ax.set_ylim(-1.3, 1.25)
    ax.axis("off")
    ax.grid(False)
    for i, link in enumerate(links):
        cx = step * i + 0.4 + box_w / 2
        ax.add_patch(FancyBboxPatch((cx - box_w / 2, -box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.05", fc="#f4f4f4", ec="black"))
        ax.text(cx, 0.15, f"${link.label}$", ha="center", va="center", fontsize=12)
        ax.text(cx, -0.25, f"局部导数 {cv.local[i]:.3g}", ha="center", va="center",
                fontsize=9, color="dimgray")
    for i, name in enumerate(names):
        # 变量 i 是第 i 个方框的输入、第 i-1 个方框的输出
        xa = -0.8 if i == 0 else step * (i - 1) + 0.4 + box_w + 0.1
        xb = xa + 0.9 if i == n else step * i + 0.4 - 0.1
        mid = (xa + xb) / 2
        ax.add_patch(FancyArrowPatch((xa, 0.3), (xb, 0.3), arrowstyle="-|>",
                                     mutation_scale=12, color=COLORS[0]))
        ax.text(mid, 0.68, f"${name}$ = {cv.values[i]:.3g}", ha="center", va="bottom",
                fontsize=10, color=COLORS[0])
        ax.add_patch(FancyArrowPatch((xb, -0.3), (xa, -0.3), arrowstyle="-|>",
                                     mutation_scale=12, color=COLORS[3]))
        ax.text(mid, -0.68, f"$\\partial {names[-1]}/\\partial {name}$ = {cv.upstream[i]:.3g}",
                ha="center", va="top", fontsize=10, color=COLORS[3])
    ax.text(-0.8, 1.2, "正向（蓝）：逐环计算函数值", color=COLORS[0], fontsize=10, va="top")
    ax.text(-0.8, -1.3, "反向（红）：从右往左，把局部导数连乘起来", color=COLORS[3], fontsize=10,
            va="bottom")
    return fig
