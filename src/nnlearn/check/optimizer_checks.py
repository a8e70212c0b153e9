"""``check_optimizer`` 的检查清单：每一项一个函数，按报告里的顺序排列在 ``OPTIMIZER_CHECKS``。

提示按参照的算法给出改法（Momentum 的改法不是 SGD 的那一行）；诊断来自实际发生的事：
数组是否被换掉、哪一步开始动、与参照差了几步。
"""

from __future__ import annotations

import numpy as np

from nnlearn.check.guard import LearnerError
from nnlearn.check.optimizer_session import FROZEN, SHAPES, STEPS, OptimizerSession, Trace
from nnlearn.check.report import Outcome, failed, passed, unchecked
from nnlearn.check.runner import Check
from nnlearn.check.text import coord, error_text, first_change, listing, number, shape, warning_text
from nnlearn.gradient import relative_error

#: 与参照比较的通过线（参数累计位移的相对误差）。等价的写法只差舍入误差，或 eps 的位置：
#: Adam 把 eps 加在 sqrt(v̂) 上还是 sqrt(v) 上，第 1 步相差 eps·(1/sqrt(1−β₂) − 1)/|g| ≈ 3e-6/|g|，
#: 小问题里 |g| 不小于约 0.3，所以在 1e-5 左右；写错公式则差 1e-2 以上。
TOLERANCE = 1e-4

#: 各算法就地更新参数的那一行（“参数一个都没变”时给出）
IN_PLACE_FIX = {
    "SGD": "param -= self.lr * grad",
    "Momentum": "param += v（v 是这个参数自己的速度）",
    "Nesterov": "param += self.momentum**2 * v 和 param -= (1 + self.momentum) * self.lr * grad",
    "AdaGrad": "param -= self.lr * grad / (np.sqrt(h) + 1e-7)",
    "RMSprop": "param -= self.lr * grad / (np.sqrt(h) + 1e-7)",
    "Adam": "param -= lr_t * m / (np.sqrt(v) + 1e-7)",
}
#: 各算法“先更新状态、再更新参数”的顺序（参数晚了一步时给出）
STATE_FIRST = {
    "Momentum": "先更新速度（v *= self.momentum; v -= self.lr * grad），再 param += v",
    "AdaGrad": "先 h += grad * grad，再 param -= self.lr * grad / (np.sqrt(h) + 1e-7)",
    "RMSprop": "先更新 h，再用新的 h 更新 param",
    "Adam": "先更新 m 和 v，再用它们更新 param",
}


def in_place(s: OptimizerSession) -> Outcome:
    """update 就地修改 ``params`` 里的数组：不换成新数组，也不只改局部变量（五步里参数要动）。"""
    trace = s.trace
    s.updated = True
    if trace.rebound is not None:
        step, i = trace.rebound
        return failed(f"第 {step} 步 update 把 params[{i}]（{s.names[i]}）换成了新数组（params[i] = ...）：\n"
                      "模型里的层拿着的还是旧数组，看不到更新；请就地修改，"
                      f"例如 {_fix(s, IN_PLACE_FIX, 'params[i] -= ...')}")
    if not any(s.moved(trace, n) for n in s.names if n != FROZEN):
        if s.ref is not None and not any(s.moved(s.ref_trace, n) for n in s.names):
            return unchecked(f"参照在这 {STEPS} 步里也一步没动（例如 lr=0），没法判断参数是否就地更新")
        if getattr(s.pristine, "lr", None) == 0:
            return unchecked(f"lr 是 0，{STEPS} 步里参数一个都没变，没法判断是否就地更新；请用正的学习率检查")
        return failed(f"{STEPS} 步 update 之后参数一个都没变（梯度不为 0）：\n"
                      "param = param - ... 这样的写法只让局部变量指向新数组，列表里的数组纹丝不动；"
                      f"请就地修改，例如 {_fix(s, IN_PLACE_FIX, 'param -= ...')}")
    s.in_place_ok = True
    return passed()


def grads_unchanged(s: OptimizerSession) -> Outcome:
    """update 不就地改动 ``grads``：梯度属于模型，别的代码还可能读它。"""
    problem = s.trace.grads_changed
    return passed() if problem is None else failed(problem)


def hyperparameters(s: OptimizerSession) -> Outcome:
    """参照的构造参数（``lr``、``momentum`` …）都能在读者的对象上找到同名属性。"""
    assert s.hyper is not None
    if not s.hyper.missing:
        return passed(f"参照的 {listing(list(s.hyper.copied))} 取自你的对象")
    missing = listing([f"{k}（参照用了默认值 {v!r}）" for k, v in s.hyper.missing.items()])
    others = listing([f"{k}={v!r}" for k, v in s.hyper.others.items()])
    seen = f"；你的对象上有 {others}" if others else ""
    ref = type(s.ref).__name__
    args = ", ".join(f"{k}=..." for k in s.hyper.order)
    return unchecked(f"你的对象上没有 {missing}{seen}。请用同样的属性名，"
                     f"或用 reference={ref}({args}) 指定参照")


def state_per_param(s: OptimizerSession) -> Outcome:
    """每个参数单独交给一份新的优化器跑五步，结果与四个参数一起更新时相同：状态每个参数一份。

    状态按形状保存（``W`` 与 ``W2``、``z`` 同形）或几个参数共用一份时，一起更新的参数会互相影响。
    一起更新时一步也没动的参数（例如只更新了第一个参数）不比较，由“与参照比较”说明。
    """
    compared = [n for n in s.names if n == FROZEN or s.moved(s.trace, n)]
    for name in compared:
        try:
            alone = s.alone(False, name)
        except LearnerError as error:
            return unchecked(f"只交给它一个参数（{name}）时 update 出错，没法单独比较：{error_text(error.error)}")
        step, idx, together, single = _first_gap(s, name, alone) or (0, (), 0.0, 0.0)
        if not step:
            continue
        if s.ref is not None and _first_gap(s, name, s.alone(True, name), s.ref_trace):
            return unchecked("参照自己也不是按参数分开更新的（例如按全部梯度的大小缩放），由与参照的比较判断")
        s.state_shared = True
        twins = [n for n in s.names if n != name and SHAPES[n] == SHAPES[name]]
        hint = f"{name} 与 {listing(twins)} 形状相同：状态是不是按形状保存、或几个参数共用了一份？" if twins else ""
        return failed(f"{name} 和别的参数一起更新时，第 {step} 步之后与只更新它自己时不同"
                      f"（{coord(name, idx)}：一起 {number(together)}，单独 {number(single)}）："
                      f"它受了别的参数的影响。\n{hint}动量、平方梯度这类状态要每个参数一份"
                      "（例如按 params 的下标建列表）")
    skipped = [n for n in s.names if n not in compared]
    note = f"（{listing(skipped)} 一起更新时没动，没有比较）" if skipped else ""
    return passed(f"{listing(compared)} 单独更新与一起更新的结果相同{note}")


def _first_gap(s: OptimizerSession, name: str, alone: list[np.ndarray], trace: Trace | None = None
               ) -> tuple[int, tuple[int, ...], float, float] | None:
    """一起更新（``trace``）与单独更新的第一处差别：步、坐标、两边的值。"""
    trace = s.trace if trace is None else trace
    i, start = s.names.index(name), s.problem.start[name]
    for step, (after, single) in enumerate(zip(trace.after, alone, strict=True), start=1):
        together = after[i]
        same = np.array_equal(together, single, equal_nan=True)
        if not same and relative_error(together - start, single - start) > TOLERANCE:
            gap = np.abs(np.nan_to_num(together - single, nan=np.inf))
            idx = tuple(int(k) for k in np.unravel_index(int(np.argmax(gap)), gap.shape))
            return step, idx, float(together[idx]), float(single[idx])
    return None


def compare_with_reference(s: OptimizerSession) -> Outcome:
    """每一步之后，各参数从起点算起的累计位移与参照的相对误差都 ≤ ``TOLERANCE``。"""
    if s.ref is None:
        return unchecked(s.why_none)
    mine, ref = s.trace, s.ref_trace
    first = None
    for step, (after, ref_after) in enumerate(zip(mine.after, ref.after, strict=True), start=1):
        for name, p, r in zip(s.names, after, ref_after, strict=True):
            start = s.problem.start[name]
            error = relative_error(p - start, r - start)
            s.report.errors[name] = max(error, s.report.errors.get(name, 0.0))
            if first is None and error > TOLERANCE:
                first = _difference(s, step, name, p, r, error)
    if first is None:
        return passed(f"{STEPS} 步的累计位移相对误差都 ≤ {TOLERANCE:.0e}")
    if s.hyper is not None and s.hyper.missing:
        return unchecked(f"超参数没有对上（{listing(list(s.hyper.missing))}），下面的差别说明不了更新公式的对错：\n"
                         + first)
    if mine.warnings:
        first += "\n运行时 NumPy 给出警告：" + "；".join(dict.fromkeys(warning_text(w) for w in mine.warnings))
    return failed(first)


def _difference(s: OptimizerSession, step: int, name: str, p: np.ndarray, r: np.ndarray, error: float) -> str:
    """第一处超过通过线的差别，加上从轨迹里看得出的原因。"""
    start = s.problem.start[name]
    gap = np.abs(np.nan_to_num((p - start) - (r - start), nan=np.inf))
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(gap)), p.shape))
    text = (f"第 {step} 步之后 {name}（形状 {shape(p)}）与参照不同：累计位移的相对误差 "
            f"{number(error)} > {TOLERANCE:.0e}；\n"
            f"最大差在 {coord(name, idx)}：你的 {number(p[idx])}，参照 {number(r[idx])}")
    return text + _cause(s, name)


def _cause(s: OptimizerSession, name: str) -> str:
    mine, ref = s.trace, s.ref_trace
    moving = [n for n in s.names if n != FROZEN]
    if not np.isfinite(mine.after[-1][s.names.index(name)]).all():
        return f"\n你的 {name} 里出现了 nan 或 inf：是不是对负数开了平方根，或除以了 0？"
    if _matches_variant(s):
        return ("\n你的结果与书的配套代码（common/optimizer.py）一致：它先更新 v，再把 α² 乘在更新后的 v 上；"
                "标准的改写用更新前的 v（见 nnlearn.optim.Nesterov 的说明），两者第 1 步就不同")
    if not s.state_shared and s.moved(mine, FROZEN) and not s.moved(ref, FROZEN):
        return (f"\n{FROZEN} 的梯度一直是 0，却动了（参照没动）：update 里是不是有不依赖梯度的项（例如权重衰减）？"
                "这样的更新请用 reference= 传一个同样更新的参照")
    if _one_step_late(s, moving):
        order = STATE_FIRST.get(type(s.ref).__name__, "先更新状态，再用新的状态更新参数")
        return ("\n你的参数晚了一步：第 1 步一个都没动，第 2 步之后的值恰好是参照第 1 步之后的值——"
                f"更新参数时用的还是上一步的状态。请{order}")
    still = [n for n in moving if not s.moved(mine, n) and s.moved(ref, n)]
    if still:
        return (f"\n{listing(still)} 一步也没动（梯度不为 0），而 {moving[0]} 动了：update 是不是只更新了第一个参数？"
                "（循环里提前 return / break，或只写了 params[0]）")
    twins = [n for n in s.names[: s.names.index(name)] if SHAPES[n] == SHAPES[name]]
    if twins:
        return f"\n{name} 与 {twins[0]} 形状相同：状态是不是按形状保存、或几个参数共用了一份？"
    return ""


class _BookNesterov:
    """书的配套代码里的 Nesterov：先更新 v，再把 α² 乘在更新后的 v 上（用来认出这种写法）。"""

    def __init__(self, lr: float, momentum: float) -> None:
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for param, grad, v in zip(params, grads, self.v, strict=True):
            v *= self.momentum
            v -= self.lr * grad
            param += self.momentum * self.momentum * v
            param -= (1 + self.momentum) * self.lr * grad


def _matches_variant(s: OptimizerSession) -> bool:
    """参照是 Nesterov，读者的轨迹与书中写法的轨迹一致。"""
    if type(s.ref).__name__ != "Nesterov":
        return False
    variant = s.run(_BookNesterov(s.ref.lr, s.ref.momentum), "书中写法的")
    pairs = zip(s.trace.after, variant.after, strict=True)
    return all(np.allclose(a, b, rtol=1e-9, atol=0.0) for mine, book in pairs for a, b in zip(mine, book, strict=True))


def _one_step_late(s: OptimizerSession, moving: list[str]) -> bool:
    mine, ref = s.trace, s.ref_trace
    if STEPS < 2:
        return False
    for name in moving:
        i = s.names.index(name)
        start = s.problem.start[name]
        if first_change(start, mine.after[0][i]) is not None:
            return False
        if relative_error(mine.after[1][i] - start, ref.after[0][i] - start) > TOLERANCE:
            return False
    return True


def _fix(s: OptimizerSession, table: dict[str, str], default: str) -> str:
    return table.get(type(s.ref).__name__, default) if s.ref is not None else default


OPTIMIZER_CHECKS: tuple[Check, ...] = (
    Check("update 就地修改参数", in_place),
    Check("update 不改动 grads", grads_unchanged, needs=("updated",)),
    Check("超参数与参照对应", hyperparameters, applies=lambda s: s.hyper is not None),
    Check("状态按参数分开保存", state_per_param, needs=("in_place_ok",)),
    Check("与参照比较", compare_with_reference, needs=("in_place_ok",), decisive=True),
)
