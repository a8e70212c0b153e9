"""一步训练的时间花在哪里：逐层计时 nnlearn，并与下限（floor）的总时间对照。

每项取"很多次短计时里的最小值"：机器被其他进程占用时，最小值最接近不受干扰的耗时。
运行：``bash benchmarks/run.sh profile``。
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_step import SIZES, floor_step, matmul_step, nnlearn_step, problem, torch_step

from nnlearn.models import TwoLayerNet
from nnlearn.optim import SGD


def best(fn: Callable[[], Any], budget_s: float = 0.5) -> float:
    """在约 ``budget_s`` 秒内反复计时，返回每次调用的最小耗时。"""
    once = timeit.timeit(fn, number=1)
    number = max(1, int(0.002 / max(once, 1e-7)))
    repeat = max(5, int(budget_s / max(once * number, 1e-7)))
    return min(timeit.repeat(fn, number=number, repeat=min(repeat, 500))) / number


def parts(size: tuple[int, int, int, int]) -> dict[str, Callable[[], Any]]:
    p = problem(*size, np.float64)
    net = TwoLayerNet(*size[1:], seed=0)
    x, t = p["x"], p["t"]
    a1, sig, a2 = net.layers
    loss = net.loss_layer
    opt = SGD(lr=0.01)
    h1 = a1.forward(x)
    h = sig.forward(h1)
    s = a2.forward(h)
    loss.forward(s, t)
    dy = loss.backward()
    dh = a2.backward(dy)
    dh1 = sig.backward(dh)
    return {
        "Affine1.forward": lambda: a1.forward(x),
        "Sigmoid.forward": lambda: sig.forward(h1),
        "Affine2.forward": lambda: a2.forward(h),
        "SoftmaxWithLoss.forward": lambda: loss.forward(s, t),
        "SoftmaxWithLoss.backward": loss.backward,
        "Affine2.backward": lambda: a2.backward(dy),
        "Sigmoid.backward": lambda: sig.backward(dh),
        "Affine1.backward（不算 dx）": lambda: a1.backward(dh1),
        "SGD.update": lambda: opt.update(net.params, net.grads),
        "  其中 x @ W1": lambda: x @ a1.params[0],
        "  其中 x.T @ dh1": lambda: x.T @ dh1,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="逐层计时一步训练")
    parser.add_argument("--budget", type=float, default=0.5, help="每项计时的秒数")
    args = parser.parse_args(argv)
    for size, _ in SIZES:
        p = problem(*size, np.float64)
        totals = {"nnlearn 一步": nnlearn_step(p), "floor 一步": floor_step(p),
                  "只做矩阵乘法": matmul_step(p)}
        ts = torch_step(p)
        if ts is not None:
            totals["torch 一步"] = ts
        print(f"N×D-H-C = {size[0]}×{size[1]}-{size[2]}-{size[3]}（每项最小耗时）")
        layer_sum = 0.0
        for name, fn in parts(size).items():
            sec = best(fn, args.budget)
            if not name.startswith(" "):
                layer_sum += sec
            print(f"  {name:<28}{sec * 1e6:12.1f} µs")
        print(f"  {'各层之和':<28}{layer_sum * 1e6:12.1f} µs")
        for name, fn in totals.items():
            print(f"  {name:<28}{best(fn, args.budget) * 1e6:12.1f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
