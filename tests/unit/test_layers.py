"""layers：正向的定义、梯度就地写入、input_grad 开关、SoftmaxWithLoss 的精确损失。"""

import numpy as np
import pytest

from nnlearn.gradient import gradient_check
from nnlearn.layers import Affine, MatMul, Sigmoid, Softmax, SoftmaxWithLoss

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


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: MatMul(rng.standard_normal((3, 2))), (4, 3)),
        (lambda: Affine(rng.standard_normal((3, 2)), rng.standard_normal(2)), (4, 3)),
        (Sigmoid, (4, 3)),
        (Softmax, (4, 3)),
    ],
)
def test_layer_gradient_check(make, shape):
    errors = gradient_check(make(), rng.standard_normal(shape))
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
