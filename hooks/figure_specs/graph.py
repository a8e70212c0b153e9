"""计算图页的图：一个小例子和六种节点，边上的数都由真正的节点算出。

每个函数先让 ``nnlearn`` 里真正的节点或层在给定的数上跑一遍 ``forward`` 和
``backward``，再用 ``nnlearn.plotting.graphs`` 把结果标到边上。
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from nnlearn.layers import MatMul
from nnlearn.nodes import Add, Branch, Mul, Repeat, Sum
from nnlearn.plotting.graphs import GraphEdge, GraphNode, draw_graph, fmt_value, node_figure


def _grad(name: str) -> str:
    return rf"$\partial L/\partial {name}$"


def _paren(text: str) -> str:
    """负数在加式里加括号：``1.5 + (-0.5)``。"""
    return f"({text})" if text.startswith("-") else text


def _shape_text(a: np.ndarray) -> str:
    return "×".join(str(n) for n in np.shape(a))


def add_graph(x: float = 2.0, y: float = 3.0, dout: float = 1.5) -> Figure:
    """加法节点 ``z = x + y``：反向时把上游梯度原样传给两个输入。"""
    return node_figure(Add(), [x, y], dout, names=["x", "y"], label="+", title="加法节点")


def mul_graph(x: float = 2.0, y: float = 3.0, dout: float = 1.5) -> Figure:
    """乘法节点 ``z = x * y``：反向时上游梯度乘以“另一个”输入。"""
    node = Mul()
    z = node.forward(x, y)
    dx, dy = node.backward(dout)
    return draw_graph(
        [GraphNode("x", "$x$", (0, 1.3), "value"), GraphNode("y", "$y$", (0, -1.3), "value"),
         GraphNode("mul", "×", (3, 0)), GraphNode("z", "$z$", (5.6, 0), "value")],
        [GraphEdge("x", "mul", f"x = {fmt_value(x)}",
                   f"{fmt_value(dout)}×{fmt_value(y)} = {fmt_value(dx)}"),
         GraphEdge("y", "mul", f"y = {fmt_value(y)}",
                   f"{fmt_value(dout)}×{fmt_value(x)} = {fmt_value(dy)}"),
         GraphEdge("mul", "z", f"z = {fmt_value(z)}", f"{_grad('z')} = {fmt_value(dout)}")],
        title="乘法节点")


def branch_graph(x: float = 2.0, douts: Sequence[float] = (1.5, -0.5)) -> Figure:
    """分支节点：正向复制成 ``len(douts)`` 份，反向把各分支的梯度相加。"""
    n = len(douts)
    node = Branch(n)
    outs = node.forward(np.float64(x))
    dx = node.backward(*[np.float64(d) for d in douts])
    half = 1.3 if n <= 2 else 0.9 * (n - 1)  # 相邻两支至少隔 1.8，标注才不打架
    ys = np.linspace(half, -half, n) if n > 1 else np.zeros(1)
    nodes = [GraphNode("x", "$x$", (0, 0), "value"), GraphNode("br", "分支", (2.4, 0))]
    edges = [GraphEdge("x", "br", f"x = {fmt_value(x)}",
                       " + ".join(_paren(fmt_value(d)) for d in douts) + f" = {fmt_value(dx)}")]
    for i, (out, d, yy) in enumerate(zip(outs, douts, ys, strict=True), start=1):
        nodes.append(GraphNode(f"y{i}", f"$x_{{({i})}}$", (5.4, float(yy)), "value"))
        edges.append(GraphEdge("br", f"y{i}", fmt_value(out), fmt_value(d)))
    return draw_graph(nodes, edges, title="分支节点")


def repeat_graph(x: Sequence[Sequence[float]] = ((1.0, 2.0),),
                 dout: Sequence[Sequence[float]] = ((0.5, -1.0), (1.5, 0.0), (-1.0, 2.0)),
                 ) -> Figure:
    """Repeat 节点：把 1×D 的行复制成 N 行；反向把 N 行梯度按列相加。

    正向输出的第 n 行和反向梯度的第 n 行画成第 n 条边，与书中的画法一致。
    """
    xa = np.asarray(x, dtype=np.float64)
    da = np.asarray(dout, dtype=np.float64)
    node = Repeat(da.shape[0])
    out = node.forward(xa)
    dx = node.backward(da)
    return _fan_graph("Repeat", xa, dx, out, da, fan_out=True)


def sum_graph(x: Sequence[Sequence[float]] = ((1.0, 2.0), (3.0, -1.0), (0.5, 0.5)),
              dout: Sequence[Sequence[float]] = ((0.5, -1.0),)) -> Figure:
    """Sum 节点：把 N×D 的各行相加成 1×D；反向把 1×D 的梯度复制到每一行。"""
    xa = np.asarray(x, dtype=np.float64)
    da = np.asarray(dout, dtype=np.float64)
    node = Sum()
    out = node.forward(xa)
    dx = node.backward(da)
    return _fan_graph("Sum", out, da, xa, dx, fan_out=False)


def _fan_graph(label: str, one: np.ndarray, d_one: np.ndarray, many: np.ndarray,
               d_many: np.ndarray, *, fan_out: bool) -> Figure:
    """一侧一条边（1×D）、另一侧 N 条边（N×D 的各行）的节点图：Repeat 与 Sum 共用。"""
    n = many.shape[0]
    ys = np.linspace(1.9 * (n - 1) / 2, -1.9 * (n - 1) / 2, n)
    one_x, many_x = (0.0, 7.4) if fan_out else (8.0, 0.0)
    nodes = [GraphNode("one", "$\\mathbf{x}$" if fan_out else "$\\mathbf{y}$", (one_x, 0), "value"),
             GraphNode("node", label, (3.0 if fan_out else 4.4, 0), "box", (1.3, 0.9 * n))]
    ports = ys * (0.45 * n - 0.3) / max(float(np.abs(ys).max()), 1e-9)  # 各行的边接在方框不同高度
    edges = []
    for i in range(n):
        key = f"r{i}"
        nodes.append(GraphNode(key, f"第 {i + 1} 行", (many_x, float(ys[i])), "value", pad=0.7))
        port = {"src_dy": ports[i]} if fan_out else {"dst_dy": ports[i]}
        ends = ("node", key) if fan_out else (key, "node")
        edges.append(GraphEdge(*ends, fmt_value(many[i]), fmt_value(d_many[i]), **port))
    ends = ("one", "node") if fan_out else ("node", "one")
    edges.insert(0, GraphEdge(*ends, fmt_value(one[0]), fmt_value(d_one[0])))
    return draw_graph(nodes, edges, title=f"{label} 节点（N = {n}）", figsize=(6.4, 3.4))


def matmul_graph(x: Sequence[Sequence[float]] = ((1.0, 2.0),),
                 W: Sequence[Sequence[float]] = ((0.5, -1.0, 0.0), (1.0, 0.5, -0.5)),
                 dout: Sequence[Sequence[float]] = ((1.0, -1.0, 2.0),)) -> Figure:
    r"""MatMul 节点 :math:`\mathbf{y} = \mathbf{x}\mathbf{W}`：边上同时标出形状和数值。"""
    xa = np.asarray(x, dtype=np.float64)
    wa = np.asarray(W, dtype=np.float64)
    da = np.asarray(dout, dtype=np.float64)
    layer = MatMul(wa.copy())
    y = layer.forward(xa)
    dx = layer.backward(da)
    dw = layer.grads[0]

    def lab(name: str, a: np.ndarray) -> str:
        return f"{name} ({_shape_text(a)})\n{fmt_value(a)}"

    return draw_graph(
        [GraphNode("x", r"$\mathbf{x}$", (0, 0), "value"),
         GraphNode("W", r"$\mathbf{W}$", (3.8, 3.0), "value"),
         GraphNode("mm", "MatMul", (3.8, 0), "box", (1.4, 0.8)),
         GraphNode("y", r"$\mathbf{y}$", (7.6, 0), "value")],
        [GraphEdge("x", "mm", lab("x", xa), lab("∂L/∂x", dx)),
         GraphEdge("W", "mm", lab("W", wa), lab("∂L/∂W", dw)),
         GraphEdge("mm", "y", lab("y", y), lab("∂L/∂y", da))],
        title="MatMul 节点", figsize=(6.8, 4.2))


def chain_graph(x: float = 1.0, y: float = 2.0, w: float = 3.0) -> Figure:
    """一个小计算图 ``L = (x + y) * w``：正向从左到右算值，反向从右到左传梯度。"""
    add, mul = Add(), Mul()
    u = add.forward(x, y)
    loss = mul.forward(u, w)
    du, dw = mul.backward(1.0)
    dx, dy = add.backward(du)
    return draw_graph(
        [GraphNode("x", "$x$", (0, 1.3), "value"), GraphNode("y", "$y$", (0, -1.3), "value"),
         GraphNode("add", "+", (2.6, 0)), GraphNode("w", "$w$", (2.6, -2.4), "value"),
         GraphNode("mul", "×", (5.2, 0)), GraphNode("L", "$L$", (7.6, 0), "value")],
        [GraphEdge("x", "add", f"x = {fmt_value(x)}", fmt_value(dx)),
         GraphEdge("y", "add", f"y = {fmt_value(y)}", fmt_value(dy)),
         GraphEdge("add", "mul", f"u = {fmt_value(u)}", fmt_value(du)),
         GraphEdge("w", "mul", f"w = {fmt_value(w)}", fmt_value(dw)),
         GraphEdge("mul", "L", f"L = {fmt_value(loss)}", "1")],
        title="L = (x + y) × w 的正向与反向", figsize=(6.8, 3.6))


FIGURES = {
    "graph-chain.png": chain_graph,
    "graph-add.png": add_graph,
    "graph-mul.png": mul_graph,
    "graph-branch.png": branch_graph,
    "graph-repeat.png": repeat_graph,
    "graph-sum.png": sum_graph,
    "graph-matmul.png": matmul_graph,
}


# --- E: 反向流动的规律（graph.md「书外补充：反向流动的规律」） ---

def mul_scaling_figure() -> Figure:
    """乘法节点的“交换”：把 x 放大 k 倍，dL/dw 跟着放大 k 倍，dL/dx 不变（真实的 Mul 节点算出）。"""
    from nnlearn.plotting.style import COLORS, styled_figure

    scales = np.logspace(0, 3, 13)
    x0, w0 = np.array([0.5]), np.array([2.0])
    dxs, dws = [], []
    for k in scales:
        node = Mul()
        node.forward(k * x0, w0)
        dx, dw = node.backward(np.ones(1))
        dxs.append(abs(float(dx[0])))
        dws.append(abs(float(dw[0])))
    fig, ax = styled_figure(figsize=(6.0, 3.6))
    ax.loglog(scales, dws, "o-", color=COLORS[3], ms=4, label=r"$|\partial L/\partial w|$（正比于 $x$）")
    ax.loglog(scales, dxs, "s-", color=COLORS[0], ms=4, label=r"$|\partial L/\partial x|$（等于 $w$，不变）")
    ax.set_xlabel(r"输入 $x$ 放大的倍数 $k$")
    ax.set_ylabel("梯度的大小")
    ax.set_title(r"乘法节点 $z = x \cdot w$：一个输入放大，另一个输入的梯度同样放大")
    ax.legend(loc="upper left")
    return fig


FIGURES["graph-mul-scaling.png"] = mul_scaling_figure
