"""``cross_entropy_error`` 的输入检查要花多少：与不做检查的裸公式并排计时（同一进程，交替计时）。

运行：``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_validation.py``。
结果写入 ``benchmarks/results/validation.json``。

- nnlearn：``cross_entropy_error(y, t)``，检查 ``y`` 是概率分布（两遍：最小值、行和）与标签（两次归约）；
- 裸公式：``-log(y[arange(N), t]).sum() / N``，只读 N 个元素，不看 ``y`` 的其余部分；
- 读一遍 / 读两遍：``y.sum(axis=-1)``、``y.min()`` 加 ``y.sum(axis=-1)``——任何完整检查都得把 ``y``
  至少读一遍，这两项是检查本身的物理下限，用来判断剩下的开销是不是 Python 层面的。
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

import numpy as np
from common import calibrate, interleaved, machine_info, median, warn_if_slow_blas_env, write_json

from nnlearn.functions import cross_entropy_error

SIZES = [(4096, 1000), (128, 10)]
TARGET = 10.0  # issue 9：nnlearn ≤ 10 × 裸公式


def problem(n: int, c: int, seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    y = rng.random((n, c))
    y /= y.sum(axis=1, keepdims=True)
    return y, rng.integers(0, c, size=n)


def steps(y: Any, t: Any) -> dict[str, Callable[[], Any]]:
    n = len(y)
    return {
        "nnlearn": lambda: cross_entropy_error(y, t),
        "bare": lambda: float(-np.log(y[np.arange(n), t]).sum() / n),
        "one_pass": lambda: y.sum(axis=-1),
        "two_passes": lambda: (y.min(), y.sum(axis=-1)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cross_entropy_error 的检查开销")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args(argv)
    warn_if_slow_blas_env()
    load_start = list(os.getloadavg())
    rows = []
    print(f"{'形状':<14}{'nnlearn':>11}{'裸公式':>10}{'读一遍':>10}{'读两遍':>10}"
          f"{'nn/裸':>9}{'目标':>6}{'nn/读两遍':>11}")
    for n, c in SIZES:
        y, t = problem(n, c)
        fns = steps(y, t)
        assert abs(fns["nnlearn"]() - fns["bare"]()) < 1e-12  # 两者算的是同一个数
        times = interleaved(fns, repeats=args.repeats, inner=calibrate(fns["nnlearn"]), gap_s=0.02)
        med = {k: median(v) for k, v in times.items()}
        row = {
            "shape": [n, c],
            "median_s": med,
            "min_s": {k: min(v) for k, v in times.items()},
            "ratio_bare": med["nnlearn"] / med["bare"],
            "ratio_two_passes": med["nnlearn"] / med["two_passes"],
            "ratio_one_pass": med["nnlearn"] / med["one_pass"],
            "target_bare": TARGET,
        }
        rows.append(row)
        us = {k: f"{v * 1e6:8.1f}µs" for k, v in med.items()}
        print(f"{f'({n}, {c})':<14}{us['nnlearn']:>11}{us['bare']:>11}{us['one_pass']:>11}"
              f"{us['two_passes']:>11}{row['ratio_bare']:8.1f}×{TARGET:5.0f}×"
              f"{row['ratio_two_passes']:10.2f}×")
    if not args.no_json:
        path = write_json("validation.json", {
            "benchmark": "cross_entropy_error validation vs the bare indexed formula",
            "machine": machine_info(),
            "loadavg_start": load_start,
            "repeats": args.repeats,
            "results": rows,
        })
        print(f"已写出 {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
