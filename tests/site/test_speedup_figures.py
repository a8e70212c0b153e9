"""§1.5 位精度的实测与图（hooks/figure_specs/speedup.py）：训练结果、计时文件、正文的数字与说法。"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from site_specs import load_spec

from nnlearn.gradient import DEFAULT_H, PASS_THRESHOLD

pr = load_spec("speedup")


@pytest.fixture(scope="module")
def result() -> pr.PrecisionResult:
    return pr.measure_precision(epochs=20)


@pytest.fixture(scope="module")
def timing() -> dict:
    return pr.load_timing()


def test_train_in_dtype_keeps_the_dtype_and_records_the_range() -> None:
    model, trainer, stats = pr.train_in_dtype("float32", epochs=2)
    assert all(p.dtype == np.float32 for p in model.params)
    assert len(trainer.loss_list) == 2
    # 0.01 倍的初始权重、两轮之后：最大的数不超过几，梯度没有下溢
    assert 0 < stats["largest"] < 10 and stats["zero_grads"] == 0
    assert 0 < stats["smallest_grad"] < 1


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


def test_loss_gap_is_measured_in_each_dtypes_own_epsilon(result: pr.PrecisionResult) -> None:
    gap32, eps32 = pr.loss_gap(result, "float32")
    base = np.asarray(result.row("float64").losses)
    diff = np.abs(np.asarray(result.row("float32").losses) - base)
    assert gap32 == diff.max()
    assert eps32 == pytest.approx((diff / base).max() / np.finfo(np.float32).eps)
    assert pr.loss_gap(result, "float64") == (0.0, 0.0)


def test_markdown_table_has_one_row_per_dtype(result: pr.PrecisionResult, timing: dict) -> None:
    text = pr.precision_markdown(result, timing)
    lines = text.splitlines()
    assert lines[0].startswith("| dtype |") and lines[1].startswith("|---")
    assert [line.split("|")[1].strip() for line in lines[2:5]] == ["`float64`", "`float32`",
                                                                   "`float16`"]
    assert "504 B" in lines[2] and lines[2].count("（1.00×）") == 2
    assert f"第 {result.epochs} 轮<br>平均损失" in lines[0]
    assert timing["machine"]["date"][:10] in text  # 耗时来自结果文件，写明测量的日期
    assert "bash benchmarks/run.sh precision" in text
    assert "越小越快" in text  # 括号里的耗时比写明方向
    ratio16 = timing["matmul"]["float16"]["median_s"] / timing["matmul"]["float64"]["median_s"]
    assert f"（{ratio16:.2f}×）" in lines[4]


def test_timing_comes_from_the_committed_results_not_from_the_build(
        result: pr.PrecisionResult, timing: dict, tmp_path: Path) -> None:
    """同一份结果文件、同一份训练结果，表格逐字相同：构建时不计时。"""
    assert pr.precision_markdown(result, timing) == pr.precision_markdown(result, pr.load_timing())
    broken = {k: v for k, v in timing.items() if k != "matmul"}
    path = tmp_path / "precision.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(ValueError, match="bash benchmarks/run.sh precision"):
        pr.load_timing(path)


def test_times_words_follow_the_ratio() -> None:
    assert pr.times_words(114) == "上百倍"
    assert pr.times_words(99.7) == "几十倍"
    assert pr.times_words(1500) == "上千倍"
    assert pr.times_words(3) == "几倍"
    assert pr.times_words(1.5) == "1.5 倍"


def test_a_claim_the_data_no_longer_supports_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """重测后 float32 的矩阵乘法若不再比 float64 快，正文那句话就得改：构建报错并指出那句话。"""
    timing = json.loads(pr.PRECISION.read_text(encoding="utf-8"))
    timing["matmul"]["float32"]["median_s"] = 2 * timing["matmul"]["float64"]["median_s"]
    monkeypatch.setattr(pr, "_timing", lambda: timing)
    with pytest.raises(ValueError, match="float32 比 float64 快"):
        pr.NUMBERS["speedup_matmul_fp32_ratio"]()


def test_tex_formats() -> None:
    assert pr.tex_sci(2.705e-7) == "2.7 \\times 10^{-7}"
    assert pr.tex_sci(8.9e-7, 0) == "9 \\times 10^{-7}"
    assert pr.tex_power(2.73e-10) == "10^{-10}"
    assert pr.tex_power(1e-4) == "10^{-4}"


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


def test_error_facts_read_the_curves() -> None:
    hs = [1e-10, 1e-7, 1e-4, 1e-1]
    curves = {"float64": np.array([8e-5, 7e-8, 3e-10, 3e-4]),
              "float32": np.array([np.nan, np.nan, 3e-2, 3e-4])}
    facts = pr.error_facts(hs, curves)
    assert facts["f64_default"] == 3e-10 and facts["f64_valley_h"] == 1e-4
    assert facts["truncation_below"] == pytest.approx(1e-2 / 3e-4)
    assert facts["rounding_above"] == pytest.approx(8e-5 / (np.finfo(float).eps / 1e-10))
    assert facts["f32_best"] == 3e-4 and facts["f32_break_h"] == 1e-7


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

