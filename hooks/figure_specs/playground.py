"""训练游乐场（docs/solving/playground.md）：构建时训练网格里的每个设置，画出各轮的决策边界与损失。

每个格子（隐藏层大小 × 学习率 × 优化器）都走 ``python -m nnlearn train`` 的同一条代码路径：
同一份螺旋数据、同一个种子的 ``TwoLayerNet``、同一个种子的 ``Trainer``。``Trainer`` 的
打乱用的随机数生成器跨多次 ``fit`` 延续，所以分段训练（每到一个快照轮停一下画边界）
和一口气训练完得到的参数完全相同——页面上每个面板下的命令就能逐位复现它。

决策边界图不用 matplotlib 画：在固定的平面区域上逐像素预测类别，再直接写成调色板
PNG（几种颜色、几 KB），几百张图也只要一两秒。损失曲线每个设置一张（matplotlib），
当前轮次的竖线由页面脚本按记录的坐标轴位置叠上去。

所有文件来自同一次训练（``functools.cache``）：每个 ASSETS 条目只是从中取出自己那一份。
文件名不训练就能算出，所以钩子能在缓存命中时完全跳过训练。
"""

from __future__ import annotations

import html
import io
import itertools
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import NullFormatter
from PIL import Image, ImageDraw, ImageFont

from nnlearn.datasets import load_spiral
from nnlearn.labels import class_indices
from nnlearn.plotting.style import COLORS, apply_style, cjk_font, class_style
from nnlearn.recipe import TrainConfig, build, train
from nnlearn.trainer import TrainingDivergedError

#: 页面上可选的取值。
GRID: dict[str, tuple[Any, ...]] = {
    "hidden_size": (3, 10),
    "lr": (0.1, 1.0),
    "optimizer": ("sgd", "adam"),
}

#: 每个设置画几张边界图（含训练前的第 0 轮与最后一轮）。
FRAMES = 13
#: 生成文件在站点里的目录。
PREFIX = "figures/playground/"

#: 损失图里坐标轴的位置 [左, 下, 宽, 高]（占整张图的比例）与纵轴范围：各面板一致，便于比较。
AXES_BOX = (0.2, 0.17, 0.74, 0.78)
LOSS_YLIM = (0.01, 2.0)

#: 决策边界图覆盖的平面区域（螺旋数据都在半径 1 以内）。
EXTENT = (-1.1, 1.1)
#: 边界图的边长（像素）：页面按 300 CSS 像素显示，2 倍像素在高分屏上也清晰。
PIXELS = 600


def key(config: TrainConfig) -> str:
    """文件名里用的短名字，例如 ``h10-lr1-sgd``。"""
    return f"h{config.hidden_size}-lr{config.lr:g}-{config.optimizer}"


#: 页面打开时显示的面板：书中的设置（``TrainConfig`` 的默认值就是它）。
DEFAULT = TrainConfig()


def grid_settings(grid: dict[str, Sequence[Any]] | None = None,
                  **common: Any) -> list[TrainConfig]:
    """网格里的全部设置（笛卡儿积，顺序固定）；``common`` 是各面板共用的其它参数。"""
    grid = GRID if grid is None else grid
    unknown = set(grid) - {"hidden_size", "lr", "optimizer"}
    if unknown:
        raise ValueError(f"网格只能包含 hidden_size、lr、optimizer，收到 {sorted(unknown)}")
    names = list(grid)
    return [TrainConfig(**dict(zip(names, values, strict=True)), **common)
            for values in itertools.product(*(grid[n] for n in names))]


def snapshot_epochs(epochs: int, count: int = 16) -> list[int]:
    """要画边界的轮次：从 0（训练前）到 ``epochs``，前密后疏（大致按几何级数）。

    >>> snapshot_epochs(300, 8)
    [0, 1, 3, 7, 17, 45, 116, 300]
    """
    if epochs < 1 or count < 2:
        raise ValueError(f"epochs 应 ≥ 1、count 应 ≥ 2，收到 epochs={epochs}、count={count}")
    marks = {0, epochs}
    for e in np.geomspace(1, epochs, count - 1) if count > 2 else ():
        marks.add(round(float(e)))
    return sorted(marks)


def class_map(predict: Callable[[np.ndarray], np.ndarray], size: int = 150,
              extent: tuple[float, float] = EXTENT) -> np.ndarray:
    """在 ``size × size`` 的网格上预测类别，返回 ``uint8`` 数组（第 0 行是图的顶部）。"""
    xs = np.linspace(extent[0], extent[1], size)
    ys = np.linspace(extent[1], extent[0], size)  # 图像的行从上往下，y 从大到小
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    scores = np.asarray(predict(points))
    return scores.argmax(axis=1).astype(np.uint8).reshape(size, size)


def _tint(hex_color: str, amount: float) -> tuple[int, int, int]:
    """把颜色向白色混合 ``amount``（0 不变，1 纯白），作为区域的浅色底。"""
    rgb = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    mixed = rgb + (255 - rgb) * amount
    return tuple(round(v) for v in mixed)  # type: ignore[return-value]


def _palette(n_classes: int) -> list[int]:
    """调色板：前 ``n`` 个是区域的浅色，接着 ``n`` 个是数据点的深色，然后是白色（描边、图例底）
    和深灰（图例文字）。"""
    region = [_tint(class_style(k)["color"], 0.72) for k in range(n_classes)]
    solid = [_tint(class_style(k)["color"], 0.0) for k in range(n_classes)]
    return [c for rgb in [*region, *solid, (255, 255, 255), (51, 51, 51)] for c in rgb]


def _legend(draw: Any, n_classes: int, pixels: int, r: float, *, mask: bool) -> None:
    """右下角的类别图例（颜色 + 形状 + “类别 k”）：与其他图的 ``class_legend`` 一致。

    螺旋数据在右下角没有点，图例不挡点。``mask=True`` 时画的是蒙版（全 255）。
    """
    size = round(pixels / 25)  # 600 px 的图上 24 px：页面按 300 px 显示时 12 CSS px
    font = ImageFont.truetype(font_manager.findfont(FontProperties(family=cjk_font())), size)
    row = round(size * 1.35)
    pad = round(size * 0.5)
    width = round(size * 4.6)
    top = pixels - pad - n_classes * row - pad
    left = pixels - pad // 2 - width
    white, text = 2 * n_classes, 2 * n_classes + 1
    draw.rectangle((left, top, pixels - pad // 2, pixels - pad // 2),
                   fill=255 if mask else white, outline=255 if mask else text)
    for k in range(n_classes):
        cy = top + pad + row * k + row / 2
        _marker(draw, class_style(k)["marker"], left + pad / 2 + r * 1.5, cy, r,
                255 if mask else n_classes + k, 255 if mask else white)
        draw.text((left + pad / 2 + r * 3.5, cy), f"类别 {k}", font=font, anchor="lm",
                  fill=255 if mask else text)


def points_layer(x: np.ndarray, labels: np.ndarray, *, n_classes: int, pixels: int = PIXELS,
                 extent: tuple[float, float] = EXTENT, legend: bool = True) -> tuple[Any, Any]:
    """把数据点画成一层（调色板图 + 蒙版），所有帧共用，只画一次。

    点用同色系的深色，形状取自全站统一的 ``CLASS_MARKERS``（与其他图的图例一致），
    色弱读者也能分辨。
    """
    white = 2 * n_classes
    layer = Image.new("P", (pixels, pixels), 0)
    mask = Image.new("L", (pixels, pixels), 0)
    lo, hi = extent
    px = (np.asarray(x[:, 0]) - lo) / (hi - lo) * (pixels - 1)
    py = (hi - np.asarray(x[:, 1])) / (hi - lo) * (pixels - 1)
    r = max(3.0, pixels / 70)  # 600 px 的图上半径约 8.6 px：页面按 300 px 显示时约 4 px
    for target, fill, outline in ((layer, None, white), (mask, 255, 255)):
        draw = ImageDraw.Draw(target)
        draw.fontmode = "1"  # 调色板图不能半透明混色：文字不做抗锯齿，蒙版与图层一致
        for cx, cy, k in zip(px, py, labels, strict=True):
            colour = n_classes + int(k) if fill is None else fill
            _marker(draw, class_style(int(k))["marker"], cx, cy, r, colour, outline)
        if legend:
            _legend(draw, n_classes, pixels, r, mask=fill is not None)
    return layer, mask


def _marker(draw: Any, marker: str, cx: float, cy: float, r: float, fill: int,
            outline: int) -> None:
    """用 PIL 画出 matplotlib 记号 ``o ^ s D v`` 的样子（其余画成圆）。"""
    polygons = {
        "^": [(0, -1.2), (-1.1, 0.8), (1.1, 0.8)],
        "v": [(0, 1.2), (-1.1, -0.8), (1.1, -0.8)],
        "D": [(0, -1.25), (1.0, 0), (0, 1.25), (-1.0, 0)],
        "s": [(-0.9, -0.9), (0.9, -0.9), (0.9, 0.9), (-0.9, 0.9)],
    }
    if marker in polygons:
        draw.polygon([(cx + r * u, cy + r * v) for u, v in polygons[marker]], fill=fill,
                     outline=outline, width=max(1, round(r / 5)))
    else:
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill, outline=outline,
                     width=max(1, round(r / 5)))


def boundary_png(cmap: np.ndarray, x: np.ndarray, labels: np.ndarray, *, pixels: int = PIXELS,
                 extent: tuple[float, float] = EXTENT, layer: tuple[Any, Any] | None = None
                 ) -> bytes:
    """把类别网格（浅色区域）、数据点和图例画成一张调色板 PNG：8 种颜色，十几 KB。

    ``layer`` 是 ``points_layer`` 的结果；画很多帧时传进来，省得每帧重画数据点。
    """
    labels = np.asarray(labels)
    n_classes = int(max(cmap.max(), labels.max())) + 1
    if n_classes > 6:
        raise ValueError(f"最多支持 6 个类别，收到 {n_classes}")
    if cmap.ndim != 2 or cmap.shape[0] != cmap.shape[1]:
        raise ValueError(f"cmap 应为方形的类别网格 (n, n)，收到形状 {cmap.shape}")
    if layer is None:
        layer = points_layer(x, labels, n_classes=n_classes, pixels=pixels, extent=extent)
    img = Image.fromarray(cmap.astype(np.uint8), mode="P").resize((pixels, pixels),
                                                                  Image.Resampling.NEAREST)
    img.paste(layer[0], (0, 0), layer[1])
    img.putpalette(_palette(n_classes))
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


@dataclass
class PlaygroundRun:
    """一个设置训练的记录。

    ``losses[e-1]`` 是第 ``e`` 轮的平均损失；``snapshots`` 与 ``maps``、``accuracies``
    一一对应（``accuracies`` 是整个训练集上的准确率）。训练发散时 ``diverged_at`` 记下轮次，
    之后的快照沿用发散前最后一张。
    """

    config: TrainConfig
    losses: list[float] = field(default_factory=list)
    snapshots: list[int] = field(default_factory=list)
    maps: list[np.ndarray] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    diverged_at: int | None = None

    @property
    def final_loss(self) -> float | None:
        return self.losses[-1] if self.losses else None


def train_run(config: TrainConfig, snapshots: Iterable[int], *, map_size: int = 150,
              x: np.ndarray | None = None, t: np.ndarray | None = None) -> PlaygroundRun:
    """按 ``config`` 训练，在 ``snapshots`` 列出的轮次（0 表示训练前）记下决策边界。

    训练就是 ``nnlearn.recipe.train(config)``——``python -m nnlearn train`` 走的同一条路；
    每轮结束时的 ``callback`` 只是看一眼模型、画下边界，不改变训练本身，所以面板下的命令
    能逐位复现它（测试里用命令行的输出核对）。
    """
    marks = sorted(set(snapshots))
    if not marks or marks[0] < 0 or marks[-1] > config.epochs:
        raise ValueError(f"快照轮次应在 0..{config.epochs} 之内，收到 {marks}")
    if x is None or t is None:
        x, t = load_spiral()
    run = PlaygroundRun(config)

    def snapshot(epoch: int, model: Any) -> None:
        run.snapshots.append(epoch)
        run.maps.append(class_map(model.predict, map_size))
        run.accuracies.append(float(model.accuracy(x, t)))

    if marks[0] == 0:
        # 训练前的边界：recipe.build 组装出的、还没训练的模型（与 train 的起点逐位相同）
        snapshot(0, build(config, x, t).model)
    wanted = set(marks) - {0}
    try:
        # 发散由 Trainer 检查损失来判断；途中的溢出警告只是噪声
        with np.errstate(over="ignore", invalid="ignore"):
            trainer = train(config, x, t, callback=lambda epoch, tr: snapshot(epoch, tr.model)
                            if epoch in wanted else None)
    except TrainingDivergedError as error:
        trainer = error.trainer  # type: ignore[attr-defined]
        run.diverged_at = trainer.current_epoch
    run.losses = [float(v) for v in trainer.loss_list]
    for mark in marks[len(run.snapshots):]:  # 发散之后的快照沿用发散前的最后一张
        run.snapshots.append(mark)
        run.maps.append(run.maps[-1])
        run.accuracies.append(run.accuracies[-1])
    return run


LOSS_SIZE = (3.2, 3.0)  # 英寸；页面按 300 CSS 像素左右显示


def _loss_axes(fig: Figure, epochs: int, *, frame: bool) -> Any:
    """固定位置的坐标轴（不用自动布局：页面要按它的位置叠加竖线，几十张图时自动布局也最慢）。

    ``frame=False`` 时只留数据区（透明、无刻度）：曲线画在它上面，再叠到共用的底图上。
    """
    ax = fig.add_axes(AXES_BOX)
    ax.set_xlim(0, epochs)
    ax.set_ylim(*LOSS_YLIM)
    ax.set_yscale("log")
    if frame:
        ax.yaxis.set_minor_formatter(NullFormatter())  # 只标 0.01、0.1、1：少画几十个刻度标签
        ax.set_xlabel("轮次（epoch）")
        ax.set_ylabel("平均损失（对数刻度）")
    else:
        ax.axis("off")
        ax.patch.set_alpha(0)
    return ax


def _rgba(fig: Figure, dpi: int) -> np.ndarray:
    """把整张图（不裁边：坐标轴的位置要对得上）画成 RGBA 数组。"""
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@cache
def _loss_background(epochs: int, dpi: int) -> np.ndarray:
    """所有面板共用的底图：坐标轴、刻度、轴标签。只画一次（刻度文字是最慢的部分）。"""
    apply_style()
    fig = Figure(figsize=LOSS_SIZE)  # 不用自动布局，坐标轴位置固定
    _loss_axes(fig, epochs, frame=True)
    return _rgba(fig, dpi)


def loss_figure(run: PlaygroundRun, *, frame: bool = True) -> Figure:
    """一个设置的损失曲线（横轴是轮次，纵轴对数刻度），右上角写着这个设置。

    ``frame=False`` 时只有曲线和文字、背景透明，供 :func:`loss_png` 叠到共用的底图上。
    """
    apply_style()
    fig = Figure(figsize=LOSS_SIZE)
    if not frame:
        fig.patch.set_alpha(0)
    ax = _loss_axes(fig, run.config.epochs, frame=frame)
    if len(run.losses):
        ax.plot(np.arange(1, len(run.losses) + 1), run.losses, color=COLORS[0], linewidth=1.6)
    # 设置写在图里而不用标题：标题的自动定位要量一遍整个坐标轴，几十张图时很慢
    label = f"隐藏层 {run.config.hidden_size}，η={run.config.lr:g}，{run.config.optimizer}"
    if run.diverged_at is not None:
        label += f"\n第 {run.diverged_at} 轮发散"
    ax.text(0.97, 0.95, label, transform=ax.transAxes, ha="right", va="top", fontsize=9)
    return fig


def loss_png(run: PlaygroundRun, *, dpi: int = 200) -> tuple[bytes, dict[str, float]]:
    """损失曲线的 PNG，以及坐标轴在图中的位置（占宽高的比例）供页面叠加当前轮次的竖线。

    返回的字典：``left``/``right`` 是横轴 0 与 ``epochs`` 所在的横向比例，
    ``top``/``bottom`` 是绘图区上下边的纵向比例（从图片顶部量起）。
    共用的底图只画一次，每个面板只画自己的曲线和文字再叠上去：结果与整张重画相同，快几倍。
    """
    left, bottom, width, height = AXES_BOX
    geometry = {"left": left, "right": left + width, "top": 1 - (bottom + height),
                "bottom": 1 - bottom}
    base = Image.fromarray(_loss_background(run.config.epochs, dpi), mode="RGBA")
    curve = Image.fromarray(_rgba(loss_figure(run, frame=False), dpi), mode="RGBA")
    return _quantize(Image.alpha_composite(base, curve)), geometry


def _quantize(img: Any, colors: int = 32) -> bytes:
    """把 RGBA 图量化成调色板 PNG：线条图用 32 色看不出差别，体积小几倍。

    FASTOCTREE、不开 optimize：比中位切分加 optimize 快约十倍，文件只大两成。
    """
    out = io.BytesIO()
    img.convert("RGB").quantize(colors=colors, method=Image.Quantize.FASTOCTREE).save(
        out, format="PNG")
    return out.getvalue()


def _finite(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


def frame_name(setting: TrainConfig, epoch: int) -> str:
    """第 ``epoch`` 轮决策边界图的文件名，例如 ``h10-lr1-sgd-e300.png``。"""
    return f"{key(setting)}-e{epoch:03d}.png"


def loss_image_name(setting: TrainConfig) -> str:
    return f"{key(setting)}-loss.png"


def asset_names(settings: Sequence[TrainConfig] | None = None, *, frames: int = FRAMES,
                prefix: str = PREFIX) -> list[str]:
    """``build_playground`` 会生成的全部文件名（不训练就能算出，供构建钩子登记）。"""
    settings = grid_settings() if settings is None else list(settings)
    names = []
    for setting in settings:
        names += [prefix + frame_name(setting, m) for m in snapshot_epochs(setting.epochs, frames)]
        names.append(prefix + loss_image_name(setting))
    return [*names, prefix + "index.json"]


def build_playground(settings: Sequence[TrainConfig] | None = None, *, frames: int = FRAMES,
                     prefix: str = PREFIX) -> dict[str, bytes]:
    """训练网格里的每个设置并生成页面需要的全部文件：``{相对路径: 内容}``。

    ``index.json`` 描述网格、轮次和每个面板的图片、损失、准确率与复现命令；
    页面脚本只读它。
    """
    settings = grid_settings() if settings is None else list(settings)
    if not settings:
        raise ValueError("settings 不能为空")
    epochs = {s.epochs for s in settings}
    if len(epochs) != 1:
        raise ValueError(f"同一个游乐场里的面板应训练相同的轮数，收到 {sorted(epochs)}")
    marks = snapshot_epochs(epochs.pop(), frames)
    x, t = load_spiral()
    labels = class_indices(t)
    layer = points_layer(x, labels, n_classes=t.shape[1])

    files: dict[str, bytes] = {}
    panels = []
    for setting in settings:
        run = train_run(setting, marks, x=x, t=t)
        frame_names = []
        for mark, cmap in zip(run.snapshots, run.maps, strict=True):
            name = frame_name(setting, mark)
            files[prefix + name] = boundary_png(cmap, x, labels, layer=layer)
            frame_names.append(name)
        loss_name = loss_image_name(setting)
        files[prefix + loss_name], geometry = loss_png(run)
        loss_at = [_finite(run.losses[m - 1]) if 0 < m <= len(run.losses) else None
                   for m in run.snapshots]
        panels.append({
            **asdict(setting),
            "key": key(setting),
            # 多行（" \" 续行，每行 ≤ 60 个字符）：1280 px 的页面上一整条都看得见
            "command": setting.command(multiline=True),
            "frames": frame_names,
            "loss_image": loss_name,
            "loss_axes": geometry,
            "loss_at": loss_at,
            "accuracy_at": run.accuracies,
            "final_loss": _finite(run.final_loss),
            "diverged_at": run.diverged_at,
        })
    index = {
        "epochs": marks,
        "grid": {name: list(values) for name, values in GRID.items()},
        "default": key(DEFAULT),
        "panels": panels,
    }
    files[prefix + "index.json"] = json.dumps(index, ensure_ascii=False, indent=1).encode()
    return files


def summary_markdown(files: dict[str, bytes], *, prefix: str = PREFIX) -> str:
    """用 ``build_playground`` 的结果写一张 Markdown 表：每个设置训练完的损失与准确率。

    复现命令按多行写（``<br>`` 换行、行尾 `` \\`` 续行）：复制下来就是能在终端运行的命令，
    表格也不会被一整行命令撑宽。
    """
    index = json.loads(files[prefix + "index.json"])
    rows = [
        "| 隐藏层 | 学习率 η | 优化器 | 最后一轮的<br>平均损失 | 训练集<br>准确率 | 复现命令 |",
        "|---:|---:|---|---:|---:|---|",
    ]
    for p in index["panels"]:
        loss = "发散" if p["final_loss"] is None else f"{p['final_loss']:.4f}"
        # 反斜杠写成实体：Markdown 会把 “\<” 当成转义，吃掉后面的 <br>
        command = html.escape(p["command"]).replace("\\", "&#92;").replace("\n", "<br>")
        rows.append(f"| {p['hidden_size']} | {p['lr']:g} | {p['optimizer']} | {loss} | "
                    f"{100 * p['accuracy_at'][-1]:.1f} % | <code>{command}</code> |")
    return "\n".join(rows) + "\n"


@cache
def _files() -> dict[str, bytes]:
    return build_playground()


def _asset(name: str) -> Callable[[], bytes]:
    return lambda: _files()[name]


ASSETS = {name: _asset(name) for name in asset_names()}
SNIPPETS = {
    "playground-summary.md": lambda: summary_markdown(_files()),
}
# 页面上的静态图（没有脚本时的后备）必须是网格里的一张
assert f"{PREFIX}{frame_name(DEFAULT, DEFAULT.epochs)}" in ASSETS


# ---------------------------------------------------------------------------
# 正文里引用的数字（{{ n.键 }}）：与面板同一份配方、同一个种子训练出来的
# ---------------------------------------------------------------------------
@cache
def final_losses(config: TrainConfig) -> tuple[float, ...]:
    """按 ``config`` 训练，返回每轮的平均损失（与同一设置的面板逐位相同）。"""
    return tuple(train(config).loss_list)


def catchup_epoch(slow: TrainConfig, fast: TrainConfig = DEFAULT) -> int:
    """``fast`` 在第几轮第一次降到 ``slow`` 训练完的损失：慢的设置 300 轮走到的地方，快的几轮就到。"""
    target = final_losses(slow)[-1]
    for epoch, loss in enumerate(final_losses(fast), start=1):
        if loss <= target:
            return epoch
    raise ValueError(f"{key(fast)} 从来没有降到 {key(slow)} 的最终损失 {target:.4f}")


@cache
def _frames(config: TrainConfig) -> PlaygroundRun:
    """与面板同一组快照轮次的一次训练（面板上拖到的正是这些帧）。"""
    return train_run(config, snapshot_epochs(config.epochs, FRAMES))


def first_split_frame(config: TrainConfig) -> tuple[int, int]:
    """（最后一张整片同色的帧，第一张出现分界的帧）的轮次：第 0 帧是训练前。"""
    run = _frames(config)
    for i in range(1, len(run.snapshots)):
        if len(np.unique(run.maps[i])) > 1:
            return run.snapshots[i - 1], run.snapshots[i]
    raise ValueError(f"{key(config)} 的快照里从来没有出现分界")


SLOW = TrainConfig(lr=0.1)
ADAM = TrainConfig(lr=0.1, optimizer="adam")

NUMBERS = {
    # 书中设置：最后一张整片同色的帧、第一张出现分界的帧（轮次）
    "playground_one_colour_until": lambda: str(first_split_frame(DEFAULT)[0]),
    "playground_first_split": lambda: str(first_split_frame(DEFAULT)[1]),
    # 学习率 0.1：第一张出现分界的帧
    "playground_slow_first_split": lambda: str(first_split_frame(SLOW)[1]),
    # 书中设置在第几轮就到达学习率 0.1 训练 300 轮的损失
    "playground_slow_catchup_epoch": lambda: str(catchup_epoch(SLOW)),
    # Adam（η = 0.1）第 300 轮的平均损失是书中设置的几分之几
    "playground_adam_loss_share": lambda: f"{final_losses(ADAM)[-1] / final_losses(DEFAULT)[-1]:.0%}",
}
