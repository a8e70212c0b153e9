"""nnlearn.check.run_cli：``python -m nnlearn check FILE.py:NAME`` 背后的函数。"""

from __future__ import annotations

import io
import textwrap

import pytest

from nnlearn.check import run_cli

LAYERS = textwrap.dedent('''
    import numpy as np

    class Tanh:
        def __init__(self):
            self.params, self.grads = [], []
            self.out = None

        def forward(self, x):
            self.out = np.tanh(x)
            return self.out

        def backward(self, dout):
            if self.out is None:
                raise RuntimeError("请先调用 forward")
            return dout * (1 - self.out**2)

    class WrongTanh(Tanh):
        def backward(self, dout):
            if self.out is None:
                raise RuntimeError("请先调用 forward")
            return dout * (1 - self.out)

    class MyAffine:
        def __init__(self, W, b):
            self.params, self.grads = [W, b], [np.zeros_like(W), np.zeros_like(b)]

        def forward(self, x):
            return x

        def backward(self, dout):
            return dout

    def make():
        return Tanh()

    class MyLoss:
        def __init__(self):
            self.params, self.grads = [], []
            self.y = None

        def forward(self, x, t):
            e = np.exp(x - x.max(axis=1, keepdims=True))
            self.y, self.t = e / e.sum(axis=1, keepdims=True), t
            return float(-np.log(self.y[np.arange(len(t)), t]).mean())

        def backward(self, dout=1.0):
            if self.y is None:
                raise RuntimeError("请先调用 forward")
            dx = self.y.copy()
            dx[np.arange(len(self.t)), self.t] -= 1
            return dx * dout / len(self.t)

    class SGD:
        def __init__(self, lr=0.01):
            self.lr = lr

        def update(self, params, grads):
            for p, g in zip(params, grads):
                p -= self.lr * g
''')


@pytest.fixture
def layers_file(tmp_path):
    path = tmp_path / "my_layers.py"
    path.write_text(LAYERS, encoding="utf-8")
    return path


def run(target):
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(target, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", ["Tanh", "make", "MyLoss", "SGD"])
def test_a_correct_class_function_loss_or_optimizer_passes(layers_file, name):
    code, out, err = run(f"{layers_file}:{name}")
    assert (code, err) == (0, ""), out + err
    assert out.rstrip().endswith("全部通过")


def test_a_wrong_layer_prints_the_report_and_returns_1(layers_file):
    code, out, _ = run(f"{layers_file}:WrongTanh")
    assert code == 1
    assert "dx 与数值梯度不符" in out and out.rstrip().endswith("发现 1 个问题")


@pytest.mark.parametrize(("target", "message"), [
    ("nowhere.py:Tanh", "错误：找不到文件 nowhere.py"),
    ("{file}", "目标应写成 文件.py:名字"),
    ("{file}:Relu", "里没有 Relu；文件里定义的类有：MyAffine、MyLoss、SGD、Tanh、WrongTanh"),
    ("{file}:MyAffine", "MyAffine() 需要参数（W, b）"),
    ("{file}:np", "既不是层（forward/backward）也不是优化器（update）"),
])
def test_unusable_targets_give_one_chinese_line_and_return_2(layers_file, target, message):
    code, out, err = run(target.format(file=layers_file))
    assert code == 2
    assert out == ""
    assert message in err and err.count("\n") == 1


def test_an_error_while_loading_the_file_names_the_line(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import numpy as np\nx = 1 / 0\n", encoding="utf-8")
    code, _, err = run(f"{path}:Anything")
    assert code == 2
    assert "ZeroDivisionError" in err and "第 2 行：x = 1 / 0" in err


def test_a_file_with_a_dataclass_loads(tmp_path):
    path = tmp_path / "with_dataclass.py"
    path.write_text(textwrap.dedent('''
        from dataclasses import dataclass

        import numpy as np

        @dataclass
        class SGD:
            lr: float = 0.01

            def update(self, params, grads):
                for p, g in zip(params, grads):
                    p -= self.lr * g
    '''), encoding="utf-8")
    code, out, err = run(f"{path}:SGD")
    assert (code, err) == (0, ""), out + err
