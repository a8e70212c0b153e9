"""计算图的示意图：正向的值写在边的上方，反向的梯度写在边的下方。

通用的画法在 :func:`draw_graph`：节点与边由调用者给出。:func:`node_figure` 先让
``nnlearn`` 里真正的节点或层在给定的数上跑一遍 ``forward`` 和 ``backward``，
再把结果标到边上——图上的数字不是手写的。各页面自己的图（站点的 ``hooks/figure_specs/``）
都用这两个函数画。
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

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
                  fontsize=10)
    return fig


def node_figure(node: Any, inputs: Sequence[Any], dout: Any, *,
                names: Sequence[str] | None = None, output: str = "z",
                label: str | None = None, title: str | None = None) -> Figure:
    r"""让一个真正的节点（或层）算一遍 ``forward`` 和 ``backward``，把值和梯度标到图上。

    ``inputs`` 依次传给 ``node.forward``；``dout`` 传给 ``node.backward``。
    输入画在左边（自上而下），节点在中间，输出在右边；每条边上方是正向的值，
    下方是反向的梯度——都是节点自己算出来的，不是手写的。

    >>> from nnlearn.nodes import Add
    >>> fig = node_figure(Add(), [2.0, 3.0], 1.5, names=["x", "y"])
    >>> [t.get_text() for t in fig.axes[0].texts][-2:]
    ['z = 5', '$\\partial L/\\partial z$ = 1.5']
    """
    names = [f"x{i + 1}" for i in range(len(inputs))] if names is None else list(names)
    if len(names) != len(inputs) or not inputs:
        raise ValueError(f"names 应与 inputs 一样长且非空，收到 {len(names)} 个名字、"
                         f"{len(inputs)} 个输入")
    out = node.forward(*inputs)
    grads = node.backward(dout)
    grads = list(grads) if isinstance(grads, tuple) else [grads]
    if len(grads) != len(inputs):
        raise ValueError(f"{type(node).__name__}.backward 返回 {len(grads)} 个梯度，"
                         f"输入却有 {len(inputs)} 个")
    n = len(inputs)
    ys = [1.3 * ((n - 1) / 2 - i) * 2 for i in range(n)] if n > 1 else [0.0]
    nodes = [GraphNode(k, f"${k}$", (0, y), "value") for k, y in zip(names, ys, strict=True)]
    nodes += [GraphNode("node", label or type(node).__name__, (3, 0)),
              GraphNode("out", f"${output}$", (5.6, 0), "value")]
    edges = [GraphEdge(k, "node", f"{k} = {fmt_value(v)}", f"{fmt_value(g)}")
             for k, v, g in zip(names, inputs, grads, strict=True)]
    edges.append(GraphEdge("node", "out", f"{output} = {fmt_value(out)}",
                           rf"$\partial L/\partial {output}$ = {fmt_value(dout)}"))
    return draw_graph(nodes, edges, title=title)
