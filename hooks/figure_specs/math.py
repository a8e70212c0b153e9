r"""数学记号页的图：矩阵乘积的一个元素 = 一行与一列逐项相乘之和。

数组与页面代码块里的 ``x``、``W`` 相同；结果 $\mathbf{x}\mathbf{W}$ 由 NumPy 算出，不手写。
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from nnlearn.plotting.style import COLORS, styled_figure

# 页面代码块里的那两个数组
X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
W = np.arange(8.0).reshape(2, 4)


def _grid(ax: Axes, values: np.ndarray, title: str, *,
          rows: tuple[int, ...] = (), cols: tuple[int, ...] = (),
          cells: tuple[tuple[int, int], ...] = ()) -> None:
    """把矩阵画成一格一个数；``rows``/``cols``/``cells`` 里的格子涂上强调色。"""
    n_rows, n_cols = values.shape
    for i in range(n_rows):
        for j in range(n_cols):
            marked = i in rows or j in cols or (i, j) in cells
            ax.add_patch(Rectangle((j, n_rows - 1 - i), 1, 1, edgecolor="black", linewidth=0.8,
                                   facecolor=COLORS[1] if marked else "white",
                                   alpha=0.55 if marked else 1.0))
            ax.text(j + 0.5, n_rows - 0.5 - i, f"{values[i, j]:g}", ha="center", va="center",
                    fontsize=11)
    ax.set_xlim(-0.05, n_cols + 0.05)
    ax.set_ylim(-0.05, n_rows + 0.05)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"{title}（{n_rows} × {n_cols}）", fontsize=10)


def matrix_product_element(x: np.ndarray = X, w: np.ndarray = W, n: int = 0, h: int = 3) -> Figure:
    r"""$\mathbf{x}$ 的第 ``n`` 行与 $\mathbf{W}$ 的第 ``h`` 列（从 0 数）逐项相乘再相加。

    结果就是 $(\mathbf{x}\mathbf{W})_{nh}$：三个子图里涂色的是同一次计算用到的格子。

    >>> fig = matrix_product_element()
    >>> fig.texts[0].get_text()
    'x 的第 1 行与 W 的第 4 列：1·3 + 2·7 = 17'
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[0]:
        raise ValueError(f"x 的列数应等于 W 的行数：收到 x {x.shape}、W {w.shape}")
    if not (0 <= n < x.shape[0] and 0 <= h < w.shape[1]):
        raise ValueError(f"(n, h) = ({n}, {h}) 超出了 xW 的形状 {(x.shape[0], w.shape[1])}")
    product = x @ w
    fig, axes = styled_figure(1, 3, figsize=(6.8, 2.6),
                              gridspec_kw={"width_ratios": [x.shape[1], w.shape[1], w.shape[1]]})
    _grid(axes[0], x, r"$\mathbf{x}$", rows=(n,))
    _grid(axes[1], w, r"$\mathbf{W}$", cols=(h,))
    _grid(axes[2], product, r"$\mathbf{x}\mathbf{W}$", cells=((n, h),))
    terms = " + ".join(f"{a:g}·{b:g}" for a, b in zip(x[n], w[:, h], strict=True))
    fig.text(0.5, 0.01, f"x 的第 {n + 1} 行与 W 的第 {h + 1} 列：{terms} = {product[n, h]:g}",
             ha="center", va="bottom", fontsize=11)
    fig.get_layout_engine().set(rect=(0, 0.1, 1, 0.9))  # 底下留出算式的位置
    return fig


FIGURES = {"math-matmul.png": matrix_product_element}
