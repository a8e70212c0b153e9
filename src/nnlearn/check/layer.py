r"""``check_layer``：检查读者自己写的层、损失层或计算图节点是否正确。

一次调用依次查：还没 forward 就 backward 会不会报错；forward 的输出；forward 是否改动了输入；
backward 是否为每个输入返回一个同形状的梯度；是否改动了 ``dout``；``grads`` 是否就地写入；
每个梯度是否与 float64 的中心差分一致；换一个批大小是否还能用。每一项失败都是单独的问题。
"""

from __future__ import annotations

import copy
import inspect
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnlearn.check.report import CheckReport, coord, first_change, number, shape
from nnlearn.check.tolerance import (
    MAX_COORDS,
    PASS_THRESHOLD,
    SAMPLED_COORDS,
    THRESHOLD_REASON,
    relative_error,
)
from nnlearn.gradient import compare_gradient
from nnlearn.validation import positive_int

__all__ = ["check_layer"]

DEFAULT_BATCH = 4  # 没给输入时自动生成的批大小
DEFAULT_WIDTH = 5  # 没有参数可推断宽度时的输入宽度
BATCH_STEP = 3  # “换一个批大小”时多出的行数
LABEL_NAMES = ("t", "label", "labels", "target", "targets")  # forward 里这样命名的参数是标签
_HERE = str(Path(__file__).resolve().parent)  # 报错时跳过检查器自己的栈帧


def check_layer(layer: Any, *inputs: Any, t: Any = None, seed: int = 0) -> CheckReport:
    r"""检查一个层（``forward(x)``）、损失层（``forward(x, t)`` 返回一个数）或多输入节点。

    ``inputs`` 是示例输入（数组或列表，按 float64 检查）；不给时，若能从参数推出输入宽度
    （第一个参数是 $(D, H)$ 的矩阵），就生成 $(4, D)$ 的随机批。``t`` 是损失层的标签，
    只传给 ``forward``，不求梯度。输出不是一个数时，检查的标量是
    $L = \sum \text{out} \odot \text{dout}$，``dout`` 是按 ``seed`` 生成的随机数组，
    所以同样的层、输入和 ``seed`` 总是得到同样的报告。

    数值梯度是 float64 的中心差分（步长 ``nnlearn.gradient.DEFAULT_H``，由
    :func:`nnlearn.gradient.compare_gradient` 计算）。不超过 ``MAX_COORDS``（300）个元素的
    数组逐个坐标比较；更大的抽 ``SAMPLED_COORDS``（50）个坐标，再沿一个随机方向比一次。
    相对误差的定义和通过线来自 :mod:`nnlearn.gradient`，报告里写明通过线。
    实测（``benchmarks/bench_check.py``，2 核机器）：8×16 的批上检查 ``Affine`` 16→16 约 8 ms、
    Sigmoid 约 3 ms（负载约 2）；同一机器负载约 10 时分别约 30 ms、8 ms。``Affine`` 784→100、
    批 128 约 0.13 s（负载约 2）到 0.75 s（负载约 10，BLAS 单线程）。

    用错时直接报错（``TypeError``/``ValueError``）：没有 ``forward``/``backward``、
    输入不是数、损失层缺 ``t``、参数不是 float64。层自己的错误（包括它抛出的异常）
    都写进报告，而不是抛出。

    >>> from nnlearn.layers import Sigmoid
    >>> report = check_layer(Sigmoid(), np.linspace(-2.0, 2.0, 6).reshape(2, 3))
    >>> report.ok, report.errors["x"] < 1e-7
    (True, True)
    """
    seed = positive_int("seed", seed, minimum=0)
    _require_layer(layer)
    _require_float64_params(layer)
    rng = np.random.default_rng(seed)
    names = _input_names(layer, len(inputs), t is not None)
    if inputs:
        xs = [_as_float64(name, x) for name, x in zip(names, inputs, strict=True)]
    else:
        xs = _default_inputs(layer, names, t, rng)
    labels = None if t is None else _labels(t)
    return _LayerCheck(layer, names, xs, labels, rng).run()


class _LayerCheck:
    """一次检查的全部状态；每个方法查一项，出错就记进报告。"""

    def __init__(self, layer: Any, names: list[str], xs: list[np.ndarray], t: np.ndarray | None,
                 rng: np.random.Generator) -> None:
        self.layer, self.names, self.xs, self.t, self.rng = layer, names, xs, t, rng
        self.extra = () if t is None else (t,)
        self.params = list(getattr(layer, "params", None) or [])
        self.param_names = _param_names(layer, len(self.params))
        self.report = CheckReport(_title(layer, names, xs, t, self.params, self.param_names))
        self.out: Any = None
        self.douts: tuple[Any, ...] = ()
        self.bad_shapes: set[str] = set()  # 第一次就形状不对的梯度：换批大小时不再重复报告
        self.inputs_modified = False

    def run(self) -> CheckReport:
        self.check_backward_first()
        if not self.check_forward():
            return self.report
        self.check_inputs_unchanged()
        dxs = self.check_backward()
        if dxs is None:
            return self.report
        self.check_grads_in_place()
        self.check_numeric(dxs)
        self.check_other_batch()
        return self.report

    # -- 未 forward 先 backward ------------------------------------------------
    def check_backward_first(self) -> None:
        name = "未 forward 先 backward"
        if _looks_used(self.layer):
            self.report._skip(name, "检查前已经调用过 forward，无法判断（传一个新建的层可以查这一项）")
            return
        try:
            probe = copy.deepcopy(self.layer)
            out = probe.forward(*[x.copy() for x in self.xs], *self.extra)
        except Exception:
            self.report._skip(name, "forward 本身出错，见下一项")
            return
        douts = _ones_like(out)
        try:
            result = _backward(self.layer, douts)
        except Exception as error:
            self.report._pass(name, f"报错 {type(error).__name__}")
            return
        self.report._fail(name, (
            f"还没调用 forward 就调用 backward，却返回了 {_describe(result)}，没有报错：这时没有可用的中间值，"
            "算出的梯度没有意义。\n"
            "请在 backward 开头检查，例如 if self.x is None: raise RuntimeError('请先调用 forward')"))

    # -- forward ---------------------------------------------------------------
    def check_forward(self) -> bool:
        name = "forward 的输出"
        self.saved = [x.copy() for x in self.xs]
        self.t_saved = None if self.t is None else self.t.copy()
        try:
            self.out = self.layer.forward(*self.xs, *self.extra)
        except Exception as error:
            self.report._fail(name, f"forward 出错：{_error_text(error)}")
            return False
        problem = _output_problem(self.out, self.t is not None, self.xs, bool(self.params))
        if problem:
            self.report._fail(name, problem)
            return False
        self.report._pass(name, _describe(self.out))
        return True

    def check_inputs_unchanged(self) -> None:
        """比较 forward 前后的输入；改动了就报告，并恢复原值，后面的检查照常进行。"""
        problems = []
        pairs = list(zip(self.names, self.saved, self.xs, strict=True))
        if self.t is not None:
            pairs.append(("t", self.t_saved, self.t))
        for arr_name, before, after in pairs:
            change = first_change(before, after)
            if change is not None:
                what = "标签" if arr_name == "t" else "输入"
                problems.append(_changed(f"forward 就地改动了{what} {arr_name}", arr_name, before, change))
                after[...] = before
        if problems:
            self.report._fail("forward 不改动输入", *problems)
            self.inputs_modified = True  # 每次 forward 都会改输入：输入的数值梯度无从谈起
            self.out = self.layer.forward(*self.xs, *self.extra)
            for before, after in zip(self.saved, self.xs, strict=True):
                after[...] = before
        else:
            self.report._pass("forward 不改动输入")

    # -- backward --------------------------------------------------------------
    def check_backward(self) -> list[np.ndarray | None] | None:
        """返回与输入一一对应的梯度（形状不对的记为 ``None``）；backward 出错时返回 ``None``。"""
        self.douts = self._random_douts(self.out)
        saved = [np.array(d, copy=True) for d in self.douts]
        self.grads_list = getattr(self.layer, "grads", None)
        self.grads_before = list(self.grads_list or [])
        try:
            result = _backward(self.layer, self.douts)
        except Exception as error:
            self.report._fail("backward", f"backward 出错：{_error_text(error)}")
            return None
        dxs = self._returned_gradients(result)
        self._check_dout_unchanged(saved)
        self.douts = tuple(saved) if saved and np.ndim(saved[0]) else self.douts  # 数值梯度用原来的 dout
        return dxs

    def _random_douts(self, out: Any) -> tuple[Any, ...]:
        if np.ndim(out) == 0 and not isinstance(out, tuple | list):
            return (1.0,)
        outs = out if isinstance(out, tuple | list) else (out,)
        return tuple(self.rng.standard_normal(np.shape(o)) for o in outs)

    def _returned_gradients(self, result: Any) -> list[np.ndarray | None]:
        name = "backward 的返回值"
        n = len(self.xs)
        if result is None and getattr(self.layer, "input_grad", True) is False:
            self.report._skip(name, "input_grad=False：这一层不计算对输入的梯度")
            return [None] * n
        if result is None and self.params:
            # 模型（如 TwoLayerNet）最底层不算输入的梯度：只检查参数
            self.report._skip(name, "返回 None：不检查输入的梯度，只检查参数")
            return [None] * n
        grads = list(result) if isinstance(result, tuple | list) else [result]
        if len(grads) != n:
            expect = "一个梯度 dx" if n == 1 else f"{n} 个梯度（依次对应 {', '.join(self.names)}）"
            self.report._fail(name, f"forward 有 {n} 个输入，backward 应返回{expect}，收到 {_describe(result)}")
            return [None] * n
        problems = []
        checked: list[np.ndarray | None] = []
        for arr_name, x, g in zip(self.names, self.xs, grads, strict=True):
            problem = _gradient_problem(arr_name, x, g)
            if problem:
                problems.append(problem)
                self.bad_shapes.add(arr_name)
            checked.append(None if problem else np.array(g, dtype=np.float64))
        if problems:
            self.report._fail(name, *problems)
        else:
            self.report._pass(name, "、".join(f"d{a} {shape(x)}" for a, x in zip(self.names, self.xs, strict=True)))
        return checked

    def _check_dout_unchanged(self, saved: list[np.ndarray]) -> None:
        name = "backward 不改动 dout"
        if np.ndim(self.out) == 0 and not isinstance(self.out, tuple | list):
            return  # 损失层的 dout 是一个数，无从改动
        problems = []
        for i, (before, after) in enumerate(zip(saved, self.douts, strict=True)):
            change = first_change(before, after)
            if change is not None:
                label = "dout" if len(saved) == 1 else f"dout{i}"
                problems.append(_changed(f"backward 就地改动了上游传来的 {label}", label, before, change)
                                + "\n上游的节点可能还要用它：请写成 dx = dout * ...，或先 dout = dout.copy()")
        if problems:
            self.report._fail(name, *problems)
        else:
            self.report._pass(name)

    # -- grads -----------------------------------------------------------------
    def check_grads_in_place(self) -> None:
        name = "grads 就地写入"
        if not self.params and not self.grads_before:
            if not hasattr(self.layer, "params") or not hasattr(self.layer, "grads"):
                self.report._fail(name, "层没有 params 和 grads 属性：书中的层协议要求两者都有"
                                   "（没有参数就写 self.params, self.grads = [], []）")
            return
        problems = []
        grads = getattr(self.layer, "grads", None)
        if grads is not self.grads_list:
            problems.append("backward 把 self.grads 整个换成了新列表：优化器拿着的是旧列表，看不到新梯度；"
                            "请写 self.grads[0][...] = dW")
        elif len(grads) != len(self.params):
            problems.append(f"params 有 {len(self.params)} 个数组，grads 却有 {len(grads)} 个：两者应一一对应")
        else:
            for i, (p_name, p, g, g_before) in enumerate(
                    zip(self.param_names, self.params, grads, self.grads_before, strict=True)):
                problems.extend(_grad_slot_problems(i, p_name, p, g, g_before))
        if problems:
            self.report._fail(name, *problems)
        else:
            self.report._pass(name, "形状与 params 相同")

    # -- 数值梯度 --------------------------------------------------------------
    def check_numeric(self, dxs: list[np.ndarray | None]) -> None:
        name = "梯度确认"
        targets: list[tuple[str, np.ndarray, np.ndarray]] = [
            (n, x, g) for n, x, g in zip(self.names, self.xs, dxs, strict=True)
            if g is not None and not self.inputs_modified]
        grads = list(getattr(self.layer, "grads", None) or [])
        for p_name, p, g in zip(self.param_names, self.params, grads, strict=False):
            if isinstance(g, np.ndarray) and g.shape == p.shape:
                targets.append((p_name, p, g.astype(np.float64, copy=True)))
        if not targets:
            self.report._skip(name, "没有可比较的梯度")
            return
        problems = []
        try:
            f_scale = self._loss()
            for arr_name, array, analytic in targets:
                problem = self._compare(arr_name, array, analytic, f_scale)
                if problem:
                    problems.append(problem)
        except Exception as error:
            self.report._fail(name, f"算数值梯度时 forward 出错：{_error_text(error)}")
            return
        if problems:
            self.report._fail(name, *problems)
        else:
            names = "、".join(n for n, _, _ in targets) + (" 的相对误差都" if len(targets) > 1 else " 的相对误差")
            self.report._pass(name, f"{names} ≤ {PASS_THRESHOLD:.0e}（{THRESHOLD_REASON}）")

    def _compare(self, arr_name: str, array: np.ndarray, analytic: np.ndarray, f_scale: float) -> str | None:
        sampled = array.size > MAX_COORDS  # 大数组抽样，另加一个随机方向：没抽到的坐标错了也逃不掉
        cmp = compare_gradient(analytic, array, self._loss, max_coords=SAMPLED_COORDS if sampled else None,
                               rng=self.rng, f_scale=f_scale, name=arr_name)
        self.report.errors[arr_name] = cmp.error
        if cmp.error <= PASS_THRESHOLD:
            return None
        rows = [i for i, c in enumerate(cmp.coords) if c is not None]
        exact, numeric = cmp.analytic[rows], cmp.numeric[rows]
        head = f"{_grad_name(arr_name)} 与数值梯度不符：{arr_name} 的形状 {shape(array)}，"
        if relative_error(exact, numeric, f_scale=f_scale) <= PASS_THRESHOLD:
            return (f"{head}沿随机方向的导数相对误差 {number(cmp.error)} > {PASS_THRESHOLD:.0e}；\n"
                    f"抽查的 {len(rows)} 个坐标都对：错在没抽到的坐标上")
        worst = int(np.argmax(np.abs(exact - numeric)))
        text = (f"{head}相对误差 {number(cmp.error)} > {PASS_THRESHOLD:.0e}；\n"
                f"最大差在 {coord(arr_name, cmp.coords[rows[worst]])}：backward 给出 {number(exact[worst])}，"
                f"数值梯度 {number(numeric[worst])}")
        if not np.any(numeric):
            text += f"\n改动 {arr_name} 不影响 forward 的输出：forward 用的是不是 self.params 里的那个数组？"
        return text

    def _loss(self) -> float:
        out = self.layer.forward(*self.xs, *self.extra)
        if len(self.douts) == 1 and np.ndim(self.douts[0]) == 0:
            return float(out)
        outs = out if isinstance(out, tuple | list) else (out,)
        return float(sum(np.sum(o * d) for o, d in zip(outs, self.douts, strict=True)))

    # -- 换批大小 --------------------------------------------------------------
    def check_other_batch(self) -> None:
        n = self.xs[0].shape[0] if self.xs[0].ndim >= 2 else 0
        name = "换一个批大小"
        if n < 2:
            self.report._skip(name, "输入不是多行的批")
            return
        n2 = n + BATCH_STEP
        rows = np.arange(n2) % n  # 循环取原来的行：值仍在层能接受的范围内
        xs = [x[rows] if x.ndim >= 2 and x.shape[0] == n else x for x in self.xs]
        t = self.t[rows] if self.t is not None and self.t.ndim >= 1 and self.t.shape[0] == n else self.t
        try:
            out = self.layer.forward(*xs, *(() if t is None else (t,)))
            result = _backward(self.layer, _ones_like(out))
        except Exception as error:
            self.report._fail(name, f"批大小从 {n} 换成 {n2} 后出错：{_error_text(error)}\n"
                               "是不是按第一次的批大小预先分配了数组？")
            return
        grads = list(result) if isinstance(result, tuple | list) else [result]
        bad = [f"d{a} {shape(g)}（应为 {shape(x)}）" for a, x, g in zip(self.names, xs, grads, strict=False)
               if g is not None and np.shape(g) != x.shape and a not in self.bad_shapes]
        if bad:
            self.report._fail(name, f"批大小从 {n} 换成 {n2} 后梯度形状不对：{'、'.join(bad)}")
        else:
            self.report._pass(name, f"{n} → {n2}")


# -- 用法检查（出错直接抛出） ----------------------------------------------------
def _require_layer(layer: Any) -> None:
    if isinstance(layer, type):
        raise TypeError(f"check_layer 需要一个层对象，收到的是类 {layer.__name__}：请先建对象，例如 {layer.__name__}()")
    missing = [m for m in ("forward", "backward") if not callable(getattr(layer, m, None))]
    if missing:
        raise TypeError(f"check_layer 需要有 forward 和 backward 方法的对象，{type(layer).__name__} "
                        f"缺少 {'、'.join(missing)}（优化器请用 check_optimizer）")


def _require_float64_params(layer: Any) -> None:
    params = getattr(layer, "params", None) or []
    for name, p in zip(_param_names(layer, len(params)), params, strict=True):
        dtype = getattr(p, "dtype", None)
        if dtype != np.float64:
            raise TypeError(
                f"检查在 float64 下进行，但参数 {name} 的 dtype 是 {dtype}：float32 只有约 7 位有效数字，"
                "差分的舍入误差会淹没梯度本身。请用 float64 的数组建层，例如 "
                f"{type(layer).__name__}(W.astype(np.float64), ...)")


def _input_names(layer: Any, n_inputs: int, has_t: bool) -> list[str]:
    """forward 的参数名（去掉 t）；输入个数不对时直接报错。"""
    names, required, unlimited = _positional(layer.forward)
    n_needed = required - 1 if has_t else required
    total = len(names) if not unlimited else None
    if has_t and total is not None and n_inputs + 1 > total:
        raise ValueError(f"给了 t，但 {type(layer).__name__}.forward 只接受 {total} 个参数（{', '.join(names)}）："
                         "只有损失层 forward(x, t) 才需要 t")
    if not has_t and n_inputs < required and names[required - 1] in LABEL_NAMES:
        raise ValueError(_missing_t(layer, names))
    if n_inputs and n_inputs < n_needed:
        raise ValueError(f"{type(layer).__name__}.forward 需要 {n_needed} 个输入（{', '.join(names[:n_needed])}），"
                         f"收到 {n_inputs} 个（损失层的标签请用 t= 传入）")
    n = n_inputs or max(n_needed, 1)
    base = names[: n] if len(names) >= n else []
    return base if len(base) == n else (["x"] if n == 1 else [f"x{i}" for i in range(n)])


def _missing_t(layer: Any, names: list[str]) -> str:
    return (f"{type(layer).__name__}.forward 需要 {len(names)} 个参数（{', '.join(names)}），没有给标签：这像是损失层 "
            "forward(x, t)，请用 t= 传入标签，例如 check_layer(layer, x, t=np.array([0, 2, 1, 0]))")


def _positional(method: Callable[..., Any]) -> tuple[list[str], int, bool]:
    """位置参数名、其中必需的个数、是否接受 ``*args``；拿不到签名时当作一个输入。"""
    try:
        sig = inspect.signature(method)
    except (TypeError, ValueError):
        return ["x"], 1, False
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = [p for p in sig.parameters.values() if p.kind in kinds]
    required = sum(p.default is inspect.Parameter.empty for p in params)
    unlimited = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in sig.parameters.values())
    return [p.name for p in params], required, unlimited


def _as_float64(name: str, x: Any) -> np.ndarray:
    """示例输入复制成 float64（检查会就地扰动它）；不是实数就报错。"""
    try:
        arr = np.asarray(x)
    except ValueError as error:
        raise TypeError(f"输入 {name} 不能转成数组：{error}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"输入 {name} 应是实数数组，收到 dtype={arr.dtype}（{type(x).__name__}）："
                        "例如 np.array([[0.5, -1.0]])")
    arr = np.array(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"输入 {name} 里有 nan 或 inf（形状 {arr.shape}）：检查需要有限的数")
    return arr


def _labels(t: Any) -> np.ndarray:
    arr = np.array(t, copy=True)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"标签 t 应是整数类别或概率分布，收到 dtype={arr.dtype}")
    return arr


def _default_inputs(layer: Any, names: list[str], t: Any, rng: np.random.Generator) -> list[np.ndarray]:
    """没给输入：宽度从第一个参数推出（(D, H) 的矩阵），批大小取 4（有标签时取标签的个数）。"""
    params = getattr(layer, "params", None) or []
    if params:
        if np.ndim(params[0]) != 2:
            raise ValueError(f"无法从参数推出 {type(layer).__name__} 的输入形状：请传入示例输入，"
                             "例如 check_layer(layer, np.random.randn(4, 3))")
        width = params[0].shape[0]
    else:
        width = DEFAULT_WIDTH
    n = DEFAULT_BATCH
    if t is not None:
        labels = np.asarray(t)
        n = labels.shape[0] if labels.ndim else 1
        if not params:
            width = labels.shape[1] if labels.ndim == 2 else max(int(labels.max(initial=0)) + 1, 3)
    return [rng.standard_normal((n, width)) for _ in names]


# -- 输出与梯度的判断 ------------------------------------------------------------
def _output_problem(out: Any, is_loss: bool, xs: list[np.ndarray], has_params: bool) -> str | None:
    if is_loss:
        if np.ndim(out) != 0 or isinstance(out, tuple | list):
            return f"损失层的 forward 应返回一个数（批的平均损失），收到 {_describe(out)}"
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


def _grad_slot_problems(i: int, name: str, p: Any, g: Any, g_before: Any) -> list[str]:
    problems = []
    if g is not g_before:
        problems.append(f"backward 把 grads[{i}]（{name} 的梯度）换成了新数组，而不是就地写入：\n"
                        f"优化器拿着的是旧数组，看不到新梯度；请写 self.grads[{i}][...] = {_new_grad(name)}")
    if np.shape(g) != np.shape(p):
        problems.append(f"grads[{i}] 的形状 {shape(g)} 与 params[{i}]（{name}）的形状 {shape(p)} 不同")
    return problems


# -- 小工具 ----------------------------------------------------------------------
def _looks_used(layer: Any, depth: int = 2) -> bool:
    """对象里存着不属于 params/grads 的数组：多半已经 forward 过（或预先分配了缓冲）。

    也看一层子对象（模型的 ``layers``、``loss_layer``）：模型自己不存数组，它的层存。
    """
    own = {id(a) for a in [*(getattr(layer, "params", None) or []), *(getattr(layer, "grads", None) or [])]}
    for key, value in vars(layer).items() if hasattr(layer, "__dict__") else ():
        if key in ("params", "grads"):
            continue
        values = value if isinstance(value, tuple | list) else (value,)
        if any(isinstance(v, np.ndarray) and id(v) not in own for v in values):
            return True
        if depth > 1 and any(hasattr(v, "forward") and _looks_used(v, depth - 1) for v in values):
            return True
    return False


def _backward(layer: Any, douts: tuple[Any, ...]) -> Any:
    """损失层写成 ``backward(self)``（不收 dout）时不传参数；其余把 dout 依次传入。"""
    if len(douts) == 1 and np.ndim(douts[0]) == 0:
        names, _, unlimited = _positional(layer.backward)
        if not names and not unlimited:
            return layer.backward()
    return layer.backward(*douts)


def _ones_like(out: Any) -> tuple[Any, ...]:
    if np.ndim(out) == 0 and not isinstance(out, tuple | list):
        return (1.0,)
    outs = out if isinstance(out, tuple | list) else (out,)
    return tuple(np.ones(np.shape(o)) for o in outs)


def _grad_name(name: str) -> str:
    """``W`` → ``dW``；没有 ``param_names`` 时 ``params[0]`` → ``grads[0]``。"""
    return name.replace("params[", "grads[") if name.startswith("params[") else f"d{name}"


def _new_grad(name: str) -> str:
    return "新算出的梯度" if name.startswith("params[") else f"d{name}"


def _param_names(layer: Any, n: int) -> list[str]:
    names = list(getattr(layer, "param_names", ()) or ())
    return names if len(names) == n else [f"params[{i}]" for i in range(n)]


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{shape(value)} {value.dtype}"
    if isinstance(value, tuple | list):
        return f"{len(value)} 个值的 {type(value).__name__}"
    if np.ndim(value) == 0 and isinstance(value, int | float | np.number):
        return f"一个数 {number(value)}"
    return type(value).__name__


def _changed(what: str, name: str, before: np.ndarray, change: tuple[tuple[int, ...], float, float]) -> str:
    idx, old, new = change
    return f"{what}（形状 {shape(before)}）：{coord(name, idx)} 原来是 {number(old)}，之后是 {number(new)}"


def _error_text(error: BaseException) -> str:
    """异常的类型、消息，以及读者代码里出错的那一行。"""
    text = f"{type(error).__name__}: {error}"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(_HERE)]
    if frames and frames[-1].line:
        text += f"\n出错的一行：{frames[-1].line.strip()}"
    return text


def _title(layer: Any, names: Sequence[str], xs: Sequence[np.ndarray], t: Any, params: Sequence[Any],
           param_names: Sequence[str]) -> str:
    inputs = "，".join(f"{n} {shape(x)}" for n, x in zip(names, xs, strict=True))
    title = f"检查 {type(layer).__name__}：输入 {inputs}"
    if t is not None:
        title += f"，标签 t {shape(t)}"
    if params:
        title += "；参数 " + "，".join(f"{n} {shape(p)}" for n, p in zip(param_names, params, strict=True))
    return title
