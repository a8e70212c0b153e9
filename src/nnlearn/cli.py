"""命令行：``train`` 训练螺旋数据，``gradcheck`` 做梯度确认，``check`` 检查读者自己的层。

``train`` 的选项由 ``nnlearn.recipe.TrainConfig`` 的字段生成，训练本身就是 ``recipe.train``；
参数错误只打印一行中文（退出码 2），Ctrl-C 打印一行并以 130 退出。
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnlearn.check.guard import DEFAULT_TIMEOUT
from nnlearn.gradient import PASS_THRESHOLD
from nnlearn.recipe import Flag, TrainConfig
from nnlearn.validation import positive_float, seed_value

__all__ = ["gradcheck_rows", "main"]

#: Ctrl-C 的退出码（128 + SIGINT），与 shell 的约定一致。
INTERRUPTED = 130

# argparse 自己的英文提示 → 中文（按出现的先后替换；Python 3.11–3.13 的措辞）
_ARGPARSE_MESSAGES = [
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"invalid choice: (.*?) \(choose from (.*)\)", r"无效的选择 \1（可选：\2）"),
    (r"invalid (\S+) value: (.*)", r"\2 不是有效的 \1 值"),
    (r"expected one argument", "需要一个值"),
    (r"expected at most one argument", "最多只能有一个值"),
    (r"expected at least one argument", "至少需要一个值"),
    (r"ambiguous option: (\S+) could match (.*)", r"选项 \1 有歧义，可能是 \2"),
    (r"ignored explicit argument (.*)", r"多余的值 \1"),
    (r"not allowed with argument (.*)", r"不能与 \1 同时使用"),
    (r"^argument (\S+): ", r"参数 \1："),
]


def translate(message: str) -> str:
    """把 argparse 的英文错误换成中文（没有对应的原样保留）。

    >>> translate("argument --seed: invalid int value: 'x'")
    "参数 --seed：'x' 不是有效的 int 值"
    """
    for pattern, replacement in _ARGPARSE_MESSAGES:
        message = re.sub(pattern, replacement, message)
    return message


class _ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """参数错误只打印一行中文提示（退出码 2），不打印回溯。"""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: 错误：{translate(message)}（用 --help 查看用法）\n")


def _width(text: str) -> int:
    """终端里的显示宽度：中文字符占两格。"""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _config_value(name: str, flag: Flag) -> Callable[[str], Any]:
    """命令行的字符串 → 字段的值，并用 ``TrainConfig`` 自己的检查（规则只写在那里）。"""

    def parse(text: str) -> Any:
        try:
            value = flag.parse(text)
            TrainConfig(**{name: value})
        except (TypeError, ValueError) as err:
            raise argparse.ArgumentTypeError(str(err).removeprefix(f"{name} ")) from None
        return value

    parse.__name__ = name
    return parse


def _parser() -> argparse.ArgumentParser:
    common: dict[str, Any] = {"formatter_class": _ChineseHelpFormatter, "add_help": False}
    parser = _Parser(
        prog="python -m nnlearn",
        description="nnlearn：神经网络如何学习。训练螺旋数据集，检查每一层的反向传播，或检查你自己写的层。",
        **common,
    )
    parser.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    parser._optionals.title = "选项"
    sub = parser.add_subparsers(dest="command", title="子命令", metavar="{train,gradcheck,check}",
                                parser_class=_Parser)
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
    for name, option, flag, default in TrainConfig.flags():
        shown = f"{default:g}" if isinstance(default, float) else default
        train.add_argument(option, dest=name, type=_config_value(name, flag), default=default,
                           choices=flag.choices, metavar=flag.metavar,
                           help=flag.help if "默认" in flag.help else f"{flag.help}（默认 {shown}）")
    train.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                       help="写出 loss.png 和 boundary.png 的目录（默认当前目录，不存在会新建）")
    train.add_argument("--quiet", action="store_true", help="不显示进度条")

    gradcheck = sub.add_parser(
        "gradcheck", help="比较每个层、节点和 TwoLayerNet 的反向传播与数值梯度",
        description="对每个层、计算图节点和 TwoLayerNet，比较反向传播给出的梯度与中心差分算出的\n"
        f"数值梯度，打印相对误差；全部小于 {PASS_THRESHOLD:g} 时退出码为 0。",
        **common,
    )
    gradcheck._optionals.title = "选项"
    gradcheck.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    seed_flag = next(flag for name, _, flag, _ in TrainConfig.flags() if name == "seed")
    gradcheck.add_argument("--seed", type=_config_value("seed", seed_flag), default=0, metavar="S",
                           help="随机输入的种子（非负整数，默认 0）")

    check = sub.add_parser(
        "check", help="检查你自己文件里的层、节点、损失或优化器（nnlearn.check）",
        description="载入 FILE.py 里的 NAME（类、无参函数或对象），对层运行 check_layer、\n"
        "对优化器运行 check_optimizer，打印报告。退出码：0 没有失败、决定性的一项（梯度确认 /\n"
        "与参照比较）查过并通过（其余项可能有“未检查”，见报告）；1 发现问题，或决定性的一项\n"
        "没能查；2 无法检查（文件、名字、构造出错或超时）。",
        **common,
    )
    check._optionals.title = "选项"
    check._positionals.title = "参数"
    check.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    check.add_argument("target", metavar="FILE.py:NAME", help="例如 my_layers.py:Tanh")
    check.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help="载入文件、构造对象和每次调用 forward/backward/update 的时间上限"
                       f"（秒，默认 {DEFAULT_TIMEOUT:g}）")
    return parser


def _format_loss(value: float) -> str:
    """损失保留 4 位小数；太大或太小时改用科学计数法，不会打印出几百位数字。"""
    return f"{value:.4f}" if 1e-4 <= abs(value) < 1e6 else f"{value:.4e}"


def _prepare_out(out: Path) -> list[Path]:
    """训练前就确认能写出结果：目录能建、能写，文件名没被目录占用。"""
    if out.exists() and not out.is_dir():
        raise OSError(f"--out {out} 已存在，但不是目录")
    out.mkdir(parents=True, exist_ok=True)
    if not os.access(out, os.W_OK):
        raise OSError(f"--out {out} 不可写")
    paths = [out / "loss.png", out / "boundary.png"]
    for path in paths:
        if path.is_dir():
            raise OSError(f"{path} 是一个目录，无法写成图片")
    return paths


def _train(args: argparse.Namespace) -> int:
    from nnlearn.datasets import load_spiral
    from nnlearn.plotting.training import decision_boundary
    from nnlearn.recipe import train
    from nnlearn.trainer import TrainingDivergedError

    config = TrainConfig(**{name: getattr(args, name) for name, *_ in TrainConfig.flags()})
    x, t = load_spiral()
    if config.batch_size > len(x):
        print(f"错误：--batch-size {config.batch_size} 超过了样本数 {len(x)}", file=sys.stderr)
        return 2
    try:
        paths = _prepare_out(args.out)
    except OSError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    iters = len(x) // config.batch_size
    print(f"螺旋数据集 {len(x)} 个样本；TwoLayerNet({x.shape[1]}, {config.hidden_size}, "
          f"{t.shape[1]})；{_optimizer_name(config.optimizer)}(lr={config.lr:g})；"
          f"{config.epochs} 轮 × 每轮 {iters} 次迭代")
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # 发散由 Trainer 判断并说明
            trainer = train(config, x, t, verbose=False if args.quiet else None)
    except TrainingDivergedError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 1
    model = trainer.model
    span = "最后一轮" if config.eval_interval is None else "最后一次记录"
    print(f"最终损失（{span}的平均）：{_format_loss(trainer.loss_list[-1])}")
    print(f"训练准确率：{model.accuracy(x, t):.2%}")
    trainer.plot().savefig(paths[0])
    decision_boundary(model, x, t).savefig(paths[1])
    print("已写出：" + "、".join(str(p) for p in paths))
    return 0


def _optimizer_name(name: str) -> str:
    from nnlearn.optim import BY_NAME

    return BY_NAME[name].__name__


def gradcheck_rows(seed: int = 0) -> list[tuple[str, str, float]]:
    """对注册表里的每个层和节点、以及 TwoLayerNet 做梯度确认，返回 ``(对象, 数组名, 相对误差)``。"""
    from nnlearn.datasets import load_spiral
    from nnlearn.gradient import gradient_check
    from nnlearn.layers import LAYERS
    from nnlearn.models import TwoLayerNet
    from nnlearn.nodes import NODES

    rng = np.random.default_rng(seed_value("seed", seed))
    cases = []
    for cls in (*LAYERS, *NODES):
        ex = cls.example(rng)
        cases.append((cls.__name__, ex.obj, ex.inputs, ex.t))
    # 权重取标准正态（weight_scale=1）：梯度在 1 的量级，比的是相对误差，检查更严
    net = TwoLayerNet(2, 10, 3, seed=seed, weight_scale=1.0)
    x, t = load_spiral()
    cases.append(("TwoLayerNet", net, (x[:30],), t[:30]))

    rows = []
    for name, obj, inputs, labels in cases:
        for array, err in gradient_check(obj, *inputs, t=labels).items():
            rows.append((name, array, err))
    return rows


def _gradcheck(args: argparse.Namespace) -> int:
    rows = gradcheck_rows(args.seed)
    width = max(_width(name) for name, _, _ in rows) + 2
    print(f"{_pad('对象', width)}{_pad('数组', 6)}{_pad('相对误差', 10)}结果")
    ok = True
    for name, array, err in rows:
        passed = err < PASS_THRESHOLD
        ok &= passed
        print(f"{_pad(name, width)}{_pad(array, 6)}{err:<10.2e}{'通过' if passed else '未通过'}")
    print(f"全部 {len(rows)} 项{'都小于' if ok else '并非都小于'} {PASS_THRESHOLD:g}")
    return 0 if ok else 1


def _timeout(text: str) -> float:
    try:
        return positive_float("timeout", float(text))
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"应是正数（秒），收到 {text!r}") from None


def _check(args: argparse.Namespace) -> int:
    from nnlearn.check import run_cli  # 只有这个子命令需要检查器

    return run_cli(args.target, timeout=args.timeout)


def main(argv: Sequence[str] | None = None) -> int:
    """命令行入口；返回退出码（参数错误由 argparse 以退出码 2 结束）。"""
    args = _parser().parse_args(argv)
    commands = {"train": _train, "gradcheck": _gradcheck, "check": _check}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        print("\n已中断（Ctrl-C）：训练停止，已经写出的文件保持原样。", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # 输出接到了 head 之类提前关闭的管道：安静地结束
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:
        print(f"错误：无法写出文件：{err}", file=sys.stderr)
        return 1
