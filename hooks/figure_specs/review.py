"""回顾页的图：螺旋状数据集。"""

from nnlearn.datasets import load_spiral
from nnlearn.plotting.training import spiral_scatter


def _spiral():
    x, t = load_spiral()
    return spiral_scatter(x, t)


FIGURES = {"review-spiral.png": _spiral}
