"""nodes：每个计算图节点的正向形状与反向梯度。"""

import numpy as np
import pytest

from nnlearn.gradient import gradient_check
from nnlearn.nodes import Add, Branch, Mul, Repeat, Sum

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


@pytest.mark.parametrize(
    "node, shapes",
    [(Add(), [(2, 3), (2, 3)]), (Mul(), [(2, 3), (2, 3)]), (Branch(3), [(2, 3)]),
     (Repeat(4), [(1, 3)]), (Sum(), [(5, 3)])],
)
def test_node_gradient_check(node, shapes):
    errors = gradient_check(node, *(rng.standard_normal(s) for s in shapes))
    assert len(errors) == len(shapes)
    assert max(errors.values()) < 1e-7


def test_nodes_have_no_params():
    for node in (Add(), Mul(), Branch(), Repeat(2), Sum()):
        assert node.params == [] and node.grads == []
