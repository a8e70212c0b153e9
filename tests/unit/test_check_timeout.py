"""时间上限：读者代码里的死循环不会让检查卡住；报告说出是哪个方法、停在哪一行。"""

from __future__ import annotations

import time

import numpy as np
import pytest

from nnlearn.check import check_layer, check_optimizer
from nnlearn.check.guard import CheckTimeout, Guard, LearnerError
from nnlearn.layers import Sigmoid

X = np.random.default_rng(0).standard_normal((4, 3))
LIMIT = 0.2


class Spinning:
    def __init__(self, where="forward"):
        self.params, self.grads = [], []
        self.where, self.out = where, None

    def forward(self, x):
        if self.where == "forward":
            while True:  # 忘了更新循环条件
                pass
        self.out = x.copy()
        return self.out

    def backward(self, dout):
        if self.out is None:
            raise RuntimeError("请先调用 forward")
        n = 0
        while n < 10:
            try:  # noqa: SIM105  读者的写法；except Exception 拦不住时间上限
                dout = dout * 1.0
            except Exception:
                pass
        return dout


def test_an_endless_forward_is_reported_on_the_forward_line_and_stops_the_check():
    report = check_layer(Spinning(), X, timeout=LIMIT)
    assert [(s.name, s.status) for s in report.steps] == [("forward 的输出", "失败")]
    problem = report.problems[0]
    assert problem.startswith(f"forward 运行了 {LIMIT:g} 秒还没有结束，检查停在这里：是不是有死循环")
    assert "停在这一行：pass" in problem or "停在这一行：while True:" in problem
    assert problem.endswith("确实需要更多时间时，把时间上限调大（timeout=）")
    assert report.verdict.startswith("发现 1 个问题；它挡住了后面")


def test_an_endless_backward_names_backward_even_behind_except_exception():
    report = check_layer(Spinning("backward"), X, timeout=LIMIT)
    failing = [s.name for s in report.steps if s.status == "失败"]
    assert len(failing) == 1
    assert report.problems[0].startswith(f"backward 运行了 {LIMIT:g} 秒还没有结束")


class SpinningOptimizer:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        i = 0
        while i < len(params):
            params[i] -= 0.0  # 忘了 i += 1


def test_an_endless_update_is_reported_with_its_step():
    report = check_optimizer(SpinningOptimizer(), timeout=LIMIT)
    assert report.problems[0].startswith(f"第 1 步 update 运行了 {LIMIT:g} 秒还没有结束")
    assert "停在这一行：" in report.problems[0]


def test_no_limit_and_bad_limits():
    assert check_layer(Sigmoid(), X, timeout=None).verdict == "全部通过"
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="timeout"):
            check_layer(Sigmoid(), X, timeout=bad)
    with pytest.raises(TypeError, match="timeout"):
        check_optimizer(SpinningOptimizer(), timeout="1")


def test_calls_that_finish_in_time_never_see_a_late_interrupt():
    # 看门狗在截止时刻之后才可能注入；按时结束的调用清掉还没送达的那一个
    with Guard(0.05) as guard:
        for _ in range(200):
            guard.call("forward", sum, [1, 2, 3])
        with pytest.raises(CheckTimeout):
            guard.call("forward", time.sleep, 0.5)
        for _ in range(50):
            assert guard.call("forward", sum, [1]) == 1
    time.sleep(0.1)  # 守护线程已停：之后不会再有异常冒出来
    with pytest.raises(LearnerError) as info:
        Guard(1.0).call("backward", int, "x")
    assert info.value.what == "backward" and isinstance(info.value.error, ValueError)
