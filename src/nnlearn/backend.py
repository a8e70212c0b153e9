"""数组模块的开关：同一份层代码既能跑在 NumPy 上，也能跑在 CuPy（GPU）上。

书中用 ``config.GPU = True`` 把全局的 ``np`` 换成 ``cupy``；这里改为按数组的类型分派：
NumPy 的函数遇到 CuPy 数组会自动交给 CuPy（``__array_ufunc__`` / ``__array_function__``），
所以层的代码不用改，只要把参数和数据放到 GPU 上。CuPy 只在真正需要时才导入。
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np

DEVICES = ("cpu", "gpu")


def is_cupy_array(a: Any) -> bool:
    """不导入 CuPy 就能判断 ``a`` 是不是 CuPy 数组。"""
    return type(a).__module__.split(".")[0] == "cupy"


def get_array_module(*arrays: Any) -> ModuleType:
    """参数里只要有一个 CuPy 数组就返回 ``cupy``，否则返回 ``numpy``。

    >>> get_array_module(np.zeros(3)).__name__
    'numpy'
    """
    if any(is_cupy_array(a) for a in arrays):
        return _import_cupy()
    return np


def asarray(a: Any) -> Any:
    """把列表、标量转成数组；已经是 NumPy 或 CuPy 数组的原样返回（不复制）。"""
    if isinstance(a, np.ndarray) or is_cupy_array(a):
        return a
    return np.asarray(a)


def to_device(a: Any, device: str = "cpu") -> Any:
    """把数组搬到 ``"cpu"``（NumPy）或 ``"gpu"``（CuPy）上。

    >>> to_device([1.0, 2.0], "cpu")
    array([1., 2.])
    """
    if device not in DEVICES:
        raise ValueError(f"device 只能是 {DEVICES} 之一，收到 {device!r}")
    if device == "gpu":
        return _import_cupy().asarray(a)
    return a.get() if is_cupy_array(a) else np.asarray(a)


def model_to_device(model: Any, device: str = "cpu") -> Any:
    """把模型每一层的参数和梯度搬到 ``device`` 上，并按层重建 ``model.params`` / ``model.grads``。

    层、模型和优化器必须拿着**同一批**数组（优化器就地更新，层立刻用上新值），所以先搬每一层
    自己的列表（就地替换列表里的元素），再从各层收集一遍。有状态的优化器请在搬动之后再建：
    它的状态按第一次见到的参数建立。返回 ``model`` 本身。

    >>> from nnlearn.models import TwoLayerNet
    >>> net = model_to_device(TwoLayerNet(2, 3, 2, seed=0), "cpu")
    >>> net.params[0] is net.layers[0].params[0]
    True
    """
    for layer in model.layers:
        layer.params[:] = [to_device(p, device) for p in layer.params]
        layer.grads[:] = [to_device(g, device) for g in layer.grads]
    model.params = [p for layer in model.layers for p in layer.params]
    model.grads = [g for layer in model.layers for g in layer.grads]
    return model


def gpu_available() -> bool:
    """CuPy 已安装且至少有一块 GPU 时为 True；不会因为没有 GPU 而报错。"""
    try:
        cupy = _import_cupy()
        return bool(cupy.cuda.runtime.getDeviceCount() > 0)
    except Exception:  # 没装 CuPy、没有驱动、没有 GPU：都算不可用
        return False


def _import_cupy() -> ModuleType:
    try:
        return importlib.import_module("cupy")
    except ImportError as err:
        raise ModuleNotFoundError(
            "要在 GPU 上计算需要 CuPy 和 NVIDIA GPU：pip install cupy-cuda13x"
            "（驱动是 CUDA 12 的话装 cupy-cuda12x；在仓库里也可以 pip install -e '.[gpu]'）"
        ) from err
