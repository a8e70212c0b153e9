"""issue 17 里列出的每一类：以前会被判“全部通过”的错，以及提示指错了原因的情形。

每一类在 ``tests/mutation`` 里还有系统生成的变体；这里查的是报告的**文字**：指出的原因和改法。
"""

from __future__ import annotations

import linecache

import numpy as np
import pytest

from nnlearn import optim
from nnlearn.check import check_layer, check_optimizer
from nnlearn.layers import MatMul
from nnlearn.models import TwoLayerNet

rng = np.random.default_rng(7)
X = rng.standard_normal((4, 3))
LABELS = np.array([0, 2, 1, 0])


def statuses(report):
    return {s.name: s.status for s in report.steps}


def only_problem(report, step):
    assert not report.ok, str(report)
    assert statuses(report)[step] == "失败", str(report)
    assert len(report.problems) == 1, str(report)
    return report.problems[0]


# -- 层：以前会通过的错 ---------------------------------------------------------------
class Linear:
    param_names = ("W",)

    def __init__(self, W):
        self.params, self.grads = [W], [np.zeros_like(W)]
        self.x = None

    def forward(self, x):
        self.x = x
        return x @ self.params[0]

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        self.grads[0][...] = self.x.T @ dout
        return dout @ self.params[0].T


class AccumulatingLinear(Linear):
    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        self.grads[0] += self.x.T @ dout
        return dout @ self.params[0].T


def test_accumulating_backward_is_reported_with_1_2_3_times_and_the_line_that_writes():
    W = rng.standard_normal((3, 2))
    assert check_layer(Linear(W.copy()), X).verdict == "全部通过"
    problem = only_problem(check_layer(AccumulatingLinear(W.copy()), X), "重复 backward 结果相同")
    assert "dW 依次是 1、2、3 倍" in problem and "梯度是累加上去的（+=）" in problem
    assert problem.endswith("请直接写入：self.grads[0][...] = dW")


class Loss:
    def __init__(self):
        self.params, self.grads = [], []
        self.y = None

    def forward(self, x, t):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y, self.t = e / e.sum(axis=1, keepdims=True), t
        return float(-np.log(self.y[np.arange(len(t)), t]).mean())

    def backward(self, dout=1.0):
        if self.y is None:
            raise RuntimeError("请先调用 forward")
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1
        return dx * dout / len(self.t)


class SpoilingLoss(Loss):
    def backward(self, dout=1.0):
        if self.y is None:
            raise RuntimeError("请先调用 forward")
        dx = self.y  # 没有复制：下面一行改的就是 self.y
        dx[np.arange(len(self.t)), self.t] -= 1
        return dx * dout / len(self.t)


class NoDoutLoss(Loss):
    def backward(self, dout=1.0):
        if self.y is None:
            raise RuntimeError("请先调用 forward")
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1
        return dx / len(self.t)


def test_a_backward_that_spoils_its_cache_names_the_attribute_and_the_copy():
    assert check_layer(Loss(), X, t=LABELS).verdict == "全部通过"
    problem = only_problem(check_layer(SpoilingLoss(), X, t=LABELS), "重复 backward 结果相同")
    assert "第一次 backward 改动了 forward 存下的 self.y" in problem
    assert problem.endswith("请先复制：dx = self.y.copy()")


def test_a_loss_layer_that_ignores_dout_is_told_to_multiply_by_it():
    problem = only_problem(check_layer(NoDoutLoss(), X, t=LABELS), "损失层的 backward 乘上 dout")
    assert problem.startswith("backward(2.0) 与 backward(1.0) 给出同样的 dx")
    assert "backward 没有乘上 dout" in problem


class StaleLinear(Linear):
    def forward(self, x):
        if self.x is None:
            self.x = x  # 只存了第一批
        return x @ self.params[0]


def test_a_forward_that_keeps_the_first_batch_is_caught_by_a_second_batch():
    report = check_layer(StaleLinear(rng.standard_normal((3, 3))), X)
    assert statuses(report)["backward 用的是最近一次 forward"] == "失败", str(report)
    problem = next(p for p in report.problems if p.startswith("先 forward 另一批数据"))
    assert "if self.x is None: self.x = x" in problem


class ForgetsReturn(Linear):
    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        self.grads[0][...] = self.x.T @ dout


def test_a_missing_return_fails_unless_the_layer_says_input_grad_false_or_is_a_model():
    W = rng.standard_normal((3, 2))
    problem = only_problem(check_layer(ForgetsReturn(W.copy()), X), "backward 的返回值")
    assert problem.startswith("backward 没有返回 dx（收到 None）：是不是漏了 return？")
    assert "self.input_grad = False" in problem
    first_layer = check_layer(MatMul(W.copy(), input_grad=False), X)
    assert first_layer.ok and statuses(first_layer)["backward 的返回值"] == "未检查"
    model = check_layer(TwoLayerNet(3, 4, 3, seed=0), X, t=LABELS)
    assert model.ok and statuses(model)["backward 的返回值"] == "未检查"
    assert model.verdict != "全部通过"


class Unguarded(Linear):
    def backward(self, dout):
        self.grads[0][...] = self.x.T @ dout
        return dout @ self.params[0].T


class AssertGuard(Linear):
    def backward(self, dout):
        assert self.x is not None, "先 forward"
        return super().backward(dout)


def test_backward_before_forward_tells_a_deliberate_error_from_an_accident():
    assert "[通过] 未 forward 先 backward：报错 RuntimeError" in str(check_layer(Linear(np.ones((3, 2))), X))
    assert "[通过] 未 forward 先 backward：报错 AssertionError" in str(check_layer(AssertGuard(np.ones((3, 2))), X))
    problem = only_problem(check_layer(Unguarded(np.ones((3, 2))), X), "未 forward 先 backward")
    assert "像是碰巧出的错，而不是有意的提示" in problem
    assert "AttributeError: 'NoneType' object has no attribute 'T'" in problem
    assert problem.endswith("例如 if self.x is None: raise RuntimeError('请先调用 forward')")


def test_without_source_lines_the_kind_of_error_decides(monkeypatch):
    # 粘贴进解释器的代码没有源文件：按异常的类型和消息判断
    source = ("class Pasted:\n"
              "    def __init__(self):\n        self.params, self.grads = [], []\n        self.out = None\n"
              "    def forward(self, x):\n        self.out = x * 2\n        return self.out\n"
              "    def backward(self, dout):\n        if self.out is None:\n"
              "            raise RuntimeError('先 forward')\n        return dout * 2\n")
    namespace = {}
    exec(compile(source, "<stdin>", "exec"), namespace)
    assert linecache.getline("<stdin>", 10) == ""
    report = check_layer(namespace["Pasted"](), X)
    assert "[通过] 未 forward 先 backward：报错 RuntimeError" in str(report)


# -- 优化器：参照、状态、超参数 ---------------------------------------------------------
class MyMomentum(optim.Momentum):
    def update(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.v, strict=True):
            v -= self.lr * g  # 漏了 v *= momentum
            p += v


class AdaGradNoSquare:
    def __init__(self, lr=0.01):
        self.lr, self.h = lr, None

    def update(self, params, grads):
        if self.h is None:
            self.h = [np.zeros_like(p) for p in params]
        for p, g, h in zip(params, grads, self.h, strict=True):
            h += np.abs(g)  # 漏了平方
            p -= self.lr * g / (np.sqrt(h) + 1e-7)


def test_the_reference_is_found_through_the_parent_class():
    report = check_optimizer(MyMomentum(lr=0.1))
    assert "参照 Momentum(lr=0.1, momentum=0.9)（父类 Momentum）" in report.title
    assert only_problem(report, "与参照比较").startswith("第 2 步之后 W")


def test_the_reference_is_guessed_from_the_class_name_and_the_report_says_so():
    report = check_optimizer(AdaGradNoSquare(lr=0.1))
    assert "参照 AdaGrad(lr=0.1)（按类名 AdaGradNoSquare 推断；不是这个算法时请用 reference= 指定）" in report.title
    assert statuses(report)["与参照比较"] == "失败"


class Plain:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for p, g in zip(params, grads, strict=True):
            p -= self.lr * g


def test_without_a_reference_the_update_rule_is_unchecked_and_ok_says_no():
    report = check_optimizer(Plain(lr=0.1))
    assert not report.ok and not report.problems
    assert statuses(report)["与参照比较"] == "未检查"
    assert check_optimizer(Plain(lr=0.1), reference=optim.SGD).ok
    assert check_optimizer(Plain(lr=0.1), reference=optim.SGD(lr=0.1)).verdict == "全部通过"


class ShapeKeyedRMSprop:
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate, self.h = lr, decay_rate, {}

    def update(self, params, grads):
        for p, g in zip(params, grads, strict=True):
            h = self.h.setdefault(p.shape, np.zeros_like(p))  # 同形的参数共用一份
            h *= self.decay_rate
            h += (1 - self.decay_rate) * g * g
            p -= self.lr * g / (np.sqrt(h) + 1e-7)


def test_state_shared_by_shape_fails_the_state_line_even_when_the_frozen_parameter_stays_put():
    # RMSprop 的一步正比于本参数的梯度：梯度为 0 的 z 不动，但 W 与 W2 共用了 h
    report = check_optimizer(ShapeKeyedRMSprop(lr=0.1))
    assert statuses(report)["状态按参数分开保存"] == "失败", str(report)
    assert "形状相同：状态是不是按形状保存" in report.problems[0]


class RenamedMomentum:
    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.learning_rate, self.momentum, self.v = learning_rate, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.v, strict=True):
            v *= self.momentum
            v -= self.learning_rate * g
            p += v


def test_a_renamed_hyperparameter_is_named_instead_of_a_silent_mismatch():
    report = check_optimizer(RenamedMomentum(learning_rate=0.1))
    lines = dict(report.unchecked)
    assert lines["超参数与参照对应"] == ("你的对象上没有 lr（参照用了默认值 0.01）；你的对象上有 learning_rate=0.1。"
                                         "请用同样的属性名，或用 reference=Momentum(lr=..., momentum=...) 指定参照")
    assert lines["与参照比较"].startswith("超参数没有对上（lr），下面的差别说明不了更新公式的对错")
    assert not report.ok and not report.problems


# -- 提示要指出真正的原因 ---------------------------------------------------------------
class LateMomentum(RenamedMomentum):
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.v, strict=True):
            p += v  # 用的还是上一步的速度
            v *= self.momentum
            v -= self.lr * g


def test_momentum_updating_params_before_v_is_told_it_is_one_step_late_with_the_momentum_fix():
    report = check_optimizer(LateMomentum(lr=0.1))
    assert statuses(report)["update 就地修改参数"] == "通过"  # 参数确实就地改了，只是晚了一步
    problem = only_problem(report, "与参照比较")
    assert "你的参数晚了一步：第 1 步一个都没动，第 2 步之后的值恰好是参照第 1 步之后的值" in problem
    assert problem.endswith("请先更新速度（v *= self.momentum; v -= self.lr * grad），再 param += v")
    assert "param -= lr * grad" not in problem


class LocalMomentum(LateMomentum):
    def update(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
            self.v[i] = self.momentum * self.v[i] - self.lr * grad
            param = param + self.v[i]


def test_a_local_rebind_gets_the_fix_of_its_own_algorithm():
    report = check_optimizer(LocalMomentum(lr=0.1), reference=optim.Momentum)
    problem = only_problem(report, "update 就地修改参数")
    assert problem.endswith("请就地修改，例如 param += v（v 是这个参数自己的速度）")


class NoProtocol:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        if self.out is None:
            raise RuntimeError("请先调用 forward")
        return dout * (1 - self.out**2)


def test_a_node_without_params_and_grads_is_told_so_under_its_own_line():
    report = check_layer(NoProtocol(), X)
    problem = only_problem(report, "params 与 grads")
    assert problem.startswith("层没有 params 和 grads 属性")
    assert "self.params, self.grads = [], []" in problem
    assert "grads 就地写入" not in statuses(report)


class IntGrads(Linear):
    def __init__(self, W):
        super().__init__(W)
        self.grads = [np.zeros(W.shape, dtype=np.int64)]


def test_integer_grads_name_the_dtype():
    report = check_layer(IntGrads(rng.standard_normal((3, 2))), X)
    assert statuses(report)["params 与 grads"] == "失败"
    assert any("grads[0]（W 的梯度）的 dtype 是 int64：写进整数数组的梯度会被截掉小数" in p for p in report.problems)
    assert any("grads 里 W 的梯度是 int64 数组" in p for p in report.problems)


def test_integer_params_get_the_integer_story_not_the_float32_one():
    with pytest.raises(TypeError, match=r"不是浮点数.*截掉") as info:
        check_layer(Linear(np.ones((3, 2), dtype=np.int64)), X)
    assert "float32" not in str(info.value)
    read_only = np.ones((3, 2))
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match=r"参数 W（形状 \(3, 2\)）是只读数组"):
        check_layer(Linear(read_only), X)


# -- 折点 -----------------------------------------------------------------------------
class Max:
    def __init__(self):
        self.params, self.grads = [], []
        self.mask = None

    def forward(self, x, y):
        self.mask = x > y
        return np.maximum(x, y)

    def backward(self, dout):
        if self.mask is None:
            raise RuntimeError("请先调用 forward")
        return dout * self.mask, dout * ~self.mask


class ReLU:
    def __init__(self, sign=1.0):
        self.params, self.grads = [], []
        self.mask, self.sign = None, sign

    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, dout):
        if self.mask is None:
            raise RuntimeError("请先调用 forward")
        return self.sign * dout * self.mask


def test_a_tie_in_max_is_a_kink_not_a_failure():
    report = check_layer(Max(), X, X.copy())
    assert statuses(report)["梯度确认"] == "未检查" and not report.problems and not report.ok
    why = dict(report.unchecked)["梯度确认"]
    assert why.startswith("x、y 有 24 个坐标落在折点上，数值梯度在那里不可信：例如 x[")
    assert "右侧差分" in why and "左侧差分 0" in why and "换一组避开折点的输入再查一次" in why


def test_an_input_within_h_of_relu_zero_is_a_kink_but_a_wrong_sign_still_fails():
    near = np.array([[0.5, -1.0, 5e-5], [2.0, -3e-5, 1.0]])
    why = dict(check_layer(ReLU(), near).unchecked)["梯度确认"]
    assert why.startswith("x 有 2 个坐标落在折点上") and "其余坐标的相对误差都 ≤ 1e-07" in why
    wrong = check_layer(ReLU(sign=-1.0), near)
    assert statuses(wrong)["梯度确认"] == "失败"


@pytest.mark.parametrize("seed", range(10))
def test_default_inputs_avoid_ties_and_zeros(seed):
    assert check_layer(Max(), seed=seed).verdict == "全部通过"
    assert check_layer(ReLU(), seed=seed).verdict == "全部通过"


def test_a_numpy_warning_in_a_failing_update_is_translated():
    report = check_optimizer(optim.AdaGrad(lr=0.1), reference=optim.AdaGrad(lr=0.1))
    assert report.ok
    bad = check_optimizer(_NegativeRoot(lr=0.1), reference=optim.AdaGrad)
    problem = next(p for p in bad.problems if "nan" in p)
    assert "运行时 NumPy 给出警告：对负数开了平方根（NumPy：invalid value encountered in sqrt）" in problem


class _NegativeRoot:
    def __init__(self, lr=0.01):
        self.lr, self.h = lr, None

    def update(self, params, grads):
        if self.h is None:
            self.h = [np.zeros_like(p) for p in params]
        for p, g, h in zip(params, grads, self.h, strict=True):
            h += g  # 漏了平方：h 可能是负数
            p -= self.lr * g / (np.sqrt(h) + 1e-7)


class FreesCache(Linear):
    """backward 之后丢掉中间值（省内存），第二次 backward 有意报错：这是可以的。"""

    def backward(self, dout):
        dx = super().backward(dout)
        self.x = None
        return dx


def test_a_layer_that_refuses_a_second_backward_on_purpose_passes():
    report = check_layer(FreesCache(rng.standard_normal((3, 2))), X)
    assert report.verdict == "全部通过", str(report)
    assert "[通过] 重复 backward 结果相同：第二次 backward 明确报错（RuntimeError）" in str(report)


def test_a_zero_learning_rate_is_not_blamed_on_a_local_variable():
    report = check_optimizer(Plain(lr=0))
    assert dict(report.unchecked)["update 就地修改参数"].startswith("lr 是 0，5 步里参数一个都没变")
    assert not report.problems and not report.ok


class Wrapped:
    """包着一个模型的类（例如加了权重衰减）：backward 和 TwoLayerNet 一样返回 None。"""

    def __init__(self, model):
        self.model = model
        self.params, self.grads = model.params, model.grads
        self.param_names = model.param_names

    def forward(self, x, t):
        return self.model.forward(x, t)

    def backward(self, dout=1.0):
        self.model.backward(dout)


def test_a_model_wrapping_another_model_may_return_none():
    report = check_layer(Wrapped(TwoLayerNet(3, 4, 3, seed=0)), X, t=LABELS)
    assert report.ok, str(report)
    assert dict(report.unchecked)["backward 的返回值"].startswith("返回 None：这是由别的层组成的模型")
