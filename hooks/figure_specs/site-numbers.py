"""不止一页引用的实测数字：每个量在这里定义一次，各页写 ``{{ n.键 }}``（见 hooks/site_numbers.py）。

只属于一页的数字放在那一页自己的 spec 里；一个量一旦被第二页引用，就搬到这里，
两页用同一个键。值是写好格式的字符串，由同一份结果文件或同一段包代码算出：

- 计时来自 ``benchmarks/results/*.json``（基准在安静的机器上跑好、连同机器信息提交），
  构建时不计时，所以每次构建的文字都一样；
- 训练结果（准确率、损失）与误差量级由包代码在构建时算出，种子固定，逐位可复现。
"""

from __future__ import annotations

import functools
import math
from typing import Any

from figure_kit.results import GRADCOST, RESULTS, load_results

STEP = RESULTS / "step.json"


@functools.cache
def _gradcost() -> dict[str, Any]:
    return load_results(GRADCOST)


@functools.cache
def _step_small() -> dict[str, Any]:
    """一步训练的结果里最小的规模（书中的 30×2-10-3）。"""
    rows = load_results(STEP)["results"]
    return min(rows, key=lambda r: r["size"]["N"] * r["size"]["D"] * r["size"]["H"])


@functools.cache
def _book_run() -> Any:
    """书中 §1.4 的设置（TrainConfig 的默认值）在螺旋数据上训练 300 轮。"""
    from nnlearn.datasets import load_spiral
    from nnlearn.recipe import TrainConfig, train

    x, t = load_spiral()
    trainer = train(TrainConfig())
    return trainer, trainer.model.accuracy(x, t)


@functools.cache
def _gradcheck_error() -> float:
    """写对的 TwoLayerNet（书中的 2-10-3，标准正态的权重）在螺旋数据上的梯度确认误差（各参数取最大）。"""
    import numpy as np

    from nnlearn.datasets import load_spiral
    from nnlearn.gradient import gradient_check
    from nnlearn.models import TwoLayerNet

    x, t = load_spiral()
    model = TwoLayerNet(2, 10, 3, seed=0)
    rng = np.random.default_rng(0)
    for p in model.params:  # 0.01 倍的初始权重让梯度太小，误差量级不具代表性
        p[...] = rng.standard_normal(p.shape)
    return max(gradient_check(model, x[::10], t=t[::10], max_coords=None).values())


def tex_power(value: float) -> str:
    """数值的数量级写成 TeX：``1.3e-10`` → ``10^{-10}``（页面写 ``$\\sim {{ n.键 }}$``）。"""
    return f"10^{{{math.floor(math.log10(value))}}}"


NUMBERS = {
    # 数值梯度比反向传播慢多少倍：gradcost.json 里最大的那个网络
    "gradcost_speedup": lambda: f"{_gradcost()['scaling'][-1]['ratio']:,.0f}",
    "gradcost_params": lambda: f"{_gradcost()['scaling'][-1]['params']:,}",
    "gradcost_hidden": lambda: f"{_gradcost()['scaling'][-1]['hidden']}",
    # 书中规模（30×2-10-3）一步训练的中位耗时，微秒
    "step_small_us": lambda: f"{_step_small()['median_s']['nnlearn'] * 1e6:.0f}",
    # 书中设置训练 300 轮后训练集上的准确率
    "book_accuracy": lambda: f"{_book_run()[1]:.1%}",
    # 写对的网络做梯度确认时的相对误差量级（TeX）
    "gradcheck_correct_tex": lambda: tex_power(_gradcheck_error()),
}
