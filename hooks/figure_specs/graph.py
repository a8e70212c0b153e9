"""计算图页的图：一个小例子和六种节点，边上的数都由真正的节点算出。"""

from nnlearn.plotting.graphs import (
    add_graph,
    branch_graph,
    chain_graph,
    matmul_graph,
    mul_graph,
    repeat_graph,
    sum_graph,
)

FIGURES = {
    "graph-chain.png": chain_graph,
    "graph-add.png": add_graph,
    "graph-mul.png": mul_graph,
    "graph-branch.png": branch_graph,
    "graph-repeat.png": repeat_graph,
    "graph-sum.png": sum_graph,
    "graph-matmul.png": matmul_graph,
}
