"""命令行：train 端到端写出图片，gradcheck 打印表格，参数错误只给一行提示、退出码 2。"""

import os
import subprocess
import sys

import pytest

from nnlearn.cli import gradcheck_rows, main


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
    assert names == {"MatMul", "Affine", "Sigmoid", "Softmax", "SoftmaxWithLoss", "Add", "Mul",
                     "Branch", "Repeat", "Sum", "TwoLayerNet"}
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
        (["train", "--lr", "-1"], "--lr"),
        (["train", "--lr", "abc"], "--lr"),
        (["train", "--epochs", "0"], "--epochs"),
        (["train", "--hidden-size", "2.5"], "--hidden-size"),
        (["train", "--optimizer", "sgdd"], "--optimizer"),
        (["train", "--no-such-flag"], "--no-such-flag"),
        (["fly"], "fly"),
        ([], "train"),
    ],
)
def test_bad_arguments_one_line_exit_2(args, needle, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert "错误" in lines[0] and needle in lines[0]


def test_bad_argument_in_a_real_process_has_no_traceback():
    proc = run_cli("train", "--lr", "0")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "应为有限正数，收到 '0'" in proc.stderr


def test_batch_larger_than_data_is_a_user_error(capsys):
    assert main(["train", "--batch-size", "301"]) == 2
    assert capsys.readouterr().err.strip() == "错误：--batch-size 301 超过了样本数 300"


def test_unwritable_out_dir_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", "--epochs", "1", "--out", str(blocker), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("错误：无法写出文件")


def test_help_is_chinese():
    proc = run_cli("train", "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("用法：")
    for flag in ("--hidden-size", "--epochs", "--batch-size", "--lr", "--optimizer", "--seed",
                 "--out", "--quiet"):
        assert flag in proc.stdout
    assert "学习率" in proc.stdout and "隐藏层" in proc.stdout
