"""统一的图表风格：中文字体、尺寸、配色，以及全站唯一的“类别 → 颜色 + 形状”。

尺寸按 CSS 像素设计：``figure.dpi`` 为 100，所以 6.4 英寸宽的图在页面上正好 640 px，
放得进 1280 px 屏幕的正文栏（约 700 px），字不会被缩小；站点再按 2 倍像素保存，
高分屏上也清晰。
"""

from __future__ import annotations

from typing import Any

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.rcsetup import cycler

# 按顺序尝试的中文字体；Debian 的 fonts-noto-cjk 提供前两个。
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC")

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")

#: 第 k 类数据点的形状（与 ``COLORS[k]`` 配对）：圆、三角、方块……
#: 色弱读者靠形状也能分清类别；全站（含游乐场）都用这一份。
CLASS_MARKERS = ("o", "^", "s", "D", "v", "P")

#: 页面正文栏在 1280 px 屏幕上约 700 px 宽：宽于它的图会被缩小，字也跟着变小。
MAX_WIDTH_IN = 6.8


def cjk_font() -> str:
    """返回系统里第一个可用的中文字体名；找不到就报错，而不是画出豆腐块。"""
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in available:
            return name
    raise RuntimeError(
        f"没有找到中文字体（尝试过 {', '.join(CJK_FONTS)}）。"
        "请安装 fonts-noto-cjk：sudo apt-get install fonts-noto-cjk"
    )


def rc_params() -> dict[str, Any]:
    """本项目所有图共用的 rcParams。"""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_font(), "DejaVu Sans"],
        "font.size": 11,
        "axes.unicode_minus": False,  # CJK 字体没有 U+2212 负号
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.prop_cycle": cycler(color=COLORS),
        "legend.fontsize": 10,
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "savefig.bbox": "tight",
    }


def apply_style() -> None:
    """把本项目的风格写进全局 rcParams。

    刻度等文字在绘制时才创建，只在建图时临时设置字体不够，所以直接改全局设置。
    """
    import matplotlib

    matplotlib.rcParams.update(rc_params())


def styled_figure(nrows: int = 1, ncols: int = 1, *,
                  figsize: tuple[float, float] = (6.4, 4.0),
                  **kwargs: Any) -> tuple[Figure, Any]:
    """按统一风格新建图和坐标轴（与 ``plt.subplots`` 同参），返回 ``(fig, axes)``。

    不经过 pyplot：图不进入全局状态，用完无需 ``plt.close``。
    """
    apply_style()
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(nrows, ncols, **kwargs)


def class_style(k: int) -> dict[str, str]:
    """第 ``k`` 类的颜色与形状，可直接传给 ``ax.scatter(..., **class_style(k))``。

    >>> class_style(1)
    {'color': '#ff7f0e', 'marker': '^'}
    """
    k = int(k)
    if k < 0:
        raise ValueError(f"类别编号应 ≥ 0，收到 {k}")
    return {"color": COLORS[k % len(COLORS)], "marker": CLASS_MARKERS[k % len(CLASS_MARKERS)]}


def class_legend(ax: Axes, n_classes: int, **kwargs: Any) -> Any:
    """在 ``ax`` 上画类别图例（颜色 + 形状），不依赖图里已有的点。

    默认放在右下角：螺旋数据在那里没有点（游乐场的边界图也把图例画在那里）。
    """
    handles = [Line2D([], [], linestyle="none", markersize=7, label=f"类别 {k}",
                      **class_style(k)) for k in range(n_classes)]
    return ax.legend(handles=handles, **{"loc": "lower right", **kwargs})
