"""检查结果：逐项列出查了什么、哪里出错、哪些没能查，最后一行给出结论。

报告要能原样印在页面上当作“输出”被测试核对，所以数字格式紧凑且确定：
通过的项不印容易随机器浮动的微小误差（它们在 ``errors`` 里），
出错的项印出数组名、形状、最坏的坐标和两边的值。
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASSED, FAILED, UNCHECKED = "通过", "失败", "未检查"


@dataclass(frozen=True)
class Outcome:
    """一项检查的结果：``passed`` / ``failed`` / ``unchecked`` 三者之一。"""

    status: str
    detail: str = ""
    problems: tuple[str, ...] = ()


def passed(detail: str = "") -> Outcome:
    """查了，没有发现问题；``detail`` 说明查到了什么（只写真正查过的东西）。"""
    return Outcome(PASSED, detail)


def failed(*problems: str) -> Outcome:
    """查了，发现问题；每个问题一段中文：哪个数组、哪个坐标、两边的值、怎么改。"""
    return Outcome(FAILED, problems=problems)


def unchecked(why: str) -> Outcome:
    """没能查（或查不出结论）；``why`` 说明原因和怎样才能查。"""
    return Outcome(UNCHECKED, why)


@dataclass
class Step:
    """报告里的一行：检查项的名字、结果和一句说明。"""

    name: str
    status: str
    detail: str = ""
    decisive: bool = False

    def __str__(self) -> str:
        detail = self.detail.replace("\n", "\n    ")  # 多行的说明缩进，和问题的续行一样
        return f"  [{self.status}] {self.name}" + (f"：{detail}" if detail else "")


@dataclass
class CheckReport:
    """``check_layer`` / ``check_optimizer`` 的结果。

    报告的每一行是一项检查，结果只有三种：

    - **通过**：这一项查了，没有发现问题；说明里写的就是查过的范围（例如“x、W 的相对误差”）。
    - **失败**：这一项查了，发现问题；问题写在报告下方，编号对应。
    - **未检查**：这一项没能查，或查不出结论（例如层在检查前已经 forward 过、梯度确认的坐标
      正好落在折点上、找不到参照优化器）；说明里写着原因和怎样才能查。

    最后一行是结论：只有每一项都查了、都通过时才是“全部通过”；否则写出问题的个数和（或）
    未检查的项数。一项失败让后面依赖它的检查无法进行时（例如 forward 出错），这些项不逐行列出，
    只在最后一行说明有几项因此没有进行。

    属性与方法：

    - ``ok``：没有任何失败，**并且**决定性的那一项真的查了、通过了——层是“梯度确认”，
      优化器是“与参照比较”。其余项未检查不影响 ``ok``，但结论不会是“全部通过”；
    - ``problems``：每个问题一段中文，说出数组名、形状、最坏的坐标和两边的值；
    - ``unchecked``：未检查的项，``[(名字, 原因), ...]``；
    - ``errors``：每个输入、每个参数的相对误差（数组名 → 误差）；
    - ``print(report)``：逐项结果、问题、结论；
    - ``raise_if_failed()``：``ok`` 为假时抛出 ``AssertionError``，文字与 ``print`` 相同。
    """

    title: str
    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    errors: dict[str, float] = field(default_factory=dict)
    #: 因为前面的失败（或超时）而没有进行的检查项的名字
    blocked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        decisive = [s for s in self.steps if s.decisive]
        return (not self.problems and bool(decisive) and all(s.status == PASSED for s in decisive)
                and not any(s.status == FAILED for s in self.steps))

    @property
    def unchecked(self) -> list[tuple[str, str]]:
        return [(s.name, s.detail) for s in self.steps if s.status == UNCHECKED]

    @property
    def verdict(self) -> str:
        """最后一行：全部通过；或问题数、未检查的项数，以及接下来做什么。"""
        skipped = [name for name, _ in self.unchecked]
        if self.problems:
            text = f"发现 {len(self.problems)} 个问题"
            if self.blocked:
                text += f"；它挡住了后面 {len(self.blocked)} 项检查，改好后再查一次"
            if skipped:
                text += f"；另有 {len(skipped)} 项未检查（{'、'.join(skipped)}）"
            return text
        if skipped:
            after = f"，后面 {len(self.blocked)} 项检查因此没有进行" if self.blocked else ""
            return (f"没有发现问题，但有 {len(skipped)} 项未检查（{'、'.join(skipped)}）{after}："
                    "原因写在该行，能补查的按说明补查")
        if self.blocked:  # 挡住后面的通常是一项失败或未检查；万一不是，也不能说“全部通过”
            return f"没有发现问题，但有 {len(self.blocked)} 项检查没有进行"
        return "全部通过"

    def add(self, name: str, outcome: Outcome, *, decisive: bool = False) -> None:
        """记下一项结果；失败时每个问题单独编号。"""
        if outcome.status == FAILED:
            first = len(self.problems) + 1
            numbers = "、".join(str(first + i) for i in range(len(outcome.problems)))
            self.steps.append(Step(name, FAILED, f"见问题 {numbers}", decisive))
            self.problems.extend(outcome.problems)
        else:
            self.steps.append(Step(name, outcome.status, outcome.detail, decisive))

    def raise_if_failed(self) -> None:
        """给读者自己的测试用：``report.raise_if_failed()`` 在 ``ok`` 为假时失败。"""
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
