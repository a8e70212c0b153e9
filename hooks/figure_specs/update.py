r"""1.3.6 权重的更新：学习率的影响与各优化器的路径。

所有路径都由 ``nnlearn.optim`` 里真正的优化器走出来（:func:`descend` 就是训练循环的骨架：
求梯度、``update``、重复，只是“损失”换成了一个能画出来的函数）：图里画的就是包里的代码
做的事。两个玩具函数及其解析梯度：一维抛物线 $f(x) = x^2$；《深度学习入门》第 6 章的“碗”
$f(x, y) = \frac{1}{20}x^2 + y^2$，沿 $x$ 很平、沿 $y$ 很陡，最能看出 SGD 的之字形。
版面按正文栏的宽度（约 7 英寸）设计，每行最多两张子图。
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from nnlearn.optim import SGD, AdaGrad, Adam, Momentum, Optimizer, RMSprop
from nnlearn.plotting.style import COLORS, styled_figure

GradFn = Callable[[np.ndarray], np.ndarray]

#: 比较优化器时的起点（《深度学习入门》第 6 章的比较用的也是它）。
BOWL_START = (-7.0, 2.0)
#: 页面上的代码块跑的四个学习率；图里每个一张子图，一个都不少。
LEARNING_RATES = (0.05, 0.3, 0.9, 1.05)


def parabola(x: np.ndarray) -> np.ndarray:
    """一维抛物线 $f(x) = x^2$，最小值在 0。"""
    return np.asarray(x, dtype=np.float64) ** 2


def parabola_grad(x: np.ndarray) -> np.ndarray:
    """抛物线的导数 $2x$。"""
    return 2.0 * np.asarray(x, dtype=np.float64)


def bowl(p: np.ndarray) -> np.ndarray:
    r"""$f(x, y) = \frac{1}{20}x^2 + y^2$；``p`` 的最后一维是 ``(x, y)``。"""
    p = _as_points(p, "p")
    return p[..., 0] ** 2 / 20.0 + p[..., 1] ** 2


def bowl_grad(p: np.ndarray) -> np.ndarray:
    r"""碗的梯度 $(\frac{x}{10}, 2y)$，形状与 ``p`` 相同。

    >>> bowl_grad(np.array([-7.0, 2.0])).tolist()
    [-0.7, 4.0]
    """
    p = _as_points(p, "p")
    return np.stack([p[..., 0] / 10.0, 2.0 * p[..., 1]], axis=-1)


def _as_points(p: np.ndarray, name: str) -> np.ndarray:
    """碗函数的输入：最后一维必须是 2（x 和 y）。"""
    arr = np.asarray(p, dtype=np.float64)
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ValueError(f"{name} 的最后一维应为 2（x, y），收到形状 {arr.shape}")
    return arr


def descend(optimizer: Optimizer, grad: GradFn, start: Sequence[float] | float,
            steps: int) -> np.ndarray:
    """从 ``start`` 出发，用 ``optimizer`` 按 ``grad`` 走 ``steps`` 步，返回走过的点。

    返回形状 ``(steps + 1, d)``：第 0 行是起点。这正是训练循环的骨架——
    求梯度、``update``、重复——只是“损失”换成了一个能画出来的函数。

    >>> path = descend(SGD(lr=0.25), parabola_grad, 4.0, steps=2)
    >>> path[:, 0].tolist()
    [4.0, 2.0, 1.0]
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            "optimizer 应为 nnlearn.optim 的优化器（如 SGD(lr=0.1)），"
            f"收到 {type(optimizer).__name__}"
        )
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps 应为正整数，收到 {steps!r}")
    point = np.atleast_1d(np.array(start, dtype=np.float64))
    if point.ndim != 1 or not np.all(np.isfinite(point)):
        raise ValueError(f"start 应为有限实数或一维坐标，收到 {start!r}")
    params = [point]
    path = [point.copy()]
    for k in range(1, int(steps) + 1):
        # 发散时先让 NumPy 安静地算出 inf，再由下面给出说得清原因的错误
        with np.errstate(over="ignore", invalid="ignore"):
            optimizer.update(params, [np.asarray(grad(point), dtype=np.float64)])
        if not np.all(np.isfinite(point)):
            raise ValueError(
                f"{type(optimizer).__name__} 在第 {k} 步发散到了无穷大"
                f"（学习率 {getattr(optimizer, 'lr', '?')}）：请减小学习率或步数"
            )
        path.append(point.copy())
    return np.array(path)


def default_optimizers() -> dict[str, Optimizer]:
    """比较用的五个优化器。

    前四个的学习率取自《深度学习入门》的比较（SGD 0.95、Momentum 0.1、AdaGrad 1.5、Adam 0.3），
    那里没有比较 RMSprop，这里取 0.1：它第一步恰好移动 ``10·lr``，0.1 让路径看得清。

    每次调用都新建对象：优化器有状态，不能在两条路径之间共用。
    """
    return {
        "SGD": SGD(lr=0.95),
        "Momentum": Momentum(lr=0.1),
        "AdaGrad": AdaGrad(lr=1.5),
        "RMSprop": RMSprop(lr=0.1),
        "Adam": Adam(lr=0.3),
    }


def _label(name: str, optimizer: Optimizer) -> str:
    lr = getattr(optimizer, "lr", None)
    return f"{name}（η={lr:g}）" if lr is not None else name


def optimizer_paths(optimizers: Mapping[str, Optimizer] | None = None, *,
                    start: Sequence[float] = BOWL_START, steps: int = 30) -> Figure:
    r"""在 $f(x, y) = \frac{1}{20}x^2 + y^2$ 的等高线上画出每个优化器走过的路径。

    每个优化器一张子图，每行两张：放进正文栏时不必缩小，字也就不会变小。
    """
    opts = dict(default_optimizers() if optimizers is None else optimizers)
    if not opts:
        raise ValueError("optimizers 不能为空：至少给一个，例如 {'SGD': SGD(lr=0.95)}")
    paths = {name: descend(opt, bowl_grad, start, steps) for name, opt in opts.items()}
    ncols = 1 if len(opts) == 1 else 2
    nrows = -(-len(opts) // ncols)
    fig, axes = styled_figure(nrows, ncols, figsize=(6.8, 2.55 * nrows + 0.5), squeeze=False,
                              sharex=True, sharey=True)
    # 画布范围：《深度学习入门》的 [-10, 10] × [-5, 5]，路径跑出去时再放大。
    every = np.concatenate(list(paths.values()))
    xmax = max(10.0, float(np.abs(every[:, 0]).max()) * 1.1)
    ymax = max(5.0, float(np.abs(every[:, 1]).max()) * 1.1)
    gx, gy = np.meshgrid(np.linspace(-xmax, xmax, 201), np.linspace(-ymax, ymax, 201))
    z = bowl(np.stack([gx, gy], axis=-1))
    levels = np.array([0.25, 1, 2, 4, 7, 11, 16, 22]) * max(1.0, ymax / 5.0) ** 2

    flat = axes.ravel()
    for ax, (name, path), opt in zip(flat, paths.items(), opts.values(), strict=False):
        ax.contour(gx, gy, z, levels=levels, colors="0.6", linewidths=0.8)
        ax.plot(path[:, 0], path[:, 1], "o-", color=COLORS[3], markersize=3, linewidth=1.2,
                label="路径")
        ax.plot(path[0, 0], path[0, 1], "s", color="black", markersize=6, label="起点")
        ax.plot(0, 0, "+", color="black", markersize=12, markeredgewidth=2, label="最小值")
        ax.set_title(_label(name, opt))
        ax.set_xlim(-xmax, xmax)
        ax.set_ylim(-ymax, ymax)
        ax.grid(False)
    for ax in axes[-1]:
        ax.set_xlabel("x")
    for ax in axes[:, 0]:
        ax.set_ylabel("y")
    spare = flat[len(paths):]
    for ax in spare:
        ax.axis("off")
    for ax in flat[len(paths) - ncols:len(paths)]:  # 空格上方那张也要有横轴刻度
        ax.tick_params(labelbottom=True)
        ax.set_xlabel("x")
    # 图例放进空出来的格子；没有空格时放在第一张子图里
    handles, labels = flat[0].get_legend_handles_labels()
    if len(spare):
        spare[0].legend(handles, labels, loc="center", frameon=False)
    else:
        flat[0].legend(loc="lower right")
    fig.suptitle(f"从 ({start[0]:g}, {start[1]:g}) 出发走 {steps} 步")
    return fig


def learning_rate_paths(lrs: Sequence[float] = LEARNING_RATES, *, start: float = 4.0,
                        steps: int = 10) -> Figure:
    """在 $f(x) = x^2$ 上用 SGD 以不同学习率各走 ``steps`` 步，每个学习率一张子图（每行两张）。

    学习率太小时点挪得很慢；合适时几步就到谷底；偏大时来回振荡；太大时越跳越远。
    """
    if len(lrs) == 0:
        raise ValueError("lrs 不能为空：至少给一个学习率")
    paths = [descend(SGD(lr=lr), parabola_grad, start, steps)[:, 0] for lr in lrs]
    reach = max(abs(start), *(float(np.abs(p).max()) for p in paths)) * 1.1
    ncols = 1 if len(lrs) == 1 else 2
    nrows = -(-len(lrs) // ncols)
    fig, axes = styled_figure(nrows, ncols, figsize=(6.8, 2.6 * nrows + 0.5), squeeze=False,
                              sharex=True, sharey=True)
    xs = np.linspace(-reach, reach, 200)
    flat = axes.ravel()
    for ax, lr, path in zip(flat, lrs, paths, strict=False):
        ax.plot(xs, parabola(xs), color="0.6", linewidth=1.2)
        ax.plot(path, parabola(path), "o-", color=COLORS[3], markersize=4, linewidth=1.0)
        ax.plot(path[0], parabola(path[0]), "s", color="black", markersize=6)
        ax.set_title(f"η = {lr:g}，第 {steps} 步 x = {path[-1]:.3g}")
    for ax in flat[len(lrs):]:
        ax.set_visible(False)
    for ax in flat[len(lrs) - ncols:len(lrs)]:
        ax.tick_params(labelbottom=True)
    for ax in axes[-1]:
        ax.set_xlabel("x")
    for ax in axes[:, 0]:
        ax.set_ylabel("f(x) = x²")
    fig.suptitle(f"SGD 在 f(x) = x² 上从 x = {start:g} 出发走 {steps} 步（黑色方块是起点）")
    return fig


FIGURES = {
    "update-learning-rate.png": learning_rate_paths,
    "update-optimizer-paths.png": optimizer_paths,
}


# ---------------------------------------------------------------------------
# F：学习率诊断（螺旋数据上的真实训练）与 Momentum 的有效步长
# ---------------------------------------------------------------------------
#: 页面“从损失曲线诊断学习率”一节训练的四个学习率（与页面代码块相同）。
DIAGNOSTIC_RATES = (0.1, 1.0, 10.0, 50.0)


def cosine_lr(lr0: float, epoch: int, epochs: int) -> float:
    r"""余弦衰减：训练完 ``epoch`` 轮后的学习率 $\frac{\eta_0}{2}(1 + \cos\frac{\pi e}{E})$。

    >>> [cosine_lr(10.0, e, 4) for e in (0, 2, 4)]
    [10.0, 5.0, 0.0]
    """
    return lr0 * (1 + math.cos(math.pi * epoch / epochs)) / 2


@functools.cache
def spiral_losses(lr: float, cosine: bool = False) -> tuple[float, ...]:
    """书中的设置（只改学习率）在螺旋数据上训练，返回每轮的平均损失。

    ``cosine=True`` 时学习率按 :func:`cosine_lr` 从 ``lr`` 降向 0：和页面上一样，在
    ``Trainer.fit`` 的 ``callback`` 里每轮结束时改 ``trainer.optimizer.lr``。
    """
    from nnlearn.recipe import TrainConfig, train

    config = TrainConfig(lr=lr)

    def schedule(epoch: int, trainer: object) -> None:
        trainer.optimizer.lr = cosine_lr(lr, epoch, config.epochs)  # type: ignore[attr-defined]

    return tuple(train(config, callback=schedule if cosine else None).loss_list)


def lr_curves() -> Figure:
    """螺旋数据上 4 种学习率各训练 300 轮的损失曲线（书中的其余设置，每轮一个点，约 1 秒）。"""
    from nnlearn.plotting.training import curves

    series = {f"η = {lr:g}": spiral_losses(lr) for lr in DIAGNOSTIC_RATES}
    fig = curves(series, ylabel="每轮的平均损失", logy=True,
                 title="学习率与损失曲线（螺旋数据，SGD，300 轮）")
    ax = fig.axes[0]
    ax.axhline(np.log(3.0), color="0.5", linestyle=":", linewidth=1.0)
    ax.annotate("ln 3：瞎猜", (300, np.log(3.0)), xytext=(-4, 4), textcoords="offset points",
                ha="right", va="bottom", fontsize=10, color="0.35")
    fig.set_size_inches(6.4, 4.2)
    return fig


def _momentum_steps(grads: Sequence[float], lr: float, alpha: float) -> np.ndarray:
    """对一个从 0 出发的参数依次施加 ``grads``，返回每步位移的大小（用包里的 Momentum）。"""
    opt = Momentum(lr=lr, momentum=alpha)
    w = np.zeros(1)
    sizes = []
    for g in grads:
        before = w.copy()
        opt.update([w], [np.array([g])])
        sizes.append(abs(float(w[0] - before[0])))
    return np.array(sizes)


def momentum_effective_step() -> Figure:
    r"""Momentum 每步位移的大小：恒定梯度趋于 $\eta/(1-\alpha)$，交替梯度趋于 $\eta/(1+\alpha)$。"""
    lr, alpha, steps = 0.1, 0.9, 50
    k = np.arange(1, steps + 1)
    fig, ax = styled_figure(figsize=(6.4, 4.0))
    steady = _momentum_steps([1.0] * steps, lr, alpha)
    flipping = _momentum_steps([(-1.0) ** i for i in range(steps)], lr, alpha)
    ax.plot(k, steady, color=COLORS[0], marker="o", markersize=3, label="恒定梯度 g = 1")
    ax.plot(k, flipping, color=COLORS[1], marker="s", markersize=3, label="交替梯度 g = ±1")
    ax.axhline(lr, color="0.4", linestyle=":", linewidth=1.0)
    for value, text, color, dy in ((lr / (1 - alpha), "η/(1−α) = 1.0", COLORS[0], 4),
                                   (lr / (1 + alpha), "η/(1+α) ≈ 0.053", COLORS[1], -4)):
        ax.axhline(value, color=color, linestyle="--", linewidth=1.0)
        ax.annotate(text, (steps, value), xytext=(0, dy), textcoords="offset points",
                    ha="right", va="bottom" if dy > 0 else "top", fontsize=10, color=color)
    ax.annotate("SGD 的步长 η = 0.1", (steps, lr), xytext=(0, 4), textcoords="offset points",
                ha="right", va="bottom", fontsize=10, color="0.35")
    ax.set_yscale("log")
    ax.set_xlabel("第几步")
    ax.set_ylabel("这一步的位移 |Δw|")
    ax.set_title("Momentum（η = 0.1，α = 0.9）的有效步长")
    ax.legend(loc="lower right")
    return fig


FIGURES["update-lr-curves.png"] = lr_curves
FIGURES["update-momentum-step.png"] = momentum_effective_step


# ---------------------------------------------------------------------------
# 书外补充：学习率调度（余弦衰减与恒定学习率的对比）
# ---------------------------------------------------------------------------
#: 页面“学习率调度”一节的四次训练：图例 → (起始学习率, 是否余弦衰减)，与页面代码块相同。
SCHEDULE_RUNS: dict[str, tuple[float, bool]] = {
    "恒定 η=1": (1.0, False),
    "余弦 1→0": (1.0, True),
    "恒定 η=10": (10.0, False),
    "余弦 10→0": (10.0, True),
}


def lr_schedule() -> Figure:
    """左：每一轮用的学习率；右：同样四次训练的损失曲线（对数纵轴）。"""
    from nnlearn.plotting.training import curves

    epochs = len(spiral_losses(1.0))
    rates = {name: [cosine_lr(lr, e - 1, epochs) if cosine else lr for e in range(1, epochs + 1)]
             for name, (lr, cosine) in SCHEDULE_RUNS.items()}
    losses = {name: spiral_losses(lr, cosine) for name, (lr, cosine) in SCHEDULE_RUNS.items()}
    fig, (left, right) = styled_figure(1, 2, figsize=(6.8, 3.4))
    curves(rates, xlabel="轮", ylabel="这一轮的学习率 η", title="学习率", ax=left)
    curves(losses, xlabel="轮", ylabel="每轮的平均损失", title="损失（对数纵轴）", logy=True,
           ax=right)
    left.get_legend().remove()  # 两张子图的颜色一一对应，图例只放一份
    right.legend(fontsize=9, loc="lower left")
    return fig


FIGURES["update-lr-schedule.png"] = lr_schedule
