"""报告里的文字：数字、形状、坐标、改动，以及读者代码抛出的异常和 NumPy 警告。

层和优化器的检查共用这里的说法，同一件事在两边的报告里写法一样。
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import numpy as np

_HERE = str(Path(__file__).resolve().parent)  # 检查器自己的栈帧：报错时跳过
_NUMPY = str(Path(np.__file__).resolve().parent)  # NumPy 内部的栈帧：判断“谁抛的”时跳过


def number(value: float) -> str:
    """四位有效数字，足够看出两边差多少，又不随机器最后几位的舍入变化。"""
    return f"{float(value) + 0.0:.4g}"  # + 0.0：-0 印成 0


def shape(a: Any) -> str:
    return str(tuple(np.shape(a)))


def coord(name: str, idx: tuple[int, ...]) -> str:
    """``W[2, 0]``；0 维数组就只写名字。"""
    return f"{name}[{', '.join(map(str, idx))}]" if idx else name


def listing(names: list[str]) -> str:
    return "、".join(names)


def describe(value: Any) -> str:
    """返回值的简短描述：数组写形状和 dtype，数写数值，其余写类型名。"""
    if isinstance(value, np.ndarray):
        return f"{shape(value)} {value.dtype}"
    if isinstance(value, tuple | list):
        return f"{len(value)} 个值的 {type(value).__name__}"
    if np.ndim(value) == 0 and isinstance(value, int | float | np.number):
        return f"一个数 {number(value)}"
    return type(value).__name__


def first_change(before: np.ndarray, after: Any) -> tuple[tuple[int, ...], float, float] | None:
    """``after`` 与 ``before`` 不同时，返回变化最大的坐标和前后两个值；没变返回 ``None``。"""
    after = np.asarray(after)
    if after.shape != before.shape:
        return (), float("nan"), float("nan")
    changed = ~((before == after) | (np.isnan(before) & np.isnan(after)))
    if not changed.any():
        return None
    diff = np.where(changed, np.abs(np.nan_to_num(after - before, nan=np.inf)), -1.0)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), before.shape))
    return idx, float(before[idx]), float(after[idx])


def changed(what: str, name: str, before: np.ndarray, change: tuple[tuple[int, ...], float, float]) -> str:
    """“forward 就地改动了输入 x（形状 (4, 3)）：x[0, 1] 原来是 0.5，之后是 0”。"""
    idx, old, new = change
    return f"{what}（形状 {shape(before)}）：{coord(name, idx)} 原来是 {number(old)}，之后是 {number(new)}"


def unchanged_problems(what: str, arrays: list[tuple[str, np.ndarray, Any]]) -> list[str]:
    """每个被改动的数组一段问题；``arrays`` 是 ``(名字, 之前的副本, 现在的数组)``。

    层的“forward 不改动输入”“backward 不改动 dout”和优化器的“update 不改动 grads”都用它。
    """
    problems = []
    for name, before, after in arrays:
        change = first_change(before, after)
        if change is not None:
            problems.append(changed(f"{what} {name}", name, before, change))
    return problems


def learner_frames(error: BaseException) -> list[traceback.FrameSummary]:
    """异常经过的栈帧，去掉检查器自己的。"""
    return [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(_HERE)]


def error_text(error: BaseException) -> str:
    """异常的类型、消息，以及读者代码里出错的那一行。"""
    text = f"{type(error).__name__}: {error}"
    frames = learner_frames(error)
    if frames and frames[-1].line:
        text += f"\n出错的一行：{frames[-1].line.strip()}"
    return text


def deliberate(error: BaseException) -> bool:
    """异常是代码用 ``raise`` / ``assert`` 主动抛出的（例如“请先调用 forward”），而不是碰巧出错。

    看抛出它的那一行（跳过 NumPy 内部）：以 ``raise`` 或 ``assert`` 开头就是主动的；
    ``'NoneType' object has no attribute 'T'`` 这类由解释器或 NumPy 在普通的一行上抛出的是碰巧。
    拿不到源代码时（例如代码是粘贴进解释器的），按异常的类型和消息判断。
    """
    message = str(error)
    if "NoneType" in message:
        return False
    frames = [f for f in learner_frames(error) if not f.filename.startswith(_NUMPY)]
    line = (frames[-1].line or "").strip() if frames else ""
    if line:
        return line.startswith(("raise", "assert"))
    return isinstance(error, RuntimeError | AssertionError | NotImplementedError) or "forward" in message


#: NumPy 警告的中文说法（按顺序匹配，先具体后笼统）。
_WARNINGS = (
    ("invalid value encountered in sqrt", "对负数开了平方根"),
    ("divide by zero encountered in log", "对 0 取了 log"),
    ("invalid value encountered in log", "对负数取了 log"),
    ("overflow encountered in exp", "exp 溢出（参数太大）"),
    ("divide by zero", "除以了 0"),
    ("overflow", "数值溢出"),
    ("invalid value", "算出了无效值（nan）"),
)


def warning_text(message: str) -> str:
    """把一条 NumPy 警告译成中文，原文放在括号里，读者可以拿它去搜索。"""
    for english, chinese in _WARNINGS:
        if english in message:
            return f"{chinese}（NumPy：{message}）"
    return f"NumPy 给出警告：{message}"
