"""一次 ``check_layer`` 的状态：被检查的层、输入、一份没动过的副本，以及前面各项算出的东西。

检查项（``layer_checks``）只通过这里调用读者的 forward / backward：每次调用都经过 ``Guard``
（有时间上限，异常包成 ``LearnerError``）。查“重复 backward”“换一批数据”这类行为时，
用 ``fresh()`` 从检查开始时的副本复制一个新层，各项互不干扰：一个错误只在它那一项出现。
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from nnlearn.check.guard import Guard
from nnlearn.check.report import CheckReport

#: 比较两次调用的结果时的容差：同样的运算应当逐位相同，只留舍入的余地
SAME_RTOL = 1e-9


class LayerSession:
    """检查一个层时共用的状态；各项检查读它、写它。"""

    def __init__(self, layer: Any, names: list[str], xs: list[np.ndarray], t: np.ndarray | None,
                 rng: np.random.Generator, guard: Guard, report: CheckReport) -> None:
        self.layer, self.names, self.xs, self.t = layer, names, xs, t
        self.rng, self.guard, self.report = rng, guard, report
        self.extra: tuple[Any, ...] = () if t is None else (t,)
        self.params = list(getattr(layer, "params", None) or [])
        self.param_names = param_names(layer, len(self.params))
        self.initial_grads = getattr(layer, "grads", None)
        self.used_before = looks_used(layer)
        self.pristine, self.copy_problem = _deepcopy(layer)
        # 由各项检查填写
        self.out: Any = None
        self.forward_ran = False
        self.backward_ran = False
        self.inputs_modified = False  # 每次 forward 都改输入：输入的数值梯度无从谈起
        self.douts: tuple[Any, ...] = ()  # 第一次 backward 用的 dout（原值，不受读者改动影响）
        self.dxs: list[np.ndarray | None] = []  # 第一次 backward 返回的、形状正确的输入梯度
        self.first: dict[str, np.ndarray] = {}  # 第一次 backward 之后的 dx… 与 dW…（副本）
        self.grads_list: Any = None  # 第一次 backward 之前的 grads 列表对象与其中的数组
        self.grads_before: list[Any] = []
        self.bad_shapes: set[str] = set()  # 第一次就形状不对的梯度：换批大小时不再重复报告
        self.saved_inputs: list[np.ndarray] = []  # forward 之前的输入、标签、参数（查 forward 是否改动它们）
        self.saved_t: np.ndarray | None = None
        self.saved_params: list[np.ndarray] = []
        self.passed_douts: tuple[Any, ...] = ()  # 交给第一次 backward 的那份 dout（读者可能改动它）
        self.params_before: list[np.ndarray] = []  # 第一次 backward 之前的参数

    # -- 判断 ------------------------------------------------------------------
    @property
    def scalar_output(self) -> bool:
        """损失层：forward 返回一个数（没跑过 forward 时看有没有标签）。"""
        if not self.forward_ran:
            return self.t is not None
        return np.ndim(self.out) == 0 and not isinstance(self.out, tuple | list)

    @property
    def has_params(self) -> bool:
        return bool(self.params)

    # -- 调用读者的代码 ----------------------------------------------------------
    def forward(self, obj: Any, xs: list[np.ndarray], t: Any = None, what: str = "forward") -> Any:
        extra = self.extra if t is None else (t,)
        return self.guard.call(what, obj.forward, *xs, *extra)

    def backward(self, obj: Any, douts: tuple[Any, ...], what: str = "backward") -> Any:
        return self.guard.call(what, call_backward, obj, douts)

    def fresh(self) -> Any:
        """检查开始时那个层的一份新副本（不能复制时返回 ``None``，原因在 ``copy_problem``）。"""
        return None if self.pristine is None else copy.deepcopy(self.pristine)

    def inputs(self) -> list[np.ndarray]:
        return [x.copy() for x in self.xs]

    def dout_copies(self) -> tuple[Any, ...]:
        return tuple(np.array(d, copy=True) if np.ndim(d) else d for d in self.douts)

    def loss(self) -> float:
        """数值梯度用的标量：损失层就是 forward 的值，其余是 $\\sum \\text{out} \\odot \\text{dout}$。"""
        out = self.forward(self.layer, self.xs)
        if isinstance(out, np.ndarray) and len(self.douts) == 1:  # 最常见的情形：一个输出
            return float(np.vdot(out, self.douts[0])) if out.ndim else float(out)
        if len(self.douts) == 1 and np.ndim(self.douts[0]) == 0:
            return float(out)
        outs = out if isinstance(out, tuple | list) else (out,)
        return float(sum(np.vdot(o, d) for o, d in zip(outs, self.douts, strict=True)))

    def gradients(self, obj: Any, result: Any) -> dict[str, np.ndarray]:
        """一次 backward 之后的全部梯度（副本）：返回的 ``dx``… 与 ``grads`` 里的 ``dW``…。"""
        found: dict[str, np.ndarray] = {}
        returned = list(result) if isinstance(result, tuple | list) else [result]
        for name, g in zip(self.names, returned, strict=False):
            if isinstance(g, np.ndarray) and g.dtype.kind in "fiu":
                found[f"d{name}"] = np.array(g, dtype=np.float64)
        grads = getattr(obj, "grads", None)
        if isinstance(grads, list | tuple):
            for name, g in zip(self.param_names, grads, strict=False):
                if isinstance(g, np.ndarray) and g.dtype.kind in "fiu":
                    found[grad_name(name)] = np.array(g, dtype=np.float64)
        return found


def random_douts(out: Any, rng: np.random.Generator) -> tuple[Any, ...]:
    if np.ndim(out) == 0 and not isinstance(out, tuple | list):
        return (1.0,)
    outs = out if isinstance(out, tuple | list) else (out,)
    return tuple(rng.standard_normal(np.shape(o)) for o in outs)


def ones_like(out: Any) -> tuple[Any, ...]:
    if np.ndim(out) == 0 and not isinstance(out, tuple | list):
        return (1.0,)
    outs = out if isinstance(out, tuple | list) else (out,)
    return tuple(np.ones(np.shape(o)) for o in outs)


def differences(expected: dict[str, np.ndarray], got: dict[str, np.ndarray],
                factor: float = 1.0) -> list[tuple[str, tuple[int, ...], float, float]]:
    """``got`` 与 ``factor * expected`` 不同的数组：名字、差得最多的坐标、两边的值。"""
    found = []
    for name, want in expected.items():
        have = got.get(name)
        if have is None or have.shape != want.shape:
            continue
        target = factor * want
        tol = SAME_RTOL * max(float(np.abs(target).max(initial=0.0)), 1e-300)
        gap = np.abs(np.nan_to_num(have - target, nan=np.inf))
        if gap.max(initial=0.0) > tol:
            idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(gap)), gap.shape))
            found.append((name, idx, float(target[idx]), float(have[idx])))
    return found


def call_backward(layer: Any, douts: tuple[Any, ...]) -> Any:
    """损失层写成 ``backward(self)``（不收 dout）时不传参数；其余把 dout 依次传入。"""
    if len(douts) == 1 and np.ndim(douts[0]) == 0 and not takes_dout(layer):
        return layer.backward()
    return layer.backward(*douts)


def takes_dout(layer: Any) -> bool:
    names, _, unlimited = positional(layer.backward)
    return bool(names) or unlimited


def positional(method: Callable[..., Any]) -> tuple[list[str], int, bool]:
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


def param_names(layer: Any, n: int) -> list[str]:
    names = list(getattr(layer, "param_names", ()) or ())
    return names if len(names) == n else [f"params[{i}]" for i in range(n)]


def grad_name(name: str) -> str:
    """``W`` → ``dW``；没有 ``param_names`` 时 ``params[0]`` → ``grads[0]``。"""
    return name.replace("params[", "grads[") if name.startswith("params[") else f"d{name}"


def looks_used(layer: Any, depth: int = 2) -> bool:
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
        if depth > 1 and any(hasattr(v, "forward") and looks_used(v, depth - 1) for v in values):
            return True
    return False


def is_model(layer: Any) -> bool:
    """由别的层组成的模型（如 ``TwoLayerNet``、包着一个模型的类）：它的 backward 可以不返回输入的梯度。

    看对象的属性（和属性里的列表）中有没有带 forward / backward 的对象。
    """
    for value in vars(layer).values() if hasattr(layer, "__dict__") else ():
        for v in value if isinstance(value, list | tuple) else (value,):
            if callable(getattr(v, "forward", None)) and callable(getattr(v, "backward", None)):
                return True
    return False


def _deepcopy(layer: Any) -> tuple[Any, str]:
    try:
        return copy.deepcopy(layer), ""
    except Exception as error:
        return None, (f"层不能用 copy.deepcopy 复制（{type(error).__name__}: {error}），"
                      "这一项要在新建的层上查；让层只存数组和数就可以复制")
