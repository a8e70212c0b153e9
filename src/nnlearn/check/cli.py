"""``python -m nnlearn check FILE.py:NAME``：检查读者自己文件里的层或优化器。

``NAME`` 可以是一个类（用无参数构造）、一个返回对象的无参函数，或文件里已经建好的对象。
有 ``update`` 而没有 ``forward`` 的是优化器，交给 ``check_optimizer``；其余交给 ``check_layer``。
载入文件、构造对象和每一次调用都有时间上限；卡在无法中断的地方时，命令直接结束。
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import os
import sys
import textwrap
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

import numpy as np

from nnlearn.check.guard import DEFAULT_TIMEOUT, CheckTimeout, Guard, LearnerError
from nnlearn.check.layer import LABEL_NAMES, run_layer_check
from nnlearn.check.optimizer import run_optimizer_check
from nnlearn.check.report import CheckReport
from nnlearn.validation import positive_float

__all__ = ["run_cli"]

#: 退出码：0 通过（``report.ok``），1 发现问题或决定性的一项没能查，2 无法检查（文件、名字或构造出错）。
PASSED, FAILED, UNUSABLE = 0, 1, 2


class _Unusable(Exception):
    """无法开始检查：消息已经是给读者看的中文。"""


def run_cli(target: str, *, out: TextIO | None = None, err: TextIO | None = None,
            timeout: float | None = DEFAULT_TIMEOUT) -> int:
    """载入 ``FILE.py:NAME``，检查它并打印报告；返回退出码。

    - 0：``report.ok`` 为真——没有失败，决定性的一项（层的梯度确认、优化器与参照的比较）查过并通过。
      报告里仍可能有“未检查”的项（结论一行会列出），照那一行的说明补查；
    - 1：发现问题，或决定性的一项没能查（例如梯度确认的坐标落在折点上、找不到参照优化器）；
    - 2：无法检查：文件或名字不存在、它不是层或优化器、构造需要参数、载入或构造出错或超时。

    ``timeout`` 是载入文件、构造对象和每一次调用 forward / backward / update 的时间上限（秒）。
    某次调用卡在无法中断的地方（例如 ``time.sleep``）超过上限几秒后，打印原因并直接结束进程。

    >>> run_cli("没有这个文件.py:Tanh", err=sys.stdout)
    错误：找不到文件 没有这个文件.py
    2
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    seconds = None if timeout is None else positive_float("timeout", timeout)
    phase = {"code": UNUSABLE}

    def stuck(what: str, limit: float) -> None:
        print(f"错误：{what} 运行超过 {limit:g} 秒，停不下来（卡在 time.sleep 或一次很大的 NumPy 运算里，"
              "或者 except: 拦下了中断），检查中止", file=err, flush=True)
        out.flush()
        os._exit(phase["code"])

    guard = Guard(seconds, on_stuck=stuck, option="--timeout")
    try:
        with guard:
            obj = _load(target, guard)
        phase["code"] = FAILED
        report = _check(obj, guard)
    except _Unusable as error:
        print(f"错误：{error}", file=err)
        return UNUSABLE
    print(report, file=out)
    return PASSED if report.ok else FAILED


def _check(obj: Any, guard: Guard) -> CheckReport:
    if callable(getattr(obj, "update", None)) and not callable(getattr(obj, "forward", None)):
        return run_optimizer_check(obj, None, seed=0, guard=guard)
    if not callable(getattr(obj, "forward", None)) or not callable(getattr(obj, "backward", None)):
        raise _Unusable(f"{type(obj).__name__} 既不是层（forward/backward）也不是优化器（update）")
    try:
        if _needs_labels(obj):
            # 损失层：4 个样本、3 个类别的随机分数，整数标签
            return run_layer_check(obj, t=np.array([0, 2, 1, 0]), seed=0, guard=guard)
        return run_layer_check(obj, t=None, seed=0, guard=guard)
    except (TypeError, ValueError) as error:
        raise _Unusable(str(error)) from None


def _needs_labels(obj: Any) -> bool:
    try:
        params = list(inspect.signature(obj.forward).parameters)
    except (TypeError, ValueError):
        return False
    return len(params) >= 2 and params[1] in LABEL_NAMES


def _load(target: str, guard: Guard) -> Any:
    file, sep, name = target.rpartition(":")
    if not sep or not file or not name:
        raise _Unusable(f"目标应写成 文件.py:名字，例如 my_layers.py:Tanh，收到 {target!r}")
    path = Path(file)
    if not path.is_file():
        raise _Unusable(f"找不到文件 {file}")
    module = _import(path, guard)
    if not hasattr(module, name):
        defined = sorted(n for n, v in vars(module).items()
                         if inspect.isclass(v) and v.__module__ == module.__name__)
        listed = "、".join(defined) if defined else "（没有）"
        raise _Unusable(f"{file} 里没有 {name}；文件里定义的类有：{listed}")
    return _build(getattr(module, name), name, file, guard)


def _import(path: Path, guard: Guard) -> ModuleType:
    """按文件载入读者的模块；文件所在目录临时加入 sys.path，它就能导入旁边的模块。"""
    module_name = f"nnlearn_check_target_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise _Unusable(f"无法把 {path} 当作 Python 文件载入")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclass、pickle 这类代码要在 sys.modules 里找到模块
    with _on_path(path.resolve().parent):
        try:
            guard.call(f"载入 {path}", spec.loader.exec_module, module)
        except (LearnerError, CheckTimeout) as error:
            del sys.modules[module_name]
            if isinstance(error, CheckTimeout):
                raise _Unusable(f"载入 {path} 运行了 {error.seconds:g} 秒还没有结束：文件的顶层代码是不是在训练？"
                                "请把它放进 if __name__ == \"__main__\": 里") from None
            raise _Unusable(f"载入 {path} 时出错：{_where(error.error)}") from None
    return module


@contextlib.contextmanager
def _on_path(folder: Path) -> Iterator[None]:
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))


def _build(value: Any, name: str, file: str, guard: Guard) -> Any:
    """类或无参函数就调用一次（先看一眼它是不是层或优化器）；已经是对象就直接用。"""
    if not (inspect.isclass(value) or inspect.isfunction(value)):
        return value
    if inspect.isclass(value) and not any(callable(getattr(value, m, None)) for m in ("forward", "update")):
        raise _Unusable(f"{name} 既不是层（forward/backward）也不是优化器（update）：类里没有这些方法")
    if inspect.isfunction(value) and not _returns_something(value):
        raise _Unusable(f"{name}() 没有返回值（函数里没有 return 一个对象的语句），所以它不会给出层或优化器，"
                        f"没有调用它。请写一个返回对象的函数，例如 def make(): return MyLayer()，再检查 {file}:make")
    try:
        inspect.signature(value).bind()
    except TypeError:
        needed = [p for p in inspect.signature(value).parameters.values()
                  if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        listed = ", ".join(p.name for p in needed)
        raise _Unusable(
            f"{name}() 需要参数（{listed}），命令行只能不带参数构造它：请给这些参数默认值，"
            f"或在文件里写一个无参数的函数，例如 def make(): return {name}(...)，再检查 {file}:make") from None
    try:
        return guard.call(f"{name}()", value)
    except CheckTimeout as timeout:
        raise _Unusable(f"{name}() 运行了 {timeout.seconds:g} 秒还没有返回：命令行只检查很快就能建好的层或优化器，"
                        f"{name} 是不是在训练？请写一个只建对象的函数，例如 def make(): return MyLayer()") from None
    except LearnerError as error:
        raise _Unusable(f"{name}() 出错：{_where(error.error)}") from None


def _returns_something(func: Any) -> bool:
    """函数里有没有 ``return 值``（或 ``yield``），不算嵌套的函数；拿不到源代码或看不清时当作有。"""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return True
    if not tree.body or not isinstance(tree.body[0], ast.FunctionDef | ast.AsyncFunctionDef):
        return True  # 例如 lambda
    stack: list[ast.AST] = list(tree.body[0].body)
    while stack:
        node = stack.pop()
        if (isinstance(node, ast.Return) and node.value is not None) or isinstance(node, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    text = f"{type(error).__name__}: {error}"
    if frames and frames[-1].line:
        text += f"（第 {frames[-1].lineno} 行：{frames[-1].line.strip()}）"
    return text
