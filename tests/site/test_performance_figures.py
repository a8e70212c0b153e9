"""性能页、反向传播页与 §1.5 的图表：从基准结果文件（与 benchmarks/ 写出的格式相同）画图、出表。"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from figure_kit import results
from site_specs import load_spec

performance = load_spec("performance")
speedup = load_spec("speedup")

MACHINE = {"date": "2026-11-28T10:00:00+00:00", "cpu": "Test CPU", "cpu_count": 2,
           "python": "3.11.7", "numpy": "2.4.6", "blas": {"corename": "Haswell"}}


def _step_data(with_torch: bool = True) -> dict:
    rows = []
    for label, (nn, floor, torch) in {"30×2-10-3": (200e-6, 100e-6, 400e-6),
                                      "1024×1024-1024-10": (0.22, 0.2, 0.25)}.items():
        med = {"nnlearn": nn, "floor": floor}
        if with_torch:
            med["torch"] = torch
        rows.append({"label": label, "median_s": med, "ratio_floor": nn / floor,
                     "ratio_torch": nn / torch if with_torch else None})
    return {"machine": MACHINE, "torch": {"version": "2.13.0", "threads": 2} if with_torch
            else None, "dtype": "float64", "repeats": 21, "results": rows}


def _gradcost_data() -> dict:
    scaling = [{"hidden": h, "params": 6 * h + 3, "backprop_s": 1e-4 + 1e-7 * h,
                "numerical_s": 2e-5 * (6 * h + 3)} for h in (1, 10, 100)]
    for r in scaling:
        r["ratio"] = r["numerical_s"] / r["backprop_s"]
        r.update(forward_s=6e-5, backward_s=3e-5 * (1 + r["hidden"] / 100))
        r["backward_over_forward"] = r["backward_s"] / r["forward_s"]
    big = {"network": "784-100-10", "batch": 32, "params": 79510, "max_coords": 200,
           "gradient_check_s": 3.5, "errors": {"W1": 4e-9, "b1": 1e-9}, "forward_s": 3e-4,
           "backprop_s": 5e-4, "numerical_full_estimate_s": 47.7, "backward_over_forward": 0.7}
    return {"machine": MACHINE, "batch": 30, "scaling": scaling, "big": big}


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_load_results_names_the_command_when_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"benchmarks/run\.sh step"):
        results.load_results(tmp_path / "step.json")


def test_load_results_rejects_other_json(tmp_path: Path) -> None:
    path = _write(tmp_path, "step.json", {"machine": MACHINE})
    with pytest.raises(ValueError, match="results"):
        results.load_results(path)


def test_step_figure_draws_one_bar_per_implementation_and_size() -> None:
    fig = performance.step_figure(_step_data())
    ax = fig.axes[0]
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == sorted([200.0, 100.0, 400.0, 220000.0, 200000.0, 250000.0])
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["nnlearn", "纯 NumPy 下限",
                                                                    "PyTorch CPU"]
    assert "2.00×" in [t.get_text() for t in ax.texts]  # nnlearn / 下限 = 200/100


def test_step_ratios_quote_the_table_and_hold_the_pages_claims() -> None:
    data = _step_data()
    for r, (n, d, h) in zip(data["results"], [(30, 2, 10), (1024, 1024, 1024)], strict=True):
        r["size"] = {"N": n, "D": d, "H": h, "C": 3}
    ratios = performance.step_ratios(data)
    assert ratios == {"floor_small": 2.0, "floor_large": 0.22 / 0.2,
                      "torch_small": 0.5, "torch_large": 0.22 / 0.25}
    # 大规模的比值反而更大：正文“规模越小，比值越大”不再成立，构建失败并指出那句话
    data["results"][1]["ratio_floor"] = 3.0
    with pytest.raises(ValueError, match="规模越小，比值越大"):
        performance.step_ratios(data)


def test_committed_step_results_support_the_page() -> None:
    ratios = performance.step_ratios(results.load_results(performance.STEP))
    assert ratios["floor_small"] >= ratios["floor_large"]


def test_step_figure_without_torch() -> None:
    fig = performance.step_figure(_step_data(with_torch=False))
    assert len(fig.axes[0].patches) == 4


def test_step_markdown_columns_follow_the_data() -> None:
    text = performance.step_markdown(_step_data())
    assert "| 30×2-10-3 | 200.0 µs | 100.0 µs | 2.00 | 400.0 µs | 0.50 |" in text
    assert "PyTorch" not in performance.step_markdown(_step_data(with_torch=False))
    # 耗时比的列写明方向（issue 11）
    assert "耗时比<br>÷ 下限" in text and "越小越快" in text


def test_gradcost_figure_ratio_grows_with_parameters() -> None:
    data = _gradcost_data()
    fig = results.gradcost_ratio_figure(data)
    top, bottom = fig.axes
    assert [line.get_label() for line in top.get_lines()] == [
        "数值梯度（每个参数两次正向）", "反向传播（一次正向 + 一次反向）"]
    ratio = bottom.get_lines()[0].get_ydata()
    np.testing.assert_allclose(ratio, [r["ratio"] for r in data["scaling"]])
    assert np.all(np.diff(ratio) > 0)
    # 标注写在点的左上方：最左边的点离坐标轴留够了地方（“H=1” 曾经压在轴上）
    assert bottom.get_xlim()[0] <= data["scaling"][0]["params"] / 3
    assert [t.get_text() for t in bottom.texts] == ["H=1", "H=10", "H=100"]


def test_backprop_cost_figure_reads_the_same_file() -> None:
    data = _gradcost_data()
    fig = results.gradcost_figure(data)
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(),
                               [r["backprop_s"] for r in data["scaling"]])
    assert any(f"{data['scaling'][-1]['ratio']:,.0f} 倍" in t.get_text() for t in ax.texts)


def test_backprop_cost_paragraph_states_the_measured_ratio(tmp_path: Path) -> None:
    data = _gradcost_data()
    text = results.backprop_cost_markdown(_write(tmp_path, "gradcost.json", data))
    ratios = [r["backward_over_forward"] for r in data["scaling"]]
    assert f"{min(ratios):.1f}–{max(ratios):.1f} 倍" in text
    assert "784-100-10" in text and "0.7 倍" in text
    assert "`bash benchmarks/run.sh gradcheck`" in text
    old = {**data, "scaling": [{k: v for k, v in r.items() if k != "backward_over_forward"}
                               for r in data["scaling"]]}
    with pytest.raises(ValueError, match="backward_over_forward"):
        results.backprop_cost_markdown(_write(tmp_path, "gradcost.json", old))
    assert "还没有这项基准的结果" in results.backprop_cost_markdown(tmp_path / "missing.json")


def test_committed_gradcost_results_have_the_backward_ratio() -> None:
    data = results.load_results(results.GRADCOST)
    assert all(0 < r["backward_over_forward"] < 10 for r in data["scaling"])


def test_sections_show_machine_date_and_command(tmp_path: Path) -> None:
    step = performance.step_section(_write(tmp_path, "step.json", _step_data()), "perf-step.png")
    assert step.startswith("![")
    assert "(../figures/perf-step.png)" in step
    assert "测量于 2026-11-28" in step and "Test CPU" in step
    assert "`bash benchmarks/run.sh step`" in step
    grad = performance.gradcost_section(_write(tmp_path, "gradcost.json", _gradcost_data()),
                                 "perf-gradcost.png")
    assert "| 100 | 603 |" in grad
    assert "48 秒" in grad and "4.0e-09" in grad
    assert "`bash benchmarks/run.sh gradcheck`" in grad


def test_sections_without_results_say_so_and_draw_nothing(tmp_path: Path) -> None:
    text = performance.step_section(tmp_path / "step.json", "perf-step.png")
    assert "还没有这项基准的结果" in text
    assert "bash benchmarks/run.sh step" in text
    assert "![" not in text  # 没有结果就不引用图


def test_gpu_markdown_is_honest_without_a_results_file(tmp_path: Path) -> None:
    text = speedup.gpu_markdown(tmp_path / "gpu.json")
    assert "还没有 GPU 实测数据" in text and "bash benchmarks/run.sh gpu" in text
    assert "µs" not in text  # 没有任何数字


def test_gpu_markdown_tabulates_results(tmp_path: Path) -> None:
    data = {"machine": MACHINE, "cupy": "14.2.0", "gpu": "NVIDIA H200", "dtype": "float32",
            "results": [{"label": "30×2-10-3", "median_s": {"nnlearn_gpu": 3e-4, "floor": 1e-4,
                                                            "nnlearn_cpu": 1.5e-4},
                         "speedup_vs_cpu": 0.5}]}
    text = speedup.gpu_markdown(_write(tmp_path, "gpu.json", data))
    assert "| 30×2-10-3 | 300.0 µs | 100.0 µs | 150.0 µs | 0.50 |" in text
    assert "越大越快" in text
    assert "GPU NVIDIA H200" in text and "CuPy 14.2.0" in text
