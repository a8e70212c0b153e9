"""训练游乐场（hooks/figure_specs/playground.py）：网格、快照、图片、index.json，面板命令与命令行逐位一致。"""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from site_specs import load_spec

from nnlearn.datasets import load_spiral
from nnlearn.models import TwoLayerNet
from nnlearn.optim import SGD
from nnlearn.plotting.style import CLASS_MARKERS, COLORS
from nnlearn.recipe import TrainConfig
from nnlearn.trainer import Trainer

pg = load_spec("playground")

ROOT = Path(__file__).resolve().parents[2]


def test_grid_is_the_cartesian_product_in_a_fixed_order() -> None:
    settings = pg.grid_settings({"hidden_size": (3, 10), "lr": (0.1,), "optimizer": ("sgd", "adam")})
    assert [(s.hidden_size, s.lr, s.optimizer) for s in settings] == [
        (3, 0.1, "sgd"), (3, 0.1, "adam"), (10, 0.1, "sgd"), (10, 0.1, "adam")]
    assert len({pg.key(s) for s in pg.grid_settings()}) == np.prod([len(v) for v in pg.GRID.values()])
    assert pg.DEFAULT in pg.grid_settings()  # 书中的设置是网格里的一格


def test_grid_rejects_unknown_axes() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        pg.grid_settings({"batch_size": (10, 30)})


def test_panel_key_and_shown_command() -> None:
    s = TrainConfig(hidden_size=3, lr=0.1, optimizer="adam", epochs=20, batch_size=50, seed=7)
    assert pg.key(s) == "h3-lr0.1-adam"
    # 面板下显示的命令是 recipe 的多行写法：每行 ≤ 60 个字符，1280 px 的页面上看得全
    files = pg.build_playground([TrainConfig(hidden_size=3, epochs=2)], frames=2)
    command = json.loads(files[pg.PREFIX + "index.json"])["panels"][0]["command"]
    assert command == TrainConfig(hidden_size=3, epochs=2).command(multiline=True)
    assert "\n" in command and max(len(line) for line in command.splitlines()) <= 60
    table = pg.summary_markdown(files)
    assert "<br>" in table and "&#92;<br>" in table and "\\<br>" not in table


@pytest.mark.parametrize(("epochs", "count"), [(300, 13), (300, 2), (5, 10), (1, 3)])
def test_snapshot_epochs_start_at_zero_end_at_last_and_increase(epochs: int, count: int) -> None:
    marks = pg.snapshot_epochs(epochs, count)
    assert marks[0] == 0 and marks[-1] == epochs
    assert all(a < b for a, b in itertools.pairwise(marks))
    assert len(marks) <= count


def test_snapshot_epochs_rejects_bad_counts() -> None:
    with pytest.raises(ValueError, match="count"):
        pg.snapshot_epochs(300, 1)


def test_class_map_orientation() -> None:
    """第 0 行是图的顶部（y 最大），第 0 列是左边（x 最小）。"""
    def predict(points: np.ndarray) -> np.ndarray:
        # 类别 0：上半平面；类别 1：下半平面
        return np.column_stack([points[:, 1], -points[:, 1]])

    cmap = pg.class_map(predict, size=10)
    assert cmap.shape == (10, 10) and cmap.dtype == np.uint8
    assert (cmap[:5] == 0).all() and (cmap[5:] == 1).all()


def test_boundary_png_is_a_small_palette_image() -> None:
    x, t = load_spiral()
    labels = t.argmax(axis=1)
    cmap = np.zeros((50, 50), dtype=np.uint8)
    cmap[:, 25:] = 2
    png = pg.boundary_png(cmap, x, labels, pixels=120)
    img = Image.open(io.BytesIO(png))
    assert img.size == (120, 120) and img.mode == "P"
    colours = img.convert("RGB").getcolors()
    assert colours is not None and len(colours) <= 8  # 3 种区域色 + 3 种点色 + 白色 + 图例文字
    # 左上角是类别 0 的区域色，右上角是类别 2 的区域色，二者不同
    rgb = img.convert("RGB")
    assert rgb.getpixel((1, 1)) != rgb.getpixel((118, 1))
    assert len(png) < 10_000


def test_points_use_the_site_wide_class_colours_and_shapes() -> None:
    # 每类一个点，画在空白的大图中央：颜色是 COLORS[k]，形状由 CLASS_MARKERS[k] 决定
    shapes = []
    for k in range(3):
        x = np.array([[0.0, 0.0]])
        layer, mask = pg.points_layer(x, np.array([k]), n_classes=3, pixels=200, legend=False)
        m = np.asarray(mask) > 0
        rows, cols = np.nonzero(m)
        box = m[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
        shapes.append(box.mean())  # 填满外接框的比例：方块≈1，圆≈0.79，三角≈0.5
        idx = np.asarray(layer)[rows.mean().round().astype(int), cols.mean().round().astype(int)]
        rgb = pg._palette(3)[3 * idx:3 * idx + 3]
        assert "#" + "".join(f"{c:02x}" for c in rgb) == COLORS[k]
    assert CLASS_MARKERS[:3] == ("o", "^", "s")
    circle, triangle, square = shapes
    assert triangle < circle < square
    assert square > 0.95 and 0.7 < circle < 0.85


def test_frames_carry_a_class_legend() -> None:
    # 每张边界图的右下角有图例：三种形状各一个、文字是深灰
    x, t = load_spiral()
    with_legend, _ = pg.points_layer(x, t.argmax(axis=1), n_classes=3)
    without, _ = pg.points_layer(x, t.argmax(axis=1), n_classes=3, legend=False)
    corner = (slice(500, 600), slice(450, 600))
    assert (np.asarray(without)[corner] == 0).all()  # 那里本来没有点
    assert {3, 4, 5, 6, 7} <= set(np.unique(np.asarray(with_legend)[corner]))


def test_frames_are_drawn_at_twice_the_displayed_size() -> None:
    # 页面按 300 CSS 像素显示边界图（playground.css）：600 像素在高分屏上也清晰
    assert pg.PIXELS == 600


def test_boundary_png_rejects_non_square_maps() -> None:
    x, t = load_spiral(n_per_class=5)
    with pytest.raises(ValueError, match="方形"):
        pg.boundary_png(np.zeros((4, 6), dtype=np.uint8), x, t.argmax(axis=1))


def test_train_run_matches_one_uninterrupted_fit() -> None:
    """分段训练（为了画快照）与一次 fit 完得到相同的损失和准确率。"""
    setting = TrainConfig(hidden_size=5, lr=1.0, optimizer="sgd", epochs=12)
    run = pg.train_run(setting, [0, 1, 4, 12], map_size=20)
    assert run.snapshots == [0, 1, 4, 12]
    assert len(run.maps) == 4 and run.maps[0].shape == (20, 20)
    assert len(run.losses) == 12

    x, t = load_spiral()
    model = TwoLayerNet(2, 5, 3, seed=0)
    trainer = Trainer(model, SGD(lr=1.0), seed=0)
    trainer.fit(x, t, max_epoch=12, batch_size=30, eval_interval=10, verbose=False)
    assert run.losses == trainer.loss_list
    assert run.accuracies[-1] == model.accuracy(x, t)
    # 训练前整个平面是同一类，准确率是三分之一
    assert len(np.unique(run.maps[0])) == 1
    assert run.accuracies[0] == pytest.approx(1 / 3)


def test_train_run_records_divergence() -> None:
    """Sigmoid + 精确的 log-softmax 很难发散；学习率大到参数溢出成 inf 时才会出现 NaN。"""
    setting = TrainConfig(hidden_size=10, lr=1e308, optimizer="sgd", epochs=20)
    run = pg.train_run(setting, [0, 10, 20], map_size=10)
    assert run.diverged_at == 1
    assert run.final_loss is None  # 第一轮没走完，没有一轮的平均损失
    assert len(run.maps) == 3  # 发散后的快照沿用发散前的最后一张
    assert all((m == run.maps[0]).all() for m in run.maps)


def test_loss_png_geometry_marks_the_axes() -> None:
    run = pg.PlaygroundRun(TrainConfig(epochs=10), losses=[1.1, 0.9, 0.7, 0.5, 0.4,
                                                           0.35, 0.3, 0.28, 0.26, 0.25])
    png, geometry = pg.loss_png(run)
    img = Image.open(io.BytesIO(png))
    assert img.mode == "P"
    assert 0 < geometry["left"] < geometry["right"] < 1
    assert 0 < geometry["top"] < geometry["bottom"] < 1
    # 坐标轴的左边框（黑色 spine）正好在 left 记下的位置上
    rgb = np.asarray(img.convert("RGB")).astype(int)
    col = round(geometry["left"] * img.width)
    row = round((geometry["top"] + geometry["bottom"]) / 2 * img.height)
    dark = rgb[row, col - 2:col + 3].sum(axis=1).min()
    assert dark < 200, "left 处应是坐标轴的边框"


def test_build_playground_files_and_index() -> None:
    settings = [TrainConfig(hidden_size=h, lr=1.0, optimizer="sgd", epochs=6) for h in (3, 5)]
    files = pg.build_playground(settings, frames=4)
    assert sorted(files) == sorted(pg.asset_names(settings, frames=4))
    index = json.loads(files[pg.PREFIX + "index.json"])
    assert index["epochs"] == pg.snapshot_epochs(6, 4)
    assert [p["key"] for p in index["panels"]] == ["h3-lr1-sgd", "h5-lr1-sgd"]
    for panel in index["panels"]:
        assert len(panel["frames"]) == len(index["epochs"]) == len(panel["accuracy_at"])
        assert panel["loss_at"][0] is None  # 第 0 轮还没有损失
        assert panel["final_loss"] == panel["loss_at"][-1]
        for name in [*panel["frames"], panel["loss_image"]]:
            assert Image.open(io.BytesIO(files[pg.PREFIX + name])).format == "PNG"
    table = pg.summary_markdown(files)
    assert table.count("\n") == 2 + len(settings)
    assert "<code>python -m nnlearn train --hidden-size 5 --lr 1" in table


def test_panel_command_reproduces_the_panel_exactly(tmp_path: Path) -> None:
    """面板下的命令真的运行一次：命令行打印的最终损失、准确率与面板记录的相同。"""
    setting = TrainConfig(hidden_size=4, lr=0.1, optimizer="adam", epochs=15)
    files = pg.build_playground([setting], frames=3)
    panel = json.loads(files[pg.PREFIX + "index.json"])["panels"][0]
    args = panel["command"].replace("\\\n", " ").split()
    assert args[:3] == ["python", "-m", "nnlearn"]
    result = subprocess.run(
        [sys.executable, *args[1:], "--quiet", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"},
    )
    lines = result.stdout.splitlines()
    loss_line = next(s for s in lines if s.startswith("最终损失"))
    acc_line = next(s for s in lines if s.startswith("训练准确率"))
    assert loss_line.endswith(f"{panel['final_loss']:.4f}")
    assert acc_line.endswith(f"{panel['accuracy_at'][-1]:.2%}")


def test_catchup_epoch_is_the_first_epoch_at_the_slow_runs_final_loss() -> None:
    """正文的“书中的设置第 N 轮就到了”：N 之前一直高于慢设置的终点，第 N 轮第一次不高于它。"""
    epoch = pg.catchup_epoch(pg.SLOW)
    target = pg.final_losses(pg.SLOW)[-1]
    fast = pg.final_losses(pg.DEFAULT)
    assert fast[epoch - 1] <= target
    assert all(loss > target for loss in fast[:epoch - 1])
    with pytest.raises(ValueError, match="从来没有降到"):
        pg.catchup_epoch(pg.DEFAULT, fast=pg.SLOW)  # 学习率 0.1 追不上书中设置的终点


def test_adam_share_is_computed_from_the_panels_runs() -> None:
    share = pg.NUMBERS["playground_adam_loss_share"]()
    expected = pg.final_losses(pg.ADAM)[-1] / pg.final_losses(pg.DEFAULT)[-1]
    assert share == f"{expected:.0%}"
    assert 0 < expected < 1, "正文说 Adam 第 300 轮的损失比书中设置低"
