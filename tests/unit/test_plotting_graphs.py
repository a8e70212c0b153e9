"""nnlearn.plotting.graphs：通用的计算图画法；图上标的数必须是真正的节点算出来的。"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from nnlearn.nodes import Add, Mul
from nnlearn.plotting.graphs import GraphEdge, GraphNode, draw_graph, fmt_value, node_figure


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


def test_node_figure_labels_come_from_the_node() -> None:
    # 乘法节点：反向给 x 的是 dout·y、给 y 的是 dout·x——这些数由 Mul 自己算出
    fig = node_figure(Mul(), [2.0, 3.0], 1.5, names=["x", "y"], label="×")
    labels = texts(fig)
    assert {"x = 2", "y = 3", "z = 6", "4.5", "3"} <= set(labels)
    assert "×" in labels


def test_node_figure_rejects_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="names"):
        node_figure(Add(), [1.0, 2.0], 1.0, names=["x"])
