"""注册表里的每个层和节点都遵守同一套约定：先 forward、dout 同形、dtype 规则、空批次、梯度形状。

这些测试从 ``LAYERS + NODES`` 取类：新增一个层，只要把它加进所在模块的注册表，就会被测到。
"""

import inspect

import numpy as np
import pytest

from nnlearn import layers, nodes
from nnlearn.base import Example, Layer
from nnlearn.layers import LAYERS
from nnlearn.nodes import NODES

REGISTRY = LAYERS + NODES
ids = [cls.__name__ for cls in REGISTRY]


def run_forward(example: Example):
    extra = () if example.t is None else (example.t,)
    return example.obj.forward(*example.inputs, *extra)


def ones_douts(out):
    outs = out if isinstance(out, tuple) else (out,)
    return [np.ones(np.shape(o)) for o in outs]


def run_backward(example: Example, out):
    if example.t is not None:  # 损失层：dout 是标量
        return (example.obj.backward(),)
    grads = example.obj.backward(*ones_douts(out))
    return grads if isinstance(grads, tuple) else (grads,)


@pytest.mark.parametrize("module, registry", [(layers, LAYERS), (nodes, NODES)])
def test_registry_lists_every_class_of_its_module(module, registry):
    """忘了把新类加进注册表，这里就会失败。"""
    defined = {obj for _, obj in inspect.getmembers(module, inspect.isclass)
               if issubclass(obj, Layer) and obj is not Layer and obj.__module__ == module.__name__}
    assert defined == set(registry)


@pytest.mark.parametrize("cls", REGISTRY, ids=ids)
def test_example_is_float64_and_of_its_class(cls):
    example = cls.example(np.random.default_rng(0), n=3, d=2)
    assert isinstance(example.obj, cls)
    assert all(np.asarray(x).dtype == np.float64 for x in example.inputs)
    assert all(p.dtype == np.float64 for p in example.obj.params)


@pytest.mark.parametrize("cls", REGISTRY, ids=ids)
def test_backward_before_forward_says_so(cls):
    obj = cls.example(np.random.default_rng(0)).obj
    count = obj.n if cls is nodes.Branch else 1  # Branch 的反向收 n 个上游梯度
    douts = () if cls is layers.SoftmaxWithLoss else (np.ones((4, 5)),) * count
    with pytest.raises(RuntimeError, match=f"{cls.__name__}.*请先调用 forward"):
        obj.backward(*douts)


@pytest.mark.parametrize("cls", [c for c in REGISTRY if c is not layers.SoftmaxWithLoss], ids=lambda c: c.__name__)
def test_backward_rejects_dout_of_the_wrong_shape(cls):
    example = cls.example(np.random.default_rng(0))
    out = run_forward(example)
    douts = ones_douts(out)
    expected = douts[0].shape
    douts[0] = np.ones((7, *expected))  # 多一维，NumPy 本来会悄悄广播
    with pytest.raises(ValueError) as info:
        example.obj.backward(*douts)
    assert str(expected) in str(info.value) and str(douts[0].shape) in str(info.value)


def test_loss_backward_needs_a_scalar():
    example = layers.SoftmaxWithLoss.example(np.random.default_rng(0))
    run_forward(example)
    with pytest.raises(ValueError, match="标量"):
        example.obj.backward(np.ones(3))


@pytest.mark.parametrize("cls", REGISTRY, ids=ids)
def test_each_gradient_has_its_inputs_shape(cls):
    example = cls.example(np.random.default_rng(1), n=3, d=4)
    grads = run_backward(example, run_forward(example))
    assert [np.shape(g) for g in grads] == [np.shape(x) for x in example.inputs]
    assert [g.shape for g in example.obj.grads] == [p.shape for p in example.obj.params]


@pytest.mark.parametrize("cls", REGISTRY, ids=ids)
@pytest.mark.parametrize("dtype", [bool, complex])
def test_bool_and_complex_inputs_are_a_type_error(cls, dtype):
    example = cls.example(np.random.default_rng(0))
    bad = (example.inputs[0] > 0).astype(dtype)
    with pytest.raises(TypeError, match=f"dtype={np.dtype(dtype)}"):
        example.obj.forward(bad, *example.inputs[1:], *(() if example.t is None else (example.t,)))


@pytest.mark.parametrize("cls", REGISTRY, ids=ids)
def test_empty_batch_is_a_clear_error(cls):
    example = cls.example(np.random.default_rng(0))
    empty = example.inputs[0][:0]
    with pytest.raises(ValueError, match="批为空"):
        extra = () if example.t is None else (example.t[:0],)
        example.obj.forward(empty, *example.inputs[1:], *extra)


@pytest.mark.parametrize("cls", [c for c in REGISTRY if c.param_names], ids=lambda c: c.__name__)
def test_float32_params_compute_in_float32(cls):
    """精度规则：输入（float64）按参数的 dtype（float32）计算。"""
    example = cls.example(np.random.default_rng(0))
    obj = example.obj
    params32 = [p.astype(np.float32) for p in obj.params]
    obj32 = cls(*params32)
    out = obj32.forward(*example.inputs)
    assert out.dtype == np.float32
    obj32.backward(np.ones(out.shape))
    assert all(g.dtype == np.float32 for g in obj32.grads)


@pytest.mark.parametrize("cls", [c for c in REGISTRY if not c.param_names], ids=lambda c: c.__name__)
def test_parameterless_keep_float32_input(cls):
    example = cls.example(np.random.default_rng(0))
    inputs = [x.astype(np.float32) for x in example.inputs]
    extra = () if example.t is None else (example.t,)
    out = example.obj.forward(*inputs, *extra)
    if example.t is not None:  # 损失层返回 Python float；它存下的概率保持 float32
        out = example.obj.y
    first = out[0] if isinstance(out, tuple) else out
    assert np.asarray(first).dtype == np.float32
