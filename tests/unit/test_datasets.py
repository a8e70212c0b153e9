"""螺旋数据集：形状、标签、可复现，且不碰 NumPy 的全局随机状态。"""

import numpy as np
import pytest

from nnlearn.datasets import load_spiral


def test_shapes_and_dtypes():
    x, t = load_spiral()
    assert x.shape == (300, 2)
    assert x.dtype == np.float64
    assert t.shape == (300, 3)
    assert np.issubdtype(t.dtype, np.integer)
    # 每行恰好一个 1，每类 100 个
    assert np.all(t.sum(axis=1) == 1)
    assert t.sum(axis=0).tolist() == [100, 100, 100]


def test_follows_the_book_generator():
    """按书中公式逐点重算（用同一个生成器、同样的抽样顺序）。"""
    n, c = 7, 4
    x, t = load_spiral(seed=3, n_per_class=n, n_classes=c)
    rng = np.random.default_rng(3)
    for j in range(c):
        noise = rng.standard_normal(n)
        for i in range(n):
            rate = i / n
            radius = 1.0 * rate
            theta = j * 4.0 + 4.0 * rate + noise[i] * 0.2
            ix = j * n + i
            assert x[ix, 0] == pytest.approx(radius * np.sin(theta), abs=1e-15)
            assert x[ix, 1] == pytest.approx(radius * np.cos(theta), abs=1e-15)
            assert t[ix].tolist() == [1 if k == j else 0 for k in range(c)]


def test_radius_grows_within_each_class():
    x, _ = load_spiral()
    r = np.hypot(x[:, 0], x[:, 1]).reshape(3, 100)
    np.testing.assert_allclose(r, np.tile(np.arange(100) / 100, (3, 1)), atol=1e-12)


def test_deterministic_by_seed():
    x1, t1 = load_spiral(seed=5)
    x2, t2 = load_spiral(seed=5)
    x3, _ = load_spiral(seed=6)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(t1, t2)
    assert not np.array_equal(x1, x3)


def test_global_rng_untouched():
    np.random.seed(123)
    expected = np.random.random(5)
    np.random.seed(123)
    load_spiral()
    load_spiral(seed=None)
    np.testing.assert_array_equal(np.random.random(5), expected)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"n_per_class": 0}, ValueError, "n_per_class"),
        ({"n_classes": -1}, ValueError, "n_classes"),
        ({"n_per_class": 2.5}, TypeError, "n_per_class"),
        ({"n_classes": True}, TypeError, "n_classes"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        load_spiral(**kwargs)
