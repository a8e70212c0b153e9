"""nnlearn.check.run_cli：``python -m nnlearn check FILE.py:NAME`` 背后的函数。"""

from __future__ import annotations

import io
import subprocess
import sys
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


def run(target, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(target, out=out, err=err, **kwargs)
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
    ("{file}:MyAffine", "再检查 {file}:make"),  # 建议里是读者自己的文件名，不是占位的“文件.py”
    ("{file}:np", "既不是层（forward/backward）也不是优化器（update）"),
])
def test_unusable_targets_give_one_chinese_line_and_return_2(layers_file, target, message):
    code, out, err = run(target.format(file=layers_file))
    assert code == 2
    assert out == ""
    assert message.format(file=layers_file) in err and err.count("\n") == 1


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


SLOW = textwrap.dedent('''
    import time
    from pathlib import Path

    import numpy as np

    class Spin:
        def __init__(self):
            self.params, self.grads = [], []

        def forward(self, x):
            while True:
                pass

        def backward(self, dout):
            return dout

    class Sleepy(Spin):
        def forward(self, x):
            time.sleep(1000)

    def main():
        Path(__file__).with_name("trained.txt").write_text("训练过了")
        for epoch in range(10**9):
            pass

    def build_after_training():
        for epoch in range(10**9):
            pass
        return Spin()

    class Plain:
        def __init__(self, lr=0.1):
            self.lr = lr

        def update(self, params, grads):
            for p, g in zip(params, grads):
                p -= self.lr * g

    class SquareLoss:
        def __init__(self):
            self.params, self.grads = [], []
            self.diff = None

        def forward(self, x, t):
            self.diff = x - np.eye(x.shape[1])[t]
            return float(0.5 * np.sum(self.diff**2) / len(x))

        def backward(self):
            if self.diff is None:
                raise RuntimeError("请先调用 forward")
            return self.diff / len(self.diff)
''')


@pytest.fixture
def slow_file(tmp_path):
    path = tmp_path / "slow.py"
    path.write_text(SLOW, encoding="utf-8")
    return path


def test_a_function_without_a_return_value_is_not_called(slow_file):
    code, out, err = run(f"{slow_file}:main")
    assert (code, out) == (2, "")
    assert err.startswith("错误：main() 没有返回值（函数里没有 return 一个对象的语句）")
    assert f"再检查 {slow_file}:make" in err
    assert not slow_file.with_name("trained.txt").exists()  # main() 没有被调用


def test_construction_and_loading_have_the_time_limit(slow_file, tmp_path):
    code, _, err = run(f"{slow_file}:build_after_training", timeout=0.2)
    assert code == 2
    assert "build_after_training() 运行了 0.2 秒还没有返回" in err and "是不是在训练" in err
    looping = tmp_path / "trains_on_import.py"
    looping.write_text("while True:\n    pass\n", encoding="utf-8")
    code, _, err = run(f"{looping}:Anything", timeout=0.2)
    assert code == 2
    assert f"载入 {looping} 运行了 0.2 秒还没有结束：文件的顶层代码是不是在训练？" in err


def test_an_endless_forward_is_a_failed_check_with_exit_code_1(slow_file):
    code, out, _ = run(f"{slow_file}:Spin", timeout=0.2)
    assert code == 1
    assert "问题 1：forward 运行了 0.2 秒还没有结束" in out and "（--timeout）" in out


def test_exit_codes_for_unchecked_items(slow_file):
    code, out, _ = run(f"{slow_file}:Plain")  # 找不到参照：更新公式没查过
    assert code == 1 and "[未检查] 与参照比较" in out
    code, out, _ = run(f"{slow_file}:SquareLoss")  # backward 不收 dout：只是旁的一项没查
    assert code == 0, out
    assert "[未检查] 损失层的 backward 乘上 dout" in out
    assert out.rstrip().splitlines()[-1].startswith("没有发现问题，但有 1 项未检查")


def test_code_stuck_where_it_cannot_be_interrupted_ends_the_command(slow_file):
    # timeout=60：命令自己结束不了时，测试失败（TimeoutExpired）而不是卡住
    proc = subprocess.run([sys.executable, "-m", "nnlearn", "check", f"{slow_file}:Sleepy", "--timeout", "0.2"],
                          capture_output=True, text=True, timeout=60, cwd=slow_file.parent)
    assert proc.returncode == 1
    assert proc.stderr.startswith("错误：forward 运行超过 0.2 秒，停不下来")


def test_the_timeout_option_is_checked():
    proc = subprocess.run([sys.executable, "-m", "nnlearn", "check", "x.py:A", "--timeout", "0"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "参数 --timeout：应是正数（秒），收到 '0'" in proc.stderr
