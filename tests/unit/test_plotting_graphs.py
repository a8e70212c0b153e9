"""nnlearn.plotting.graphs：图上标的数必须是真正的节点和层算出来的。"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from nnlearn.functions import softmax
from nnlearn.plotting.graphs import (
    NODE_GRAPHS,
    GraphEdge,
    GraphNode,
    affine_graph,
    branch_graph,
    chain_graph,
    draw_graph,
    fmt_value,
    matmul_graph,
    mul_graph,
    node_graph,
    repeat_graph,
    sigmoid_graph,
    softmax_with_loss_graph,
    sum_graph,
)


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def test_fmt_value() -> None:
    assert fmt_value(1.5) == "1.5"
    assert fmt_value(2.0) == "2"
    assert fmt_value(-0.001) == "0"  # 不出现 “-0”
    assert fmt_value(np.array([1.0, -0.25])) == "[1, -0.25]"
    assert fmt_value(np.array([[1.0, 2.0], [3.0, 4.0]])) == "[1, 2]\n[3, 4]"
    with pytest.raises(ValueError, match="3 维"):
        fmt_value(np.zeros((1, 1, 1)))


def test_draw_graph_draws_nodes_edges_and_labels() -> None:
    nodes = [GraphNode("x", "x", (0, 0), "value"), GraphNode("f", "f", (2, 0)),
             GraphNode("g", "g", (4, 0), "box")]
    edges = [GraphEdge("x", "f", "fwd1", "bwd1"), GraphEdge("f", "g", "fwd2")]
    fig = draw_graph(nodes, edges, title="t")
    ax = fig.axes[0]
    assert sum(isinstance(p, Circle) for p in ax.patches) == 1
    assert sum(isinstance(p, FancyBboxPatch) for p in ax.patches) == 1
    # 两条正向箭头 + 一条反向箭头（第二条边没有反向标注）
    assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == 3
    assert {"fwd1", "bwd1", "fwd2"} <= set(texts(fig))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["正向：值", "反向：梯度"]


def test_draw_graph_rejects_bad_graphs() -> None:
    a, b = GraphNode("a", "a", (0, 0)), GraphNode("b", "b", (1, 0))
    with pytest.raises(ValueError, match="不存在的节点 'c'"):
        draw_graph([a, b], [GraphEdge("a", "c")])
    with pytest.raises(ValueError, match="重复"):
        draw_graph([a, a], [])
    with pytest.raises(ValueError, match="kind"):
        draw_graph([GraphNode("a", "a", (0, 0), "hexagon")], [])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="同一位置"):
        draw_graph([a, GraphNode("c", "c", (0, 0))], [GraphEdge("a", "c")])


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


def test_node_graph_dispatch() -> None:
    for name in NODE_GRAPHS:
        assert isinstance(node_graph(name), Figure)
    with pytest.raises(ValueError, match="没有名为 'div'"):
        node_graph("div")
