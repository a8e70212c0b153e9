"""链式法则页的图：把 L = (σ(2x − 1) − 1)² 画成四环的链。"""

from nnlearn.functions import sigmoid
from nnlearn.plotting.calculus import ChainLink, plot_chain


def _chain():
    links = [
        ChainLink("a = 2x - 1", lambda x: 2 * x - 1, "a"),
        ChainLink(r"h = \sigma(a)", lambda a: float(sigmoid(a)), "h"),
        ChainLink("u = h - 1", lambda h: h - 1, "u"),
        ChainLink("L = u^2", lambda u: u**2, "L"),
    ]
    return plot_chain(links, 0.5)


FIGURES = {"chain-rule-chain.png": _chain}
