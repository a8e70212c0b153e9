r"""梯度确认（``check_layer`` 决定性的一项）：每个梯度与 float64 的中心差分比较，并识别折点。

不超过 ``MAX_COORDS`` 个元素的数组逐个坐标比较；更大的抽 ``SAMPLED_COORDS`` 个坐标，
再沿一个随机方向比一次。误差超过通过线的坐标上再算一次**单侧**差分：
右侧 $(L(x+h) - L(x))/h$ 与左侧 $(L(x) - L(x-h))/h$ 明显不同、backward 的值又落在两者之间，
说明这里是折点（Max 的两个输入相等、ReLU 的输入离 0 不到 $h$）：导数在这里不存在，
中心差分给出的是两侧的平均，不能拿来判对错。只在折点上“不符”时，这一项是“未检查”，而不是“失败”。
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nnlearn.check.guard import LearnerError
from nnlearn.check.layer_session import LayerSession, grad_name
from nnlearn.check.report import Outcome, failed, passed, unchecked
from nnlearn.check.text import coord, error_text, listing, number, shape
from nnlearn.check.tolerance import MAX_COORDS, PASS_THRESHOLD, SAMPLED_COORDS, THRESHOLD_REASON, relative_error
from nnlearn.gradient import DEFAULT_H, ERROR_FLOOR, GradientComparison, compare_gradient

#: 两侧差分之差超过两者量级的这个比例，才算“两侧导数不同”（光滑函数只差约 h·|f''|）
KINK_GAP = 1e-3


class Kink(NamedTuple):
    name: str
    idx: tuple[int, ...]
    left: float
    right: float
    analytic: float
    numeric: float


class Verdict(NamedTuple):
    """一个数组的比较结果：``problem`` 为真时失败；``kinks`` 是落在折点上的不符坐标。"""

    problem: str | None
    kinks: list[Kink]
    compared: int  # 比较过的坐标（和方向）个数


def gradient_check(s: LayerSession) -> Outcome:
    """输入与参数的梯度都与数值梯度一致（相对误差 ≤ 通过线）；只在折点上不符时为“未检查”。"""
    targets = [(n, x, g) for n, x, g in zip(s.names, s.xs, s.dxs, strict=True)
               if g is not None and not s.inputs_modified]
    for p_name, p in zip(s.param_names, s.params, strict=True):
        g = s.first.get(grad_name(p_name))
        if g is not None and g.shape == p.shape:
            targets.append((p_name, p, g))
    if not targets:
        return unchecked("没有可比较的梯度（backward 没有返回可用的 dx，层也没有参数）")
    try:
        f_scale = s.loss()
        verdicts = {name: _compare(s, name, array, analytic, f_scale) for name, array, analytic in targets}
    except LearnerError as error:
        return failed(f"算数值梯度时 forward 出错：{error_text(error.error)}")
    problems = [v.problem for v in verdicts.values() if v.problem]
    kinks = [k for v in verdicts.values() if not v.problem for k in v.kinks]
    if problems:
        if kinks:
            problems[-1] += "\n" + _kink_note(kinks)
        return failed(*problems)
    if kinks:
        rest = sum(v.compared for v in verdicts.values()) > len(kinks)
        others = f"；其余坐标的相对误差都 ≤ {PASS_THRESHOLD:.0e}" if rest else ""
        return unchecked(_kink_note(kinks) + f"{others}。换一组避开折点的输入再查一次")
    names = "、".join(n for n, _, _ in targets) + (" 的相对误差都" if len(targets) > 1 else " 的相对误差")
    return passed(f"{names} ≤ {PASS_THRESHOLD:.0e}（{THRESHOLD_REASON}）")


def _compare(s: LayerSession, name: str, array: np.ndarray, analytic: np.ndarray, f_scale: float) -> Verdict:
    sampled = array.size > MAX_COORDS  # 大数组抽样，另加一个随机方向：没抽到的坐标错了也逃不掉
    cmp = compare_gradient(analytic, array, s.loss, max_coords=SAMPLED_COORDS if sampled else None,
                           rng=s.rng, f_scale=f_scale, name=name)
    s.report.errors[name] = cmp.error
    if cmp.error <= PASS_THRESHOLD:
        return Verdict(None, [], len(cmp.coords))
    floor = ERROR_FLOOR * max(1.0, abs(f_scale))
    scale = max(np.abs(cmp.analytic).max(initial=0.0), np.abs(cmp.numeric).max(initial=0.0), floor)
    gaps = np.abs(cmp.analytic - cmp.numeric)
    failing = [int(i) for i in np.argsort(-gaps) if gaps[i] > PASS_THRESHOLD * scale]
    kinks: list[Kink] = []
    for i in failing:
        idx = cmp.coords[i]
        kink = None if idx is None else _kink(s, name, array, idx, f_scale, cmp.analytic[i], cmp.numeric[i])
        if kink is None:
            return Verdict(_mismatch(s, name, array, cmp, f_scale), kinks, len(cmp.coords))
        kinks.append(kink)
    return Verdict(None, kinks, len(cmp.coords))


def _kink(s: LayerSession, name: str, x: np.ndarray, idx: tuple[int, ...], f0: float,
          analytic: float, numeric: float) -> Kink | None:
    """在 ``x[idx]`` 处算左右两侧的单侧差分；两侧明显不同、backward 的值落在两者之间时是折点。"""
    saved = float(x[idx])
    try:
        x[idx] = saved + DEFAULT_H
        step_right, f_right = float(x[idx]) - saved, s.loss()
        x[idx] = saved - DEFAULT_H
        step_left, f_left = saved - float(x[idx]), s.loss()
    finally:
        x[idx] = saved
    right, left = (f_right - f0) / step_right, (f0 - f_left) / step_left
    gap = abs(right - left)
    floor = ERROR_FLOOR * max(1.0, abs(f0))
    if gap <= KINK_GAP * max(abs(right), abs(left), floor):
        return None
    slack = 1e-4 * gap + PASS_THRESHOLD * floor
    if not min(left, right) - slack <= analytic <= max(left, right) + slack:
        return None
    return Kink(name, idx, left, right, analytic, numeric)


def _kink_note(kinks: list[Kink]) -> str:
    k = kinks[0]
    arrays = listing(list(dict.fromkeys(kink.name for kink in kinks)))
    return (f"{arrays} 有 {len(kinks)} 个坐标落在折点上，数值梯度在那里不可信：例如 {coord(k.name, k.idx)} 处"
            f"右侧差分 {number(k.right)}、左侧差分 {number(k.left)}，两侧的导数不同"
            f"（例如 Max 的两个输入相等、ReLU 的输入离 0 不到 h={DEFAULT_H:g}），\n"
            f"中心差分给出两者的平均 {number(k.numeric)}，backward 给出 {number(k.analytic)}，都不算错")


def _mismatch(s: LayerSession, name: str, array: np.ndarray, cmp: GradientComparison, f_scale: float) -> str:
    rows = [i for i, c in enumerate(cmp.coords) if c is not None]
    exact, numeric = cmp.analytic[rows], cmp.numeric[rows]
    head = f"{grad_name(name)} 与数值梯度不符：{name} 的形状 {shape(array)}，"
    error = cmp.error
    if relative_error(exact, numeric, f_scale=f_scale) <= PASS_THRESHOLD:
        return (f"{head}沿随机方向的导数相对误差 {number(error)} > {PASS_THRESHOLD:.0e}；\n"
                f"抽查的 {len(rows)} 个坐标都对：错在没抽到的坐标上")
    worst = int(np.argmax(np.abs(exact - numeric)))
    text = (f"{head}相对误差 {number(error)} > {PASS_THRESHOLD:.0e}；\n"
            f"最大差在 {coord(name, cmp.coords[rows[worst]])}：backward 给出 {number(exact[worst])}，"
            f"数值梯度 {number(numeric[worst])}")
    if not np.any(numeric):
        text += f"\n改动 {name} 不影响 forward 的输出：forward 用的是不是 self.params 里的那个数组？"
    dtype = _grad_dtype(s, name)
    if dtype is not None and dtype.kind in "iu":
        text += f"\ngrads 里 {name} 的梯度是 {dtype} 数组：写进去的梯度被截掉了小数，请用浮点数组"
    return text


def _grad_dtype(s: LayerSession, name: str) -> np.dtype | None:
    grads = getattr(s.layer, "grads", None)
    if name not in s.param_names or not isinstance(grads, list | tuple):
        return None
    i = s.param_names.index(name)
    return getattr(grads[i], "dtype", None) if i < len(grads) else None
