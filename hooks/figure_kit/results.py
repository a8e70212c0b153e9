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
        parts.append(f"[OpenBLAS](../reference/glossary.md#blas) 内核 {blas['corename']}")  # 各页都在 docs/ 下一层
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
    ax.text(p_max * 0.85, float(np.sqrt(slow * fast)), f"相差约\n{gradcost_speedup(rows[-1])} 倍",
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


# ---------------------------------------------------------------------------
# 一次反向 ÷ 一次正向（gradcost.json 的 backward_forward）：表、段落与 site-numbers 的键共用
# ---------------------------------------------------------------------------
def gradcost_speedup(row: dict[str, Any]) -> str:
    """数值梯度 ÷ 反向传播，写成页面上的样子（图的标注、段落与 ``gradcost_speedup`` 键同一写法）。"""
    return f"{row['ratio']:,.0f}"


def ratio_text(value: float) -> str:
    """一次反向 ÷ 一次正向，保留一位小数（表、段落与键同一写法）。"""
    return f"{value:.1f}"


def backward_forward_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """各规模、各线程数下一次反向 ÷ 一次正向的测量；旧格式的结果文件说清楚怎样重测。"""
    rows = data.get("backward_forward")
    if not rows:
        raise ValueError(f"{GRADCOST.name} 缺少 backward_forward（各规模的反向 ÷ 正向）：请重新运行 "
                         f"{REPRODUCE['gradcost.json']}")
    return rows


def backward_forward(data: dict[str, Any], label: str | None = None, *, threads: int = 1,
                     input_grad: bool = False) -> dict[str, Any]:
    """一行测量：``label`` 为 None 时取最大的规模；默认 1 线程、第一层不算 dx（TwoLayerNet 本来的样子）。"""
    rows = backward_forward_rows(data)
    if label is None:
        label = max(rows, key=lambda r: r["forward_macs"])["label"]
    for r in rows:
        if r["label"] == label and r["threads"] == threads and r["input_grad"] == input_grad:
            return r
    raise KeyError(f"{GRADCOST.name} 里没有 {label}、{threads} 线程、input_grad={input_grad} 的测量")


def backward_forward_book(data: dict[str, Any]) -> dict[str, Any]:
    """最小的规模（书中的 30×2-10-3），1 线程，TwoLayerNet 本来的样子。"""
    rows = backward_forward_rows(data)
    return backward_forward(data, min(rows, key=lambda r: r["forward_macs"])["label"])


def backward_forward_range(data: dict[str, Any]) -> tuple[float, float]:
    """测过的全部规模、线程数、第一层算与不算 dx，反向 ÷ 正向的最小与最大值。"""
    ratios = [r["backward_over_forward"] for r in backward_forward_rows(data)]
    return min(ratios), max(ratios)


def _labels(rows: list[dict[str, Any]]) -> list[str]:
    """规模按乘加次数从小到大，各出现一次。"""
    ordered = sorted(rows, key=lambda r: r["forward_macs"])
    return list(dict.fromkeys(r["label"] for r in ordered))


def backward_forward_table(data: dict[str, Any]) -> str:
    """表：每个规模一行，1/2 线程、第一层算与不算 dx 的反向 ÷ 正向，以及按乘加次数预计的比值。"""
    rows = backward_forward_rows(data)
    threads = sorted({r["threads"] for r in rows})
    head = "| 规模<br>N×D-H-C |"
    rule = "|---|"
    for dx in (False, True):
        for n in threads:
            head += f" {'第一层也算 dx' if dx else 'TwoLayerNet'}<br>{n} 线程 |"
            rule += "---:|"
    head += " 按乘加次数<br>预计 |"
    rule += "---:|"
    lines = [head, rule]
    for label in _labels(rows):
        cells = [ratio_text(backward_forward(data, label, threads=n, input_grad=dx)
                            ["backward_over_forward"]) for dx in (False, True) for n in threads]
        plain = backward_forward(data, label, threads=threads[0])
        with_dx = backward_forward(data, label, threads=threads[0], input_grad=True)
        predicted = f"{ratio_text(plain['macs_ratio'])} / {ratio_text(with_dx['macs_ratio'])}"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {predicted} |")
    return "\n".join(lines)


def _per_forward_words(row: dict[str, Any]) -> str:
    """数值梯度里平均每次正向，与单独计时的一次正向比：多还是相当，由数据决定。"""
    per, alone = row["numerical_per_forward_s"], row["forward_s"]
    if per > 1.15 * alone:
        return (f"平均每次 {micro(per)}，比单独计时的一次正向（{micro(alone)}）多，"
                "多出的是逐个坐标改动、还原参数的开销")
    if per * 1.15 >= alone:
        return f"平均每次 {micro(per)}，和单独计时的一次正向（{micro(alone)}）相当"
    return f"平均每次 {micro(per)}，单独计时的一次正向是 {micro(alone)}"


def size_words(label: str) -> str:
    """把规模标签 ``N×D-H-C`` 写成读得懂的话：批大小 N，网络 D-H-C（输入、隐藏、输出的单元数）。

    >>> size_words("30×2-10-3")
    '批大小 30、网络 2-10-3'
    """
    batch, _, net = label.partition("×")
    return f"批大小 {batch}、网络 {net}"


def backprop_cost_markdown(path: Path = GRADCOST) -> str:
    """几页共用的一段话：数值梯度比反向传播慢多少、为什么；一次反向相当于几次正向（--8<-- 引入）。

    数字与 ``site-numbers.py`` 的 ``gradcost_*`` 键出自同一份文件、同一组函数。
    """
    if not path.is_file():
        return missing(path)
    data = load_results(path)
    last = data["scaling"][-1]
    if "numerical_per_forward_s" not in last:
        raise ValueError(f"{path} 缺少 numerical_per_forward_s：请重新运行 "
                         f"{REPRODUCE['gradcost.json']}")
    book, large = backward_forward_book(data), backward_forward(data)
    lo, hi = backward_forward_range(data)
    p = last["params"]
    first = (f"在本站的实测里，`TwoLayerNet(2, {last['hidden']}, 3)`（P = {p:,} 个参数，"
             f"批大小 {data.get('batch')}）用数值梯度求一次全部梯度要 {micro(last['numerical_s'])}。"
             f"它做了 2P = {2 * p:,} 次正向，{_per_forward_words(last)}。"
             f"反向传播求出同样的梯度，一次正向加一次反向只要 {micro(last['backprop_s'])}，"
             f"前者是后者的 {gradcost_speedup(last)} 倍。")
    book_size = f"{size_words(book['label'])}：输入、隐藏层、输出的单元数"
    second = (f"一次反向本身相当于几次正向，要看网络多大：书中的设置（{book_size}）上只要 "
              f"{ratio_text(book['backward_over_forward'])} 次（时间主要花在每次调用的 Python 开销上），"
              f"{size_words(large['label'])} 上是 {ratio_text(large['backward_over_forward'])} 次"
              f"（时间花在矩阵乘法上）；测过的规模和线程数（矩阵乘法同时用几个 CPU 核）里，"
              f"从 {ratio_text(lo)} 到 {ratio_text(hi)} 次"
              f"（各规模的表与原因见[反向传播有多贵](../learning/backprop.md#backward-cost)）。")
    return (first + "\n\n" + second + "\n\n"
            + f"（{machine_markdown(data, REPRODUCE['gradcost.json'])}）\n")


def backprop_cost_table_markdown(path: Path = GRADCOST) -> str:
    """反向传播页的表：各规模、各线程数的“一次反向 ÷ 一次正向”，以及机器与复现命令。"""
    if not path.is_file():
        return missing(path)
    data = load_results(path)
    load = data.get("loadavg_start") or [None]
    busy = "" if load[0] is None else (
        f"开始测量时机器的 1 分钟平均负载是 {load[0]:.1f}（{data['machine'].get('cpu_count', '?')} 个核）；"
        "有别的进程在跑时，2 线程的数字最容易偏离。")
    return (backward_forward_table(data) + "\n\n"
            + "表中是一次 `backward` 与一次 `forward` 的耗时之比（正向与反向轮流计时，各取最小值）。"
            + busy + machine_markdown(data, REPRODUCE["gradcost.json"]) + "\n")
