"""性能页（docs/speed/performance.md）：画 benchmarks/ 写出的结果文件。

基准不在构建时运行（要几十秒到几分钟）；这里只读 ``benchmarks/results/*.json``。
某个结果文件还不存在时，不登记它的图，页面那一节如实说明并给出运行命令。
"""

from __future__ import annotations

from pathlib import Path

from nnlearn.plotting.perf import (
    gradcost_figure,
    gradcost_section,
    load_results,
    step_figure,
    step_section,
)

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
STEP, GRADCOST = RESULTS / "step.json", RESULTS / "gradcost.json"
STEP_FIG, GRADCOST_FIG = "perf-step.png", "perf-gradcost.png"

FIGURES = {}
if STEP.is_file():
    FIGURES[STEP_FIG] = lambda: step_figure(load_results(STEP))
if GRADCOST.is_file():
    FIGURES[GRADCOST_FIG] = lambda: gradcost_figure(load_results(GRADCOST))

SNIPPETS = {
    "perf-step.md": lambda: step_section(STEP, STEP_FIG),
    "perf-gradcost.md": lambda: gradcost_section(GRADCOST, GRADCOST_FIG),
}
