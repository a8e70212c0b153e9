"""§1.3.6 的图（hooks/figure_specs/update.py）与它们用到的玩具函数。"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from site_specs import load_spec

from nnlearn.optim import SGD, Adam, Momentum

update = load_spec("update")
bowl, bowl_grad, descend, parabola_grad = (update.bowl, update.bowl_grad, update.descend,
                                           update.parabola_grad)
default_optimizers, learning_rate_paths, optimizer_paths = (
    update.default_optimizers, update.learning_rate_paths, update.optimizer_paths)
PAGE = Path(__file__).resolve().parents[2] / "docs" / "learning" / "update.md"


def test_bowl_grad_matches_central_difference() -> None:
    rng = np.random.default_rng(0)
    h = 1e-5
    for p in rng.uniform(-8, 8, size=(5, 2)):
        numeric = np.array([
            (bowl(p + h * e) - bowl(p - h * e)) / (2 * h) for e in np.eye(2)
        ])
        np.testing.assert_allclose(bowl_grad(p), numeric, rtol=1e-7, atol=1e-9)


def test_descend_with_sgd_on_parabola_is_geometric() -> None:
    # x ← x − η·2x = (1 − 2η)x：每一步乘以同一个因子
    path = descend(SGD(lr=0.1), parabola_grad, 3.0, steps=5)
    assert path.shape == (6, 1)
    np.testing.assert_allclose(path[:, 0], 3.0 * 0.8 ** np.arange(6))


def test_descend_with_momentum_matches_hand_computation() -> None:
    # v₁ = −η g₀, x₁ = x₀ + v₁；v₂ = α v₁ − η g₁, x₂ = x₁ + v₂
    path = descend(Momentum(lr=0.1, momentum=0.9), bowl_grad, (-7.0, 2.0), steps=2)
    x0 = np.array([-7.0, 2.0])
    v1 = -0.1 * np.array([x0[0] / 10, 2 * x0[1]])
    x1 = x0 + v1
    v2 = 0.9 * v1 - 0.1 * np.array([x1[0] / 10, 2 * x1[1]])
    np.testing.assert_allclose(path, [x0, x1, x1 + v2])


def test_descend_does_not_modify_start() -> None:
    start = np.array([-7.0, 2.0])
    descend(SGD(lr=0.5), bowl_grad, start, steps=3)
    assert start.tolist() == [-7.0, 2.0]


def test_default_optimizers_all_approach_the_minimum() -> None:
    for name, opt in default_optimizers().items():
        path = descend(opt, bowl_grad, (-7.0, 2.0), steps=30)
        assert bowl(path[-1]) < 0.2 * bowl(path[0]), name


def test_optimizer_paths_draws_one_path_per_optimizer() -> None:
    fig = optimizer_paths()
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in visible] == [
        "SGD（η=0.95）", "Momentum（η=0.1）", "AdaGrad（η=1.5）",
        "RMSprop（η=0.1）", "Adam（η=0.3）",
    ]
    # 每张子图的第一条线是路径：31 个点，从 (-7, 2) 出发，与 descend 算出的一样
    expected = descend(Adam(lr=0.3), bowl_grad, (-7.0, 2.0), steps=30)
    line = visible[-1].lines[0]
    np.testing.assert_allclose(np.column_stack(line.get_data()), expected)


def test_optimizer_paths_accepts_custom_optimizers() -> None:
    fig = optimizer_paths({"SGD": SGD(lr=0.5)}, steps=5)
    (ax,) = fig.axes
    assert len(ax.lines[0].get_xdata()) == 6


def test_learning_rate_paths_shows_divergence_for_large_lr() -> None:
    fig = learning_rate_paths((0.1, 1.05), start=4.0, steps=10)
    small, large = (ax.lines[1].get_xdata() for ax in fig.axes)
    assert abs(small[-1]) < abs(small[0])
    assert abs(large[-1]) > abs(large[0])  # |1 − 2·1.05| = 1.1 > 1：越走越远
    assert "η = 1.05" in fig.axes[1].get_title()


def test_learning_rate_figure_shows_every_rate_the_page_runs() -> None:
    # 页面的代码块跑几个学习率，图里就有几张子图（曾经漏掉过 0.9）
    rates = re.search(r"for lr in \(([^)]*)\):\n\s+\w+ = descend\(SGD", PAGE.read_text("utf-8"))
    assert rates is not None, "update.md 里找不到用 descend 跑几个学习率的代码块"
    on_page = tuple(float(v) for v in rates.group(1).split(","))
    assert on_page == update.LEARNING_RATES
    fig = learning_rate_paths()
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert [t.split("，")[0] for t in titles] == [f"η = {lr:g}" for lr in on_page]


def test_multi_panel_figures_fit_the_content_column() -> None:
    for fig in (optimizer_paths(), learning_rate_paths()):
        assert fig.get_size_inches()[0] <= 7.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"optimizer": "sgd", "steps": 3}, TypeError, "optimizer"),
        ({"optimizer": SGD(lr=0.1), "steps": 0}, ValueError, "steps"),
        ({"optimizer": SGD(lr=0.1), "steps": 2.5}, ValueError, "steps"),
    ],
)
def test_descend_rejects_bad_input(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        descend(grad=bowl_grad, start=(1.0, 1.0), **kwargs)


def test_bad_start_and_empty_inputs() -> None:
    with pytest.raises(ValueError, match="start"):
        descend(SGD(lr=0.1), bowl_grad, (np.nan, 1.0), steps=1)
    with pytest.raises(ValueError, match="最后一维应为 2"):
        bowl_grad(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="optimizers"):
        optimizer_paths({})
    with pytest.raises(ValueError, match=r"SGD 在第 \d+ 步发散"):
        optimizer_paths({"SGD": SGD(lr=50.0)}, steps=200)


def test_cosine_lr_runs_from_the_start_value_to_zero() -> None:
    assert update.cosine_lr(10.0, 0, 300) == 10.0
    assert update.cosine_lr(10.0, 150, 300) == pytest.approx(5.0)
    assert update.cosine_lr(10.0, 300, 300) == 0.0
    rates = [update.cosine_lr(1.0, e, 300) for e in range(301)]
    assert all(a >= b for a, b in itertools.pairwise(rates))


def test_schedule_figure_draws_the_runs_the_page_prints() -> None:
    """图里的四次训练就是页面代码块跑的那四次：名字、起始学习率、第 300 轮的损失都一致。"""
    text = PAGE.read_text("utf-8")
    block = re.search(r"runs = \{\n(.*?)\n\}", text, re.S)
    assert block is not None, "update.md 里找不到学习率调度的 runs = {...} 代码块"
    on_page = {m[1]: (float(m[2]), m[3] != "None")
               for m in re.finditer(r'"([^"]+)": \(([\d.]+), (None|cosine_schedule\([^)]*\))\)', block[1])}
    assert on_page == update.SCHEDULE_RUNS
    fig = update.lr_schedule()
    left, right = fig.axes
    assert [line.get_label() for line in right.lines] == list(update.SCHEDULE_RUNS)
    for name, (lr, cosine) in update.SCHEDULE_RUNS.items():
        printed = re.search(rf"^{re.escape(name)}\s+第 300 轮 ([\d.]+)", text, re.M)
        assert printed is not None, f"页面输出里没有 {name} 那一行"
        losses = update.spiral_losses(lr, cosine)
        assert f"{losses[-1]:.3f}" == printed[1]
        line = right.lines[list(update.SCHEDULE_RUNS).index(name)]
        assert line.get_ydata()[-1] == losses[-1]
    rates = {line.get_label(): line.get_ydata() for line in left.lines}
    assert rates["余弦 10→0"][0] == 10.0 and rates["余弦 10→0"][-1] < 0.01
    assert set(rates["恒定 η=10"]) == {10.0}
