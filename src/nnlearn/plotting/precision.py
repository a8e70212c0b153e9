"""§1.5 的位精度：同一个网络在 float64 / float32 / float16 下的内存、速度、结果。

这里的数字都在构建站点时实测：训练用的是 §1.4 的设置和 ``Trainer``，只换了
``TwoLayerNet(..., dtype=...)`` 与输入数据的 dtype。速度与机器有关，所以结果里也记下
机器和日期；内存与准确率只与代码有关。
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nnlearn.plotting.style import COLORS, styled_figure

__all__ = [
    "DTYPES",
    "PrecisionResult",
    "PrecisionRow",
    "epoch_seconds",
    "gradient_error_curve",
    "gradient_error_figure",
    "matmul_seconds",
    "measure_precision",
    "precision_loss_figure",
    "precision_markdown",
    "train_in_dtype",
]

DTYPES = ("float64", "float32", "float16")


@dataclass
class PrecisionRow:
    """一种 dtype 的实测结果。"""

    dtype: str
    param_bytes: int  # 2-10-3 网络全部参数占的字节数
    big_param_bytes: int  # 同样结构、784-100-10 时参数占的字节数（对照用）
    epoch_seconds: float  # 训练一轮（10 次迭代）的时间
    matmul_seconds: float  # 一次 256×256 矩阵乘法的时间
    final_loss: float
    accuracy: float
    losses: list[float] = field(default_factory=list)


@dataclass
class PrecisionResult:
    rows: list[PrecisionRow]
    machine: dict[str, Any]
    epochs: int


def _param_bytes(sizes: tuple[int, int, int], dtype: np.dtype) -> int:
    from nnlearn.models import TwoLayerNet

    return sum(p.nbytes for p in TwoLayerNet(*sizes, seed=0, dtype=dtype).params)


def train_in_dtype(dtype: Any, *, epochs: int = 300, hidden_size: int = 10,
                   batch_size: int = 30, lr: float = 1.0, seed: int = 0
                   ) -> tuple[Any, Any, float]:
    """按 §1.4 的设置在 ``dtype`` 下训练，返回 ``(model, trainer, 每轮秒数)``。

    模型参数与输入数据都转成 ``dtype``；标签仍是整数 one-hot。
    """
    from nnlearn.datasets import load_spiral
    from nnlearn.models import TwoLayerNet
    from nnlearn.optim import SGD
    from nnlearn.trainer import Trainer

    dtype = np.dtype(dtype)
    x, t = load_spiral()
    x = x.astype(dtype)
    model = TwoLayerNet(2, hidden_size, 3, seed=seed, dtype=dtype)
    trainer = Trainer(model, SGD(lr=lr), seed=seed)
    start = time.perf_counter()
    trainer.fit(x, t, max_epoch=epochs, batch_size=batch_size,
                eval_interval=len(x) // batch_size, verbose=False)
    return model, trainer, (time.perf_counter() - start) / epochs


def matmul_seconds(dtype: Any, n: int = 256, repeats: int = 5) -> float:
    """``n×n`` 矩阵乘法的最短用时（取多次中最快的一次，减少机器负载的影响）。"""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    a @ b  # 预热
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return best


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"date": dt.date.today().isoformat(), "cpu": cpu, "cpu_count": os.cpu_count(),
            "numpy": np.__version__, "python": platform.python_version()}


def epoch_seconds(dtypes: Sequence[str] = DTYPES, *, epochs: int = 30,
                  repeats: int = 3) -> dict[str, float]:
    """每种 dtype 训练一轮的时间：各 dtype 轮流训练 ``epochs`` 轮，重复 ``repeats`` 次取最快。

    轮流测量让机器负载的起伏平均地落到每种 dtype 上；取最快的一次最接近"不受打扰"的速度。
    """
    best = {np.dtype(name).name: float("inf") for name in dtypes}
    for _ in range(repeats):
        for name in best:
            best[name] = min(best[name], train_in_dtype(name, epochs=epochs)[2])
    return best


def measure_precision(dtypes: Sequence[str] = DTYPES, *, epochs: int = 300) -> PrecisionResult:
    """逐个 dtype 训练 ``epochs`` 轮（看损失与准确率），另外计时。"""
    from nnlearn.datasets import load_spiral

    x, t = load_spiral()
    timing = epoch_seconds(dtypes)
    rows = []
    for name in dtypes:
        dtype = np.dtype(name)
        model, trainer, _ = train_in_dtype(dtype, epochs=epochs)
        rows.append(PrecisionRow(
            dtype=dtype.name,
            param_bytes=_param_bytes((2, 10, 3), dtype),
            big_param_bytes=_param_bytes((784, 100, 10), dtype),
            epoch_seconds=timing[dtype.name],
            matmul_seconds=matmul_seconds(dtype),
            final_loss=float(trainer.loss_list[-1]),
            accuracy=model.accuracy(x.astype(dtype), t),
            losses=[float(v) for v in trainer.loss_list],
        ))
    return PrecisionResult(rows, machine_info(), epochs)


def precision_markdown(result: PrecisionResult) -> str:
    """实测结果写成 Markdown 表格（页面用 ``--8<--`` 引入）。"""
    base = next((r for r in result.rows if r.dtype == "float64"), result.rows[0])
    lines = [
        "| dtype | 参数内存 2-10-3 | 参数内存 784-100-10 | 训练一轮 | 256×256 矩阵乘法 "
        f"| 第 {result.epochs} 轮平均损失 | 训练集准确率 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result.rows:
        lines.append(
            f"| `{r.dtype}` | {r.param_bytes} B | {r.big_param_bytes / 1024:.0f} KiB "
            f"| {r.epoch_seconds * 1e3:.2f} ms（{r.epoch_seconds / base.epoch_seconds:.2f}×） "
            f"| {r.matmul_seconds * 1e3:.3f} ms（{r.matmul_seconds / base.matmul_seconds:.2f}×） "
            f"| {r.final_loss:.4f} | {100 * r.accuracy:.1f} % |"
        )
    m = result.machine
    lines.append("")
    lines.append(f"测量于 {m['date']}，{m['cpu']}（{m['cpu_count']} 核），NumPy {m['numpy']}，"
                 f"Python {m['python']}；括号里是相对 float64 的倍数。时间随机器负载浮动，"
                 "内存、损失与准确率不随机器变化。")
    return "\n".join(lines) + "\n"


def precision_loss_figure(result: PrecisionResult) -> Figure:
    """低精度训练的损失曲线与 float64 的差距（对数纵轴）。曲线本身几乎重合，差距才看得出。"""
    base = next(r for r in result.rows if r.dtype == "float64")
    fig, (ax1, ax2) = styled_figure(1, 2, figsize=(9.0, 3.6))
    epochs = np.arange(1, len(base.losses) + 1)
    for k, r in enumerate(result.rows):
        ax1.plot(epochs, r.losses, color=COLORS[k], label=r.dtype,
                 linestyle=("-", "--", ":")[k % 3], linewidth=1.6)
        if r is not base:
            diff = np.abs(np.asarray(r.losses) - np.asarray(base.losses))
            ax2.semilogy(epochs, np.maximum(diff, 1e-17), color=COLORS[k], label=r.dtype)
    ax1.set_xlabel("轮次（epoch）")
    ax1.set_ylabel("平均损失")
    ax1.set_title("三种精度的损失曲线")
    ax1.legend()
    ax2.set_xlabel("轮次（epoch）")
    ax2.set_ylabel("|损失 − float64 的损失|")
    ax2.set_title("与 float64 的差距")
    ax2.legend()
    return fig


def gradient_error_curve(dtype: Any, hs: Sequence[float], *, seed: int = 0) -> np.ndarray:
    """在 ``dtype`` 下用中心差分求 ``W1`` 的梯度，与 float64 反向传播的结果比较。

    返回每个 ``h`` 的相对误差 ``max|数值 − 解析| / max(max|解析|, max|数值|)``。
    权重取标准正态（书中的 0.01 倍初始值让梯度太小，误差的来源看不清）。
    """
    from nnlearn.datasets import load_spiral
    from nnlearn.gradient import numerical_gradient
    from nnlearn.models import TwoLayerNet

    x, t = load_spiral()
    x, t = x[::10], t[::10]  # 每类 10 个点
    rng = np.random.default_rng(seed)
    ref = TwoLayerNet(2, 10, 3, seed=seed)
    for p in ref.params:
        p[...] = rng.standard_normal(p.shape)
    ref.forward(x, t)
    ref.backward()
    analytic = ref.grads[0].copy()

    dtype = np.dtype(dtype)
    net = TwoLayerNet(2, 10, 3, seed=seed, dtype=dtype)
    for p, q in zip(net.params, ref.params, strict=True):
        p[...] = q.astype(dtype)
    xd = x.astype(dtype)
    errors = []
    for h in hs:
        with np.errstate(over="ignore", invalid="ignore"):
            num = numerical_gradient(lambda _: net.forward(xd, t), net.params[0], h=h)
        num = np.asarray(num, dtype=np.float64)
        scale = max(np.abs(analytic).max(), np.abs(num).max())
        errors.append(float(np.abs(num - analytic).max() / scale))
    return np.asarray(errors)


def gradient_error_figure(hs: Sequence[float] | None = None,
                          dtypes: Sequence[str] = DTYPES) -> Figure:
    r"""数值梯度的相对误差随步长 ``h`` 的变化：每种精度一条 V 形曲线。

    ``h`` 大时误差来自差分公式本身（截断误差，约与 $h^2$ 成正比）；``h`` 小时来自舍入
    （约与 $\varepsilon/h$ 成正比，$\varepsilon$ 是 dtype 的机器精度）。V 的底部越低，
    梯度确认越可信：float64 能到 1e-10 左右；float32 要把 h 放大到 1e-2 才勉强到 1e-5，
    在常用的 h=1e-4 处误差约 1e-2；float16 处处在 1e-2 以上。
    """
    hs = np.logspace(-10, -1, 19) if hs is None else np.asarray(hs, dtype=float)
    fig, ax = styled_figure(figsize=(6.4, 4.0))
    for k, name in enumerate(dtypes):
        err = gradient_error_curve(name, hs)
        ax.loglog(hs, np.maximum(err, 1e-16), marker="o", markersize=3.5, color=COLORS[k],
                  label=name)
    ax.axhline(1e-7, color="0.5", linestyle="--", linewidth=1)
    ax.text(hs[0], 1.4e-7, "梯度确认的通过线 1e-7", fontsize=9, color="0.35")
    ax.set_xlabel("差分步长 h")
    ax.set_ylabel("相对误差（对 float64 反向传播）")
    ax.set_title("数值梯度的误差：截断误差与舍入误差")
    ax.legend()
    return fig
