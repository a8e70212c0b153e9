"""§1.4 的图：返回 Figure、不碰 pyplot、画的是传入的数据。"""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlearn.datasets import load_spiral
from nnlearn.plotting.training import curves, decision_boundary, loss_curve, spiral_scatter


class NearestAxisModel:
    """可预测的假模型：x1 > 0 判为类 0，否则看 x2 的符号判为类 1 或 2。"""

    def __init__(self):
        self.params = [np.zeros((2, 3))]
        self.calls = []

    def predict(self, x):
        self.calls.append(x.shape)
        s = np.zeros((len(x), 3))
        s[x[:, 0] > 0, 0] = 1
        s[(x[:, 0] <= 0) & (x[:, 1] > 0), 1] = 1
        s[(x[:, 0] <= 0) & (x[:, 1] <= 0), 2] = 1
        return s


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


def test_loss_curve_plots_given_points():
    fig = loss_curve([2.0, 1.0, 0.5], iters=[10, 20, 30])
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    (line,) = ax.get_lines()
    assert line.get_xdata().tolist() == [10, 20, 30]
    assert line.get_ydata().tolist() == [2.0, 1.0, 0.5]
    assert ax.get_xlabel() == "迭代次数" and ax.get_ylabel() == "损失"


def test_loss_curve_uses_eval_interval_or_index():
    (line,) = loss_curve([3.0, 2.0], eval_interval=20).axes[0].get_lines()
    assert line.get_xdata().tolist() == [20, 40]
    ax = loss_curve([3.0, 2.0]).axes[0]
    assert ax.get_lines()[0].get_xdata().tolist() == [1, 2]
    assert ax.get_xlabel() == "记录序号"


def test_loss_curve_bad_input():
    with pytest.raises(ValueError, match="非空"):
        loss_curve([])
    with pytest.raises(ValueError, match="长度应相同"):
        loss_curve([1.0, 2.0], iters=[1])


def test_spiral_scatter_one_collection_per_class():
    x, t = load_spiral()
    fig = spiral_scatter(x, t)
    ax = fig.axes[0]
    assert len(ax.collections) == 3
    for k, coll in enumerate(ax.collections):
        np.testing.assert_array_equal(coll.get_offsets(), x[t[:, k] == 1])
    assert "x_1" in ax.get_xlabel() and "特征" in ax.get_xlabel()
    # 整数标签给出同样的图
    fig2 = spiral_scatter(x, t.argmax(axis=1))
    np.testing.assert_array_equal(fig2.axes[0].collections[2].get_offsets(), x[200:])


def test_decision_boundary_grid_and_regions():
    x, t = load_spiral()
    model = NearestAxisModel()
    fig = decision_boundary(model, x, t, step=0.01)
    assert isinstance(fig, Figure)
    (shape,) = model.calls
    span = (x.max(axis=0) - x.min(axis=0) + 0.2) / 0.01
    assert shape == (pytest.approx(np.prod(np.ceil(span)), rel=0.02), 2)
    assert shape[0] < 100_000  # 书里的 0.001 会有几百万个点
    ax = fig.axes[0]
    # 区域（contourf）加上 3 类散点
    assert len([c for c in ax.collections if c.get_offsets().shape[0] > 0]) >= 3
    assert ax.get_xlim() == pytest.approx((x[:, 0].min() - 0.1, x[:, 0].max() + 0.1))


def test_decision_boundary_refuses_huge_grid():
    x, t = load_spiral()
    with pytest.raises(ValueError, match="步长"):
        decision_boundary(NearestAxisModel(), x, t, step=1e-4)


@pytest.mark.parametrize(
    ("x", "t", "match"),
    [
        (np.zeros((5, 3)), np.zeros((5, 3)), r"\(N, 2\)"),
        (np.zeros((5, 2)), np.zeros((4, 3)), "one-hot"),
        (np.zeros((5, 2)), np.zeros(5), "必须是整数"),  # nnlearn.labels.class_indices 的检查
    ],
)
def test_bad_points_or_labels(x, t, match):
    with pytest.raises(ValueError, match=match):
        spiral_scatter(x, t)


def test_figures_render_with_cjk_font(tmp_path):
    matplotlib.use("Agg")
    x, t = load_spiral(n_per_class=20)
    fig = spiral_scatter(x, t)
    out = tmp_path / "s.png"
    fig.savefig(out)
    assert out.stat().st_size > 5_000


def test_classes_keep_one_colour_and_shape_with_a_legend():
    # 全站同一套“类别 → 颜色 + 形状”：散点图、决策边界图都用 style.class_style，并带图例
    from nnlearn.plotting.style import CLASS_MARKERS, COLORS, class_style

    x, t = load_spiral(n_per_class=5)
    for fig in (spiral_scatter(x, t), decision_boundary(NearestAxisModel(), x, t, step=0.1)):
        ax = fig.axes[0]
        for k, coll in enumerate(ax.collections[-3:]):
            assert matplotlib.colors.to_hex(coll.get_facecolor()[0]) == COLORS[k]
        handles = ax.get_legend().legend_handles
        assert [h.get_marker() for h in handles] == list(CLASS_MARKERS[:3])
        assert [h.get_label() for h in handles] == ["类别 0", "类别 1", "类别 2"]
    assert class_style(2) == {"color": COLORS[2], "marker": "s"}
    with pytest.raises(ValueError, match="类别编号"):
        class_style(-1)


def test_decision_boundary_draws_into_a_given_axes():
    from nnlearn.plotting.style import styled_figure

    x, t = load_spiral(n_per_class=5)
    fig, (left, right) = styled_figure(1, 2)
    assert decision_boundary(NearestAxisModel(), x, t, step=0.1, ax=right, title="右") is fig
    assert right.get_title() == "右" and not left.collections


def test_curves_draws_one_line_per_series():
    fig = curves({"训练集": [0.5, 0.8, 0.9], "验证集": [0.5, 0.7, 0.75]}, ylabel="准确率")
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.lines] == ["训练集", "验证集"]
    assert list(ax.lines[1].get_ydata()) == [0.5, 0.7, 0.75]
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3]
    with pytest.raises(ValueError, match="series"):
        curves({})
    with pytest.raises(ValueError, match="长度"):
        curves({"a": [1.0, 2.0]}, x=[1, 2, 3])
