r"""``check_optimizer``：检查读者自己写的优化器（只有 ``update(params, grads)`` 的对象）。

在一个小问题上跑几步：四个参数（两个同形状的矩阵、一个偏置、一个梯度始终为 0 的向量），
梯度来自曲率各不相同的二次函数 $\frac12 \sum a\,(p - c)^2$，每步就地写进同一批梯度数组
（和真正训练时一样）。同样的几步也交给包里的同名优化器（或 ``reference``），逐步比较。
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import numpy as np

from nnlearn import optim
from nnlearn.check.report import CheckReport, coord, first_change, number, shape
from nnlearn.gradient import relative_error
from nnlearn.validation import positive_int

__all__ = ["check_optimizer"]

STEPS = 5  # 动量、Adam 的偏差校正在前几步就和错误的写法分开了
#: 与参照比较的通过线（参数累计位移的相对误差）。等价的写法（如 Adam 把 eps 放在偏差校正之前
#: 或之后）只差约 1e-7 × eps 的量级，写错公式则差 1e-2 以上。
TOLERANCE = 1e-6
SHAPES = {"W": (3, 4), "b": (4,), "W2": (3, 4), "z": (2,)}
FROZEN = "z"  # 梯度始终为 0 的参数：状态按参数分开保存时它一步也不动


def check_optimizer(optimizer: Any, reference: Any = None, *, seed: int = 0) -> CheckReport:
    """在小问题上跑 5 步 ``update``，检查就地更新、状态按参数保存，并与参照逐步比较。

    ``reference`` 不给时用 :mod:`nnlearn.optim` 里同名的类（``Momentum``、``Adam`` …），
    超参数从 ``optimizer`` 的同名属性抄过去（``lr``、``momentum`` …）；可以传参照对象或类。
    包里没有同名类（例如 ``Nesterov``）又没给参照时，只检查协议，报告里注明跳过了比较。
    检查用的是 ``optimizer`` 的副本，原对象的状态不受影响。

    >>> from nnlearn.optim import Momentum
    >>> check_optimizer(Momentum(lr=0.1)).ok
    True
    """
    seed = positive_int("seed", seed, minimum=0)
    _require_optimizer(optimizer, "optimizer")
    ref = _reference(optimizer, reference)
    title = f"检查 {type(optimizer).__name__}：{STEPS} 步 update，参数 " + "，".join(
        f"{n} {s}" for n, s in SHAPES.items())
    if ref is not None:
        title += f"；参照 {_describe_optimizer(ref)}"
    report = CheckReport(title)
    _OptimizerCheck(copy.deepcopy(optimizer), ref, np.random.default_rng(seed), report).run()
    return report


class _Problem:
    """二次函数 $\\frac12 \\sum a (p - c)^2$：梯度 $a (p - c)$，``z`` 的梯度始终为 0。"""

    def __init__(self, rng: np.random.Generator) -> None:
        self.start = {n: rng.standard_normal(s) for n, s in SHAPES.items()}
        self.curvature = {n: rng.uniform(0.5, 3.0, s) for n, s in SHAPES.items()}
        self.centre = {n: rng.standard_normal(s) for n, s in SHAPES.items()}

    def fresh(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        params = [self.start[n].copy() for n in SHAPES]
        return params, [np.zeros_like(p) for p in params]

    def gradients(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        for name, p, g in zip(SHAPES, params, grads, strict=True):
            g[...] = 0.0 if name == FROZEN else self.curvature[name] * (p - self.centre[name])


class _OptimizerCheck:
    def __init__(self, opt: Any, ref: Any, rng: np.random.Generator, report: CheckReport) -> None:
        self.opt, self.ref, self.report = opt, ref, report
        self.problem = _Problem(rng)

    def run(self) -> None:
        params, grads = self.problem.fresh()
        ref_params, ref_grads = self.problem.fresh()
        names = list(SHAPES)
        ids = [id(p) for p in params]
        in_place: str | None = None  # 第一个问题的文字；None 表示没有问题
        grads_kept: str | None = None
        first_diff: str | None = None
        for step in range(1, STEPS + 1):
            before = [p.copy() for p in params]
            self.problem.gradients(params, grads)
            saved = [g.copy() for g in grads]
            plist, glist = list(params), list(grads)
            try:
                self.opt.update(plist, glist)
            except Exception as error:
                self.report._fail("update", f"第 {step} 步 update 出错：{type(error).__name__}: {error}")
                return
            if in_place is None and [id(p) for p in plist] != ids:
                i = next(i for i, p in enumerate(plist) if id(p) != ids[i])
                in_place = (f"update 把 params[{i}]（{names[i]}）换成了新数组（params[i] = ...）：\n"
                            "模型里的层拿着的还是旧数组，看不到更新；请写 params[i] -= ...")
            if in_place is None and step == 1 and all(
                    np.array_equal(b, p) for b, p in zip(before, params, strict=True)):
                in_place = ("第 1 步 update 之后参数一个都没变（梯度不为 0）：\n"
                            "param = param - lr * grad 只改了局部变量；请写 param -= lr * grad")
            if grads_kept is None:
                grads_kept = self._grads_changed(step, names, saved, glist)
            if self.ref is not None and first_diff is None:
                self.problem.gradients(ref_params, ref_grads)
                self.ref.update(ref_params, ref_grads)
                first_diff = self._compare(step, names, params, ref_params)
        self._finish(in_place, grads_kept, params, first_diff, ref_params)

    @staticmethod
    def _grads_changed(step: int, names: list[str], saved: list[np.ndarray],
                       grads: list[np.ndarray]) -> str | None:
        for name, before, after in zip(names, saved, grads, strict=True):
            change = first_change(before, after)
            if change is not None:
                idx, old, new = change
                return (f"第 {step} 步 update 就地改动了 {name} 的梯度（形状 {shape(before)}）："
                        f"{coord('grad', idx)} 原来是 {number(old)}，之后是 {number(new)}\n"
                        "梯度属于模型，别的代码还可能读它；请写 param -= self.lr * grad，不要改 grad")
        return None

    def _compare(self, step: int, names: list[str], params: list[np.ndarray],
                 ref_params: list[np.ndarray]) -> str | None:
        """比较从起点算起的累计位移；第一次超过通过线时返回问题。"""
        for name, p, r in zip(names, params, ref_params, strict=True):
            start = self.problem.start[name]
            mine, theirs = p - start, r - start
            error = relative_error(mine, theirs)
            self.report.errors[name] = max(error, self.report.errors.get(name, 0.0))
            if error > TOLERANCE:
                idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(mine - theirs))), mine.shape))
                text = (f"第 {step} 步之后 {name}（形状 {shape(p)}）与参照不同：累计位移的相对误差 "
                        f"{number(error)} > {TOLERANCE:.0e}；\n"
                        f"最大差在 {coord(name, idx)}：你的 {number(p[idx])}，参照 {number(r[idx])}")
                twins = [n for n in names[: names.index(name)] if SHAPES[n] == SHAPES[name]]
                if twins:
                    text += f"\n{name} 与 {twins[0]} 形状相同：状态是不是按形状保存、或几个参数共用了一份？"
                return text
        return None

    def _finish(self, in_place: str | None, grads_kept: str | None, params: list[np.ndarray],
                first_diff: str | None, ref_params: list[np.ndarray]) -> None:
        """按固定顺序写报告：就地更新、不改梯度、状态按参数、与参照比较。"""
        for name, problem in (("update 就地修改参数", in_place), ("update 不改动 grads", grads_kept)):
            if problem is None:
                self.report._pass(name)
            else:
                self.report._fail(name, problem)
        frozen = list(SHAPES).index(FROZEN)
        change = first_change(self.problem.start[FROZEN], params[frozen])
        if in_place is not None:
            return  # 参数没有就地更新：后面几项都无从谈起
        ref_moves = self.ref is not None and first_change(self.problem.start[FROZEN], ref_params[frozen]) is not None
        if ref_moves:
            self.report._skip("状态按参数分开保存", f"参照也移动了梯度为 0 的 {FROZEN}（如权重衰减），由逐步比较判断")
        elif change is not None:
            idx, old, new = change
            self.report._fail("状态按参数分开保存", (
                f"{FROZEN} 的梯度一直是 0，却被更新了：{coord(FROZEN, idx)} 从 {number(old)} 变成 {number(new)}\n"
                "动量、平方梯度这类状态要每个参数一份（例如按 params 的下标建列表）；\n"
                "若这是权重衰减这类不依赖梯度的更新，请用 reference= 传一个同样更新的参照"))
        else:
            self.report._pass("状态按参数分开保存", f"梯度为 0 的 {FROZEN} 没有动")
        if self.ref is None:
            missing = type(self.opt).__name__
            self.report._skip("与参照比较", f"nnlearn.optim 里没有 {missing}，可用 reference= 传入参照")
        elif first_diff is not None:
            self.report._fail("与参照比较", first_diff)
        else:
            self.report._pass("与参照比较", f"{STEPS} 步的累计位移相对误差都 ≤ {TOLERANCE:.0e}")


def _require_optimizer(obj: Any, what: str) -> None:
    if isinstance(obj, type):
        raise TypeError(f"{what} 应是优化器对象，收到的是类 {obj.__name__}：请先建对象，例如 {obj.__name__}(lr=0.1)")
    if not callable(getattr(obj, "update", None)):
        hint = "（层请用 check_layer）" if callable(getattr(obj, "forward", None)) else ""
        raise TypeError(f"{what} 应有 update(params, grads) 方法，{type(obj).__name__} 没有{hint}")


def _reference(optimizer: Any, reference: Any) -> Any:
    """参照对象：给了就用（类则按同名属性建），否则找 nnlearn.optim 里同名的类。"""
    if reference is None:
        name = type(optimizer).__name__
        by_name = {cls.__name__.lower(): cls for cls in optim.BY_NAME.values()}
        cls = by_name.get(name.lower())
        return None if cls is None else _build_like(cls, optimizer)
    if isinstance(reference, type):
        return _build_like(reference, optimizer)
    _require_optimizer(reference, "reference")
    return copy.deepcopy(reference)


def _build_like(cls: type, optimizer: Any) -> Any:
    """按 ``cls`` 的构造参数名，从 ``optimizer`` 的同名属性抄超参数。"""
    kwargs = {name: getattr(optimizer, name) for name in inspect.signature(cls).parameters
              if hasattr(optimizer, name)}
    return cls(**kwargs)


def _describe_optimizer(opt: Any) -> str:
    try:
        names = list(inspect.signature(type(opt)).parameters)
    except (TypeError, ValueError):
        names = []
    args = ", ".join(f"{n}={getattr(opt, n)!r}" for n in names if hasattr(opt, n))
    return f"{type(opt).__name__}({args})"
