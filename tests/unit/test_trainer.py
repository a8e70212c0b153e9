"""Trainer 与 clip_grads：记录损失、可复现、裁剪、发散时报错、参数检查。"""

import time

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlearn.optim import SGD
from nnlearn.trainer import Trainer, TrainingDivergedError, clip_grads


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


def test_nan_in_data_stops_with_epoch_and_iteration():
    x, t = regression_data(n=40)
    x[25] = np.nan  # 第一轮总有一个批次会碰到它
    model = LinearRegression(3)
    with pytest.raises(FloatingPointError, match=r"第 1 轮第 \d+ 次迭代.*减小学习率") as err:
        Trainer(model, SGD(lr=0.1)).fit(x, t, max_epoch=3, batch_size=10)
    assert isinstance(err.value, TrainingDivergedError)


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


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan")])
def test_clip_grads_bad_max_norm(bad):
    with pytest.raises(ValueError, match="max_norm"):
        clip_grads([np.ones(2)], bad)


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


def test_fit_is_not_slow_for_a_small_model():
    """Trainer 自身的开销应远小于计算：3000 次迭代的线性模型在 1 秒内。"""
    x, t = regression_data(n=300)
    start = time.perf_counter()
    Trainer(LinearRegression(3), SGD(lr=0.05)).fit(x, t, max_epoch=300, batch_size=30)
    assert time.perf_counter() - start < 1.0
