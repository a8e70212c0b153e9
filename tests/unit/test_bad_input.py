"""错误输入：每一种都要得到说清楚问题的异常，而不是一个错的数。"""

import re

import numpy as np
import pytest

from nnlearn.check import check_layer
from nnlearn.functions import cross_entropy_error, log_softmax, sigmoid, softmax
from nnlearn.gradient import compare_gradient, gradient_check, numerical_diff, numerical_gradient, relative_error
from nnlearn.layers import Affine, MatMul, Sigmoid, SoftmaxWithLoss
from nnlearn.models import TwoLayerNet
from nnlearn.nodes import Add, Branch, Mul, Repeat
from nnlearn.optim import BY_NAME, SGD
from nnlearn.trainer import Trainer, clip_grads, grad_norm

Y = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
SCORES = np.array([[2.0, 1.0, 0.1], [0.5, 0.3, 3.0]])


@pytest.mark.parametrize(
    "t, words",
    [
        (np.array([0, 3]), ["越界", "C=3", "[3]"]),
        (np.array([-1, 0]), ["越界", "[-1]"]),
        (np.array([[0], [2]]), ["(2, 1)", "ravel"]),
        (np.array([0.0, 2.0]), ["整数", "float64"]),
        (np.array([0, 1, 2]), ["批大小", "N=2", "3"]),
        (np.eye(4)[[0, 1]], ["one-hot", "宽 4", "C=3"]),
        (np.array([[0.5, 0.6, 0.0], [0.0, 0.0, 1.0]]), ["分布", "1.1"]),
        (np.array([[1.5, -0.5, 0.0], [0.0, 0.0, 1.0]]), ["分布", "-0.5"]),
    ],
)
@pytest.mark.parametrize("loss", ["cross_entropy_error", "SoftmaxWithLoss"])
def test_bad_labels(t, words, loss):
    with pytest.raises(ValueError) as info:
        if loss == "cross_entropy_error":
            cross_entropy_error(Y, t)
        else:
            SoftmaxWithLoss().forward(SCORES, t)
    for word in words:
        assert word in str(info.value)


def test_raw_scores_passed_as_probabilities():
    with pytest.raises(ValueError, match="softmax") as info:
        cross_entropy_error(SCORES, [0, 2])
    assert "SoftmaxWithLoss" in str(info.value)


def test_negative_probabilities():
    with pytest.raises(ValueError, match="不是概率分布"):
        cross_entropy_error([1.2, -0.2], 0)


def test_affine_wrong_input_width():
    with pytest.raises(ValueError) as info:
        Affine(np.zeros((3, 4)), np.zeros(4)).forward(np.zeros((5, 2)))
    assert "(N, 3)" in str(info.value) and "(5, 2)" in str(info.value)


def test_single_sample_hint():
    with pytest.raises(ValueError, match="reshape"):
        MatMul(np.zeros((3, 4))).forward(np.zeros(3))


def test_affine_bias_shape():
    with pytest.raises(ValueError, match=r"\(4,\)"):
        Affine(np.zeros((3, 4)), np.zeros(3))


def test_numerical_gradient_rejects_integers():
    with pytest.raises(TypeError, match="浮点"):
        numerical_gradient(lambda x: np.sum(x**2), np.array([3, 4]))


def test_numerical_gradient_rejects_lists():
    with pytest.raises(TypeError, match=r"np\.array"):
        numerical_gradient(lambda x: x[0] ** 2, [3.0])


def test_numerical_gradient_needs_scalar_function():
    with pytest.raises(ValueError, match="标量"):
        numerical_gradient(lambda x: x**2, np.array([1.0, 2.0]))


def test_gradient_check_refuses_float32():
    layer = Affine(np.zeros((2, 3), np.float32), np.zeros(3, np.float32))
    with pytest.raises(TypeError, match="float64"):
        gradient_check(layer, np.zeros((1, 2)))
    with pytest.raises(TypeError, match="float64"):
        gradient_check(Affine(np.zeros((2, 3)), np.zeros(3)), np.zeros((1, 2), np.float32))


def test_node_arguments():
    with pytest.raises(ValueError, match="正整数"):
        Repeat(0)
    with pytest.raises(ValueError, match="2 个上游梯度"):
        Branch(2).backward(np.ones(2))
    with pytest.raises(ValueError, match=r"\(1, D\)"):
        Repeat(2).forward(np.zeros((2, 3)))


def test_lists_and_scalars_are_accepted():
    assert cross_entropy_error([0.25, 0.75], 1) == pytest.approx(-np.log(0.75))
    assert Affine([[1.0, 2.0]], [0.0, 0.0]).forward([[3.0]]).tolist() == [[3.0, 6.0]]


# ---- issue 9：每一类错误输入都得到说清问题的中文异常 ----

def test_bool_labels_are_a_type_error():
    with pytest.raises(TypeError, match="dtype=bool"):
        cross_entropy_error(Y, np.array([True, False]))
    with pytest.raises(TypeError, match="dtype=bool"):
        SoftmaxWithLoss().forward(SCORES, np.array([True, False]))


@pytest.mark.parametrize("func", [softmax, log_softmax, sigmoid, cross_entropy_error])
@pytest.mark.parametrize("dtype", [bool, complex])
def test_functions_reject_bool_and_complex(func, dtype):
    x = np.array([[1, 0, 0]], dtype=dtype)
    args = (x, [0]) if func is cross_entropy_error else (x,)
    with pytest.raises(TypeError, match=f"dtype={np.dtype(dtype)}"):
        func(*args)


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_zero_dimensional_scores_behave_the_same(func):
    with pytest.raises(ValueError, match=r"至少是一维 \(C,\).*5\.0"):
        func(5.0)


def test_sigmoid_of_a_scalar_is_a_scalar():
    assert np.ndim(sigmoid(0.0)) == 0 and float(sigmoid(0.0)) == 0.5


@pytest.mark.parametrize(
    "call",
    [
        lambda: softmax([]),
        lambda: softmax(np.zeros((0, 3))),
        lambda: log_softmax(np.zeros((0, 3))),
        lambda: cross_entropy_error(np.zeros((0, 3)), np.zeros(0, int)),
        lambda: SoftmaxWithLoss().forward(np.zeros((0, 3)), np.zeros(0, int)),
        lambda: Affine(np.ones((3, 2)), np.zeros(2)).forward(np.zeros((0, 3))),
    ],
)
def test_empty_batch(call):
    with pytest.raises(ValueError, match="批为空"):
        call()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_probabilities(bad):
    y = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    y[1, 1] = bad
    with pytest.raises(ValueError, match="nan 或 inf"):
        cross_entropy_error(y, [0, 2])


def test_accuracy_uses_the_loss_label_checks():
    net = TwoLayerNet(3, 4, 3, seed=0)
    x, t = np.zeros((5, 3)), np.array([0, 1, 2, 1, 0])
    for bad in (t.reshape(-1, 1), np.array([0, 1, 2, 3, 0])):
        with pytest.raises(ValueError) as from_accuracy:
            net.accuracy(x, bad)
        with pytest.raises(ValueError) as from_loss:
            net.forward(x, bad)
        assert str(from_accuracy.value) == str(from_loss.value)


@pytest.mark.parametrize(("seed", "exc"), [(-1, ValueError), (1.5, TypeError), ("0", TypeError)])
def test_two_layer_net_bad_seed_names_seed(seed, exc):
    with pytest.raises(exc, match="seed"):
        TwoLayerNet(2, 3, 3, seed=seed)


@pytest.mark.parametrize("scale", [0.0, -0.1, np.nan, "glorot"])
def test_two_layer_net_bad_weight_scale(scale):
    with pytest.raises(ValueError, match="weight_scale"):
        TwoLayerNet(2, 3, 3, weight_scale=scale)


def test_model_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"TwoLayerNet.*请先调用 forward"):
        TwoLayerNet(2, 3, 3).backward()


def test_single_sample_labels_must_be_a_scalar():
    with pytest.raises(ValueError, match="标签"):
        SoftmaxWithLoss().forward([1.0, 2.0, 3.0], [2, 1])


# ---- issue 17：NumPy 的英文报错不能从公开函数里漏出来（只读数组与形状不合的输入） ----

def _read_only(a):
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


RO_X = _read_only(np.linspace(-1.0, 1.0, 12).reshape(4, 3))


def _layer_round_trip(layer, *inputs, douts):
    layer.forward(*inputs)
    return layer.backward(*douts)


# 只读的输入只被读：这些调用照常工作，而且不改动它
READS_ONLY = {
    "sigmoid": lambda: sigmoid(RO_X),
    "softmax": lambda: softmax(RO_X),
    "log_softmax": lambda: log_softmax(RO_X),
    "cross_entropy_error": lambda: cross_entropy_error(softmax(RO_X), _read_only([0, 2, 1, 0]).astype(int)),
    "numerical_diff": lambda: numerical_diff(lambda x: x * x, _read_only(2.0)),
    "relative_error": lambda: relative_error(RO_X, RO_X),
    "gradient_check": lambda: gradient_check(Sigmoid(), RO_X),
    "Affine": lambda: _layer_round_trip(Affine(_read_only(np.ones((3, 2))), _read_only(np.zeros(2))), RO_X,
                                        douts=(_read_only(np.ones((4, 2))),)),
    "Add": lambda: _layer_round_trip(Add(), RO_X, _read_only(np.ones(3)), douts=(_read_only(np.ones((4, 3))),)),
    "Branch": lambda: _layer_round_trip(Branch(2), RO_X, douts=(_read_only(np.ones((4, 3))),) * 2),
    "grad_norm": lambda: grad_norm([_read_only([3.0, 4.0])]),
    "Trainer.fit": lambda: Trainer(TwoLayerNet(3, 4, 3, seed=0), SGD(lr=0.1)).fit(
        RO_X, _read_only([0, 1, 2, 0]).astype(int), max_epoch=1, batch_size=2),
}


@pytest.mark.parametrize("name", READS_ONLY)
def test_read_only_inputs_that_are_only_read_work_and_stay_unchanged(name):
    before = RO_X.copy()
    READS_ONLY[name]()
    np.testing.assert_array_equal(RO_X, before)


# 要就地改动的数组是只读的，或形状不合：中文说清楚，并指出是哪个数组
REFUSED = {
    "numerical_gradient": (lambda: numerical_gradient(lambda x: float(np.sum(x * x)), _read_only([1.0, 2.0])),
                           "x.flags.writeable"),
    "compare_gradient": (lambda: compare_gradient([2.0], _read_only([1.0]), lambda: 1.0, name="W"),
                         "W.flags.writeable"),
    "gradient_check params": (lambda: gradient_check(Affine(_read_only(np.ones((3, 2))), np.zeros(2)), RO_X),
                              "参数 W"),
    "check_layer params": (lambda: check_layer(Affine(_read_only(np.ones((3, 2))), np.zeros(2)), RO_X), "参数 W"),
    "clip_grads": (lambda: clip_grads([np.ones(2), _read_only([30.0, 40.0])], 1.0), "第 1 个梯度"),
    "Add shapes": (lambda: Add().forward(RO_X, np.ones(2)), "x (4, 3) 与 y (2,)"),
    "Mul shapes": (lambda: Mul().forward(RO_X, np.ones((2, 2))), "x (4, 3) 与 y (2, 2)"),
    **{f"{cls.__name__}.update": (lambda cls=cls: cls(lr=0.1).update([np.ones(2), _read_only([1.0, 2.0])],
                                                                      [np.ones(2), np.ones(2)]), "第 1 个参数")
       for cls in BY_NAME.values()},
}


@pytest.mark.parametrize("name", REFUSED)
def test_arrays_that_must_change_or_fit_are_refused_in_chinese_naming_the_array(name):
    call, array = REFUSED[name]
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    message = str(info.value)
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert array in message, message
    assert "read-only" not in message and "broadcast" not in message
