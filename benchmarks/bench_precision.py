"""三种精度（float64 / float32 / float16）在 CPU 上的速度：训练一轮，和一次 256×256 矩阵乘法。

运行：``bash benchmarks/run.sh precision``（会去掉让 OpenBLAS 变慢的环境变量）。
结果写入 ``benchmarks/results/precision.json``，§1.5 的页面（``hooks/figure_specs/speedup.py``）
只读这个文件，构建时不计时：计时在忙碌的两核机器上会差出几十倍，同一份页面的表格和文字
就可能自相矛盾。内存、损失与准确率只与代码有关，仍由构建时的代码算出。

- 训练一轮：书中 §1.4 的设置（``TrainConfig`` 的默认值，只换 ``dtype``），``Trainer.fit``
  训练 1 轮（300 个样本、批 30，即 10 次迭代），模型接着上一次的参数往下训练。
- 矩阵乘法：两个 256×256 的标准正态矩阵相乘（``a @ b``）。

三种精度在同一进程里轮流计时（每一轮换一次先后），一次计时连续做若干次，让它持续约 0.05 秒
以上（CPU 上的 float16 矩阵乘法一次就超过这个时间），报告各轮的中位数，也记录最小值。
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from common import calibrate, interleaved, machine_info, median, set_blas_threads, warn_if_slow_blas_env, write_json

from nnlearn.datasets import load_spiral
from nnlearn.recipe import DTYPES, TrainConfig, build

MATMUL_N = 256


def epoch_step(dtype: str) -> Callable[[], Any]:
    """按书中的设置训练 1 轮（接着上一次的参数）。"""
    x, t = load_spiral()
    config = TrainConfig(dtype=dtype)
    trainer = build(config, x, t)
    iters = len(x) // config.batch_size

    def step() -> Any:
        return trainer.fit(x, t, max_epoch=1, batch_size=config.batch_size,
                           eval_interval=iters, verbose=False)

    return step


def matmul_step(dtype: str, n: int = MATMUL_N) -> Callable[[], Any]:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    return lambda: a @ b


def repeated(step: Callable[[], Any], count: int) -> Callable[[], None]:
    """把 ``step`` 连做 ``count`` 次当作一步：快的运算一次计时也能持续足够久。"""
    def run() -> None:
        for _ in range(count):
            step()
    return run


def timed(steps: dict[str, Callable[[], Any]], repeats: int,
          target_s: float = 0.05) -> dict[str, dict[str, Any]]:
    """各 dtype 轮流计时；每个 dtype 各自连做 ``count`` 次，使一次计时约 ``target_s`` 秒。"""
    counts = {name: calibrate(step, target_s=target_s) for name, step in steps.items()}
    times = interleaved({name: repeated(step, counts[name]) for name, step in steps.items()},
                        repeats=repeats, inner=1, warmup=1)
    return {name: {"median_s": median(ts) / counts[name], "min_s": min(ts) / counts[name],
                   "per_timing": counts[name], "all_s": [v / counts[name] for v in ts]}
            for name, ts in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="三种精度训练一轮与 256×256 矩阵乘法的耗时")
    parser.add_argument("--repeats", type=int, default=21, help="交替计时的轮数（取中位数）")
    parser.add_argument("--threads", type=int, default=1,
                        help="OpenBLAS 的线程数（默认 1：比的是一个核上的 SIMD 宽度，"
                             "也不受别的进程抢核的影响）")
    parser.add_argument("--no-json", action="store_true", help="只打印，不写 results/precision.json")
    args = parser.parse_args(argv)
    warn_if_slow_blas_env()
    load_start = list(os.getloadavg())
    if not set_blas_threads(args.threads):
        print("注意：找不到 OpenBLAS 的 set_num_threads，线程数没改")
    started = time.perf_counter()
    epoch = timed({name: epoch_step(name) for name in DTYPES}, args.repeats)
    matmul = timed({name: matmul_step(name) for name in DTYPES}, args.repeats)
    base_e, base_m = epoch["float64"]["median_s"], matmul["float64"]["median_s"]
    print(f"每项是 {args.repeats} 轮交替计时的中位数；括号里是除以 float64 的耗时比")
    print(f"{'dtype':<9}{'训练一轮':>16}{f'{MATMUL_N}×{MATMUL_N} 矩阵乘法':>26}")
    for name in DTYPES:
        e, m = epoch[name]["median_s"], matmul[name]["median_s"]
        print(f"{name:<9}{e * 1e3:9.2f} ms（{e / base_e:5.2f}）{m * 1e3:12.3f} ms（{m / base_m:7.2f}）")
    print(f"用时 {time.perf_counter() - started:.0f} 秒")
    if not args.no_json:
        path = write_json("precision.json", {
            "benchmark": "CPU speed of float64/float32/float16: one training epoch (book setting) "
                         f"and one {MATMUL_N}x{MATMUL_N} matrix product",
            "machine": machine_info(),
            "repeats": args.repeats,
            "threads": args.threads,
            "loadavg_start": load_start,
            "epoch": {"config": "TrainConfig() defaults, 1 epoch = 10 iterations of batch 30",
                      **{name: epoch[name] for name in DTYPES}},
            "matmul": {"n": MATMUL_N, **{name: matmul[name] for name in DTYPES}},
            "results": [{"dtype": name, "epoch_s": epoch[name]["median_s"],
                         "matmul_s": matmul[name]["median_s"]} for name in DTYPES],
        })
        print(f"已写出 {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
