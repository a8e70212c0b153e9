"""§1.5 计算的高速化（docs/speed/speedup.md）：三种精度的实测、数值梯度的误差、GPU 结果。

精度的数字在构建时实测（训练三遍螺旋数据，约 2 秒）；GPU 的数字只来自
``benchmarks/results/gpu.json``——没有这个文件时页面如实说明没有 GPU 实测。
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from nnlearn.plotting.perf import gpu_markdown
from nnlearn.plotting.precision import (
    gradient_error_figure,
    measure_precision,
    precision_loss_figure,
    precision_markdown,
)

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


@cache
def _precision():
    return measure_precision()


FIGURES = {
    "speedup-precision-loss.png": lambda: precision_loss_figure(_precision()),
    "speedup-gradient-error.png": gradient_error_figure,
}
SNIPPETS = {
    "precision.md": lambda: precision_markdown(_precision()),
    "gpu-results.md": lambda: gpu_markdown(RESULTS / "gpu.json"),
}
