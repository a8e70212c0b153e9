"""训练的配方：建 ``TwoLayerNet``、优化器、``Trainer``，再 ``fit``——全包只有这一份。

命令行 ``python -m nnlearn train``、训练游乐场和精度实验都调用 ``train(config)``；
命令行的选项也从 ``TrainConfig`` 的字段生成，所以 ``config.command()`` 打印的命令
与 ``train(config)`` 做的是同一件事，逐位相同。

>>> config = TrainConfig(hidden_size=3, optimizer="adam", lr=0.1, epochs=20)
>>> config.command()
'python -m nnlearn train --hidden-size 3 --lr 0.1 --optimizer adam --epochs 20 --batch-size 30 --seed 0'
>>> trainer = train(config)
>>> len(trainer.loss_list)   # 默认每轮记一次平均损失
20
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from nnlearn.optim import BY_NAME, make_optimizer
from nnlearn.validation import positive_float, positive_int, seed_value

if TYPE_CHECKING:
    from nnlearn.trainer import Trainer

__all__ = ["DTYPES", "WEIGHT_SCALES", "Flag", "TrainConfig", "build", "train"]

#: 训练可选的精度（§1.5 比较它们；梯度确认只用 float64）。
DTYPES = ("float64", "float32", "float16")
#: 除正数之外，weight_scale 可取的名字（见 ``nnlearn.models.init_scale``）。
WEIGHT_SCALES = ("xavier", "he")


@dataclass(frozen=True)
class Flag:
    """一个字段对应的命令行选项：说明、占位名、从字符串读值的函数、是否总写进命令。"""

    help: str
    parse: Callable[[str], Any]
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    always: bool = False


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"应是整数，收到 {text!r}") from None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"应是数字，收到 {text!r}") from None


def _scale(text: str) -> float | str:
    if text in WEIGHT_SCALES:
        return text
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"应是正数或 {'、'.join(WEIGHT_SCALES)}，收到 {text!r}") from None


def _option(default: Any, flag: Flag) -> Any:
    return field(default=default, metadata={"flag": flag})


@dataclass(frozen=True)
class TrainConfig:
    """一次训练的全部设置；默认值就是书中 §1.4 的设置（隐藏层 10、SGD、学习率 1、300 轮、批 30）。

    每个字段都是 ``python -m nnlearn train`` 的一个选项（``hidden_size`` → ``--hidden-size``）。
    构造时检查每个值，错误用中文说明是哪个字段、收到了什么。
    """

    hidden_size: int = _option(10, Flag("隐藏层的神经元个数", _int, "H", always=True))
    lr: float = _option(1.0, Flag("学习率", _float, "η", always=True))
    optimizer: str = _option("sgd", Flag("优化器", str, choices=tuple(BY_NAME), always=True))
    epochs: int = _option(300, Flag("训练轮数", _int, "E", always=True))
    batch_size: int = _option(30, Flag("小批量的样本数，不能超过样本数", _int, "B", always=True))
    seed: int = _option(0, Flag("初始化权重和打乱数据用的随机种子，非负整数", _int, "S", always=True))
    dtype: str = _option("float64", Flag("参数与计算的精度", str, choices=DTYPES))
    weight_scale: float | str = _option(0.01, Flag(
        "初始权重的标准差：正数，或 xavier（1/√n）、he（√(2/n)），n 为该层输入个数", _scale, "W"))
    max_grad: float | None = _option(None, Flag("梯度裁剪的范数上限（默认不裁剪）", _float, "G"))
    eval_interval: int | None = _option(None, Flag("每多少次迭代记一次平均损失（默认每轮一次）", _int, "K"))

    def __post_init__(self) -> None:
        positive_int("hidden_size", self.hidden_size)
        positive_float("lr", self.lr)
        positive_int("epochs", self.epochs)
        positive_int("batch_size", self.batch_size)
        if seed_value("seed", self.seed) is None:
            raise ValueError("seed 应是非负整数：命令要能逐位复现，不能用 None")
        for name, allowed in (("optimizer", tuple(BY_NAME)), ("dtype", DTYPES)):
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{name} 应是 {'、'.join(allowed)} 之一，收到 {value!r}")
        if isinstance(self.weight_scale, str):
            if self.weight_scale not in WEIGHT_SCALES:
                raise ValueError(f"weight_scale 应是正数或 {'、'.join(WEIGHT_SCALES)}，收到 {self.weight_scale!r}")
        else:
            positive_float("weight_scale", self.weight_scale)
        if self.max_grad is not None:
            positive_float("max_grad", self.max_grad)
        if self.eval_interval is not None:
            positive_int("eval_interval", self.eval_interval)

    @classmethod
    def flags(cls) -> list[tuple[str, str, Flag, Any]]:
        """每个字段的 ``(字段名, 选项名, Flag, 默认值)``：命令行据此生成 ``train`` 的选项。"""
        return [(f.name, "--" + f.name.replace("_", "-"), f.metadata["flag"], f.default)
                for f in dataclasses.fields(cls)]

    def command(self, multiline: bool = False) -> str:
        """复现这次训练的命令。``always`` 的选项总写出，其余只在不是默认值时写出。

        ``multiline=True`` 时用 `` \\`` 续行，每行不超过 60 个字符（适合放在窄的代码框里）。
        """
        parts = ["python -m nnlearn train"]
        for name, option, flag, default in self.flags():
            value = getattr(self, name)
            if flag.always or value != default:
                parts.append(f"{option} {_show(value)}")
        if not multiline:
            return " ".join(parts)
        lines = [parts[0]]
        for part in parts[1:]:
            if len(lines[-1]) + 1 + len(part) + 2 <= 60:
                lines[-1] += " " + part
            else:
                lines.append("  " + part)
        return " \\\n".join(lines)


def _show(value: Any) -> str:
    """浮点数尽量短（1.0 → 1），但不丢位：命令要能逐位复现。"""
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    return str(value)


def build(config: TrainConfig, x: Any = None, t: Any = None) -> Trainer:
    """按 ``config`` 组装（不训练）：``TwoLayerNet(D, H, C, seed, dtype, weight_scale)`` →
    ``make_optimizer(optimizer, lr)`` → ``Trainer(model, optimizer, seed)``。

    ``D``、``C`` 从 ``x``、``t`` 读出（不给时用 ``load_spiral()``）。同一个 ``config`` 每次
    组装出逐位相同的初始模型，所以 ``build(config).model`` 就是 ``train(config)`` 训练前的模型。
    """
    from nnlearn.labels import class_indices
    from nnlearn.models import TwoLayerNet
    from nnlearn.trainer import Trainer

    if not isinstance(config, TrainConfig):
        raise TypeError(f"config 应是 TrainConfig，收到 {type(config).__name__}")
    x, t = _data(x, t)
    n_classes = t.shape[1] if t.ndim == 2 else int(class_indices(t).max()) + 1
    model = TwoLayerNet(x.shape[1], config.hidden_size, n_classes, seed=config.seed,
                        dtype=np.dtype(config.dtype), weight_scale=config.weight_scale)
    return Trainer(model, make_optimizer(config.optimizer, config.lr), seed=config.seed)


def train(config: TrainConfig, x: Any = None, t: Any = None, *, x_val: Any = None,
          t_val: Any = None, callback: Callable[[int, Trainer], Any] | None = None,
          verbose: bool | None = False) -> Trainer:
    """按 ``config`` 训练，返回 ``Trainer``（模型是 ``trainer.model``）。

    先 ``build(config, x, t)``，再 ``fit``（``eval_interval`` 默认取每轮的迭代次数）。
    ``x``、``t`` 不给时用 ``load_spiral()``；``x_val``、``t_val``、``callback`` 原样交给
    ``Trainer.fit``。发散时抛出 ``TrainingDivergedError``，它的 ``trainer`` 属性就是这个
    训练器，记录保留到发散前（``err.trainer.current_epoch`` 是发散的那一轮）。
    """
    from nnlearn.trainer import TrainingDivergedError

    x, t = _data(x, t)
    trainer = build(config, x, t)
    interval = config.eval_interval or max(len(x) // config.batch_size, 1)
    try:
        return trainer.fit(x, t, max_epoch=config.epochs, batch_size=config.batch_size,
                           max_grad=config.max_grad, eval_interval=interval, verbose=verbose,
                           x_val=x_val, t_val=t_val, callback=callback)
    except TrainingDivergedError as err:
        err.trainer = trainer  # type: ignore[attr-defined]  # 调用者还能看到发散前的记录
        raise


def _data(x: Any, t: Any) -> tuple[Any, Any]:
    from nnlearn.datasets import load_spiral

    if (x is None) != (t is None):
        raise ValueError("x 与 t 应同时给出（或都不给，用螺旋数据集）")
    if x is None:
        x, t = load_spiral()
    x, t = np.asarray(x), np.asarray(t)
    if x.ndim != 2:
        raise ValueError(f"x 应是 (样本数, 特征数) 的二维数组，收到形状 {x.shape}")
    return x, t
