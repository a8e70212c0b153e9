r"""损失函数页与反向传播页共用的 Softmax with Loss 计算图。"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from nnlearn.layers import SoftmaxWithLoss
from nnlearn.plotting.graphs import GraphEdge, GraphNode, draw_graph, fmt_value


def softmax_with_loss_graph(scores: Sequence[float] = (2.0, 1.0, 0.1),
                            label: int = 0) -> Figure:
    r"""Softmax with Loss 层的计算图（一个样本、三个类别）。

    正向：得分 $s_k$ → Softmax → 概率 $y_k$ → Cross Entropy Error → $L$。
    反向：交叉熵对 $y_k$ 的局部导数是 $-t_k/y_k$，穿过 Softmax 后化简为
    $y_k - t_k$；后者取自 ``SoftmaxWithLoss.backward`` 的真实结果。
    """
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
                               f"$-t_{i}/y_{i}$ = {fmt_value(dy[k])}", src_dy=ys[k],
                               dst_dy=ys[k]))
    edges.append(GraphEdge("t", "ce"))
    edges.append(GraphEdge("ce", "L", f"L = {fmt_value(loss, 3)}", "1"))
    return draw_graph(nodes, edges, title="Softmax with Loss 层", figsize=(6.8, 4.2))
