r"""权重初始化：初始权重取标准正态乘以一个标准差，这个标准差怎么定。

- 一个正数：所有层都一样（书中用 0.01）；
- ``"xavier"``：$1/\sqrt{n}$，$n$ 是这一层的输入个数（fan-in），适合 sigmoid、tanh；
- ``"he"``：$\sqrt{2/n}$，适合 ReLU。

按输入个数缩放，是为了让每层输出的方差不随层宽变化：$n$ 个输入相加，方差放大 $n$ 倍。
"""

from __future__ import annotations

import numpy as np

from nnlearn.validation import positive_float

__all__ = ["RULES", "WeightScale", "init_scale"]

WeightScale = float | str
RULES = {"xavier": 1.0, "he": 2.0}  # 标准差 = sqrt(系数 / fan_in)


def init_scale(weight_scale: WeightScale, fan_in: int) -> float:
    r"""初始权重的标准差：一个正数原样返回，``"xavier"`` / ``"he"`` 按 ``fan_in`` 算。

    >>> init_scale(0.01, 100), init_scale("xavier", 100), init_scale("he", 50)
    (0.01, 0.1, 0.2)
    """
    if isinstance(weight_scale, str):
        if weight_scale not in RULES:
            raise ValueError(f"weight_scale 应是正数，或 'xavier'、'he' 之一，收到 {weight_scale!r}")
        return float(np.sqrt(RULES[weight_scale] / fan_in))
    return positive_float("weight_scale", weight_scale)
