"""backend：没有 CuPy 时一切照常；有 GPU 时同一份层代码在 CuPy 上给出相同结果。"""

import importlib.util
import sys

import numpy as np
import pytest

from nnlearn import backend
from nnlearn.layers import Affine, SoftmaxWithLoss

HAS_GPU = backend.gpu_available()
needs_gpu = pytest.mark.skipif(not HAS_GPU, reason="没有 CuPy 或 GPU：GPU 路径未在本机测试")


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
    with pytest.raises(ModuleNotFoundError, match=r"nnlearn\[gpu\]"):
        backend.to_device([1.0], "gpu")


@needs_gpu
def test_same_layer_code_on_gpu():
    rng = np.random.default_rng(0)
    W, b, x = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((5, 3))
    t = np.array([0, 1, 2, 3, 0])
    cpu, loss_cpu = Affine(W, b), SoftmaxWithLoss()
    gpu, loss_gpu = Affine(*(backend.to_device(a, "gpu") for a in (W, b))), SoftmaxWithLoss()
    l_cpu = loss_cpu.forward(cpu.forward(x), t)
    l_gpu = loss_gpu.forward(gpu.forward(backend.to_device(x, "gpu")), backend.to_device(t, "gpu"))
    assert l_gpu == pytest.approx(l_cpu, rel=1e-12)
    cpu.backward(loss_cpu.backward())
    gpu.backward(loss_gpu.backward())
    np.testing.assert_allclose(backend.to_device(gpu.grads[0], "cpu"), cpu.grads[0], rtol=1e-10)
