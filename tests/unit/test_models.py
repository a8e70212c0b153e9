"""TwoLayerNet：结构、初始化、参数共享、梯度检查，以及书中设置下的训练效果。"""

import time

import numpy as np
import pytest

from nnlearn.datasets import load_spiral
from nnlearn.gradient import gradient_check
from nnlearn.layers import Affine, Sigmoid, SoftmaxWithLoss
from nnlearn.models import TwoLayerNet
from nnlearn.optim import SGD
from nnlearn.trainer import Trainer


def scaled_net(seed=0, scale=100.0):
    """把权重放大到标准正态的量级、偏置取随机值：初始的 0.01 倍权重让 W1 的梯度只有
    1e-5 左右，数值差分的舍入误差就会占到 1e-7 的量级，检查不出真正的错误。"""
    net = TwoLayerNet(2, 10, 3, seed=seed)
    rng = np.random.default_rng(seed + 1)
    for p in net.params:
        if p.ndim == 2:
            p *= scale
        else:
            p[...] = 0.1 * rng.standard_normal(p.shape)
    return net


def test_structure_and_param_order():
    net = TwoLayerNet(4, 7, 3, seed=0)
    assert [type(layer) for layer in net.layers] == [Affine, Sigmoid, Affine]
    assert isinstance(net.loss_layer, SoftmaxWithLoss)
    assert net.param_names == ("W1", "b1", "W2", "b2")
    assert [p.shape for p in net.params] == [(4, 7), (7,), (7, 3), (3,)]
    assert [g.shape for g in net.grads] == [(4, 7), (7,), (7, 3), (3,)]
    # 与层手里的是同一批数组：优化器就地更新，层立刻看到
    layer_params = net.layers[0].params + net.layers[2].params
    layer_grads = net.layers[0].grads + net.layers[2].grads
    assert all(a is b for a, b in zip(net.params, layer_params, strict=True))
    assert all(a is b for a, b in zip(net.grads, layer_grads, strict=True))
    assert net.layers[0].input_grad is False


def test_initialisation_follows_the_seed():
    net = TwoLayerNet(2, 10, 3, seed=42)
    rng = np.random.default_rng(42)
    np.testing.assert_array_equal(net.params[0], 0.01 * rng.standard_normal((2, 10)))
    np.testing.assert_array_equal(net.params[2], 0.01 * rng.standard_normal((10, 3)))
    assert not net.params[1].any() and not net.params[3].any()
    other = TwoLayerNet(2, 10, 3, seed=43)
    assert not np.array_equal(net.params[0], other.params[0])


def test_float32_dtype():
    net = TwoLayerNet(2, 5, 3, seed=0, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in net.params)
    assert all(g.dtype == np.float32 for g in net.grads)
    x, t = load_spiral()
    loss = net.forward(x.astype(np.float32), t)
    net.backward()
    assert np.isfinite(loss)
    assert all(g.dtype == np.float32 for g in net.grads)


def test_predict_and_forward_agree_with_the_formulas():
    net = scaled_net(scale=1.0)
    x, t = load_spiral()
    W1, b1, W2, b2 = net.params
    h = 1 / (1 + np.exp(-(x @ W1 + b1)))
    s = h @ W2 + b2
    np.testing.assert_allclose(net.predict(x), s, rtol=1e-12)
    logp = s - s.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    assert net.forward(x, t) == pytest.approx(-np.mean(np.sum(t * logp, axis=1)), rel=1e-12)


def test_backward_returns_none_and_fills_grads():
    net = scaled_net()
    x, t = load_spiral()
    net.forward(x[:30], t[:30])
    assert net.backward() is None
    assert all(np.abs(g).sum() > 0 for g in net.grads)


@pytest.mark.parametrize("labels", ["one-hot", "index"])
def test_gradient_check(labels):
    x, t = load_spiral()
    tt = t[:30] if labels == "one-hot" else t[:30].argmax(axis=1)
    errors = gradient_check(scaled_net(), x[:30], t=tt, max_coords=None)
    assert set(errors) == {"W1", "b1", "W2", "b2"}
    assert max(errors.values()) < 1e-7, errors


def test_gradient_check_catches_a_wrong_gradient():
    """对照：把 W2 的梯度故意弄错，同一检查应当失败。"""
    net = scaled_net()
    original = net.layers[2].backward

    def wrong(dout):
        dx = original(dout)
        net.grads[2] *= 1.01
        return dx

    net.layers[2].backward = wrong
    x, t = load_spiral()
    errors = gradient_check(net, x[:30], t=t[:30])
    assert errors["W2"] > 1e-3


def test_accuracy():
    net = TwoLayerNet(2, 3, 3, seed=0)
    # 让网络输出只由偏置决定：总预测类 1
    net.params[0][...] = 0
    net.params[2][...] = 0
    net.params[3][...] = [0.0, 1.0, 0.0]
    x = np.zeros((4, 2))
    t = np.array([1, 1, 0, 2])
    assert net.accuracy(x, t) == 0.5
    assert net.accuracy(x, np.eye(3, dtype=int)[t]) == 0.5
    with pytest.raises(ValueError, match="批大小"):
        net.accuracy(x, t[:3])


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        ((0, 10, 3), {}, ValueError, "input_size"),
        ((2, -1, 3), {}, ValueError, "hidden_size"),
        ((2, 10, 3.0), {}, TypeError, "output_size"),
        ((2, 10, 3), {"dtype": np.int64}, TypeError, "浮点"),
    ],
)
def test_bad_constructor_arguments(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        TwoLayerNet(*args, **kwargs)


def test_book_setting_learns_the_spiral():
    """书中的设置：隐藏层 10、批大小 30、学习率 1.0 的 SGD、300 轮。"""
    x, t = load_spiral()
    net = TwoLayerNet(2, 10, 3, seed=0)
    trainer = Trainer(net, SGD(lr=1.0), seed=0)
    start = time.perf_counter()
    trainer.fit(x, t, max_epoch=300, batch_size=30, eval_interval=10)
    elapsed = time.perf_counter() - start
    losses = np.array(trainer.loss_list)
    assert len(losses) == 300  # 每轮 10 次迭代，每 10 次记一次
    assert losses[0] > 1.0  # 从随机猜（ln 3 ≈ 1.10）附近开始
    assert losses[-1] < 0.2
    # 曲线整体下降：每 30 个点的平均值单调减小
    chunks = losses.reshape(10, 30).mean(axis=1)
    assert np.all(np.diff(chunks) < 0), chunks
    assert net.accuracy(x, t) >= 0.95
    assert elapsed < 10.0  # 通常约 1 秒


def test_float32_training_stays_float32():
    """§1.5：float32 也能训练，参数、梯度与优化器状态都保持 float32。"""
    from nnlearn.optim import Adam

    x, t = load_spiral()
    net = TwoLayerNet(2, 10, 3, seed=0, dtype=np.float32)
    opt = Adam(lr=0.05)
    Trainer(net, opt).fit(x.astype(np.float32), t, max_epoch=100, batch_size=30)
    assert all(p.dtype == np.float32 for p in net.params)
    assert all(a.dtype == np.float32 for a in opt.m + opt.v)
    assert net.accuracy(x.astype(np.float32), t) >= 0.9


def test_float32_net_computes_float64_data_in_float32():
    """精度规则：float32 的网络收到 float64 数据时先转换，全程 float32（以前悄悄升到 float64）。"""
    net = TwoLayerNet(2, 10, 3, seed=0, dtype=np.float32)
    x, t = load_spiral()
    assert net.predict(x).dtype == np.float32
    net.forward(x, t)
    assert net.loss_layer.y.dtype == np.float32
    net.backward()
    assert all(g.dtype == np.float32 for g in net.grads)


@pytest.mark.parametrize(("scale", "std1", "std2"), [
    ("xavier", 1 / np.sqrt(2), 1 / np.sqrt(10)),
    ("he", 1.0, np.sqrt(2 / 10)),
    (0.5, 0.5, 0.5),
])
def test_weight_scale(scale, std1, std2):
    """每层的标准差由它的输入个数决定；同一个种子下就是标准正态乘以这个数。"""
    net = TwoLayerNet(2, 10, 3, seed=7, weight_scale=scale)
    rng = np.random.default_rng(7)
    np.testing.assert_allclose(net.params[0], std1 * rng.standard_normal((2, 10)), rtol=1e-15)
    np.testing.assert_allclose(net.params[2], std2 * rng.standard_normal((10, 3)), rtol=1e-15)


def test_accuracy_with_one_hot_and_float32():
    net = TwoLayerNet(2, 3, 3, seed=0, dtype=np.float32)
    x, t = load_spiral()
    idx = t.argmax(axis=1)
    assert net.accuracy(x, t) == net.accuracy(x, idx)
    assert net.accuracy(x, idx) == np.mean(net.predict(x).argmax(axis=1) == idx)
