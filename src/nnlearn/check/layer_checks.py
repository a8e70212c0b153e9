r"""``check_layer`` 的检查清单：每一项一个函数，按报告里的顺序排列在 ``LAYER_CHECKS``。

每个函数的文档字符串说明它查什么、怎样判断；返回 ``passed`` / ``failed`` / ``unchecked``，
或 ``None``（不适用）。查“行为”的几项（重复 backward、换一批数据、换批大小、损失层的 dout）
各用一份新复制的层，互不干扰。
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlearn.check.gradcheck import gradient_check
from nnlearn.check.guard import LearnerError
from nnlearn.check.layer_session import LayerSession, differences, grad_name, is_model, takes_dout
from nnlearn.check.report import Outcome, failed, passed, unchecked
from nnlearn.check.runner import Check
from nnlearn.check.text import (
    coord,
    deliberate,
    describe,
    error_text,
    first_change,
    listing,
    number,
    shape,
    unchanged_problems,
)

BATCH_STEP = 3  # “换一个批大小”时多出的行数
NOTHING_TO_COMPARE = "backward 没有给出可比较的梯度（没有返回 dx，也没有参数的梯度）"


# -- 未 forward 先 backward ------------------------------------------------------
def backward_before_forward(s: LayerSession) -> Outcome:
    """新建的层还没 forward 就 backward：应当**有意**报错（``raise``），而不是碰巧出错或算出一个数。"""
    if s.used_before:
        return unchecked("检查前已经调用过 forward，无法判断（传一个新建的层可以查这一项）")
    probe, victim = s.fresh(), s.fresh()
    if probe is None:
        return unchecked(s.copy_problem)
    try:
        out = s.forward(probe, s.inputs())
    except LearnerError:
        return unchecked("forward 本身出错，见下一项")
    try:
        result = s.backward(victim, _ones_like(out))
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


# -- forward ---------------------------------------------------------------------
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


# -- backward --------------------------------------------------------------------
def backward_result(s: LayerSession) -> Outcome:
    """backward 不出错，为每个输入返回一个同形状的梯度（多输入的节点返回元组）。"""
    s.douts = _random_douts(s.out, s.rng)
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
            return unchecked("返回 None：这是由几层组成的模型，最底层不算输入的梯度；只查参数的梯度")
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


# -- 行为：各用一份新复制的层 --------------------------------------------------------
def loss_uses_dout(s: LayerSession) -> Outcome:
    """损失层的 ``backward(2.0)`` 恰好是 ``backward(1.0)`` 的 2 倍：梯度乘上了 dout。"""
    if not takes_dout(s.layer):
        return unchecked("backward() 不接受 dout，没法查它是否乘上了 dout；"
                         "书中的损失层写成 backward(self, dout=1)，损失后面还接着计算时要用到它")
    one, two = s.fresh(), s.fresh()
    if one is None:
        return unchecked(s.copy_problem)
    s.forward(one, s.inputs())
    base = s.gradients(one, s.backward(one, (1.0,), "backward(1.0)"))
    s.forward(two, s.inputs())
    doubled = s.gradients(two, s.backward(two, (2.0,), "backward(2.0)"))
    if not base:
        return unchecked(NOTHING_TO_COMPARE)
    wrong = differences(base, doubled, factor=2.0)
    if not wrong:
        return passed("backward(2.0) 恰好是 backward(1.0) 的 2 倍")
    name, idx, want, got = wrong[0]
    where = coord(name, idx)
    if not differences(base, doubled):
        return failed(f"backward(2.0) 与 backward(1.0) 给出同样的 {name}（{where} 都是 {number(got)}）："
                      "backward 没有乘上 dout。\n损失后面还接着计算时 dout 不是 1；"
                      "请把算出的梯度乘上 dout，例如 dx = (self.y - self.t) * dout / batch_size")
    return failed(f"backward(2.0) 给出的 {name} 不是 backward(1.0) 的 2 倍：{where} 应为 {number(want)}，"
                  f"收到 {number(got)}")


def repeat_backward(s: LayerSession) -> Outcome:
    """同样的 dout 连续 backward 三次，结果都相同：不累加、不改坏 forward 存下的中间值。"""
    layer = s.fresh()
    if layer is None:
        return unchecked(s.copy_problem)
    s.forward(layer, s.inputs())
    cached = _cached_arrays(layer)
    runs = [s.gradients(layer, s.backward(layer, s.dout_copies(), "第一次 backward"))]
    spoiled = [(k, v, np.array(getattr(layer, k), copy=True)) for k, v in cached.items()
               if isinstance(getattr(layer, k, None), np.ndarray)]
    runs.append(s.gradients(layer, s.backward(layer, s.dout_copies(), "第二次 backward")))
    if not runs[0]:
        return unchecked(NOTHING_TO_COMPARE)
    wrong = differences(runs[0], runs[1])
    if not wrong:
        return passed(f"同样的 dout 连续两次，{listing(list(runs[0]))} 都不变")
    runs.append(s.gradients(layer, s.backward(layer, s.dout_copies(), "第三次 backward")))
    name, idx, first, second = wrong[0]
    where = coord(name, idx)
    only = {name: runs[0][name]}
    if not differences(only, runs[1], 2.0) and not differences(only, runs[2], 3.0):
        third = runs[2][name][idx]
        slots = {grad_name(p): i for i, p in enumerate(s.param_names)}
        fix = f"self.grads[{slots[name]}][...] = {name}" if name in slots else f"{name} = ...，再 return {name}"
        return failed(f"同样的 dout 连续 backward 三次，{name} 依次是 1、2、3 倍（{where}：{number(first)} → "
                      f"{number(second)} → {number(third)}）：梯度是累加上去的（+=），"
                      f"上一次 backward 的结果没有被覆盖。\n请直接写入：{fix}")
    text = (f"同样的 dout 再 backward 一次，{name} 变了（{where}：第一次 {number(first)}，"
            f"第二次 {number(second)}）")
    for attr, before, after in spoiled:
        change = first_change(before, after)
        if change is not None:
            return failed(f"{text}：第一次 backward 改动了 forward 存下的 self.{attr}"
                          f"（{coord(attr, change[0])} 原来是 {number(change[1])}，之后是 {number(change[2])}），"
                          f"第二次用的就是改坏的值。\n多半是 dx = self.{attr} 之后就地修改了 dx（两者是同一个数组）；"
                          f"请先复制：dx = self.{attr}.copy()")
    return failed(f"{text}：backward 依赖了上一次 backward 留下的东西")


def latest_forward(s: LayerSession) -> Outcome:
    """先 forward 另一批数据、再 forward 这一批，backward 的结果与只 forward 这一批时相同。"""
    layer = s.fresh()
    if layer is None:
        return unchecked(s.copy_problem)
    if not s.first:
        return unchecked(NOTHING_TO_COMPARE)
    others = [_other_values(x, s.rng) for x in s.xs]
    labels = None if s.t is None else _other_rows(s.t, s.rng)
    s.forward(layer, others, labels, what="forward（另一批数据）")
    s.forward(layer, s.inputs())
    got = s.gradients(layer, s.backward(layer, s.dout_copies()))
    wrong = differences(s.first, got)
    if not wrong:
        return passed(f"先 forward 另一批再 forward 这一批，{listing(list(s.first))} 不变")
    name, idx, want, have = wrong[0]
    return failed(f"先 forward 另一批数据、再 forward 这一批，backward 给出的 {name} 与只 forward 这一批时不同"
                  f"（{coord(name, idx)}：{number(have)}，应为 {number(want)}）：\n"
                  "backward 用的还是第一次 forward 存下的数据？forward 每次都要存下这一次的输入（或输出），"
                  "例如 self.x = x，而不是 if self.x is None: self.x = x")


def other_batch(s: LayerSession) -> Outcome:
    """换一个批大小（多 3 行）再 forward、backward：不出错，梯度的形状跟着变（或 forward 明确拒绝）。"""
    layer = s.fresh()
    if layer is None:
        return unchecked(s.copy_problem)
    if s.xs[0].ndim < 2:
        return unchecked(f"输入 {s.names[0]} 的形状是 {shape(s.xs[0])}，不是 (N, D) 的批；用多行的批检查才能查这一项")
    n = s.xs[0].shape[0]
    n2 = n + BATCH_STEP
    rows = np.arange(n2) % n  # 循环取原来的行：值仍在层能接受的范围内
    xs = [x[rows] if x.ndim >= 2 and x.shape[0] == n else x.copy() for x in s.xs]
    t = s.t[rows] if s.t is not None and s.t.ndim >= 1 and s.t.shape[0] == n else s.t
    s.forward(layer, s.inputs())  # 先按原来的批大小完整走一遍：缓冲多半在这时分配
    s.backward(layer, s.dout_copies())
    try:
        out = s.forward(layer, xs, t)
    except LearnerError as error:
        if deliberate(error.error):
            return passed(f"{n} → {n2} 行时 forward 明确报错（{type(error.error).__name__}），这一层只接受 {n} 行")
        return failed(f"批大小从 {n} 换成 {n2} 后 forward 出错：{error_text(error.error)}\n"
                      "是不是按第一次的批大小预先分配了数组？")
    try:
        result = s.backward(layer, _ones_like(out))
    except LearnerError as error:
        return failed(f"批大小从 {n} 换成 {n2} 后 backward 出错：{error_text(error.error)}\n"
                      "是不是按第一次的批大小预先分配了数组，或者用了第一次 forward 存下的数据？")
    grads = list(result) if isinstance(result, tuple | list) else [result]
    bad = [f"d{a} {shape(g)}（应为 {shape(x)}）" for a, x, g in zip(s.names, xs, grads, strict=False)
           if g is not None and np.shape(g) != x.shape and a not in s.bad_shapes]
    if bad:
        return failed(f"批大小从 {n} 换成 {n2} 后梯度形状不对：{listing(bad)}")
    return passed(f"{n} → {n2}")


LAYER_CHECKS: tuple[Check, ...] = (
    Check("未 forward 先 backward", backward_before_forward),
    Check("forward 的输出", forward_output),
    Check("forward 不改动输入", inputs_unchanged, needs=("forward_ran",)),
    Check("backward 的返回值", backward_result, needs=("forward_ran",)),
    Check("backward 不改动 dout", dout_unchanged, needs=("backward_ran",),
          applies=lambda s: not s.scalar_output),
    Check("backward 不改动参数", params_unchanged, needs=("backward_ran",), applies=lambda s: s.has_params),
    Check("params 与 grads", params_and_grads),
    Check("grads 就地写入", grads_in_place, needs=("backward_ran",),
          applies=lambda s: s.has_params and isinstance(s.initial_grads, list | tuple)),
    Check("梯度确认", gradient_check, needs=("backward_ran",), decisive=True),
    Check("损失层的 backward 乘上 dout", loss_uses_dout, needs=("backward_ran",),
          applies=lambda s: s.scalar_output),
    Check("重复 backward 结果相同", repeat_backward, needs=("backward_ran",)),
    Check("backward 用的是最近一次 forward", latest_forward, needs=("backward_ran",)),
    Check("换一个批大小", other_batch, needs=("backward_ran",)),
)


# -- 小工具 ----------------------------------------------------------------------
def _random_douts(out: Any, rng: np.random.Generator) -> tuple[Any, ...]:
    if np.ndim(out) == 0 and not isinstance(out, tuple | list):
        return (1.0,)
    outs = out if isinstance(out, tuple | list) else (out,)
    return tuple(rng.standard_normal(np.shape(o)) for o in outs)


def _ones_like(out: Any) -> tuple[Any, ...]:
    if np.ndim(out) == 0 and not isinstance(out, tuple | list):
        return (1.0,)
    outs = out if isinstance(out, tuple | list) else (out,)
    return tuple(np.ones(np.shape(o)) for o in outs)


def _cached_arrays(layer: Any) -> dict[str, np.ndarray]:
    """层在 forward 里存下的数组（不含 params、grads）的副本。"""
    own = {id(a) for a in [*(getattr(layer, "params", None) or []), *(getattr(layer, "grads", None) or [])]}
    items = vars(layer).items() if hasattr(layer, "__dict__") else ()
    return {k: v.copy() for k, v in items if isinstance(v, np.ndarray) and id(v) not in own}


def _other_values(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """同形状、取值范围相同的另一批数据：把原来的值打乱；打乱不了（只有一个值）就平移。"""
    flat = x.ravel()
    if np.unique(flat).size > 1:
        for _ in range(10):
            other = rng.permutation(flat).reshape(x.shape)
            if not np.array_equal(other, x):
                return other
    return x + 0.5


def _other_rows(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """另一批标签：把行打乱（打乱不了就原样）。"""
    if t.ndim == 0 or len(t) < 2:
        return t.copy()
    for _ in range(10):
        other = t[rng.permutation(len(t))]
        if not np.array_equal(other, t):
            return other
    return t.copy()


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
