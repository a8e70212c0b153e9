"""检查读者自己写的层、节点、损失层和优化器：一次调用，用中文说清对不对、错在哪里。

>>> from nnlearn.check import check_layer
>>> from nnlearn.layers import Sigmoid
>>> print(check_layer(Sigmoid()).verdict)
全部通过
"""

from nnlearn.check.cli import run_cli
from nnlearn.check.layer import check_layer
from nnlearn.check.optimizer import check_optimizer
from nnlearn.check.report import CheckReport

__all__ = ["CheckReport", "check_layer", "check_optimizer", "run_cli"]
