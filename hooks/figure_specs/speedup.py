"""§1.5 计算的高速化（docs/speed/speedup.md）：三种精度的实测、数值梯度的误差、GPU 结果。

同一个网络在 float64 / float32 / float16 下的内存、结果与速度：

- 内存、损失曲线、准确率、训练中数值的范围：构建时用 §1.4 的设置（``nnlearn.recipe.train``）
  在三种 dtype 下各训练一遍算出，种子固定，逐位可复现；
- 速度只读 ``benchmarks/results/precision.json``（``bash benchmarks/run.sh precision``）：
  在忙碌的两核机器上，构建时计时会差出几十倍，表格和正文就可能自相矛盾；
- GPU 的数字只来自 ``benchmarks/results/gpu.json``——没有这个文件时页面如实说明没有 GPU 实测。

正文里关于这些量的说法（“快”“慢上百倍”“差距只是机器精度的几倍”）都由 ``NUMBERS`` 从同一份
数据算出；说法的方向不再成立时（例如重测后 float32 不比 float64 快），构建报错，指出要改的句子。
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from figure_kit.results import REPRODUCE, RESULTS, load_results, machine_markdown, micro
from matplotlib.figure import Figure

from nnlearn.datasets import load_spiral
from nnlearn.gradient import DEFAULT_H, PASS_THRESHOLD, numerical_gradient, relative_error
from nnlearn.models import TwoLayerNet
from nnlearn.plotting.style import COLORS, styled_figure
from nnlearn.recipe import TrainConfig, train

DTYPES = ("float64", "float32", "float16")
PRECISION = RESULTS / "precision.json"


@dataclass
class PrecisionRow:
    """一种 dtype 的训练结果（与机器无关）。"""

    dtype: str
    param_bytes: int  # 2-10-3 网络全部参数占的字节数
    big_param_bytes: int  # 同样结构、784-100-10 时参数占的字节数（对照用）
    final_loss: float
    accuracy: float
    losses: list[float] = field(default_factory=list)
    largest: float = 0.0  # 训练中参数与得分绝对值的最大值
    smallest_grad: float = math.inf  # 每轮末梯度里最小的非零分量（绝对值）
    zero_grads: int = 0  # 每轮末梯度里恰好为 0 的分量个数（下溢）


@dataclass
class PrecisionResult:
    rows: list[PrecisionRow]
    epochs: int

    def row(self, dtype: str) -> PrecisionRow:
        return next(r for r in self.rows if r.dtype == dtype)


def _param_bytes(sizes: tuple[int, int, int], dtype: np.dtype) -> int:
    return sum(p.nbytes for p in TwoLayerNet(*sizes, seed=0, dtype=dtype).params)


def train_in_dtype(dtype: Any, *, epochs: int = 300) -> tuple[Any, Any, dict[str, float]]:
    """按 §1.4 的设置（``TrainConfig`` 的默认值）在 ``dtype`` 下训练，返回 ``(model, trainer, 范围)``。

    训练就是 ``nnlearn.recipe.train``：参数用 ``dtype``，``Trainer`` 把输入数据转成同样的 dtype。
    每轮结束时记下参数与得分的最大绝对值、梯度里最小的非零分量和恰好为 0 的分量个数：
    低精度能不能表示训练中出现的数，看的就是这几个量。
    """
    x, _ = load_spiral()
    xd = x.astype(dtype)
    stats = {"largest": 0.0, "smallest_grad": math.inf, "zero_grads": 0}

    def record(_epoch: int, trainer: Any) -> None:
        model = trainer.model
        grads = np.concatenate([np.abs(g.astype(np.float64)).ravel() for g in model.grads])
        values = [np.abs(p).max() for p in model.params] + [np.abs(model.predict(xd)).max()]
        stats["largest"] = max(stats["largest"], float(max(values)))
        stats["smallest_grad"] = min(stats["smallest_grad"], float(grads[grads > 0].min()))
        stats["zero_grads"] += int((grads == 0).sum())

    trainer = train(TrainConfig(epochs=epochs, dtype=np.dtype(dtype).name), callback=record)
    return trainer.model, trainer, stats


def measure_precision(dtypes: Sequence[str] = DTYPES, *, epochs: int = 300) -> PrecisionResult:
    """逐个 dtype 训练 ``epochs`` 轮：损失、准确率、内存、训练中数值的范围。"""
    x, t = load_spiral()
    rows = []
    for name in dtypes:
        dtype = np.dtype(name)
        model, trainer, stats = train_in_dtype(dtype, epochs=epochs)
        rows.append(PrecisionRow(
            dtype=dtype.name,
            param_bytes=_param_bytes((2, 10, 3), dtype),
            big_param_bytes=_param_bytes((784, 100, 10), dtype),
            final_loss=float(trainer.loss_list[-1]),
            accuracy=model.accuracy(x.astype(dtype), t),
            losses=[float(v) for v in trainer.loss_list],
            **stats,
        ))
    return PrecisionResult(rows, epochs)


def loss_gap(result: PrecisionResult, dtype: str) -> tuple[float, float]:
    """``dtype`` 的损失曲线与 float64 的差距：(最大绝对差, 最大相对差 ÷ 该 dtype 的机器精度)。"""
    base = np.asarray(result.row("float64").losses)
    diff = np.abs(np.asarray(result.row(dtype).losses) - base)
    return float(diff.max()), float((diff / base).max() / np.finfo(dtype).eps)


# ---------------------------------------------------------------------------
# 速度：只读 benchmarks/results/precision.json
# ---------------------------------------------------------------------------
def load_timing(path: str | Path = PRECISION) -> dict[str, Any]:
    """``bench_precision.py`` 的结果；缺字段时说清楚用哪条命令重新生成。"""
    data = load_results(path)
    for part in ("epoch", "matmul"):
        missing = [d for d in DTYPES if "median_s" not in data.get(part, {}).get(d, {})]
        if missing:
            raise ValueError(f"{path} 的 {part} 缺少 {missing} 的中位耗时：请重新运行 "
                             f"{REPRODUCE['precision.json']}")
    return data


def time_ratio(timing: dict[str, Any], part: str, dtype: str) -> float:
    """``dtype`` 的耗时除以 float64 的耗时（大于 1 表示更慢）。"""
    return timing[part][dtype]["median_s"] / timing[part]["float64"]["median_s"]


def precision_markdown(result: PrecisionResult, timing: dict[str, Any]) -> str:
    """训练结果与计时合成一张 Markdown 表格（页面用 ``--8<--`` 引入）。"""
    # 表头短、用 <br> 换行：窄屏上不会从词中间折断
    n = timing["matmul"]["n"]
    lines = [
        "| dtype | 参数内存<br>2-10-3 | 参数内存<br>784-100-10 | 训练一轮<br>（耗时比） "
        f"| {n}×{n}<br>矩阵乘法 | 第 {result.epochs} 轮<br>平均损失 | 训练集<br>准确率 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result.rows:
        epoch = timing["epoch"][r.dtype]["median_s"]
        matmul = timing["matmul"][r.dtype]["median_s"]
        lines.append(
            f"| `{r.dtype}` | {r.param_bytes} B | {r.big_param_bytes / 1024:.0f} KiB "
            f"| {micro(epoch)}（{time_ratio(timing, 'epoch', r.dtype):.2f}×） "
            f"| {micro(matmul)}（{time_ratio(timing, 'matmul', r.dtype):.2f}×） "
            f"| {r.final_loss:.4f} | {100 * r.accuracy:.1f} % |"
        )
    threads = timing.get("threads")
    how = (f"OpenBLAS {threads} 个线程，" if threads else "") + \
        f"每项是 {timing.get('repeats')} 轮交替计时的中位数"
    lines += [
        "",
        "括号里是耗时比（除以 float64 的耗时，越小越快）。内存、损失与准确率由构建时的代码算出，"
        "与机器无关；两列耗时来自基准测试的结果文件：",
        machine_markdown(timing, REPRODUCE["precision.json"]) + f"（{how}）",
    ]
    return "\n".join(lines) + "\n"


def precision_loss_figure(result: PrecisionResult) -> Figure:
    """低精度训练的损失曲线与 float64 的差距（对数纵轴）。曲线本身几乎重合，差距才看得出。"""
    base = result.row("float64")
    fig, (ax1, ax2) = styled_figure(1, 2, figsize=(6.8, 3.4))
    epochs = np.arange(1, len(base.losses) + 1)
    for k, r in enumerate(result.rows):
        ax1.plot(epochs, r.losses, color=COLORS[k], label=r.dtype,
                 linestyle=("-", "--", ":")[k % 3], linewidth=1.6)
        if r is not base:
            diff = np.abs(np.asarray(r.losses) - np.asarray(base.losses))
            ax2.semilogy(epochs, np.maximum(diff, 1e-17), color=COLORS[k], label=r.dtype)
    ax1.set_xlabel("轮")
    ax1.set_ylabel("平均损失")
    ax1.set_title("三种精度的损失曲线")
    ax1.legend()
    ax2.set_xlabel("轮")
    ax2.set_ylabel("|损失 − float64 的损失|")
    ax2.set_title("与 float64 的差距")
    ax2.legend()
    return fig


# ---------------------------------------------------------------------------
# 数值梯度的误差随步长 h 的变化
# ---------------------------------------------------------------------------
STEPS = tuple(float(h) for h in np.logspace(-10, -1, 19))  # 含默认步长 1e-4


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


def error_curves(hs: Sequence[float] = STEPS,
                 dtypes: Sequence[str] = ("float64", "float32")) -> dict[str, np.ndarray]:
    """每种精度一条误差曲线（图和正文的数字都读它）。"""
    return {name: gradient_error_curve(name, hs) for name in dtypes}


def gradient_error_figure(hs: Sequence[float] = STEPS,
                          curves: dict[str, np.ndarray] | None = None) -> Figure:
    r"""数值梯度的相对误差随步长 ``h`` 的变化：每种精度一条 V 形曲线。

    ``h`` 大时误差来自差分公式本身（截断误差，约与 $h^2$ 成正比）；``h`` 小时来自舍入
    （约与 $\varepsilon/h$ 成正比，$\varepsilon$ 是 dtype 的机器精度）。V 的底部越低，
    梯度确认越可信。float16 不画：``numerical_gradient`` 拒绝它（默认步长在 float16 里被舍入掉）。
    """
    hs = np.asarray(hs, dtype=float)
    curves = error_curves(hs) if curves is None else curves
    fig, ax = styled_figure(figsize=(6.4, 4.0))
    for k, (name, err) in enumerate(curves.items()):
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


def error_facts(hs: Sequence[float], curves: dict[str, np.ndarray]) -> dict[str, float]:
    """正文引用的误差曲线特征：谷底、默认步长处的值、两条边与粗估 $h^2$、$\\varepsilon/h$ 之比。"""
    hs = np.asarray(hs, dtype=float)
    e64, e32 = curves["float64"], curves["float32"]
    eps = float(np.finfo(np.float64).eps)
    at_default = int(np.argmin(np.abs(np.log(hs / DEFAULT_H))))
    valley = int(np.nanargmin(e64))
    broken = hs[np.isnan(e32)]
    return {
        "f64_default": float(e64[at_default]),
        "f64_valley": float(e64[valley]),
        "f64_valley_h": float(hs[valley]),
        # 最大的 h 处：实测误差比粗估的截断误差 h² 小多少倍
        "truncation_below": float(hs[-1] ** 2 / e64[-1]),
        # 最小的 h 处：实测误差比粗估的舍入误差 ε/h 大多少倍
        "rounding_above": float(e64[0] / (eps / hs[0])),
        "f32_default": float(e32[at_default]),
        "f32_best": float(np.nanmin(e32)),
        "f32_break_h": float(broken.max()) if broken.size else math.nan,
    }


# ---------------------------------------------------------------------------
# GPU
# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# 正文里的数字与说法
# ---------------------------------------------------------------------------
def tex_sci(value: float, digits: int = 1) -> str:
    """``2.7e-07`` → ``2.7 \\times 10^{-7}``（页面写 ``${{ n.键 }}$``）。"""
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def tex_power(value: float) -> str:
    """数量级：``2.7e-10`` → ``10^{-10}``（最接近的 10 的整数次幂）。"""
    return f"10^{{{round(math.log10(value))}}}"


def times_words(ratio: float) -> str:
    """耗时比写成中文的倍数说法（“上百倍”），与表里的数来自同一个值。"""
    for low, words in ((1000, "上千倍"), (100, "上百倍"), (20, "几十倍"), (10, "十几倍"), (2, "几倍")):
        if ratio >= low:
            return words
    return f"{ratio:.1f} 倍"


def claim(ok: bool, sentence: str, value: float) -> None:
    """正文的一句定性说法要由数据支持；重测后不再成立时让构建失败，指出要改的句子。"""
    if not ok:
        raise ValueError(f"docs/speed/speedup.md 的说法“{sentence}”与实测不符（{value:.3g}）："
                         "请改写那句话（数据见 benchmarks/results/precision.json 或构建时的训练）")


@cache
def _precision() -> PrecisionResult:
    return measure_precision()


@cache
def _timing() -> dict[str, Any]:
    return load_timing()


@cache
def _curves() -> dict[str, np.ndarray]:
    return error_curves()


@cache
def _errors() -> dict[str, float]:
    return error_facts(STEPS, _curves())


def _ratio(part: str, dtype: str) -> float:
    return time_ratio(_timing(), part, dtype)


#: 正文对耗时比的定性说法，以及它成立的条件（重测后不成立时构建失败）
SPEED_CLAIMS: dict[tuple[str, str], tuple[str, Callable[[float], bool]]] = {
    ("epoch", "float32"): ("float32 每轮的时间与 float64 相差不大", lambda r: 0.8 < r < 1.25),
    ("epoch", "float16"): ("float16 每轮反而更慢", lambda r: r > 1.1),
    ("matmul", "float32"): ("大矩阵乘法里 float32 比 float64 快", lambda r: r < 0.8),
    ("matmul", "float16"): ("float16 的矩阵乘法慢得多", lambda r: r > 10),
}


def _claimed_ratio(part: str, dtype: str) -> float:
    sentence, ok = SPEED_CLAIMS[part, dtype]
    value = _ratio(part, dtype)
    claim(ok(value), sentence, value)
    return value


def _fp16_range() -> PrecisionRow:
    row = _precision().row("float16")
    claim(row.zero_grads == 0, "没有一个梯度分量下溢成 0", row.zero_grads)
    claim(row.largest < float(np.finfo(np.float16).max), "都远在 float16 的最大值以内", row.largest)
    return row


FIGURES = {
    "speedup-precision-loss.png": lambda: precision_loss_figure(_precision()),
    "speedup-gradient-error.png": lambda: gradient_error_figure(STEPS, _curves()),
}
SNIPPETS = {
    "precision.md": lambda: precision_markdown(_precision(), _timing()),
    "gpu-results.md": lambda: gpu_markdown(RESULTS / "gpu.json"),
}
NUMBERS = {
    # 损失曲线与 float64 的差距（右图画的就是它）
    "speedup_fp32_gap_tex": lambda: tex_sci(loss_gap(_precision(), "float32")[0]),
    "speedup_fp32_gap_eps": lambda: f"{math.ceil(loss_gap(_precision(), 'float32')[1])}",
    "speedup_fp16_gap_tex": lambda: tex_sci(loss_gap(_precision(), "float16")[0]),
    "speedup_fp16_gap_eps": lambda: f"{math.ceil(loss_gap(_precision(), 'float16')[1])}",
    # float16 训练中出现过的最大数值与最小的梯度分量
    "speedup_fp16_largest": lambda: f"{_fp16_range().largest:.0f}",
    "speedup_fp16_smallest_grad_tex": lambda: tex_sci(_fp16_range().smallest_grad, 0),
    # 速度（precision.json）：耗时比 = 该精度的耗时 ÷ float64 的耗时
    "speedup_epoch_fp32_ratio": lambda: f"{_claimed_ratio('epoch', 'float32'):.2f}",
    "speedup_epoch_fp16_ratio": lambda: f"{_claimed_ratio('epoch', 'float16'):.1f}",
    "speedup_matmul_fp32_ratio": lambda: f"{_claimed_ratio('matmul', 'float32'):.2f}",
    "speedup_matmul_fp16_ratio": lambda: f"{_claimed_ratio('matmul', 'float16'):.0f}",
    # 与上一个键显示的整数一致（99.7 显示成 100，就说“上百倍”）
    "speedup_matmul_fp16_words": lambda: times_words(round(_claimed_ratio("matmul", "float16"))),
    # 数值梯度的误差（下图画的就是它）
    "speedup_gc_f64_default_tex": lambda: tex_sci(_errors()["f64_default"]),
    "speedup_gc_f64_valley_h_tex": lambda: tex_power(_errors()["f64_valley_h"]),
    "speedup_gc_truncation_below": lambda: f"{_errors()['truncation_below']:.0f}",
    "speedup_gc_rounding_above": lambda: f"{_errors()['rounding_above']:.0f}",
    "speedup_gc_f32_default_tex": lambda: tex_sci(_errors()["f32_default"]),
    "speedup_gc_f32_best_tex": lambda: tex_sci(_errors()["f32_best"]),
    "speedup_gc_f32_break_h_tex": lambda: tex_power(_errors()["f32_break_h"]),
    # 同样的值写成图片说明里的纯文字（说明文字不渲染公式）
    "speedup_gc_f64_valley_alt": lambda: f"{_errors()['f64_valley']:.0e}",
    "speedup_gc_f32_best_alt": lambda: f"{_errors()['f32_best']:.1e}",
    "speedup_gc_f32_break_h_alt": lambda: f"{_errors()['f32_break_h']:.0e}",
    # 图的横轴：扫过的步长范围
    "speedup_gc_h_min_tex": lambda: tex_power(STEPS[0]),
    "speedup_gc_h_max_tex": lambda: tex_power(STEPS[-1]),
    # float32 最好的误差比通过线高几个数量级
    "speedup_gc_f32_orders": lambda: f"{math.floor(math.log10(_errors()['f32_best'] / PASS_THRESHOLD))}",
}
