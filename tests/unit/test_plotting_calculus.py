"""nnlearn.plotting.calculus：图里画的数要对，坏输入要报清楚的错。"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.quiver import Quiver

from nnlearn.plotting.calculus import (
    ChainLink,
    chain_values,
    plot_chain,
    plot_gradient_field,
    plot_tangents,
    tangent_line,
)


def test_tangent_line_of_book_function() -> None:
    f = lambda x: 0.01 * x**2 + 0.1 * x  # noqa: E731
    slope, intercept = tangent_line(f, 5.0)
    assert slope == pytest.approx(0.2, abs=1e-8)
    # 切线经过切点 (5, f(5))
    assert slope * 5.0 + intercept == pytest.approx(f(5.0))


def test_plot_tangents_draws_curve_and_one_tangent_per_point() -> None:
    fig = plot_tangents(lambda x: x**2, [-1.0, 0.5, 2.0], x_range=(-3.0, 3.0), label="x^2")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    # 1 条曲线 + 每个切点一条切线和一个点
    assert len(ax.lines) == 1 + 2 * 3
    tangent = ax.lines[1]
    xs, ys = tangent.get_data()
    slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
    assert slope == pytest.approx(-2.0, abs=1e-6)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("斜率 4.000" in s for s in labels)


def test_plot_tangents_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="points"):
        plot_tangents(lambda x: x, [])
    with pytest.raises(ValueError, match="x_range"):
        plot_tangents(lambda x: x, [1.0], x_range=(2.0, 1.0))


def test_gradient_field_arrows_are_negative_gradient() -> None:
    fig = plot_gradient_field(lambda p: p[0] ** 2 + p[1] ** 2, xlim=(-1, 1), ylim=(-1, 1), n=3)
    (ax,) = fig.axes
    (quiver,) = [c for c in ax.collections if isinstance(c, Quiver)]
    u = np.asarray(quiver.U).reshape(3, 3)
    v = np.asarray(quiver.V).reshape(3, 3)
    # 格点 (x0, x1) = (1, -1) 在第 0 行第 2 列：梯度 (2, -2)，箭头是 (-2, 2)
    assert u[0, 2] == pytest.approx(-2.0, abs=1e-6)
    assert v[0, 2] == pytest.approx(2.0, abs=1e-6)
    assert u[1, 1] == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="n"):
        plot_gradient_field(lambda p: p[0], n=1)


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + np.exp(-a))


LINKS = [
    ChainLink("a = 2x - 1", lambda x: 2 * x - 1, "a"),
    ChainLink(r"h = \sigma(a)", _sigmoid, "h"),
    ChainLink("u = h - 1", lambda h: h - 1, "u"),
    ChainLink("L = u^2", lambda u: u**2, "L"),
]


def test_chain_values_multiply_local_derivatives() -> None:
    cv = chain_values(LINKS, 0.5)
    assert cv.values == pytest.approx([0.5, 0.0, 0.5, -0.5, 0.25])
    assert cv.local == pytest.approx([2.0, 0.25, 1.0, -1.0], abs=1e-8)
    # ∂L/∂x = 2 · 0.25 · 1 · (−1)
    assert cv.upstream == pytest.approx([-0.5, -0.25, -1.0, -1.0, 1.0], abs=1e-8)
    with pytest.raises(ValueError, match="links"):
        chain_values([], 0.0)


def test_plot_chain_shows_values_and_gradients() -> None:
    fig = plot_chain(LINKS, 0.5)
    (ax,) = fig.axes
    texts = [t.get_text() for t in ax.texts]
    assert any("局部导数 0.25" in t for t in texts)
    assert any("\\partial L/\\partial x" in t and "-0.5" in t for t in texts)
    assert len(ax.patches) == 4 + 2 * 5  # 4 个方框，5 个变量各一对正反向箭头
