"""优化器：首步与书中公式逐项一致、能让二次函数下降、就地更新、错误清楚。"""

import math

import numpy as np
import pytest

from nnlearn.optim import BY_NAME, SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

ALL = list(BY_NAME.values())  # 按注册表：新加的优化器不用改测试就被查到


def quadratic(w):
    """f(w) = 0.5 * sum(a * w**2)，梯度 a * w；各维曲率不同。"""
    a = np.array([1.0, 10.0, 0.5])
    return 0.5 * float(np.sum(a * w * w)), a * w


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (SGD, {"lr": 0.05}),
        (Momentum, {"lr": 0.01}),
        (Nesterov, {"lr": 0.01}),
        (AdaGrad, {"lr": 0.5}),
        (RMSprop, {"lr": 0.01}),
        (Adam, {"lr": 0.05}),
    ],
)
def test_each_optimizer_decreases_a_quadratic(cls, kwargs):
    w = np.array([3.0, -2.0, 1.5])
    opt = cls(**kwargs)
    start, _ = quadratic(w)
    g = np.empty_like(w)
    for _ in range(200):
        _, g[...] = quadratic(w)
        opt.update([w], [g])
    end, _ = quadratic(w)
    assert end < 0.05 * start


def test_sgd_first_step():
    w = np.array([[1.0, -2.0]])
    g = np.array([[0.5, 4.0]])
    SGD(lr=0.1).update([w], [g])
    np.testing.assert_allclose(w, [[1.0 - 0.1 * 0.5, -2.0 - 0.1 * 4.0]])


def test_momentum_two_steps():
    w = np.array([1.0])
    g = np.array([2.0])
    opt = Momentum(lr=0.1, momentum=0.9)
    opt.update([w], [g])
    v1 = -0.1 * 2.0
    assert w[0] == pytest.approx(1.0 + v1)
    opt.update([w], [g])
    v2 = 0.9 * v1 - 0.1 * 2.0
    assert w[0] == pytest.approx(1.0 + v1 + v2)


def test_nesterov_on_w_squared_gives_the_standard_rewrite_not_the_books_variant():
    """f(w) = w²，w = 1，η = 0.1，α = 0.9：标准改写每步移动 α² v_旧 − (1+α) η g。"""
    w = np.array([1.0])
    opt = Nesterov(lr=0.1, momentum=0.9)
    steps = []
    for _ in range(3):
        opt.update([w], [2 * w])
        steps.append(round(float(w[0]), 3))
    assert steps == [0.62, 0.222, -0.108]
    # 书的配套代码先更新 v，再把 α² 乘在更新后的 v 上：同样的三步是另一组数
    book, v = 1.0, 0.0
    book_steps = []
    for _ in range(3):
        g = 2 * book
        v = 0.9 * v - 0.1 * g
        book += 0.9 * 0.9 * v - (1 + 0.9) * 0.1 * g
        book_steps.append(round(book, 3))
    assert book_steps == [0.458, 0.064, -0.169]


def test_nesterov_tracks_the_look_ahead_point_of_plain_nesterov():
    """参数记录的是 W + αv：与“在 W + αv 处求梯度”的原始形式逐步一致。"""
    a = np.array([1.0, 10.0, 0.5])
    lr, mom = 0.05, 0.9
    w, v = np.array([3.0, -2.0, 1.5]), np.zeros(3)  # 原始形式
    phi = w.copy()  # 改写后的参数 = w + mom * v
    opt = Nesterov(lr=lr, momentum=mom)
    for _ in range(20):
        v = mom * v - lr * a * (w + mom * v)
        w = w + v
        opt.update([phi], [a * phi])
        np.testing.assert_allclose(phi, w + mom * v, rtol=1e-12, atol=1e-12)


def test_nesterov_without_momentum_is_sgd():
    w1, w2 = np.array([1.0, -2.0]), np.array([1.0, -2.0])
    for _ in range(3):
        Nesterov(lr=0.1, momentum=0.0).update([w1], [2 * w1])
    sgd = SGD(lr=0.1)
    for _ in range(3):
        sgd.update([w2], [2 * w2])
    np.testing.assert_allclose(w1, w2, rtol=1e-15)


def test_adagrad_two_steps():
    w = np.array([1.0, 1.0])
    g = np.array([2.0, -0.5])
    opt = AdaGrad(lr=0.1)
    opt.update([w], [g])
    h1 = np.array([4.0, 0.25])
    expected = 1.0 - 0.1 * g / (np.sqrt(h1) + 1e-7)
    np.testing.assert_allclose(w, expected, rtol=1e-12)
    opt.update([w], [g])
    h2 = 2 * h1
    expected = expected - 0.1 * g / (np.sqrt(h2) + 1e-7)
    np.testing.assert_allclose(w, expected, rtol=1e-12)


def test_rmsprop_first_step():
    w = np.array([0.0])
    g = np.array([3.0])
    RMSprop(lr=0.01, decay_rate=0.99).update([w], [g])
    h = 0.01 * 9.0
    assert w[0] == pytest.approx(-0.01 * 3.0 / (math.sqrt(h) + 1e-7), rel=1e-12)


def test_adam_two_steps():
    w = np.array([1.0])
    opt = Adam(lr=0.001, beta1=0.9, beta2=0.999)
    m = v = 0.0
    expected = 1.0
    for it, gval in enumerate([0.3, -1.2], start=1):
        opt.update([w], [np.array([gval])])
        m = 0.9 * m + 0.1 * gval
        v = 0.999 * v + 0.001 * gval**2
        m_hat = m / (1 - 0.9**it)
        v_hat = v / (1 - 0.999**it)
        # 书中把偏差校正并进学习率：eps 相当于除以了 sqrt(1 - beta2^t)
        expected -= 0.001 * m_hat / (math.sqrt(v_hat) + 1e-7 / math.sqrt(1 - 0.999**it))
        assert w[0] == pytest.approx(expected, rel=1e-9)
    assert opt.iter == 2


def test_adam_first_step_has_size_lr():
    """Adam 第一步的步长约等于学习率，与梯度大小无关。"""
    w = np.array([0.0, 0.0])
    Adam(lr=0.01).update([w], [np.array([5.0, -0.1])])
    np.testing.assert_allclose(w, [-0.01, 0.01], rtol=1e-3)


def test_defaults_match_the_book():
    assert SGD().lr == 0.01
    assert (Momentum().lr, Momentum().momentum) == (0.01, 0.9)
    assert (Nesterov().lr, Nesterov().momentum) == (0.01, 0.9)
    assert AdaGrad().lr == 0.01
    assert (RMSprop().lr, RMSprop().decay_rate) == (0.01, 0.99)
    assert (Adam().lr, Adam().beta1, Adam().beta2) == (0.001, 0.9, 0.999)


@pytest.mark.parametrize("cls", ALL)
def test_updates_in_place_and_keeps_dtype(cls):
    w = np.ones((2, 3), dtype=np.float32)
    b = np.zeros(3, dtype=np.float32)
    ids = (id(w), id(b))
    opt = cls()
    for _ in range(3):
        opt.update([w, b], [np.full_like(w, 0.5), np.full_like(b, -0.5)])
    assert (id(w), id(b)) == ids
    assert w.dtype == b.dtype == np.float32
    assert np.all(w < 1.0) and np.all(b > 0.0)
    for state in ("v", "h", "m"):
        for arr in getattr(opt, state, None) or []:
            assert arr.dtype == np.float32


@pytest.mark.parametrize("cls", ALL)
def test_a_read_only_parameter_is_refused_in_chinese_before_anything_moves(cls):
    w, b = np.ones(3), np.ones(2)
    b.flags.writeable = False
    with pytest.raises(ValueError, match=r"第 1 个参数（形状 \(2,\)）是只读数组.*update 要就地修改它"):
        cls(lr=0.1).update([w, b], [np.ones(3), np.ones(2)])
    np.testing.assert_array_equal(w, np.ones(3))


@pytest.mark.parametrize("cls", ALL)
def test_mismatched_lengths(cls):
    with pytest.raises(ValueError, match="个数"):
        cls().update([np.zeros(2), np.zeros(3)], [np.zeros(2)])


@pytest.mark.parametrize("cls", ALL)
def test_mismatched_shapes(cls):
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        cls().update([np.zeros((2, 3))], [np.zeros((3, 2))])


@pytest.mark.parametrize("cls", ALL)
def test_integer_params_rejected(cls):
    with pytest.raises(TypeError, match="浮点"):
        cls().update([np.zeros(3, dtype=int)], [np.zeros(3)])


STATEFUL = [cls for cls in ALL if cls is not SGD]


@pytest.mark.parametrize("cls", STATEFUL)
def test_state_bound_to_first_params(cls):
    opt = cls()
    opt.update([np.zeros(3)], [np.ones(3)])
    with pytest.raises(ValueError, match="新建一个优化器"):
        opt.update([np.zeros(4)], [np.ones(4)])


@pytest.mark.parametrize("cls", ALL)
def test_same_array_twice_is_an_error_and_nothing_moves(cls):
    w, g = np.ones(3), np.full(3, 0.5)
    with pytest.raises(ValueError, match="第 0 个和第 1 个参数是同一个数组"):
        cls(lr=0.1).update([w, w], [g, g])
    np.testing.assert_array_equal(w, np.ones(3))


@pytest.mark.parametrize("cls", STATEFUL)
def test_reordered_params_are_an_error(cls):
    # 形状相同的两个参数调换了顺序：按位置保存的状态会把 w1 的动量用到 w2 上
    w1, w2 = np.ones(3), np.full(3, 2.0)
    g1, g2 = np.full(3, 0.1), np.full(3, -0.3)
    opt = cls(lr=0.1)
    opt.update([w1, w2], [g1, g2])
    before = (w1.copy(), w2.copy())
    with pytest.raises(ValueError, match=r"第 0 个参数.*是上次的第 1 个"):
        opt.update([w2, w1], [g2, g1])
    np.testing.assert_array_equal(w1, before[0])
    np.testing.assert_array_equal(w2, before[1])


@pytest.mark.parametrize("cls", STATEFUL)
def test_other_arrays_of_the_same_shape_are_an_error(cls):
    opt = cls()
    opt.update([np.zeros(3)], [np.ones(3)])
    with pytest.raises(ValueError, match="不是上次那组参数里的数组"):
        opt.update([np.zeros(3)], [np.ones(3)])


@pytest.mark.parametrize("cls", STATEFUL)
def test_a_copy_of_the_same_list_is_fine(cls):
    # 状态按数组对象绑定，不按列表对象：list(model.params) 也可以
    w, b = np.ones(3), np.zeros(2)
    opt = cls(lr=0.1)
    opt.update([w, b], [np.ones(3), np.ones(2)])
    opt.update(list((w, b)), [np.ones(3), np.ones(2)])
    assert np.all(w < 1.0)


def test_sgd_has_no_state_so_any_order_is_fine():
    # SGD 没有状态：换顺序没有影响，所以不报错
    w1, w2 = np.ones(2), np.ones(3)
    opt = SGD(lr=0.5)
    opt.update([w1, w2], [np.ones(2), np.ones(3)])
    opt.update([w2, w1], [np.ones(3), np.ones(2)])
    np.testing.assert_array_equal(w1, [0.0, 0.0])
    np.testing.assert_array_equal(w2, [0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: SGD(lr=0), "lr"),
        (lambda: SGD(lr=-1), "lr"),
        (lambda: SGD(lr=float("nan")), "lr"),
        (lambda: SGD(lr="0.1"), "lr"),
        (lambda: Momentum(momentum=1.0), "momentum"),
        (lambda: RMSprop(decay_rate=1.5), "decay_rate"),
        (lambda: Adam(beta1=-0.1), "beta1"),
        (lambda: Adam(beta2=1.0), "beta2"),
    ],
)
def test_bad_hyperparameters(factory, match):
    with pytest.raises((ValueError, TypeError), match=match):
        factory()


def test_make_optimizer_by_name():
    from nnlearn.optim import BY_NAME, make_optimizer

    for name, cls in BY_NAME.items():
        opt = make_optimizer(name, 0.5)
        assert type(opt) is cls and opt.lr == 0.5
    with pytest.raises(ValueError, match="'sgdd'"):
        make_optimizer("sgdd", 0.1)


@pytest.mark.parametrize("cls", ALL)
def test_params_must_be_a_list_of_arrays(cls):
    with pytest.raises(TypeError, match=r"params 应是数组的列表.*写成 \[W\]"):
        cls().update(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match=r"params 的第 0 个元素应是数组.*收到 list"):
        cls().update([[1.0, 2.0]], [np.ones(2)])
    with pytest.raises(TypeError, match=r"params 的第 0 个元素应是数组.*收到 float64"):
        cls().update([np.float64(1.0)], [np.ones(())])
    with pytest.raises(TypeError, match="grads 的第 0 个元素应是数组，收到 list"):
        cls().update([np.ones(2)], [[1.0, 2.0]])


@pytest.mark.parametrize("cls", ALL)
def test_zero_dimensional_params_are_updated_in_place(cls):
    w = np.array(1.0)
    cls(lr=0.1).update([w], [np.array(0.5)])
    assert w < 1.0


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("grad", [np.array([1 + 1j, 0j]), np.array([True, False])])
def test_non_real_gradients_are_refused(cls, grad):
    w = np.ones(2)
    with pytest.raises(TypeError, match=f"第 0 个梯度的 dtype 是 {grad.dtype}"):
        cls().update([w], [grad])
    np.testing.assert_array_equal(w, np.ones(2))


@pytest.mark.parametrize("cls", ALL)
def test_checks_still_run_when_the_arrays_change_after_a_good_step(cls):
    # 同一批数组只查一次；换了任何一个数组对象就重新全部检查
    w, g = np.ones(3), np.ones(3)
    opt = cls(lr=0.1)
    opt.update([w], [g])
    opt.update([w], [g])
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        opt.update([w], [np.ones(2)])
    with pytest.raises(ValueError, match="同一个数组"):
        opt.update([w, w], [g, g])
    opt.update([w], [g])  # 原来那批仍然可以
