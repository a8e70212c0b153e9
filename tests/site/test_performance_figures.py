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


def _fb_row(label: str, n: int, d: int, h: int, c: int, threads: int, input_grad: bool,
           ratio: float) -> dict:
    """``backward_forward`` 的一行（与 benchmarks/bench_gradcheck.py 写出的格式相同）。"""
    fwd_macs = n * d * h + n * h * c
    bwd_macs = n * d * h * (2 if input_grad else 1) + 2 * n * h * c
    return {"label": label, "N": n, "D": d, "H": h, "C": c, "threads": threads,
            "input_grad": input_grad, "forward_s": 1e-3, "backward_s": ratio * 1e-3,
            "backward_over_forward": ratio, "forward_macs": fwd_macs, "backward_macs": bwd_macs,
            "macs_ratio": bwd_macs / fwd_macs}


def _gradcost_data() -> dict:
    scaling = [{"hidden": h, "params": 6 * h + 3, "backprop_s": 1e-4 + 1e-7 * h,
                "numerical_s": 2e-4 * (6 * h + 3)} for h in (1, 10, 100)]
    for r in scaling:
        r["ratio"] = r["numerical_s"] / r["backprop_s"]
        r.update(forward_s=6e-5, backward_s=3e-5 * (1 + r["hidden"] / 100))
        r["backward_over_forward"] = r["backward_s"] / r["forward_s"]
        r["numerical_per_forward_s"] = r["numerical_s"] / (2 * r["params"])
    # 小网络：反向只要正向的 0.4；大网络：第一层不算 dx 时 1.1，算时 1.9（2 线程各加 0.1）
    fb = [_fb_row(label, *size, threads, dx, base + (0.8 if dx and size[1] > 2 else 0.0)
                  + 0.1 * (threads - 1))
          for label, size, base in (("1024×1024-1024-10", (1024, 1024, 1024, 10), 1.1),
                                    ("30×2-10-3", (30, 2, 10, 3), 0.4))
          for threads in (1, 2) for dx in (False, True)]
    big = {"network": "784-100-10", "batch": 32, "params": 79510, "max_coords": 200,
           "gradient_check_s": 3.5, "errors": {"W1": 4e-9, "b1": 1e-9}, "forward_s": 3e-4,
           "backprop_s": 5e-4, "numerical_full_estimate_s": 47.7, "backward_over_forward": 0.7}
    return {"machine": MACHINE, "batch": 30, "scaling": scaling, "backward_forward": fb,
            "big": big}


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


def test_backprop_cost_paragraph_states_what_was_measured(tmp_path: Path) -> None:
    """两段话：数值梯度慢多少（2P 次正向、每次多少、反向传播多少），反向 ÷ 正向随规模变化。"""
    data = _gradcost_data()
    text = results.backprop_cost_markdown(_write(tmp_path, "gradcost.json", data))
    last = data["scaling"][-1]
    assert "TwoLayerNet(2, 100, 3)`（P = 603 个参数" in text
    assert "2P = 1,206 次正向" in text
    assert f"前者是后者的 {last['ratio']:,.0f} 倍" in text
    assert results.micro(last["numerical_per_forward_s"]) in text
    # 小网络 0.4、最大的网络（1 线程、第一层不算 dx）1.1、全部组合 0.4 到 2.0
    assert "书中的设置（批大小 30、网络 2-10-3：输入、隐藏层、输出的单元数）上只要 0.4 次" in text
    assert "批大小 1024、网络 1024-1024-10 上是 1.1 次" in text
    assert "从 0.4 到 2.0 次" in text
    assert "](../learning/backprop.md#backward-cost)" in text
    assert "`bash benchmarks/run.sh gradcheck`" in text
    assert "还没有这项基准的结果" in results.backprop_cost_markdown(tmp_path / "missing.json")


def test_backprop_cost_paragraph_explains_overhead_only_when_the_data_shows_it(
        tmp_path: Path) -> None:
    """数值梯度里每次正向比单独的一次正向慢，才说“多出的是……开销”。"""
    data = _gradcost_data()
    slower = results.backprop_cost_markdown(_write(tmp_path, "gradcost.json", data))
    assert "多出的是逐个坐标改动、还原参数的开销" in slower
    data["scaling"][-1]["numerical_per_forward_s"] = data["scaling"][-1]["forward_s"]
    same = results.backprop_cost_markdown(_write(tmp_path, "gradcost.json", data))
    assert "多出的是" not in same and "相当" in same


def test_old_gradcost_results_name_the_command(tmp_path: Path) -> None:
    data = _gradcost_data()
    del data["backward_forward"]
    with pytest.raises(ValueError, match=r"backward_forward.*benchmarks/run\.sh gradcheck"):
        results.backprop_cost_markdown(_write(tmp_path, "gradcost.json", data))
    data = _gradcost_data()
    del data["scaling"][-1]["numerical_per_forward_s"]
    with pytest.raises(ValueError, match="numerical_per_forward_s"):
        results.backprop_cost_markdown(_write(tmp_path, "gradcost.json", data))


def test_backward_forward_table_has_one_row_per_size() -> None:
    table = results.backward_forward_table(_gradcost_data())
    lines = table.splitlines()
    assert lines[0].count("线程") == 4 and "按乘加次数" in lines[0]
    # 按乘加次数从小到大；预计的比值：小网络 (600+1800)/(600+900) = 1.6，算 dx 时 2.0
    assert lines[2] == "| 30×2-10-3 | 0.4 | 0.5 | 0.4 | 0.5 | 1.6 / 2.0 |"
    assert lines[3] == "| 1024×1024-1024-10 | 1.1 | 1.2 | 1.9 | 2.0 | 1.0 / 2.0 |"
    assert len(lines) == 4


def test_backward_forward_lookup_names_what_is_missing() -> None:
    data = _gradcost_data()
    assert results.backward_forward(data)["label"] == "1024×1024-1024-10"
    assert results.backward_forward_book(data)["label"] == "30×2-10-3"
    assert results.backward_forward_range(data) == pytest.approx((0.4, 2.0))
    with pytest.raises(KeyError, match="3 线程"):
        results.backward_forward(data, threads=3)


def test_committed_gradcost_results() -> None:
    """提交的结果文件：每个规模都测了 1、2 线程和第一层算与不算 dx；比值合乎物理。"""
    data = results.load_results(results.GRADCOST)
    assert all(0 < r["backward_over_forward"] < 10 for r in data["scaling"])
    rows = results.backward_forward_rows(data)
    labels = {r["label"] for r in rows}
    assert len(rows) == len(labels) * 4
    largest = results.backward_forward(data)
    assert largest["macs_ratio"] == pytest.approx(1.0, abs=0.05)
    # 大网络上时间花在矩阵乘法：让第一层也算 dx，反向明显变贵
    with_dx = results.backward_forward(data, input_grad=True)
    assert with_dx["backward_over_forward"] > 1.3 * largest["backward_over_forward"]
    for r in data["scaling"]:  # 数值梯度的 2P 次正向，每次不比单独的一次正向便宜太多
        assert r["numerical_per_forward_s"] > 0.5 * r["forward_s"]


def test_site_numbers_quote_the_generated_paragraph() -> None:
    """页面上的 {{ n.gradcost_* }} 与几页共用的那段话出自同一份文件，数字一致。"""
    numbers = load_spec("site-numbers").NUMBERS
    text = results.backprop_cost_markdown()
    for key in ("gradcost_speedup", "gradcost_bwd_fwd_book", "gradcost_bwd_fwd_large",
                "gradcost_bwd_fwd_min", "gradcost_bwd_fwd_max"):
        assert numbers[key]() in text, key
    # 规模标签在段落里写成“批大小 N、网络 D-H-C”
    assert results.size_words(numbers["gradcost_large_net"]()) in text
    assert f"P = {numbers['gradcost_params']()} 个参数" in text
    table = results.backward_forward_table(results.load_results(results.GRADCOST))
    assert numbers["gradcost_bwd_fwd_large_dx"]() in table


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
