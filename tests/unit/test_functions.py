"""functions：书中的参考值、数值稳定性、精度保持。"""

import math

import numpy as np
import pytest

from nnlearn.functions import cross_entropy_error, log_softmax, mean_nll, sigmoid, softmax, softmax_jacobian


def test_softmax_book_example():
    # 书中 softmax([0.3, 2.9, 4.0]) 的参考值
    np.testing.assert_allclose(softmax(np.array([0.3, 2.9, 4.0])), [0.01821127, 0.24519181, 0.73659691], rtol=1e-6)


def test_softmax_matches_definition_on_small_scores():
    s = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 0.5]])
    e = np.exp(s)
    np.testing.assert_allclose(softmax(s), e / e.sum(axis=1, keepdims=True), rtol=1e-12)


def test_softmax_does_not_overflow():
    y = softmax(np.array([1000.0, 0.0, -1000.0]))
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y, [1.0, 0.0, 0.0], atol=1e-300)


def test_softmax_any_shape_last_axis():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_allclose(softmax(x).sum(axis=-1), np.ones((2, 3)))


def test_log_softmax_extreme_values_exact():
    np.testing.assert_array_equal(log_softmax(np.array([1000.0, 0.0, -1000.0])), [0.0, -1000.0, -2000.0])


def test_log_softmax_equals_log_of_softmax_when_safe():
    x = np.random.default_rng(1).standard_normal((4, 5))
    np.testing.assert_allclose(log_softmax(x), np.log(softmax(x)), rtol=1e-12)


def test_sigmoid_values_and_no_warning():
    np.testing.assert_allclose(sigmoid(np.array([0.0, 2.0])), [0.5, 1 / (1 + math.exp(-2))])
    assert sigmoid(np.array([-1000.0]))[0] == 0.0  # 不产生溢出警告（pytest 把警告当错误）


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_precision_preserved(dtype):
    x = np.ones((2, 3), dtype=dtype)
    assert sigmoid(x).dtype == dtype
    assert softmax(x).dtype == dtype
    assert log_softmax(x).dtype == dtype


def test_integer_input_becomes_float64():
    assert softmax([1, 2, 3]).dtype == np.float64


# 书中的两个交叉熵例子：正确类别是 2
BOOK_T = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
BOOK_Y_GOOD = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
BOOK_Y_BAD = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]


def test_cross_entropy_book_examples():
    assert cross_entropy_error(BOOK_Y_GOOD, BOOK_T) == pytest.approx(-math.log(0.6))
    assert cross_entropy_error(BOOK_Y_BAD, BOOK_T) == pytest.approx(-math.log(0.1))


def test_cross_entropy_index_and_one_hot_agree():
    assert cross_entropy_error(BOOK_Y_GOOD, 2) == pytest.approx(cross_entropy_error(BOOK_Y_GOOD, BOOK_T))


def test_cross_entropy_batch_mean():
    y = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    expected = -(math.log(0.7) + math.log(0.8)) / 2
    assert cross_entropy_error(y, [0, 2]) == pytest.approx(expected)
    assert cross_entropy_error(y, np.eye(3)[[0, 2]]) == pytest.approx(expected)


def test_cross_entropy_soft_labels():
    y = np.array([0.5, 0.25, 0.25])
    t = np.array([0.5, 0.5, 0.0])
    assert cross_entropy_error(y, t) == pytest.approx(-(0.5 * math.log(0.5) + 0.5 * math.log(0.25)))


def test_cross_entropy_perfect_prediction_is_zero_not_negative():
    assert cross_entropy_error([0.0, 1.0, 0.0], 1) == 0.0


def test_cross_entropy_zero_probability_on_true_class_is_infinite():
    assert cross_entropy_error([1.0, 0.0], 1) == math.inf


def test_softmax_jacobian_of_one_sample():
    s = np.array([0.3, 2.9, 4.0])
    y = softmax(s)
    jac = softmax_jacobian(s)
    np.testing.assert_allclose(jac, np.diag(y) - np.outer(y, y), rtol=1e-15)
    # 上游梯度 dy 乘雅可比矩阵，就是 Softmax 层的反向
    from nnlearn.layers import Softmax

    layer, dy = Softmax(), np.array([0.5, -1.0, 2.0])
    layer.forward(s)
    np.testing.assert_allclose(dy @ jac, layer.backward(dy), rtol=1e-13)


def test_mean_nll_is_cross_entropy_from_log_probabilities():
    y = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    t = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
    assert mean_nll(np.log(y), t) == pytest.approx(cross_entropy_error(y, t), rel=1e-15)
    assert mean_nll(np.log(y[0]), t[0]) == pytest.approx(-math.log(0.2))  # 单个样本：N = 1
