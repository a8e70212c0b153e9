r"""检查用的步长、通过线与相对误差：直接用 :mod:`nnlearn.gradient` 的定义，全站只有一套。

- 步长 ``DEFAULT_H``（1e-4）：截断误差约 $h^2$、舍入误差约 $\varepsilon/h$，两者都远小于通过线；
- 通过线 ``PASS_THRESHOLD``（1e-7）：正确的层在 float64 下误差约 1e-10，写错的通常在 1e-3 以上，
  1e-7 离两边都有几个数量级，所以报告不会因为舍入而误判；
- ``relative_error``：分母有下限，接近 0 的梯度比较的是绝对误差。
"""

from __future__ import annotations

from nnlearn.gradient import PASS_THRESHOLD, relative_error

__all__ = [
    "MAX_COORDS", "PASS_THRESHOLD", "SAMPLED_COORDS", "THRESHOLD_REASON", "relative_error",
]

#: 不超过这么多元素的数组查所有坐标：8×16 的批、16×16 的权重都逐个查到，报告能指出最坏的坐标。
MAX_COORDS = 300
#: 更大的数组随机抽这么多个坐标，再沿一个随机方向比一次（与 ``gradient_check`` 的默认相同）。
SAMPLED_COORDS = 50
#: 报告里说明通过线为什么是这个值（一句话）。
THRESHOLD_REASON = "正确的约 1e-10，写错的通常 > 1e-3"
