"""gradient：书中的数值微分参考值、就地扰动与还原、gradient_check 能发现错误。"""

import numpy as np
import pytest

from nnlearn.gradient import gradient_check, numerical_diff, numerical_gradient
from nnlearn.layers import Affine, Sigmoid


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


@pytest.mark.parametrize("x, expected", [(5.0, 0.2), (10.0, 0.3)])
def test_numerical_diff_book_values(x, expected):
    # 解析导数 0.02x + 0.1；中心差分对二次函数没有截断误差
    assert numerical_diff(function_1, x) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("point, expected", [((3.0, 4.0), (6.0, 8.0)), ((0.0, 2.0), (0.0, 4.0)),
                                             ((3.0, 0.0), (6.0, 0.0))])
def test_numerical_gradient_book_values(point, expected):
    grad = numerical_gradient(lambda x: np.sum(x**2), np.array(point))
    np.testing.assert_allclose(grad, expected, atol=1e-7)


def test_numerical_gradient_matrix_has_matrix_shape():
    W = np.arange(6.0).reshape(2, 3)
    grad = numerical_gradient(lambda w: np.sum(w**2), W)
    assert grad.shape == (2, 3)
    np.testing.assert_allclose(grad, 2 * W, atol=1e-6)


def test_numerical_gradient_restores_exactly_and_supports_closure_pattern():
    W = np.random.default_rng(0).standard_normal((3, 2))
    before = W.copy()
    x = np.ones((1, 3))
    # 书中的写法：函数不看参数，直接读 W
    grad = numerical_gradient(lambda _: float(np.sum(x @ W)), W)
    np.testing.assert_array_equal(W, before)
    np.testing.assert_allclose(grad, np.ones((3, 2)), atol=1e-8)


def test_gradient_check_catches_a_wrong_backward():
    class BrokenSigmoid(Sigmoid):
        def backward(self, dout):
            return dout * self.out  # 少乘了 (1 - y)

    x = np.random.default_rng(1).standard_normal((3, 4))
    assert gradient_check(Sigmoid(), x)["x"] < 1e-7
    assert gradient_check(BrokenSigmoid(), x)["x"] > 0.1


def test_gradient_check_samples_large_arrays():
    rng = np.random.default_rng(2)
    layer = Affine(rng.standard_normal((300, 50)), np.zeros(50))
    calls = 0
    forward = layer.forward

    def counting_forward(x):
        nonlocal calls
        calls += 1
        return forward(x)

    layer.forward = counting_forward
    errors = gradient_check(layer, rng.standard_normal((4, 300)), max_coords=20)
    assert set(errors) == {"W", "b", "x"}
    assert max(errors.values()) < 1e-7
    assert calls == 1 + 2 * (20 + 20 + 20)  # 一次正向 + 每个抽样坐标两次


def test_gradient_check_does_not_change_inputs():
    x = np.random.default_rng(3).standard_normal((2, 3))
    before = x.copy()
    gradient_check(Sigmoid(), x)
    np.testing.assert_array_equal(x, before)
