"""回顾页的图：螺旋状数据集，以及 TwoLayerNet 的结构（边上标着真实算出的形状）。"""

from nnlearn.datasets import load_spiral
from nnlearn.models import TwoLayerNet
from nnlearn.plotting.graphs import GraphEdge, GraphNode, draw_graph
from nnlearn.plotting.training import spiral_scatter


def _spiral():
    x, t = load_spiral()
    return spiral_scatter(x, t)


def _network():
    # 形状不手写：让网络在螺旋数据上真的走一遍，逐层记下输出的形状
    x, _ = load_spiral()
    net = TwoLayerNet(2, 10, 3, seed=0)
    shapes = [x.shape]
    out = x
    for layer in net.layers:
        out = layer.forward(out)
        shapes.append(out.shape)
    names = ["$\\mathbf{x}$", "Affine", "Sigmoid", "Affine", "$\\mathbf{s}$"]
    kinds = ["value", "box", "box", "box", "value"]
    nodes = [GraphNode(f"n{i}", name, (3.6 * i, 0.0), kind, (1.8, 0.9))
             for i, (name, kind) in enumerate(zip(names, kinds, strict=True))]
    edges = [GraphEdge(f"n{i}", f"n{i + 1}", forward=f"({shapes[i][0]}, {shapes[i][1]})")
             for i in range(len(shapes))]
    return draw_graph(nodes, edges, title="TwoLayerNet：得分 s 由三层依次算出", figsize=(6.8, 2.0),
                      legend=False)


FIGURES = {"review-spiral.png": _spiral, "review-network.png": _network}
