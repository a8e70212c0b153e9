"""统一的图表风格：中文字体、尺寸与配色，让每张图看起来出自同一本书。"""

from __future__ import annotations

from typing import Any

from cycler import cycler
from matplotlib import font_manager
from matplotlib.figure import Figure

# 按顺序尝试的中文字体；Debian 的 fonts-noto-cjk 提供前两个。
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC")

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


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
        "axes.unicode_minus": False,  # CJK 字体没有 U+2212 负号
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.prop_cycle": cycler(color=COLORS),
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


def styled_figure(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] = (6.4, 4.0),
                  **kwargs: Any) -> tuple[Figure, Any]:
    """按统一风格新建图和坐标轴（与 ``plt.subplots`` 同参），返回 ``(fig, axes)``。

    不经过 pyplot：图不进入全局状态，用完无需 ``plt.close``。
    """
    apply_style()
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(nrows, ncols, **kwargs)
