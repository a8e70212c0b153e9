"""图的说明文字（``![说明](../figures/x.png)`` 的 alt）与图里实际画的东西一致。

说明文字是读屏软件读给读者听的、也是图挂掉时读者看到的：它说“三种学习率”，图里就得是三条
曲线；它说“谷底约 1e-10”，图里的数据就得在那里。本测试按构建的方式画出页面引用的每一张图，
从 matplotlib 的 Figure 里读出事实，再核对说明文字里的两类说法：

- **个数**：“三种学习率”“五种优化器”“两条曲线”……——这个数必须等于图里某个子图的图例条数、
  带标签的曲线条数或子图个数；说明里有“左：…右：…”（或“上/下”）时，图至少有两个子图；
- **数值**：说明里的每个数（``0.25``、``1e-10``、``300``……）必须出现在图里的文字上（标题、
  图例、坐标轴、标注），或与图中数据的某个特征值相符（每条曲线首末点、最小最大值及其位置、
  散点、标注的位置）：写成“约”的数差在 3 倍以内，其余差在 2% 以内。

笔记本页面的图由执行时的代码画出，说明来自单元的 ``# 图：`` 注释，不在本测试里。
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import figures
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?:\.\./)+figures/(?P<name>[^)/\s]+\.png)\)")
CN_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
COUNT = re.compile(r"(?P<n>[一两二三四五六七八九十]|\d+)\s*(?P<unit>种|条|个子图|幅|组)")
NUMBER = re.compile(r"(?<![\w.^])[-−]?\d+(?:\.\d+)?(?:e[-+−]?\d+)?(?![\w.])")
ABOUT = re.compile(r"约|附近|左右|量级")


def figure_references() -> list[tuple[str, str, str]]:
    """(页面, 图名, 说明)：Markdown 页面里引用的每一张生成的图。"""
    found = []
    for path in sorted(DOCS.rglob("*.md")):
        for m in IMAGE.finditer(path.read_text(encoding="utf-8")):
            found.append((path.relative_to(DOCS).as_posix(), m["name"], m["alt"]))
    return found


@functools.cache
def outputs() -> dict[str, figures.Output]:
    return {o.name: o for o in figures.collect_outputs() if o.kind == "FIGURES"}


@dataclass
class Facts:
    """从一张图里读出的事实。"""

    panels: int = 0
    counts: set[int] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def has_text_number(self, value: float) -> bool:
        return any(_close(value, v, 0.02) for t in self.texts for v in _numbers(t))

    def has_value(self, value: float, about: bool) -> bool:
        tolerance = 3.0 if about else 0.02
        return any(_close(value, v, tolerance) for v in self.values)


def _close(a: float, b: float, tolerance: float) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    if a == b:
        return True
    if tolerance >= 1:  # “约 1e-10”：同一个量级（相差不到 tolerance 倍）
        return a * b > 0 and max(abs(a), abs(b)) / min(abs(a), abs(b)) <= tolerance
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


def _numbers(text: str) -> list[float]:
    text = text.replace("−", "-").replace("\N{MINUS SIGN}", "-")
    out = []
    for m in NUMBER.finditer(text):
        try:
            out.append(float(m[0].replace("−", "-")))
        except ValueError:
            continue
    # matplotlib 的对数刻度写成 $\mathdefault{10^{-4}}$
    out.extend(10.0 ** int(e) for e in re.findall(r"10\^\{?([-−]?\d+)\}?", text.replace("−", "-")))
    return out


def _line_features(x: np.ndarray, y: np.ndarray) -> list[float]:
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return []
    x, y = x[finite], y[finite]
    i_min, i_max = int(np.argmin(y)), int(np.argmax(y))
    return [x[0], x[-1], y[0], y[-1], y[i_min], y[i_max], x[i_min], x[i_max], x.min(), x.max(), len(x), len(x) - 1]


def _axes_facts(ax: Axes, facts: Facts) -> None:
    lines = [line for line in ax.get_lines() if isinstance(line, Line2D)]
    labelled = [line for line in lines if not str(line.get_label()).startswith("_")]
    legend = ax.get_legend()
    if legend is not None:
        facts.counts.add(len(legend.get_texts()))
        facts.texts.extend(t.get_text() for t in legend.get_texts())
    if labelled:
        facts.counts.add(len(labelled))
    for line in lines:
        x = np.asarray(line.get_xdata(), dtype=float).ravel()
        y = np.asarray(line.get_ydata(), dtype=float).ravel()
        if x.size == y.size and x.size:
            facts.values.extend(_line_features(x, y))
    for coll in ax.collections:
        if isinstance(coll, Collection):
            offsets = np.asarray(coll.get_offsets(), dtype=float)
            if offsets.ndim == 2 and 0 < len(offsets) <= 50:
                facts.values.extend(offsets.ravel())
                facts.counts.add(len(offsets))
    bars = [p for p in ax.patches if hasattr(p, "get_height")]
    if bars:
        facts.counts.add(len(bars))
        facts.values.extend(float(p.get_height()) for p in bars)
    for text in ax.texts:
        facts.texts.append(text.get_text())
        facts.values.extend(float(v) for v in np.ravel(text.get_position()))
    facts.texts.extend([ax.get_title(), ax.get_xlabel(), ax.get_ylabel()])
    facts.texts.extend(t.get_text() for t in [*ax.get_xticklabels(), *ax.get_yticklabels()])


def read_facts(fig: Figure) -> Facts:
    facts = Facts()
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison and (ax.has_data() or ax.texts)]
    facts.panels = len(panels)
    facts.counts.add(len(panels))
    for ax in fig.axes:
        _axes_facts(ax, facts)
    facts.texts.extend(t.get_text() for t in fig.texts)
    if fig._suptitle is not None:  # noqa: SLF001 - matplotlib 没有公开的读取方法
        facts.texts.append(fig._suptitle.get_text())
    return facts


#: 说明里写出的函数式（``f(x,y)=x²/20+y²``）：里面的常数是公式的一部分，不是图上的值。
FORMULA = re.compile(r"[A-Za-z]\([^)]*\)\s*=\s*[^\s，。；：]+")


def alt_problems(alt: str, facts: Facts) -> list[str]:
    """说明文字里与图不符的说法。"""
    problems = []
    alt = FORMULA.sub(lambda m: " " * len(m[0]), alt)
    if re.search(r"左[：:].*右[：:]|上[：:].*下[：:]", alt) and facts.panels < 2:
        problems.append(f"说明分左右（上下）两部分，图却只有 {facts.panels} 个子图")
    counted_spans = []
    for m in COUNT.finditer(alt):
        n = CN_DIGITS.get(m["n"]) or int(m["n"])
        counted_spans.append(m.span("n"))
        if n not in facts.counts:
            problems.append(f"“{m[0]}”：图里没有 {n} 个的东西（子图、图例、曲线的个数是 {sorted(facts.counts)}）")
    for m in NUMBER.finditer(alt):
        if any(s <= m.start() < e for s, e in counted_spans):
            continue
        value = float(m[0].replace("−", "-"))
        about = bool(ABOUT.search(alt[max(0, m.start() - 3): m.end() + 3]))
        if not (facts.has_text_number(value) or facts.has_value(value, about)):
            problems.append(f"“{m[0]}”：图的文字和数据里都找不到这个值")
    return problems


REFERENCES = figure_references()


@pytest.mark.parametrize(("page", "name", "alt"), REFERENCES, ids=[f"{p}:{n}" for p, n, _ in REFERENCES])
def test_alt_text_agrees_with_the_figure(page: str, name: str, alt: str) -> None:
    assert alt.strip(), f"{page} 的 {name} 没有说明文字"
    output = outputs().get(name)
    if output is None:
        pytest.skip(f"{name} 不是 FIGURES 里的图（游乐场的帧等由 ASSETS 生成）")
    fig = output.make()
    try:
        problems = alt_problems(alt, read_facts(fig))
    finally:
        plt.close(fig)
    assert not problems, f"{page} 的 ![{alt}]({name})：\n" + "\n".join(problems)


def test_checker_catches_a_wrong_count_and_a_wrong_value() -> None:
    """反证：四条曲线的图被说成“三种”、数据里没有的数值，都会被发现；说对了就通过。"""
    fig, (left, right) = plt.subplots(1, 2)
    x = np.linspace(1e-6, 1e-1, 50)
    for lr in (0.1, 0.5, 0.9, 1.1):
        left.plot(x, lr * x, label=f"η = {lr}")
    left.legend()
    right.plot([0, 1, 2], [0.25, 0.1, 0.05])
    facts = read_facts(fig)
    plt.close(fig)
    assert alt_problems("左：四种学习率；右：从 0.25 降到 0.05", facts) == []
    assert len(alt_problems("左：三种学习率；右：从 0.25 降到 0.05", facts)) == 1
    assert len(alt_problems("左：四种学习率；右：从 0.3 降到 0.05", facts)) == 1
    assert alt_problems("四种学习率，谷底约 1e-9", facts) != []
