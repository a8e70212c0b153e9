"""数值梯度与反向传播的代价：参数越多，差距越大。

数值梯度对每个参数做两次前向传播（中心差分），代价与参数个数 P 成正比；反向传播只要一次
前向加一次反向，与 P 基本无关。本脚本在螺旋数据的 TwoLayerNet(2, H, 3) 上逐步加大 H，
并测 ``gradient_check`` 在 784-100-10 网络上的耗时（它每个数组只抽样一部分坐标）。
每个规模还分开计时一次正向和一次反向（``backward_over_forward``）：页面上“反向传播
约是正向的几倍”就来自这个数（``hooks/figure_kit/results.py`` 写成一段话）。

运行：``bash benchmarks/run.sh gradcheck``；结果写入 ``benchmarks/results/gradcost.json``。
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from common import machine_info, set_blas_threads, warn_if_slow_blas_env, write_json

from nnlearn.datasets import load_spiral
from nnlearn.gradient import gradient_check, numerical_gradient
from nnlearn.models import TwoLayerNet

HIDDEN = (1, 3, 10, 30, 100, 300)
BATCH = 30


def timed(fn: Callable[[], Any], repeats: int) -> float:
    """多次计时取最小值：机器上有其他进程时，最小值最接近不受干扰的耗时。"""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def backprop(net: TwoLayerNet, x: np.ndarray, t: np.ndarray) -> None:
    net.forward(x, t)
    net.backward()


def numerical(net: TwoLayerNet, x: np.ndarray, t: np.ndarray) -> list[np.ndarray]:
    """书中的做法：对每个参数数组调用 numerical_gradient，f 不看参数、直接算整个网络的损失。"""
    return [numerical_gradient(lambda _: net.forward(x, t), p) for p in net.params]


def forward_backward(net: TwoLayerNet, x: np.ndarray, t: np.ndarray,
                     repeats: int) -> tuple[float, float]:
    """分开计时一次正向与一次反向（反向可以重复调用：它只读正向留下的中间结果）。"""
    fwd = timed(lambda: net.forward(x, t), repeats)
    net.forward(x, t)
    bwd = timed(net.backward, repeats)
    return fwd, bwd


def scaling(repeats: int) -> list[dict[str, Any]]:
    x, t = load_spiral()
    x, t = x[:BATCH], t[:BATCH]
    rows = []
    print(f"{'H':>5}{'参数个数 P':>12}{'反向传播':>12}{'数值梯度':>12}{'倍数':>10}{'反向/正向':>10}")
    for h in HIDDEN:
        net = TwoLayerNet(2, h, 3, seed=0)
        n_params = sum(p.size for p in net.params)
        bp = timed(lambda net=net: backprop(net, x, t), repeats * 10)
        num = timed(lambda net=net: numerical(net, x, t), repeats)
        # 顺便确认两者一致：差距应在差分误差之内
        backprop(net, x, t)
        grads = [g.copy() for g in net.grads]
        diff = max(float(np.abs(a - b).max()) for a, b in
                   zip(grads, numerical(net, x, t), strict=True))
        fwd, bwd = forward_backward(net, x, t, repeats * 20)
        rows.append({"hidden": h, "params": n_params, "backprop_s": bp, "numerical_s": num,
                     "ratio": num / bp, "max_abs_diff": diff, "forward_s": fwd,
                     "backward_s": bwd, "backward_over_forward": bwd / fwd})
        print(f"{h:>5}{n_params:>12}{bp * 1e3:>10.3f}ms{num * 1e3:>10.1f}ms{num / bp:>10.0f}"
              f"{bwd / fwd:>10.2f}")
    return rows


def big_net(repeats: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    n = 32
    x = rng.standard_normal((n, 784))
    t = rng.integers(0, 10, size=n)
    net = TwoLayerNet(784, 100, 10, seed=0)
    for p in net.params:  # 放大权重，免得梯度小到被差分误差淹没
        p[...] = 0.1 * rng.standard_normal(p.shape)
    n_params = sum(p.size for p in net.params)
    errors: dict[str, float] = {}

    def run() -> None:
        errors.update(gradient_check(net, x, t=t))

    check_s = timed(run, repeats)
    fwd, bwd = forward_backward(net, x, t, repeats * 10)
    bp = timed(lambda: backprop(net, x, t), repeats * 10)
    estimate = 2 * n_params * fwd
    print(f"784-100-10（批 {n}，P={n_params}）：gradient_check {check_s:.3f} s，"
          f"最大相对误差 {max(errors.values()):.1e}；反向传播 {bp * 1e3:.2f} ms；"
          f"全部参数做数值梯度约需 {estimate:.0f} s（2P 次前向 × {fwd * 1e3:.2f} ms）")
    return {"network": "784-100-10", "batch": n, "params": n_params,
            "max_coords": _default_max_coords(), "gradient_check_s": check_s, "errors": errors,
            "forward_s": fwd, "backward_s": bwd, "backward_over_forward": bwd / fwd,
            "backprop_s": bp, "numerical_full_estimate_s": estimate}


def _default_max_coords() -> int:
    """``gradient_check`` 每个数组默认抽几个坐标（从它的签名读，不在这里再写一遍）。"""
    import inspect

    return int(inspect.signature(gradient_check).parameters["max_coords"].default)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="数值梯度与反向传播的代价")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="OpenBLAS 线程数（默认不改）")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args(argv)
    warn_if_slow_blas_env()
    load_start = list(os.getloadavg())
    if args.threads is not None:
        set_blas_threads(args.threads)
    rows = scaling(args.repeats)
    big = big_net(args.repeats)
    if not args.no_json:
        path = write_json("gradcost.json", {
            "benchmark": "numerical gradient vs backpropagation cost, TwoLayerNet(2, H, 3)",
            "statistic": "min over repeats",
            "machine": machine_info(), "loadavg_start": load_start, "threads": args.threads,
            "batch": BATCH, "scaling": rows, "big": big,
        })
        print(f"已写出 {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
