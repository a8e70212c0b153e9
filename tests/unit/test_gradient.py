"""gradient：书中的数值微分参考值、就地扰动与还原、步长与 dtype 的检查、gradient_check 的判定。"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlearn.gradient import (
    DEFAULT_H,
    PASS_THRESHOLD,
    expected_error,
    gradient_check,
    numerical_diff,
    numerical_gradient,
    relative_error,
)
from nnlearn.layers import Affine, Sigmoid, SoftmaxWithLoss


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


def square_sum(x):
    return float(np.sum(x.astype(np.float64) ** 2))


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


# --- 步长与 dtype（issue 9 第 6 条） ---

@pytest.mark.parametrize("h", [0.0, -1e-4, float("nan"), float("inf")])
def test_bad_step_is_a_value_error(h):
    with pytest.raises(ValueError, match="h"):
        numerical_gradient(square_sum, np.array([1.0]), h=h)
    with pytest.raises(ValueError, match="h"):
        numerical_diff(function_1, 1.0, h=h)
    with pytest.raises(ValueError, match="h"):
        gradient_check(Sigmoid(), np.ones((2, 2)), h=h)


def test_step_of_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="h"):
        numerical_gradient(square_sum, np.array([1.0]), h="1e-4")


def test_float16_is_refused_with_a_reason():
    with pytest.raises(TypeError, match="float16"):
        numerical_gradient(square_sum, np.array([1.0], np.float16))
    with pytest.raises(TypeError, match="float16"):
        numerical_diff(lambda x: x * x, np.float16(1.0))


def test_integer_arrays_are_refused():
    with pytest.raises(TypeError, match="浮点"):
        numerical_gradient(square_sum, np.array([1, 2]))


def test_large_x_divides_by_the_step_actually_taken():
    # x = 1e12 时 x±1e-4 被舍入（相邻两个 float64 相差 1.2e-4）；按 2h 除会得到 1.22
    x = np.array([1e12])
    assert (x + DEFAULT_H - (x - DEFAULT_H))[0] != 2 * DEFAULT_H
    assert numerical_gradient(lambda a: float(a.sum()), x)[0] == pytest.approx(1.0, abs=1e-12)
    assert numerical_diff(lambda a: a, 1e12) == pytest.approx(1.0, abs=1e-12)


def test_float32_divides_by_the_stored_step():
    # float32 在 1000 附近的间距是 6.1e-5：x+h 存成 1000.000122，实际步长不是 2h
    x = np.array([1000.0], np.float32)
    grad = numerical_gradient(lambda a: float(a.astype(np.float64).sum()), x)
    assert grad.dtype == np.float32
    assert grad[0] == pytest.approx(1.0, rel=1e-6)


def test_step_rounded_away_is_refused():
    with pytest.raises(ValueError, match="太小"):
        numerical_gradient(square_sum, np.array([1.0, 1e30]))
    with pytest.raises(ValueError, match="太小"):
        numerical_gradient(square_sum, np.array([1.0], np.float32), h=1e-9)


def test_function_that_modifies_x_in_place_leaves_x_unchanged():
    x = np.array([1.0, 2.0, 3.0])

    def sloppy(a):
        a *= 2  # 读者的 f 就地改了 x
        return float(a.sum())

    with pytest.raises(ValueError, match="就地修改"):
        numerical_gradient(sloppy, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_function_that_raises_leaves_x_unchanged():
    x = np.array([1.0, 2.0])
    calls = 0

    def fails_late(a):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("boom")
        return float(a.sum())

    with pytest.raises(RuntimeError):
        numerical_gradient(fails_late, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


# --- 相对误差的定义 ---

def test_relative_error_is_relative_for_large_gradients():
    assert relative_error([100.0, 200.0], [100.0, 200.02]) == pytest.approx(0.02 / 200.02)


def test_relative_error_is_absolute_below_the_floor():
    # 两个接近 0 的梯度：只比相对误差会得到 0.98，比绝对误差则是 1e-12 量级
    assert relative_error([2e-14], [1e-12]) < PASS_THRESHOLD
    assert relative_error([2e-14], [1e-12]) == pytest.approx((1e-12 - 2e-14) / 1e-2)


def test_relative_error_floor_scales_with_the_function():
    # f 放大 c 倍，梯度也放大 c 倍：误差不变
    a, n = np.array([1e-3, 2e-3]), np.array([1.1e-3, 2e-3])
    base = relative_error(a, n, f_scale=1.0)
    assert relative_error(1e6 * a, 1e6 * n, f_scale=1e6) == pytest.approx(base)


def test_relative_error_of_non_finite_values_fails():
    assert relative_error([np.nan], [1.0]) == np.inf
    assert relative_error([1.0], [np.inf]) == np.inf


def test_relative_error_shape_mismatch_is_named():
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        relative_error([1.0, 2.0], [1.0, 2.0, 3.0])


def test_threshold_sits_above_the_expected_error_of_a_correct_layer():
    # 默认步长下正确实现的误差约 h² + ε/h；通过线留出一个数量级的余量
    assert expected_error() == pytest.approx(DEFAULT_H**2 + np.finfo(np.float64).eps / DEFAULT_H)
    assert 5 * expected_error() <= PASS_THRESHOLD <= 20 * expected_error()
    # float32 的舍入误差远在通过线之上：这就是梯度确认只用 float64 的原因
    assert expected_error(dtype=np.float32) > 1e3 * PASS_THRESHOLD


# --- gradient_check ---

def test_gradient_check_catches_a_wrong_backward():
    class BrokenSigmoid(Sigmoid):
        def backward(self, dout):
            return dout * self.out  # 少乘了 (1 - y)

    x = np.random.default_rng(1).standard_normal((3, 4))
    assert gradient_check(Sigmoid(), x)["x"] < PASS_THRESHOLD
    assert gradient_check(BrokenSigmoid(), x)["x"] > 0.1


def test_saturated_sigmoid_passes():
    # x = 20 时 σ'(x) ≈ 2e-9：旧定义（只比相对误差）给出 6e-4
    for x in (np.array([[20.0]]), np.full((3, 4), 20.0), np.full((2, 2), -30.0)):
        assert gradient_check(Sigmoid(), x)["x"] < PASS_THRESHOLD


def test_confident_softmax_with_loss_passes():
    # 得分 [30, 0, 0]、标签 0：梯度约 1e-14，旧定义给出 1.0
    x = np.tile([30.0, 0.0, 0.0], (4, 1))
    errors = gradient_check(SoftmaxWithLoss(), x, t=np.zeros(4, dtype=int))
    assert errors["x"] < PASS_THRESHOLD


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(0.0, 60.0), seed=st.integers(0, 2**32 - 1))
def test_correct_layers_pass_at_any_input_scale(scale, seed):
    rng = np.random.default_rng(seed)
    x = scale * rng.standard_normal((3, 4))
    t = rng.integers(0, 4, size=3)
    assert gradient_check(Sigmoid(), x)["x"] < PASS_THRESHOLD
    assert gradient_check(SoftmaxWithLoss(), x, t=t)["x"] < PASS_THRESHOLD


@pytest.mark.parametrize("max_coords", [0, -3])
def test_max_coords_below_one_is_rejected(max_coords):
    with pytest.raises(ValueError, match="max_coords"):
        gradient_check(Sigmoid(), np.ones((2, 2)), max_coords=max_coords)


def test_gradient_of_wrong_shape_is_named():
    class TransposedSigmoid(Sigmoid):
        def backward(self, dout):
            return super().backward(dout).T

    with pytest.raises(ValueError, match=r"x 的解析梯度形状是 \(3, 2\).*\(2, 3\)"):
        gradient_check(TransposedSigmoid(), np.ones((2, 3)))


def test_parameter_gradient_of_wrong_shape_is_named():
    rng = np.random.default_rng(0)
    layer = Affine(rng.standard_normal((3, 2)), np.zeros(2))
    layer.grads[1] = np.zeros((1, 2))  # 读者把 db 存成了 (1, 2)

    def backward(dout):
        return dout @ layer.params[0].T

    layer.backward = backward
    with pytest.raises(ValueError, match=r"\(1, 2\).*\(2,\)"):
        gradient_check(layer, rng.standard_normal((4, 3)))


def test_float32_layer_is_refused():
    with pytest.raises(TypeError, match="float64"):
        gradient_check(Sigmoid(), np.ones((2, 2), np.float32))


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
    assert max(errors.values()) < PASS_THRESHOLD
    # 反向前一次正向、算 f 的量级一次；每个抽样坐标两次；三个数组都比 20 大，各加一个随机方向两次
    assert calls == 1 + 1 + 2 * (20 + 20 + 20) + 3 * 2


def test_random_direction_finds_an_error_outside_the_sampled_coordinates():
    rng = np.random.default_rng(3)
    layer = Affine(rng.standard_normal((30, 20)), np.zeros(20))
    backward = layer.backward

    def one_wrong_entry(dout):
        dx = backward(dout)
        layer.grads[0][7, 11] += 1.0  # 600 个坐标里只错一个
        return dx

    layer.backward = one_wrong_entry
    errors = gradient_check(layer, rng.standard_normal((4, 30)), max_coords=1, seed=0)
    assert errors["W"] > 1e-3
    assert errors["b"] < PASS_THRESHOLD


def test_gradient_check_does_not_change_inputs_or_params():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3))
    W = rng.standard_normal((3, 60))
    before_x, before_W = x.copy(), W.copy()
    gradient_check(Affine(W, np.zeros(60)), x, max_coords=5)
    np.testing.assert_array_equal(x, before_x)
    np.testing.assert_array_equal(W, before_W)


def test_float32_step_error_names_float32():
    with pytest.raises(ValueError, match=r"float32 在 x 附近相邻两个数相差 1\.49e-08"):
        numerical_gradient(square_sum, np.array([0.12573], np.float32), h=1e-10)


def test_node_with_scalar_inputs_is_checked_with_a_scalar_dout():
    # Mul().forward(3, 4) 的输出是 0 维，但 Mul 不是损失：backward 需要 dout
    from nnlearn.nodes import Mul

    errors = gradient_check(Mul(), np.array(3.0), np.array(4.0))
    assert set(errors) == {"x0", "x1"} and max(errors.values()) < PASS_THRESHOLD


def test_compare_gradient_reports_coordinates_and_both_values():
    from nnlearn.gradient import compare_gradient

    rng = np.random.default_rng(0)
    W = rng.standard_normal((6, 5))
    x = rng.standard_normal((2, 6))
    exact = x.T @ np.ones((2, 5))  # L = sum(x @ W) 的梯度
    wrong = exact.copy()
    wrong[4, 3] += 0.5
    before = W.copy()

    def loss():
        return float(np.sum(x @ W))

    full = compare_gradient(exact, W, loss, max_coords=None)
    assert full.error < PASS_THRESHOLD and len(full.coords) == W.size and None not in full.coords
    bad = compare_gradient(wrong, W, loss, max_coords=None)
    k = bad.coords.index((4, 3))
    assert bad.analytic[k] == pytest.approx(exact[4, 3] + 0.5)
    assert bad.numeric[k] == pytest.approx(exact[4, 3], abs=1e-8)
    sampled = compare_gradient(exact, W, loss, max_coords=4, rng=1)
    assert len(sampled.coords) == 5 and sampled.coords[-1] is None  # 4 个坐标 + 一个随机方向
    np.testing.assert_array_equal(W, before)
    with pytest.raises(ValueError, match=r"W 的解析梯度形状是 \(5, 6\)"):
        compare_gradient(exact.T, W, loss, name="W")


@pytest.mark.parametrize("x", ["1.0", True, 1 + 2j, np.array([1 + 0j])])
def test_numerical_diff_refuses_non_real_points(x):
    with pytest.raises(TypeError, match="实数"):
        numerical_diff(lambda a: a * a, x)


def test_numerical_diff_accepts_ints_and_arrays():
    assert numerical_diff(lambda a: a * a, 3) == pytest.approx(6.0)
    np.testing.assert_allclose(numerical_diff(np.sin, np.array([0.0, 1.0])), np.cos([0.0, 1.0]), atol=1e-8)


def test_gradient_check_needs_forward_and_backward_but_not_params():
    with pytest.raises(TypeError, match="forward 和 backward"):
        gradient_check(object(), np.ones(2))

    class Double:  # 读者最简单的层：没有 params/grads 属性
        def forward(self, x):
            return 2 * x

        def backward(self, dout):
            return 2 * dout

    assert gradient_check(Double(), np.ones((2, 3)))["x"] < PASS_THRESHOLD


@pytest.mark.parametrize("x", [np.array([True, False]), np.array([1 + 2j]), np.array(["a"], dtype=object)])
def test_bool_complex_and_object_arrays_are_refused_by_name(x):
    with pytest.raises(TypeError, match=f"dtype={x.dtype}：bool、复数"):
        numerical_gradient(lambda a: 0.0, x)


def test_missing_labels_for_a_model_are_named():
    from nnlearn.models import TwoLayerNet

    with pytest.raises(TypeError, match="t=标签"):
        gradient_check(TwoLayerNet(2, 3, 3), np.ones((4, 2)))


def test_non_numeric_function_value_is_named():
    with pytest.raises(TypeError, match="f 应返回一个实数，收到 str"):
        numerical_gradient(lambda a: "x", np.ones(2))
    with pytest.raises(TypeError, match="relative_error"):
        relative_error("a", [1.0])
