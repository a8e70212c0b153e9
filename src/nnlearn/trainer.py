"""训练器：把"取小批量 → 前向 → 反向 → 更新"的循环收进一个类（§1.4）。

模型只需满足书中的约定：``forward(x, t) -> loss``、``backward()``，以及一一对应的
``params`` / ``grads`` 列表；优化器只需 ``update(params, grads)``。
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from nnlearn.backend import asarray, get_array_module

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Trainer", "TrainingDivergedError", "clip_grads"]


class Model(Protocol):
    params: list[np.ndarray]
    grads: list[np.ndarray]

    def forward(self, x: np.ndarray, t: np.ndarray) -> float: ...

    def backward(self, dout: float = 1.0) -> Any: ...


class SupportsUpdate(Protocol):
    """Trainer 对优化器的全部要求：有 ``update(params, grads)``（nnlearn.optim.Optimizer 都满足）。"""

    def update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None: ...


class TrainingDivergedError(FloatingPointError):
    """损失变成 NaN 或无穷大：继续训练已没有意义。"""


# --8<-- [start:clip]
def clip_grads(grads: Sequence[np.ndarray], max_norm: float) -> float:
    r"""梯度裁剪：所有梯度拼成一个向量，其 L2 范数超过 ``max_norm`` 时整体按比例缩小（就地）。

    返回裁剪前的总范数。

    >>> import numpy as np
    >>> g = [np.array([3.0]), np.array([4.0])]   # 总范数 5
    >>> clip_grads(g, 1.0)
    5.0
    >>> [round(float(a[0]), 6) for a in g]
    [0.6, 0.8]
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float, np.number)):
        raise TypeError(f"max_norm 应为正数，收到 {type(max_norm).__name__}：{max_norm!r}")
    if not (math.isfinite(max_norm) and max_norm > 0):
        raise ValueError(f"max_norm 应为有限正数，收到 {max_norm!r}")
    total_norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for g in grads:
            g *= rate
    return total_norm
# --8<-- [end:clip]


def _check_int(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} 应为整数，收到 {type(value).__name__}：{value!r}")
    if value < minimum:
        raise ValueError(f"{name} 应不小于 {minimum}，收到 {value}")
    return int(value)


class Trainer:
    """用小批量随机梯度下降训练一个模型。

    打乱样本用自己的 ``np.random.default_rng(seed)``，不碰 NumPy 的全局随机状态，
    所以同一个种子总是给出同一条损失曲线。

    属性 ``loss_list`` 是每 ``eval_interval`` 次迭代的平均损失；``loss_iters`` 与
    ``loss_epochs`` 记录每个平均值是在第几次迭代、第几轮（均从 1 数起）结束时算出的。
    """

    def __init__(self, model: Model, optimizer: SupportsUpdate, *, seed: int | None = 0) -> None:
        for attr in ("forward", "backward", "params", "grads"):
            if not hasattr(model, attr):
                raise TypeError(f"model 缺少属性 {attr!r}：需要 forward/backward/params/grads")
        if not hasattr(optimizer, "update"):
            raise TypeError(f"optimizer 应有 update(params, grads) 方法，收到 {optimizer!r}")
        self.model = model
        self.optimizer = optimizer
        self.rng = np.random.default_rng(seed)
        self.loss_list: list[float] = []
        self.loss_iters: list[int] = []
        self.loss_epochs: list[int] = []
        self.eval_interval: int | None = None
        self.current_epoch = 0
        self.iteration = 0

    def fit(self, x: np.ndarray, t: np.ndarray, max_epoch: int = 10, batch_size: int = 32,
            max_grad: float | None = None, eval_interval: int | None = 20, *,
            seed: int | None = None, verbose: bool | None = None) -> Trainer:
        """训练 ``max_epoch`` 轮；每轮打乱一次，按 ``batch_size`` 切成小批量（不足一批的尾部丢弃）。

        ``max_grad`` 不为 ``None`` 时做梯度裁剪；``seed`` 不为 ``None`` 时重设打乱用的生成器；
        ``verbose=None`` 表示只在终端里显示进度条。损失变成 NaN/inf 时抛出
        ``TrainingDivergedError``（``FloatingPointError`` 的子类）。
        """
        x, t = asarray(x), asarray(t)  # NumPy 或 CuPy 数组原样保留
        xp = get_array_module(x, t)
        if x.ndim == 0 or t.ndim == 0:
            raise ValueError(f"x 与 t 应是按样本排列的数组，收到形状 {x.shape} 和 {t.shape}")
        if len(x) != len(t):
            raise ValueError(f"x 与 t 的样本数应相同，收到 x {x.shape}、t {t.shape}")
        max_epoch = _check_int("max_epoch", max_epoch, minimum=1)
        batch_size = _check_int("batch_size", batch_size, minimum=1)
        if batch_size > len(x):
            raise ValueError(f"batch_size={batch_size} 超过了样本数 {len(x)}")
        if eval_interval is not None:
            eval_interval = _check_int("eval_interval", eval_interval, minimum=1)
        if max_grad is not None and not (isinstance(max_grad, (int, float, np.number))
                                         and not isinstance(max_grad, bool)
                                         and math.isfinite(max_grad) and max_grad > 0):
            raise ValueError(f"max_grad 应为 None 或有限正数，收到 {max_grad!r}")
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        if verbose is None:
            verbose = sys.stdout.isatty()
        self.eval_interval = eval_interval

        data_size = len(x)
        max_iters = data_size // batch_size
        model, optimizer = self.model, self.optimizer
        total_loss, loss_count = 0.0, 0

        from tqdm import tqdm

        bar = tqdm(total=max_epoch * max_iters, disable=not verbose, unit="it",
                   desc="训练", leave=True, dynamic_ncols=True)
        try:
            for _ in range(max_epoch):
                self.current_epoch += 1
                idx = self.rng.permutation(data_size)
                if xp is not np:  # 数据在 GPU 上：下标也搬过去
                    idx = xp.asarray(idx)
                xs, ts = x[idx], t[idx]
                for i in range(max_iters):
                    batch = slice(i * batch_size, (i + 1) * batch_size)
                    loss = float(model.forward(xs[batch], ts[batch]))
                    self.iteration += 1
                    if not math.isfinite(loss):
                        raise TrainingDivergedError(
                            f"第 {self.current_epoch} 轮第 {i + 1} 次迭代（累计第 {self.iteration} "
                            f"次）的损失变成了 {loss}：训练发散了。请减小学习率，"
                            "或设置 max_grad 做梯度裁剪，并检查数据里有没有 NaN/inf"
                        )
                    model.backward()
                    if max_grad is not None:
                        clip_grads(model.grads, max_grad)
                    optimizer.update(model.params, model.grads)
                    total_loss += loss
                    loss_count += 1
                    bar.update(1)
                    if eval_interval is not None and loss_count == eval_interval:
                        self._record(total_loss / loss_count)
                        bar.set_postfix(epoch=self.current_epoch, loss=f"{self.loss_list[-1]:.4f}")
                        total_loss, loss_count = 0.0, 0
            if eval_interval is not None and loss_count > 0:
                self._record(total_loss / loss_count)  # 收尾：不足一个区间的也记下
        finally:
            bar.close()
        return self

    def _record(self, avg_loss: float) -> None:
        self.loss_list.append(avg_loss)
        self.loss_iters.append(self.iteration)
        self.loss_epochs.append(self.current_epoch)

    def plot(self, ylim: tuple[float, float] | None = None) -> Figure:
        """画出 ``loss_list`` 的损失曲线，返回 matplotlib ``Figure``。"""
        from nnlearn.plotting.training import loss_curve

        return loss_curve(self.loss_list, iters=self.loss_iters, ylim=ylim)
