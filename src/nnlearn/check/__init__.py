"""检查读者自己写的层、节点、损失层和优化器：一次调用，用中文说清对不对、错在哪里。

报告的每一行是一项检查：**通过**（查了，没问题）、**失败**（查了，有问题，见下方的问题）或
**未检查**（没能查，说明里写着原因和怎样才能查）。最后一行只有在每一项都查了、都通过时才是
“全部通过”。检查项的清单见 :mod:`nnlearn.check.layer_checks` 和 :mod:`nnlearn.check.optimizer_checks`。

>>> from nnlearn.check import check_layer
>>> from nnlearn.layers import Sigmoid
>>> print(check_layer(Sigmoid()).verdict)
全部通过
"""

from nnlearn.check.cli import run_cli
from nnlearn.check.guard import DEFAULT_TIMEOUT
from nnlearn.check.layer import check_layer
from nnlearn.check.optimizer import check_optimizer
from nnlearn.check.report import CheckReport

__all__ = ["DEFAULT_TIMEOUT", "CheckReport", "check_layer", "check_optimizer", "run_cli"]
