"""链式法则页的图：把 L = (σ(2x − 1) − 1)² 画成四环的链。"""

import numpy as np

from nnlearn.functions import sigmoid
from nnlearn.plotting.calculus import ChainLink, plot_chain


def _sigmoid_scalar(a: float) -> float:
    # 逐点算一个数：经由一元数组调用 sigmoid，得到 Python float
    return float(sigmoid(np.array([a]))[0])


def _chain():
    links = [
        ChainLink("a = 2x - 1", lambda x: 2 * x - 1, "a"),
        ChainLink(r"h = \sigma(a)", _sigmoid_scalar, "h"),
        ChainLink("u = h - 1", lambda h: h - 1, "u"),
        ChainLink("L = u^2", lambda u: u**2, "L"),
    ]
    return plot_chain(links, 0.5)


FIGURES = {"chain-rule-chain.png": _chain}
