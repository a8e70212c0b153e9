"""性能页（docs/speed/performance.md）：画 benchmarks/ 写出的结果文件、写出表格。

基准不在构建时运行（要几十秒到几分钟）；这里只读 ``benchmarks/results/*.json``。
某个结果文件还不存在时，不登记它的图，页面那一节如实说明并给出运行命令。
表头短、用 ``<br>`` 换行：窄屏上也不会从词中间折断；耗时比的列写明方向。
正文读表时引用的几个耗时比（``NUMBERS``）也从同一份 ``step.json`` 算出，
并核对正文的定性说法（“规模越小，比值越大”）仍然成立，不成立时构建失败。
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from figure_kit.results import (
    GRADCOST,
    REPRODUCE,
    RESULTS,
    gradcost_ratio_figure,
    load_results,
    machine_markdown,
    micro,
    missing,
)
from matplotlib.figure import Figure

from nnlearn.plotting.style import COLORS, styled_figure

STEP = RESULTS / "step.json"
STEP_FIG, GRADCOST_FIG = "perf-step.png", "perf-gradcost.png"

IMPLEMENTATIONS = (("nnlearn", "nnlearn"), ("floor", "纯 NumPy 下限"), ("torch", "PyTorch CPU"))
RATIO_NOTE = ("“耗时比”是 nnlearn 的耗时除以对方的耗时：1.00 表示一样快，"
              "小于 1 表示 nnlearn 更快，越小越快。")


def step_markdown(data: dict[str, Any]) -> str:
    """一步训练的耗时表：每个规模一行。"""
    has_torch = any("torch" in r["median_s"] for r in data["results"])
    head = "| 规模<br>N×D-H-C | nnlearn | 纯 NumPy<br>下限 | 耗时比<br>÷ 下限 |"
    rule = "|---|---:|---:|---:|"
    if has_torch:
        head += " PyTorch<br>CPU | 耗时比<br>÷ PyTorch |"
        rule += "---:|---:|"
    lines = [head, rule]
    for r in data["results"]:
        med = r["median_s"]
        line = (f"| {r['label']} | {micro(med['nnlearn'])} | {micro(med['floor'])} "
                f"| {r['ratio_floor']:.2f} |")
        if has_torch:
            ratio = "—" if r.get("ratio_torch") is None else f"{r['ratio_torch']:.2f}"
            line += f" {micro(med.get('torch'))} | {ratio} |"
        lines.append(line)
    return "\n".join(lines) + "\n\n" + RATIO_NOTE + "\n"


def step_figure(data: dict[str, Any]) -> Figure:
    """每个规模一组柱子：一步训练的中位耗时（对数纵轴），柱上标出相对下限的耗时比。"""
    results = data["results"]
    names = [(key, label) for key, label in IMPLEMENTATIONS
             if any(key in r["median_s"] for r in results)]
    fig, ax = styled_figure(figsize=(6.8, 4.2))
    width = 0.8 / len(names)
    xs = np.arange(len(results))
    for k, (key, label) in enumerate(names):
        values = [r["median_s"].get(key, np.nan) * 1e6 for r in results]
        bars = ax.bar(xs + (k - (len(names) - 1) / 2) * width, values, width, label=label,
                      color=COLORS[k])
        for bar, r in zip(bars, results, strict=True):
            if key in r["median_s"]:
                ratio = r["median_s"][key] / r["median_s"]["floor"]
                ax.annotate(f"{ratio:.2f}×", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=9, xytext=(0, 2),
                            textcoords="offset points")
    ax.set_yscale("log")
    ax.set_xticks(xs, [r["label"] for r in results])
    ax.set_xlabel("规模（批大小 N × 输入 D − 隐藏 H − 类别 C）")
    ax.set_ylabel("一步训练的中位耗时（µs，对数刻度）")
    ax.set_title(f"一步训练：前向 + 反向 + SGD 更新（{data.get('dtype', '')}）\n"
                 "柱上的数是相对纯 NumPy 下限的耗时比，越小越快")
    ax.legend(loc="upper left")
    ax.grid(axis="x", visible=False)
    return fig


def step_section(path: Path, figure: str) -> str:
    """性能页“一步训练”一节的正文：图、表、机器与复现命令；没有结果文件时如实说明。"""
    if not path.is_file():
        return missing(path)
    data = load_results(path)
    return (
        f"![一步训练的耗时（对数纵轴）：每个规模一组柱子，分别是 nnlearn、纯 NumPy 下限与 PyTorch CPU]"
        f"(../figures/{figure})\n\n"
        + step_markdown(data) + "\n"
        + machine_markdown(data, REPRODUCE["step.json"])
        + f"（dtype {data.get('dtype')}，每项是 {data.get('repeats')} 轮交替计时的中位数）\n"
    )


def gradcost_section(path: Path, figure: str) -> str:
    """性能页“数值梯度 vs 反向传播”一节的正文；没有结果文件时如实说明。"""
    if not path.is_file():
        return missing(path)
    data = load_results(path)
    lines = [
        f"![上：数值梯度与反向传播的耗时随参数个数 P 的变化；下：两者之比](../figures/{figure})",
        "",
        "| 隐藏层<br>H | 参数<br>个数 P | 反向传播 | 数值梯度 | 耗时比<br>数值 ÷ 反向 |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in data["scaling"]:
        lines.append(f"| {r['hidden']} | {r['params']} | {micro(r['backprop_s'])} "
                     f"| {micro(r['numerical_s'])} | {r['ratio']:.0f} |")
    lines += ["", "最后一列越大，数值梯度相对反向传播越慢。"]
    big = data.get("big")
    if big:
        lines += [
            "",
            f"更大的网络 {big['network']}（批 {big['batch']}，P = {big['params']}）："
            f"反向传播一次 {micro(big['backprop_s'])}；对全部参数做数值微分估计要 "
            f"{big['numerical_full_estimate_s']:.0f} 秒（2P 次正向传播，每次 {micro(big['forward_s'])}）。"
            f"`gradient_check` 每个数组只抽 {big['max_coords']} 个坐标，用时 "
            f"{big['gradient_check_s']:.1f} 秒，最大相对误差 {max(big['errors'].values()):.1e}。",
        ]
    lines += ["", machine_markdown(data, REPRODUCE["gradcost.json"])
              + f"（批大小 {data.get('batch')}）"]
    return "\n".join(lines) + "\n"


def step_ratios(data: dict[str, Any]) -> dict[str, float]:
    """正文引用的耗时比：最小与最大规模上，nnlearn ÷ 下限、nnlearn ÷ PyTorch。

    正文说“规模越小，nnlearn 与下限的比值越大”“PyTorch 在最小的规模上最吃亏”；
    数据不再支持这两句话时报错，指出要改的句子。
    """
    rows = sorted(data["results"], key=lambda r: r["size"]["N"] * r["size"]["D"] * r["size"]["H"])
    floor = [r["ratio_floor"] for r in rows]
    if any(a < b for a, b in pairwise(floor)):
        raise ValueError(f"docs/speed/performance.md 说“规模越小，比值越大”，可 step.json 里 "
                         f"nnlearn ÷ 下限 依规模是 {[round(v, 2) for v in floor]}：请改写那句话")
    ratios = {"floor_small": floor[0], "floor_large": floor[-1]}
    torch = [r.get("ratio_torch") for r in rows]
    if all(v is not None for v in torch):
        if torch[0] != min(torch):
            raise ValueError("docs/speed/performance.md 说 PyTorch 在最小的规模上最吃亏，可 step.json 里 "
                             f"nnlearn ÷ PyTorch 依规模是 {[round(v, 2) for v in torch]}：请改写那句话")
        ratios |= {"torch_small": torch[0], "torch_large": torch[-1]}
    return ratios


@cache
def _step_ratios() -> dict[str, float]:
    return step_ratios(load_results(STEP))


FIGURES = {}
if STEP.is_file():
    FIGURES[STEP_FIG] = lambda: step_figure(load_results(STEP))
if GRADCOST.is_file():
    FIGURES[GRADCOST_FIG] = lambda: gradcost_ratio_figure(load_results(GRADCOST))

SNIPPETS = {
    "perf-step.md": lambda: step_section(STEP, STEP_FIG),
    "perf-gradcost.md": lambda: gradcost_section(GRADCOST, GRADCOST_FIG),
}
NUMBERS = {
    # 一步训练的耗时比（step.json）：nnlearn ÷ 纯 NumPy 下限、nnlearn ÷ PyTorch
    "perf_floor_ratio_small": lambda: f"{_step_ratios()['floor_small']:.2f}",
    "perf_floor_ratio_large": lambda: f"{_step_ratios()['floor_large']:.2f}",
    "perf_torch_ratio_small": lambda: f"{_step_ratios()['torch_small']:.2f}",
    "perf_torch_ratio_large": lambda: f"{_step_ratios()['torch_large']:.2f}",
}
