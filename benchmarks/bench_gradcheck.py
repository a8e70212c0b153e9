"""求梯度的代价：数值梯度比反向传播慢多少，一次反向传播又相当于几次正向。

三组测量，都写进 ``benchmarks/results/gradcost.json``：

- ``scaling``：螺旋数据的 ``TwoLayerNet(2, H, 3)``（批 30），H 从 1 到 300。对全部参数做
  数值梯度（2P 次正向，P 是参数个数）与做一次反向传播（一次正向加一次反向）各要多久，
  以及分开计时的一次正向、一次反向。页面上“数值梯度慢多少倍”来自这里最大的 H。
- ``backward_forward``：一次反向 ÷ 一次正向的耗时之比，在从书中的 30×2-10-3 到
  1024×1024-1024-10 的几种规模、1 与 2 个 OpenBLAS 线程下各测一遍；每个规模再测一次
  “第一层也算 dx”（``input_grad=True``）。同时记下按矩阵乘法的乘加次数预计的比值：
  小网络的时间花在每次调用的 Python 开销上，比值远离预计；大网络的时间花在矩阵乘法上，
  比值接近预计。页面上“反向约是正向的几倍”都来自这一组（``hooks/figure_kit/results.py``）。
- ``big``：``gradient_check`` 在 784-100-10 网络上的耗时（每个数组只抽样一部分坐标）。

计时：同一进程里正向与反向轮流计时（``common.interleaved``），数值梯度重复几次；全部
组合再分几遍轮流测（``--passes``），一阵短暂的干扰只会落在某一遍上。都取最小值，它最接近
机器不受别的进程干扰时的耗时。默认 1 个 OpenBLAS 线程（在有别的进程的两核
机器上最稳定）；``backward_forward`` 自己再换成 2 线程测一遍。

运行：``bash benchmarks/run.sh gradcheck``（约一分钟）。
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from common import (
    calibrate,
    interleaved,
    machine_info,
    set_blas_threads,
    warn_if_slow_blas_env,
    write_json,
)

from nnlearn.datasets import load_spiral
from nnlearn.gradient import gradient_check, numerical_gradient
from nnlearn.models import TwoLayerNet

HIDDEN = (1, 3, 10, 30, 100, 300)
BATCH = 30
#: 一次反向 ÷ 一次正向 的规模：(批大小 N, 输入 D, 隐藏 H, 类别 C)
SIZES = ((30, 2, 10, 3), (30, 2, 300, 3), (32, 784, 100, 10), (128, 784, 100, 10),
         (1024, 1024, 1024, 10))
THREADS = (1, 2)


def best_time(fn: Callable[[], Any], repeats: int) -> float:
    """多次计时取最小值：机器上有别的进程时，最小值最接近不受干扰的耗时。"""
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
                     repeats: int) -> dict[str, float]:
    """一次正向、一次反向、两者连着做，轮流计时，各取各轮的最小值。

    反向可以连着调用多次：它只读正向留下的中间结果，每次算出的梯度都一样。
    """
    steps = {"forward": lambda: net.forward(x, t), "backward": net.backward,
             "backprop": lambda: backprop(net, x, t)}
    net.forward(x, t)
    inner = calibrate(lambda: backprop(net, x, t), target_s=0.02)
    times = interleaved(steps, repeats=repeats, inner=inner, gap_s=0.05)
    return {f"{name}_s": min(ts) for name, ts in times.items()}


def matmul_macs(n: int, d: int, h: int, c: int, input_grad: bool) -> tuple[int, int]:
    """正向与反向的矩阵乘法各有多少次乘加。

    正向：x·W1（N·D·H）与 h·W2（N·H·C）。反向：第二层的 dW2 与 dh（各 N·H·C），第一层的
    dW1（N·D·H），第一层也算 dx 时再加一次 N·D·H。
    """
    forward = n * d * h + n * h * c
    backward = n * d * h * (2 if input_grad else 1) + 2 * n * h * c
    return forward, backward


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    """几遍测量里每一项各取最小值。"""
    return {key: min(run[key] for run in runs) for key in runs[0]}


def scaling(repeats: int, passes: int) -> list[dict[str, Any]]:
    x, t = load_spiral()
    x, t = x[:BATCH], t[:BATCH]
    nets = {h: TwoLayerNet(2, h, 3, seed=0) for h in HIDDEN}
    fb_runs: dict[int, list[dict[str, float]]] = {h: [] for h in HIDDEN}
    num_runs: dict[int, list[float]] = {h: [] for h in HIDDEN}
    for _ in range(passes):  # 分几遍、各规模轮流测：一阵短暂的干扰只会落在某一遍上
        for h, net in nets.items():
            fb_runs[h].append(forward_backward(net, x, t, repeats))
            num_runs[h].append(best_time(lambda net=net: numerical(net, x, t), repeats))
    rows = []
    print(f"{'H':>5}{'P':>7}{'正向':>10}{'反向':>10}{'正+反':>10}{'数值梯度':>12}{'倍数':>8}"
          f"{'每次正向':>10}")
    for h, net in nets.items():
        n_params = sum(p.size for p in net.params)
        fb, num = _best(fb_runs[h]), min(num_runs[h])
        # 顺便确认两者一致：差距应在差分误差之内
        backprop(net, x, t)
        grads = [g.copy() for g in net.grads]
        diff = max(float(np.abs(a - b).max()) for a, b in
                   zip(grads, numerical(net, x, t), strict=True))
        per_forward = num / (2 * n_params)
        rows.append({"hidden": h, "params": n_params, **fb, "numerical_s": num,
                     "ratio": num / fb["backprop_s"], "numerical_per_forward_s": per_forward,
                     "backward_over_forward": fb["backward_s"] / fb["forward_s"],
                     "max_abs_diff": diff})
        print(f"{h:>5}{n_params:>7}{fb['forward_s'] * 1e6:>8.1f}µs{fb['backward_s'] * 1e6:>8.1f}µs"
              f"{fb['backprop_s'] * 1e6:>8.1f}µs{num * 1e3:>10.2f}ms{num / fb['backprop_s']:>8.0f}"
              f"{per_forward * 1e6:>8.1f}µs")
    return rows


def backward_forward(repeats: int, passes: int) -> list[dict[str, Any]]:
    """各规模、各线程数下一次反向 ÷ 一次正向；第一层算与不算 dx 各测一遍。"""
    data = {}
    for n, d, h, c in SIZES:
        rng = np.random.default_rng(0)
        data[(n, d, h, c)] = rng.standard_normal((n, d)), rng.integers(0, c, size=n)
    configs = [(threads, size, input_grad) for threads in THREADS for size in SIZES
               for input_grad in (False, True)]
    nets = {}
    for threads, size, input_grad in configs:
        net = TwoLayerNet(size[1], size[2], size[3], seed=0)
        net.layers[0].input_grad = input_grad  # TwoLayerNet 的第一层默认不算 dx
        nets[(threads, size, input_grad)] = net
    runs: dict[Any, list[dict[str, float]]] = {key: [] for key in configs}
    for _ in range(passes):  # 分几遍、各组合轮流测：一阵短暂的干扰只会落在某一遍上
        for key in configs:
            set_blas_threads(key[0])
            runs[key].append(forward_backward(nets[key], *data[key[1]], repeats))
    rows = []
    print(f"{'规模':>20}{'线程':>5}{'第一层 dx':>10}{'正向':>12}{'反向':>12}{'反向÷正向':>10}"
          f"{'按乘加预计':>10}")
    for threads, (n, d, h, c), input_grad in configs:
        fb = _best(runs[(threads, (n, d, h, c), input_grad)])
        fwd_macs, bwd_macs = matmul_macs(n, d, h, c, input_grad)
        label = f"{n}×{d}-{h}-{c}"
        rows.append({"label": label, "N": n, "D": d, "H": h, "C": c, "threads": threads,
                     "input_grad": input_grad, "forward_s": fb["forward_s"],
                     "backward_s": fb["backward_s"],
                     "backward_over_forward": fb["backward_s"] / fb["forward_s"],
                     "forward_macs": fwd_macs, "backward_macs": bwd_macs,
                     "macs_ratio": bwd_macs / fwd_macs})
        print(f"{label:>20}{threads:>5}{'算' if input_grad else '不算':>10}"
              f"{fb['forward_s'] * 1e6:>10.1f}µs{fb['backward_s'] * 1e6:>10.1f}µs"
              f"{fb['backward_s'] / fb['forward_s']:>10.2f}{bwd_macs / fwd_macs:>10.2f}")
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

    check_s = best_time(run, repeats)
    fb = forward_backward(net, x, t, repeats)
    estimate = 2 * n_params * fb["forward_s"]
    print(f"784-100-10（批 {n}，P={n_params}）：gradient_check {check_s:.3f} s，"
          f"最大相对误差 {max(errors.values()):.1e}；反向传播 {fb['backprop_s'] * 1e3:.2f} ms；"
          f"全部参数做数值梯度约需 {estimate:.0f} s（2P 次正向 × {fb['forward_s'] * 1e3:.2f} ms）")
    return {"network": "784-100-10", "batch": n, "params": n_params,
            "max_coords": _default_max_coords(), "gradient_check_s": check_s, "errors": errors,
            **fb, "backward_over_forward": fb["backward_s"] / fb["forward_s"],
            "numerical_full_estimate_s": estimate}


def _default_max_coords() -> int:
    """``gradient_check`` 每个数组默认抽几个坐标（从它的签名读，不在这里再写一遍）。"""
    import inspect

    return int(inspect.signature(gradient_check).parameters["max_coords"].default)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="数值梯度与反向传播的代价")
    parser.add_argument("--repeats", type=int, default=5, help="每一遍里每项计时几轮")
    parser.add_argument("--passes", type=int, default=3, help="全部规模测几遍（各取最小值）")
    parser.add_argument("--threads", type=int, default=1,
                        help="scaling 与 big 用的 OpenBLAS 线程数（默认 1）")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args(argv)
    warn_if_slow_blas_env()
    load_start = list(os.getloadavg())
    rows_fb = backward_forward(args.repeats, args.passes)
    set_blas_threads(args.threads)
    rows = scaling(args.repeats, args.passes)
    big = big_net(args.repeats * args.passes)
    if not args.no_json:
        path = write_json("gradcost.json", {
            "benchmark": "cost of gradients in TwoLayerNet: numerical gradient vs "
                         "backpropagation, and one backward vs one forward",
            "statistic": "min over repeats and passes (forward/backward: interleaved rounds)",
            "repeats": args.repeats, "passes": args.passes,
            "machine": machine_info(),
            "loadavg_start": load_start, "threads": args.threads,
            "batch": BATCH, "scaling": rows, "backward_forward": rows_fb, "big": big,
        })
        print(f"已写出 {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
