"""没有 GPU 时代替 CuPy 的"假 GPU 数组"：在 CPU 上检查 GPU 路径的代码会不会悄悄退回 NumPy。

真正的 CuPy 数组有三条规矩，nnlearn 的 GPU 路径都依赖它们：

1. NumPy 的函数遇到它时，经 ``__array_ufunc__`` / ``__array_function__`` 交给 CuPy 自己的实现，
   结果还是 CuPy 数组（归约得到 0 维数组，不是 NumPy 标量）；
2. 它不能隐式变成 NumPy 数组：``np.asarray(a)`` 报 ``TypeError``，只能显式 ``a.get()``；
3. 运算里混进一个 NumPy 数组（哪怕是作为 ``out=``）也报 ``TypeError``，CuPy 不替你搬运。

``FakeDeviceArray`` 用一个 NumPy 数组存数据，但守同样的三条规矩；它的类型模块名以 ``cupy`` 开头，
``nnlearn.backend.is_cupy_array`` 因此认它为 GPU 数组。``installed(monkeypatch)`` 把一个同样守规矩的
假 ``cupy`` 模块放进 ``sys.modules``，``to_device(a, "gpu")``、``get_array_module`` 就都用上它。
数值与 NumPy 完全相同：它只检查"数组始终留在设备上"，检查不了 GPU 上的数值误差（那要真的 GPU）。
"""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

#: CuPy 解析 ``__array_function__`` 时按 ``func.__module__`` 找同名子模块；这里只认它有的几个。
_CUPY_SUBMODULES = {(), ("linalg",), ("random",), ("fft",)}


class ImplicitTransferError(TypeError):
    """像 CuPy 一样：设备数组与 NumPy 数组之间不做隐式搬运。"""


class FakeDeviceArray(NDArrayOperatorsMixin):
    """CuPy 数组的替身（只在测试里用）。"""

    __slots__ = ("_a",)

    def __init__(self, a: np.ndarray) -> None:
        self._a = a

    # --- NumPy 的两个分派协议：拆开、用 NumPy 算、再包回去 ---
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _call(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        path = tuple(func.__module__.split(".")[1:])
        if path not in _CUPY_SUBMODULES:
            return NotImplemented  # CuPy 也找不到对应的实现：NumPy 会报 TypeError
        return _call(func, args, kwargs)

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise ImplicitTransferError(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct "
            "a NumPy array explicitly.（假 GPU 数组：与 CuPy 相同，不能隐式转成 NumPy）")

    # --- 数组的属性与方法：原样转给内部的 NumPy 数组，数组结果包回去 ---
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # __array_interface__ 之类：不能让 NumPy 借此悄悄读出数据
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if callable(attr):
            return lambda *args, **kwargs: _call(attr, args, kwargs)
        return _wrap(attr)

    def get(self) -> np.ndarray:
        """显式搬回主机：得到一份 NumPy 副本。"""
        return self._a.copy()

    def __getitem__(self, key: Any) -> Any:
        return _wrap(self._a[_unwrap(key, host_ok=True)])

    def __setitem__(self, key: Any, value: Any) -> None:
        # CuPy 允许把 NumPy 数组显式写进设备数组（一次拷贝），下标也可以是 NumPy 数组
        self._a[_unwrap(key, host_ok=True)] = _unwrap(value, host_ok=True)

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Any:
        return (_wrap(row) for row in self._a)

    def __bool__(self) -> bool:
        return bool(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __repr__(self) -> str:
        return f"FakeDeviceArray({self._a!r})"


# is_cupy_array 只看类型所在模块的第一段
FakeDeviceArray.__module__ = "cupy.fake"


def _wrap(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return FakeDeviceArray(obj)
    if isinstance(obj, np.generic):  # CuPy 的归约、下标取单个元素都得到 0 维数组
        return FakeDeviceArray(np.asarray(obj))
    if isinstance(obj, tuple):
        return tuple(_wrap(o) for o in obj)
    if isinstance(obj, list):
        return [_wrap(o) for o in obj]
    return obj


def _unwrap(obj: Any, *, host_ok: bool = False) -> Any:
    if isinstance(obj, FakeDeviceArray):
        return obj._a
    if isinstance(obj, np.ndarray):
        if host_ok:
            return obj
        raise ImplicitTransferError(
            f"假 GPU 数组的运算里混进了 NumPy 数组（形状 {obj.shape}）：CuPy 在这里会报 TypeError，"
            "请先用 to_device 把它搬到 GPU 上")
    if isinstance(obj, tuple):
        return tuple(_unwrap(o, host_ok=host_ok) for o in obj)
    if isinstance(obj, list):
        return [_unwrap(o, host_ok=host_ok) for o in obj]
    if isinstance(obj, dict):
        return {k: _unwrap(v, host_ok=host_ok) for k, v in obj.items()}
    return obj


def _call(func: Any, args: Any, kwargs: dict[str, Any], *, host_ok: bool = False) -> Any:
    """拆开参数调用 NumPy；给了 ``out=`` 时返回那个（假的）输出数组本身，与 CuPy 相同。"""
    out = kwargs.get("out")
    result = func(*_unwrap(args, host_ok=host_ok), **_unwrap(kwargs, host_ok=host_ok))
    if out is not None:
        return out[0] if isinstance(out, tuple) and len(out) == 1 else out
    return _wrap(result)


def _module() -> types.ModuleType:
    """假的 ``cupy`` 模块：``asarray``/``array`` 可以从主机拷贝，其余函数与数组运算同样守规矩。"""
    mod = types.ModuleType("cupy")
    mod.__version__ = "fake"  # type: ignore[attr-defined]
    mod.ndarray = FakeDeviceArray  # type: ignore[attr-defined]

    def asarray(a: Any, dtype: Any = None) -> FakeDeviceArray:
        return a if isinstance(a, FakeDeviceArray) and dtype in (None, a.dtype) else \
            FakeDeviceArray(np.array(_unwrap(a, host_ok=True), dtype=dtype))

    def asnumpy(a: Any) -> np.ndarray:
        return a.get() if isinstance(a, FakeDeviceArray) else np.asarray(a)

    mod.asarray = mod.array = asarray  # type: ignore[attr-defined]
    mod.asnumpy = asnumpy  # type: ignore[attr-defined]
    props = {"name": b"FakeDevice (NumPy)", "major": 0, "minor": 0, "multiProcessorCount": 0,
             "totalGlobalMem": 0}
    mod.cuda = types.SimpleNamespace(  # type: ignore[attr-defined]
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 1, getDeviceProperties=lambda _: props,
                                      driverGetVersion=lambda: 0, runtimeGetVersion=lambda: 0),
        Device=lambda *_: types.SimpleNamespace(synchronize=lambda: None),
    )
    mod.get_default_memory_pool = lambda: types.SimpleNamespace(  # type: ignore[attr-defined]
        free_all_blocks=lambda: None)

    def __getattr__(name: str) -> Any:  # 其余的 cupy.xxx：用 NumPy 的同名函数
        func = getattr(np, name)
        if not callable(func) or isinstance(func, type):
            return func
        return lambda *args, **kwargs: _call(func, args, kwargs)

    mod.__getattr__ = __getattr__  # type: ignore[attr-defined]
    return mod


def installed(monkeypatch: Any) -> types.ModuleType:
    """在这个测试期间把假 ``cupy`` 放进 ``sys.modules``（测试结束自动撤掉），返回它。"""
    mod = _module()
    monkeypatch.setitem(sys.modules, "cupy", mod)
    return mod
