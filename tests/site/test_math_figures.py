"""数学记号页的图（hooks/figure_specs/math.py）：涂色的格子与算式说的是同一个元素，结果由 x @ W 算出。"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.patches import Rectangle
from site_specs import load_spec

math_spec = load_spec("math")


def _marked(ax) -> list[str]:
    """一个子图里涂了色的格子上写的数。"""
    cells = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_facecolor()[:3] != (1.0, 1.0, 1.0)]
    texts = {(round(t.get_position()[0] - 0.5), round(t.get_position()[1] - 0.5)): t.get_text() for t in ax.texts}
    return [texts[(round(c.get_x()), round(c.get_y()))] for c in cells]


def test_marked_row_column_and_cell_agree_with_the_product() -> None:
    fig = math_spec.matrix_product_element(n=2, h=1)
    ax_x, ax_w, ax_xw = fig.axes
    x, w = math_spec.X, math_spec.W
    assert _marked(ax_x) == [f"{v:g}" for v in x[2]]
    assert _marked(ax_w) == [f"{v:g}" for v in w[:, 1]]
    assert _marked(ax_xw) == [f"{(x @ w)[2, 1]:g}"]
    assert fig.texts[0].get_text().endswith(f"= {(x @ w)[2, 1]:g}")
    # 右图每一格都是 x @ W 的对应元素
    shown = sorted(float(t.get_text()) for t in ax_xw.texts)
    assert shown == sorted((x @ w).ravel().tolist())


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"x": np.ones((3, 3))}, "x 的列数应等于 W 的行数"), ({"n": 3}, "超出"), ({"h": -1}, "超出")])
def test_bad_shapes_and_indices_are_reported(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        math_spec.matrix_product_element(**kwargs)
