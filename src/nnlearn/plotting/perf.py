"""性能页与 §1.5 的图表：读 ``benchmarks/`` 写出的结果文件（JSON）来画。

基准测试本身在 ``benchmarks/`` 里运行（要几十秒到几分钟，不适合每次构建站点都跑）；
它们把结果连同机器信息和日期写进 ``benchmarks/results/*.json``。这里的函数只读这些
文件：图上的每个数字都能追溯到一次具体的运行。
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nnlearn.plotting.style import COLORS, styled_figure

__all__ = [
    "REPRODUCE",
    "gpu_markdown",
    "gradcost_figure",
    "gradcost_section",
    "load_results",
    "machine_markdown",
    "step_figure",
    "step_markdown",
    "step_section",
]

#: 重新生成各结果文件的命令（在仓库根目录运行）。
REPRODUCE = {
    "step.json": "bash benchmarks/run.sh step",
    "gradcost.json": "bash benchmarks/run.sh gradcheck",
    "gpu.json": "pip install -e '.[gpu]' && bash benchmarks/run.sh gpu",
}

IMPLEMENTATIONS = (("nnlearn", "nnlearn"), ("floor", "纯 NumPy 下限"), ("torch", "PyTorch CPU"))


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
    parts = [f"测量于 {str(m.get('date', '?'))[:10]}", f"{m.get('cpu', '?')}（{m.get('cpu_count', '?')} 核）",
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


def _micro(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def step_markdown(data: dict[str, Any]) -> str:
    """一步训练的耗时表：每个规模一行。"""
    has_torch = any("torch" in r["median_s"] for r in data["results"])
    head = "| 规模 N×D-H-C | nnlearn | 纯 NumPy 下限 | nnlearn / 下限 |"
    rule = "|---|---:|---:|---:|"
    if has_torch:
        head += " PyTorch CPU | nnlearn / PyTorch |"
        rule += "---:|---:|"
    lines = [head, rule]
    for r in data["results"]:
        med = r["median_s"]
        line = (f"| {r['label']} | {_micro(med['nnlearn'])} | {_micro(med['floor'])} "
                f"| {r['ratio_floor']:.2f} |")
        if has_torch:
            ratio = "—" if r.get("ratio_torch") is None else f"{r['ratio_torch']:.2f}"
            line += f" {_micro(med.get('torch'))} | {ratio} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


def step_figure(data: dict[str, Any]) -> Figure:
    """每个规模一组柱子：一步训练的中位耗时（对数纵轴），柱上标出相对下限的倍数。"""
    results = data["results"]
    names = [(key, label) for key, label in IMPLEMENTATIONS
             if any(key in r["median_s"] for r in results)]
    fig, ax = styled_figure(figsize=(7.0, 4.0))
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
                            ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                            textcoords="offset points")
    ax.set_yscale("log")
    ax.set_xticks(xs, [r["label"] for r in results])
    ax.set_xlabel("规模（批大小 N × 输入 D − 隐藏 H − 类别 C）")
    ax.set_ylabel("一步训练的中位耗时（µs，对数刻度）")
    ax.set_title(f"一步训练：前向 + 反向 + SGD 更新（{data.get('dtype', '')}）")
    ax.legend()
    ax.grid(axis="x", visible=False)
    return fig


def gradcost_figure(data: dict[str, Any]) -> Figure:
    """数值梯度与反向传播的耗时随参数个数的变化（双对数坐标）及二者之比。"""
    rows = data["scaling"]
    params = np.array([r["params"] for r in rows], dtype=float)
    numerical = np.array([r["numerical_s"] for r in rows])
    backprop = np.array([r["backprop_s"] for r in rows])
    fig, (ax1, ax2) = styled_figure(1, 2, figsize=(9.0, 3.8))
    ax1.loglog(params, numerical, marker="o", color=COLORS[3], label="数值梯度（全部参数）")
    ax1.loglog(params, backprop, marker="s", color=COLORS[0], label="反向传播")
    ax1.set_xlabel("参数个数 P")
    ax1.set_ylabel("求一次全部梯度的时间（秒）")
    ax1.set_title("求梯度的代价")
    ax1.legend()
    ax2.loglog(params, numerical / backprop, marker="o", color=COLORS[2])
    for p, r in zip(params, rows, strict=True):
        ax2.annotate(f"H={r['hidden']}", (p, r["numerical_s"] / r["backprop_s"]), fontsize=8,
                     xytext=(4, -10), textcoords="offset points")
    ax2.set_xlabel("参数个数 P")
    ax2.set_ylabel("数值梯度 / 反向传播")
    ax2.set_title("慢了多少倍")
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
        "| 规模 N×D-H-C | nnlearn GPU | 纯 CuPy 下限 | nnlearn CPU | CPU / GPU |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in data["results"]:
        med = r["median_s"]
        lines.append(f"| {r['label']} | {_micro(med['nnlearn_gpu'])} | {_micro(med['floor'])} "
                     f"| {_micro(med['nnlearn_cpu'])} | {r['speedup_vs_cpu']:.2f} |")
    lines.append("")
    lines.append(machine_markdown(data, REPRODUCE["gpu.json"]) + f"（dtype {data.get('dtype')}）")
    lines.append("")
    lines.append("“CPU / GPU” 大于 1 表示 GPU 更快，小于 1 表示 GPU 反而更慢。")
    return "\n".join(lines) + "\n"


def _missing(path: Path) -> str:
    return (
        "!!! warning \"还没有这项基准的结果\"\n"
        f"    `benchmarks/results/{path.name}` 不存在。在仓库根目录运行\n\n"
        f"    ```bash\n    {REPRODUCE.get(path.name, 'bash benchmarks/run.sh all')}\n    ```\n\n"
        "    然后重新构建站点，这里就会出现图和表。\n"
    )


def step_section(path: str | Path, figure: str) -> str:
    """性能页“一步训练”一节的正文：图、表、机器与复现命令；没有结果文件时如实说明。"""
    path = Path(path)
    if not path.is_file():
        return _missing(path)
    data = load_results(path)
    return (
        f"![一步训练的耗时：nnlearn、纯 NumPy 下限与 PyTorch CPU](../figures/{figure})\n\n"
        + step_markdown(data) + "\n"
        + machine_markdown(data, REPRODUCE["step.json"])
        + f"（dtype {data.get('dtype')}，每项是 {data.get('repeats')} 轮交替计时的中位数）\n"
    )


def gradcost_section(path: str | Path, figure: str) -> str:
    """性能页“数值梯度 vs 反向传播”一节的正文；没有结果文件时如实说明。"""
    path = Path(path)
    if not path.is_file():
        return _missing(path)
    data = load_results(path)
    lines = [
        f"![数值梯度与反向传播的耗时随参数个数增长](../figures/{figure})",
        "",
        "| 隐藏层 H | 参数个数 P | 反向传播 | 数值梯度 | 数值梯度 / 反向传播 |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in data["scaling"]:
        lines.append(f"| {r['hidden']} | {r['params']} | {_micro(r['backprop_s'])} "
                     f"| {_micro(r['numerical_s'])} | {r['ratio']:.0f} |")
    big = data.get("big")
    if big:
        lines += [
            "",
            f"更大的网络 {big['network']}（批 {big['batch']}，P = {big['params']}）："
            f"反向传播一次 {_micro(big['backprop_s'])}；对全部参数做数值微分估计要 "
            f"{big['numerical_full_estimate_s']:.0f} 秒（2P 次前向，每次 {_micro(big['forward_s'])}）。"
            f"`gradient_check` 每个数组只抽 {big['max_coords']} 个坐标，用时 "
            f"{big['gradient_check_s']:.1f} 秒，最大相对误差 {max(big['errors'].values()):.1e}。",
        ]
    lines += ["", machine_markdown(data, REPRODUCE["gradcost.json"])
              + f"（批大小 {data.get('batch')}）"]
    return "\n".join(lines) + "\n"
