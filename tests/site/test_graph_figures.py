"""计算图页与反向传播页的图（hooks/figure_specs/graph.py、backprop.py、figure_kit/graphs.py）。

图上标的数必须是真正的节点和层算出来的。
"""

from __future__ import annotations

import numpy as np
import pytest
from figure_kit.graphs import softmax_with_loss_graph
from matplotlib.figure import Figure
from site_specs import load_spec

from nnlearn.functions import softmax
from nnlearn.plotting.graphs import fmt_value

graph = load_spec("graph")
backprop = load_spec("backprop")
add_graph, mul_graph, chain_graph, branch_graph = (graph.add_graph, graph.mul_graph,
                                                   graph.chain_graph, graph.branch_graph)
repeat_graph, sum_graph, matmul_graph = graph.repeat_graph, graph.sum_graph, graph.matmul_graph
affine_graph, sigmoid_graph = backprop.affine_graph, backprop.sigmoid_graph


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def test_add_graph_passes_the_gradient_through() -> None:
    labels = texts(add_graph(2.0, 3.0, 1.5))
    assert {"x = 2", "y = 3", "z = 5"} <= set(labels)
    assert labels.count("1.5") == 2  # 两个输入都拿到上游梯度


def test_mul_graph_labels_swap_the_inputs() -> None:
    labels = texts(mul_graph(2.0, 3.0, 1.5))
    assert "z = 6" in labels
    assert "1.5×3 = 4.5" in labels  # ∂L/∂x = dout · y
    assert "1.5×2 = 3" in labels  # ∂L/∂y = dout · x


def test_chain_graph_gradients() -> None:
    # L = (x + y) w：∂L/∂x = ∂L/∂y = w，∂L/∂w = x + y
    labels = texts(chain_graph(1.0, 2.0, 5.0))
    assert "L = 15" in labels
    assert labels.count("5") == 3  # 两条输入边和 u 边的梯度都是 w
    assert "3" in labels  # ∂L/∂w = u


def test_branch_graph_sums_the_gradients() -> None:
    labels = texts(branch_graph(2.0, (1.0, 2.0, 3.0)))
    assert "1 + 2 + 3 = 6" in labels
    assert labels.count("2") >= 3  # 三条输出边都复制了 x


def test_repeat_and_sum_graphs() -> None:
    dout = ((0.5, -1.0), (1.5, 0.0), (-1.0, 2.0))
    labels = texts(repeat_graph(((1.0, 2.0),), dout))
    assert labels.count("[1, 2]") == 4  # 输入一次 + 复制出的 3 行
    assert "[1, 1]" in labels  # 反向：按列求和
    labels = texts(sum_graph(((1.0, 2.0), (3.0, -1.0)), ((0.5, -1.0),)))
    assert "[4, 1]" in labels
    assert labels.count("[0.5, -1]") == 3  # 上游一次 + 复制给 2 行


def test_matmul_graph_shapes_and_values() -> None:
    x = np.array([[1.0, 2.0]])
    dout = np.array([[1.0, -1.0, 2.0]])
    labels = texts(matmul_graph(x, np.ones((2, 3)), dout))
    assert f"∂L/∂W (2×3)\n{fmt_value(x.T @ dout)}" in labels
    assert f"∂L/∂x (1×2)\n{fmt_value(dout @ np.ones((3, 2)))}" in labels
    assert "y (1×3)\n[3, 3, 3]" in labels


def test_affine_graph_shapes_and_input_grad() -> None:
    labels = texts(affine_graph(5, 3, 4))
    assert "∂L/∂W  3×4" in labels
    assert "∂L/∂b  1×4" in labels
    assert "∂L/∂x  5×3" in labels
    labels = texts(affine_graph(5, 3, 4, input_grad=False))
    assert not any(lab.startswith("∂L/∂x") for lab in labels)
    assert "∂L/∂W  3×4" in labels


def test_sigmoid_graph_matches_the_layer() -> None:
    x = 0.5
    y = 1 / (1 + np.exp(-x))
    fig = sigmoid_graph(x, 1.0)
    assert fmt_value(y * (1 - y), 3) in texts(fig)  # 四个节点一路乘回来的结果
    assert f"y(1−y) = {fmt_value(y * (1 - y), 3)}" in fig.axes[0].get_title()


def test_softmax_with_loss_graph_values() -> None:
    s = np.array([2.0, 1.0, 0.1])
    y = softmax(s)
    labels = texts(softmax_with_loss_graph(s, label=1))
    for k, (yk, tk) in enumerate(zip(y, [0, 1, 0], strict=True), start=1):
        assert f"$y_{k}$ = {fmt_value(yk)}" in labels
        assert f"$y_{k}-t_{k}$ = {fmt_value(yk - tk)}" in labels
    assert f"L = {fmt_value(-np.log(y[1]), 3)}" in labels
    assert f"$-t_2/y_2$ = {fmt_value(-1 / y[1])}" in labels
    with pytest.raises(ValueError, match="label"):
        softmax_with_loss_graph(s, label=3)


def test_every_spec_figure_fits_the_content_column() -> None:
    for spec in (graph, backprop):
        for name, make in spec.FIGURES.items():
            if name == "backprop-cost.png":
                continue  # 读实测结果，见 test_performance_figures.py
            fig = make()
            assert fig.get_size_inches()[0] <= 7.0, name
