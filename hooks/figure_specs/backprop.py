"""反向传播页的图：Sigmoid 拆成节点、Affine 的组成、Softmax with Loss、求梯度的实测代价。

代价的图与段落都读 ``benchmarks/results/gradcost.json``（``bash benchmarks/run.sh gradcheck``
写出），与性能页、链式法则页是同一次测量。
"""

from __future__ import annotations

import numpy as np
from figure_kit.graphs import softmax_with_loss_graph
from figure_kit.results import (
    GRADCOST,
    backprop_cost_markdown,
    backprop_cost_table_markdown,
    gradcost_figure,
    load_results,
)
from matplotlib.figure import Figure

from nnlearn.layers import MatMul, Sigmoid
from nnlearn.nodes import Add, Repeat
from nnlearn.plotting.graphs import GraphEdge, GraphNode, draw_graph, fmt_value


def _shape_text(a: np.ndarray) -> str:
    return "×".join(str(n) for n in np.shape(a))


def sigmoid_graph(x: float = 0.5, dout: float = 1.0) -> Figure:
    r"""把 :math:`y = 1/(1+\exp(-x))` 拆成 ×(−1)、exp、+1、倒数四个节点，逐个标出局部梯度。

    每个节点的反向只是“上游梯度 × 自己的局部导数”；最左边的结果与
    ``Sigmoid().backward`` 给出的 :math:`\frac{\partial L}{\partial y}\,y(1-y)` 相同（图中一并标出）。
    """
    a = -x  # ×(−1)
    e = float(np.exp(a))  # exp
    u = 1.0 + e  # +1
    y = 1.0 / u  # 倒数
    du = dout * (-1.0 / u**2)  # (1/u)' = −1/u² = −y²
    de = du  # +1 的局部导数是 1
    da = de * e  # exp 的导数是它自己
    dx = da * -1.0
    layer = Sigmoid()
    layer_y = float(layer.forward(np.array([x]))[0])
    layer_dx = float(layer.backward(np.array([dout]))[0])
    nodes = [GraphNode("x", "$x$", (0, 0), "value"),
             GraphNode("neg", "×(−1)", (2.4, 0), "box", (1.0, 0.7)),
             GraphNode("exp", "exp", (4.8, 0), "box", (1.0, 0.7)),
             GraphNode("plus", "+1", (7.2, 0), "box", (1.0, 0.7)),
             GraphNode("inv", "1/u", (9.6, 0), "box", (1.0, 0.7)),
             GraphNode("y", "$y$", (11.8, 0), "value")]
    edges = [GraphEdge("x", "neg", f"{fmt_value(x)}", f"{fmt_value(dx, 3)}"),
             GraphEdge("neg", "exp", f"{fmt_value(a)}", f"{fmt_value(da, 3)}"),
             GraphEdge("exp", "plus", f"{fmt_value(e, 3)}", f"{fmt_value(de, 3)}"),
             GraphEdge("plus", "inv", f"u = {fmt_value(u, 3)}", f"{fmt_value(du, 3)}"),
             GraphEdge("inv", "y", f"{fmt_value(y, 3)}", f"{fmt_value(dout)}")]
    title = (f"Sigmoid 拆成四个节点\n（Sigmoid 层本身：y = {fmt_value(layer_y, 3)}，"
             f"∂L/∂y · y(1−y) = {fmt_value(layer_dx, 3)}）")
    return draw_graph(nodes, edges, title=title, figsize=(6.8, 2.6))


def affine_graph(n: int = 2, d: int = 3, h: int = 4, *, input_grad: bool = True,
                 seed: int = 0) -> Figure:
    r"""Affine 层 = MatMul + Repeat（把偏置复制成 N 行）+ 加法，边上标出各个数组的形状。

    形状取自真正的节点在随机数据上跑出的正向输出和反向梯度。
    ``input_grad=False`` 时，:math:`\partial L/\partial \mathbf{x}` 那条反向箭头不画（不计算）。
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    W = rng.standard_normal((d, h))
    b = rng.standard_normal((1, h))
    matmul, repeat, add = MatMul(W, input_grad=input_grad), Repeat(n), Add()
    xw = matmul.forward(x)
    bb = repeat.forward(b)
    y = add.forward(xw, bb)
    dy = rng.standard_normal(y.shape)
    dxw, dbb = add.backward(dy)
    db = repeat.backward(dbb)
    dx = matmul.backward(dxw)
    dW = matmul.grads[0]

    def sh(name: str, a: np.ndarray | None) -> str:
        return "" if a is None else f"{name}  {_shape_text(a)}"

    nodes = [GraphNode("x", r"$\mathbf{x}$", (0, 0), "value"),
             GraphNode("W", r"$\mathbf{W}$", (3.4, 2.4), "value"),
             GraphNode("mm", "MatMul", (3.4, 0), "box", (1.4, 0.8)),
             GraphNode("b", r"$\mathbf{b}$", (3.4, -2.4), "value"),
             GraphNode("rep", "Repeat", (6.8, -2.4), "box", (1.4, 0.8)),
             GraphNode("add", "+", (6.8, 0)),
             GraphNode("y", r"$\mathbf{y}$", (9.6, 0), "value")]
    edges = [GraphEdge("x", "mm", sh("x", x), sh("∂L/∂x", dx)),
             GraphEdge("W", "mm", sh("W", W), sh("∂L/∂W", dW)),
             GraphEdge("mm", "add", sh("xW", xw), sh("∂L/∂y", dxw)),
             GraphEdge("b", "rep", sh("b", b), sh("∂L/∂b", db)),
             GraphEdge("rep", "add", sh("", bb).strip() + "（N 行 b）", sh("∂L/∂y", dbb)),
             GraphEdge("add", "y", sh("y", y), sh("∂L/∂y", dy))]
    title = "Affine 层 = MatMul + Repeat + 加法" + ("" if input_grad else "（input_grad=False）")
    return draw_graph(nodes, edges, title=title, figsize=(6.8, 5.0))


FIGURES = {
    "backprop-sigmoid.png": sigmoid_graph,
    "backprop-affine.png": affine_graph,
    "backprop-softmax-with-loss.png": softmax_with_loss_graph,
    "backprop-cost.png": lambda: gradcost_figure(load_results(GRADCOST)),
}
# 两段话：数值梯度慢多少、一次反向 ≈ 几次正向（链式法则页、本页与性能页都引入它）；
# 以及各规模、各线程数的“反向 ÷ 正向”表（本页“反向传播有多贵”一节）
SNIPPETS = {"backprop-cost.md": backprop_cost_markdown,
            "backprop-cost-table.md": backprop_cost_table_markdown}


# ---------------------------------------------------------------------------
# F：Sigmoid 的饱和（σ 与 σ' 画在一起，数值来自包里的 Sigmoid 层）
# ---------------------------------------------------------------------------
def sigmoid_saturation() -> Figure:
    """σ(x) 与 σ'(x)：σ' 由 Sigmoid 层的 backward（上游梯度取 1）算出，最大 0.25，两端趋于 0。"""
    from nnlearn.plotting.style import COLORS, styled_figure

    x = np.linspace(-8.0, 8.0, 401).reshape(1, -1)
    layer = Sigmoid()
    y = layer.forward(x)[0]
    dy = layer.backward(np.ones_like(x))[0]
    xs = x[0]
    fig, ax = styled_figure(figsize=(6.4, 3.8))
    saturated = dy < 0.01
    ax.fill_between(xs, 0, 1.05, where=saturated, color="0.9", linewidth=0,
                    label="饱和区（σ′ < 0.01）")
    ax.plot(xs, y, color=COLORS[0], label="σ(x)")
    ax.plot(xs, dy, color=COLORS[3], label="σ′(x) = σ(x)(1 − σ(x))")
    ax.axhline(0.25, color=COLORS[3], linestyle=":", linewidth=1.0)
    ax.annotate("最大值 0.25（x = 0）", (0.0, 0.25), xytext=(8, 6), textcoords="offset points",
                fontsize=10, color=COLORS[3])
    ax.set_xlim(-8, 8)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("x")
    ax.legend(loc="center left", fontsize=10)
    ax.set_title("Sigmoid 与它的导数：离 0 越远，导数越接近 0")
    return fig


FIGURES["backprop-sigmoid-saturation.png"] = sigmoid_saturation
