"""``nnlearn.check.check_layer`` 有多快：读者每改一次代码就会运行它，应当远小于一秒。

在同一进程里轮流计时（``common.interleaved``）：每个层或节点，比较一次 ``check_layer``、
一次 ``gradient_check``（只算误差，不查协议）和一次 forward + backward。两个比值说明
检查的代价从哪里来：大部分是数值梯度（每个坐标两次 forward），协议检查只多几次调用。

运行：``bash benchmarks/run.sh check``（``--repeats`` 调整轮数，``--threads 1`` 在机器忙时让 BLAS 单线程，数更稳定）。
结果只打印，不写文件：页面上没有引用这些数。
"""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
from common import interleaved, machine_info, median, set_blas_threads, warn_if_slow_blas_env

from nnlearn.check import check_layer, check_optimizer
from nnlearn.gradient import gradient_check
from nnlearn.layers import Affine, MatMul, Sigmoid, SoftmaxWithLoss
from nnlearn.nodes import Add, Mul
from nnlearn.optim import Adam

BATCH, WIDTH = 8, 16


def cases(rng: np.random.Generator) -> dict[str, tuple[Callable[[], Any], tuple[Any, ...], Any]]:
    """名字 → （新建对象的函数, 输入, 标签）；每次计时都用新对象，和读者的用法一样。"""
    x = rng.standard_normal((BATCH, WIDTH))
    y = rng.standard_normal((BATCH, WIDTH))
    labels = rng.integers(0, WIDTH, BATCH)
    W, b = rng.standard_normal((WIDTH, WIDTH)), np.zeros(WIDTH)
    big_x = rng.standard_normal((128, 784))
    big_W, big_b = 0.01 * rng.standard_normal((784, 100)), np.zeros(100)
    return {
        "Affine 16→16，批 8×16": (lambda: Affine(W.copy(), b.copy()), (x,), None),
        "MatMul 16→16，批 8×16": (lambda: MatMul(W.copy()), (x,), None),
        "Sigmoid，批 8×16": (Sigmoid, (x,), None),
        "SoftmaxWithLoss，批 8×16": (SoftmaxWithLoss, (x,), labels),
        "Add 节点，8×16 + 8×16": (Add, (x, y), None),
        "Mul 节点，8×16 ⊙ 8×16": (Mul, (x, y), None),
        "Affine 784→100，批 128（抽样）": (lambda: Affine(big_W.copy(), big_b.copy()), (big_x,), None),
    }


def measure(repeats: int) -> list[tuple[str, float, float, float]]:
    rows = []
    for name, (make, inputs, t) in cases(np.random.default_rng(0)).items():
        extra = () if t is None else (t,)

        def step(make: Callable[[], Any] = make, inputs: tuple[Any, ...] = inputs, extra: tuple[Any, ...] = extra
                 ) -> None:
            layer = make()
            out = layer.forward(*inputs, *extra)
            layer.backward(*([1.0] if np.ndim(out) == 0 else [np.ones_like(out)]))

        times = interleaved({
            "check": lambda make=make, inputs=inputs, t=t: check_layer(make(), *inputs, t=t),
            "gradient_check": lambda make=make, inputs=inputs, t=t: gradient_check(make(), *inputs, t=t),
            "step": step,
        }, repeats=repeats, inner=1, warmup=1, gap_s=0.0)
        rows.append((name, median(times["check"]), median(times["gradient_check"]), median(times["step"])))
    opt = interleaved({"check_optimizer": lambda: check_optimizer(Adam(lr=0.1))}, repeats=repeats, inner=1,
                      warmup=1, gap_s=0.0)
    rows.append(("check_optimizer(Adam)", median(opt["check_optimizer"]), float("nan"), float("nan")))
    return rows


def pad(text: str, width: int, right: bool = False) -> str:
    """按终端显示宽度补空格（中文字符占两格）。"""
    gap = " " * max(width - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text), 0)
    return gap + text if right else text + gap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None,
                        help="OpenBLAS 线程数（机器忙时 1 更稳定）；不给则用默认")
    args = parser.parse_args()
    warn_if_slow_blas_env()
    if args.threads is not None and not set_blas_threads(args.threads):
        print("注意：找不到 OpenBLAS 的 set_num_threads，NumPy 的线程数没改")
    info = machine_info()
    threads = "默认" if args.threads is None else str(args.threads)
    print(f"机器：{info.get('cpu', '?')}，{info.get('cpu_count', '?')} 核，负载 {info['loadavg'][0]:.1f}，"
          f"BLAS 线程数 {threads}；每项取 {args.repeats} 次的中位数；比值是耗时之比（越小越快）")
    widths = (34, 14, 16, 24, 20)
    header = ("检查的对象", "check_layer", "gradient_check", "check/gradient_check", "check/一次正反向")
    print("".join(pad(h, w, i > 0) for i, (h, w) in enumerate(zip(header, widths, strict=True))))
    for name, check, gc, step in measure(args.repeats):
        cells = (name, f"{check * 1e3:.1f} ms", f"{gc * 1e3:.1f} ms" if gc == gc else "—",
                 f"{check / gc:.1f}×" if gc == gc else "—", f"{check / step:.0f}×" if step == step else "—")
        print("".join(pad(c, w, i > 0) for i, (c, w) in enumerate(zip(cells, widths, strict=True))))


if __name__ == "__main__":
    main()
