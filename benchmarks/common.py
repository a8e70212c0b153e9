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
import subprocess
import time
import warnings
from collections.abc import Callable, Mapping
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


def _cuda_version(v: int) -> str:
    """CUDA 把版本写成一个整数：13000 → "13.0"。"""
    return f"{v // 1000}.{v % 1000 // 10}"


def nvidia_smi() -> dict[str, str] | None:
    """``nvidia-smi`` 报告的型号、驱动版本、显存与最高时钟；没有这个命令时返回 None。"""
    fields = ("name", "driver_version", "memory.total", "clocks.max.sm", "power.limit")
    try:
        line = subprocess.run(
            ["nvidia-smi", f"--query-gpu={','.join(fields)}", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30, check=True).stdout.splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return None
    return dict(zip(fields, (v.strip() for v in line.split(",")), strict=False))


def gpu_info(cupy: Any) -> dict[str, Any]:
    """GPU 与 CUDA 的版本：CuPy 看到的设备属性、驱动与运行时版本，加上 nvidia-smi 的那一行。

    每一项单独取，取不到的记成 None：一次借来的 GPU 机器上，不能因为少一个字段丢掉整份结果。
    """
    rt = cupy.cuda.runtime
    info: dict[str, Any] = {"cupy": cupy.__version__}
    try:
        props = rt.getDeviceProperties(0)
        info["name"] = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
        info["compute_capability"] = f"{props.get('major')}.{props.get('minor')}"
        info["multiprocessors"] = props.get("multiProcessorCount")
        info["memory_gib"] = round(props.get("totalGlobalMem", 0) / 2**30, 1)
    except Exception as err:  # 记下原因，继续
        info["properties_error"] = repr(err)
    for key, fn in (("cuda_driver", rt.driverGetVersion), ("cuda_runtime", rt.runtimeGetVersion)):
        try:
            info[key] = _cuda_version(int(fn()))
        except Exception as err:
            info[key] = None
            info[f"{key}_error"] = repr(err)
    info["nvidia_smi"] = nvidia_smi()
    # CuPy 的 float32 矩阵乘法默认不用 TF32；设了 CUPY_TF32=1 才会用（那样就比 PyTorch 默认的快而不准）
    info["cupy_tf32_env"] = os.environ.get("CUPY_TF32")
    return info


def torch_gpu_info() -> dict[str, Any] | None:
    """PyTorch 的版本、它编译用的 CUDA，以及 float32 矩阵乘法是否允许 TF32（默认不允许）。"""
    try:
        import torch
    except ImportError:
        return None
    info: dict[str, Any] = {"version": torch.__version__, "cuda": torch.version.cuda,
                            "cuda_available": torch.cuda.is_available(),
                            "threads": torch.get_num_threads()}
    if info["cuda_available"]:
        info["device"] = torch.cuda.get_device_name(0)
        matmul = torch.backends.cuda.matmul
        with warnings.catch_warnings():  # 新版 PyTorch 读旧的 TF32 开关时会提醒改用 fp32_precision
            warnings.simplefilter("ignore")
            for key in ("fp32_precision", "allow_tf32", "allow_fp16_reduced_precision_reduction"):
                try:
                    info[f"matmul_{key}"] = getattr(matmul, key)
                except Exception as err:  # 没有这个开关的版本：记下原因
                    info[f"matmul_{key}"] = repr(err)
    return info


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


def interleaved(steps: dict[str, Callable[[], Any]], repeats: int, inner: int | Mapping[str, int],
                warmup: int = 3, gap_s: float = 0.15,
                sync: Callable[[], Any] | None = None) -> dict[str, list[float]]:
    """各实现轮流计时，返回每个实现每一轮的"每步秒数"。

    每次计时前先停 ``gap_s`` 秒：OpenBLAS 与 PyTorch 的 OpenMP 线程在一次调用之后都会
    空转等待一段时间（OpenBLAS 约 0.1 s）。在只有两个核的机器上，上一个实现留下的空转线程
    会和下一个实现抢核，让它慢上好几倍；停一下，它们就睡下了。

    ``inner`` 可以按实现分别给（``{名字: 步数}``），快慢悬殊时每次计时都不至于太短或太长。
    ``sync`` 在每次读计时器之前调用：GPU 的调用是异步的，要等设备把排队的活干完再读表。
    """
    counts = {name: inner[name] if isinstance(inner, Mapping) else inner for name in steps}
    wait = sync or (lambda: None)
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
                step, n = steps[name], counts[name]
                time.sleep(gap_s)
                wait()
                start = time.perf_counter()
                for _ in range(n):
                    step()
                wait()
                times[name].append((time.perf_counter() - start) / n)
    finally:
        if gc_was_enabled:
            gc.enable()
    return times


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def write_json(name: str, payload: dict[str, Any], out: str | Path | None = None) -> Path:
    """写到 ``results/<name>``；给了 ``out``（文件路径）就写到那里。"""
    path = Path(out) if out is not None else RESULTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
