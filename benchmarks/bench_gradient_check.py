"""``gradient_check`` 在大网络上的耗时：批 128 的 TwoLayerNet(256, 256, 10) 与 (784, 100, 10)。

``gradient_check`` 的文档说这两个网络各在 0.5 秒内查完；这里实测。同一进程里轮流计时三件事：
默认设置的 ``gradient_check``（每个数组抽 50 个坐标，大数组再加一个随机方向）、旧的默认
（每个数组抽 200 个坐标）、一次 ``forward``。后两者给出比例：检查花了多少次前向的时间。

运行：``.venv/bin/python benchmarks/bench_gradient_check.py``（``--json`` 写入
``benchmarks/results/gradient_check.json``）。
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np
from common import interleaved, machine_info, median, set_blas_threads, warn_if_slow_blas_env, write_json

from nnlearn.gradient import PASS_THRESHOLD, gradient_check
from nnlearn.models import TwoLayerNet

NETS = ((256, 256, 10), (784, 100, 10))
BATCH = 128
LIMIT_S = 0.5  # 文档里承诺的上限


def measure(sizes: tuple[int, int, int], repeats: int) -> dict[str, Any]:
    d, h, c = sizes
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, d))
    t = rng.integers(0, c, size=BATCH)
    net = TwoLayerNet(d, h, c, seed=0)
    errors: dict[str, float] = {}

    def check() -> None:
        errors.update(gradient_check(net, x, t=t))

    times = interleaved({
        "gradient_check": check,
        "max_coords=200": lambda: gradient_check(net, x, t=t, max_coords=200),
        "forward": lambda: net.forward(x, t),
    }, repeats=repeats, inner=1, warmup=1)
    check_s, old_s, fwd_s = (median(times[k]) for k in ("gradient_check", "max_coords=200", "forward"))
    evals = count_forwards(net, lambda: gradient_check(net, x, t=t))
    name = f"{d}-{h}-{c}"
    verdict = "达标" if check_s <= LIMIT_S else "超出"
    print(f"{name:>11} 批 {BATCH}: gradient_check {check_s:.3f} s（{verdict} ≤ {LIMIT_S} s，"
          f"最小 {min(times['gradient_check']):.3f} s），约 {check_s / fwd_s:.0f} 次前向；"
          f"旧默认 max_coords=200 {old_s:.3f} s（{old_s / check_s:.1f}×）；"
          f"最大误差 {max(errors.values()):.1e}（通过线 {PASS_THRESHOLD:g}）；"
          f"共 {evals} 次前向 × 最快一次前向 {min(times['forward']) * 1e3:.2f} ms "
          f"= {evals * min(times['forward']):.3f} s（不受负载影响的估计）")
    return {"network": name, "batch": BATCH, "gradient_check_s": check_s,
            "gradient_check_min_s": min(times["gradient_check"]), "max_coords_200_s": old_s,
            "forward_s": fwd_s, "ratio_to_forward": check_s / fwd_s, "forward_evaluations": evals,
            "estimate_s": evals * min(times["forward"]), "errors": errors}


def count_forwards(net: TwoLayerNet, run: Any) -> int:
    """``run()`` 里调用了几次 ``net.forward``：检查的代价就是这么多次前向。"""
    calls = 0
    forward = net.forward

    def counted(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return forward(*args)

    net.forward = counted  # type: ignore[method-assign]
    try:
        run()
    finally:
        del net.forward
    return calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="gradient_check 在大网络上的耗时")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="OpenBLAS 线程数（默认不改）")
    parser.add_argument("--json", action="store_true", help="写入 results/gradient_check.json")
    args = parser.parse_args(argv)
    warn_if_slow_blas_env()
    load_start = list(os.getloadavg())
    if args.threads is not None:
        set_blas_threads(args.threads)
    rows = [measure(sizes, args.repeats) for sizes in NETS]
    if args.json:
        path = write_json("gradient_check.json", {
            "benchmark": "gradient_check on TwoLayerNet, batch 128", "statistic": "median over repeats",
            "limit_s": LIMIT_S, "machine": machine_info(), "loadavg_start": load_start,
            "threads": args.threads, "rows": rows,
        })
        print(f"已写出 {path}")
    return 0 if all(r["gradient_check_s"] <= LIMIT_S for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
