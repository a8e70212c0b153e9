"""nnlearn.check.check_optimizer：就地更新、不改梯度、状态按参数、与参照逐步一致。"""

from __future__ import annotations

import numpy as np
import pytest

from nnlearn import optim
from nnlearn.check import check_optimizer


class ReaderMomentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.v, strict=True):
            v *= self.momentum
            v -= self.lr * g
            p += v


class Momentum(ReaderMomentum):
    """与包里同名：不给 reference 也会自动找到 nnlearn.optim.Momentum。"""


class SharedStateMomentum(ReaderMomentum):
    def update(self, params, grads):
        for p, g in zip(params, grads, strict=True):
            key = p.shape  # 错误：按形状保存状态，W 与 W2 共用一份
            self.v = {} if self.v is None else self.v
            v = self.v.setdefault(key, np.zeros_like(p))
            v *= self.momentum
            v -= self.lr * g
            p += v


class RebindSGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for i in range(len(params)):
            params[i] = params[i] - self.lr * grads[i]  # 错误：换了新数组


class LocalSGD(RebindSGD):
    def update(self, params, grads):
        for p, g in zip(params, grads, strict=True):
            p = p - self.lr * g  # 错误：只改了局部变量


class GradScalingSGD(RebindSGD):
    def update(self, params, grads):
        for p, g in zip(params, grads, strict=True):
            g *= self.lr  # 错误：改了梯度
            p -= g


class Lookahead(ReaderMomentum):
    """包里没有对应的类（也不像任何一个的名字）。"""

    def update(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.v, strict=True):
            v *= self.momentum
            v -= self.lr * g
            p += self.momentum * v - self.lr * g


@pytest.mark.parametrize("cls", list(optim.BY_NAME.values()), ids=lambda c: c.__name__)
def test_every_package_optimizer_passes_against_itself(cls):
    report = check_optimizer(cls(lr=0.05))
    assert report.ok, str(report)
    assert "[通过] 与参照比较" in str(report)
    assert set(report.errors) == {"W", "b", "W2", "z"}


def test_reader_momentum_is_compared_with_the_package_class_of_the_same_name():
    report = check_optimizer(Momentum(lr=0.1, momentum=0.8))
    assert report.ok, str(report)
    assert "参照 Momentum(lr=0.1, momentum=0.8)" in report.title


def test_a_reference_class_gets_the_same_hyperparameters():
    assert check_optimizer(ReaderMomentum(lr=0.1), reference=optim.Momentum).ok
    wrong = check_optimizer(ReaderMomentum(lr=0.1), reference=optim.Momentum(lr=0.2))
    assert wrong.problems[0].startswith("第 1 步之后 W（形状 (3, 4)）与参照不同")


def test_state_shared_between_parameters_of_one_shape_is_reported_on_its_own_line():
    report = check_optimizer(SharedStateMomentum(lr=0.1), reference=optim.Momentum)
    assert not report.ok
    assert "[失败] 状态按参数分开保存：见问题 1" in str(report)
    assert report.problems[0].startswith("W 和别的参数一起更新时，第 2 步之后与只更新它自己时不同")
    assert "W 与 W2、z 形状相同：状态是不是按形状保存" in report.problems[0]
    assert report.problems[1].startswith("第 1 步之后 W2")
    assert "W2 与 W 形状相同" in report.problems[1]


def test_rebinding_params_is_reported_as_not_in_place():
    report = check_optimizer(RebindSGD(lr=0.1), reference=optim.SGD)
    assert report.problems == [report.problems[0]]
    assert report.problems[0].startswith("第 1 步 update 把 params[0]（W）换成了新数组")
    assert report.problems[0].endswith("请就地修改，例如 param -= self.lr * grad")
    assert report.blocked == ["状态按参数分开保存", "与参照比较"]


def test_updating_a_local_variable_is_reported():
    report = check_optimizer(LocalSGD(lr=0.1), reference=optim.SGD)
    assert report.problems[0].startswith("5 步 update 之后参数一个都没变")


def test_modifying_the_gradients_is_reported():
    report = check_optimizer(GradScalingSGD(lr=0.1), reference=optim.SGD)
    assert report.problems[0].startswith("第 1 步 update 就地改动了梯度 dW（形状 (3, 4)）：dW[")


def test_without_any_reference_the_update_rule_is_unchecked_and_ok_is_false():
    report = check_optimizer(Lookahead(lr=0.1))
    assert not report.ok and not report.problems
    assert "[未检查] 与参照比较：nnlearn.optim 里没有与 Lookahead 对应的优化器" in str(report)
    assert report.verdict.startswith("没有发现问题，但有 1 项未检查（与参照比较）")


def test_the_readers_optimizer_is_left_untouched():
    opt = ReaderMomentum(lr=0.1)
    check_optimizer(opt, reference=optim.Momentum)
    assert opt.v is None  # 检查用的是副本


def test_bad_use_raises():
    with pytest.raises(TypeError, match="收到的是类 SGD"):
        check_optimizer(optim.SGD)
    with pytest.raises(TypeError, match="应有 update"):
        check_optimizer(object())
    with pytest.raises(TypeError, match="reference 应有 update"):
        check_optimizer(optim.SGD(), reference=object())


class WeightDecaySGD:
    def __init__(self, lr=0.1, decay=0.1):
        self.inner, self.lr, self.decay = optim.SGD(lr), lr, decay

    def update(self, params, grads):
        self.inner.update(params, [g + self.decay * p for p, g in zip(params, grads, strict=True)])


def test_a_parameter_with_zero_gradient_that_moves_is_reported_unless_the_reference_moves_it_too():
    alone = check_optimizer(WeightDecaySGD())
    assert "参照 SGD(lr=0.1)（按类名 WeightDecaySGD 推断" in alone.title
    assert alone.problems == [alone.problems[0]]
    assert "z 的梯度一直是 0，却动了（参照没动）" in alone.problems[0]
    report = check_optimizer(WeightDecaySGD(), reference=WeightDecaySGD())
    assert report.ok, str(report)
    assert str(report).splitlines()[-1] == "全部通过"
