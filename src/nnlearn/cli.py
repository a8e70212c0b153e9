"""命令行：``python -m nnlearn train`` 训练螺旋数据，``python -m nnlearn gradcheck`` 做梯度确认。"""

from __future__ import annotations

import argparse
import math
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnlearn.optim import BY_NAME, make_optimizer

__all__ = ["gradcheck_rows", "main"]

OPTIMIZERS = tuple(BY_NAME)
# 梯度确认的通过线：float64 下正确的反向传播通常在 1e-9 左右
GRADCHECK_TOL = 1e-7


class _ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """参数错误只打印一行中文提示（退出码 2），不打印回溯。"""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: 错误：{message}（用 --help 查看用法）\n")


def _width(text: str) -> int:
    """终端里的显示宽度：中文字符占两格。"""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _positive(kind: Callable[[str], Any], what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"应为{what}，收到 {text!r}") from None
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"应为{what}，收到 {text!r}")
        return value

    parse.__name__ = what
    return parse


positive_int = _positive(int, "正整数")
positive_float = _positive(float, "有限正数")


def _parser() -> argparse.ArgumentParser:
    common: dict[str, Any] = {"formatter_class": _ChineseHelpFormatter, "add_help": False}
    parser = _Parser(
        prog="python -m nnlearn",
        description="nnlearn：神经网络如何学习。训练螺旋数据集，或检查每一层的反向传播。",
        **common,
    )
    parser.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    parser._optionals.title = "选项"
    sub = parser.add_subparsers(dest="command", title="子命令", metavar="{train,gradcheck}")
    sub.required = True

    train = sub.add_parser(
        "train", help="在螺旋数据集上训练 TwoLayerNet，画出损失曲线和决策边界",
        description="在螺旋数据集上训练 TwoLayerNet（Affine → Sigmoid → Affine → Softmax with Loss）。\n"
        "默认值就是书中的设置：隐藏层 10、批大小 30、学习率 1.0 的 SGD、300 轮。\n"
        "结束时打印最终损失和训练准确率，并写出 loss.png 与 boundary.png。",
        **common,
    )
    train._optionals.title = "选项"
    train.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    train.add_argument("--hidden-size", type=positive_int, default=10, metavar="H",
                       help="隐藏层的神经元个数（默认 10）")
    train.add_argument("--epochs", type=positive_int, default=300, metavar="E",
                       help="训练轮数（默认 300）")
    train.add_argument("--batch-size", type=positive_int, default=30, metavar="B",
                       help="小批量的样本数（默认 30，不能超过 300 个样本）")
    train.add_argument("--lr", type=positive_float, default=1.0, metavar="η",
                       help="学习率（默认 1.0）")
    train.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd",
                       help="优化器（默认 sgd）")
    train.add_argument("--seed", type=int, default=0,
                       help="初始化权重和打乱数据用的随机种子（默认 0）")
    train.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                       help="写出 loss.png 和 boundary.png 的目录（默认当前目录，不存在会新建）")
    train.add_argument("--quiet", action="store_true", help="不显示进度条")

    check = sub.add_parser(
        "gradcheck", help="比较每个层、节点和 TwoLayerNet 的反向传播与数值梯度",
        description="对每个层、计算图节点和 TwoLayerNet，比较反向传播给出的梯度与中心差分算出的\n"
        f"数值梯度，打印相对误差；全部小于 {GRADCHECK_TOL:g} 时退出码为 0。",
        **common,
    )
    check._optionals.title = "选项"
    check.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    check.add_argument("--seed", type=int, default=0, help="随机输入的种子（默认 0）")
    return parser


def _train(args: argparse.Namespace) -> int:
    from nnlearn.datasets import load_spiral
    from nnlearn.models import TwoLayerNet
    from nnlearn.plotting.training import decision_boundary
    from nnlearn.trainer import Trainer

    x, t = load_spiral()
    if args.batch_size > len(x):
        print(f"错误：--batch-size {args.batch_size} 超过了样本数 {len(x)}", file=sys.stderr)
        return 2
    model = TwoLayerNet(x.shape[1], args.hidden_size, t.shape[1], seed=args.seed)
    optimizer = make_optimizer(args.optimizer, args.lr)
    trainer = Trainer(model, optimizer, seed=args.seed)
    iters_per_epoch = len(x) // args.batch_size
    print(f"螺旋数据集 {len(x)} 个样本；TwoLayerNet({x.shape[1]}, {args.hidden_size}, "
          f"{t.shape[1]})；{type(optimizer).__name__}(lr={args.lr:g})；"
          f"{args.epochs} 轮 × 每轮 {iters_per_epoch} 次迭代")
    trainer.fit(x, t, max_epoch=args.epochs, batch_size=args.batch_size,
                eval_interval=iters_per_epoch, verbose=False if args.quiet else None)
    accuracy = model.accuracy(x, t)
    print(f"最终损失（最后一轮的平均）：{trainer.loss_list[-1]:.4f}")
    print(f"训练准确率：{accuracy:.2%}")

    args.out.mkdir(parents=True, exist_ok=True)
    paths = [args.out / "loss.png", args.out / "boundary.png"]
    trainer.plot().savefig(paths[0])
    decision_boundary(model, x, t).savefig(paths[1])
    print("已写出：" + "、".join(str(p) for p in paths))
    return 0


def gradcheck_rows(seed: int = 0) -> list[tuple[str, str, float]]:
    """对每个层、节点和 TwoLayerNet 做梯度确认，返回 ``(对象, 数组名, 相对误差)`` 的列表。"""
    from nnlearn import layers, nodes
    from nnlearn.datasets import load_spiral
    from nnlearn.gradient import gradient_check
    from nnlearn.models import TwoLayerNet

    rng = np.random.default_rng(seed)

    def normal(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape)

    cases: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = [
        ("MatMul", layers.MatMul(normal(3, 5)), (normal(4, 3),), {}),
        ("Affine", layers.Affine(normal(3, 5), normal(5)), (normal(4, 3),), {}),
        ("Sigmoid", layers.Sigmoid(), (normal(4, 5),), {}),
        ("Softmax", layers.Softmax(), (normal(4, 5),), {}),
        ("SoftmaxWithLoss", layers.SoftmaxWithLoss(), (normal(4, 5),),
         {"t": rng.integers(0, 5, size=4)}),
        ("Add", nodes.Add(), (normal(4, 5), normal(4, 5)), {}),
        ("Mul", nodes.Mul(), (normal(4, 5), normal(4, 5)), {}),
        ("Branch", nodes.Branch(3), (normal(4, 5),), {}),
        ("Repeat", nodes.Repeat(4), (normal(1, 5),), {}),
        ("Sum", nodes.Sum(), (normal(4, 5),), {}),
    ]
    # 书中的初始权重只有 0.01 倍，W1 的梯度小到 1e-5，差分的舍入误差会显得很大；
    # 这里把权重放大到标准正态的量级，检查的才是反向传播本身。
    net = TwoLayerNet(2, 10, 3, seed=seed)
    for p in net.params:
        p[...] = rng.standard_normal(p.shape)
    x, t = load_spiral()
    cases.append(("TwoLayerNet", net, (x[:30],), {"t": t[:30]}))

    rows = []
    for name, obj, inputs, kwargs in cases:
        for array, err in gradient_check(obj, *inputs, **kwargs).items():
            rows.append((name, array, err))
    return rows


def _gradcheck(args: argparse.Namespace) -> int:
    rows = gradcheck_rows(args.seed)
    width = max(_width(name) for name, _, _ in rows) + 2
    print(f"{_pad('对象', width)}{_pad('数组', 6)}{_pad('相对误差', 10)}结果")
    ok = True
    for name, array, err in rows:
        passed = err < GRADCHECK_TOL
        ok &= passed
        print(f"{_pad(name, width)}{_pad(array, 6)}{err:<10.2e}{'通过' if passed else '未通过'}")
    print(f"全部 {len(rows)} 项{'都小于' if ok else '并非都小于'} {GRADCHECK_TOL:g}")
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """命令行入口；返回退出码（参数错误由 argparse 以退出码 2 结束）。"""
    args = _parser().parse_args(argv)
    from nnlearn.trainer import TrainingDivergedError

    try:
        return _train(args) if args.command == "train" else _gradcheck(args)
    except TrainingDivergedError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # 输出接到了 head 之类提前关闭的管道：安静地结束
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:
        print(f"错误：无法写出文件：{err}", file=sys.stderr)
        return 1
