"""检查结果：逐项列出查了什么、哪里出错，最后一行给出结论。

报告要能原样印在页面上当作“输出”被测试核对，所以数字格式紧凑且确定：
通过的项不印容易随机器浮动的微小误差（它们在 ``errors`` 里），
出错的项印出数组名、形状、最坏的坐标和两边的值。
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

PASSED, FAILED, SKIPPED = "通过", "失败", "跳过"


@dataclass
class Step:
    """报告里的一行：检查项的名字、结果和一句说明。"""

    name: str
    status: str
    detail: str = ""

    def __str__(self) -> str:
        return f"  [{self.status}] {self.name}" + (f"：{self.detail}" if self.detail else "")


@dataclass
class CheckReport:
    """``check_layer`` / ``check_optimizer`` 的结果。

    - ``ok``：没有发现问题；
    - ``problems``：每个问题一句中文，说出数组名、形状、最坏的坐标和两边的值；
    - ``errors``：每个输入、每个参数的相对误差（数组名 → 误差）；
    - ``print(report)``：逐项结果，最后一行是“全部通过”或“发现 N 个问题”；
    - ``raise_if_failed()``：有问题时抛出 ``AssertionError``，文字与 ``print`` 相同。
    """

    title: str
    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    errors: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        return "全部通过" if self.ok else f"发现 {len(self.problems)} 个问题"

    def _pass(self, name: str, detail: str = "") -> None:
        self.steps.append(Step(name, PASSED, detail))

    def _skip(self, name: str, detail: str) -> None:
        self.steps.append(Step(name, SKIPPED, detail))

    def _fail(self, name: str, *problems: str) -> None:
        """记下一项失败；每个问题单独计数。"""
        self.steps.append(Step(name, FAILED, f"见问题 {len(self.problems) + 1}"))
        self.problems.extend(problems)

    def raise_if_failed(self) -> None:
        """给读者自己的测试用：``report.raise_if_failed()`` 在有问题时失败。"""
        if not self.ok:
            raise AssertionError(str(self))

    def __str__(self) -> str:
        lines = [self.title, *map(str, self.steps)]
        for i, problem in enumerate(self.problems, start=1):
            first, *rest = problem.split("\n")
            lines.append(f"问题 {i}：{first}")
            lines.extend(f"  {line}" for line in rest)
        lines.append(self.verdict)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CheckReport {self.title!r}：{self.verdict}>"


def number(value: float) -> str:
    """四位有效数字，足够看出两边差多少，又不随机器最后几位的舍入变化。"""
    return f"{float(value):.4g}"


def shape(a: Any) -> str:
    return str(tuple(np.shape(a)))


def coord(name: str, idx: tuple[int, ...]) -> str:
    """``W[2, 0]``；0 维数组就只写名字。"""
    return f"{name}[{', '.join(map(str, idx))}]" if idx else name


def first_change(before: np.ndarray, after: Any) -> tuple[tuple[int, ...], float, float] | None:
    """``after`` 与 ``before`` 不同时，返回变化最大的坐标和前后两个值；没变返回 ``None``。"""
    after = np.asarray(after)
    if after.shape != before.shape:
        return (), float("nan"), float("nan")
    changed = ~((before == after) | (np.isnan(before) & np.isnan(after)))
    if not changed.any():
        return None
    diff = np.where(changed, np.abs(np.nan_to_num(after - before, nan=np.inf)), -1.0)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), before.shape))
    return idx, float(before[idx]), float(after[idx])
