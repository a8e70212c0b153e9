"""一步训练（前向、反向、SGD 更新）的耗时：nnlearn 对比纯 NumPy 下限与 PyTorch CPU。

运行：``bash benchmarks/run.sh step``（会去掉让 OpenBLAS 变慢的环境变量）。
结果写入 ``benchmarks/results/step.json``。

- nnlearn：``TwoLayerNet.forward`` → ``backward`` → ``SGD.update``，与教程里用的完全一样。
- 下限（floor）：同样的数学写成一个函数，没有层对象、没有检查，每个缓冲区都预先分配、
  每一步全部就地运算，不算输入的梯度。它是"纯 NumPy 能做到多快"的参照。
- 矩阵乘法（matmul）：只有一步里的五次矩阵乘法，大规模时的物理下限（比值 nn/matmul 另列）。
- PyTorch：``nn.Sequential(Linear, Sigmoid, Linear)`` + ``F.cross_entropy`` + ``torch.optim.SGD``，
  同样的 dtype、同样不需要输入梯度。
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from common import (
    calibrate,
    interleaved,
    machine_info,
    median,
    set_blas_threads,
    warn_if_slow_blas_env,
    write_json,
)

from nnlearn.models import TwoLayerNet
from nnlearn.optim import SGD

# (批大小 N, 输入 D, 隐藏 H, 类别 C) 与 nnlearn/floor 的目标比值
SIZES: list[tuple[tuple[int, int, int, int], float]] = [
    ((30, 2, 10, 3), 1.25),
    ((128, 784, 100, 10), 1.05),
    ((1024, 1024, 1024, 10), 1.05),
]
LR = 0.01


def problem(n: int, d: int, h: int, c: int, dtype: Any, seed: int = 0) -> dict[str, Any]:
    """同一份数据和初始权重，各实现各自复制一份。"""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((n, d)).astype(dtype),
        "t": rng.integers(0, c, size=n),
        "W1": (0.01 * rng.standard_normal((d, h))).astype(dtype),
        "b1": np.zeros(h, dtype=dtype),
        "W2": (0.01 * rng.standard_normal((h, c))).astype(dtype),
        "b2": np.zeros(c, dtype=dtype),
    }


def nnlearn_step(p: dict[str, Any], xp: Any = np) -> Callable[[], float]:
    """教程里的 TwoLayerNet + SGD；``xp`` 为 cupy 时把参数和数据放到 GPU 上。"""
    d, h = p["W1"].shape
    c = p["W2"].shape[1]
    net = TwoLayerNet(d, h, c, dtype=p["W1"].dtype)
    for param, name in zip(net.params, net.param_names, strict=True):
        param[...] = p[name]
    if xp is not np:
        from nnlearn.backend import model_to_device

        model_to_device(net, "gpu")
    x, t = xp.asarray(p["x"]), xp.asarray(p["t"])
    opt = SGD(lr=LR)

    def step() -> float:
        loss = net.forward(x, t)
        net.backward()
        opt.update(net.params, net.grads)
        return loss

    return step


def floor_step(p: dict[str, Any], xp: Any = np) -> Callable[[], float]:
    """同样的数学，一个函数写完：每个缓冲区都预先分配，每一步都就地运算（``out=``），不算输入梯度。

    标签预先写成 one-hot ``T``：损失里取正确类别的那一项是 ``sum(s * T)``，
    反向的 ``y - t`` 是 ``s -= T``，都不必在循环里分配。
    """
    W1, b1, W2, b2 = (xp.array(p[k]) for k in ("W1", "b1", "W2", "b2"))
    x, t = xp.asarray(p["x"]), xp.asarray(p["t"])
    n, h_size = x.shape[0], W1.shape[1]
    c = W2.shape[1]
    dtype = W1.dtype
    T = xp.zeros((n, c), dtype=dtype)
    T[xp.arange(n), t] = 1.0
    h, tmp, dh = (xp.empty((n, h_size), dtype=dtype) for _ in range(3))
    s, st = xp.empty((n, c), dtype=dtype), xp.empty((n, c), dtype=dtype)
    smax, sums = xp.empty((n, 1), dtype=dtype), xp.empty((n, 1), dtype=dtype)
    dW1, db1 = xp.empty_like(W1), xp.empty_like(b1)
    dW2, db2 = xp.empty_like(W2), xp.empty_like(b2)
    pairs = ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2))

    def step() -> float:
        # 前向：h = sigmoid(x W1 + b1)，s = h W2 + b2（闭包变量不能用 +=，一律写 out=）
        xp.matmul(x, W1, out=h)
        xp.add(h, b1, out=h)
        xp.negative(h, out=h)
        xp.exp(h, out=h)
        xp.add(h, 1.0, out=h)
        xp.reciprocal(h, out=h)
        xp.matmul(h, W2, out=s)
        xp.add(s, b2, out=s)
        # Softmax with Loss（log-sum-exp）；s 就地变成 dL/ds = (y - t) / N
        xp.max(s, axis=1, keepdims=True, out=smax)
        xp.subtract(s, smax, out=s)
        xp.multiply(s, T, out=st)
        picked = st.sum()
        xp.exp(s, out=s)
        xp.sum(s, axis=1, keepdims=True, out=sums)
        xp.divide(s, sums, out=s)
        xp.log(sums, out=sums)
        loss = float((sums.sum() - picked) / n)
        xp.subtract(s, T, out=s)
        xp.divide(s, n, out=s)
        # 反向
        xp.matmul(h.T, s, out=dW2)
        xp.sum(s, axis=0, out=db2)
        xp.matmul(s, W2.T, out=dh)
        xp.subtract(1.0, h, out=tmp)
        xp.multiply(tmp, h, out=tmp)
        xp.multiply(dh, tmp, out=dh)
        xp.matmul(x.T, dh, out=dW1)
        xp.sum(dh, axis=0, out=db1)
        # SGD（梯度缓冲区下一步会被覆盖，可以就地乘学习率）
        for param, grad in pairs:
            xp.multiply(grad, LR, out=grad)
            xp.subtract(param, grad, out=param)
        return loss

    return step


def matmul_step(p: dict[str, Any], xp: Any = np) -> Callable[[], float]:
    """只有一步里的五次矩阵乘法（前向 2 次、反向 3 次，不算输入梯度）：大规模时的物理下限。"""
    W1, W2 = xp.array(p["W1"]), xp.array(p["W2"])
    x = xp.asarray(p["x"])
    n, h_size, c = x.shape[0], W1.shape[1], W2.shape[1]
    h, dh = xp.empty((n, h_size), dtype=W1.dtype), xp.empty((n, h_size), dtype=W1.dtype)
    s = xp.empty((n, c), dtype=W1.dtype)
    dW1, dW2 = xp.empty_like(W1), xp.empty_like(W2)

    def step() -> float:
        xp.matmul(x, W1, out=h)
        xp.matmul(h, W2, out=s)
        xp.matmul(h.T, s, out=dW2)
        xp.matmul(s, W2.T, out=dh)
        xp.matmul(x.T, dh, out=dW1)
        return 0.0

    return step


def torch_step(p: dict[str, Any], device: str = "cpu") -> Callable[[], float] | None:
    """同一步训练的 PyTorch 写法；``device`` 是 PyTorch 的设备名（``"cpu"``、``"cuda"``）。"""
    try:
        import torch
        from torch import nn
        from torch.nn import functional as F
    except ImportError:
        return None
    d, h = p["W1"].shape
    c = p["W2"].shape[1]
    tdtype = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32,
              np.dtype(np.float16): torch.float16}[p["W1"].dtype]
    model = nn.Sequential(nn.Linear(d, h), nn.Sigmoid(), nn.Linear(h, c)).to(device, tdtype)
    with torch.no_grad():  # nn.Linear 存的是 W 的转置
        model[0].weight.copy_(torch.from_numpy(p["W1"].T.copy()))
        model[0].bias.copy_(torch.from_numpy(p["b1"]))
        model[2].weight.copy_(torch.from_numpy(p["W2"].T.copy()))
        model[2].bias.copy_(torch.from_numpy(p["b2"]))
    x = torch.from_numpy(p["x"].copy()).to(device)
    t = torch.from_numpy(p["t"].copy()).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def torch_info() -> dict[str, Any] | None:
    try:
        import torch
    except ImportError:
        return None
    return {"version": torch.__version__, "threads": torch.get_num_threads()}


def check_same_losses(steps: dict[str, Callable[[], float]], n_steps: int = 3) -> None:
    """计时前先确认各实现算的是同一件事：前几步的损失应一致。"""
    losses = {name: [step() for _ in range(n_steps)] for name, step in steps.items()}
    ref = losses["floor"]
    for name, values in losses.items():
        if name == "matmul":  # 只做矩阵乘法，不算损失
            continue
        if not np.allclose(values, ref, rtol=1e-4, atol=1e-6):
            raise AssertionError(f"{name} 的损失 {values} 与 floor 的 {ref} 不一致")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="一步训练的耗时：nnlearn / NumPy 下限 / PyTorch")
    parser.add_argument("--repeats", type=int, default=21, help="交替计时的轮数（取中位数）")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--threads", type=int, default=None,
                        help="OpenBLAS 与 PyTorch 的线程数（默认不改，即各库自己的默认值）")
    parser.add_argument("--no-json", action="store_true", help="只打印，不写 results/step.json")
    args = parser.parse_args(argv)
    warn_if_slow_blas_env()
    load_start = list(os.getloadavg())
    if args.threads is not None and not set_blas_threads(args.threads):
        print("注意：找不到 OpenBLAS 的 set_num_threads，NumPy 的线程数没改")
    dtype = np.dtype(args.dtype)
    tinfo = torch_info()
    if tinfo is None:
        print("未安装 PyTorch：跳过与 PyTorch 的比较（pip install 'nnlearn[bench]'）")
    else:
        import torch

        torch.manual_seed(0)
        if args.threads is not None:
            torch.set_num_threads(args.threads)
        tinfo = torch_info()

    results = []
    header = f"{'规模 N×D-H-C':<22}{'nnlearn':>11}{'floor':>11}{'torch':>11}" \
             f"{'nn/floor':>10}{'目标':>7}{'nn/torch':>10}{'nn/matmul':>11}" \
             "   （按最小值：nn/floor nn/torch）"
    threads = "各库默认" if args.threads is None else str(args.threads)
    print(f"dtype={dtype}，线程数：{threads}；每项为一步训练的中位耗时，{args.repeats} 轮交替计时")
    print(header)
    for (n, d, h, c), target in SIZES:
        p = problem(n, d, h, c, dtype)
        steps: dict[str, Callable[[], float]] = {"nnlearn": nnlearn_step(p),
                                                 "floor": floor_step(p)}
        ts = torch_step(p)
        if ts is not None:
            steps["torch"] = ts
        steps["matmul"] = matmul_step(p)
        check_same_losses(steps)
        inner = calibrate(steps["nnlearn"])
        times = interleaved(steps, repeats=args.repeats, inner=inner)
        med = {k: median(v) for k, v in times.items()}
        low = {k: min(v) for k, v in times.items()}
        row = {
            "size": {"N": n, "D": d, "H": h, "C": c},
            "label": f"{n}×{d}-{h}-{c}",
            "inner": inner,
            "median_s": med,
            "min_s": low,
            "all_s": times,
            "ratio_floor": med["nnlearn"] / med["floor"],
            "ratio_matmul": med["nnlearn"] / med["matmul"],
            "target_floor": target,
            "ratio_torch": med["nnlearn"] / med["torch"] if "torch" in med else None,
            # 机器被别的进程占用时，最小值比中位数更接近"不受干扰时的耗时"
            "ratio_floor_min": low["nnlearn"] / low["floor"],
            "ratio_torch_min": low["nnlearn"] / low["torch"] if "torch" in low else None,
        }
        row["meets_floor_target"] = row["ratio_floor"] <= target
        row["faster_than_torch"] = None if "torch" not in med else med["nnlearn"] < med["torch"]
        results.append(row)
        tt = f"{med['torch'] * 1e6:9.1f}µs" if "torch" in med else f"{'—':>11}"
        rt = f"{row['ratio_torch']:10.2f}" if row["ratio_torch"] is not None else f"{'—':>10}"
        rtm = f"{row['ratio_torch_min']:.2f}" if row["ratio_torch_min"] is not None else "—"
        print(f"{row['label']:<22}{med['nnlearn'] * 1e6:9.1f}µs{med['floor'] * 1e6:9.1f}µs{tt}"
              f"{row['ratio_floor']:10.2f}{target:7.2f}{rt}{row['ratio_matmul']:11.2f}"
              f"   （{row['ratio_floor_min']:.2f} {rtm}）")
        sys.stdout.flush()

    if not args.no_json:
        name = "step.json" if args.threads is None else f"step-threads{args.threads}.json"
        path = write_json(name, {
            "benchmark": "one training step (forward, backward, SGD update) of TwoLayerNet",
            "machine": machine_info(),
            "torch": tinfo,
            "dtype": str(dtype),
            "lr": LR,
            "repeats": args.repeats,
            "threads": args.threads,
            "loadavg_start": load_start,
            "results": results,
        })
        print(f"已写出 {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
