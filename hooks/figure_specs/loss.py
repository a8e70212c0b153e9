r"""损失函数页的图：softmax 柱状图、$-\log y$ 曲线、1e-7 的封顶、Softmax with Loss 计算图。"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from figure_kit.graphs import softmax_with_loss_graph
from matplotlib.figure import Figure

from nnlearn.functions import log_softmax, softmax
from nnlearn.plotting.style import COLORS, styled_figure

# 书中交叉熵在 log 里加的小常数；这里只用来画出它造成的"封顶"。
BOOK_EPSILON = 1e-7


def _as_scores(scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """得分必须是至少两个有限实数组成的一维序列。"""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or s.size < 2:
        raise ValueError(f"scores 应是长度至少为 2 的一维序列，收到形状 {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"scores 里有非有限值（nan/inf）：{s.tolist()}")
    return s


def softmax_bars(scores: Sequence[float] | np.ndarray = (0.3, 2.9, 4.0)) -> Figure:
    r"""并排画出得分 $\mathbf{s}$ 和 softmax 之后的概率 $\mathbf{y}$。

    左图是任意实数，右图全在 (0, 1) 里、加起来为 1：一眼看出 softmax 做了什么。

    >>> fig = softmax_bars([0.3, 2.9, 4.0])
    >>> [round(float(p.get_height()), 3) for p in fig.axes[1].patches]
    [0.018, 0.245, 0.737]
    """
    s = _as_scores(scores)
    y = softmax(s)
    classes = np.arange(1, s.size + 1)

    fig, (ax_s, ax_y) = styled_figure(1, 2, figsize=(6.8, 3.3))
    ax_s.bar(classes, s, color=COLORS[0], width=0.6)
    ax_s.axhline(0.0, color="black", linewidth=0.8)
    # 上下各留 15% 的空：柱顶的数字不碰边框
    span = max(float(s.max()), 0.0) - min(float(s.min()), 0.0)
    ax_s.set_ylim(min(float(s.min()), 0.0) - 0.15 * span * (s.min() < 0),
                  max(float(s.max()), 0.0) + 0.15 * span)
    ax_s.set_title(r"得分 $\mathbf{s}$（任意实数）")
    ax_y.bar(classes, y, color=COLORS[1], width=0.6)
    ax_y.set_ylim(0.0, 1.12)
    ax_y.set_title(r"概率 $\mathbf{y}=\mathrm{softmax}(\mathbf{s})$（和为 1）")

    for ax, values in ((ax_s, s), (ax_y, y)):
        ax.set_xticks(classes)
        ax.set_xlabel(r"类别 $k$")
        for k, v in zip(classes, values, strict=True):
            ax.annotate(f"{v:.3g}", (k, v), textcoords="offset points",
                        xytext=(0, 3 if v >= 0 else -12), ha="center", fontsize=9)
    return fig


def neg_log_curve() -> Figure:
    r"""画出 $-\log y$ 在 (0, 1] 上的曲线，并标出几个典型点。

    正确类别的概率越接近 1，损失越接近 0；概率趋于 0 时损失没有上界。

    >>> fig = neg_log_curve()
    >>> line = fig.axes[0].lines[0]
    >>> float(line.get_xdata()[-1]), abs(float(line.get_ydata()[-1]))
    (1.0, 0.0)
    """
    y = np.linspace(1e-3, 1.0, 500)
    fig, ax = styled_figure(figsize=(6.0, 3.6))
    ax.plot(y, -np.log(y), color=COLORS[0], linewidth=2)
    for p in (0.05, 0.3, 0.9):
        ax.plot([p], [-np.log(p)], "o", color=COLORS[3])
        right = p > 0.5  # 右边的标注放在点的左上方，免得出界
        ax.annotate(rf"$y_k={p}$，$L={-np.log(p):.2f}$", (p, -np.log(p)),
                    textcoords="offset points", xytext=(-8 if right else 8, 10),
                    ha="right" if right else "left", fontsize=9)
    ax.set_xlim(0.0, 1.02)
    ax.set_ylim(0.0, 7.0)
    ax.set_xlabel(r"正确类别的概率 $y_k$")
    ax.set_ylabel(r"损失 $L=-\log y_k$")
    ax.set_title(r"交叉熵只看正确类别的概率：越小，罚得越重")
    return fig


def epsilon_floor_curve(max_gap: float = 40.0, epsilon: float = BOOK_EPSILON) -> Figure:
    r"""比较精确的损失与"log 里加 epsilon"的写法。

    两个类别，得分 $\mathbf{s}=(d, 0)$，正确类别是第 2 类：$d$ 越大，网络错得越离谱。
    精确的损失 $-\log \mathrm{softmax}(\mathbf{s})_2$ 随 $d$ 一直增长（约等于 $d$）；
    书中的 $-\log(y_2+\epsilon)$ 却停在 $-\log\epsilon$（$\epsilon=10^{-7}$ 时约 16.1）。

    >>> fig = epsilon_floor_curve()
    >>> exact, book = fig.axes[0].lines[:2]
    >>> round(float(exact.get_ydata()[-1]), 1), round(float(book.get_ydata()[-1]), 1)
    (40.0, 16.1)
    """
    if not (np.isfinite(max_gap) and max_gap > 0):
        raise ValueError(f"max_gap 应为正的有限数，收到 {max_gap!r}")
    if not (0 < epsilon < 1):
        raise ValueError(f"epsilon 应在 (0, 1) 之间，收到 {epsilon!r}")
    d = np.linspace(-5.0, float(max_gap), 400)
    scores = np.stack([d, np.zeros_like(d)], axis=1)  # 每行一个样本：(d, 0)
    exact = -log_softmax(scores)[:, 1]
    book = -np.log(softmax(scores)[:, 1] + epsilon)  # 书中写法，仅用于展示它的缺陷

    fig, ax = styled_figure(figsize=(6.4, 3.8))
    ax.plot(d, exact, color=COLORS[0], linewidth=2, label=r"精确：$-\log\,\mathrm{softmax}$")
    ax.plot(d, book, color=COLORS[3], linewidth=2, linestyle="--",
            label=rf"书中写法：$-\log(y+10^{{{int(np.log10(epsilon))}}})$")
    ax.axhline(-np.log(epsilon), color="gray", linewidth=0.8, linestyle=":")
    ax.annotate(rf"封顶于 $-\log\epsilon\approx{-np.log(epsilon):.1f}$",
                (d[-1], -np.log(epsilon)), textcoords="offset points", xytext=(-4, -14),
                ha="right", fontsize=9, color="gray")
    ax.set_xlabel(r"错误类别比正确类别高出的得分 $d$")
    ax.set_ylabel(r"损失 $L$")
    ax.set_title(r"得分 $(d, 0)$、正确类别为第 2 类时的损失")
    ax.legend(loc="upper left")
    return fig


FIGURES = {
    "loss-softmax.png": lambda: softmax_bars((0.3, 2.9, 4.0)),
    "loss-neglog.png": neg_log_curve,
    "loss-epsilon.png": epsilon_floor_curve,
    "loss-graph.png": softmax_with_loss_graph,
}


# --- E: 交叉熵 = 熵 + KL 散度（loss.md「书外补充：交叉熵在量什么」） ---

def information_figure(p: Sequence[float] = (0.7, 0.2, 0.1),
                       scores: Sequence[float] = (2.0, 1.0, 0.1)) -> Figure:
    r"""左：标签分布 $\mathbf{p}$ 与网络分布 $\mathbf{q}$；右：$\mathbf{q}$ 变化时交叉熵分成熵与 KL 散度。

    右图的 $\mathbf{q}_a = \mathrm{softmax}(a\,\mathbf{s})$：$a$ 越大，网络越“自信”。
    熵 $H(\mathbf{p})$ 不随 $a$ 变，交叉熵比它多出的部分就是 KL 散度。
    """
    from nnlearn.functions import cross_entropy_error

    p_arr = np.asarray(p, dtype=np.float64)
    s = _as_scores(scores)
    q = softmax(s)
    classes = np.arange(1, p_arr.size + 1)
    fig, (ax_bar, ax_h) = styled_figure(1, 2, figsize=(6.8, 3.2))
    ax_bar.bar(classes - 0.18, p_arr, width=0.36, color=COLORS[0], label=r"标签 $\mathbf{p}$")
    ax_bar.bar(classes + 0.18, q, width=0.36, color=COLORS[1], label=r"网络 $\mathbf{q}$")
    ax_bar.set_xticks(classes)
    ax_bar.set_xlabel(r"类别 $k$")
    ax_bar.set_ylim(0.0, 1.0)
    ax_bar.set_title(r"两个分布")
    ax_bar.legend(loc="upper right")

    a = np.linspace(0.0, 4.0, 200)
    h_p = cross_entropy_error(p_arr, p_arr)
    h_pq = np.array([cross_entropy_error(softmax(ai * s), p_arr) for ai in a])
    ax_h.fill_between(a, 0.0, h_p, color=COLORS[0], alpha=0.25, label=r"熵 $H(\mathbf{p})$")
    ax_h.fill_between(a, h_p, h_pq, color=COLORS[3], alpha=0.35,
                      label=r"KL 散度 $D_{\mathrm{KL}}(\mathbf{p}\,\|\,\mathbf{q}_a)$")
    ax_h.plot(a, h_pq, color="black", linewidth=1.5, label=r"交叉熵 $H(\mathbf{p},\mathbf{q}_a)$")
    ax_h.axvline(1.0, color="gray", linewidth=0.8, linestyle=":")
    ax_h.annotate(r"左图的 $\mathbf{q}$（$a=1$）", (1.0, h_p * 0.3), textcoords="offset points",
                  xytext=(4, 0), fontsize=9, color="gray")
    ax_h.set_xlabel(r"$a$（$\mathbf{q}_a=\mathrm{softmax}(a\,\mathbf{s})$，越大越自信）")
    ax_h.set_ylabel("nat（以 e 为底）")
    ax_h.set_ylim(0.0, float(h_pq.max()) * 1.05)
    ax_h.set_title(r"交叉熵 = 熵 + KL 散度")
    ax_h.legend(loc="upper center", fontsize=9)
    return fig


FIGURES["loss-information.png"] = information_figure
