"""参数检查的共同小工具：每条规则只写一次，报错都说清参数名和收到的值。"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnlearn.backend import asarray

__all__ = ["class_axis_array", "float_array", "float_dtype", "positive_float", "positive_int", "real_array",
           "seed_value"]


def positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """``value`` 应是不小于 ``minimum`` 的整数（``bool`` 不算整数）。"""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} 应是整数，收到 {type(value).__name__}：{value!r}")
    if value < minimum:
        what = "正整数" if minimum == 1 else f"不小于 {minimum} 的整数"
        raise ValueError(f"{name} 应是{what}，收到 {value!r}")
    return int(value)


def positive_float(name: str, value: object) -> float:
    """``value`` 应是有限正数。"""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} 应是正数，收到 {type(value).__name__}：{value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} 应是有限正数，收到 {value!r}")
    return float(value)


def seed_value(name: str, value: object) -> int | None:
    """随机种子：``None``（每次不同）或非负整数。"""
    if value is None:
        return None
    return positive_int(name, value, minimum=0)


def real_array(name: str, value: object) -> Any:
    """实数数组（整数或浮点）。bool、复数、字符串、对象数组一律 ``TypeError``：全包只有这一条规则。

    bool 参与运算会被当成 0/1，复数的虚部会在比较、取最大值时被丢掉——都是悄悄算错的数。
    """
    a = asarray(value)
    if a.dtype.kind not in "fiu":
        hint = "；若是 True/False 掩码，请先 .astype(float)" if a.dtype.kind == "b" else ""
        raise TypeError(f"{name} 应是实数（整数或浮点）数组，收到 dtype={a.dtype}{hint}")
    return a


def float_array(name: str, value: object, dtype: Any = None) -> Any:
    """转换成浮点数组：给了 ``dtype`` 就转成它（层的参数精度），否则整数按 float64、浮点不变。"""
    a = real_array(name, value)
    target = dtype if dtype is not None else (a.dtype if a.dtype.kind == "f" else np.float64)
    return a if a.dtype == target else a.astype(target)


def class_axis_array(func: str, value: object) -> Any:
    """沿最后一个轴（类别轴）计算的函数的输入：至少一维、不为空；整数按 float64。"""
    if type(value) is np.ndarray and value.dtype.kind == "f" and value.ndim and value.size:
        return value  # 最常见的情形：只读几个属性
    x = float_array(f"{func} 的输入", value)
    if x.ndim == 0:
        raise ValueError(
            f"{func} 沿最后一个轴（类别轴）计算，输入至少是一维 (C,)，"
            f"收到标量 {float(x)!r}；单个样本的分数请写成数组，如 [{float(x)!r}, ...]"
        )
    if x.size == 0:
        raise ValueError(f"批为空：{func} 的输入形状是 {x.shape}，没有数据")
    return x


def float_dtype(name: str, value: object) -> Any:
    """浮点 dtype（float64、float32 等）；其他类型 ``TypeError``。"""
    dtype = np.dtype(value)  # type: ignore[call-overload]
    if dtype.kind != "f":
        raise TypeError(f"{name} 应为浮点类型（如 float64、float32），收到 {dtype}")
    return dtype
