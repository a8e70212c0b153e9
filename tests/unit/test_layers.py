"""layers：正向的定义、梯度就地写入、input_grad 开关、SoftmaxWithLoss 的精确损失。"""

import numpy as np
import pytest

from nnlearn.gradient import gradient_check
from nnlearn.layers import LAYERS, Affine, MatMul, Sigmoid, SoftmaxWithLoss

rng = np.random.default_rng(42)


def test_affine_forward_is_xw_plus_b():
    W, b, x = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((5, 3))
    np.testing.assert_allclose(Affine(W, b).forward(x), x @ W + b)


def test_matmul_forward_is_xw():
    W, x = rng.standard_normal((3, 4)), rng.standard_normal((5, 3))
    np.testing.assert_allclose(MatMul(W).forward(x), x @ W)


def test_grads_written_in_place():
    layer = Affine(rng.standard_normal((3, 4)), np.zeros(4))
    held = list(layer.grads)  # 优化器持有的引用
    layer.forward(rng.standard_normal((5, 3)))
    layer.backward(np.ones((5, 4)))
    assert held[0] is layer.grads[0] and held[1] is layer.grads[1]
    np.testing.assert_allclose(held[1], np.full(4, 5.0))  # db = 沿批次求和


def test_input_grad_false_skips_dx_but_keeps_param_grads():
    W, b, x = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((5, 3))
    dout = rng.standard_normal((5, 4))
    full, first = Affine(W, b), Affine(W.copy(), b.copy(), input_grad=False)
    full.forward(x)
    first.forward(x)
    assert full.backward(dout).shape == x.shape
    assert first.backward(dout) is None
    np.testing.assert_allclose(first.grads[0], full.grads[0])
    np.testing.assert_allclose(first.grads[1], full.grads[1])


@pytest.mark.parametrize("cls", LAYERS, ids=lambda c: c.__name__)
def test_layer_gradient_check(cls):
    """注册表里的每一层：由它自己的 example 构造，float64 梯度确认通过。"""
    example = cls.example(np.random.default_rng(0))
    errors = gradient_check(example.obj, *example.inputs, t=example.t)
    assert errors and max(errors.values()) < 1e-7


def test_softmax_with_loss_extreme_scores_exact():
    # 书中的做法（log 里加 1e-7）会得到约 16.1；真正的损失是 2000
    loss = SoftmaxWithLoss().forward(np.array([[1000.0, 0.0, -1000.0]]), np.array([2]))
    assert loss == 2000.0


def test_softmax_with_loss_perfect_is_zero():
    assert SoftmaxWithLoss().forward(np.array([[1000.0, 0.0, -1000.0]]), np.array([0])) == 0.0


def test_softmax_with_loss_gradient_is_y_minus_t_over_n():
    x, t = rng.standard_normal((4, 3)), np.array([0, 2, 1, 1])
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    e = np.exp(x)
    y = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(layer.backward(), (y - np.eye(3)[t]) / 4)


@pytest.mark.parametrize("labels", ["index", "one_hot", "soft"])
def test_softmax_with_loss_gradient_check(labels):
    x = rng.standard_normal((6, 4))
    t = {"index": rng.integers(0, 4, 6), "one_hot": np.eye(4)[rng.integers(0, 4, 6)],
         "soft": rng.dirichlet(np.ones(4), 6)}[labels]
    assert gradient_check(SoftmaxWithLoss(), x, t=t)["x"] < 1e-7


def test_softmax_with_loss_one_sample_vector():
    layer = SoftmaxWithLoss()
    assert layer.forward([0.0, 0.0], 1) == pytest.approx(np.log(2))
    assert layer.backward().shape == (2,)


def test_float32_stays_float32():
    layer = Affine(np.ones((2, 3), np.float32), np.zeros(3, np.float32))
    assert layer.forward(np.ones((4, 2), np.float32)).dtype == np.float32
    assert Sigmoid().forward(np.ones(3, np.float32)).dtype == np.float32


def test_softmax_with_loss_integer_scores_and_one_hot_labels():
    """整数分数配 one-hot 整数标签：与浮点分数、类别标签的结果相同（以前会因类型转换报错）。"""
    layer = SoftmaxWithLoss()
    loss = layer.forward(np.array([[1, 2, 3]]), np.array([[0, 0, 1]]))
    assert loss == pytest.approx(SoftmaxWithLoss().forward(np.array([[1.0, 2.0, 3.0]]), [2]))
    assert layer.backward().dtype == np.float64


def test_softmax_with_loss_uses_log_softmax():
    """损失等于 log_softmax 取正确类别的负平均：页面上说的就是代码做的。"""
    from nnlearn.functions import log_softmax

    x, t = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    expected = -log_softmax(x)[np.arange(5), t].mean()
    assert SoftmaxWithLoss().forward(x, t) == pytest.approx(expected, rel=1e-14)


def test_float32_layer_casts_float64_input():
    """精度规则：有参数的层把输入转换成参数的 dtype，输出、梯度、dx 都是 float32。"""
    layer = Affine(np.ones((2, 3), np.float32), np.zeros(3, np.float32))
    out = layer.forward(np.ones((4, 2)))
    assert out.dtype == np.float32
    dx = layer.backward(np.ones((4, 3)))  # float64 的 dout 也按 float32 计算
    assert dx.dtype == np.float32 and layer.grads[0].dtype == np.float32


def test_integer_parameters_become_float64():
    layer = MatMul([[1, 2], [3, 4]])
    assert layer.params[0].dtype == np.float64
    assert layer.forward([[1, 1]]).tolist() == [[4.0, 6.0]]


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: MatMul(np.array(2.0)), ["MatMul", "W", "(D, H)", "()"]),
        (lambda: MatMul(np.ones((2, 2, 4))), ["MatMul", "(D, H)", "(2, 2, 4)"]),
        (lambda: Affine(np.ones(3), np.ones(3)), ["Affine", "W", "(D, H)", "(3,)"]),
        (lambda: Affine(np.ones((3, 2)), np.ones((1, 2))), ["Affine", "b", "(2,)", "(1, 2)"]),
        (lambda: MatMul(np.zeros((0, 3))), ["为空", "(0, 3)"]),
    ],
)
def test_parameters_of_wrong_ndim(make, words):
    with pytest.raises(ValueError) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_mixed_dtype_parameters_are_an_error():
    with pytest.raises(TypeError) as info:
        Affine(np.ones((2, 3), np.float32), np.zeros(3))
    assert "float32" in str(info.value) and "float64" in str(info.value)
