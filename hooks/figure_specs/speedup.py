"""§1.5 计算的高速化（docs/speed/speedup.md）：三种精度的实测、数值梯度的误差、GPU 结果。

同一个网络在 float64 / float32 / float16 下的内存、速度、结果：训练用的是 §1.4 的设置和
``Trainer``，只换了 ``TwoLayerNet(..., dtype=...)`` 与输入数据的 dtype（训练三遍螺旋数据，
约 2 秒）。速度与机器有关，所以结果里也记下机器和日期；内存与准确率只与代码有关。
GPU 的数字只来自 ``benchmarks/results/gpu.json``——没有这个文件时页面如实说明没有 GPU 实测。
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from figure_kit.results import REPRODUCE, RESULTS, load_results, machine_markdown, micro
from matplotlib.figure import Figure

from benchmarks.common import machine_info
from nnlearn.datasets import load_spiral
from nnlearn.gradient import DEFAULT_H, PASS_THRESHOLD, numerical_gradient, relative_error
from nnlearn.models import TwoLayerNet
from nnlearn.plotting.style import COLORS, styled_figure
from nnlearn.recipe import TrainConfig, train

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
    return sum(p.nbytes for p in TwoLayerNet(*sizes, seed=0, dtype=dtype).params)


def train_in_dtype(dtype: Any, *, epochs: int = 300) -> tuple[Any, Any, float]:
    """按 §1.4 的设置（``TrainConfig`` 的默认值）在 ``dtype`` 下训练，返回 ``(model, trainer, 每轮秒数)``。

    训练就是 ``nnlearn.recipe.train``：参数用 ``dtype``，``Trainer`` 把输入数据转成同样的 dtype。
    """
    config = TrainConfig(epochs=epochs, dtype=np.dtype(dtype).name)
    start = time.perf_counter()
    trainer = train(config)
    return trainer.model, trainer, (time.perf_counter() - start) / epochs


def matmul_seconds(dtype: Any, n: int = 256, repeats: int = 5, budget_s: float = 0.2) -> float:
    """``n×n`` 矩阵乘法的最短用时（取多次中最快的一次，减少机器负载的影响）。

    慢的 dtype（CPU 上的 float16 一次要零点几秒）在用掉 ``budget_s`` 秒后就不再重复：
    最短时间已经足够稳，构建不必为它多等几秒。
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    best, total = float("inf"), 0.0
    for _ in range(repeats + 1):  # 第一次也计时：慢的 dtype 预热本身就够长
        start = time.perf_counter()
        a @ b
        elapsed = time.perf_counter() - start
        best, total = min(best, elapsed), total + elapsed
        if total > budget_s:
            break
    return best


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
    # 表头短、用 <br> 换行：窄屏上不会从词中间折断
    lines = [
        "| dtype | 参数内存<br>2-10-3 | 参数内存<br>784-100-10 | 训练一轮<br>（耗时比） "
        f"| 256×256<br>矩阵乘法 | 第 {result.epochs} 轮<br>平均损失 | 训练集<br>准确率 |",
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
    lines.append(f"测量于 {str(m['date'])[:10]}，{m['cpu']}（{m['cpu_count']} 核），"
                 f"NumPy {m['numpy']}，Python {m['python']}。括号里是耗时比（除以 float64 的耗时，"
                 "越小越快）。时间随机器负载浮动，内存、损失与准确率不随机器变化。")
    return "\n".join(lines) + "\n"


def precision_loss_figure(result: PrecisionResult) -> Figure:
    """低精度训练的损失曲线与 float64 的差距（对数纵轴）。曲线本身几乎重合，差距才看得出。"""
    base = next(r for r in result.rows if r.dtype == "float64")
    fig, (ax1, ax2) = styled_figure(1, 2, figsize=(6.8, 3.4))
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

    误差用 ``nnlearn.gradient.relative_error``（与 ``gradient_check`` 同一个定义）。
    ``numerical_gradient`` 拒绝的步长（在这个 dtype 里 x+h 与 x−h 存成同一个数）记为 nan，
    图上那一段空着。权重取标准正态（书中的 0.01 倍初始值让梯度太小，误差的来源看不清）。
    """
    x, t = load_spiral()
    x, t = x[::10], t[::10]  # 每类 10 个点
    rng = np.random.default_rng(seed)
    ref = TwoLayerNet(2, 10, 3, seed=seed)
    for p in ref.params:
        p[...] = rng.standard_normal(p.shape)
    loss = float(ref.forward(x, t))
    ref.backward()
    analytic = ref.grads[0].copy()

    dtype = np.dtype(dtype)
    net = TwoLayerNet(2, 10, 3, seed=seed, dtype=dtype)
    for p, q in zip(net.params, ref.params, strict=True):
        p[...] = q.astype(dtype)
    xd = x.astype(dtype)
    errors = []
    for h in hs:
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                num = numerical_gradient(lambda _: net.forward(xd, t), net.params[0], h=h)
        except ValueError:  # 步长小于这个 dtype 能分辨的间隔
            errors.append(np.nan)
            continue
        errors.append(relative_error(analytic, num, f_scale=loss))
    return np.asarray(errors)


def gradient_error_figure(hs: Sequence[float] | None = None,
                          dtypes: Sequence[str] = ("float64", "float32")) -> Figure:
    r"""数值梯度的相对误差随步长 ``h`` 的变化：每种精度一条 V 形曲线。

    ``h`` 大时误差来自差分公式本身（截断误差，约与 $h^2$ 成正比）；``h`` 小时来自舍入
    （约与 $\varepsilon/h$ 成正比，$\varepsilon$ 是 dtype 的机器精度）。V 的底部越低，
    梯度确认越可信。float16 不画：``numerical_gradient`` 拒绝它（舍入误差大到没有意义）。
    """
    hs = np.logspace(-10, -1, 19) if hs is None else np.asarray(hs, dtype=float)
    fig, ax = styled_figure(figsize=(6.4, 4.0))
    for k, name in enumerate(dtypes):
        err = gradient_error_curve(name, hs)
        ax.loglog(hs, np.maximum(err, 1e-16), marker="o", markersize=3.5, color=COLORS[k],
                  label=name)
    ax.axhline(PASS_THRESHOLD, color="0.5", linestyle="--", linewidth=1,
               label=f"梯度确认的通过线 {PASS_THRESHOLD:g}")
    ax.axvline(DEFAULT_H, color="0.5", linestyle=":", linewidth=1,
               label=f"默认步长 h = {DEFAULT_H:g}")
    ax.set_xlabel("差分步长 h")
    ax.set_ylabel("相对误差（对 float64 反向传播）")
    ax.set_title("数值梯度的误差：截断误差与舍入误差")
    ax.legend(loc="lower left")
    return fig


def gpu_markdown(path: str | Path) -> str:
    """GPU 实测结果的表；还没有结果文件时，如实说明并给出运行方法。"""
    path = Path(path)
    if not path.is_file():
        return (
            "!!! warning \"还没有 GPU 实测数据\"\n"
            "    本站构建所在的机器没有 GPU，`benchmarks/results/gpu.json` 还不存在，"
            "所以这里没有任何 GPU 数字。在有 NVIDIA GPU 的机器上运行\n\n"
            f"    ```bash\n    {REPRODUCE['gpu.json']}\n    ```\n\n"
            "    脚本会在同一进程里轮流计时 GPU 上的 nnlearn、GPU 上的纯 CuPy 下限和 CPU 上的 "
            "nnlearn，把结果连同 GPU 型号、日期写进该文件；提交它之后，这一节会自动换成实测的表格。\n"
        )
    data = load_results(path)
    lines = [
        "| 规模<br>N×D-H-C | nnlearn<br>GPU | 纯 CuPy<br>下限 | nnlearn<br>CPU | 耗时比<br>CPU ÷ GPU |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in data["results"]:
        med = r["median_s"]
        lines.append(f"| {r['label']} | {micro(med['nnlearn_gpu'])} | {micro(med['floor'])} "
                     f"| {micro(med['nnlearn_cpu'])} | {r['speedup_vs_cpu']:.2f} |")
    lines.append("")
    lines.append(machine_markdown(data, REPRODUCE["gpu.json"]) + f"（dtype {data.get('dtype')}）")
    lines.append("")
    lines.append("“耗时比 CPU ÷ GPU”是 CPU 上的耗时除以 GPU 上的耗时：大于 1 表示 GPU 更快"
                 "（越大越快），小于 1 表示 GPU 反而更慢。")
    return "\n".join(lines) + "\n"


@cache
def _precision() -> PrecisionResult:
    return measure_precision()


FIGURES = {
    "speedup-precision-loss.png": lambda: precision_loss_figure(_precision()),
    "speedup-gradient-error.png": gradient_error_figure,
}
SNIPPETS = {
    "precision.md": lambda: precision_markdown(_precision()),
    "gpu-results.md": lambda: gpu_markdown(RESULTS / "gpu.json"),
}
