"""性质测试（hypothesis）：随机形状与数值下，注册表里的每个层和节点都通过 float64 梯度确认。"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from nnlearn.functions import log_softmax, softmax, softmax_jacobian
from nnlearn.gradient import gradient_check
from nnlearn.layers import LAYERS
from nnlearn.nodes import NODES, Add, Mul

dims = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)
FAST = settings(max_examples=25, deadline=None)


def normal(seed, shape, scale=1.0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("cls", LAYERS + NODES, ids=lambda c: c.__name__)
@FAST
@given(n=dims, d=dims, seed=seeds)
def test_every_registered_class_passes_gradient_check(cls, n, d, seed):
    example = cls.example(np.random.default_rng(seed), n=n, d=d)
    errors = gradient_check(example.obj, *example.inputs, t=example.t)
    assert errors and max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("cls", [Add, Mul], ids=lambda c: c.__name__)
@FAST
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_side=1, max_side=4), seed=seeds)
def test_node_gradient_has_each_inputs_shape_under_broadcasting(cls, shapes, seed):
    """任意可广播的一对形状：每个输入的梯度都与该输入同形，且梯度确认通过。"""
    (x_shape, y_shape), out_shape = shapes
    x, y = normal(seed, x_shape), normal(seed + 1, y_shape)
    node = cls()
    assert np.shape(node.forward(x, y)) == out_shape
    dx, dy = node.backward(np.ones(out_shape))
    assert np.shape(dx) == x_shape and np.shape(dy) == y_shape
    if out_shape:  # gradient_check 把 0 维输出当成损失（backward 不带 dout），标量情形见 test_nodes
        assert max(gradient_check(cls(), x, y).values()) < 1e-7


@FAST
@given(shape=st.lists(dims, min_size=1, max_size=3), seed=seeds, scale=st.floats(0.1, 1000.0))
def test_softmax_is_a_distribution_for_any_shape(shape, seed, scale):
    x = normal(seed, tuple(shape), scale)
    y = softmax(x)
    assert np.isfinite(y).all() and (y >= 0).all()
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.isfinite(log_softmax(x)).all()


@FAST
@given(n=dims, c=dims, seed=seeds, scale=st.floats(0.1, 10.0))
def test_softmax_jacobian_matches_finite_differences(n, c, seed, scale):
    s = normal(seed, (n, c), scale)
    jac = softmax_jacobian(s)
    assert jac.shape == (n, c, c)
    h = 1e-6
    for j in range(c):
        step = np.zeros(c)
        step[j] = h
        column = (softmax(s + step) - softmax(s - step)) / (2 * h)  # ∂y/∂s_j，形状 (n, c)
        np.testing.assert_allclose(jac[:, :, j], column, atol=1e-8)
    np.testing.assert_allclose(jac.sum(axis=1), 0.0, atol=1e-15)  # 每列之和为 0
