"""nodes：每个计算图节点的正向形状与反向梯度。"""

import numpy as np
import pytest

from nnlearn.gradient import gradient_check
from nnlearn.nodes import NODES, Add, Branch, Mul, Repeat, Sum

rng = np.random.default_rng(7)


def test_mul_swaps_inputs_on_backward():
    node = Mul()
    assert node.forward(3.0, 4.0) == 12.0
    assert node.backward(2.0) == (8.0, 6.0)


def test_add_passes_gradient_through():
    node = Add()
    assert node.forward(3.0, 4.0) == 7.0
    assert node.backward(5.0) == (5.0, 5.0)


def test_branch_copies_forward_and_sums_backward():
    node = Branch(3)
    outs = node.forward(np.array([1.0, 2.0]))
    assert len(outs) == 3
    np.testing.assert_array_equal(node.backward(np.ones(2), 2 * np.ones(2), 3 * np.ones(2)), [6.0, 6.0])


def test_repeat_and_sum_are_each_others_backward():
    x = rng.standard_normal((1, 4))
    rep = Repeat(5)
    y = rep.forward(x)
    assert y.shape == (5, 4)
    np.testing.assert_allclose(rep.backward(np.ones((5, 4))), np.full((1, 4), 5.0))
    s = Sum()
    z = s.forward(y)
    np.testing.assert_allclose(z, 5 * x)
    np.testing.assert_array_equal(s.backward(np.ones((1, 4))), np.ones((5, 4)))


@pytest.mark.parametrize("cls", NODES, ids=lambda c: c.__name__)
def test_node_gradient_check(cls):
    example = cls.example(np.random.default_rng(0))
    errors = gradient_check(example.obj, *example.inputs)
    assert len(errors) == len(example.inputs)
    assert max(errors.values()) < 1e-7


def test_nodes_have_no_params():
    for cls in NODES:
        node = cls.example(np.random.default_rng(0)).obj
        assert node.params == [] and node.grads == []


def test_add_reduces_broadcast_gradient():
    """y 被广播成 3 行：它的梯度沿被复制的轴求和，形状回到 (4,)。"""
    node = Add()
    node.forward(np.ones((3, 4)), np.ones(4))
    dx, dy = node.backward(np.arange(12.0).reshape(3, 4))
    assert dx.shape == (3, 4) and dy.shape == (4,)
    np.testing.assert_array_equal(dy, [12.0, 15.0, 18.0, 21.0])


def test_mul_with_a_scalar():
    node = Mul()
    node.forward(np.full((2, 3), 2.0), 5.0)
    dx, dy = node.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(dx, np.full((2, 3), 5.0))
    assert np.shape(dy) == () and float(dy) == 12.0  # 6 个元素，每个的局部导数是 2


def test_repeat_of_a_vector_returns_a_vector_gradient():
    node = Repeat(4)
    assert node.forward(np.arange(3.0)).shape == (4, 3)
    dx = node.backward(np.ones((4, 3)))
    assert dx.shape == (3,)
    np.testing.assert_array_equal(dx, [4.0, 4.0, 4.0])


def test_integer_inputs_are_computed_as_float():
    node = Add()
    out = node.forward(3, 4)
    assert out == 7.0 and out.dtype == np.float64
