"""读 ``benchmarks/results/*.json``：机器说明、时间格式，以及求梯度代价的图与段落。

基准本身在 ``benchmarks/`` 里运行（几十秒到几分钟，不适合每次构建都跑），结果连同机器
信息和日期写进 JSON；页面上的数字都只从这些文件来，所以反向传播页、链式法则页和性能页
说的是同一次测量。
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnlearn.plotting.style import COLORS, styled_figure

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
GRADCOST = RESULTS / "gradcost.json"

#: 重新生成各结果文件的命令（在仓库根目录运行）。
REPRODUCE = {
    "step.json": "bash benchmarks/run.sh step",
    "gradcost.json": "bash benchmarks/run.sh gradcheck",
    "precision.json": "bash benchmarks/run.sh precision",
    "gpu.json": "pip install -e '.[gpu]' && bash benchmarks/run.sh gpu",
}


def load_results(path: str | Path) -> dict[str, Any]:
    """读一个结果文件；缺了就说清楚用哪条命令生成。"""
    path = Path(path)
    if not path.is_file():
        how = REPRODUCE.get(path.name, "见 benchmarks/ 里的脚本")
        raise FileNotFoundError(f"没有基准结果 {path}：请先运行 {how}")
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("machine", "results" if path.name != "gradcost.json" else "scaling"):
        if key not in data:
            raise ValueError(f"{path} 不像基准结果文件：缺少字段 {key!r}")
    return data


def machine_markdown(data: dict[str, Any], command: str) -> str:
    """一行说明：哪台机器、哪天、用什么版本测的，以及复现命令。"""
    m = data["machine"]
    blas = m.get("blas") or {}
    parts = [f"测量于 {str(m.get('date', '?'))[:10]}",
             f"{m.get('cpu', '?')}（{m.get('cpu_count', '?')} 核）",
             f"Python {m.get('python', '?')}", f"NumPy {m.get('numpy', '?')}"]
    if blas.get("corename"):
        parts.append(f"OpenBLAS 内核 {blas['corename']}")
    if data.get("torch"):
        parts.append(f"PyTorch {data['torch']['version']}（{data['torch']['threads']} 线程）")
    if data.get("gpu"):
        parts.append(f"GPU {data['gpu']}")
    if data.get("cupy"):
        parts.append(f"CuPy {data['cupy']}")
    return "，".join(parts) + f"。复现：`{command}`"


def micro(seconds: float | None) -> str:
    """耗时写成 µs / ms / s 中合适的一种。"""
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def missing(path: Path) -> str:
    """结果文件还不存在时页面上的说明（给出生成它的命令）。"""
    return (
        "!!! warning \"还没有这项基准的结果\"\n"
        f"    `benchmarks/results/{path.name}` 不存在。在仓库根目录运行\n\n"
        f"    ```bash\n    {REPRODUCE.get(path.name, 'bash benchmarks/run.sh all')}\n    ```\n\n"
        "    然后重新构建站点，这里就会出现图和表。\n"
    )


def _columns(rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    params = np.array([r["params"] for r in rows], dtype=float)
    return (params, np.array([r["numerical_s"] for r in rows]),
            np.array([r["backprop_s"] for r in rows]))


def draw_gradcost(ax: Axes, rows: list[dict[str, Any]]) -> None:
    """双对数坐标：两种求梯度方法的耗时随参数个数的变化，最右端标出相差多少倍。"""
    params, numerical, backprop = _columns(rows)
    ax.loglog(params, numerical, "o-", color=COLORS[3], label="数值梯度（每个参数两次正向）")
    ax.loglog(params, backprop, "s-", color=COLORS[0], label="反向传播（一次正向 + 一次反向）")
    p_max, slow, fast = params[-1], numerical[-1], backprop[-1]
    ax.annotate("", xy=(p_max, fast), xytext=(p_max, slow),
                arrowprops={"arrowstyle": "<->", "color": "0.4", "shrinkA": 6, "shrinkB": 6})
    ax.text(p_max * 0.85, float(np.sqrt(slow * fast)), f"相差约\n{slow / fast:,.0f} 倍",
            ha="right", va="center")
    ax.set_xlabel("参数个数 P")
    ax.set_ylabel("求一次全部梯度的耗时（秒）")
    ax.legend(loc="upper left")


def gradcost_figure(data: dict[str, Any]) -> Figure:
    """反向传播页的图：只画两条耗时曲线。"""
    fig, ax = styled_figure(figsize=(6.4, 4.2))
    draw_gradcost(ax, data["scaling"])
    ax.set_title(f"TwoLayerNet(2, H, 3) 上的实测耗时（批大小 {data.get('batch')}）")
    return fig


def gradcost_ratio_figure(data: dict[str, Any]) -> Figure:
    """性能页的图：耗时曲线，下面再画二者之比（每个点标出隐藏层大小 H）。"""
    rows = data["scaling"]
    params, numerical, backprop = _columns(rows)
    fig, (ax1, ax2) = styled_figure(2, 1, figsize=(6.4, 6.6))
    draw_gradcost(ax1, rows)
    ax1.set_title("求梯度的代价")
    ax2.loglog(params, numerical / backprop, marker="o", color=COLORS[2])
    for p, ratio, row in zip(params, numerical / backprop, rows, strict=True):
        # 曲线往右上走，左上方是空的：标注放那里，不压线也不碰坐标轴
        ax2.annotate(f"H={row['hidden']}", (p, ratio), xytext=(-6, 4),
                     textcoords="offset points", ha="right", va="bottom")
    ratios = numerical / backprop
    ax2.set_xlim(params[0] / 4, params[-1] * 1.6)
    ax2.set_ylim(ratios.min() / 2, ratios.max() * 3)
    ax2.set_xlabel("参数个数 P")
    ax2.set_ylabel("数值梯度 / 反向传播")
    ax2.set_title("数值梯度慢了多少倍（耗时比，越大越慢）")
    return fig


def backprop_cost_markdown(path: Path = GRADCOST) -> str:
    """一段话：实测的“一次反向 ≈ 几次正向”，以及数值梯度慢多少倍（页面用 --8<-- 引入）。"""
    if not path.is_file():
        return missing(path)
    data = load_results(path)
    rows = [r for r in data["scaling"] if "backward_over_forward" in r]
    if not rows:
        raise ValueError(f"{path} 缺少 backward_over_forward：请重新运行 "
                         f"{REPRODUCE['gradcost.json']}")
    ratios = [r["backward_over_forward"] for r in rows]
    lo, hi = min(ratios), max(ratios)
    last = data["scaling"][-1]
    big = data.get("big") or {}
    text = (f"在本站的实测里（`TwoLayerNet(2, H, 3)`，批大小 {data.get('batch')}，"
            f"H 从 {rows[0]['hidden']} 到 {rows[-1]['hidden']}），一次反向传播的耗时是一次"
            f"正向传播的 {lo:.1f}–{hi:.1f} 倍")
    if "backward_over_forward" in big:
        text += (f"；在更大的 {big['network']} 网络（批 {big['batch']}）上是 "
                 f"{big['backward_over_forward']:.1f} 倍")
    text += (f"。也就是说，正向加反向、求出全部梯度，一共约是算一次损失的 {1 + lo:.1f}–{1 + hi:.1f} 倍；"
             f"而数值梯度要做 2P 次"
             f"正向传播，H = {last['hidden']}（P = {last['params']}）时比反向传播慢约 "
             f"{last['ratio']:,.0f} 倍。")
    return text + f"（{machine_markdown(data, REPRODUCE['gradcost.json'])}）\n"
