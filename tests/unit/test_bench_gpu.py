"""benchmarks/bench_gpu.py 在没有 GPU 的机器上能查的部分。

- 各实现（nnlearn、裸数组下限、只做矩阵乘法）在 NumPy 上、在假 GPU 数组（``tests/fake_cupy.py``）上都算
  同一件事，GPU 写法的代码不会悄悄把数组搬回 NumPy；
- PyTorch 的那一步在 CPU 上给出与 nnlearn 相同的损失曲线（同样的初始权重与数据）——没有 PyTorch 时跳过
  （CI 的 ``make test`` 不装它）；
- ``--quick`` 在假 GPU 上把 GPU 模式从头跑到尾：写出的 JSON 字段齐全，§1.5 的表能读它。
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/：fake_cupy（--noconftest 时也找得到）
# benchmarks/：bench_gpu 用 "from common import ..." 导入同目录的模块
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_gpu
import fake_cupy
from bench_step import floor_step, nnlearn_step, problem, torch_step

from nnlearn import backend

NO_TORCH = "没有安装 PyTorch（pip install 'nnlearn[bench]'）：不检查 PyTorch 的那一步"
#: nnlearn 与 PyTorch 在 CPU 上 10 步损失的相对差上限
TORCH_RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5}


def losses(step: Any, n: int = 10) -> np.ndarray:
    return np.array([float(step()) for _ in range(n)])


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: np.dtype(d).name)
def test_step_builders_agree_on_the_cpu(dtype: Any) -> None:
    p = problem(8, 3, 5, 4, np.dtype(dtype))
    dev = bench_gpu.Device("cpu", np, None)
    steps = bench_gpu.build_steps(p, dev, with_cpu=True)
    assert set(steps) == {"nnlearn_cpu", "floor", "matmul"}  # CPU 上不重复测 nnlearn_cpu
    got = bench_gpu.first_losses(steps, n_steps=10)
    assert set(got) == {"nnlearn_cpu", "floor"}
    diffs = bench_gpu.loss_agreement(got, "nnlearn_cpu")
    assert max(diffs.values()) <= bench_gpu.LOSS_RTOL[np.dtype(dtype).name]
    assert got["nnlearn_cpu"][-1] < got["nnlearn_cpu"][0]  # 真的在训练：损失在下降


def test_cupy_shaped_steps_run_on_the_fake_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """GPU 写法的三个实现在假 GPU 数组上运行：混进一个 NumPy 数组就会 TypeError；损失与 CPU 完全相同。"""
    fake = fake_cupy.installed(monkeypatch)
    p = problem(8, 3, 5, 4, np.dtype(np.float64))
    steps = bench_gpu.build_steps(p, bench_gpu.Device("cuda", fake, None), with_cpu=True)
    assert set(steps) == {"nnlearn_gpu", "floor", "matmul", "nnlearn_cpu"}
    got = bench_gpu.first_losses(steps, n_steps=5)
    for name in ("nnlearn_gpu", "floor"):
        np.testing.assert_allclose(got[name], got["nnlearn_cpu"], rtol=1e-12)
    assert steps["matmul"]() == 0.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: np.dtype(d).name)
def test_torch_step_has_the_nnlearn_loss_history(dtype: Any) -> None:
    pytest.importorskip("torch", reason=NO_TORCH)
    p = problem(16, 6, 7, 5, np.dtype(dtype))
    ts = torch_step(p, device="cpu")
    assert ts is not None
    nn, th, fl = losses(nnlearn_step(p)), losses(ts), losses(floor_step(p))
    tol = TORCH_RTOL[np.dtype(dtype)]
    np.testing.assert_allclose(th, nn, rtol=tol)
    np.testing.assert_allclose(fl, nn, rtol=tol)
    assert nn[-1] < nn[0]


def test_step_flops_counts_each_product_of_the_step() -> None:
    """五次矩阵乘法各自的 2·m·k·n（形状取自 bench_step.matmul_step 的写法）。"""
    n, d, h, c = 3, 4, 5, 6
    products = [(n, d, h), (n, h, c), (h, n, c), (n, c, h), (d, n, h)]  # x·W1, h·W2, hᵀ·ds, ds·W2ᵀ, xᵀ·dh
    assert bench_gpu.step_flops(n, d, h, c) == sum(2 * a * b * k for a, b, k in products)


def run_quick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, device: bench_gpu.Device) -> dict[str, Any]:
    monkeypatch.setattr(bench_gpu, "make_device", lambda name: device)
    out = tmp_path / "gpu.json"
    assert bench_gpu.main(["--quick", "--out", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def check_rows(data: dict[str, Any], tag: str) -> None:
    for key in ("results", "results_float64", "results_float16"):
        assert data[key], f"{key} 为空"
        for row in data[key]:
            assert row["losses_agree"], (key, row["label"], row["loss_rel_diff"])
            assert row["median_s"][f"nnlearn_{tag}"] > 0 and row["ratio_floor"] > 0
            assert row["ideal_matmul_s"] > 0 and row["ratio_ideal"] > 0
            with_cpu = tag != "cpu" and key != "results_float16"
            assert (row["speedup_vs_cpu"] is not None) == with_cpu


def test_quick_gpu_mode_end_to_end_on_the_fake_gpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_cupy.installed(monkeypatch)
    data = run_quick(tmp_path, monkeypatch, bench_gpu.Device("cuda", fake, None, "测试：不比较 PyTorch"))
    assert data["complete"] and data["errors"] == [] and data["skipped"] == []
    assert data["device"] == "cuda" and data["gpu"] == "FakeDevice (NumPy)"
    assert set(data["peak_matmul"]) == {"float64", "float32", "float16"}
    check_rows(data, "gpu")
    spiral = data["spiral"]
    assert set(spiral["runs"]) == {"float16_gpu", "float32_gpu", "float64_gpu", "float64_cpu"}
    assert spiral["vs_float64"]["float64_cpu"]["max_rel_diff"] == 0.0  # 假 GPU 的数值与 NumPy 相同
    assert spiral["vs_float64"]["float16_gpu"]["max_rel_diff"] < 1e-2
    # §1.5 的表（hooks/figure_specs/speedup.py）能读这份文件：GPU 的结果落地时站点照常构建
    pytest.importorskip("mkdocs", reason="没有 mkdocs：不检查站点一侧")
    import figures  # hooks/figures.py（pyproject 的 pythonpath 含 hooks/）

    speedup = figures._load_spec(figures.SPEC_DIR / "speedup.py")
    table = speedup.gpu_markdown(tmp_path / "gpu.json")
    assert "| 30×2-10-3 |" in table and "GPU FakeDevice (NumPy)" in table


def test_quick_cpu_mode_compares_torch_and_writes_everything(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch", reason=NO_TORCH)
    device = bench_gpu.make_device("cpu")
    assert isinstance(device, bench_gpu.Device) and device.torch_device == "cpu"
    data = run_quick(tmp_path, monkeypatch, device)
    assert data["complete"] and data["device"] == "cpu"
    check_rows(data, "cpu")
    assert all(row["ratio_torch"] > 0 for key in ("results", "results_float64", "results_float16")
               for row in data[key])


@pytest.mark.skipif(backend.gpu_available(), reason="这台机器有 GPU：此项只测没有 GPU 时的行为")
def test_without_a_gpu_it_says_why_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gpu.json"
    assert bench_gpu.main(["--out", str(out)]) == 0
    assert "跳过 GPU 基准：没有可用的 CuPy 或 GPU" in capsys.readouterr().out
    assert not out.exists()


def test_speedup_page_names_the_sizes_the_script_times() -> None:
    """1.5 页说 bench_gpu 计时的规模“从…一直到…”：必须是脚本里第一个和最后一个规模（曾经写成 4096 而脚本是 8192）。"""
    page = (Path(__file__).resolve().parents[2] / "docs" / "speed" / "speedup.md").read_text(encoding="utf-8")

    def label(size: tuple[int, int, int, int]) -> str:
        n, d, h, c = size
        return f"{n}×{d}-{h}-{c}"

    first, last = bench_gpu.FULL_SIZES[0], bench_gpu.FULL_SIZES[-1]
    assert f"规模从 {label(first)} 一直到 {label(last)}" in page
