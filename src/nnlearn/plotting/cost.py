"""数值梯度与反向传播的计算量对比：在本机上实测，而不是凭公式估计。

数值梯度对每个参数都要做两次正向传播，一共 $2P$ 次（$P$ 是参数个数）；
反向传播只需一次正向加一次反向。所以两者之比大致随 $P$ 线性增长。
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from nnlearn.gradient import numerical_gradient
from nnlearn.models import TwoLayerNet
from nnlearn.plotting.style import styled_figure


@dataclass(frozen=True)
class GradientCost:
    """一组实测结果：每个隐藏层大小对应的参数个数与两种方法的耗时（秒）。"""

    hidden_sizes: tuple[int, ...]
    n_params: tuple[int, ...]
    numerical_s: tuple[float, ...]
    backprop_s: tuple[float, ...]

    @property
    def ratios(self) -> tuple[float, ...]:
        """数值梯度比反向传播慢多少倍。"""
        return tuple(n / b for n, b in zip(self.numerical_s, self.backprop_s, strict=True))


def _best_time(func: Callable[[], object], min_total: float = 0.02, min_runs: int = 3) -> float:
    """重复调用直到累计至少 ``min_total`` 秒且至少 ``min_runs`` 次，取单次最短时间：短操作也能量得稳。"""
    best = np.inf
    total = 0.0
    runs = 0
    while total < min_total or runs < min_runs:
        start = time.perf_counter()
        func()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        total += elapsed
        runs += 1
    return float(best)


def measure_gradient_cost(hidden_sizes: Sequence[int] = (2, 8, 32, 128, 256), *,
                          input_size: int = 2, output_size: int = 3, batch_size: int = 30,
                          seed: int = 0) -> GradientCost:
    """对 ``TwoLayerNet`` 的每个隐藏层大小，分别计时“全部参数的数值梯度”与“一次正向 + 反向”。

    数据是固定种子的随机数（只关心耗时，不关心数据本身）。
    """
    sizes = tuple(int(h) for h in hidden_sizes)
    if not sizes or any(h < 1 for h in sizes):
        raise ValueError(f"hidden_sizes 应是一串正整数，收到 {tuple(hidden_sizes)!r}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch_size, input_size))
    t = rng.integers(0, output_size, size=batch_size)
    n_params, numerical, backprop = [], [], []
    for hidden in sizes:
        net = TwoLayerNet(input_size, hidden, output_size, seed=seed)

        def loss(_: object, net: TwoLayerNet = net) -> float:
            return net.forward(x, t)

        def numeric(net: TwoLayerNet = net, loss: Callable[[object], float] = loss) -> None:
            for p in net.params:
                numerical_gradient(loss, p)

        def analytic(net: TwoLayerNet = net) -> None:
            net.forward(x, t)
            net.backward()

        n_params.append(sum(p.size for p in net.params))
        numerical.append(_best_time(numeric, min_total=0.0, min_runs=1))  # 本身就慢，测一次
        backprop.append(_best_time(analytic))
    return GradientCost(sizes, tuple(n_params), tuple(numerical), tuple(backprop))


def plot_gradient_cost(cost: GradientCost | None = None) -> Figure:
    """双对数坐标：横轴参数个数，纵轴求一次全部梯度的耗时。不给 ``cost`` 就当场测一次。"""
    cost = measure_gradient_cost() if cost is None else cost
    fig, ax = styled_figure(figsize=(6.4, 4.2))
    ax.loglog(cost.n_params, cost.numerical_s, "o-", label="数值梯度（每个参数两次正向）")
    ax.loglog(cost.n_params, cost.backprop_s, "s-", label="反向传播（一次正向 + 一次反向）")
    p_max, slow, fast = cost.n_params[-1], cost.numerical_s[-1], cost.backprop_s[-1]
    ax.annotate("", xy=(p_max, fast), xytext=(p_max, slow),
                arrowprops={"arrowstyle": "<->", "color": "0.4", "shrinkA": 6, "shrinkB": 6})
    ax.text(p_max * 0.93, float(np.sqrt(slow * fast)), f"相差约 {cost.ratios[-1]:,.0f} 倍",
            ha="right", va="center")
    ax.set_xlabel("参数个数 P")
    ax.set_ylabel("求一次全部梯度的耗时（秒）")
    ax.set_title("TwoLayerNet 上的实测耗时")
    ax.legend()
    return fig
