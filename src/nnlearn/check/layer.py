r"""``check_layer``：检查读者自己写的层、损失层或计算图节点是否正确。

这里只准备输入、检查用法；逐项的检查在 :mod:`nnlearn.check.layer_checks` 的清单里。
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nnlearn.check.guard import DEFAULT_TIMEOUT, Guard
from nnlearn.check.layer_checks import LAYER_CHECKS
from nnlearn.check.layer_session import LayerSession, param_names, positional
from nnlearn.check.report import CheckReport
from nnlearn.check.runner import check_rng, run_checks
from nnlearn.check.text import shape
from nnlearn.gradient import DEFAULT_H
from nnlearn.validation import positive_float, positive_int

__all__ = ["check_layer"]

DEFAULT_BATCH = 4  # 没给输入时自动生成的批大小
DEFAULT_WIDTH = 5  # 没有参数可推断宽度时的输入宽度
LABEL_NAMES = ("t", "label", "labels", "target", "targets")  # forward 里这样命名的参数是标签
#: 自动生成的输入离 0、离同一位置的另一个输入、离同一行的别的值都至少这么远：避开折点
KINK_MARGIN = 5 * DEFAULT_H


def check_layer(layer: Any, *inputs: Any, t: Any = None, seed: int = 0,
                timeout: float | None = DEFAULT_TIMEOUT) -> CheckReport:
    r"""检查一个层（``forward(x)``）、损失层（``forward(x, t)`` 返回一个数）或多输入节点。

    ``inputs`` 是示例输入（数组或列表，按 float64 检查）；不给时，若能从参数推出输入宽度
    （第一个参数是 $(D, H)$ 的矩阵），就生成 $(4, D)$ 的随机批，并让每个值离 0、离同一行的
    其他值、离另一个输入的同一位置都至少 ``5h``（避开 ReLU、Max 这类折点）。``t`` 是损失层的标签，
    只传给 ``forward``，不求梯度。输出不是一个数时，检查的标量是 $L = \sum \text{out} \odot \text{dout}$，
    ``dout`` 是按 ``seed`` 生成的随机数组，所以同样的层、输入和 ``seed`` 总是得到同样的报告。

    依次检查（清单见 :mod:`nnlearn.check.layer_checks`）：还没 forward 就 backward 是否有意报错；
    forward 的输出；forward 是否改动输入和参数；backward 的返回值；是否改动 ``dout`` 和参数；
    ``params`` 与 ``grads`` 是否一一对应、是否就地写入；**梯度确认**（决定性的一项）；
    损失层的 backward 是否乘上 ``dout``；重复 backward 结果是否相同；backward 用的是否是
    最近一次 forward 的数据；换一个批大小是否还能用。

    数值梯度是 float64 的中心差分（步长 ``nnlearn.gradient.DEFAULT_H``，由
    :func:`nnlearn.gradient.compare_gradient` 计算）。不超过 ``MAX_COORDS``（300）个元素的
    数组逐个坐标比较；更大的抽 ``SAMPLED_COORDS``（50）个坐标，再沿一个随机方向比一次。
    相对误差的定义和通过线来自 :mod:`nnlearn.gradient`，报告里写明通过线。不符的坐标若是折点
    （左右两侧的差分不同），这一项是“未检查”并说明原因。耗时见 ``benchmarks/bench_check.py``。

    ``timeout`` 是每一次调用层的方法（forward、backward）的时间上限（秒），``None`` 表示不限；
    超时的那一项记为失败，写明是哪个方法、停在哪一行，其余检查不再进行。Python 代码里的死循环
    （包括包在 ``try: ... except Exception:`` 里的）都能这样停下；卡在一次不返回的 C 调用里
    （如 ``time.sleep(1e6)``）或被裸 ``except:`` 一再拦住的，只能等它自己返回——命令行
    ``python -m nnlearn check`` 这时直接结束（见 :func:`nnlearn.check.run_cli`）。

    用错时直接报错（``TypeError``/``ValueError``）：没有 ``forward``/``backward``、
    输入不是数、损失层缺 ``t``、参数不是可写的 float64 数组。层自己的错误（包括它抛出的异常）
    都写进报告，而不是抛出。

    >>> from nnlearn.layers import Sigmoid
    >>> report = check_layer(Sigmoid(), np.linspace(-2.0, 2.0, 6).reshape(2, 3))
    >>> report.ok, report.errors["x"] < 1e-7
    (True, True)
    """
    return run_layer_check(layer, *inputs, t=t, seed=seed, guard=Guard(_timeout(timeout)))


def run_layer_check(layer: Any, *inputs: Any, t: Any, seed: int, guard: Guard) -> CheckReport:
    """``check_layer`` 的本体；命令行传入自己的 ``Guard``（卡死时直接结束进程）。"""
    seed = positive_int("seed", seed, minimum=0)
    _require_layer(layer)
    _require_float64_params(layer)
    rng = check_rng(seed)
    names = _input_names(layer, len(inputs), t is not None)
    if inputs:
        xs = [_as_float64(name, x) for name, x in zip(names, inputs, strict=True)]
    else:
        xs = _default_inputs(layer, names, t, rng)
    labels = None if t is None else _labels(t)
    params = list(getattr(layer, "params", None) or [])
    report = CheckReport(_title(layer, names, xs, labels, params, param_names(layer, len(params))))
    with guard:
        session = LayerSession(layer, names, xs, labels, rng, guard, report)
        run_checks(LAYER_CHECKS, session, report, guard)
    return report


def _timeout(value: Any) -> float | None:
    return None if value is None else positive_float("timeout", value)


# -- 用法检查（出错直接抛出） ----------------------------------------------------
def _require_layer(layer: Any) -> None:
    if isinstance(layer, type):
        raise TypeError(f"check_layer 需要一个层对象，收到的是类 {layer.__name__}：请先建对象，例如 {layer.__name__}()")
    missing = [m for m in ("forward", "backward") if not callable(getattr(layer, m, None))]
    if missing:
        raise TypeError(f"check_layer 需要有 forward 和 backward 方法的对象，{type(layer).__name__} "
                        f"缺少 {'、'.join(missing)}（优化器请用 check_optimizer）")


def _require_float64_params(layer: Any) -> None:
    """参数要是可写的 float64 数组：梯度确认要就地扰动它，训练时优化器也要就地更新它。"""
    params = getattr(layer, "params", None) or []
    cls = type(layer).__name__
    for name, p in zip(param_names(layer, len(params)), params, strict=True):
        if not isinstance(p, np.ndarray):
            raise TypeError(f"参数 {name} 应是 NumPy 数组，收到 {type(p).__name__}：例如 np.array({name})")
        if p.dtype.kind in "iub":
            raise TypeError(
                f"参数 {name} 的 dtype 是 {p.dtype}（不是浮点数）：训练时就地更新会把小数截掉，"
                f"梯度确认加上的 h={DEFAULT_H:g} 也存不进去。"
                f"请用浮点数组建层，例如 {cls}({name}.astype(np.float64), ...)")
        if p.dtype != np.float64:
            raise TypeError(
                f"检查在 float64 下进行，但参数 {name} 的 dtype 是 {p.dtype}：float32 只有约 7 位有效数字，"
                f"差分的舍入误差会淹没梯度本身。请用 float64 的数组建层，例如 {cls}(W.astype(np.float64), ...)")
        if not p.flags.writeable:
            raise ValueError(f"参数 {name}（形状 {p.shape}）是只读数组：梯度确认要就地扰动它，训练时优化器也要"
                             f"就地更新它。请用可写的数组建层，例如 {name}.copy()")


def _input_names(layer: Any, n_inputs: int, has_t: bool) -> list[str]:
    """forward 的参数名（去掉 t）；输入个数不对时直接报错。"""
    names, required, unlimited = positional(layer.forward)
    n_needed = required - 1 if has_t else required
    total = len(names) if not unlimited else None
    if has_t and total is not None and n_inputs + 1 > total:
        raise ValueError(f"给了 t，但 {type(layer).__name__}.forward 只接受 {total} 个参数（{', '.join(names)}）："
                         "只有损失层 forward(x, t) 才需要 t")
    if not has_t and n_inputs < required and names[required - 1] in LABEL_NAMES:
        raise ValueError(f"{type(layer).__name__}.forward 需要 {len(names)} 个参数（{', '.join(names)}），"
                         "没有给标签：这像是损失层 forward(x, t)，请用 t= 传入标签，"
                         "例如 check_layer(layer, x, t=np.array([0, 2, 1, 0]))")
    if n_inputs and n_inputs < n_needed:
        raise ValueError(f"{type(layer).__name__}.forward 需要 {n_needed} 个输入（{', '.join(names[:n_needed])}），"
                         f"收到 {n_inputs} 个（损失层的标签请用 t= 传入）")
    n = n_inputs or max(n_needed, 1)
    base = names[:n] if len(names) >= n else []
    return base if len(base) == n else (["x"] if n == 1 else [f"x{i}" for i in range(n)])


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
    return _away_from_kinks([rng.standard_normal((n, width)) for _ in names], rng)


def _away_from_kinks(xs: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """重抽离 0 太近、与同一行的别的值或另一个输入的同一位置太近的值：ReLU、Max 的折点碰不上。"""
    for _ in range(100):
        bad = [np.abs(x) < KINK_MARGIN for x in xs]
        for x, b in zip(xs, bad, strict=True):
            ordered = np.sort(x, axis=-1)
            close = np.diff(ordered, axis=-1) < KINK_MARGIN
            b |= np.isin(x, ordered[..., 1:][close])
        for later in range(1, len(xs)):
            for earlier in range(later):
                bad[later] |= np.abs(xs[later] - xs[earlier]) < KINK_MARGIN
        if not any(b.any() for b in bad):
            break
        for x, b in zip(xs, bad, strict=True):
            x[b] = rng.standard_normal(int(b.sum()))
    return xs


def _title(layer: Any, names: Sequence[str], xs: Sequence[np.ndarray], t: Any, params: Sequence[Any],
           p_names: Sequence[str]) -> str:
    inputs = "，".join(f"{n} {shape(x)}" for n, x in zip(names, xs, strict=True))
    title = f"检查 {type(layer).__name__}：输入 {inputs}"
    if t is not None:
        title += f"，标签 t {shape(t)}"
    if params:
        title += "；参数 " + "，".join(f"{n} {shape(p)}" for n, p in zip(p_names, params, strict=True))
    return title
