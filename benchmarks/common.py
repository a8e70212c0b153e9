"""基准测试的公共部分：机器信息、BLAS 内核、交替计时。

计时规则：同一进程里各实现轮流跑（每一轮都换一下先后次序），每次计时连续跑 ``inner`` 步
取平均，最后取各轮的中位数。这样机器负载的起伏会平均地落到每个实现头上。
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import glob
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def openblas_info() -> dict[str, Any]:
    """NumPy 自带的 OpenBLAS 实际用的内核（不依赖 threadpoolctl）。"""
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*.so*"))
    info: dict[str, Any] = {"library": os.path.basename(libs[0]) if libs else None}
    if not libs:
        return info
    lib = ctypes.CDLL(libs[0])
    for key, names in {
        "corename": ("scipy_openblas_get_corename64_", "openblas_get_corename64_",
                     "openblas_get_corename"),
        "config": ("scipy_openblas_get_config64_", "openblas_get_config64_", "openblas_get_config"),
    }.items():
        for name in names:
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                info[key] = fn().decode()
                break
    for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                 "openblas_get_num_threads"):
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.restype = ctypes.c_int
            info["threads"] = fn()
            break
    return info


def _openblas_lib() -> Any:
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*.so*"))
    return ctypes.CDLL(libs[0]) if libs else None


def set_blas_threads(n: int) -> bool:
    """设置 NumPy 自带 OpenBLAS 的线程数；找不到对应函数时返回 False。"""
    lib = _openblas_lib()
    for name in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                 "openblas_set_num_threads"):
        fn = getattr(lib, name, None) if lib is not None else None
        if fn is not None:
            fn.argtypes = [ctypes.c_int]
            fn(n)
            return True
    return False


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": openblas_info(),
        "env": {k: os.environ[k] for k in BLAS_ENV if k in os.environ},
        "loadavg": list(os.getloadavg()),
    }


def warn_if_slow_blas_env() -> None:
    """OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE 会让新版 NumPy 变慢：基准时应在命令里去掉它们。"""
    load = os.getloadavg()[0]
    if load > 1.0:
        print(f"注意：机器正忙（1 分钟平均负载 {load:.1f}，{os.cpu_count()} 个核），耗时会偏大、"
              "波动也大；多线程的 BLAS 受影响最重。请在空闲时运行，或加 --threads 1 对比。")
    present = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ]
    if present:
        print(f"注意：环境里设置了 {', '.join(present)}，OpenBLAS 可能没用最快的内核；"
              "请用 benchmarks/run.sh（它会去掉这两个变量）运行。")


def calibrate(step: Callable[[], Any], target_s: float = 0.05, max_inner: int = 2000) -> int:
    """选一个 ``inner``，让一次计时大约持续 ``target_s`` 秒。"""
    step()
    start = time.perf_counter()
    step()
    one = max(time.perf_counter() - start, 1e-7)
    return max(1, min(max_inner, round(target_s / one)))


def interleaved(steps: dict[str, Callable[[], Any]], repeats: int, inner: int,
                warmup: int = 3, gap_s: float = 0.15) -> dict[str, list[float]]:
    """各实现轮流计时，返回每个实现每一轮的"每步秒数"。

    每次计时前先停 ``gap_s`` 秒：OpenBLAS 与 PyTorch 的 OpenMP 线程在一次调用之后都会
    空转等待一段时间（OpenBLAS 约 0.1 s）。在只有两个核的机器上，上一个实现留下的空转线程
    会和下一个实现抢核，让它慢上好几倍；停一下，它们就睡下了。
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    names = list(steps)
    times: dict[str, list[float]] = {n: [] for n in names}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(repeats):
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                step = steps[name]
                time.sleep(gap_s)
                start = time.perf_counter()
                for _ in range(inner):
                    step()
                times[name].append((time.perf_counter() - start) / inner)
    finally:
        if gc_was_enabled:
            gc.enable()
    return times


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def write_json(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
