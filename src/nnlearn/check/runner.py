"""检查项的清单与执行：每一项是一个小函数，层和优化器的检查都按清单依次运行。

一项检查（``Check``）= 名字 + 一个函数。函数读“会话”（被检查的对象、输入、前面各项算出的东西），
返回 ``passed`` / ``failed`` / ``unchecked``，或 ``None`` 表示这一项不适用（报告里不出现）。
``needs`` 列出它依赖的前提（会话上必须为真的属性，例如 ``forward_ran``）：前提不成立时，
这一项不运行，只在结论里计数。新增一项检查 = 写一个函数，把它加进清单。
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlearn.check.guard import CheckTimeout, Expired, Guard, LearnerError
from nnlearn.check.report import FAILED, CheckReport, Outcome, failed
from nnlearn.check.text import error_text, warning_text

#: 检查器自己的随机数流与 ``np.random.default_rng(seed)`` 不同：读者用同一个种子生成的输入
#: 不会恰好等于检查用的 dout（那样 ``x.T @ dout`` 是对称矩阵，漏了转置也查不出来）。
STREAM = 0x636B


def check_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, STREAM])


@dataclass(frozen=True)
class Check:
    """清单里的一项：``run(session)`` 决定通过、失败或未检查。"""

    name: str
    run: Callable[[Any], Outcome | None]
    #: 会话上必须为真的属性；不成立时这一项被前面的失败挡住，不运行
    needs: tuple[str, ...] = ()
    #: 决定性的一项（层的梯度确认、优化器与参照的比较）：``ok`` 要求它真的查了、通过了
    decisive: bool = False
    #: 这一项是否适用于这个对象（例如只对损失层）；不适用时报告里没有这一行
    applies: Callable[[Any], bool] | None = None


def run_checks(checks: Sequence[Check], session: Any, report: CheckReport, guard: Guard) -> None:
    """按顺序运行清单，把每一项的结果写进报告；超时后停止（对象的状态已不可信）。"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i, check in enumerate(checks):
            if check.applies is not None and not check.applies(session):
                continue
            if not all(getattr(session, need) for need in check.needs):
                report.blocked.append(check.name)
                continue
            seen = len(caught)
            try:
                outcome = check.run(session)
            except (CheckTimeout, Expired) as error:
                timeout = error if isinstance(error, CheckTimeout) else guard.expired
                assert timeout is not None
                report.add(check.name, failed(timeout.text(guard.option)), decisive=check.decisive)
                report.blocked.extend(c.name for c in checks[i + 1:]
                                      if c.applies is None or c.applies(session))
                return
            except LearnerError as error:
                outcome = failed(f"{error.what} 出错：{error_text(error.error)}")
            if outcome is None:
                continue
            if outcome.status == FAILED and len(caught) > seen:
                outcome = _with_warnings(outcome, [str(w.message) for w in caught[seen:]])
            report.add(check.name, outcome, decisive=check.decisive)


def _with_warnings(outcome: Outcome, messages: list[str]) -> Outcome:
    """失败的那一项运行时 NumPy 给过警告：译成中文附在第一个问题后面，常常就是原因。"""
    unique = list(dict.fromkeys(warning_text(m) for m in messages))
    first, *rest = outcome.problems
    note = "\n运行时 NumPy 给出警告：" + "；".join(unique[:2])
    return Outcome(outcome.status, outcome.detail, (first + note, *rest))
