"""导数和梯度页的图（hooks/figure_specs/derivative.py）：差分误差。"""

from __future__ import annotations

import numpy as np
import pytest
from site_specs import load_spec

from nnlearn.gradient import DEFAULT_H

derivative = load_spec("derivative")
difference_errors, plot_difference_error = (derivative.difference_errors,
                                            derivative.plot_difference_error)


def test_central_difference_beats_forward_difference() -> None:
    forward, central = difference_errors(np.exp, np.exp, 1.0, [1e-2, 1e-3, 1e-4])
    # 前向差分误差 ~ h·f''/2，中心差分 ~ h²·f'''/6
    assert forward[0] == pytest.approx(1e-2 * np.e / 2, rel=0.05)
    assert central[0] == pytest.approx(1e-4 * np.e / 6, rel=0.05)
    assert np.all(central < forward)


def test_difference_error_grows_again_for_tiny_h() -> None:
    forward, _ = difference_errors(np.exp, np.exp, 1.0, [1e-8, 1e-14])
    assert forward[1] > 100 * forward[0]  # 舍入误差主导
    fig = plot_difference_error(np.exp, np.exp, 1.0, label="e^x")
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    # 两种差分 + 标出默认步长的竖线：图里每条线都在图例里说明了
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 3 and labels[2] == f"nnlearn 默认的步长 h = {DEFAULT_H:g}"
    assert ax.lines[2].get_xdata()[0] == DEFAULT_H


def _log_slope(hs: np.ndarray, err: np.ndarray) -> float:
    """双对数坐标下误差对步长的斜率：1 是 O(h)，2 是 O(h²)。"""
    return float(np.polyfit(np.log10(hs), np.log10(err), 1)[0])


def _first_rise(hs: np.ndarray, err: np.ndarray) -> float:
    """h 从大到小，误差第一次变大时的步长（舍入误差开始接管的拐点）。"""
    return float(hs[np.argmax(np.diff(err) > 0)])


def test_error_curves_behave_as_the_page_describes() -> None:
    """页面对误差图的说法：截断一侧前向差分每个数量级小一个数量级、中心差分小两个；
    h 再小时中心差分先到拐点；x³ 在 1.3 处最好的步长 h* 比默认步长准得多（默认值留了余量）。"""
    hs = np.logspace(-1, -14, 40)
    forward, central = difference_errors(derivative._cube, derivative._cube_derivative, 1.3, hs)
    big = hs >= DEFAULT_H
    assert _log_slope(hs[big], forward[big]) == pytest.approx(1.0, abs=0.05)
    assert _log_slope(hs[big], central[big]) == pytest.approx(2.0, abs=0.05)
    assert _first_rise(hs, central) > _first_rise(hs, forward)
    h_star = (3 * np.finfo(float).eps * 1.3**3 / 6) ** (1 / 3)
    _, (at_star, at_default) = difference_errors(derivative._cube, derivative._cube_derivative, 1.3,
                                                 [h_star, DEFAULT_H])
    assert h_star < DEFAULT_H and at_star < at_default / 100
