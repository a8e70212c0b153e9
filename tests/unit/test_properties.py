"""性质测试（hypothesis）：随机形状与数值下，每个层和节点都通过 float64 梯度确认。"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlearn.functions import log_softmax, softmax
from nnlearn.gradient import gradient_check
from nnlearn.layers import Affine, MatMul, Sigmoid, Softmax, SoftmaxWithLoss
from nnlearn.nodes import Add, Branch, Mul, Repeat, Sum

dims = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)
scales = st.floats(0.1, 3.0)
FAST = settings(max_examples=25, deadline=None)


def normal(seed, shape, scale=1.0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


@FAST
@given(n=dims, d=dims, h=dims, seed=seeds, scale=scales)
def test_affine_and_matmul(n, d, h, seed, scale):
    W, b, x = normal(seed, (d, h), scale), normal(seed + 1, h), normal(seed + 2, (n, d), scale)
    assert max(gradient_check(Affine(W, b), x).values()) < 1e-7
    assert max(gradient_check(MatMul(W), x).values()) < 1e-7


@FAST
@given(n=dims, d=dims, seed=seeds, scale=scales)
def test_activations(n, d, seed, scale):
    x = normal(seed, (n, d), scale)
    assert gradient_check(Sigmoid(), x)["x"] < 1e-7
    assert gradient_check(Softmax(), x)["x"] < 1e-7


@FAST
@given(n=dims, c=st.integers(2, 6), seed=seeds, scale=scales)
def test_softmax_with_loss(n, c, seed, scale):
    x = normal(seed, (n, c), scale)
    t = np.random.default_rng(seed).integers(0, c, n)
    assert gradient_check(SoftmaxWithLoss(), x, t=t)["x"] < 1e-7


@FAST
@given(n=dims, d=dims, k=st.integers(1, 4), seed=seeds)
def test_nodes(n, d, k, seed):
    a, b = normal(seed, (n, d)), normal(seed + 1, (n, d))
    assert max(gradient_check(Add(), a, b).values()) < 1e-7
    assert max(gradient_check(Mul(), a, b).values()) < 1e-7
    assert gradient_check(Branch(k), a)["x"] < 1e-7
    assert gradient_check(Repeat(n), normal(seed, (1, d)))["x"] < 1e-7
    assert gradient_check(Sum(), a)["x"] < 1e-7


@FAST
@given(shape=st.lists(dims, min_size=1, max_size=3), seed=seeds, scale=st.floats(0.1, 1000.0))
def test_softmax_is_a_distribution_for_any_shape(shape, seed, scale):
    x = normal(seed, tuple(shape), scale)
    y = softmax(x)
    assert np.isfinite(y).all() and (y >= 0).all()
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.isfinite(log_softmax(x)).all()
