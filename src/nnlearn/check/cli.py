"""``python -m nnlearn check FILE.py:NAME``：检查读者自己文件里的层或优化器。

``NAME`` 可以是一个类（用无参数构造）、一个返回对象的无参函数，或文件里已经建好的对象。
有 ``update`` 而没有 ``forward`` 的是优化器，交给 ``check_optimizer``；其余交给 ``check_layer``。
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

import numpy as np

from nnlearn.check.layer import LABEL_NAMES, check_layer
from nnlearn.check.optimizer import check_optimizer
from nnlearn.check.report import CheckReport

__all__ = ["run_cli"]

#: 退出码：0 通过，1 发现问题，2 无法检查（文件、名字或构造出错）。
PASSED, FAILED, UNUSABLE = 0, 1, 2


class _Unusable(Exception):
    """无法开始检查：消息已经是给读者看的中文。"""


def run_cli(target: str, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """载入 ``FILE.py:NAME``，检查它并打印报告；返回 0（通过）、1（有问题）或 2（无法检查）。

    >>> run_cli("没有这个文件.py:Tanh", err=sys.stdout)
    错误：找不到文件 没有这个文件.py
    2
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        report = _check(_load(target))
    except _Unusable as error:
        print(f"错误：{error}", file=err)
        return UNUSABLE
    print(report, file=out)
    return PASSED if report.ok else FAILED


def _check(obj: Any) -> CheckReport:
    if callable(getattr(obj, "update", None)) and not callable(getattr(obj, "forward", None)):
        return check_optimizer(obj)
    if not callable(getattr(obj, "forward", None)) or not callable(getattr(obj, "backward", None)):
        raise _Unusable(f"{type(obj).__name__} 既不是层（forward/backward）也不是优化器（update）")
    try:
        if _needs_labels(obj):
            return _check_loss(obj)
        return check_layer(obj)
    except (TypeError, ValueError) as error:
        raise _Unusable(str(error)) from None


def _needs_labels(obj: Any) -> bool:
    try:
        params = list(inspect.signature(obj.forward).parameters)
    except (TypeError, ValueError):
        return False
    return len(params) >= 2 and params[1] in LABEL_NAMES


def _check_loss(obj: Any) -> CheckReport:
    """损失层：4 个样本、3 个类别的随机分数，整数标签（书中的损失层也接受 one-hot 以外的写法）。"""
    rng = np.random.default_rng(0)
    return check_layer(obj, rng.standard_normal((4, 3)), t=np.array([0, 2, 1, 0]))


def _load(target: str) -> Any:
    file, sep, name = target.rpartition(":")
    if not sep or not file or not name:
        raise _Unusable(f"目标应写成 文件.py:名字，例如 my_layers.py:Tanh，收到 {target!r}")
    path = Path(file)
    if not path.is_file():
        raise _Unusable(f"找不到文件 {file}")
    module = _import(path)
    if not hasattr(module, name):
        defined = sorted(n for n, v in vars(module).items()
                         if inspect.isclass(v) and v.__module__ == module.__name__)
        listed = "、".join(defined) if defined else "（没有）"
        raise _Unusable(f"{file} 里没有 {name}；文件里定义的类有：{listed}")
    return _build(getattr(module, name), name)


def _import(path: Path) -> ModuleType:
    """按文件载入读者的模块；文件所在目录临时加入 sys.path，它就能导入旁边的模块。"""
    module_name = f"nnlearn_check_target_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise _Unusable(f"无法把 {path} 当作 Python 文件载入")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclass、pickle 这类代码要在 sys.modules 里找到模块
    with _on_path(path.resolve().parent):
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            del sys.modules[module_name]
            raise _Unusable(f"载入 {path} 时出错：{_where(error)}") from None
    return module


@contextlib.contextmanager
def _on_path(folder: Path) -> Iterator[None]:
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))


def _build(value: Any, name: str) -> Any:
    """类或无参函数就调用一次；已经是对象就直接用。"""
    if not (inspect.isclass(value) or inspect.isfunction(value)):
        return value
    try:
        inspect.signature(value).bind()
    except TypeError:
        needed = [p for p in inspect.signature(value).parameters.values()
                  if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        listed = ", ".join(p.name for p in needed)
        raise _Unusable(
            f"{name}() 需要参数（{listed}），命令行只能不带参数构造它：请给这些参数默认值，"
            f"或在文件里写一个无参数的函数，例如 def make(): return {name}(...)，再检查 文件.py:make") from None
    try:
        return value()
    except Exception as error:
        raise _Unusable(f"{name}() 出错：{_where(error)}") from None


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    text = f"{type(error).__name__}: {error}"
    if frames and frames[-1].line:
        text += f"（第 {frames[-1].lineno} 行：{frames[-1].line.strip()}）"
    return text
