r"""数值微分与梯度确认：用差分近似导数，用来检验反向传播写得对不对。

三个公开常数说明了梯度确认的尺度（页面上的数字都从这里打印，不手抄）：

- ``DEFAULT_H = 1e-4``：中心差分的步长。误差有两个来源：差分公式本身的**截断误差**
  约为 $h^2$（导数为 1 量级时），浮点运算的**舍入误差**约为 $\varepsilon/h$
  （float64 的 $\varepsilon \approx 2.2 \times 10^{-16}$）。$h = 10^{-4}$ 时前者约
  $10^{-8}$、后者约 $2 \times 10^{-12}$，两者都远小于一个错误梯度造成的差别；
  ``expected_error(h)`` 给出这个估计。
- ``PASS_THRESHOLD = 1e-7``：通过线，是 ``expected_error()`` 的约 10 倍。正确的层
  通常在 $10^{-10}$ 左右，写错的层通常在 $10^{-3}$ 以上。
- ``ERROR_FLOOR = 1e-2``：相对误差分母的下限（乘以 $\max(1, |f|)$），见 ``relative_error``。

步长的规则：差分除以**实际存下的步长** ``(x+h) - (x-h)``，而不是 $2h$（``x`` 很大时
$x \pm h$ 会被舍入，例如 ``x = 1e12`` 时按 $2h$ 除会得到 1.22 而不是 1）；实际步长被
舍入成 0 时报 ``ValueError``。``h`` 必须是有限正数。float16 只有约 3 位有效数字，
直接拒绝（``TypeError``）；float32 可以求数值梯度，但梯度确认只用 float64。
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from nnlearn.backend import asarray
from nnlearn.validation import positive_float, positive_int, seed_value

__all__ = [
    "DEFAULT_H", "ERROR_FLOOR", "PASS_THRESHOLD", "GradientComparison", "compare_gradient",
    "expected_error", "gradient_check", "numerical_diff", "numerical_gradient", "relative_error",
]

#: 中心差分的默认步长：截断误差（约 h²）与舍入误差（约 ε/h）都远小于通过线。
DEFAULT_H = 1e-4
#: 梯度确认的通过线：相对误差小于它算通过。
PASS_THRESHOLD = 1e-7
#: 相对误差分母的下限与函数值量级之比：梯度接近 0 时改比绝对误差。
ERROR_FLOOR = 1e-2


def expected_error(h: float = DEFAULT_H, dtype: Any = np.float64) -> float:
    r"""导数为 1 量级时，正确实现的中心差分误差的量级：$h^2 + \varepsilon / h$。

    >>> f"{expected_error():.1e}"
    '1.0e-08'
    >>> f"{expected_error(1e-4, np.float32):.1e}"   # float32 的舍入误差大得多
    '1.2e-03'
    """
    h = positive_float("h", h)
    return h * h + float(np.finfo(_float_dtype(np.dtype(dtype), "dtype")).eps) / h


def relative_error(analytic: ArrayLike, numeric: ArrayLike, *,
                   f_scale: float = 0.0) -> float:
    r"""解析梯度与数值梯度的相对误差，正确的实现在任何输入上都很小。

    $$e = \frac{\max|g_\text{解析} - g_\text{数值}|}
    {\max\bigl(\max|g_\text{解析}|,\ \max|g_\text{数值}|,\ c\bigr)},\qquad
    c = \texttt{ERROR\_FLOOR} \cdot \max(1, |f|)$$

    ``f_scale`` 是被求导函数的值 $f$。分母的下限 $c$ 防止"接近 0 的梯度除以接近 0 的量级"：
    饱和的 Sigmoid、很有把握的 Softmax 的梯度只有 $10^{-9}$ 甚至更小，数值梯度里
    约 $\varepsilon |f| / h$ 的舍入误差比它还大，只比相对误差会把正确的层判成错误；
    有了下限，这样小的梯度比的是绝对误差。任一值不是有限数时返回 ``inf``（必定不通过）。

    >>> f"{relative_error([1.0, 2.0], [1.0, 2.000002]):.1e}"
    '1.0e-06'
    >>> relative_error([2e-14], [1e-12]) < PASS_THRESHOLD   # 都接近 0：比绝对误差
    True
    """
    try:
        a = np.asarray(analytic, dtype=np.float64)
        n = np.asarray(numeric, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("relative_error 的两个参数应是实数数组（或能转成实数数组的列表）") from None
    if a.shape != n.shape:
        raise ValueError(f"解析梯度与数值梯度的形状应相同，收到 {a.shape} 和 {n.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(n)) and math.isfinite(f_scale)):
        return math.inf
    floor = ERROR_FLOOR * max(1.0, abs(float(f_scale)))
    scale = max(np.abs(a).max(initial=0.0), np.abs(n).max(initial=0.0), floor)
    return float(np.abs(a - n).max(initial=0.0) / scale)


# --8<-- [start:numerical_diff]
def numerical_diff(f: Callable[[Any], Any], x: Any,
                   h: float = DEFAULT_H) -> Any:
    r"""中心差分 $f'(x) \approx \dfrac{f(x+h) - f(x-h)}{2h}$，误差是 $O(h^2)$。

    分母用的是实际存下的步长 ``x_plus - x_minus``：``x`` 很大时 $x \pm h$ 会被舍入，
    真正走的一步不再恰好是 $2h$。

    >>> round(numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5.0), 6)
    0.2
    """
    x, h = _point(x), _step_size(h)
    x_plus, x_minus = x + h, x - h
    return (f(x_plus) - f(x_minus)) / _applied_step(x_plus, x_minus, x, h)
# --8<-- [end:numerical_diff]


# --8<-- [start:numerical_gradient]
def numerical_gradient(f: Callable[[Any], Any], x: Any,
                       h: float = DEFAULT_H) -> Any:
    r"""对 ``x`` 的每个元素做中心差分，返回与 ``x`` 同形的梯度。

    ``x`` 被**就地**扰动、再精确还原，所以 ``f`` 可以不看参数、直接读 ``x``
    （书中 ``lambda _: net.loss(x, t)`` 的写法）。整数数组加上 ``h`` 会被截断，
    float16 的舍入误差会淹没差分，两者都直接拒绝。

    >>> g = numerical_gradient(lambda x: x[0]**2 + x[1]**2, np.array([3., 4.]))
    >>> g.round(6)
    array([6., 8.])
    """
    x, h = _float_array(x), _step_size(h)
    saved = x.copy()
    grad = np.zeros_like(x)
    try:
        for idx in np.ndindex(x.shape):
            grad[idx] = _partial(f, x, saved, idx, h)
    finally:
        _restore(x, saved)
    return grad
# --8<-- [end:numerical_gradient]


def _partial(f: Callable[[Any], Any], x: Any, saved: Any,
             idx: tuple[int, ...], h: float) -> float:
    """``x[idx]`` 方向的中心差分，除以实际存下的步长；结束时 ``x[idx]`` 一位不差地还原。"""
    try:
        x[idx] = saved[idx] + h
        x_plus = x[idx]  # NumPy 标量：存下的值，保留 dtype
        f_plus = _scalar(f(x))
        x[idx] = saved[idx] - h
        x_minus = x[idx]
        f_minus = _scalar(f(x))
    finally:
        x[idx] = saved[idx]
    return (f_plus - f_minus) / _applied_step(x_plus, x_minus, saved[idx], h, idx)


def _point(x: Any) -> Any:
    """``numerical_diff`` 的 ``x``：实数或实数数组（bool、复数、字符串都说清楚地拒绝）。"""
    if isinstance(x, bool) or not isinstance(x, int | float | np.number | np.ndarray):
        raise TypeError(f"numerical_diff 的 x 应是实数（或实数数组），收到 {type(x).__name__}：{x!r}")
    if np.asarray(x).dtype.kind not in "fiu":
        raise TypeError(f"numerical_diff 的 x 应是实数，收到 dtype={np.asarray(x).dtype}")
    return x


def _step_size(h: object) -> float:
    return positive_float("h", h)


def _applied_step(x_plus: Any, x_minus: Any, x: Any, h: float,
                  idx: tuple[int, ...] | None = None) -> Any:
    """实际走的一步 ``x_plus - x_minus``；被舍入成 0 时说明 ``h`` 对这个 ``x`` 太小。"""
    dtype = np.asarray(x_plus).dtype
    if dtype.kind == "f":
        _float_dtype(dtype, "数值微分")
    step = np.subtract(x_plus, x_minus, dtype=np.float64)
    if np.any(step == 0):
        where = "" if idx is None else f"第 {idx} 个元素 "
        value = x if np.ndim(x) == 0 else np.asarray(x)[step == 0].flat[0]
        spacing = float(np.spacing(np.abs(np.asarray(value, dtype=dtype))))
        raise ValueError(
            f"步长 h={h:g} 对{where}x={float(value):g} 太小：x+h 与 x−h 存成了同一个数"
            f"（{dtype} 在 x 附近相邻两个数相差 {spacing:.3g}），差分会是 0/0。"
            f"请取 h > {spacing:.3g}" + ("" if dtype == np.float64 else "，或改用 float64")
        )
    return float(step) if step.ndim == 0 else step


def _restore(x: Any, saved: Any) -> None:
    """把 ``x`` 还原成调用前的值；``f`` 就地改过 ``x`` 时说清楚（结果已不可信）。"""
    if np.array_equal(x, saved, equal_nan=True):
        return
    changed = int(np.sum(~((x == saved) | (np.isnan(x) & np.isnan(saved)))))
    np.copyto(x, saved)
    raise ValueError(
        f"f 就地修改了 x（形状 {x.shape} 中有 {changed} 个元素被改动）：数值微分要求 f 只读 x。"
        "x 已还原成调用前的值；请在 f 里先复制一份（例如 x = x.copy()）再修改"
    )


# --8<-- [start:gradient_check]
def gradient_check(obj: Any, *inputs: ArrayLike, t: ArrayLike | None = None,
                   h: float = DEFAULT_H, max_coords: int | None = 50,
                   seed: int = 0) -> dict[str, float]:
    r"""比较 ``obj.backward`` 的梯度与数值梯度，返回每个数组的相对误差。

    ``obj`` 可以是层、节点或模型。输出不是标量时，取
    $L = \sum \text{out} \odot \text{dout}$，``dout`` 是固定种子的随机数组。
    ``t`` 是标签，只传给 ``forward``。误差按 ``relative_error`` 计算，
    小于 ``PASS_THRESHOLD`` 算通过。只接受 float64（float32 的舍入误差会淹没差分）。

    大数组只随机抽 ``max_coords`` 个坐标（``None`` 表示全部），再加一次沿随机方向的
    差分（两次求值，覆盖所有坐标）。批 128 的 ``TwoLayerNet(256, 256, 10)`` 或
    ``(784, 100, 10)`` 共约 330 次前向；耗时由 ``benchmarks/bench_gradient_check.py`` 测量。

    >>> from nnlearn.layers import Sigmoid
    >>> x = np.linspace(-2.0, 2.0, 6).reshape(2, 3)
    >>> gradient_check(Sigmoid(), x)["x"] < PASS_THRESHOLD
    True
    """
    h = _step_size(h)
    if max_coords is not None:
        max_coords = positive_int("max_coords", max_coords)
    rng = np.random.default_rng(seed_value("seed", seed))
    xs = [_checked_input("输入" if len(inputs) == 1 else f"第 {i} 个输入", x)
          for i, x in enumerate(inputs)]
    extra = () if t is None else (t,)
    _require_layer(obj, (*xs, *extra))
    out = obj.forward(*xs, *extra)
    is_loss = np.ndim(out) == 0 and (t is not None or _no_dout(obj))
    douts = None if is_loss else _random_like(out, rng)
    dxs = obj.backward() if douts is None else obj.backward(*douts)
    analytic, arrays = _gradients(obj, xs, dxs)

    def loss() -> float:
        out = obj.forward(*xs, *extra)
        if douts is None:
            return float(out)
        outs = out if isinstance(out, tuple) else (out,)
        pairs = zip(outs, douts, strict=True)
        return float(sum(np.sum(o * d) for o, d in pairs))

    f_scale = loss()
    return {name: compare_gradient(analytic[name], arrays[name], loss,
                                   h=h, max_coords=max_coords, rng=rng,
                                   f_scale=f_scale, name=name).error
            for name in analytic}
# --8<-- [end:gradient_check]


def _gradients(obj: Any, xs: list[Any], dxs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """按名字收集解析梯度和对应的数组；个数或形状对不上时指名报错。"""
    names = _param_names(obj)
    grads, params = list(getattr(obj, "grads", [])), list(getattr(obj, "params", []))
    if len(grads) != len(params):
        raise ValueError(f"grads 有 {len(grads)} 个数组，params 却有 {len(params)} 个；两者应一一对应")
    analytic = {name: np.array(g, dtype=np.float64) for name, g in zip(names, grads, strict=True)}
    arrays = dict(zip(names, params, strict=True))
    if dxs is not None:
        dxs = dxs if isinstance(dxs, tuple | list) else (dxs,)
        if len(dxs) != len(xs):
            raise ValueError(f"backward 返回了 {len(dxs)} 个梯度，但 forward 有 {len(xs)} 个输入；应一个输入一个梯度")
        input_names = ["x"] if len(xs) == 1 else [f"x{i}" for i in range(len(xs))]
        analytic.update((n, np.array(d, dtype=np.float64)) for n, d in zip(input_names, dxs, strict=True))
        arrays.update(zip(input_names, xs, strict=True))
    for name, g in analytic.items():
        if g.shape != np.shape(arrays[name]):
            raise ValueError(
                f"{name} 的解析梯度形状是 {g.shape}，而 {name} 本身的形状是 {np.shape(arrays[name])}："
                "梯度应与它对应的数组同形（被广播的输入要把梯度沿广播的轴求和）"
            )
    return analytic, arrays


class GradientComparison(NamedTuple):
    """``compare_gradient`` 的结果：误差，以及参与比较的坐标和两边的值。"""

    error: float
    #: 比较过的坐标；``None`` 表示那一项是沿随机方向的方向导数
    coords: list[tuple[int, ...] | None]
    analytic: np.ndarray
    numeric: np.ndarray


def compare_gradient(analytic: ArrayLike, x: np.ndarray, loss: Callable[[], float], *,
                     h: float = DEFAULT_H, max_coords: int | None = 50,
                     rng: np.random.Generator | int | None = None, f_scale: float | None = None,
                     name: str = "x") -> GradientComparison:
    r"""把一个数组的解析梯度 ``analytic`` 与 ``loss`` 对 ``x`` 的中心差分比较。

    ``loss`` 不带参数、读 ``x`` 的当前值；``x`` 被就地扰动、结束时精确还原。``x`` 不大于
    ``max_coords`` 个元素时比较全部坐标；否则随机抽 ``max_coords`` 个坐标，再加一个沿随机
    单位方向 $v$ 的方向导数（解析 $g \cdot d / |d|$，数值 $(L(x+hv) - L(x-hv)) / |d|$，
    $d$ 是实际的位移），它看得到每个坐标。``f_scale`` 默认取 ``loss()``。误差用 ``relative_error``。
    ``gradient_check`` 和 ``nnlearn.check`` 都用它。
    """
    h = _step_size(h)
    if max_coords is not None:
        max_coords = positive_int("max_coords", max_coords)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(seed_value("rng", rng))
    _writable(x, "compare_gradient ", name, f" {name}")
    g = np.asarray(analytic, dtype=np.float64)
    if g.shape != x.shape:
        raise ValueError(f"{name} 的解析梯度形状是 {g.shape}，而 {name} 本身的形状是 {x.shape}："
                         "梯度应与它对应的数组同形")
    f_scale = loss() if f_scale is None else f_scale
    saved = x.copy()
    sampled = max_coords is not None and x.size > max_coords
    flat = rng.choice(x.size, size=max_coords, replace=False) if sampled else np.arange(x.size)
    coords: list[tuple[int, ...] | None] = (
        [tuple(int(i) for i in c) for c in zip(*np.unravel_index(flat, x.shape), strict=True)]
        if x.ndim else [()])
    f = lambda _: loss()  # noqa: E731  # _partial 的 f 接收 x，这里的 loss 自己读 x
    try:
        numeric = [_partial(f, x, saved, idx, h) for idx in coords if idx is not None]
        exact = [float(g[idx]) for idx in coords if idx is not None]
        if sampled:
            a_dir, n_dir = _directional(g, x, saved, f, h, rng)
            exact.append(a_dir)
            numeric.append(n_dir)
            coords.append(None)
    finally:
        _restore(x, saved)
    a, n = np.array(exact), np.array(numeric)
    return GradientComparison(relative_error(a, n, f_scale=f_scale), coords, a, n)


def _directional(analytic: Any, x: Any, saved: Any, loss: Callable[[Any], float], h: float,
                 rng: np.random.Generator) -> tuple[float, float]:
    """沿随机单位方向 v 的方向导数：解析值 g·d/|d|，数值 (L(x+hv) − L(x−hv))/|d|，d 是实际位移。"""
    v = rng.standard_normal(x.shape)
    v /= np.linalg.norm(v)
    plus, minus = saved + h * v, saved - h * v
    try:
        np.copyto(x, plus)
        f_plus = _scalar(loss(x))
        np.copyto(x, minus)
        f_minus = _scalar(loss(x))
    finally:
        np.copyto(x, saved)
    d = plus.astype(x.dtype) - minus.astype(x.dtype)  # 按 x 的 dtype 存下的实际位移
    norm = float(np.linalg.norm(d))
    if norm == 0:
        raise ValueError(f"步长 h={h:g} 太小：沿随机方向的位移被舍入成了 0，请把 h 取大一些")
    return float(np.sum(analytic * d)) / norm, (f_plus - f_minus) / norm


def _no_dout(obj: Any) -> bool:
    """``backward`` 能不带参数调用（损失层、模型的 ``backward(dout=1.0)``）。"""
    try:
        params = inspect.signature(obj.backward).parameters.values()
    except (TypeError, ValueError):
        return True
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)


def _random_like(out: Any, rng: np.random.Generator) -> tuple[Any, ...]:
    outs = out if isinstance(out, tuple) else (out,)
    return tuple(rng.standard_normal(np.shape(o)) for o in outs)


def _param_names(obj: Any) -> list[str]:
    names = list(getattr(obj, "param_names", ()))
    params = getattr(obj, "params", [])
    return names if len(names) == len(params) else [f"param{i}" for i in range(len(params))]


def _require_layer(obj: Any, args: tuple[Any, ...]) -> None:
    """层的约定：有 forward 和 backward，forward 接受这些参数；参数（若有）必须是 float64。"""
    for attr in ("forward", "backward"):
        if not callable(getattr(obj, attr, None)):
            raise TypeError(f"gradient_check 需要有 forward 和 backward 方法的对象，{type(obj).__name__} 没有 {attr}")
    try:
        inspect.signature(obj.forward).bind(*args)
    except TypeError as err:
        raise TypeError(
            f"{type(obj).__name__}.forward 不接受这 {len(args)} 个参数（{err}）：损失层和模型要用 t=标签 传入标签"
        ) from None
    except ValueError:  # 拿不到签名（例如 C 实现）：不检查
        pass
    _require_float64(obj)


def _require_float64(obj: Any) -> None:
    for name, p in zip(_param_names(obj), getattr(obj, "params", []), strict=True):
        _writable(p, "梯度确认", name, f"参数 {name}")
        if p.dtype != np.float64:
            raise TypeError(
                f"梯度确认只在 float64 下有意义，但参数 {name} 是 {p.dtype}："
                "float32 的舍入误差会淹没差分。请用 float64 构建（例如 dtype=np.float64）"
            )


def _checked_input(what: str, x: ArrayLike) -> Any:
    """输入复制一份 float64（会被就地扰动）；低精度浮点、复数、布尔直接拒绝。"""
    x = asarray(x)
    if x.dtype.kind == "f" and x.dtype != np.float64:
        raise TypeError(f"梯度确认只在 float64 下有意义，但{what}是 {x.dtype}：请先 x.astype(np.float64)")
    if x.dtype.kind not in "fiu":
        raise TypeError(f"{what}应是实数数组，收到 dtype={x.dtype}（形状 {x.shape}）")
    return np.array(x, dtype=np.float64)


def _float_dtype(dtype: np.dtype, what: str) -> np.dtype:
    """数值微分只用 float32 / float64：整数会截断步长，float16 的舍入误差会淹没差分。"""
    if dtype.kind in "iu":
        raise TypeError(
            f"{what} 需要浮点数组，收到 dtype={dtype}：整数数组加上 h 会被截断，"
            "差分全是错的。请改用 x.astype(float)"
        )
    if dtype.kind != "f":
        raise TypeError(f"{what} 需要实数（浮点）数组，收到 dtype={dtype}：bool、复数、对象数组都不能求数值梯度")
    if dtype.itemsize < 4:
        raise TypeError(
            f"{what} 不支持 {dtype}：它只有约 3 位有效数字，h=1e-4 的步长大多被舍入掉，"
            "差分没有意义。请改用 x.astype(np.float64)"
        )
    return dtype


def _float_array(x: Any) -> Any:
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"numerical_gradient 需要一个 NumPy 浮点数组（会被就地扰动），收到 {type(x).__name__}；"
            "例如 np.array([3.0, 4.0])"
        )
    _float_dtype(x.dtype, "numerical_gradient")
    _writable(x, "numerical_gradient ", "x", " x")
    return x


def _writable(x: Any, what: str, name: str, label: str = "") -> None:
    """差分要就地扰动 ``x``：只读数组（``flags.writeable`` 为假）说清楚，不让 NumPy 的英文报错出来。"""
    if not getattr(getattr(x, "flags", None), "writeable", True):
        raise ValueError(
            f"{what}要就地扰动{label or name}（每次改一个元素、算完还原），但它是只读数组"
            f"（形状 {x.shape}，{name}.flags.writeable 为 False）：请传一个可写的副本，例如 {name}.copy()"
        )


def _scalar(value: Any) -> float:
    if np.ndim(value) != 0 and np.size(value) != 1:
        raise ValueError(f"f 应返回一个标量，收到形状 {np.shape(value)} 的数组")
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        raise TypeError(f"f 应返回一个实数，收到 {type(value).__name__}：{value!r}") from None
