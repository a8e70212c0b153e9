"""nnlearn.plotting.cost：实测的耗时要量对东西，图要画出两条曲线。"""

from __future__ import annotations

import pytest

from nnlearn.plotting.cost import GradientCost, measure_gradient_cost, plot_gradient_cost


def test_measure_counts_params_and_backprop_wins() -> None:
    cost = measure_gradient_cost((2, 16), batch_size=8)
    # TwoLayerNet(2, H, 3)：2H + H + 3H + 3 个参数
    assert cost.n_params == (15, 99)
    assert all(t > 0 for t in cost.numerical_s + cost.backprop_s)
    # 99 个参数要 198 次正向；差距再受噪声影响也远大于 10 倍
    assert cost.ratios[-1] > 10


def test_measure_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="hidden_sizes"):
        measure_gradient_cost(())
    with pytest.raises(ValueError, match="hidden_sizes"):
        measure_gradient_cost((4, 0))


def test_plot_is_log_log_with_two_curves() -> None:
    cost = GradientCost((2, 8), (15, 51), (0.01, 0.04), (1e-4, 2e-4))
    fig = plot_gradient_cost(cost)
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert len(ax.lines) == 2
    assert list(ax.lines[0].get_ydata()) == [0.01, 0.04]
    assert any("200 倍" in t.get_text() for t in ax.texts)
