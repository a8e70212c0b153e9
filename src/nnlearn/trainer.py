"""训练器：把"取小批量 → 前向 → 反向 → 更新"的循环收进一个类（§1.4）。

模型只需满足书中的约定：``forward(x, t) -> loss``、``backward()``，以及一一对应的
``params`` / ``grads`` 列表；优化器只需 ``update(params, grads)``。

出错时的规则（每条都保证参数不被坏数字污染）：

- 数据里有 NaN/inf：``fit`` 一开始就报 ``ValueError``，指出第几行第几列。
- 梯度里有 NaN/inf：在更新**之前**报 ``TrainingDivergedError``，参数保持上一步的值。
- 损失变成 NaN/inf，或比第一次的损失（至少按 1 计）大 ``DIVERGENCE_RATIO`` 倍：
  判为发散，报 ``TrainingDivergedError``（``FloatingPointError`` 的子类）。
- ``max_grad`` 与 ``clip_grads`` 的 ``max_norm`` 用同一条检查：非数字 ``TypeError``，
  非正数、NaN、inf ``ValueError``。
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from nnlearn.backend import asarray, get_array_module
from nnlearn.validation import positive_float, positive_int, real_array, seed_value

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DIVERGENCE_RATIO", "Trainer", "TrainingDivergedError", "clip_grads", "grad_norm"]

#: 损失超过第一次损失（至少按 1 计）的这么多倍，就判为发散。
DIVERGENCE_RATIO = 1e3


class Model(Protocol):
    params: list[np.ndarray]
    grads: list[np.ndarray]

    def forward(self, x: np.ndarray, t: np.ndarray) -> float: ...

    def backward(self, dout: float = 1.0) -> Any: ...


class SupportsUpdate(Protocol):
    """Trainer 对优化器的全部要求：有 ``update(params, grads)``（``nnlearn.optim`` 的都满足）。"""

    def update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None: ...


class TrainingDivergedError(FloatingPointError):
    """损失或梯度变成 NaN/inf，或损失暴涨了几个数量级：继续训练已没有意义。"""


def _writable_grads(func: Callable[..., float]) -> Callable[..., float]:
    """``clip_grads`` 就地缩放梯度：只读的梯度先说清楚（装饰器写在页面引用的代码之外）。"""

    @functools.wraps(func)
    def wrapper(grads: Sequence[np.ndarray], max_norm: float) -> float:
        for i, g in enumerate(grads if isinstance(grads, list | tuple) else ()):
            if not getattr(getattr(g, "flags", None), "writeable", True):
                raise ValueError(f"第 {i} 个梯度（形状 {g.shape}）是只读数组（flags.writeable 为 False）："
                                 "clip_grads 要就地缩放它。请传可写的数组，例如 g.copy()")
        return func(grads, max_norm)

    return wrapper


@_writable_grads
# --8<-- [start:clip]
def clip_grads(grads: Sequence[np.ndarray], max_norm: float) -> float:
    r"""梯度裁剪：所有梯度拼成一个向量，L2 范数超过 ``max_norm`` 时
    整体按比例缩小（就地）。返回裁剪前的总范数。

    范数先除以最大的绝对值再平方，1e20 这样的梯度也不会溢出；
    梯度里有 NaN/inf 时报 ``TrainingDivergedError``，不做任何修改。

    >>> import numpy as np
    >>> g = [np.array([3.0]), np.array([4.0])]   # 总范数 5
    >>> clip_grads(g, 1.0)
    5.0
    >>> [round(float(a[0]), 6) for a in g]
    [0.6, 0.8]
    """
    max_norm = positive_float("max_norm", max_norm)
    total_norm = grad_norm(grads)
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for g in grads:
            g *= rate
    return total_norm
# --8<-- [end:clip]


def grad_norm(grads: Sequence[np.ndarray]) -> float:
    """全部梯度拼成一个向量的 L2 范数：先按最大绝对值缩放再平方，避免溢出。"""
    if not isinstance(grads, list | tuple):
        raise TypeError(f"grads 应是梯度数组的列表（例如 model.grads），收到 {type(grads).__name__}")
    peaks = [float(abs(g).max()) if g.size else 0.0 for g in grads]
    for i, peak in enumerate(peaks):
        if not math.isfinite(peak):
            raise TrainingDivergedError(_non_finite(f"第 {i} 个梯度", grads[i]))
    peak = max(peaks, default=0.0)
    if peak == 0.0:
        return 0.0
    total = sum(float(np.sum(np.square(g / peak), dtype=np.float64)) for g in grads)
    return peak * math.sqrt(total)


def _non_finite(what: str, a: Any) -> str:
    bad = ~np.isfinite(a)
    where = tuple(int(i) for i in np.argwhere(bad)[0]) if a.ndim else ()
    return (f"{what}（形状 {a.shape}）有 {int(bad.sum())} 个 NaN/inf，"
            f"第一个在 {list(where)}，值为 {a[where]}")


def _check_finite(name: str, a: Any) -> None:
    """数据里的 NaN/inf 会在第一次更新时污染参数：训练前就指出它在第几行第几列。"""
    if a.dtype.kind != "f" or bool(np.isfinite(a).all()):
        return
    bad = np.argwhere(~np.isfinite(a))[0]
    where = f"第 {int(bad[0])} 行" + (f"第 {int(bad[1])} 列" if a.ndim > 1 else "")
    extra = f"（共 {int((~np.isfinite(a)).sum())} 个）"
    raise ValueError(f"{name} 的{where}是 {a[tuple(bad)]}{extra}：训练数据必须都是有限数，请先清理数据")


class Trainer:
    """用小批量随机梯度下降训练一个模型。

    打乱样本用自己的 ``np.random.default_rng(seed)``，不碰 NumPy 的全局随机状态，
    所以同一个种子总是给出同一条损失曲线。

    属性 ``loss_list`` 是每 ``eval_interval`` 次迭代的平均损失；``loss_iters`` 与
    ``loss_epochs`` 记录每个平均值是在第几次迭代、第几轮（均从 1 数起）结束时算出的。
    ``fit`` 给了 ``x_val``/``t_val`` 时，每轮结束记一次 ``train_acc_list`` 与
    ``val_acc_list``（模型需要 ``accuracy(x, t)``），``acc_epochs`` 是对应的轮次。
    """

    def __init__(self, model: Model, optimizer: SupportsUpdate, *, seed: int | None = 0) -> None:
        for attr in ("forward", "backward", "params", "grads"):
            if not hasattr(model, attr):
                raise TypeError(f"model 缺少属性 {attr!r}：需要 forward/backward/params/grads")
        if not hasattr(optimizer, "update"):
            raise TypeError(f"optimizer 应有 update(params, grads) 方法，收到 {optimizer!r}")
        self.model = model
        self.optimizer = optimizer
        self.rng = np.random.default_rng(seed_value("seed", seed))
        self.loss_list: list[float] = []
        self.loss_iters: list[int] = []
        self.loss_epochs: list[int] = []
        self.train_acc_list: list[float] = []
        self.val_acc_list: list[float] = []
        self.acc_epochs: list[int] = []
        self.eval_interval: int | None = None
        self.current_epoch = 0
        self.iteration = 0
        self.first_loss: float | None = None

    def fit(self, x: np.ndarray, t: np.ndarray, max_epoch: int = 10, batch_size: int = 32,
            max_grad: float | None = None, eval_interval: int | None = 20, *,
            seed: int | None = None, verbose: bool | None = None,
            x_val: np.ndarray | None = None, t_val: np.ndarray | None = None,
            callback: Callable[[int, Trainer], Any] | None = None) -> Trainer:
        """训练 ``max_epoch`` 轮；每轮打乱一次，按 ``batch_size`` 切成小批量（不足一批的尾部丢弃）。

        ``max_grad`` 不为 ``None`` 时每一步都做梯度裁剪；``seed`` 不为 ``None`` 时重设打乱用的
        生成器；``verbose=None`` 表示只在终端里显示进度条。数据先转成模型参数的 dtype
        （float32 的模型就用 float32 训练）。``x_val``/``t_val`` 给出时每轮记录训练集与验证集
        的准确率；``callback(epoch, trainer)`` 在每轮结束时调用。出错的规则见模块说明。
        """
        x, t = self._data("x", "t", x, t)
        max_epoch = positive_int("max_epoch", max_epoch)
        batch_size = positive_int("batch_size", batch_size)
        if batch_size > len(x):
            raise ValueError(f"batch_size={batch_size} 超过了样本数 {len(x)}")
        if eval_interval is not None:
            eval_interval = positive_int("eval_interval", eval_interval)
        if max_grad is not None:
            max_grad = positive_float("max_grad", max_grad)
        if (x_val is None) != (t_val is None):
            raise ValueError("x_val 与 t_val 应同时给出（或都不给）")
        if x_val is not None:
            if not hasattr(self.model, "accuracy"):
                raise TypeError("记录准确率需要模型有 accuracy(x, t) 方法；不需要时请不传 x_val/t_val")
            x_val, t_val = self._data("x_val", "t_val", x_val, t_val)
            if x_val.shape[1:] != x.shape[1:]:
                raise ValueError(f"x_val 每个样本的形状应与 x 相同：x {x.shape}，x_val {x_val.shape}")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback 应是函数 callback(epoch, trainer)，收到 {type(callback).__name__}")
        if seed is not None:
            self.rng = np.random.default_rng(seed_value("seed", seed))
        if verbose is None:
            verbose = sys.stdout.isatty()
        elif not isinstance(verbose, bool):
            raise TypeError(f"verbose 应是 True、False 或 None，收到 {verbose!r}")
        self.eval_interval = eval_interval

        from tqdm import tqdm

        iters = len(x) // batch_size
        bar = tqdm(total=max_epoch * iters, disable=not verbose, unit="it",
                   desc="训练", leave=True, dynamic_ncols=True)
        self._total, self._count = 0.0, 0
        try:
            for _ in range(max_epoch):
                self._epoch(x, t, batch_size, max_grad, bar)
                if x_val is not None:
                    self._record_accuracy(x, t, x_val, t_val)
                if callback is not None:
                    callback(self.current_epoch, self)
            if eval_interval is not None and self._count > 0:
                self._record(self._total / self._count)  # 收尾：不足一个区间的也记下
        finally:
            bar.close()
        return self

    def _data(self, x_name: str, t_name: str, x: Any, t: Any) -> tuple[Any, Any]:
        """检查数据的形状与有限性，并把 x 转成模型参数的 dtype（只转一次，不在每步重复）。"""
        x, t = real_array(x_name, asarray(x)), real_array(t_name, asarray(t))
        if x.ndim == 0 or t.ndim == 0:
            raise ValueError(f"{x_name} 与 {t_name} 应是按样本排列的数组，收到形状 {x.shape} 和 {t.shape}")
        if len(x) != len(t):
            raise ValueError(f"{x_name} 与 {t_name} 的样本数应相同，收到 {x_name} {x.shape}、{t_name} {t.shape}")
        if len(x) == 0:
            raise ValueError(f"{x_name} 为空（形状 {x.shape}）：没有可训练的样本")
        _check_finite(x_name, x)
        _check_finite(t_name, t)
        dtypes = {p.dtype for p in self.model.params if p.dtype.kind == "f"}
        if len(dtypes) == 1:
            (dtype,) = dtypes
            x = x if x.dtype == dtype else x.astype(dtype)
        return x, t

    def _epoch(self, x: Any, t: Any, batch_size: int, max_grad: float | None, bar: Any) -> None:
        self.current_epoch += 1
        idx = self.rng.permutation(len(x))
        xp = get_array_module(x, t)
        if xp is not np:  # 数据在 GPU 上：下标也搬过去
            idx = xp.asarray(idx)
        xs, ts = x[idx], t[idx]
        for i in range(len(x) // batch_size):
            batch = slice(i * batch_size, (i + 1) * batch_size)
            self._step(xs[batch], ts[batch], i + 1, max_grad)
            bar.update(1)
            if self.eval_interval is not None and self._count == self.eval_interval:
                self._record(self._total / self._count)
                bar.set_postfix(epoch=self.current_epoch, loss=f"{self.loss_list[-1]:.4g}")
                self._total, self._count = 0.0, 0

    def _step(self, xb: Any, tb: Any, i: int, max_grad: float | None) -> None:
        """一次迭代：前向、检查损失、反向、检查（或裁剪）梯度，都没问题才更新参数。"""
        model = self.model
        loss = float(model.forward(xb, tb))
        self.iteration += 1
        self._check_loss(loss, i)
        model.backward()
        names = getattr(model, "param_names", None)
        for k, g in enumerate(model.grads):
            if not math.isfinite(float(g.sum())):  # 一次求和：有 NaN/inf 时和就不是有限数
                name = f"{names[k]} 的梯度" if names and len(names) == len(model.grads) else f"第 {k} 个梯度"
                raise TrainingDivergedError(
                    f"{self._where(i)}：{_non_finite(name, g)}。参数没有更新；"
                    "请减小学习率，或设置 max_grad 做梯度裁剪"
                )
        if max_grad is not None:
            clip_grads(model.grads, max_grad)
        self.optimizer.update(model.params, model.grads)
        self._total += loss
        self._count += 1

    def _where(self, i: int) -> str:
        return f"第 {self.current_epoch} 轮第 {i} 次迭代（累计第 {self.iteration} 次）"

    def _check_loss(self, loss: float, i: int) -> None:
        if self.first_loss is None and math.isfinite(loss):
            self.first_loss = loss
        limit = DIVERGENCE_RATIO * max(abs(self.first_loss or 0.0), 1.0)
        if math.isfinite(loss) and loss <= limit:
            return
        grew = "" if not math.isfinite(loss) else (
            f"，超过了第一次损失 {self.first_loss:.4g} 的 {DIVERGENCE_RATIO:g} 倍")
        raise TrainingDivergedError(
            f"{self._where(i)}的损失变成了 {loss:.4g}{grew}：训练发散了，参数没有用这一批更新。"
            "请减小学习率，或设置 max_grad 做梯度裁剪"
        )

    def _record(self, avg_loss: float) -> None:
        self.loss_list.append(avg_loss)
        self.loss_iters.append(self.iteration)
        self.loss_epochs.append(self.current_epoch)

    def _record_accuracy(self, x: Any, t: Any, x_val: Any, t_val: Any) -> None:
        model: Any = self.model
        self.train_acc_list.append(float(model.accuracy(x, t)))
        self.val_acc_list.append(float(model.accuracy(x_val, t_val)))
        self.acc_epochs.append(self.current_epoch)

    def plot(self, ylim: tuple[float, float] | None = None) -> Figure:
        """画出 ``loss_list`` 的损失曲线，返回 matplotlib ``Figure``。"""
        from nnlearn.plotting.training import loss_curve

        return loss_curve(self.loss_list, iters=self.loss_iters, ylim=ylim)
