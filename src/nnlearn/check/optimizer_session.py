r"""一次 ``check_optimizer`` 的状态：小问题、读者的优化器和参照各跑 ``STEPS`` 步的轨迹。

问题是曲率各不相同的二次函数 $\frac12 \sum a\,(p - c)^2$：四个参数，``W`` 与 ``W2``、``z`` 同形，
``z`` 的梯度始终为 0。每步把梯度就地写进同一批梯度数组（和真正训练时一样）。
轨迹在第一次用到时才跑（经过 ``Guard``：有时间上限，异常包成 ``LearnerError``）。
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnlearn.check.guard import Guard
from nnlearn.check.report import CheckReport
from nnlearn.check.text import first_change, unchanged_problems

STEPS = 5  # 动量、Adam 的偏差校正在前几步就和错误的写法分开了
SHAPES = {"W": (3, 4), "b": (4,), "W2": (3, 4), "z": (3, 4)}
FROZEN = "z"  # 梯度始终为 0 的参数：状态按参数分开保存时它一步也不动；与 W、W2 同形


class Problem:
    """二次函数 $\\frac12 \\sum a (p - c)^2$：梯度 $a (p - c)$，``z`` 的梯度始终为 0。"""

    def __init__(self, rng: np.random.Generator) -> None:
        self.start = {n: rng.standard_normal(s) for n, s in SHAPES.items()}
        self.curvature = {n: rng.uniform(0.5, 3.0, s) for n, s in SHAPES.items()}
        # 极小点离起点 1–2：五步之内梯度都不接近 0，Adam 这类算法里 eps 的位置（等价写法的差别）可以忽略
        self.centre = {n: self.start[n] + rng.choice([-1.0, 1.0], s) * rng.uniform(1.0, 2.0, s)
                       for n, s in SHAPES.items()}

    def fresh(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        params = [self.start[n].copy() for n in SHAPES]
        return params, [np.zeros_like(p) for p in params]

    def gradients(self, params: list[np.ndarray], grads: list[np.ndarray], names: list[str] | None = None) -> None:
        for name, p, g in zip(names or list(SHAPES), params, grads, strict=True):
            g[...] = 0.0 if name == FROZEN else self.curvature[name] * (p - self.centre[name])


@dataclass
class Trace:
    """跑 ``STEPS`` 步的记录：每步之后的参数（检查器自己持有的那批数组）、换掉的数组、改动的梯度。"""

    after: list[list[np.ndarray]] = field(default_factory=list)
    rebound: tuple[int, int] | None = None  # 第一次把 params[i] 换成新数组的（步, i）
    grads_changed: str | None = None  # 第一次就地改动梯度的问题文字
    warnings: list[str] = field(default_factory=list)


@dataclass
class Hyper:
    """按参照的构造参数名从读者的对象抄超参数：抄到的、没有的（参照用默认值）、读者对象上别的数值属性。"""

    copied: dict[str, Any]
    missing: dict[str, Any]
    others: dict[str, Any]
    order: list[str]  # 参照构造参数的顺序


class OptimizerSession:
    def __init__(self, optimizer: Any, reference: Any, how: str, hyper: Hyper | None, why_none: str,
                 rng: np.random.Generator, guard: Guard, report: CheckReport) -> None:
        self.pristine = optimizer  # 检查开始时的副本：单独更新一个参数时再复制它
        self.opt = copy.deepcopy(optimizer)
        self.ref, self.how, self.hyper, self.why_none = reference, how, hyper, why_none
        self.ref_pristine = copy.deepcopy(reference)
        self.problem = Problem(rng)
        self.names = list(SHAPES)
        self.guard, self.report = guard, report
        self._trace: Trace | None = None
        self._ref_trace: Trace | None = None
        self.updated = False  # 五步 update 都跑完了（没有出错）
        self.in_place_ok = False  # 参数就地更新了：后面几项才有意义
        self.state_shared = False  # “状态按参数分开保存”发现了参数互相影响

    @property
    def trace(self) -> Trace:
        if self._trace is None:
            self._trace = self.run(self.opt)
        return self._trace

    @property
    def ref_trace(self) -> Trace:
        if self._ref_trace is None:
            self._ref_trace = self.run(self.ref, "参照的")
        return self._ref_trace

    def alone(self, reference: bool, name: str) -> list[np.ndarray]:
        """把 ``name`` 这一个参数单独交给一份新复制的优化器，跑 ``STEPS`` 步；返回每步之后的值。"""
        opt = copy.deepcopy(self.ref_pristine if reference else self.pristine)
        p = self.problem.start[name].copy()
        g = np.zeros_like(p)
        after = []
        for step in range(1, STEPS + 1):
            self.problem.gradients([p], [g], [name])
            self.guard.call(f"只交给它 {name} 时的第 {step} 步 update", opt.update, [p], [g])
            after.append(p.copy())
        return after

    def run(self, opt: Any, who: str = "") -> Trace:
        """跑 ``STEPS`` 步；update 出错时 ``LearnerError``（“第 k 步 update”）向上传。"""
        trace = Trace()
        params, grads = self.problem.fresh()
        ids = [id(p) for p in params]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for step in range(1, STEPS + 1):
                self.problem.gradients(params, grads)
                saved = [g.copy() for g in grads]
                plist, glist = list(params), list(grads)
                self.guard.call(f"{who}第 {step} 步 update", opt.update, plist, glist)
                if trace.rebound is None and [id(p) for p in plist] != ids:
                    trace.rebound = (step, next(i for i, p in enumerate(plist) if id(p) != ids[i]))
                if trace.grads_changed is None:
                    trace.grads_changed = self._grads_changed(step, saved, glist)
                trace.after.append([p.copy() for p in params])
        trace.warnings = [str(w.message) for w in caught]
        return trace

    def _grads_changed(self, step: int, saved: list[np.ndarray], grads: list[Any]) -> str | None:
        """与层的“forward 不改动输入”“backward 不改动 dout”是同一个检查、同一种说法。"""
        arrays = [(f"d{name}", before, after) for name, before, after in zip(self.names, saved, grads, strict=True)]
        problems = unchanged_problems(f"第 {step} 步 update 就地改动了梯度", arrays)
        if not problems:
            return None
        return (problems[0] + "\n梯度属于模型，别的代码还可能读它；请只改参数，梯度保持原样"
                "（要用改过的梯度就先算一个新数组，例如 g = grad * self.lr）")

    def moved(self, trace: Trace, name: str) -> bool:
        """这个参数在哪一步动过。"""
        i = self.names.index(name)
        start = self.problem.start[name]
        return any(first_change(start, after[i]) is not None for after in trace.after)
