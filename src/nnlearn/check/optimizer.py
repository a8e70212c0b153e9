r"""``check_optimizer``：检查读者自己写的优化器（只有 ``update(params, grads)`` 的对象）。

这里找参照、抄超参数、检查用法；逐项的检查在 :mod:`nnlearn.check.optimizer_checks` 的清单里，
小问题和轨迹在 :mod:`nnlearn.check.optimizer_session`。
"""

from __future__ import annotations

import copy
import inspect
import numbers
from typing import Any

from nnlearn import optim
from nnlearn.check.guard import DEFAULT_TIMEOUT, Guard
from nnlearn.check.optimizer_checks import OPTIMIZER_CHECKS
from nnlearn.check.optimizer_session import SHAPES, STEPS, Hyper, OptimizerSession
from nnlearn.check.report import CheckReport
from nnlearn.check.runner import check_rng, run_checks
from nnlearn.validation import positive_float, positive_int

__all__ = ["check_optimizer"]


def check_optimizer(optimizer: Any, reference: Any = None, *, seed: int = 0,
                    timeout: float | None = DEFAULT_TIMEOUT) -> CheckReport:
    """在小问题上跑 5 步 ``update``，检查就地更新、不改梯度、状态按参数保存，并与参照逐步比较。

    参照（决定性的一项“与参照比较”用它）按顺序找：

    1. ``reference``：参照对象（原样使用），或参照类（超参数从 ``optimizer`` 抄）；
    2. ``optimizer`` 的类和它的父类里，是 :mod:`nnlearn.optim` 的类、或与其中某个同名的
       （``class MyMomentum(Momentum)`` 的参照是 ``Momentum``）；
    3. 类名里含有 :mod:`nnlearn.optim` 的类名（``AdaGradNoSquare`` → ``AdaGrad``），报告写明是推断的。

    超参数按参照的构造参数名（``lr``、``momentum`` …）从 ``optimizer`` 的同名属性抄过去；
    找不到的，参照用默认值，报告里“超参数与参照对应”一项为未检查，并列出读者对象上的数值属性。
    都找不到参照时，“与参照比较”为未检查，``ok`` 为假：更新公式没有被查过。

    ``timeout`` 是每一次 ``update`` 的时间上限（秒），``None`` 表示不限。检查用的是 ``optimizer``
    的副本，原对象的状态不受影响。

    >>> from nnlearn.optim import Momentum
    >>> check_optimizer(Momentum(lr=0.1)).ok
    True
    """
    seed = positive_int("seed", seed, minimum=0)
    return run_optimizer_check(optimizer, reference, seed=seed,
                               guard=Guard(None if timeout is None else positive_float("timeout", timeout)))


def run_optimizer_check(optimizer: Any, reference: Any, *, seed: int, guard: Guard) -> CheckReport:
    """``check_optimizer`` 的本体；命令行传入自己的 ``Guard``。"""
    _require_optimizer(optimizer, "optimizer")
    ref, how, hyper, why_none = _reference(optimizer, reference)
    title = f"检查 {type(optimizer).__name__}：{STEPS} 步 update，参数 " + "，".join(
        f"{n} {s}" for n, s in SHAPES.items())
    if ref is not None:
        title += f"；参照 {_describe_optimizer(ref)}" + (f"（{how}）" if how else "")
    report = CheckReport(title)
    with guard:
        session = OptimizerSession(copy.deepcopy(optimizer), ref, how, hyper, why_none,
                                   check_rng(seed), guard, report)
        run_checks(OPTIMIZER_CHECKS, session, report, guard)
    return report


def _require_optimizer(obj: Any, what: str) -> None:
    if isinstance(obj, type):
        raise TypeError(f"{what} 应是优化器对象，收到的是类 {obj.__name__}：请先建对象，例如 {obj.__name__}(lr=0.1)")
    if not callable(getattr(obj, "update", None)):
        hint = "（层请用 check_layer）" if callable(getattr(obj, "forward", None)) else ""
        raise TypeError(f"{what} 应有 update(params, grads) 方法，{type(obj).__name__} 没有{hint}")


def _reference(optimizer: Any, reference: Any) -> tuple[Any, str, Hyper | None, str]:
    """参照对象、怎样找到的、超参数的对应（参照由类建时）、找不到时的原因。"""
    if reference is not None and not isinstance(reference, type):
        _require_optimizer(reference, "reference")
        return copy.deepcopy(reference), "", None, ""
    cls, how = (reference, "") if reference is not None else _reference_class(type(optimizer))
    if cls is None:
        return None, "", None, (f"nnlearn.optim 里没有与 {type(optimizer).__name__} 对应的优化器"
                                "（类名和父类都对不上），更新公式没有被查过；请用 reference= 传入参照（对象或类）")
    hyper = _hyper(cls, optimizer)
    try:
        return cls(**hyper.copied), how, hyper, ""
    except (TypeError, ValueError) as error:
        return None, "", None, f"用你的超参数建不出参照 {cls.__name__}：{error}；请用 reference= 传入参照对象"


def _reference_class(cls: type) -> tuple[type | None, str]:
    """类自己或父类是 nnlearn.optim 的类（或同名）；否则看类名里含有哪个类名（最长、最靠前的）。"""
    known = {c.__name__.lower(): c for c in optim.BY_NAME.values()}
    for base in cls.__mro__:
        match = known.get(base.__name__.lower())
        if match is not None:
            return match, "" if base is cls else f"父类 {base.__name__}"
    name = cls.__name__.lower()
    hits = sorted((k for k in known if k in name), key=lambda k: (-len(k), name.index(k)))
    if hits:
        return known[hits[0]], f"按类名 {cls.__name__} 推断；不是这个算法时请用 reference= 指定"
    return None, ""


def _hyper(cls: type, optimizer: Any) -> Hyper:
    """按 ``cls`` 的构造参数名，从 ``optimizer`` 的同名属性抄超参数。"""
    params = inspect.signature(cls).parameters
    copied = {n: getattr(optimizer, n) for n in params if hasattr(optimizer, n)}
    missing = {n: p.default for n, p in params.items() if n not in copied}
    others = {k: v for k, v in vars(optimizer).items()
              if k not in copied and not k.startswith("_") and isinstance(v, numbers.Real)
              and not isinstance(v, bool)} if hasattr(optimizer, "__dict__") else {}
    return Hyper(copied, missing, others, list(params))


def _describe_optimizer(opt: Any) -> str:
    try:
        names = list(inspect.signature(type(opt)).parameters)
    except (TypeError, ValueError):
        names = []
    args = ", ".join(f"{n}={getattr(opt, n)!r}" for n in names if hasattr(opt, n))
    return f"{type(opt).__name__}({args})"
