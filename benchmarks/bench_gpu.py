"""GPU 上的一步训练：nnlearn（经 ``nnlearn.backend`` 放到 CuPy 上）对比 CuPy 下限与 CPU 上的 nnlearn。

没有 CuPy 或没有 GPU 时打印原因并以退出码 0 结束（本项目的开发机没有 GPU）。
运行：``bash benchmarks/run.sh gpu``；结果写入 ``benchmarks/results/gpu.json``。
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_step import SIZES, check_same_losses, floor_step, nnlearn_step, problem
from common import calibrate, interleaved, machine_info, median, write_json

from nnlearn.backend import gpu_available

EXTRA_SIZES = [(4096, 4096, 4096, 10)]  # GPU 的优势在大矩阵上才明显


def synced(step: Callable[[], float], cupy: Any) -> Callable[[], float]:
    """GPU 调用是异步的：计时要等设备算完。"""
    def run() -> float:
        loss = step()
        cupy.cuda.Device().synchronize()
        return loss

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="GPU（CuPy）上的一步训练耗时")
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float32")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args(argv)
    if not gpu_available():
        print("跳过：没有可用的 CuPy 或 GPU（pip install 'nnlearn[gpu]'，并需要 NVIDIA GPU）")
        return 0
    import cupy

    dtype = np.dtype(args.dtype)
    sizes = [s for s, _ in SIZES] + EXTRA_SIZES
    results = []
    print(f"dtype={dtype}，GPU：{cupy.cuda.runtime.getDeviceProperties(0)['name'].decode()}")
    print(f"{'规模 N×D-H-C':<22}{'nnlearn GPU':>13}{'floor GPU':>13}{'nnlearn CPU':>13}"
          f"{'GPU/floor':>11}{'CPU/GPU':>9}")
    for n, d, h, c in sizes:
        p = problem(n, d, h, c, dtype)
        steps = {
            "nnlearn_gpu": synced(nnlearn_step(p, xp=cupy), cupy),
            "floor": synced(floor_step(p, xp=cupy), cupy),
            "nnlearn_cpu": nnlearn_step(p),
        }
        check_same_losses(steps)
        inner = calibrate(steps["nnlearn_gpu"])
        times = interleaved(steps, repeats=args.repeats, inner=inner)
        med = {k: median(v) for k, v in times.items()}
        row = {"label": f"{n}×{d}-{h}-{c}", "size": {"N": n, "D": d, "H": h, "C": c},
               "inner": inner, "median_s": med, "ratio_floor": med["nnlearn_gpu"] / med["floor"],
               "speedup_vs_cpu": med["nnlearn_cpu"] / med["nnlearn_gpu"]}
        results.append(row)
        print(f"{row['label']:<22}{med['nnlearn_gpu'] * 1e6:11.1f}µs{med['floor'] * 1e6:11.1f}µs"
              f"{med['nnlearn_cpu'] * 1e6:11.1f}µs{row['ratio_floor']:11.2f}"
              f"{row['speedup_vs_cpu']:9.1f}")
    if not args.no_json:
        path = write_json("gpu.json", {
            "benchmark": "one training step of TwoLayerNet on GPU via CuPy",
            "machine": machine_info(), "cupy": cupy.__version__, "dtype": str(dtype),
            "repeats": args.repeats, "results": results,
        })
        print(f"已写出 {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
