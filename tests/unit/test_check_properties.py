"""性质测试（hypothesis）：随机形状、数值与种子下，check_layer 放过正确的层、抓住写错的层。"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlearn.check import check_layer
from nnlearn.layers import LAYERS
from nnlearn.nodes import NODES

dims = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)
FAST = settings(max_examples=15, deadline=None)


@pytest.mark.parametrize("cls", LAYERS + NODES, ids=lambda c: c.__name__)
@FAST
@given(n=dims, d=dims, seed=seeds, check_seed=st.integers(0, 1000))
def test_every_registered_class_passes_for_any_shape_and_seed(cls, n, d, seed, check_seed):
    example = cls.example(np.random.default_rng(seed), n=n, d=d)
    report = check_layer(example.obj, *example.inputs, t=example.t, seed=check_seed)
    assert report.ok, str(report)


class ScaledMatMul:
    """dW 乘上 (1 + eps)：只错一点点的梯度。"""

    param_names = ("W",)

    def __init__(self, W, eps):
        self.params, self.grads = [W], [np.zeros_like(W)]
        self.x, self.eps = None, eps

    def forward(self, x):
        self.x = x
        return x @ self.params[0]

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        self.grads[0][...] = (1 + self.eps) * (self.x.T @ dout)
        return dout @ self.params[0].T


@FAST
@given(n=dims, d=dims, h=dims, seed=seeds, eps=st.floats(1e-4, 1.0))
def test_a_gradient_off_by_a_small_factor_is_always_reported_on_that_array(n, d, h, seed, eps):
    rng = np.random.default_rng(seed)
    report = check_layer(ScaledMatMul(rng.standard_normal((d, h)), eps), rng.standard_normal((n, d)))
    assert report.errors["x"] < 1e-7  # dx 是对的
    assert len(report.problems) == 1 and report.problems[0].startswith("dW 与数值梯度不符"), str(report)
