"""损失函数页的图：softmax 柱状图、-log y 曲线、1e-7 的封顶、Softmax with Loss 计算图。"""

from nnlearn.plotting.graphs import softmax_with_loss_graph
from nnlearn.plotting.losses import epsilon_floor_curve, neg_log_curve, softmax_bars

FIGURES = {
    "loss-softmax.png": lambda: softmax_bars((0.3, 2.9, 4.0)),
    "loss-neglog.png": neg_log_curve,
    "loss-epsilon.png": epsilon_floor_curve,
    "loss-graph.png": softmax_with_loss_graph,
}
