r"""正文里没有手写的实测数字：耗时、速度比、百分比、科学计数法的量级，都要从构建来。

实测的量（某次计时、某个误差量级、一次训练的准确率或损失）写进说明文字时，只能是
代码块打印的输出、``--8<--`` 引入的生成片段，或 ``{{ n.键 }}``（``hooks/site_numbers.py``）。
手写的数字会和构建出的数字分道扬镳：同一个量在两页上不一样，或这次构建的表格和上面的
文字矛盾。本测试扫描各页的说明文字（代码块、输出块、行内代码、``{{ … }}``、注释之外，
公式与图片说明都算），找出像实测值的数字：

- 时间：数字（或“几”“上百”这类中文数词）后面跟 µs、ms、s、秒、毫秒、微秒……；
- 倍数：后面跟“倍”或单独的“×”（``8×16`` 这样的形状不算）；
- 百分比：``%``、“百分之几”；
- 科学计数法：``1e-7``、``10^{-7}``、``\times 10^{…}``。

不是实测值的少数例外列在 ``ALLOWED`` 里，每条写明理由：数学事实、书中公布的数字（注明出处）、
代码里定义的常数（测试核对它确实等于代码里的值）。一条例外只放行它所在的那几个字。
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pytest
from page_prose import markdown_prose, nav_pages, prose

from nnlearn.check.tolerance import THRESHOLD_REASON
from nnlearn.gradient import DEFAULT_H, PASS_THRESHOLD
from nnlearn.optim import EPS

NUM = r"(?<![\w.])[-−+]?\d[\d,]*(?:\.\d+)?"
CN = r"[一二两三四五六七八九十百千万几数上]+"
PATTERNS = {
    "时间": re.compile(rf"(?:{NUM}|{CN})\s*(?:µs|μs|us|ms|ns|s|秒|毫秒|微秒|纳秒|分钟)(?![A-Za-z])"),
    "倍数": re.compile(rf"(?:{NUM}|{CN})\s*(?:倍|×(?!\s*\d))"),
    "百分比": re.compile(rf"{NUM}\s*%|百分之[一二三四五六七八九十几\d]+"),
    "科学计数法": re.compile(r"(?<![\w.])\d(?:\.\d+)?e[-+]?\d+|10\^\{?[-−]?\d+\}?|\\times\s*10\^"),
}
#: 参考页里由 docstring 生成的 API 页、由各章标题生成的练习总览不扫描（它们没有手写正文）。
GENERATED_PAGES = {"reference/api.md", "reference/exercises.md"}


@dataclass(frozen=True)
class Allowed:
    """一条例外：``page`` 上（``"*"`` 表示每一页）包含 ``text`` 的那几个字放行。"""

    page: str
    text: str
    why: str


def _tex_power(value: float) -> str:
    exponent = round(math.log10(value))
    assert 10.0**exponent == pytest.approx(value), f"{value} 不是 10 的整数次幂"
    return f"10^{{{exponent}}}"


# 代码里的常数：写成 10^{-4} 的地方与 DEFAULT_H 相同（测试在导入时核对）。
H_TEX, THRESHOLD_TEX = _tex_power(DEFAULT_H), _tex_power(PASS_THRESHOLD)
EPS_TEX = _tex_power(EPS)  # 自适应优化器分母里的小常数 nnlearn.optim.EPS


def _tex_scientific(value: float) -> str:
    """浮点格式的常数写成页面上的样子：``1.8e+308`` → ``1.8 \\times 10^{308}``（由 NumPy 算出，不手抄）。"""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


# float64 的最大有限值、相邻两数的相对间隔，float32 能表示的最小正数：浮点格式本身的常数
F64_MAX_TEX = _tex_scientific(float(np.finfo(np.float64).max))
F64_EPS_TEX = _tex_scientific(float(np.finfo(np.float64).eps))
F32_TINY_TEX = _tex_scientific(float(np.finfo(np.float32).smallest_subnormal))


# 以下由 learning/graph.md、learning/backprop.md 引用：float32 相邻两数的相对间隔、它除以默认步长
# 的数量级，以及 nnlearn.check 报告里“写错的通常 > 1e-3”的经验线：都由代码算出，改了代码这里跟着变
F32_EPS_TEX = _tex_scientific(float(np.finfo(np.float32).eps))
EPS32_OVER_H_TEX = _tex_power(10.0 ** math.floor(math.log10(np.finfo(np.float32).eps / DEFAULT_H)))
WRONG_TEX = _tex_power(float(re.search(r"> (\S+)", THRESHOLD_REASON)[1]))

ALLOWED: list[Allowed] = [
    # ---- 每一页：nnlearn.gradient 的两个常数（不是测量值；代码改了，上面的 _tex_power 先失败）----
    Allowed("*", f"h = {H_TEX}", "默认步长 nnlearn.gradient.DEFAULT_H"),
    Allowed("*", f"通过线 ${THRESHOLD_TEX}$", "nnlearn.gradient.PASS_THRESHOLD"),
    # ---- learning/loss.md ----
    Allowed("learning/loss.md", F64_MAX_TEX, "float64 的最大有限值 np.finfo(np.float64).max（浮点格式的常数）"),
    Allowed("learning/loss.md", "10^{-7}",
            "书中代码的常数：DLFS2 common/functions.py 的 cross_entropy_error 在 log 里加 1e-7"),
    # ---- learning/derivative.md ----
    Allowed("learning/derivative.md", "10^{-50}", "例子故意选的荒谬步长（输入，不是测量）"),
    Allowed("learning/derivative.md", "h = 10^{-6}", "与默认步长对比的候选步长（输入，不是测量）"),
    Allowed("learning/derivative.md", "缩小到 $10^{-5}$ 左右", "给拐得快的函数选的步长（输入，不是测量）"),
    Allowed("learning/derivative.md", F64_EPS_TEX,
            "float64 相邻两数的相对间隔 np.finfo(np.float64).eps（浮点格式的常数）"),
    Allowed("learning/derivative.md", F32_TINY_TEX,
            "float32 能表示的最小正数 np.finfo(np.float32).smallest_subnormal（浮点格式的常数）"),
    # ---- learning/chain-rule.md ----
    # ---- learning/graph.md ----
    Allowed("learning/graph.md", f"\\varepsilon \\approx {F64_EPS_TEX}", "float64 的机器精度 finfo.eps"),
    Allowed("learning/graph.md", f"约为 ${F32_EPS_TEX}$", "float32 的机器精度 np.finfo(np.float32).eps"),
    Allowed("learning/graph.md", f"就有 ${EPS32_OVER_H_TEX}$ 的量级", "float32 的 eps / DEFAULT_H 的数量级"),
    Allowed("learning/graph.md", f"误差通常在 ${WRONG_TEX}$ 以上", "nnlearn.check 的经验线 THRESHOLD_REASON"),
    # ---- learning/backprop.md ----
    Allowed("learning/backprop.md", f"\\varepsilon \\approx {F64_EPS_TEX}", "float64 的机器精度 finfo.eps"),
    Allowed("learning/backprop.md", f"${WRONG_TEX}$ 以上，甚至接近 1", "nnlearn.check 的经验线 THRESHOLD_REASON"),
    # ---- learning/update.md ----
    Allowed("learning/update.md", f"\\varepsilon = {EPS_TEX}", "nnlearn.optim.EPS（与书的 common/optimizer.py 相同）"),
    Allowed("learning/update.md", "经验值是 $10^{-3}$", "CS231n 课程笔记给的经验值，不是本站的测量"),
    Allowed("learning/update.md", "经验值 $10^{-3}$", "同上：CS231n 的经验值"),
    # ---- solving/spiral.ipynb ----
    # ---- solving/training.ipynb ----
    # ---- solving/playground.md ----
    # ---- speed/speedup.md ----
    # ---- speed/performance.md ----
    # ---- reference/glossary.md ----
    # ---- reference/errata.md ----
    # 书中代码的常数：DLFS2 common/functions.py 的 cross_entropy_error 在 log 里加 1e-7（不是测量值）
    Allowed("reference/errata.md", "加 1e-7", "书中代码 cross_entropy_error 的常数 1e-7"),
    Allowed("reference/errata.md", "10^{-7}", "书中代码 cross_entropy_error 的常数 1e-7"),
]


@dataclass(frozen=True)
class Hit:
    page: str
    kind: str
    text: str
    line: str

    def __str__(self) -> str:
        return f"{self.page}：{self.kind} “{self.text}” 在：{self.line.strip()[:120]}"


def hits(page: str, text: str | None = None) -> list[Hit]:
    """页面说明文字里所有像实测值、又不在例外里的数字。"""
    text = prose(page, keep_links=False) if text is None else text
    allowed = [a for a in ALLOWED if a.page in ("*", page)]
    found = []
    for line in text.splitlines():
        spans = [(m.start(), m.end()) for a in allowed for m in re.finditer(re.escape(a.text), line)]
        for kind, pattern in PATTERNS.items():
            for m in pattern.finditer(line):
                if not any(s <= m.start() and m.end() <= e for s, e in spans):
                    found.append(Hit(page, kind, m.group(0), line))
    return found


SCANNED = [p for p in nav_pages() if p not in GENERATED_PAGES]


@pytest.mark.parametrize("page", SCANNED)
def test_no_hand_typed_measurements(page: str) -> None:
    found = hits(page)
    assert not found, (
        f"{page} 的说明文字里有 {len(found)} 处像是手写的实测数字：请改成代码块的输出、生成的片段或 "
        "{{ n.键 }}（见 hooks/site_numbers.py），数学事实与书中数字才写进 ALLOWED（注明理由）：\n"
        + "\n".join(map(str, found))
    )


@pytest.mark.parametrize("planted, kind", [
    ("一次反向约 70.4 µs。", "时间"),
    ("float16 慢上百倍。", "倍数"),
    ("数值梯度慢 3,558×。", "倍数"),
    ("准确率 96.3 %。", "百分比"),
    ("误差约 $10^{-8}$ 量级。", "科学计数法"),
    ("误差约 1e-10。", "科学计数法"),
])
def test_scanner_catches_planted_numbers(planted: str, kind: str) -> None:
    """反证：把手写的数字放进说明文字，扫描能发现，并归到正确的类别。"""
    found = hits("learning/loss.md", planted)
    assert [h.kind for h in found] == [kind], found


@pytest.mark.parametrize("clean", [
    "输入是 $8 \\times 16$ 的批，形状 8×16。",
    "数值梯度比反向传播慢 {{ n.backprop_speedup }} 倍。",
    f"默认步长 $h = {H_TEX}$。",
    "一次反向约 `70.4 µs`（行内代码不算说明文字）。",
])
def test_scanner_leaves_shapes_generated_numbers_and_allowed_constants(clean: str) -> None:
    """反证的另一面：形状、生成的数字、例外表里的常数、行内代码都不报。"""
    assert hits("learning/loss.md", markdown_prose(clean)) == []


def test_every_allowed_entry_is_used() -> None:
    """例外表里没有过期的条目：每一条都至少放行了某一页上的一处数字。"""
    texts = {page: prose(page, keep_links=False) for page in SCANNED}
    unused = [a for a in ALLOWED
              if not any(a.text in text for page, text in texts.items() if a.page in ("*", page))]
    assert not unused, f"这些例外在页面上已经找不到，请删掉：{unused}"
