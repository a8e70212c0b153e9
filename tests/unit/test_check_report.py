"""CheckReport 的语义：三种结果、``ok`` 的定义和最后一行的结论。"""

from __future__ import annotations

import re

import numpy as np
import pytest

from nnlearn.check import CheckReport, check_layer, check_optimizer
from nnlearn.check.report import failed, passed, unchecked
from nnlearn.layers import LAYERS, MatMul
from nnlearn.nodes import NODES
from nnlearn.optim import BY_NAME

LINE = re.compile(r"^  \[(通过|失败|未检查)\] \S")


def report(*steps, blocked=()):
    r = CheckReport("检查 X")
    for name, outcome, decisive in steps:
        r.add(name, outcome, decisive=decisive)
    r.blocked.extend(blocked)
    return r


def test_all_checked_and_passed_is_the_only_way_to_read_all_passed():
    r = report(("a", passed("查了 x"), False), ("梯度确认", passed(), True))
    assert r.ok and r.verdict == "全部通过" and not r.unchecked
    assert str(r).splitlines() == ["检查 X", "  [通过] a：查了 x", "  [通过] 梯度确认", "全部通过"]


def test_an_unchecked_side_item_keeps_ok_but_not_the_words_all_passed():
    r = report(("a", unchecked("检查前已经用过"), False), ("梯度确认", passed(), True))
    assert r.ok
    assert r.unchecked == [("a", "检查前已经用过")]
    assert r.verdict == "没有发现问题，但有 1 项未检查（a）：原因写在该行，能补查的按说明补查"


def test_an_unchecked_decisive_item_means_not_ok_even_without_problems():
    r = report(("a", passed(), False), ("与参照比较", unchecked("找不到参照"), True))
    assert not r.ok and not r.problems
    with pytest.raises(AssertionError, match="未检查"):
        r.raise_if_failed()


def test_without_any_decisive_item_the_report_is_not_ok():
    assert not report(("a", passed(), False)).ok


def test_failures_are_numbered_and_counted_with_the_blocked_and_unchecked_items():
    r = report(("a", failed("问题甲", "问题乙"), False), ("b", unchecked("没法查"), False),
               blocked=["c", "梯度确认"])
    text = str(r).splitlines()
    assert text[1] == "  [失败] a：见问题 1、2"
    assert text[3:5] == ["问题 1：问题甲", "问题 2：问题乙"]
    assert r.verdict == "发现 2 个问题；它挡住了后面 2 项检查，改好后再查一次；另有 1 项未检查（b）"
    assert not r.ok


def test_a_multi_line_detail_is_indented_like_a_problem():
    r = report(("a", unchecked("第一行\n第二行"), False))
    assert str(r).splitlines()[1:3] == ["  [未检查] a：第一行", "    第二行"]


def _reports():
    rng = np.random.default_rng(0)
    for cls in (*LAYERS, *NODES):
        ex = cls.example(rng)
        yield check_layer(ex.obj, *ex.inputs, t=ex.t)
    yield check_layer(MatMul(rng.standard_normal((3, 2)), input_grad=False), rng.standard_normal((4, 3)))
    for cls in BY_NAME.values():
        yield check_optimizer(cls(lr=0.1))


def test_every_report_line_is_one_of_three_words_and_the_last_line_is_the_verdict():
    for r in _reports():
        lines = str(r).splitlines()
        steps = lines[1:1 + len(r.steps)]
        assert all(LINE.match(line) for line in steps), str(r)
        assert lines[-1] == r.verdict
        assert "跳过" not in str(r)


def test_the_package_first_layer_without_dx_is_ok_but_says_what_was_not_checked():
    rng = np.random.default_rng(1)
    r = check_layer(MatMul(rng.standard_normal((3, 2)), input_grad=False), rng.standard_normal((4, 3)))
    assert r.ok, str(r)
    assert "[未检查] backward 的返回值：input_grad=False：这一层不计算对输入的梯度（只查参数的梯度）" in str(r)
    assert "[通过] 梯度确认：W 的相对误差" in str(r)  # 只写真正比较过的数组
    assert r.verdict.startswith("没有发现问题，但有 1 项未检查（backward 的返回值）")


def test_checks_blocked_by_an_unchecked_item_are_counted_too():
    r = report(("a", unchecked("lr 是 0"), False), blocked=["b", "与参照比较"])
    assert not r.ok
    assert r.verdict == ("没有发现问题，但有 1 项未检查（a），后面 2 项检查因此没有进行："
                         "原因写在该行，能补查的按说明补查")
    assert report(("梯度确认", passed(), True), blocked=["c"]).verdict == "没有发现问题，但有 1 项检查没有进行"
