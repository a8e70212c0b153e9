"""计算图的示意图：正向的值写在边的上方，反向的梯度写在边的下方。

图上的数字不是手写的：每个 ``*_graph`` 函数先让 ``nnlearn`` 里真正的节点或层
在给定的数上跑一遍 ``forward`` 和 ``backward``，再把结果标到边上。
通用的画法在 :func:`draw_graph`，别的页面（比如链式法则）也可以直接用它。
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from nnlearn.plotting.style import styled_figure

FORWARD_COLOR = "#1f5fa8"  # 正向：蓝
BACKWARD_COLOR = "#c62828"  # 反向：红

NodeKind = Literal["op", "box", "value"]


@dataclass(frozen=True)
class GraphNode:
    """图中的一个节点。

    ``kind``：``"op"`` 画成圆（运算节点），``"box"`` 画成圆角方框（层），
    ``"value"`` 只写文字（图的输入、输出端点）。
    """

    key: str
    label: str
    xy: tuple[float, float]
    kind: NodeKind = "op"
    size: tuple[float, float] = (1.5, 0.8)  # 只对 "box" 有效：宽、高
    pad: float | None = None  # 边在离中心多远处停下；默认按 kind 取（文字较长的端点可加大）


@dataclass(frozen=True)
class GraphEdge:
    """从 ``src`` 指向 ``dst`` 的一条边（正向的方向）。

    ``forward`` 写在边的上方，``backward`` 写在边的下方，并配一支反向的红色箭头。
    """

    src: str
    dst: str
    forward: str = ""
    backward: str = ""
    src_dy: float = 0.0  # 边在方框上的接入点相对中心的竖直偏移（一个方框接多条边时用）
    dst_dy: float = 0.0
    label_at: float = 0.5  # 标注放在边上的位置（0 起点，1 终点）


_RADIUS = {"op": 0.42, "box": 0.55, "value": 0.3}


def fmt_value(a: float | np.ndarray, precision: int = 2) -> str:
    """把标量或小数组写成图上用的短文字（矩阵按行换行）。"""
    arr = np.asarray(a)
    if arr.ndim == 0:
        text = f"{float(arr):.{precision}f}".rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text  # 不写出“-0”
    if arr.ndim == 1:
        return "[" + ", ".join(fmt_value(v, precision) for v in arr) + "]"
    if arr.ndim == 2:
        return "\n".join(fmt_value(row, precision) for row in arr)
    raise ValueError(f"只能标注标量、向量或矩阵，收到 {arr.ndim} 维数组（shape={arr.shape}）")


def _shape_text(a: np.ndarray) -> str:
    return "×".join(str(n) for n in np.shape(a))


def _check_graph(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge]) -> dict[str, GraphNode]:
    by_key: dict[str, GraphNode] = {}
    for node in nodes:
        if node.key in by_key:
            raise ValueError(f"节点名重复：{node.key!r}")
        if node.kind not in _RADIUS:
            raise ValueError(f"节点 {node.key!r} 的 kind 应为 'op'、'box' 或 'value'，"
                             f"收到 {node.kind!r}")
        by_key[node.key] = node
    for edge in edges:
        for end in (edge.src, edge.dst):
            if end not in by_key:
                raise ValueError(f"边 {edge.src!r}→{edge.dst!r} 引用了不存在的节点 {end!r}，"
                                 f"已有节点：{sorted(by_key)}")
    return by_key


def _draw_node(ax: Axes, node: GraphNode) -> None:
    x, y = node.xy
    if node.kind == "op":
        ax.add_patch(Circle((x, y), _RADIUS["op"], facecolor="white", edgecolor="black", lw=1.5,
                            zorder=3))
        ax.text(x, y, node.label, ha="center", va="center", fontsize=13, zorder=4)
    elif node.kind == "box":
        w, h = node.size
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05",
                                    facecolor="#f3f3f3", edgecolor="black", lw=1.5, zorder=3))
        ax.text(x, y, node.label, ha="center", va="center", fontsize=11, zorder=4)
    else:
        ax.text(x, y, node.label, ha="center", va="center", fontsize=13, zorder=4)


def _exit_distance(node: GraphNode, dy: float, u: np.ndarray) -> float:
    """从节点内的接入点沿方向 ``u`` 走多远才离开节点的轮廓（箭头从轮廓处画起）。"""
    if node.pad is not None:
        return node.pad
    if node.kind != "box":
        return _RADIUS[node.kind]
    half_w, half_h = node.size[0] / 2, node.size[1] / 2
    tx = half_w / abs(u[0]) if u[0] else np.inf
    ty = (half_h - np.sign(u[1]) * dy) / abs(u[1]) if u[1] else np.inf
    return float(min(tx, ty))


def _label_layout(text: str, angle: float, side: np.ndarray) -> dict[str, object]:
    """单行标注沿边旋转；多行（矩阵）保持水平，按所在一侧对齐，免得斜着的矩阵难读。"""
    if "\n" not in text and abs(angle) <= 60:
        return {"rotation": angle, "rotation_mode": "anchor", "ha": "center",
                "va": "bottom" if side[1] > 0 or (side[1] == 0 and side[0] < 0) else "top"}
    ha = "right" if side[0] < -0.5 else "left" if side[0] > 0.5 else "center"
    va = "bottom" if side[1] > 0.5 else "top" if side[1] < -0.5 else "center"
    return {"ha": ha, "va": va}


def _draw_edge(ax: Axes, src: GraphNode, dst: GraphNode, edge: GraphEdge,
               label_at: float = 0.5) -> None:
    p = np.array([src.xy[0], src.xy[1] + edge.src_dy], float)
    q = np.array([dst.xy[0], dst.xy[1] + edge.dst_dy], float)
    d = q - p
    length = float(np.hypot(*d))
    if length == 0:
        raise ValueError(f"边 {edge.src!r}→{edge.dst!r} 的两端在同一位置 {tuple(p)}")
    u = d / length
    normal = np.array([-u[1], u[0]])
    if normal[1] < 0 or (normal[1] == 0 and normal[0] > 0):
        normal = -normal  # 让“上方”总是朝上（竖直的边朝左）
    start = p + u * _exit_distance(src, edge.src_dy, u)
    end = q - u * _exit_distance(dst, edge.dst_dy, -u)
    ax.add_patch(FancyArrowPatch(tuple(start), tuple(end), arrowstyle="-|>", mutation_scale=14,
                                 color="black", lw=1.4, zorder=2))
    mid = start + (end - start) * label_at
    # 文字沿着边的方向写，汇聚到同一节点的几条边的标注就不会互相压住
    angle = float(np.degrees(np.arctan2(u[1], u[0])))
    if angle > 90:
        angle -= 180
    elif angle <= -90:
        angle += 180
    for text, side, color, dist in ((edge.forward, normal, FORWARD_COLOR, 0.1),
                                    (edge.backward, -normal, BACKWARD_COLOR, 0.24)):
        if text:
            ax.text(*(mid + side * dist), text, color=color, fontsize=10, zorder=5,
                    linespacing=1.1, **_label_layout(text, angle, side))
    if edge.backward:
        off = -normal * 0.13
        ax.add_patch(FancyArrowPatch(tuple(end + off), tuple(start + off), arrowstyle="-|>",
                                     mutation_scale=12, color=BACKWARD_COLOR, lw=1.2, zorder=2,
                                     shrinkA=4, shrinkB=4))


def draw_graph(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge], *, title: str | None = None,
               figsize: tuple[float, float] = (6.4, 3.2), ax: Axes | None = None,
               legend: bool = True) -> Figure:
    """画一张计算图，返回 ``Figure``。

    节点的坐标由调用者给出（数据坐标，单位约等于一个节点的直径）；
    边的正向标注为蓝色、在上，反向标注为红色、在下。传入 ``ax`` 可画进已有的子图。

    >>> fig = draw_graph([GraphNode("x", "x", (0, 0), "value"), GraphNode("f", "f", (2, 0))],
    ...                  [GraphEdge("x", "f", forward="3", backward="1")])
    >>> [t.get_text() for t in fig.axes[0].texts][-2:]
    ['3', '1']
    """
    by_key = _check_graph(nodes, edges)
    if ax is None:
        fig, ax = styled_figure(figsize=figsize)
    else:
        fig = ax.get_figure()
    ax.set_aspect("equal")
    ax.axis("off")
    for node in nodes:
        _draw_node(ax, node)
    for edge in edges:
        _draw_edge(ax, by_key[edge.src], by_key[edge.dst], edge, edge.label_at)
    xs = [n.xy[0] + s * (n.size[0] / 2 if n.kind == "box" else 0) for n in nodes for s in (-1, 1)]
    ys = [n.xy[1] + s * (n.size[1] / 2 if n.kind == "box" else 0) for n in nodes for s in (-1, 1)]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(handles=[Line2D([], [], color=FORWARD_COLOR, lw=2, label="正向：值"),
                           Line2D([], [], color=BACKWARD_COLOR, lw=2, label="反向：梯度")],
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False,
                  fontsize=9)
    return fig


# ---------------------------------------------------------------------------
# 各个节点的图：先让真正的节点算一遍，再把结果标到边上。
# ---------------------------------------------------------------------------

def _grad(name: str) -> str:
    return rf"$\partial L/\partial {name}$"


def _paren(text: str) -> str:
    """负数在加式里加括号：``1.5 + (-0.5)``。"""
    return f"({text})" if text.startswith("-") else text


def add_graph(x: float = 2.0, y: float = 3.0, dout: float = 1.5) -> Figure:
    """加法节点 ``z = x + y``：反向时把上游梯度原样传给两个输入。"""
    from nnlearn.nodes import Add

    node = Add()
    z = node.forward(x, y)
    dx, dy = node.backward(dout)
    return draw_graph(
        [GraphNode("x", "$x$", (0, 1.3), "value"), GraphNode("y", "$y$", (0, -1.3), "value"),
         GraphNode("add", "+", (3, 0)), GraphNode("z", "$z$", (5.6, 0), "value")],
        [GraphEdge("x", "add", f"x = {fmt_value(x)}", f"{fmt_value(dx)}"),
         GraphEdge("y", "add", f"y = {fmt_value(y)}", f"{fmt_value(dy)}"),
         GraphEdge("add", "z", f"z = {fmt_value(z)}", f"{_grad('z')} = {fmt_value(dout)}")],
        title="加法节点")


def mul_graph(x: float = 2.0, y: float = 3.0, dout: float = 1.5) -> Figure:
    """乘法节点 ``z = x * y``：反向时上游梯度乘以“另一个”输入。"""
    from nnlearn.nodes import Mul

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
    from nnlearn.nodes import Branch

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
    from nnlearn.nodes import Repeat

    xa = np.asarray(x, dtype=np.float64)
    da = np.asarray(dout, dtype=np.float64)
    node = Repeat(da.shape[0])
    out = node.forward(xa)
    dx = node.backward(da)
    return _fan_graph("Repeat", xa, dx, out, da, fan_out=True)


def sum_graph(x: Sequence[Sequence[float]] = ((1.0, 2.0), (3.0, -1.0), (0.5, 0.5)),
              dout: Sequence[Sequence[float]] = ((0.5, -1.0),)) -> Figure:
    """Sum 节点：把 N×D 的各行相加成 1×D；反向把 1×D 的梯度复制到每一行。"""
    from nnlearn.nodes import Sum

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
    one_edge_fwd = fmt_value(one[0])
    one_edge_bwd = fmt_value(d_one[0])
    edges = []
    for i in range(n):
        key = f"r{i}"
        nodes.append(GraphNode(key, f"第 {i + 1} 行", (many_x, float(ys[i])), "value", pad=0.7))
        port = {"src_dy": ports[i]} if fan_out else {"dst_dy": ports[i]}
        ends = ("node", key) if fan_out else (key, "node")
        edges.append(GraphEdge(*ends, fmt_value(many[i]), fmt_value(d_many[i]), **port))
    ends = ("one", "node") if fan_out else ("node", "one")
    edges.insert(0, GraphEdge(*ends, one_edge_fwd, one_edge_bwd))
    return draw_graph(nodes, edges, title=f"{label} 节点（N = {n}）", figsize=(6.4, 3.4))


def matmul_graph(x: Sequence[Sequence[float]] = ((1.0, 2.0),),
                 W: Sequence[Sequence[float]] = ((0.5, -1.0, 0.0), (1.0, 0.5, -0.5)),
                 dout: Sequence[Sequence[float]] = ((1.0, -1.0, 2.0),)) -> Figure:
    r"""MatMul 节点 :math:`\mathbf{y} = \mathbf{x}\mathbf{W}`：边上同时标出形状和数值。"""
    from nnlearn.layers import MatMul

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
        title="MatMul 节点", figsize=(7.0, 4.2))


def chain_graph(x: float = 1.0, y: float = 2.0, w: float = 3.0) -> Figure:
    """一个小计算图 ``L = (x + y) * w``：正向从左到右算值，反向从右到左传梯度。"""
    from nnlearn.nodes import Add, Mul

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
        title="L = (x + y) × w 的正向与反向", figsize=(7.0, 3.6))


NODE_GRAPHS = {"add": add_graph, "mul": mul_graph, "branch": branch_graph,
               "repeat": repeat_graph, "sum": sum_graph, "matmul": matmul_graph}


def node_graph(name: str) -> Figure:
    """按名字画某个节点的图（用默认的示例数值）：``add``、``mul``、``branch``、``repeat``、``sum``、``matmul``。"""
    try:
        func = NODE_GRAPHS[name]
    except KeyError:
        raise ValueError(f"没有名为 {name!r} 的节点图，可选：{sorted(NODE_GRAPHS)}") from None
    return func()


# ---------------------------------------------------------------------------
# 反向传播一页用到的层的图
# ---------------------------------------------------------------------------

def sigmoid_graph(x: float = 0.5, dout: float = 1.0) -> Figure:
    r"""把 :math:`y = 1/(1+\exp(-x))` 拆成 ×(−1)、exp、+1、倒数四个节点，逐个标出局部梯度。

    每个节点的反向只是“上游梯度 × 自己的局部导数”；最左边的结果与
    ``Sigmoid().backward`` 给出的 :math:`\frac{\partial L}{\partial y}\,y(1-y)` 相同（图中一并标出）。
    """
    from nnlearn.layers import Sigmoid

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
    return draw_graph(nodes, edges, title=title, figsize=(8.4, 2.8))


def affine_graph(n: int = 2, d: int = 3, h: int = 4, *, input_grad: bool = True,
                 seed: int = 0) -> Figure:
    r"""Affine 层 = MatMul + Repeat（把偏置复制成 N 行）+ 加法，边上标出各个数组的形状。

    形状取自真正的节点在随机数据上跑出的正向输出和反向梯度。
    ``input_grad=False`` 时，:math:`\partial L/\partial \mathbf{x}` 那条反向箭头不画（不计算）。
    """
    from nnlearn.layers import MatMul
    from nnlearn.nodes import Add, Repeat

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
    return draw_graph(nodes, edges, title=title, figsize=(7.6, 5.4))


def softmax_with_loss_graph(scores: Sequence[float] = (2.0, 1.0, 0.1), label: int = 0) -> Figure:
    r"""Softmax with Loss 层的计算图（一个样本、三个类别）。

    正向：得分 :math:`s_k` → Softmax → 概率 :math:`y_k` → Cross Entropy Error → :math:`L`。
    反向：交叉熵对 :math:`y_k` 的局部导数是 :math:`-t_k/y_k`，穿过 Softmax 后化简为
    :math:`y_k - t_k`；后者取自 ``SoftmaxWithLoss.backward`` 的真实结果。
    """
    from nnlearn.layers import SoftmaxWithLoss

    s = np.asarray(scores, dtype=np.float64).reshape(1, -1)
    c = s.shape[1]
    if not 0 <= label < c:
        raise ValueError(f"label 应在 0..{c - 1} 之间，收到 {label}")
    layer = SoftmaxWithLoss()
    loss = layer.forward(s, np.array([label]))
    ds = layer.backward(1.0)[0]
    y = layer.y[0]
    t = np.eye(c)[label]
    dy = -t / y  # 交叉熵 L = -Σ t_k log y_k 对 y_k 的局部导数
    gap = 1.5
    ys = [gap * ((c - 1) / 2 - k) for k in range(c)]
    height = gap * (c - 1) + 1.2
    nodes = [GraphNode(f"s{k}", f"$s_{k + 1}$", (0, ys[k]), "value") for k in range(c)]
    nodes += [GraphNode("sm", "Softmax", (3.2, 0), "box", (1.5, height)),
              GraphNode("ce", "Cross\nEntropy\nError", (7.6, 0), "box", (1.5, height)),
              GraphNode("t", rf"$\mathbf{{t}}$ = {fmt_value(t, 0)}", (7.6, -height / 2 - 1.3),
                        "value"),
              GraphNode("L", "$L$", (10.6, 0), "value")]
    edges = []
    for k in range(c):
        i = k + 1
        edges.append(GraphEdge(f"s{k}", "sm", f"$s_{i}$ = {fmt_value(s[0, k])}",
                               f"$y_{i}-t_{i}$ = {fmt_value(ds[k])}", dst_dy=ys[k]))
        edges.append(GraphEdge("sm", "ce", f"$y_{i}$ = {fmt_value(y[k])}",
                               f"$-t_{i}/y_{i}$ = {fmt_value(dy[k])}", src_dy=ys[k], dst_dy=ys[k]))
    edges.append(GraphEdge("t", "ce"))
    edges.append(GraphEdge("ce", "L", f"L = {fmt_value(loss, 3)}", "1"))
    return draw_graph(nodes, edges, title="Softmax with Loss 层", figsize=(8.0, 4.4))
