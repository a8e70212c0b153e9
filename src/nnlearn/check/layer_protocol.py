"""层协议的检查：forward / backward 的接口、``params`` 与 ``grads``、不改动别人的数组。

每个函数是 ``LAYER_CHECKS`` 里的一项（见 :mod:`nnlearn.check.layer_checks`）：文档字符串说明它查什么、
怎样判断；返回 ``passed`` / ``failed`` / ``unchecked``。
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlearn.check.guard import LearnerError
from nnlearn.check.layer_session import LayerSession, is_model, ones_like, random_douts
from nnlearn.check.report import Outcome, failed, passed, unchecked
from nnlearn.check.text import coord, deliberate, describe, error_text, first_change, shape, unchanged_problems


def backward_before_forward(s: LayerSession) -> Outcome:
    """新建的层还没 forward 就 backward：应当**有意**报错（``raise``），而不是碰巧出错或算出一个数。"""
    if s.used_before:
        return unchecked("检查前已经调用过 forward，无法判断（传一个新建的层可以查这一项）")
    probe, victim = s.fresh(), s.fresh()
    if probe is None:
        return unchecked(s.copy_problem)
    try:
        out = s.forward(probe, s.inputs())
    except LearnerError as error:  # forward 在原来的层上没出错，在副本上却出错了
        return unchecked(f"层的副本 forward 出错，没法查：{error_text(error.error)}")
    try:
        result = s.backward(victim, ones_like(out))
    except LearnerError as error:
        if deliberate(error.error):
            return passed(f"报错 {type(error.error).__name__}")
        return failed(
            f"还没调用 forward 就调用 backward 时出错了，但像是碰巧出的错，而不是有意的提示：\n"
            f"{error_text(error.error)}\n"
            f"看到这个报错的人猜不出原因；请在 backward 开头检查，{_guard_hint(s, probe)}")
    return failed(
        f"还没调用 forward 就调用 backward，却返回了 {describe(result)}，没有报错：这时没有可用的中间值，"
        f"算出的梯度没有意义。\n请在 backward 开头检查，{_guard_hint(s, probe)}")


def _guard_hint(s: LayerSession, probe: Any) -> str:
    """用层自己的属性名写提示：forward 之前是 None、之后有值的那个。"""
    before = vars(s.pristine) if hasattr(s.pristine, "__dict__") else {}
    after = vars(probe) if hasattr(probe, "__dict__") else {}
    names = [k for k, v in before.items() if v is None and after.get(k) is not None]
    attr = names[0] if names else "x"
    return f"例如 if self.{attr} is None: raise RuntimeError('请先调用 forward')"


def forward_output(s: LayerSession) -> Outcome:
    """forward 不出错，返回 float64 的有限数组（损失层返回一个有限的数）。"""
    s.saved_inputs = s.inputs()
    s.saved_t = None if s.t is None else s.t.copy()
    s.saved_params = [p.copy() for p in s.params]
    try:
        s.out = s.forward(s.layer, s.xs)
    except LearnerError as error:
        return failed(f"forward 出错：{error_text(error.error)}")
    problem = _output_problem(s.out, s.t is not None, s.xs, s.has_params)
    if problem:
        return failed(problem)
    s.forward_ran = True
    return passed(describe(s.out))


def inputs_unchanged(s: LayerSession) -> Outcome:
    """forward 前后比较输入、标签和参数；改动了就报告，并恢复原值，后面的检查照常进行。"""
    inputs = list(zip(s.names, s.saved_inputs, s.xs, strict=True))
    problems = unchanged_problems("forward 就地改动了输入", inputs)
    if s.t is not None:
        problems += unchanged_problems("forward 就地改动了标签", [("t", s.saved_t, s.t)])
    problems += unchanged_problems("forward 就地改动了参数",
                                   list(zip(s.param_names, s.saved_params, s.params, strict=True)))
    if not problems:
        return passed("参数也没变" if s.has_params else "")
    s.inputs_modified = any(first_change(b, a) is not None for _, b, a in inputs)
    _restore(s)
    s.out = s.forward(s.layer, s.xs)
    _restore(s)
    return failed(*problems)


def _restore(s: LayerSession) -> None:
    for before, after in zip([*s.saved_inputs, *s.saved_params], [*s.xs, *s.params], strict=True):
        after[...] = before
    if s.t is not None:
        s.t[...] = s.saved_t


def backward_result(s: LayerSession) -> Outcome:
    """backward 不出错，为每个输入返回一个同形状的梯度（多输入的节点返回元组）。"""
    s.douts = random_douts(s.out, s.rng)
    douts = s.dout_copies()
    s.passed_douts = douts
    s.grads_list = getattr(s.layer, "grads", None)
    s.grads_before = list(s.grads_list) if isinstance(s.grads_list, list | tuple) else []
    s.params_before = [p.copy() for p in s.params]
    try:
        result = s.backward(s.layer, douts)
    except LearnerError as error:
        return failed(f"backward 出错：{error_text(error.error)}")
    s.backward_ran = True
    s.first = s.gradients(s.layer, result)
    return _returned_gradients(s, result)


def _returned_gradients(s: LayerSession, result: Any) -> Outcome:
    n = len(s.xs)
    s.dxs = [None] * n
    if result is None:
        if getattr(s.layer, "input_grad", True) is False:
            return unchecked("input_grad=False：这一层不计算对输入的梯度（只查参数的梯度）")
        if is_model(s.layer) and s.has_params:
            return unchecked("返回 None：这是由别的层组成的模型，最底层不算输入的梯度；只查参数的梯度")
        return failed(f"backward 没有返回 d{s.names[0]}（收到 None）：是不是漏了 return？"
                      "只有直接接在输入数据上的层才可以不返回，这时请给层设 self.input_grad = False")
    grads = list(result) if isinstance(result, tuple | list) else [result]
    if len(grads) != n:
        expect = "一个梯度 dx" if n == 1 else f"{n} 个梯度（依次对应 {', '.join(s.names)}）"
        return failed(f"forward 有 {n} 个输入，backward 应返回{expect}，收到 {describe(result)}")
    problems = []
    for i, (name, x, g) in enumerate(zip(s.names, s.xs, grads, strict=True)):
        problem = _gradient_problem(name, x, g)
        if problem:
            problems.append(problem)
            s.bad_shapes.add(name)
        else:
            s.dxs[i] = np.array(g, dtype=np.float64)
    if problems:
        return failed(*problems)
    return passed("、".join(f"d{a} {shape(x)}" for a, x in zip(s.names, s.xs, strict=True)))


def dout_unchanged(s: LayerSession) -> Outcome:
    """backward 不就地改动上游传来的 ``dout``：上游的节点可能还要用它。"""
    label = (lambda i: "dout") if len(s.douts) == 1 else (lambda i: f"dout{i}")
    arrays = [(label(i), before, after) for i, (before, after) in enumerate(zip(s.douts, s.passed_douts,
                                                                                strict=True))]
    problems = unchanged_problems("backward 就地改动了上游传来的", arrays)
    if problems:
        hint = "\n上游的节点可能还要用它：请写成 dx = dout * ...，或先 dout = dout.copy()"
        return failed(*(p + hint for p in problems))
    return passed()


def params_unchanged(s: LayerSession) -> Outcome:
    """backward 只算梯度，不改参数（更新参数是优化器的事）；改了就报告并恢复。"""
    arrays = list(zip(s.param_names, s.params_before, s.params, strict=True))
    problems = unchanged_problems("backward 就地改动了参数", arrays)
    for before, after in zip(s.params_before, s.params, strict=True):
        after[...] = before
    if problems:
        hint = "\nbackward 只该把梯度写进 grads；更新参数交给优化器（optimizer.update）"
        return failed(*(p + hint for p in problems))
    return passed()


def params_and_grads(s: LayerSession) -> Outcome:
    """书中的层协议：``params`` 与 ``grads`` 两个列表，一一对应，形状相同，梯度是浮点数组。"""
    missing = [a for a in ("params", "grads") if not hasattr(s.layer, a)]
    if missing:
        return failed(f"层没有 {' 和 '.join(missing)} 属性：书中的每一层都有 params 和 grads 两个列表"
                      "（优化器从这里取参数和梯度）；没有参数的层也要写 self.params, self.grads = [], []")
    params, grads = s.layer.params, s.initial_grads
    for name, seq in (("params", params), ("grads", grads)):
        if not isinstance(seq, list | tuple):
            return failed(f"{name} 应是数组的列表（例如 [W, b]），收到 {type(seq).__name__}")
    if len(grads) != len(params):
        return failed(f"grads 有 {len(grads)} 个数组，params 却有 {len(params)} 个；两者应一一对应")
    problems = [p for i, (n, w, g) in enumerate(zip(s.param_names, params, grads, strict=True))
                for p in _slot_problems(i, n, w, g)]
    if problems:
        return failed(*problems)
    if not params:
        return passed("都是空列表（没有参数）")
    return passed(f"{len(params)} 个参数，grads 与之一一对应，形状、dtype 相同")


def _slot_problems(i: int, name: str, p: Any, g: Any) -> list[str]:
    if not isinstance(g, np.ndarray):
        return [f"grads[{i}]（{name} 的梯度）应是 NumPy 数组，收到 {type(g).__name__}"]
    if g.shape != np.shape(p):
        return [f"grads[{i}] 的形状 {shape(g)} 与 params[{i}]（{name}）的形状 {shape(p)} 不同"]
    if g.dtype.kind != "f":
        return [f"grads[{i}]（{name} 的梯度）的 dtype 是 {g.dtype}：写进整数数组的梯度会被截掉小数。\n"
                f"请用浮点数组，例如 np.zeros_like({name}, dtype=float)"]
    if g.dtype != p.dtype:
        return [f"grads[{i}] 的 dtype 是 {g.dtype}，而 params[{i}]（{name}）是 {p.dtype}：两者应相同"]
    return []


def grads_in_place(s: LayerSession) -> Outcome:
    """backward 把梯度**就地**写进原来的 ``grads`` 数组：优化器拿着的是这些数组。"""
    grads = getattr(s.layer, "grads", None)
    if grads is not s.grads_list:
        return failed("backward 把 self.grads 整个换成了新列表：优化器拿着的是旧列表，看不到新梯度；"
                      "请写 self.grads[0][...] = dW")
    problems = []
    for i, (name, g, before) in enumerate(zip(s.param_names, grads, s.grads_before, strict=False)):
        if g is not before:
            new = "新算出的梯度" if name.startswith("params[") else f"d{name}"
            problems.append(f"backward 把 grads[{i}]（{name} 的梯度）换成了新数组，而不是就地写入：\n"
                            f"优化器拿着的是旧数组，看不到新梯度；请写 self.grads[{i}][...] = {new}")
    if problems:
        return failed(*problems)
    return passed("形状与 params 相同")


def _output_problem(out: Any, is_loss: bool, xs: list[np.ndarray], has_params: bool) -> str | None:
    if is_loss:
        if np.ndim(out) != 0 or isinstance(out, tuple | list):
            return f"损失层的 forward 应返回一个数（批的平均损失），收到 {describe(out)}"
        if not np.isfinite(float(out)):
            return f"损失是 {out}：请检查 log 的参数是否可能为 0、exp 是否溢出"
        return None
    outs = out if isinstance(out, tuple | list) else (out,)
    for o in outs:
        if np.ndim(o) == 0 and isinstance(o, int | float | np.floating):
            continue
        if not isinstance(o, np.ndarray):
            return f"forward 应返回 NumPy 数组，收到 {type(o).__name__}"
        if o.dtype != np.float64:
            return (f"输出的 dtype 是 {o.dtype}，而输入和参数都是 float64：某一步把精度降低了"
                    "（或者用了整数运算）")
        if not np.isfinite(o).all():
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(o))[0])
            return f"输出里有 {o[idx]}（{coord('out', idx)}，形状 {o.shape}）：检查 exp 是否溢出、是否除以 0"
    if has_params and len(outs) == 1 and np.ndim(out) >= 1 and xs[0].ndim == 2 and out.shape[0] != xs[0].shape[0]:
        return f"输出的形状 {shape(out)} 的第 0 维应是批大小 {xs[0].shape[0]}（输入 {shape(xs[0])}）"
    return None


def _gradient_problem(name: str, x: np.ndarray, g: Any) -> str | None:
    if g is None:
        return f"backward 没有返回 d{name}（收到 None）"
    if not isinstance(g, np.ndarray) and np.ndim(g) != 0:
        return f"d{name} 应是 NumPy 数组，收到 {type(g).__name__}"
    if np.shape(g) != x.shape:
        text = f"d{name} 的形状 {shape(g)} 与输入 {name} 的形状 {shape(x)} 不同"
        if _broadcasts(x.shape, np.shape(g)):
            text += (f"：\n{name} 在 forward 里被广播了，它的梯度要沿广播出来的轴求和，还原成 {shape(x)}"
                     f"（例如 d{name}.sum(axis=0, keepdims=True)）")
        return text
    return None


def _broadcasts(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(small, big) == tuple(big) and tuple(small) != tuple(big)
    except ValueError:
        return False
