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
