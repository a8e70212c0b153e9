"""§1.5 位精度的实测与图（hooks/figure_specs/speedup.py）。"""

from __future__ import annotations

import numpy as np
import pytest
from site_specs import load_spec

from nnlearn.gradient import DEFAULT_H, PASS_THRESHOLD

pr = load_spec("speedup")


@pytest.fixture(scope="module")
def result() -> pr.PrecisionResult:
    return pr.measure_precision(epochs=20)


def test_train_in_dtype_keeps_the_dtype() -> None:
    model, trainer, per_epoch = pr.train_in_dtype("float32", epochs=2)
    assert all(p.dtype == np.float32 for p in model.params)
    assert len(trainer.loss_list) == 2 and per_epoch > 0


def test_rows_report_memory_that_halves_with_the_bits(result: pr.PrecisionResult) -> None:
    rows = {r.dtype: r for r in result.rows}
    assert list(rows) == ["float64", "float32", "float16"]
    assert rows["float64"].param_bytes == 63 * 8
    assert rows["float32"].param_bytes == 63 * 4
    assert rows["float16"].param_bytes == 63 * 2
    assert rows["float64"].big_param_bytes == (784 * 100 + 100 + 100 * 10 + 10) * 8


def test_low_precision_training_follows_float64(result: pr.PrecisionResult) -> None:
    rows = {r.dtype: r for r in result.rows}
    base = np.asarray(rows["float64"].losses)
    assert len(base) == result.epochs == 20
    d32 = np.abs(np.asarray(rows["float32"].losses) - base).max()
    d16 = np.abs(np.asarray(rows["float16"].losses) - base).max()
    assert 0 < d32 < 1e-5  # float32 与 float64 只差舍入
    assert d32 < d16 < 0.05  # float16 差得更多，但仍然很小
    assert all(r.epoch_seconds > 0 and r.matmul_seconds > 0 for r in result.rows)


def test_markdown_table_has_one_row_per_dtype(result: pr.PrecisionResult) -> None:
    text = pr.precision_markdown(result)
    lines = text.splitlines()
    assert lines[0].startswith("| dtype |") and lines[1].startswith("|---")
    assert [line.split("|")[1].strip() for line in lines[2:5]] == ["`float64`", "`float32`",
                                                                   "`float16`"]
    assert "504 B" in lines[2] and "（1.00×）" in lines[2]
    assert f"第 {result.epochs} 轮<br>平均损失" in lines[0]
    assert result.machine["date"][:10] in text
    assert "越小越快" in text  # 括号里的耗时比写明方向


def test_precision_loss_figure_draws_curves_and_differences(result: pr.PrecisionResult) -> None:
    fig = pr.precision_loss_figure(result)
    left, right = fig.axes
    assert len(left.get_lines()) == 3
    assert [line.get_label() for line in right.get_lines()] == ["float32", "float16"]
    np.testing.assert_allclose(left.get_lines()[0].get_ydata(), result.rows[0].losses)


def test_gradient_error_float64_beats_float32_at_the_default_step() -> None:
    hs = [1e-4]
    e64 = pr.gradient_error_curve("float64", hs)[0]
    e32 = pr.gradient_error_curve("float32", hs)[0]
    assert e64 < PASS_THRESHOLD < 1e-4 < e32


def test_gradient_error_is_v_shaped_in_float64() -> None:
    """h 太大（截断误差）和太小（舍入误差）都比中间差。"""
    err = pr.gradient_error_curve("float64", [1e-1, 1e-5, 1e-10])
    assert err[1] < err[0] and err[1] < err[2]


def test_gradient_error_figure_has_a_line_per_dtype() -> None:
    fig = pr.gradient_error_figure(hs=[1e-6, 1e-4, 1e-2])
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["float64", "float32", f"梯度确认的通过线 {PASS_THRESHOLD:g}",
                      f"默认步长 h = {DEFAULT_H:g}"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_steps_a_dtype_cannot_resolve_are_left_out() -> None:
    # float32 在 x≈0.1 附近相邻两数相差约 7e-9：h=1e-10 时 x±h 存成同一个数，不画这一点
    err = pr.gradient_error_curve("float32", [1e-10, 1e-2])
    assert np.isnan(err[0]) and np.isfinite(err[1])


def test_matmul_seconds_is_positive() -> None:
    assert 0 < pr.matmul_seconds("float32", n=32, repeats=2) < 1
