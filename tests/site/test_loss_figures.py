"""损失函数页的图（hooks/figure_specs/loss.py）：图上画的数要对，坏输入要报清楚的错。"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from site_specs import load_spec

loss = load_spec("loss")
epsilon_floor_curve, neg_log_curve, softmax_bars = (loss.epsilon_floor_curve, loss.neg_log_curve,
                                                    loss.softmax_bars)


def test_softmax_bars_draws_scores_and_probabilities() -> None:
    scores = [0.3, 2.9, 4.0]
    fig = softmax_bars(scores)
    assert isinstance(fig, Figure)
    ax_s, ax_y = fig.axes
    heights_s = [p.get_height() for p in ax_s.patches]
    heights_y = np.array([p.get_height() for p in ax_y.patches])
    assert heights_s == pytest.approx(scores)
    # 右图是概率：与手算的 softmax 一致，和为 1
    e = np.exp(np.array(scores))
    assert heights_y == pytest.approx(e / e.sum())
    assert heights_y.sum() == pytest.approx(1.0)
    assert "类别" in ax_y.get_xlabel()


def test_softmax_bars_handles_huge_scores() -> None:
    # 得分很大时概率也不能出现 nan（softmax 减去了最大值）
    fig = softmax_bars([1000.0, 0.0, -1000.0])
    heights = [p.get_height() for p in fig.axes[1].patches]
    assert heights == pytest.approx([1.0, 0.0, 0.0])


@pytest.mark.parametrize("bad", [[1.0], [[1.0, 2.0]], [1.0, float("nan")], [0.0, float("inf")]])
def test_softmax_bars_rejects_bad_scores(bad: list) -> None:
    with pytest.raises(ValueError, match="scores"):
        softmax_bars(bad)


def test_neg_log_curve_is_minus_log() -> None:
    fig = neg_log_curve()
    line = fig.axes[0].lines[0]
    y, loss = line.get_xdata(), line.get_ydata()
    assert y.min() > 0 and y.max() == 1.0
    assert loss == pytest.approx(-np.log(y))
    # 三个标注点落在曲线上
    marked = [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in fig.axes[0].lines[1:]]
    assert len(marked) == 3
    for p, value in marked:
        assert value == pytest.approx(-math.log(p))


def test_epsilon_floor_curve_shows_the_cap() -> None:
    fig = epsilon_floor_curve(max_gap=40.0)
    exact, book = fig.axes[0].lines[:2]
    d = exact.get_xdata()
    # 两类得分 (d, 0)，正确类别得分为 0：精确损失是 log(1 + e^d)
    assert exact.get_ydata() == pytest.approx(np.logaddexp(0.0, d))
    assert exact.get_ydata()[-1] == pytest.approx(40.0)
    # 加 1e-7 的写法封顶在 -log(1e-7) ≈ 16.1，且永远不超过它
    assert book.get_ydata().max() <= -math.log(1e-7) + 1e-9
    assert book.get_ydata()[-1] == pytest.approx(-math.log(1e-7), rel=1e-6)
    # 差别小时两者几乎重合
    small = d < 3
    assert book.get_ydata()[small] == pytest.approx(exact.get_ydata()[small], abs=5e-6)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"max_gap": 0.0}, "max_gap"),
    ({"max_gap": float("inf")}, "max_gap"),
    ({"epsilon": 0.0}, "epsilon"),
    ({"epsilon": 1.5}, "epsilon"),
])
def test_epsilon_floor_curve_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        epsilon_floor_curve(**kwargs)


def test_bar_labels_stay_inside_the_frame() -> None:
    # 最高的柱子上方要留出写数字的空：纵轴上限高出最高的柱子
    fig = softmax_bars([0.3, 2.9, 4.0])
    for ax in fig.axes:
        top = max(p.get_height() for p in ax.patches)
        assert ax.get_ylim()[1] >= 1.1 * top
