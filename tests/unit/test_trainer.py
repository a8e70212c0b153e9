"""Trainer 与 clip_grads：记录损失、可复现、裁剪、发散时报错、参数检查。"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from nnlearn.datasets import load_spiral
from nnlearn.models import TwoLayerNet
from nnlearn.optim import SGD
from nnlearn.trainer import DIVERGENCE_RATIO, Trainer, TrainingDivergedError, clip_grads, grad_norm


class LinearRegression:
    """最小的模型：y = x @ w，损失为均方误差；满足 Trainer 需要的约定。"""

    def __init__(self, d):
        self.params = [np.zeros(d)]
        self.grads = [np.zeros(d)]
        self.batches = []

    def forward(self, x, t):
        self.batches.append(np.array(x))
        self.x, self.t = x, t
        self.err = x @ self.params[0] - t
        return float(np.mean(self.err**2))

    def backward(self, dout=1.0):
        self.grads[0][...] = dout * 2 * self.x.T @ self.err / len(self.x)


def regression_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    w = np.array([1.0, -2.0, 0.5])
    return x, x @ w


def test_fit_learns_and_records_losses():
    x, t = regression_data()
    model = LinearRegression(3)
    trainer = Trainer(model, SGD(lr=0.1))
    trainer.fit(x, t, max_epoch=20, batch_size=10, eval_interval=6)
    # 120 // 10 = 12 次/轮，共 240 次，每 6 次记一次
    assert len(trainer.loss_list) == 40
    assert trainer.loss_iters == list(range(6, 241, 6))
    assert trainer.loss_epochs[:4] == [1, 1, 2, 2]
    assert trainer.loss_epochs[-1] == 20
    assert trainer.iteration == 240 and trainer.current_epoch == 20
    assert trainer.loss_list[-1] < 1e-3 * trainer.loss_list[0]
    np.testing.assert_allclose(model.params[0], [1.0, -2.0, 0.5], atol=1e-3)


def test_loss_average_is_over_the_interval():
    """每个记录值是该区间各次迭代损失的平均（用模型自己看到的批次重算）。"""
    x, t = regression_data(n=40)
    model = LinearRegression(3)
    seen = []
    forward = model.forward

    def spy(xb, tb):
        loss = forward(xb, tb)
        seen.append(loss)
        return loss

    model.forward = spy
    trainer = Trainer(model, SGD(lr=0.05))
    trainer.fit(x, t, max_epoch=2, batch_size=8, eval_interval=3)
    # 每轮 5 次，共 10 次：3 + 3 + 3 + 收尾 1
    assert trainer.loss_iters == [3, 6, 9, 10]
    expected = [np.mean(seen[0:3]), np.mean(seen[3:6]), np.mean(seen[6:9]), seen[9]]
    np.testing.assert_allclose(trainer.loss_list, expected)


def test_each_epoch_sees_every_sample_once_when_divisible():
    x, t = regression_data(n=30)
    x = np.arange(30.0)[:, None] * np.ones((1, 3))
    model = LinearRegression(3)
    Trainer(model, SGD(lr=1e-6)).fit(x, t, max_epoch=2, batch_size=5, eval_interval=None)
    first_epoch = np.concatenate(model.batches[:6])[:, 0]
    second_epoch = np.concatenate(model.batches[6:])[:, 0]
    assert sorted(first_epoch) == list(range(30))
    assert sorted(second_epoch) == list(range(30))
    assert not np.array_equal(first_epoch, second_epoch)  # 每轮重新打乱


def test_shuffle_is_seeded_and_leaves_global_rng_alone():
    x, t = regression_data()
    np.random.seed(7)
    expected = np.random.random(3)
    np.random.seed(7)
    runs = []
    for seed in (1, 1, 2):
        model = LinearRegression(3)
        tr = Trainer(model, SGD(lr=0.05), seed=seed)
        tr.fit(x, t, max_epoch=2, batch_size=16, eval_interval=2)
        runs.append(tr.loss_list)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    np.testing.assert_array_equal(np.random.random(3), expected)


def test_fit_seed_resets_the_generator():
    x, t = regression_data()
    a = Trainer(LinearRegression(3), SGD(lr=0.05), seed=0)
    a.fit(x, t, max_epoch=1, batch_size=16, eval_interval=1, seed=4)
    b = Trainer(LinearRegression(3), SGD(lr=0.05), seed=4)
    b.fit(x, t, max_epoch=1, batch_size=16, eval_interval=1)
    assert a.loss_list == b.loss_list


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data_is_refused_before_training(bad):
    x, t = regression_data(n=40)
    x[25, 2] = bad
    model = LinearRegression(3)
    with pytest.raises(ValueError, match="x 的第 25 行第 2 列是"):
        Trainer(model, SGD(lr=0.1)).fit(x, t, max_epoch=3, batch_size=10)
    assert model.batches == []  # 一次前向都没做
    np.testing.assert_array_equal(model.params[0], np.zeros(3))


def test_non_finite_labels_are_refused_before_training():
    x, t = regression_data(n=40)
    t[7] = np.nan
    with pytest.raises(ValueError, match="t 的第 7 行是 nan"):
        Trainer(LinearRegression(3), SGD()).fit(x, t, batch_size=10)


def test_non_finite_gradient_stops_before_the_update():
    x, t = regression_data(n=40)
    model = LinearRegression(3)
    backward = model.backward
    history = []

    def breaks_at_third_step(dout=1.0):
        backward(dout)
        if len(model.batches) == 3:
            model.grads[0][1] = np.inf
        history.append(model.params[0].copy())

    model.backward = breaks_at_third_step
    with pytest.raises(TrainingDivergedError, match=r"第 1 轮第 3 次迭代.*梯度.*1 个 NaN/inf.*参数没有更新"):
        Trainer(model, SGD(lr=0.1)).fit(x, t, max_epoch=1, batch_size=10)
    np.testing.assert_array_equal(model.params[0], history[-1])  # 仍是第 3 步之前的值
    assert np.all(np.isfinite(model.params[0]))


def test_non_finite_gradient_is_named_by_the_models_param_names():
    x, t = load_spiral()
    net = TwoLayerNet(2, 4, 3, seed=0)
    before = [p.copy() for p in net.params]
    backward = net.backward

    def nan_b1(dout=1.0):
        backward(dout)
        net.grads[1][0] = np.nan

    net.backward = nan_b1
    with pytest.raises(TrainingDivergedError, match="b1 的梯度"):
        Trainer(net, SGD()).fit(x, t, batch_size=30, max_grad=1.0)
    for p, q in zip(net.params, before, strict=True):
        np.testing.assert_array_equal(p, q)


def test_divergence_with_huge_learning_rate_names_the_iteration():
    x, t = regression_data(n=40)
    model = LinearRegression(3)
    trainer = Trainer(model, SGD(lr=1e3))
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(
        TrainingDivergedError, match=r"第 (\d+) 轮第 (\d+) 次迭代（累计第 (\d+) 次）"
    ) as err:
        trainer.fit(x, t, max_epoch=100, batch_size=10)
    # 报告里的累计次数就是 trainer 停下时的迭代数
    assert f"累计第 {trainer.iteration} 次" in str(err.value)
    assert trainer.iteration > 1


def test_a_loss_that_grows_by_orders_of_magnitude_is_divergence():
    x, t = regression_data(n=40)
    losses = []
    model = LinearRegression(3)
    forward = model.forward

    def spy(xb, tb):
        losses.append(forward(xb, tb))
        return losses[-1]

    model.forward = spy
    trainer = Trainer(model, SGD(lr=3.0))
    with pytest.raises(TrainingDivergedError, match=r"损失变成了 [\d.e+]{1,10}，超过了第一次损失") as err:
        trainer.fit(x, t, max_epoch=100, batch_size=10)
    # 停在第一个超过 1000 倍的损失上，远在溢出成 inf 之前；数字是格式化过的
    assert np.isfinite(losses[-1])
    assert losses[-1] > DIVERGENCE_RATIO * max(losses[0], 1.0) >= max(losses[:-1])
    assert len(str(err.value)) < 200


def test_clip_grads_scales_to_max_norm_in_place():
    g1 = np.array([[3.0, 0.0]])
    g2 = np.array([0.0, 4.0, 12.0])  # 总范数 sqrt(9 + 16 + 144) = 13
    ids = (id(g1), id(g2))
    total = clip_grads([g1, g2], 1.3)
    assert total == pytest.approx(13.0)
    assert (id(g1), id(g2)) == ids
    new_norm = np.sqrt(np.sum(g1**2) + np.sum(g2**2))
    assert new_norm == pytest.approx(1.3, rel=1e-6)
    np.testing.assert_allclose(g2 / g2[2], [0.0, 4 / 12, 1.0])  # 方向不变


def test_clip_grads_leaves_small_gradients_alone():
    g = [np.array([0.3, 0.4])]
    assert clip_grads(g, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(g[0], [0.3, 0.4])


@pytest.mark.parametrize(("bad", "exc"), [(0, ValueError), (-1.0, ValueError), (float("inf"), ValueError),
                                          (float("nan"), ValueError), ("1.0", TypeError), (True, TypeError)])
def test_bad_max_norm_is_the_same_error_in_clip_grads_and_fit(bad, exc):
    with pytest.raises(exc, match="max_norm"):
        clip_grads([np.ones(2)], bad)
    x, t = regression_data()
    with pytest.raises(exc, match="max_grad"):
        Trainer(LinearRegression(3), SGD()).fit(x, t, max_grad=bad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grads_does_not_overflow(dtype):
    big = 1e20 if dtype == np.float32 else 1e200
    g = [np.array([big], dtype)]
    assert clip_grads(g, 1.0) == pytest.approx(big, rel=1e-6)
    assert g[0].dtype == dtype
    np.testing.assert_allclose(g[0], [1.0], rtol=1e-6)
    pair = [np.array([3 * big], dtype), np.array([[4 * big]], dtype)]
    assert clip_grads(pair, 1.0) == pytest.approx(5 * big, rel=1e-6)
    np.testing.assert_allclose([pair[0][0], pair[1][0, 0]], [0.6, 0.8], rtol=1e-6)


def test_clip_grads_needs_a_list():
    with pytest.raises(TypeError, match="grads 应是梯度数组的列表"):
        clip_grads(np.ones(3), 1.0)


def test_grad_norm_of_tiny_and_empty_gradients():
    assert grad_norm([np.array([3e-200]), np.array([4e-200])]) == pytest.approx(5e-200)
    assert grad_norm([np.zeros(3), np.zeros(0)]) == 0.0
    assert grad_norm([]) == 0.0


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_clip_grads_refuses_non_finite_gradients_and_changes_nothing(bad):
    g = [np.array([1.0, 2.0]), np.array([[0.5, bad]])]
    with pytest.raises(TrainingDivergedError, match=r"第 1 个梯度.*\(1, 2\).*1 个 NaN/inf.*\[0, 1\]"):
        clip_grads(g, 1.0)
    np.testing.assert_array_equal(g[0], [1.0, 2.0])


def test_max_grad_is_applied_during_fit():
    x, t = regression_data()
    norms = []

    class Spy(SGD):
        def update(self, params, grads):
            norms.append(float(np.sqrt(sum(np.sum(g * g) for g in grads))))
            super().update(params, grads)

    Trainer(LinearRegression(3), Spy(lr=0.01)).fit(x, t, max_epoch=1, batch_size=10,
                                                   max_grad=0.5)
    assert max(norms) <= 0.5 + 1e-9
    assert norms[0] == pytest.approx(0.5, rel=1e-5)  # 起步时梯度很大，被裁到 0.5


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 500}, ValueError, "batch_size=500 超过了样本数 120"),
        ({"batch_size": 2.0}, TypeError, "batch_size"),
        ({"max_epoch": 0}, ValueError, "max_epoch"),
        ({"eval_interval": 0}, ValueError, "eval_interval"),
        ({"max_grad": -1.0}, ValueError, "max_grad"),
        ({"seed": -1}, ValueError, "seed"),
        ({"max_epoch": 1.5}, TypeError, "max_epoch"),
    ],
)
def test_bad_fit_arguments(kwargs, exc, match):
    x, t = regression_data()
    with pytest.raises(exc, match=match):
        Trainer(LinearRegression(3), SGD()).fit(x, t, **kwargs)


def test_mismatched_lengths():
    x, t = regression_data()
    with pytest.raises(ValueError, match=r"样本数应相同.*\(120, 3\).*\(119,\)"):
        Trainer(LinearRegression(3), SGD()).fit(x, t[:-1])


def test_bad_model_or_optimizer():
    with pytest.raises(TypeError, match="backward"):
        Trainer(object(), SGD())
    with pytest.raises(TypeError, match="update"):
        Trainer(LinearRegression(3), object())


def test_progress_bar_quiet_unless_asked(capsys):
    x, t = regression_data()
    Trainer(LinearRegression(3), SGD()).fit(x, t, max_epoch=1, batch_size=10)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    Trainer(LinearRegression(3), SGD()).fit(x, t, max_epoch=1, batch_size=10, verbose=True)
    assert "12/12" in capsys.readouterr().err


def test_plot_returns_a_figure_of_the_losses():
    x, t = regression_data()
    trainer = Trainer(LinearRegression(3), SGD(lr=0.05))
    trainer.fit(x, t, max_epoch=3, batch_size=10, eval_interval=4)
    fig = trainer.plot()
    assert isinstance(fig, Figure)
    (line,) = fig.axes[0].get_lines()
    np.testing.assert_array_equal(line.get_xdata(), trainer.loss_iters)
    np.testing.assert_array_equal(line.get_ydata(), trainer.loss_list)


def test_data_is_cast_once_to_the_models_dtype():
    x, t = regression_data()
    model = LinearRegression(3)
    model.params, model.grads = [np.zeros(3, np.float32)], [np.zeros(3, np.float32)]
    Trainer(model, SGD(lr=0.05)).fit(x, t, max_epoch=1, batch_size=10)
    assert {b.dtype for b in model.batches} == {np.dtype(np.float32)}
    assert model.params[0].dtype == np.float32


def test_float32_net_trains_in_float32_on_float64_spiral_data():
    x, t = load_spiral()
    net = TwoLayerNet(2, 10, 3, seed=0, dtype=np.float32)
    seen = []
    predict = net.predict

    def spy(xb):
        seen.append(xb.dtype)
        return predict(xb)

    net.predict = spy
    Trainer(net, SGD(lr=1.0)).fit(x, t, max_epoch=2, batch_size=30)
    assert set(seen) == {np.dtype(np.float32)}
    assert all(p.dtype == np.float32 for p in net.params)


def test_bad_data_types_and_empty_data():
    x, t = regression_data()
    with pytest.raises(TypeError, match="x"):
        Trainer(LinearRegression(3), SGD()).fit(x > 0, t)
    with pytest.raises(ValueError, match="为空"):
        Trainer(LinearRegression(3), SGD()).fit(x[:0], t[:0], batch_size=1)


def test_trainer_seed_is_validated():
    with pytest.raises(ValueError, match="seed"):
        Trainer(LinearRegression(3), SGD(), seed=-1)
    with pytest.raises(TypeError, match="seed"):
        Trainer(LinearRegression(3), SGD(), seed=1.5)


def spiral_split():
    x, t = load_spiral()
    order = np.random.default_rng(0).permutation(len(x))
    return x[order[:240]], t[order[:240]], x[order[240:]], t[order[240:]]


def test_validation_accuracy_is_recorded_once_per_epoch():
    x, t, x_val, t_val = spiral_split()
    net = TwoLayerNet(2, 10, 3, seed=0)
    trainer = Trainer(net, SGD(lr=1.0)).fit(x, t, max_epoch=4, batch_size=30, x_val=x_val, t_val=t_val)
    assert trainer.acc_epochs == [1, 2, 3, 4]
    assert len(trainer.train_acc_list) == len(trainer.val_acc_list) == 4
    assert trainer.train_acc_list[-1] == net.accuracy(x, t)
    assert trainer.val_acc_list[-1] == net.accuracy(x_val, t_val)
    # 书中的接口不变：loss_list 照常记录
    assert len(trainer.loss_list) == 4 * 8 // 20 + 1


def test_without_validation_data_no_accuracy_is_recorded():
    x, t, _, _ = spiral_split()
    trainer = Trainer(TwoLayerNet(2, 10, 3, seed=0), SGD()).fit(x, t, max_epoch=2, batch_size=30)
    assert trainer.train_acc_list == trainer.val_acc_list == trainer.acc_epochs == []


def test_validation_needs_both_arrays_and_a_model_with_accuracy():
    x, t, x_val, t_val = spiral_split()
    with pytest.raises(ValueError, match="同时给出"):
        Trainer(TwoLayerNet(2, 10, 3), SGD()).fit(x, t, x_val=x_val)
    xr, tr = regression_data()
    with pytest.raises(TypeError, match="accuracy"):
        Trainer(LinearRegression(3), SGD()).fit(xr, tr, x_val=xr, t_val=tr)
    with pytest.raises(ValueError, match="x_val 与 t_val 的样本数"):
        Trainer(TwoLayerNet(2, 10, 3), SGD()).fit(x, t, x_val=x_val, t_val=t_val[:-1])


def test_callback_runs_after_each_epoch():
    x, t, x_val, t_val = spiral_split()
    calls = []

    def callback(epoch, trainer):
        calls.append((epoch, trainer.current_epoch, len(trainer.val_acc_list), trainer.iteration))

    trainer = Trainer(TwoLayerNet(2, 10, 3, seed=0), SGD())
    trainer.fit(x, t, max_epoch=3, batch_size=30, x_val=x_val, t_val=t_val, callback=callback)
    assert calls == [(1, 1, 1, 8), (2, 2, 2, 16), (3, 3, 3, 24)]
    trainer.fit(x, t, max_epoch=1, batch_size=30, callback=callback)  # 轮次接着数
    assert calls[-1][:2] == (4, 4)
    with pytest.raises(TypeError, match="callback"):
        trainer.fit(x, t, callback="print")


@settings(max_examples=60, deadline=None)
@given(exponent=st.floats(-300, 300), max_norm=st.floats(1e-3, 1e3),
       shapes=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=3),
       seed=st.integers(0, 2**32 - 1))
def test_clip_grads_at_any_magnitude(exponent, max_norm, shapes, seed):
    # 无论梯度多大多小：返回真实范数，裁剪后范数不超过 max_norm，方向不变
    rng = np.random.default_rng(seed)
    grads = [10.0**exponent * rng.standard_normal(s) for s in shapes]
    unit = [g / 10.0**exponent for g in grads]
    true_norm = 10.0**exponent * np.sqrt(sum(np.sum(u * u) for u in unit))
    before = [g.copy() for g in grads]
    assert clip_grads(grads, max_norm) == pytest.approx(true_norm, rel=1e-9)
    new_norm = np.sqrt(sum(np.sum((g / max_norm) ** 2) for g in grads)) * max_norm
    assert new_norm <= max_norm * (1 + 1e-9)
    rate = grads[0].flat[0] / before[0].flat[0]
    assert 0 < rate <= 1
    for g, b in zip(grads, before, strict=True):
        np.testing.assert_allclose(g, rate * b, rtol=1e-9)


def test_validation_data_of_another_width_is_refused_before_training():
    x, t, x_val, t_val = spiral_split()
    net = TwoLayerNet(2, 10, 3, seed=0)
    before = net.params[0].copy()
    with pytest.raises(ValueError, match=r"x_val 每个样本的形状应与 x 相同.*\(60, 1\)"):
        Trainer(net, SGD()).fit(x, t, x_val=x_val[:, :1], t_val=t_val)
    np.testing.assert_array_equal(net.params[0], before)


def test_verbose_must_be_a_bool_or_none():
    x, t = regression_data()
    with pytest.raises(TypeError, match="verbose"):
        Trainer(LinearRegression(3), SGD()).fit(x, t, verbose="yes")
