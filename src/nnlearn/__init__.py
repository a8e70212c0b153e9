"""nnlearn：神经网络如何学习。"""

__version__ = "0.1.0"
