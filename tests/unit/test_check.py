"""nnlearn.check.check_layer：埋进去的每个典型错误都被指名报告，正确的版本通过。

每个“读者写的层”都成对出现：正确版本与只改一处的错误版本，其余代码完全相同，
所以报告里的问题只能来自那一处。
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlearn.check import CheckReport, check_layer
from nnlearn.layers import LAYERS, Affine, Sigmoid, SoftmaxWithLoss
from nnlearn.nodes import NODES

rng = np.random.default_rng(3)
X = rng.standard_normal((8, 16))
LABELS = np.array([0, 1, 2, 0, 1, 2, 0, 1])


# -- 读者写的层：正确版本与埋了错误的版本 -----------------------------------------------
class ReaderMatMul:
    def __init__(self, W, *, transpose=True):
        self.params, self.grads = [W], [np.zeros_like(W)]
        self.x, self.transpose = None, transpose

    def forward(self, x):
        self.x = x
        return x @ self.params[0]

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        (W,) = self.params
        self.grads[0][...] = self.x.T @ dout
        return dout @ (W.T if self.transpose else W)  # 错误版本：漏了转置


class ReaderRebind(ReaderMatMul):
    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        self.grads[0] = self.x.T @ dout  # 错误：换了新数组，没有就地写入
        return dout @ self.params[0].T


class ReaderLoss:
    def __init__(self, *, mean=True):
        self.params, self.grads = [], []
        self.y, self.mean = None, mean

    def forward(self, x, t):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y, self.t = e / e.sum(axis=1, keepdims=True), t
        return float(-np.log(self.y[np.arange(len(t)), t]).mean())

    def backward(self, dout=1.0):
        if self.y is None:
            raise RuntimeError("请先调用 forward")
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1
        return dx * dout / (len(self.t) if self.mean else 1)  # 错误版本：漏了 /N


class ReaderSigmoid:
    def __init__(self, *, use_output=True):
        self.params, self.grads = [], []
        self.x = self.out = None
        self.use_output = use_output

    def forward(self, x):
        self.x = x
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        if self.out is None:
            raise RuntimeError("请先调用 forward")
        y = self.out if self.use_output else self.x  # 错误版本：用了输入而不是输出
        return dout * y * (1 - y)


class ReaderAdd:
    def __init__(self, *, reduce=True):
        self.params, self.grads = [], []
        self.shapes, self.reduce = None, reduce

    def forward(self, x, y):
        self.shapes = (x.shape, y.shape)
        return x + y

    def backward(self, dout):
        if self.shapes is None:
            raise RuntimeError("请先调用 forward")
        dy = dout.sum(axis=0, keepdims=True) if self.reduce else dout  # 错误版本：没有求和还原
        return dout.copy(), dy


class ReaderRelu:
    def __init__(self, *, copy=True):
        self.params, self.grads = [], []
        self.mask, self.copy = None, copy

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        if self.mask is None:
            raise RuntimeError("请先调用 forward")
        dx = dout.copy() if self.copy else dout  # 错误版本：就地改了 dout
        dx[self.mask] = 0
        return dx


def single_problem(report: CheckReport) -> str:
    assert not report.ok, str(report)
    assert len(report.problems) == 1, str(report)
    return report.problems[0]


# -- 埋进去的错误 --------------------------------------------------------------------
def test_missing_transpose_in_matmul_backward_is_reported_on_dx():
    W = rng.standard_normal((16, 16))  # 方阵：漏了转置形状照样对，只有数值能发现
    assert check_layer(ReaderMatMul(W.copy()), X).ok
    problem = single_problem(check_layer(ReaderMatMul(W.copy(), transpose=False), X))
    assert problem.startswith("dx 与数值梯度不符：x 的形状 (8, 16)")
    assert "最大差在 x[" in problem and "backward 给出" in problem and "数值梯度" in problem


def test_missing_transpose_with_rectangular_weight_shows_the_failing_line():
    report = check_layer(ReaderMatMul(rng.standard_normal((16, 4)), transpose=False), X)
    problem = single_problem(report)
    assert problem.startswith("backward 出错：ValueError")
    assert "出错的一行：return dout @ (W.T if self.transpose else W)" in problem


def test_missing_division_by_batch_size_in_a_loss_is_reported_on_dx():
    x = rng.standard_normal((8, 3))
    assert check_layer(ReaderLoss(), x, t=LABELS).ok
    report = check_layer(ReaderLoss(mean=False), x, t=LABELS)
    assert single_problem(report).startswith("dx 与数值梯度不符：x 的形状 (8, 3)")
    assert report.errors["x"] > 0.5  # 梯度大了 N=8 倍


def test_sigmoid_backward_using_its_input_is_reported_on_dx():
    assert check_layer(ReaderSigmoid(), X).ok
    problem = single_problem(check_layer(ReaderSigmoid(use_output=False), X))
    assert problem.startswith("dx 与数值梯度不符")


def test_rebinding_grads_instead_of_writing_in_place_is_reported():
    W = rng.standard_normal((16, 4))
    assert check_layer(ReaderMatMul(W.copy()), X).ok
    report = check_layer(ReaderRebind(W.copy()), X)
    problem = single_problem(report)
    assert "grads[0]" in problem and "就地写入" in problem and "self.grads[0][...] =" in problem
    assert report.errors["params[0]"] < 1e-7  # 值是对的，错的只是写法


def test_add_node_with_unreduced_gradient_for_a_broadcast_input_names_dy():
    y = rng.standard_normal((1, 16))
    assert check_layer(ReaderAdd(), X, y).ok
    problem = single_problem(check_layer(ReaderAdd(reduce=False), X, y))
    assert problem.startswith("dy 的形状 (8, 16) 与输入 y 的形状 (1, 16) 不同")
    assert "sum(axis=0, keepdims=True)" in problem


def test_backward_that_modifies_dout_is_reported_with_the_changed_coordinate():
    assert check_layer(ReaderRelu(), X).ok
    problem = single_problem(check_layer(ReaderRelu(copy=False), X))
    assert problem.startswith("backward 就地改动了上游传来的 dout（形状 (8, 16)）：dout[")
    assert "原来是" in problem and "之后是 0" in problem


# -- 其他的检查项 --------------------------------------------------------------------
class NoGuard(ReaderSigmoid):
    def backward(self, dout):
        y = 0.5 if self.out is None else self.out  # 没有 forward 也照样算出一个数
        return dout * y * (1 - y)


def test_backward_before_forward_that_returns_a_number_is_a_problem():
    problem = single_problem(check_layer(NoGuard(), X))
    assert problem.startswith("还没调用 forward 就调用 backward，却返回了")


def test_a_layer_used_before_the_check_leaves_that_item_unchecked_instead_of_failing():
    layer = Sigmoid()
    layer.forward(X)
    report = check_layer(layer, X)
    assert report.ok  # 梯度确认查过、通过；没查的一项不算失败……
    assert "[未检查] 未 forward 先 backward：检查前已经调用过 forward" in str(report)
    assert report.unchecked == [
        ("未 forward 先 backward", "检查前已经调用过 forward，无法判断（传一个新建的层可以查这一项）")]
    assert report.verdict.startswith("没有发现问题，但有 1 项未检查（未 forward 先 backward）")  # ……但不说“全部通过”


class ModifiesInput(ReaderSigmoid):
    def forward(self, x):
        x[0, 0] = 5.0  # 就地改动了输入
        return super().forward(x)


def test_forward_that_modifies_its_input_is_reported_with_the_coordinate():
    x = X.copy()
    report = check_layer(ModifiesInput(), x)
    assert any(p.startswith("forward 就地改动了输入 x（形状 (8, 16)）：x[0, 0] 原来是") for p in report.problems)
    np.testing.assert_array_equal(x, X)  # 读者传入的数组没被动过（检查用的是副本）


class FixedBatch(ReaderSigmoid):
    def forward(self, x):
        if not hasattr(self, "buffer"):
            self.buffer = np.empty_like(x)  # 按第一次的批大小分配
        np.copyto(self.buffer, 1 / (1 + np.exp(-x)))
        self.out = self.buffer
        return self.out


def test_a_layer_that_only_works_for_the_first_batch_size_is_reported():
    problem = single_problem(check_layer(FixedBatch(), X))
    assert problem.startswith("批大小从 8 换成 11 后 forward 出错：ValueError")
    assert "出错的一行：np.copyto(self.buffer" in problem and "预先分配" in problem


class Float32Output(ReaderSigmoid):
    def forward(self, x):
        return super().forward(x).astype(np.float32)


def test_an_output_in_lower_precision_is_reported():
    problem = single_problem(check_layer(Float32Output(), X))
    assert "float32" in problem


class ForwardIgnoresParams(ReaderMatMul):
    def __init__(self, W):
        super().__init__(W)
        self.W = W.copy()  # forward 用的是另一份

    def forward(self, x):
        self.x = x
        return x @ self.W


def test_forward_that_does_not_use_params_gets_a_hint():
    report = check_layer(ForwardIgnoresParams(rng.standard_normal((16, 4))), X)
    assert "forward 用的是不是 self.params 里的那个数组" in single_problem(report)


def test_report_text_ends_with_one_verdict_line_and_raise_if_failed_repeats_it():
    good = check_layer(Sigmoid(), X)
    assert str(good).splitlines()[-1] == "全部通过"
    good.raise_if_failed()
    bad = check_layer(ReaderSigmoid(use_output=False), X)
    assert str(bad).splitlines()[-1] == "发现 1 个问题"
    with pytest.raises(AssertionError) as info:
        bad.raise_if_failed()
    assert str(info.value) == str(bad)


def test_reports_are_deterministic_for_a_seed_and_differ_across_seeds():
    a = str(check_layer(ReaderSigmoid(use_output=False), X, seed=1))
    b = str(check_layer(ReaderSigmoid(use_output=False), X, seed=1))
    c = str(check_layer(ReaderSigmoid(use_output=False), X, seed=2))
    assert a == b
    assert a != c  # dout 不同，最坏坐标处的值也不同


def test_errors_hold_one_relative_error_per_input_and_parameter():
    layer = Affine(rng.standard_normal((16, 4)), np.zeros(4))
    report = check_layer(layer, X)
    assert set(report.errors) == {"x", "W", "b"}
    assert all(0 <= e < 1e-7 for e in report.errors.values())


def test_without_inputs_a_batch_is_made_from_the_weight_width():
    report = check_layer(Affine(rng.standard_normal((6, 2)), np.zeros(2)))
    assert report.ok
    assert report.title.startswith("检查 Affine：输入 x (4, 6)")


def test_lists_are_accepted_as_inputs():
    assert check_layer(Sigmoid(), [[0.5, -1.0, 2.0]]).ok


# -- 包里的每个层、节点都通过 -------------------------------------------------------------
@pytest.mark.parametrize("cls", [*LAYERS, *NODES], ids=lambda c: c.__name__)
def test_every_package_layer_and_node_passes(cls):
    example = cls.example(np.random.default_rng(0))
    report = check_layer(example.obj, *example.inputs, t=example.t)
    assert report.ok, str(report)


# -- 用错时的报错 --------------------------------------------------------------------
def test_bad_use_raises_clear_chinese_errors():
    with pytest.raises(TypeError, match="缺少 forward、backward"):
        check_layer(object(), X)
    with pytest.raises(TypeError, match="收到的是类 Sigmoid：请先建对象"):
        check_layer(Sigmoid, X)
    with pytest.raises(TypeError, match="应是实数数组"):
        check_layer(Sigmoid(), np.array(["a", "b"]))
    with pytest.raises(ValueError, match="请用 t= 传入标签"):
        check_layer(SoftmaxWithLoss(), rng.standard_normal((4, 3)))
    with pytest.raises(ValueError, match="只有损失层 forward\\(x, t\\) 才需要 t"):
        check_layer(Sigmoid(), X, t=LABELS)
    with pytest.raises(TypeError, match=r"检查在 float64 下进行.*astype\(np.float64\)"):
        check_layer(ReaderMatMul(np.ones((16, 4), dtype=np.float32)), X)
    with pytest.raises(ValueError, match="nan 或 inf"):
        check_layer(Sigmoid(), [[np.nan]])
    with pytest.raises(ValueError, match="需要 2 个输入"):
        check_layer(ReaderAdd(), X)
    with pytest.raises(ValueError, match="seed"):
        check_layer(Sigmoid(), X, seed=-1)


def test_a_model_whose_backward_returns_none_is_checked_on_its_parameters():
    from nnlearn.models import TwoLayerNet

    net = TwoLayerNet(2, 5, 3, seed=0)
    report = check_layer(net, rng.standard_normal((6, 2)), t=np.array([0, 1, 2, 0, 1, 2]))
    assert report.ok, str(report)
    assert set(report.errors) == set(net.param_names)
    assert "[未检查] backward 的返回值：返回 None：这是由别的层组成的模型" in str(report)
    assert report.verdict != "全部通过"


def test_a_parameterless_layer_returning_none_is_a_problem():
    class NoGradient(ReaderSigmoid):
        def backward(self, dout):
            if self.out is None:
                raise RuntimeError("请先调用 forward")

    report = check_layer(NoGradient(), X)
    assert single_problem(report).startswith("backward 没有返回 dx（收到 None）：是不是漏了 return？")
    assert ("梯度确认", "没有可比较的梯度（backward 没有返回可用的 dx，层也没有参数）") in report.unchecked


class BigSigmoid(ReaderSigmoid):
    def backward(self, dout):
        dx = super().backward(dout)
        dx[-1, -1] += 1.0  # 只错一个坐标
        return dx


def test_a_wrong_coordinate_that_sampling_misses_is_caught_along_a_random_direction():
    x = rng.standard_normal((40, 30))  # 1200 个元素：只抽 50 个坐标
    report = check_layer(BigSigmoid(), x)
    problem = single_problem(report)
    assert problem.startswith("dx 与数值梯度不符：x 的形状 (40, 30)")
    assert "沿随机方向的导数" in problem and "抽查的 50 个坐标都对" in problem


class MeanSquaredLoss:
    """损失层的 backward 不收 dout（只写 backward(self)）也可以检查。"""

    def __init__(self):
        self.params, self.grads = [], []
        self.diff = None

    def forward(self, x, t):
        self.diff = x - t
        return float(0.5 * np.sum(self.diff**2) / len(x))

    def backward(self):
        if self.diff is None:
            raise RuntimeError("请先调用 forward")
        return self.diff / len(self.diff)


def test_a_loss_whose_backward_takes_no_dout_and_default_inputs_for_a_loss():
    assert check_layer(MeanSquaredLoss(), X, t=np.zeros_like(X)).ok
    report = check_layer(SoftmaxWithLoss(), t=LABELS)
    assert report.ok and report.title == "检查 SoftmaxWithLoss：输入 x (8, 3)，标签 t (8,)"
    with pytest.raises(ValueError, match="没有给标签"):
        check_layer(SoftmaxWithLoss())


def test_a_model_trained_before_the_check_is_not_blamed_for_backward_before_forward():
    from nnlearn.models import TwoLayerNet

    net = TwoLayerNet(2, 5, 3, seed=0)
    x, t = rng.standard_normal((6, 2)), np.array([0, 1, 2, 0, 1, 2])
    net.forward(x, t)
    report = check_layer(net, x, t=t)
    assert report.ok, str(report)
    assert "[未检查] 未 forward 先 backward" in str(report)
