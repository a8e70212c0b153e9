"""层的行为：各用一份新复制的层，查重复 backward、换一批数据、换批大小、损失层的 dout。

一个错误只在它那一项出现：每一项都从检查开始时的副本复制一个新层，前面的调用不影响它。
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlearn.check.guard import LearnerError
from nnlearn.check.layer_session import LayerSession, differences, grad_name, ones_like, takes_dout
from nnlearn.check.report import Outcome, failed, passed, unchecked
from nnlearn.check.text import coord, deliberate, error_text, first_change, listing, number, shape

BATCH_STEP = 3  # “换一个批大小”时多出的行数
NOTHING_TO_COMPARE = "backward 没有给出可比较的梯度（没有返回 dx，也没有参数的梯度）"


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
    try:
        runs.append(s.gradients(layer, s.backward(layer, s.dout_copies(), "第二次 backward")))
    except LearnerError as error:  # 有的层 backward 之后就丢掉中间值：有意拒绝第二次是可以的
        if deliberate(error.error):
            return passed(f"第二次 backward 明确报错（{type(error.error).__name__}），不会悄悄算出错的梯度")
        return failed(f"同样的 dout 再 backward 一次时出错：{error_text(error.error)}\n"
                      "第一次 backward 是不是改掉了 forward 存下的中间值？")
    if not runs[0]:
        return unchecked(NOTHING_TO_COMPARE)
    wrong = differences(runs[0], runs[1])
    if not wrong:
        return passed(f"同样的 dout 连续两次，{listing(list(runs[0]))}{' 都' if len(runs[0]) > 1 else ' '}不变")
    runs.append(s.gradients(layer, s.backward(layer, s.dout_copies(), "第三次 backward")))
    name, idx, first, second = wrong[0]
    where = coord(name, idx)
    only = {name: runs[0][name]}
    if not differences(only, runs[1], 2.0) and not differences(only, runs[2], 3.0):
        third = runs[2][name][idx]
        slots = {grad_name(p): i for i, p in enumerate(s.param_names)}
        value = "新算出的梯度" if name.startswith("grads[") else name  # 没有参数名时不写 grads[0] = grads[0]
        fix = f"self.grads[{slots[name]}][...] = {value}" if name in slots else f"{name} = ...，再 return {name}"
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
        result = s.backward(layer, ones_like(out))
    except LearnerError as error:
        return failed(f"批大小从 {n} 换成 {n2} 后 backward 出错：{error_text(error.error)}\n"
                      "是不是按第一次的批大小预先分配了数组，或者用了第一次 forward 存下的数据？")
    grads = list(result) if isinstance(result, tuple | list) else [result]
    bad = [f"d{a} {shape(g)}（应为 {shape(x)}）" for a, x, g in zip(s.names, xs, grads, strict=False)
           if g is not None and np.shape(g) != x.shape and a not in s.bad_shapes]
    if bad:
        return failed(f"批大小从 {n} 换成 {n2} 后梯度形状不对：{listing(bad)}")
    return passed(f"{n} → {n2}")


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
