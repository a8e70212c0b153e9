"""参数检查的共同小工具：每条规则只写一次，报错都说清参数名和收到的值。"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["positive_float", "positive_int", "seed_value"]


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
