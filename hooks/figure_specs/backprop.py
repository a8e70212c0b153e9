"""反向传播页的图：Sigmoid 拆成节点、Affine 的组成、Softmax with Loss、实测的计算量。"""

from nnlearn.plotting.cost import plot_gradient_cost
from nnlearn.plotting.graphs import affine_graph, sigmoid_graph, softmax_with_loss_graph

FIGURES = {
    "backprop-sigmoid.png": sigmoid_graph,
    "backprop-affine.png": affine_graph,
    "backprop-softmax-with-loss.png": softmax_with_loss_graph,
    # 构建时在本机实测（几秒钟），所以图上的倍数每次略有不同
    "backprop-cost.png": plot_gradient_cost,
}
