"""GPU 上的一步训练，在同一进程里并排计时：

- ``nnlearn_gpu``：教程里的 ``TwoLayerNet`` + ``SGD``，经 ``nnlearn.backend.model_to_device`` 放到 CuPy 上；
- ``floor``：同样的数学用裸 CuPy 写成一个函数（``bench_step.floor_step(xp=cupy)``），nnlearn 的下限；
- ``torch_gpu``：同一步在同一块 GPU 上用 PyTorch 写（``nn.Linear``/``nn.Sigmoid`` + ``F.cross_entropy``
  + ``torch.optim.SGD``），同样的初始权重和数据——用户不用 nnlearn 时会选的东西；
- ``matmul``：只有一步里的五次矩阵乘法；
- ``nnlearn_cpu``：CPU 上的 nnlearn（float16 不测：CPU 没有半精度矩阵乘法，大矩阵要算几分钟）。

另有这块卡在每种 dtype 下的矩阵乘法峰值（一次大的 ``cupy.matmul``，TFLOP/s），由它算出"这一步的矩阵
乘法按峰值要多久"（``ideal_matmul_s``）；以及书中设置的螺旋数据训练（隐藏层 10、批 30、学习率 1、300 轮），
在 GPU 上用 float16、float32、float64 各训练一次，最终损失与 float64 比较。

计时前先让每个实现走 3 步，确认损失与 nnlearn 一致（记录在 ``losses``、``loss_rel_diff``）；每次读计时器
之前都同步设备（``cupy.cuda.Device().synchronize()``、``torch.cuda.synchronize()``）。

运行：``bash benchmarks/run.sh gpu``（没有 GPU 时说明原因并以退出码 0 结束），结果写入
``benchmarks/results/gpu.json``；在借来的 GPU 机器上由 ``benchmarks/gpu_session.sh`` 调用（``--out``）。
``--device cpu --quick``：同样的代码在 CPU 上（NumPy 与 PyTorch CPU）以很小的规模跑一遍，用来在没有 GPU
的机器上检查各实现算的是同一件事；它不写 ``results/gpu.json``。
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from bench_step import LR, SIZES, floor_step, matmul_step, nnlearn_step, problem, torch_step
from common import calibrate, gpu_info, interleaved, machine_info, median, torch_gpu_info, write_json

from nnlearn.backend import gpu_available, model_to_device, to_device

Size = tuple[int, int, int, int]
LARGE: Size = (8192, 4096, 4096, 10)
FULL_SIZES: list[Size] = [s for s, _ in SIZES] + [LARGE]
FLOAT16_SIZES: list[Size] = [(1024, 1024, 1024, 10), LARGE]  # 半精度只在大矩阵上有意义
QUICK_SIZES: list[Size] = [(30, 2, 10, 3), (64, 48, 32, 10)]  # --quick：CPU 上几秒跑完
#: 与 PyTorch 比较的目标（issue 19）
TARGETS = {"large_float32_time_vs_torch_max": 1.10, "float16_throughput_vs_torch_min": 0.8}
#: 计时前各实现前 3 步的损失与 nnlearn 的相对差上限
LOSS_RTOL = {"float64": 1e-9, "float32": 1e-4, "float16": 2e-2}
CHECK_STEPS = 3


@dataclass
class Device:
    """在哪儿算：``cuda``（CuPy + PyTorch CUDA）或 ``cpu``（NumPy + PyTorch CPU）。"""

    name: str
    xp: Any
    torch_device: str | None  # None：没有可用的 PyTorch
    torch_note: str = ""

    @property
    def tag(self) -> str:
        return "gpu" if self.name == "cuda" else "cpu"

    def sync(self) -> None:
        """等设备把排队的活干完；CuPy 的同步是整个设备的，PyTorch 的再同步一次也不多。"""
        if self.name != "cuda":
            return
        self.xp.cuda.Device().synchronize()
        if self.torch_device is not None:
            import torch

            torch.cuda.synchronize()

    def free(self) -> None:
        """两个规模之间把两个库缓存的显存都还回去，免得大规模时互相挤占。"""
        if self.name != "cuda":
            return
        self.xp.get_default_memory_pool().free_all_blocks()
        if self.torch_device is not None:
            import torch

            torch.cuda.empty_cache()


def make_device(name: str) -> Device | str:
    """返回 ``Device``；这台机器做不到时返回原因（字符串）。"""
    if name == "cuda":
        if not gpu_available():
            return "没有可用的 CuPy 或 GPU（pip install 'nnlearn[gpu]'，并需要 NVIDIA GPU）"
        import cupy

        xp: Any = cupy
    else:
        xp = np
    try:
        import torch
    except ImportError:
        return Device(name, xp, None, "未安装 PyTorch（pip install 'nnlearn[bench]'）：不与 PyTorch 比较")
    if name == "cuda" and not torch.cuda.is_available():
        return Device(name, xp, None, f"PyTorch {torch.__version__} 看不到 CUDA：不与 PyTorch 比较")
    torch.manual_seed(0)
    return Device(name, xp, name)


def step_flops(n: int, d: int, h: int, c: int) -> int:
    """一步里五次矩阵乘法的浮点运算数：前向 x·W1、h·W2，反向 hᵀ·ds、ds·W2ᵀ、xᵀ·dh（不算输入梯度）。"""
    return 4 * n * d * h + 6 * n * h * c


def synced(step: Callable[[], float], dev: Device) -> Callable[[], float]:
    """只做矩阵乘法的那一步不读损失，设备不会自己停下来等：每步之后同步一次。"""
    def run() -> float:
        out = step()
        dev.sync()
        return out

    return run


def build_steps(p: dict[str, Any], dev: Device, *, with_cpu: bool) -> dict[str, Callable[[], float]]:
    """同一份问题 ``p`` 的各个实现；键名带设备（``nnlearn_gpu``、``torch_cpu``……）。"""
    steps: dict[str, Callable[[], float]] = {
        f"nnlearn_{dev.tag}": nnlearn_step(p, xp=dev.xp),
        "floor": floor_step(p, xp=dev.xp),
    }
    if dev.torch_device is not None:
        ts = torch_step(p, device=dev.torch_device)
        if ts is not None:
            steps[f"torch_{dev.tag}"] = ts
    steps["matmul"] = synced(matmul_step(p, xp=dev.xp), dev)
    if with_cpu and dev.tag != "cpu":
        steps["nnlearn_cpu"] = nnlearn_step(p)
    return steps


def first_losses(steps: dict[str, Callable[[], float]], n_steps: int = CHECK_STEPS) -> dict[str, list[float]]:
    """每个实现（只做矩阵乘法的除外）前 ``n_steps`` 步的损失。"""
    return {name: [float(step()) for _ in range(n_steps)] for name, step in steps.items() if name != "matmul"}


def loss_agreement(losses: dict[str, list[float]], ref: str) -> dict[str, float]:
    """各实现的损失与 ``ref`` 的最大相对差。"""
    base = np.asarray(losses[ref])
    return {name: float(np.max(np.abs(np.asarray(v) - base) / np.abs(base))) for name, v in losses.items()}


def peak_matmul(dev: Device, dtype: np.dtype, n: int, repeats: int) -> dict[str, Any]:
    """一次 n×n 乘 n×n 的 ``xp.matmul`` 的中位耗时与 TFLOP/s：这块卡在这个 dtype 下的矩阵乘法峰值。

    输入是随机数，不是 0（全 0 的矩阵乘法会快一截，见 METHOD.md）；输出预先分配，不算分配的时间。
    """
    rng = np.random.default_rng(0)
    a = dev.xp.asarray(rng.standard_normal((n, n), dtype=np.float32).astype(dtype))
    b = dev.xp.asarray(rng.standard_normal((n, n), dtype=np.float32).astype(dtype))
    c = dev.xp.empty((n, n), dtype=dtype)

    def product() -> float:
        dev.xp.matmul(a, b, out=c)
        return 0.0

    step = synced(product, dev)
    inner = calibrate(step, target_s=0.05)
    med = median(interleaved({"matmul": step}, repeats=repeats, inner=inner, gap_s=0.0, sync=dev.sync)["matmul"])
    flops = 2 * n**3
    return {"n": n, "inner": inner, "median_s": med, "tflops": flops / med / 1e12}


@dataclass
class Bench:
    """一次运行的全部状态：设置、截止时间、已得到的结果；每完成一段就写一次 JSON。"""

    dev: Device
    repeats: int
    budget_s: float
    out: Path | None
    quick: bool
    started: float = field(default_factory=time.monotonic)
    payload: dict[str, Any] = field(default_factory=dict)

    def time_left(self) -> float:
        return self.budget_s - (time.monotonic() - self.started)

    def save(self, complete: bool = False) -> None:
        self.payload["elapsed_s"] = round(time.monotonic() - self.started, 1)
        self.payload["complete"] = complete
        if self.out is not None:
            write_json(self.out.name, self.payload, out=self.out)

    def error(self, section: str, err: BaseException) -> None:
        """一段出错：记下来、打印完整的 traceback，接着跑下一段（GPU 机器只借得到一次）。"""
        traceback.print_exc()
        self.payload["errors"].append({"section": section, "error": repr(err),
                                       "traceback": traceback.format_exc(limit=6)[-2000:]})

    def row(self, size: Size, dtype: np.dtype, peak_tflops: float | None, with_cpu: bool) -> dict[str, Any]:
        n, d, h, c = size
        p = problem(n, d, h, c, dtype)
        steps = build_steps(p, self.dev, with_cpu=with_cpu)
        nn_key, torch_key = f"nnlearn_{self.dev.tag}", f"torch_{self.dev.tag}"
        losses = first_losses(steps)
        diffs = loss_agreement(losses, nn_key)
        target_s = 0.005 if self.quick else 0.05
        inner = {name: calibrate(step, target_s=target_s) for name, step in steps.items()}
        times = interleaved(steps, repeats=self.repeats, inner=inner, warmup=1 if self.quick else 3,
                            gap_s=0.0 if self.quick else 0.05, sync=self.dev.sync)
        med = {k: median(v) for k, v in times.items()}
        flops = step_flops(n, d, h, c)
        ideal = flops / (peak_tflops * 1e12) if peak_tflops else None
        nn = med[nn_key]
        row: dict[str, Any] = {
            "dtype": str(dtype), "label": f"{n}×{d}-{h}-{c}", "size": {"N": n, "D": d, "H": h, "C": c},
            "step_flops": flops, "inner": inner, "median_s": med,
            "min_s": {k: min(v) for k, v in times.items()}, "all_s": times,
            "losses": losses, "loss_rel_diff": diffs,
            "losses_agree": all(v <= LOSS_RTOL[str(dtype)] for v in diffs.values()),
            "ratio_floor": nn / med["floor"], "ratio_matmul": nn / med["matmul"],
            "ideal_matmul_s": ideal, "ratio_ideal": nn / ideal if ideal else None,
            "matmul_ratio_ideal": med["matmul"] / ideal if ideal else None,
            "ratio_torch": nn / med[torch_key] if torch_key in med else None,
            "throughput_vs_torch": med[torch_key] / nn if torch_key in med else None,
            "torch_ratio_ideal": med[torch_key] / ideal if ideal and torch_key in med else None,
            "speedup_vs_cpu": med["nnlearn_cpu"] / nn if with_cpu and self.dev.tag != "cpu" else None,
        }
        del steps, p
        self.dev.free()
        return row

    def sizes(self, dtype: np.dtype) -> list[Size]:
        if self.quick:
            return QUICK_SIZES if dtype != np.float16 else QUICK_SIZES[-1:]
        return FLOAT16_SIZES if dtype == np.float16 else FULL_SIZES

    def run_dtype(self, dtype: np.dtype) -> None:
        key = "results" if dtype == np.float32 else f"results_{dtype}"
        rows = self.payload.setdefault(key, [])
        peak = (self.payload["peak_matmul"].get(str(dtype)) or {}).get("tflops")
        for size in self.sizes(dtype):
            label = f"{dtype} {'×'.join(map(str, size[:2]))}-{size[2]}-{size[3]}"
            if self.time_left() <= 0:
                self.payload["skipped"].append(f"{label}：超出时间预算 {self.budget_s:g} s")
                continue
            # CPU 上的 nnlearn：float16 不测（没有半精度矩阵乘法）；float64 的最大规模一步要一两秒，也不测
            with_cpu = dtype == np.float32 or (dtype == np.float64 and size != LARGE)
            try:
                row = self.row(size, dtype, peak, with_cpu=with_cpu)
            except Exception as err:
                self.error(label, err)
                gc.collect()  # 出错（比如显存不够）时留下的数组也还回去，免得连累下一个规模
                self.dev.free()
                continue
            rows.append(row)
            print_row(row, self.dev.tag)
            self.save()

    def run_peaks(self) -> None:
        n = 256 if self.quick else 8192
        for dtype in (np.float64, np.float32, np.float16):
            try:
                peak = peak_matmul(self.dev, np.dtype(dtype), n, repeats=3 if self.quick else 7)
            except Exception as err:
                self.error(f"peak {np.dtype(dtype)}", err)
                continue
            self.payload["peak_matmul"][np.dtype(dtype).name] = peak
            print(f"矩阵乘法峰值 {np.dtype(dtype).name:<8} {n}³：{peak['median_s'] * 1e3:8.3f} ms，"
                  f"{peak['tflops']:8.2f} TFLOP/s")
            self.save()
        self.dev.free()

    def run_spiral(self) -> None:
        if self.time_left() <= 0:
            self.payload["skipped"].append(f"螺旋数据训练：超出时间预算 {self.budget_s:g} s")
            return
        try:
            self.payload["spiral"] = spiral(self.dev, epochs=20 if self.quick else 300)
        except Exception as err:
            self.error("spiral", err)
            return
        s = self.payload["spiral"]
        for name, r in s["runs"].items():
            print(f"螺旋数据 {name:<13} 最终损失 {r.get('final_loss', float('nan')):.6f}  "
                  f"准确率 {r.get('accuracy', float('nan')):.3f}  {r.get('seconds', float('nan')):.2f} s"
                  + (f"  出错：{r['error']}" if "error" in r else ""))
        self.save()


def spiral(dev: Device, *, epochs: int) -> dict[str, Any]:
    """书中设置（``TrainConfig`` 的默认值：隐藏层 10、SGD 学习率 1、批 30）在 ``dev`` 上训练螺旋数据。

    float16、float32、float64 各一次；在 GPU 上时再在 CPU 上用 float64 训练一次作参照。
    """
    from nnlearn.datasets import load_spiral
    from nnlearn.recipe import TrainConfig, build
    from nnlearn.trainer import TrainingDivergedError

    x, t = load_spiral()
    plan = [(dt, dev.tag) for dt in ("float16", "float32", "float64")]
    if dev.tag != "cpu":
        plan.append(("float64", "cpu"))
    runs: dict[str, dict[str, Any]] = {}

    def prepared(config: TrainConfig, device_name: str) -> tuple[Any, Any, Any]:
        trainer = build(config, x, t)  # SGD 没有状态：先建优化器、再搬模型也不要紧
        model_to_device(trainer.model, device_name)
        return trainer, to_device(x, device_name), to_device(t, device_name)

    def fit(trainer: Any, config: TrainConfig, xd: Any, td: Any) -> None:
        trainer.fit(xd, td, max_epoch=config.epochs, batch_size=config.batch_size,
                    eval_interval=max(len(x) // config.batch_size, 1), verbose=False)

    for dtype, where in plan:
        device_name = "gpu" if where == "gpu" else "cpu"
        warm = TrainConfig(epochs=1, dtype=dtype)  # 预热一轮：GPU 内核的编译、载入不算进训练时间
        warm_trainer, warm_x, warm_t = prepared(warm, device_name)
        fit(warm_trainer, warm, warm_x, warm_t)
        config = TrainConfig(epochs=epochs, dtype=dtype)
        trainer, xd, td = prepared(config, device_name)
        run: dict[str, Any] = {}
        dev.sync()
        start = time.perf_counter()
        try:
            fit(trainer, config, xd, td)
            dev.sync()
            run["seconds"] = time.perf_counter() - start
            run["accuracy"] = float(trainer.model.accuracy(xd, td))
        except TrainingDivergedError as err:
            run["error"] = str(err)
        run["loss_list"] = trainer.loss_list
        if trainer.loss_list:
            run["final_loss"] = trainer.loss_list[-1]
        runs[f"{dtype}_{where}"] = run
    ref = runs[f"float64_{dev.tag}"]["loss_list"]
    compare = {}
    for name, run in runs.items():
        if len(run["loss_list"]) == len(ref):
            rel = np.abs(np.asarray(run["loss_list"]) - ref) / np.abs(ref)
            compare[name] = {"final_rel_diff": float(rel[-1]), "max_rel_diff": float(rel.max())}
    return {"settings": {k: getattr(config, k) for k in ("hidden_size", "lr", "optimizer", "epochs",
                                                          "batch_size", "seed")},
            "reference": f"float64_{dev.tag}", "vs_float64": compare, "runs": runs}


def print_row(row: dict[str, Any], tag: str) -> None:
    med = row["median_s"]

    def us(key: str) -> str:
        return f"{med[key] * 1e6:11.1f}" if key in med and (key != "nnlearn_cpu" or tag != "cpu") else f"{'—':>11}"

    def ratio(key: str) -> str:
        return f"{row[key]:9.2f}" if row.get(key) is not None else f"{'—':>9}"

    agree = "" if row["losses_agree"] else "  ⚠ 损失不一致：" + str(row["loss_rel_diff"])
    print(f"{row['dtype']:<8}{row['label']:<20}{us(f'nnlearn_{tag}')}{us('floor')}{us(f'torch_{tag}')}"
          f"{us('matmul')}{us('nnlearn_cpu')}{ratio('ratio_torch')}{ratio('ratio_floor')}"
          f"{ratio('ratio_ideal')}{ratio('speedup_vs_cpu')}{agree}")
    sys.stdout.flush()


def header(tag: str) -> str:
    return (f"{'dtype':<8}{'规模 N×D-H-C':<18}{'nnlearn':>11}{'floor':>11}{'torch':>11}{'matmul':>11}"
            f"{'nn CPU':>11}{'nn/torch':>9}{'nn/floor':>9}{'nn/峰值':>7}{'CPU/nn':>9}"
            f"   （µs/步，设备 {tag}）")


def verdict(payload: dict[str, Any], tag: str) -> dict[str, Any]:
    """issue 19 的两个目标：大规模 float32 不超过 PyTorch 耗时的 1.10 倍；float16 吞吐不低于 PyTorch 的 0.8。"""
    label = f"{LARGE[0]}×{LARGE[1]}-{LARGE[2]}-{LARGE[3]}"

    def find(key: str) -> dict[str, Any] | None:
        return next((r for r in payload.get(key, []) if r["label"] == label), None)

    out: dict[str, Any] = {}
    r32, r16 = find("results"), find("results_float16")
    if r32 is not None and r32["ratio_torch"] is not None:
        out["large_float32_time_vs_torch"] = r32["ratio_torch"]
        out["large_float32_meets"] = r32["ratio_torch"] <= TARGETS["large_float32_time_vs_torch_max"]
    if r16 is not None and r16["throughput_vs_torch"] is not None:
        out["large_float16_throughput_vs_torch"] = r16["throughput_vs_torch"]
        out["large_float16_meets"] = r16["throughput_vs_torch"] >= TARGETS["float16_throughput_vs_torch_min"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="GPU 上的一步训练：nnlearn / CuPy 下限 / PyTorch / 矩阵乘法峰值")
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda",
                        help="cuda：CuPy 与 PyTorch CUDA（默认）；cpu：NumPy 与 PyTorch CPU，只用来检查")
    parser.add_argument("--quick", action="store_true", help="很小的规模、很少的轮数：几秒钟跑完的检查")
    parser.add_argument("--repeats", type=int, default=None, help="交替计时的轮数（默认 11，--quick 时 3）")
    parser.add_argument("--budget-s", type=float, default=240.0,
                        help="时间预算（秒）：超出后余下的规模记为跳过，已测的照常写出")
    parser.add_argument("--out", type=Path, default=None,
                        help="结果文件；默认 cuda 写 benchmarks/results/gpu.json，cpu 不写")
    parser.add_argument("--no-json", action="store_true", help="只打印，不写结果文件")
    args = parser.parse_args(argv)
    dev = make_device(args.device)
    if isinstance(dev, str):
        print(f"跳过 GPU 基准：{dev}")
        return 0
    out = None if args.no_json else args.out
    if out is None and not args.no_json and dev.name == "cuda":
        out = Path(__file__).resolve().parent / "results" / "gpu.json"
    bench = Bench(dev, repeats=args.repeats or (3 if args.quick else 11), budget_s=args.budget_s,
                  out=out, quick=args.quick)
    info = gpu_info(dev.xp) if dev.name == "cuda" else None
    bench.payload.update({
        "benchmark": "one training step of TwoLayerNet (forward, backward, SGD) on one device: "
                     "nnlearn, bare-array floor, PyTorch, matmul only; matmul peak; spiral in float16",
        "device": dev.name, "quick": args.quick, "gpu": info.get("name") if info else None, "gpu_info": info,
        "cupy": info["cupy"] if info else None, "torch": torch_gpu_info(), "torch_note": dev.torch_note or None,
        "machine": machine_info(), "dtype": "float32", "lr": LR, "repeats": bench.repeats,
        "budget_s": args.budget_s, "targets": TARGETS, "loss_rtol": LOSS_RTOL,
        "peak_matmul": {}, "results": [], "results_float64": [], "results_float16": [],
        "errors": [], "skipped": [],
    })
    where = f"GPU：{info.get('name')}，CUDA 驱动 {info.get('cuda_driver')}" if info else "CPU"
    print(f"{where}；{dev.torch_note or 'PyTorch ' + str((bench.payload['torch'] or {}).get('version'))}")
    bench.save()  # 先写一份只有环境信息的：哪怕第一段就卡住，也知道测的是哪块卡
    bench.run_peaks()
    print(header(dev.tag))
    bench.run_dtype(np.dtype(np.float32))
    bench.run_dtype(np.dtype(np.float16))
    bench.run_spiral()
    bench.run_dtype(np.dtype(np.float64))
    bench.payload["verdict"] = verdict(bench.payload, dev.tag)
    bench.save(complete=not bench.payload["errors"] and not bench.payload["skipped"])
    print(f"目标：{bench.payload['verdict']}")
    for what in bench.payload["skipped"]:
        print(f"跳过：{what}")
    for e in bench.payload["errors"]:
        print(f"出错：{e['section']}：{e['error']}")
    if out is not None:
        print(f"已写出 {out}")
    return 1 if bench.payload["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
