"""backend：没有 CuPy 时一切照常；在 GPU 上，同一份层代码给出与 CPU 相同的结果，数组始终留在 GPU 上。

GPU 的检查各跑两遍（fixture ``device``）：

- ``fake``：``tests/fake_cupy.py`` 的假 GPU 数组，任何机器上都跑。它与 CuPy 一样拒绝隐式转回 NumPy，
  所以能查出"算到一半悄悄回到了 CPU"的代码；数值与 NumPy 一模一样，查不了 GPU 的舍入。
- ``cupy``：真的 CuPy 与 GPU；没有时跳过并写明原因。数值按 dtype 比较：float64 相对误差 ≤ 1e-12，
  float32 ≤ 1e-5（‖GPU − CPU‖ / ‖CPU‖，逐个数组）。

本文件只依赖 numpy、pytest 和 nnlearn：GPU 机器上没有 sybil，用
``PYTHONPATH=src python3 -m pytest --noconftest tests/unit/test_backend.py`` 运行。
"""

from __future__ import annotations

import copy
import importlib.util
import shutil
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/：--noconftest 时也找得到 fake_cupy
import fake_cupy

from nnlearn import backend
from nnlearn.base import Example
from nnlearn.datasets import load_spiral
from nnlearn.layers import LAYERS
from nnlearn.models import TwoLayerNet
from nnlearn.nodes import NODES
from nnlearn.optim import BY_NAME, SGD
from nnlearn.trainer import Trainer

with warnings.catch_warnings():
    # 导入 CuPy 时的提醒（比如找不到 CUDA_PATH）在 pytest 的 filterwarnings=error 下会变成异常，
    # gpu_available() 就悄悄返回 False、GPU 测试全部跳过；这里只让它显示出来
    warnings.simplefilter("default")
    HAS_GPU = backend.gpu_available()
NO_GPU = "没有 CuPy 或 GPU：真 GPU 上的这项检查未在本机运行（假 GPU 数组的那一份照常运行）"
REGISTRY = LAYERS + NODES
#: GPU 与 CPU 的相对误差上限（‖GPU − CPU‖ / ‖CPU‖）
TOLERANCE = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5}
DTYPES = list(TOLERANCE)


# ---------------------------------------------------------------- 没有 GPU 时的 CPU 行为
def test_numpy_by_default_and_cupy_not_imported():
    assert backend.get_array_module(np.zeros(2), [1.0]) is np
    if importlib.util.find_spec("cupy") is None:
        assert "cupy" not in sys.modules


def test_to_device_cpu_and_bad_device():
    np.testing.assert_array_equal(backend.to_device([1.0, 2.0], "cpu"), [1.0, 2.0])
    with pytest.raises(ValueError, match="device"):
        backend.to_device([1.0], "tpu")


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="装了 CuPy，此项只测缺失时的提示")
def test_gpu_request_without_cupy_says_how_to_install():
    assert backend.gpu_available() is False
    with pytest.raises(ModuleNotFoundError) as err:
        backend.to_device([1.0], "gpu")
    # 提示里的包名就是 pyproject 的 gpu / gpu-cuda12 附加依赖装的那两个（从网站装 wheel 的读者没有 PyPI 上的 nnlearn）
    extras = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    extras = extras["project"]["optional-dependencies"]
    for extra in ("gpu", "gpu-cuda12"):
        (requirement,) = extras[extra]
        assert requirement.split("==")[0] in str(err.value), (requirement, str(err.value))
    assert "'.[gpu]'" in str(err.value)


def listed_gpus() -> list[str]:
    """``nvidia-smi -L`` 列出的 GPU（没有这个命令或它出错时为空）。"""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line for line in out.splitlines() if line.startswith("GPU ")]


@pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="没有安装 CuPy")
def test_a_present_gpu_is_not_silently_skipped():
    """装了 CuPy、nvidia-smi 也列出了 GPU 时，GPU 测试不能因为 gpu_available() 返回 False 而全部跳过。"""
    gpus = listed_gpus()
    if not gpus:
        pytest.skip("nvidia-smi 没有列出 GPU")
    import cupy

    assert cupy.cuda.runtime.getDeviceCount() > 0  # 出错时异常原样报出，说明 CuPy 为什么用不了 GPU
    assert HAS_GPU, f"nvidia-smi 列出了 {gpus}，CuPy 也能用，但导入本文件时 gpu_available() 是 False"


def test_model_to_device_cpu_keeps_the_same_arrays():
    net = TwoLayerNet(2, 3, 2, seed=0)
    before = list(net.params)
    assert backend.model_to_device(net, "cpu") is net
    assert all(a is b for a, b in zip(net.params, before, strict=True))


# ---------------------------------------------------------------- GPU：假数组一份，真 CuPy 一份
@pytest.fixture(params=["fake", "cupy"])
def device(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """返回设备名；``fake`` 时在测试期间装上假 cupy。"""
    if request.param == "cupy":
        if not HAS_GPU:
            pytest.skip(NO_GPU)
    else:
        fake_cupy.installed(monkeypatch)
    return request.param


def on_gpu(a: Any) -> Any:
    return backend.to_device(a, "gpu")


def to_host(a: Any) -> np.ndarray:
    """显式搬回主机；顺便确认它确实在"GPU"上（不是 NumPy 数组）。"""
    assert backend.is_cupy_array(a), f"应在 GPU 上，却是 {type(a).__module__}.{type(a).__name__}"
    return backend.to_device(a, "cpu")


def assert_close(got: Any, want: Any, dtype: Any, what: str) -> None:
    """``got`` 在 GPU 上，``want`` 是 CPU 的结果；按 dtype 的容差比较相对误差。"""
    got_h = to_host(got) if not isinstance(got, float) else got
    got_h, want_h = np.asarray(got_h, np.float64), np.asarray(want, np.float64)
    assert got_h.shape == want_h.shape, f"{what}：形状 {got_h.shape} ≠ {want_h.shape}"
    scale = np.linalg.norm(want_h)
    err = np.linalg.norm(got_h - want_h) / (scale if scale > 0 else 1.0)
    tol = TOLERANCE[np.dtype(dtype)]
    assert err <= tol, f"{what}：GPU 与 CPU 的相对误差 {err:.3g} 超过 {tol:g}（dtype {np.dtype(dtype)}）"


def in_dtype(obj: Any, dtype: Any, device: str) -> Any:
    """例子里的层换成 ``dtype``、放到 ``device`` 上；有参数的层按参数重建（构造函数收的正是这些参数）。"""
    if not obj.params:
        return copy.deepcopy(obj)
    return type(obj)(*(backend.to_device(p.astype(dtype), device) for p in obj.params))


def run(example: Example, obj: Any, dtype: Any, device: str) -> tuple[Any, tuple[Any, ...]]:
    """forward，再用固定的随机 dout 做 backward；返回 (输出, 反向的返回值)。"""
    xs = [backend.to_device(np.asarray(x, dtype), device) for x in example.inputs]
    if example.t is not None:  # 损失层：标签也放到同一设备上，反向的 dout 是标量
        out = obj.forward(*xs, backend.to_device(example.t, device))
        return out, (obj.backward(),)
    out = obj.forward(*xs)
    outs = out if isinstance(out, tuple) else (out,)
    rng = np.random.default_rng(1)
    douts = [backend.to_device(rng.standard_normal(o.shape).astype(dtype), device) for o in outs]
    back = obj.backward(*douts)
    return out, back if isinstance(back, tuple) else (back,)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("cls", REGISTRY, ids=lambda c: c.__name__)
def test_every_layer_and_node_matches_the_cpu(cls: type, dtype: Any, device: str) -> None:
    example = cls.example(np.random.default_rng(0))
    cpu, gpu = in_dtype(example.obj, dtype, "cpu"), in_dtype(example.obj, dtype, "gpu")
    params_before = list(gpu.params)
    out_cpu, back_cpu = run(example, cpu, dtype, "cpu")
    out_gpu, back_gpu = run(example, gpu, dtype, "gpu")
    if isinstance(out_cpu, float):  # 损失层返回 Python 的 float
        assert isinstance(out_gpu, float)
        assert_close(out_gpu, out_cpu, dtype, f"{cls.__name__} 的损失")
    else:
        outs_cpu = out_cpu if isinstance(out_cpu, tuple) else (out_cpu,)
        outs_gpu = out_gpu if isinstance(out_gpu, tuple) else (out_gpu,)
        for i, (g, c) in enumerate(zip(outs_gpu, outs_cpu, strict=True)):
            assert g.dtype == c.dtype == dtype
            assert_close(g, c, dtype, f"{cls.__name__} 的第 {i} 个输出")
    for i, (g, c) in enumerate(zip(back_gpu, back_cpu, strict=True)):
        assert_close(g, c, dtype, f"{cls.__name__}.backward 的第 {i} 个返回值")
    for i, (g, c) in enumerate(zip(gpu.grads, cpu.grads, strict=True)):
        assert_close(g, c, dtype, f"{cls.__name__} 的梯度 {cls.param_names[i]}")
    # 梯度就地写进原来的数组，参数还是原来那几个 GPU 数组
    assert all(a is b for a, b in zip(gpu.params, params_before, strict=True))


def spiral_batch(n: int = 30) -> tuple[np.ndarray, np.ndarray]:
    x, t = load_spiral()
    return x[:: len(x) // n], t[:: len(x) // n]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_two_layer_net_forward_and_backward_match_the_cpu(dtype: Any, device: str) -> None:
    x, t = spiral_batch()
    cpu = TwoLayerNet(2, 10, 3, seed=0, dtype=dtype, weight_scale="xavier")
    gpu = backend.model_to_device(copy.deepcopy(cpu), "gpu")
    assert_close(gpu.predict(on_gpu(x)), cpu.predict(x), dtype, "predict 的得分")
    loss_gpu = gpu.forward(on_gpu(x), on_gpu(t))
    assert_close(loss_gpu, cpu.forward(x, t), dtype, "损失")
    gpu.backward()
    cpu.backward()
    for name, g, c in zip(cpu.param_names, gpu.grads, cpu.grads, strict=True):
        assert_close(g, c, dtype, f"{name} 的梯度")
    # 模型、层手里是同一批数组（优化器就地更新时层立刻用上）
    assert [id(p) for p in gpu.params] == [id(p) for layer in gpu.layers for p in layer.params]
    assert gpu.accuracy(on_gpu(x), on_gpu(t)) == cpu.accuracy(x, t)


def fit(device_name: str, *, dtype: Any = np.float64, epochs: int = 30) -> Trainer:
    """书中 §1.4 的设置（隐藏层 10、SGD 学习率 1、批 30），在 ``device_name`` 上训练 ``epochs`` 轮。"""
    x, t = load_spiral()
    model = backend.model_to_device(TwoLayerNet(2, 10, 3, seed=0, dtype=dtype), device_name)
    trainer = Trainer(model, SGD(lr=1.0), seed=0)
    x, t = backend.to_device(x, device_name), backend.to_device(t, device_name)
    return trainer.fit(x, t, max_epoch=epochs, batch_size=30, eval_interval=10, verbose=False)


def test_trainer_fit_gives_the_cpu_loss_history_in_float64(device: str) -> None:
    cpu, gpu = fit("cpu"), fit("gpu")
    assert len(gpu.loss_list) == len(cpu.loss_list) == 30
    np.testing.assert_allclose(gpu.loss_list, cpu.loss_list, rtol=1e-10, atol=0)
    for name, g, c in zip(cpu.model.param_names, gpu.model.params, cpu.model.params, strict=True):
        assert_close(g, c, np.float64, f"训练后的 {name}")


def test_float16_trains_on_the_gpu_close_to_float64(device: str) -> None:
    """float16 在 GPU 上照样能训练：参数保持 float16、留在 GPU 上，损失曲线与 float64 相差不到 1%。"""
    half, full = fit("gpu", dtype=np.float16), fit("cpu")
    assert all(p.dtype == np.float16 and backend.is_cupy_array(p) for p in half.model.params)
    np.testing.assert_allclose(half.loss_list, full.loss_list, rtol=1e-2)


def device_arrays_in(obj: Any) -> tuple[list[Any], list[np.ndarray]]:
    """优化器属性里的全部数组（含列表、元组里的）：(GPU 数组, NumPy 数组)。"""
    found_gpu: list[Any] = []
    found_cpu: list[np.ndarray] = []
    stack = list(vars(obj).values())
    while stack:
        v = stack.pop()
        if isinstance(v, list | tuple):
            stack.extend(v)
        elif isinstance(v, np.ndarray):
            found_cpu.append(v)
        elif backend.is_cupy_array(v):
            found_gpu.append(v)
    return found_gpu, found_cpu


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_optimizer_state_stays_on_the_gpu(name: str, device: str) -> None:
    x, t = spiral_batch()
    nets = {d: backend.model_to_device(TwoLayerNet(2, 10, 3, seed=0), d) for d in ("cpu", "gpu")}
    opts = {d: BY_NAME[name](lr=0.1) for d in nets}
    data = {"cpu": (x, t), "gpu": (on_gpu(x), on_gpu(t))}
    for d, net in nets.items():
        for _ in range(3):
            net.forward(*data[d])
            net.backward()
            opts[d].update(net.params, net.grads)
    on_device, on_host = device_arrays_in(opts["gpu"])
    assert on_host == [], f"{name} 的状态里有 {len(on_host)} 个 NumPy 数组：被悄悄搬回了 CPU"
    gpu_net = nets["gpu"]
    if BY_NAME[name] is not SGD:  # 有状态的优化器：动量、平方梯度等（参数和梯度之外的数组）都应是 GPU 数组
        state = [a for a in on_device if all(a is not b for b in gpu_net.params + gpu_net.grads)]
        assert len(state) >= len(gpu_net.params), f"{name} 的状态数组只找到 {len(state)} 个"
    assert [id(p) for p in gpu_net.params] == [id(p) for layer in gpu_net.layers for p in layer.params]
    for pname, g, c in zip(gpu_net.param_names, gpu_net.params, nets["cpu"].params, strict=True):
        assert_close(g, c, np.float64, f"{name} 更新 3 步后的 {pname}")
