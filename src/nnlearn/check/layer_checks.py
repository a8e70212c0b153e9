r"""``check_layer`` 的检查清单：每一项一个函数，按报告里的顺序排列在 ``LAYER_CHECKS``。

每个函数的文档字符串说明它查什么、怎样判断；返回 ``passed`` / ``failed`` / ``unchecked``，
或 ``None``（不适用）。查“行为”的几项（重复 backward、换一批数据、换批大小、损失层的 dout）
各用一份新复制的层，互不干扰。
"""

from __future__ import annotations

from nnlearn.check.gradcheck import gradient_check
from nnlearn.check.layer_behaviour import latest_forward, loss_uses_dout, other_batch, repeat_backward
from nnlearn.check.layer_protocol import (
    backward_before_forward,
    backward_result,
    dout_unchanged,
    forward_output,
    grads_in_place,
    inputs_unchanged,
    params_and_grads,
    params_unchanged,
)
from nnlearn.check.runner import Check

LAYER_CHECKS: tuple[Check, ...] = (
    Check("forward 的输出", forward_output),
    Check("forward 不改动输入", inputs_unchanged, needs=("forward_ran",)),
    Check("未 forward 先 backward", backward_before_forward, needs=("forward_ran",)),
    Check("backward 的返回值", backward_result, needs=("forward_ran",)),
    Check("backward 不改动 dout", dout_unchanged, needs=("backward_ran",),
          applies=lambda s: not s.scalar_output),
    Check("backward 不改动参数", params_unchanged, needs=("backward_ran",), applies=lambda s: s.has_params),
    Check("params 与 grads", params_and_grads),
    Check("grads 就地写入", grads_in_place, needs=("backward_ran",),
          applies=lambda s: s.has_params and isinstance(s.initial_grads, list | tuple)),
    Check("梯度确认", gradient_check, needs=("backward_ran",), decisive=True),
    Check("损失层的 backward 乘上 dout", loss_uses_dout, needs=("backward_ran",),
          applies=lambda s: s.scalar_output),
    Check("重复 backward 结果相同", repeat_backward, needs=("backward_ran",)),
    Check("backward 用的是最近一次 forward", latest_forward, needs=("backward_ran",)),
    Check("换一个批大小", other_batch, needs=("backward_ran",)),
)
