"""命令行：train 端到端写出图片，gradcheck 打印表格，check 转给 nnlearn.check，参数错误只给一行中文、退出码 2。"""

import os
import signal
import subprocess
import sys
import time

import pytest

from nnlearn.cli import INTERRUPTED, gradcheck_rows, main, translate
from nnlearn.layers import LAYERS
from nnlearn.nodes import NODES
from nnlearn.recipe import TrainConfig


def run_cli(*args, cwd=None):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "nnlearn", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def test_train_end_to_end(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "--epochs", "300", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # --quiet：没有进度条
    lines = proc.stdout.splitlines()
    assert "TwoLayerNet(2, 10, 3)" in lines[0] and "SGD(lr=1)" in lines[0]
    loss = float(lines[1].split("：")[1])
    accuracy = float(lines[2].split("：")[1].rstrip("%"))
    assert loss < 0.2
    assert accuracy >= 95.0
    for name in ("loss.png", "boundary.png"):
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


@pytest.mark.parametrize("optimizer", ["momentum", "adagrad", "rmsprop", "adam"])
def test_train_other_optimizers_in_process(tmp_path, capsys, optimizer):
    rc = main(["train", "--optimizer", optimizer, "--lr", "0.1", "--epochs", "30",
               "--hidden-size", "5", "--out", str(tmp_path), "--seed", "3"])
    out = capsys.readouterr().out
    assert rc == 0
    assert {"Momentum": "momentum", "AdaGrad": "adagrad", "RMSprop": "rmsprop",
            "Adam": "adam"}[out.split("；")[2].split("(")[0]] == optimizer
    assert "TwoLayerNet(2, 5, 3)" in out
    assert (tmp_path / "loss.png").exists()


def test_gradcheck_table():
    proc = run_cli("gradcheck")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["对象", "数组", "相对误差", "结果"]
    body = lines[1:-1]
    names = {line.split()[0] for line in body}
    # 注册表里的每个层和节点都在表里：新加的层不用改命令行
    assert names == {cls.__name__ for cls in (*LAYERS, *NODES)} | {"TwoLayerNet"}
    for line in body:
        _, _, err, verdict = line.split()
        assert float(err) < 1e-7 and verdict == "通过"
    assert lines[-1] == f"全部 {len(body)} 项都小于 1e-07"


def test_gradcheck_rows_cover_every_array():
    rows = gradcheck_rows(seed=1)
    arrays = {(name, array) for name, array, _ in rows}
    assert {("Affine", "W"), ("Affine", "b"), ("Affine", "x"), ("Mul", "x1"),
            ("TwoLayerNet", "W1"), ("TwoLayerNet", "b2")} <= arrays
    assert ("TwoLayerNet", "x") not in arrays  # 第一层不算输入的梯度


def test_gradcheck_reports_failure(monkeypatch, capsys):
    monkeypatch.setattr("nnlearn.cli.gradcheck_rows",
                        lambda seed: [("Fake", "W", 3e-2), ("Affine", "b", 1e-11)])
    assert main(["gradcheck"]) == 1
    out = capsys.readouterr().out
    assert "未通过" in out and "并非都小于" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train", "--lr", "-1"], "参数 --lr：应是有限正数，收到 -1"),
        (["train", "--lr", "abc"], "参数 --lr：应是数字，收到 'abc'"),
        (["train", "--epochs", "0"], "--epochs"),
        (["train", "--hidden-size", "2.5"], "参数 --hidden-size：应是整数，收到 '2.5'"),
        (["train", "--optimizer", "sgdd"],
         "参数 --optimizer：应是 sgd、momentum、nesterov、adagrad、rmsprop、adam 之一"),
        (["train", "--seed", "-1"], "参数 --seed：应是不小于 0 的整数，收到 -1"),
        (["gradcheck", "--seed", "-1"], "参数 --seed：应是不小于 0 的整数，收到 -1"),
        (["train", "--weight-scale", "big"], "参数 --weight-scale：应是正数或 xavier、he"),
        (["train", "--max-grad", "0"], "参数 --max-grad：应是有限正数"),
        (["train", "--dtype", "int8"], "参数 --dtype"),
        (["train", "--no-such-flag"], "无法识别的参数：--no-such-flag"),
        (["train", "--epochs"], "参数 --epochs：需要一个值"),
        (["fly"], "无效的选择 'fly'"),
        ([], "缺少必需的参数"),
        (["check"], "缺少必需的参数：FILE.py:NAME"),
    ],
)
def test_bad_arguments_one_chinese_line_exit_2(args, needle, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert "错误" in lines[0] and needle in lines[0]
    for english in ("argument", "invalid", "required", "unrecognized", "expected", "choose from"):
        assert english not in lines[0]


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("the following arguments are required: command", "缺少必需的参数：command"),
        ("argument command: invalid choice: 'fly' (choose from 'train', 'check')",
         "参数 command：无效的选择 'fly'（可选：'train', 'check'）"),
        ("argument --seed: invalid int value: '1.5'", "参数 --seed：'1.5' 不是有效的 int 值"),
        ("unrecognized arguments: --x 3", "无法识别的参数：--x 3"),
        ("argument --lr: expected one argument", "参数 --lr：需要一个值"),
    ],
)
def test_argparse_messages_are_translated(english, chinese):
    assert translate(english) == chinese


def test_bad_argument_in_a_real_process_has_no_traceback():
    for args in (("train", "--lr", "0"), ("train", "--seed", "-1"), ("gradcheck", "--seed", "-1")):
        proc = run_cli(*args)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_batch_larger_than_data_is_a_user_error(capsys):
    assert main(["train", "--batch-size", "301"]) == 2
    assert capsys.readouterr().err.strip() == "错误：--batch-size 301 超过了样本数 300"


def test_bad_out_dir_is_reported_before_training(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    calls = []
    monkeypatch.setattr("nnlearn.recipe.train", lambda *a, **k: calls.append(a))
    assert main(["train", "--epochs", "1", "--out", str(blocker), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"错误：--out {blocker} 已存在，但不是目录"]
    assert calls == []  # 没有开始训练
    (tmp_path / "d" / "loss.png").mkdir(parents=True)
    assert main(["train", "--epochs", "1", "--out", str(tmp_path / "d"), "--quiet"]) == 2
    assert "是一个目录" in capsys.readouterr().err


def test_divergence_is_one_formatted_line(tmp_path, capsys):
    assert main(["train", "--lr", "1e300", "--out", str(tmp_path), "--quiet"]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "训练发散了" in err[0]
    assert len(err[0]) < 200  # 损失是格式化过的，不是 300 位数字
    assert "最终损失" not in captured.out
    assert not (tmp_path / "loss.png").exists()


def test_final_loss_is_formatted(tmp_path, capsys):
    assert main(["train", "--epochs", "2", "--out", str(tmp_path), "--quiet"]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("最终损失"))
    value = line.split("：")[1]
    assert len(value) == 6 and float(value) > 0  # 例如 1.0877


def test_ctrl_c_stops_with_one_line_and_exit_130(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, "-m", "nnlearn", "train", "--epochs", "100000", "--quiet",
                             "--out", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    first = proc.stdout.readline()  # 开始训练前打印的一行
    assert first.startswith("螺旋数据集")
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == INTERRUPTED
    assert "Traceback" not in err
    assert err.strip().splitlines() == ["已中断（Ctrl-C）：训练停止，已经写出的文件保持原样。"]


def test_train_flags_come_from_train_config():
    proc = run_cli("train", "--help")
    for _, option, flag, _ in TrainConfig.flags():
        assert option in proc.stdout
        assert flag.help.split("，")[0] in proc.stdout


def test_command_of_a_config_runs_that_config(tmp_path, capsys):
    from nnlearn.recipe import train

    config = TrainConfig(hidden_size=4, optimizer="adam", lr=0.05, epochs=5, weight_scale="xavier",
                         max_grad=2.0, seed=3)
    args = config.command().split()[3:]
    assert main([*args, "--out", str(tmp_path), "--quiet"]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("最终损失"))
    assert line.endswith(f"{train(config).loss_list[-1]:.4f}")


def test_check_subcommand_delegates_to_run_cli(tmp_path, capsys):
    good = tmp_path / "mine.py"
    good.write_text(
        "import numpy as np\n"
        "class Double:\n"
        "    def __init__(self):\n"
        "        self.params, self.grads = [], []\n"
        "        self.ran = False\n"
        "    def forward(self, x):\n"
        "        self.ran = True\n"
        "        return 2 * x\n"
        "    def backward(self, dout):\n"
        "        if not self.ran:\n"
        "            raise RuntimeError('请先调用 forward')\n"
        "        return 2 * dout\n"
        "class Wrong(Double):\n"
        "    def backward(self, dout):\n"
        "        super().backward(dout)\n"
        "        return 3 * dout\n"
    )
    assert main(["check", f"{good}:Double"]) == 0
    assert capsys.readouterr().out.strip().endswith("全部通过")
    assert main(["check", f"{good}:Wrong"]) == 1
    assert "发现" in capsys.readouterr().out
    assert main(["check", f"{tmp_path / 'missing.py'}:Double"]) == 2


def test_help_is_chinese():
    proc = run_cli("train", "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("用法：")
    for flag in ("--hidden-size", "--epochs", "--batch-size", "--lr", "--optimizer", "--seed",
                 "--out", "--quiet"):
        assert flag in proc.stdout
    assert "学习率" in proc.stdout and "隐藏层" in proc.stdout
    top = run_cli("--help")
    assert "check" in top.stdout and "gradcheck" in top.stdout
